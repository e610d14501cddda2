//! A small PDF 1.4 writer for text reports: A4 pages, the standard Helvetica faces in
//! WinAnsi encoding (Swedish letters, dashes and §), lines wrapped to the page, a page
//! number at the foot of each page. Enough for an assessment report; no images, no fonts
//! to embed, so the output is small and every byte is ours to check.

/// A4 in points.
const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;

/// A document being written.
#[derive(Debug, Default)]
pub struct Doc {
    pages: Vec<String>,
    page: String,
    y: f32,
}

/// The WinAnsi byte of a character, `?` for those it lacks.
fn win_ansi(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        '€' => 0x80,
        '…' => 0x85,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        _ => b'?',
    }
}

/// A PDF string literal of `text`.
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('(');
    for c in text.chars() {
        match win_ansi(c) {
            b'(' => out.push_str("\\("),
            b')' => out.push_str("\\)"),
            b'\\' => out.push_str("\\\\"),
            b @ 0x20..=0x7e => out.push(char::from(b)),
            b => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push(')');
    out
}

/// The width of `text` in points, by Helvetica's average advance (an over-estimate for
/// most text, so wrapped lines stay inside the margin).
fn width(text: &str, size: f32, bold: bool) -> f32 {
    let per = if bold { 0.58 } else { 0.53 };
    text.chars().count() as f32 * size * per
}

/// Splits `text` into lines no wider than `max` points.
fn wrap(text: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if width(&candidate, size, bold) > max && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line = word.to_owned();
            } else {
                line = candidate;
            }
        }
        lines.push(line);
    }
    lines
}

impl Doc {
    pub fn new() -> Doc {
        Doc {
            pages: Vec::new(),
            page: String::new(),
            y: HEIGHT - MARGIN,
        }
    }

    fn need(&mut self, height: f32) {
        if self.y - height < MARGIN {
            self.pages.push(std::mem::take(&mut self.page));
            self.y = HEIGHT - MARGIN;
        }
    }

    /// Writes `text` wrapped, `indent` points in from the margin.
    pub fn text(&mut self, text: &str, size: f32, bold: bool, indent: f32) {
        let leading = size * 1.3;
        let font = if bold { "F2" } else { "F1" };
        for line in wrap(text, size, bold, WIDTH - 2.0 * MARGIN - indent) {
            self.need(leading);
            self.y -= leading;
            self.page.push_str(&format!(
                "BT /{font} {size} Tf {x:.1} {y:.1} Td {} Tj ET\n",
                literal(&line),
                x = MARGIN + indent,
                y = self.y,
            ));
        }
    }

    pub fn heading(&mut self, text: &str) {
        self.space(8.0);
        self.need(40.0);
        self.text(text, 14.0, true, 0.0);
        self.space(2.0);
    }

    pub fn space(&mut self, points: f32) {
        self.y -= points;
    }

    /// The finished file.
    pub fn finish(mut self) -> Vec<u8> {
        if !self.page.is_empty() || self.pages.is_empty() {
            self.pages.push(std::mem::take(&mut self.page));
        }
        let n = self.pages.len();
        // Objects: 1 catalogue, 2 page tree, 3 and 4 fonts, then per page its page object
        // and its content stream.
        let mut objects: Vec<String> = Vec::with_capacity(4 + 2 * n);
        objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
        let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 5 + 2 * i)).collect();
        objects.push(format!(
            "<< /Type /Pages /Kids [{}] /Count {n} >>",
            kids.join(" ")
        ));
        for face in ["Helvetica", "Helvetica-Bold"] {
            objects.push(format!(
                "<< /Type /Font /Subtype /Type1 /BaseFont /{face} /Encoding /WinAnsiEncoding >>"
            ));
        }
        for (i, content) in self.pages.iter().enumerate() {
            let footer = format!(
                "BT /F1 8 Tf {:.1} 30 Td {} Tj ET\n",
                WIDTH / 2.0 - 20.0,
                literal(&format!("{} / {n}", i + 1))
            );
            let stream = format!("{content}{footer}");
            objects.push(format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {WIDTH} {HEIGHT}] \
                 /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                6 + 2 * i
            ));
            objects.push(format!(
                "<< /Length {} >>\nstream\n{stream}endstream",
                stream.len()
            ));
        }
        let mut out: Vec<u8> = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut offsets = Vec::with_capacity(objects.len());
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
        for o in offsets {
            table.push_str(&format!("{o:010} 00000 n \n"));
        }
        table.push_str(&format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        ));
        out.extend_from_slice(table.as_bytes());
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_in_win_ansi() {
        assert_eq!(literal("a(b)\\"), "(a\\(b\\)\\\\)");
        assert_eq!(literal("Värtan – §7"), "(V\\344rtan \\226 \\2477)");
        assert_eq!(literal("漢"), "(?)");
    }

    #[test]
    fn the_cross_reference_table_points_at_each_object() {
        let mut d = Doc::new();
        for i in 0..200 {
            d.text(
                &format!("line {i} with some words to wrap around"),
                10.0,
                i % 2 == 0,
                0.0,
            );
        }
        let bytes = d.finish();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        assert!(bytes.starts_with(b"%PDF-1.4"));
        assert!(bytes.ends_with(b"%%EOF\n"));
        let start: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(bytes[start..].starts_with(b"xref\n"));
        // Each entry's offset starts "<n> 0 obj".
        let table = String::from_utf8(bytes[start..].to_vec()).unwrap();
        let entries: Vec<&str> = table
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "))
            .collect();
        assert!(entries.len() > 10);
        for (n, line) in entries.iter().enumerate() {
            let off: usize = line[..10].parse().unwrap();
            let head = format!("{} 0 obj", n + 1);
            assert!(
                bytes[off..].starts_with(head.as_bytes()),
                "object {}",
                n + 1
            );
        }
        assert!(
            text.contains("/Count 4"),
            "200 lines at 56 a page are four pages"
        );
    }

    #[test]
    fn long_lines_wrap_inside_the_margin() {
        let long = "word ".repeat(100);
        for line in wrap(&long, 10.0, false, 400.0) {
            assert!(width(&line, 10.0, false) <= 400.0);
        }
    }
}
