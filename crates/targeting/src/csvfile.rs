//! What the two CSV readers ([`crate::consignment::read_consignments`] and
//! [`crate::mapping::read_from`]) share: errors name the line of the file a record starts on
//! (a blank line or a quoted line break makes that differ from the record's number), and a
//! quote left open, which would take every later row into one field, is reported on the line
//! where it opened.

use std::io::Read;

use csv::StringRecord;

/// A CSV file with a header, read record by record, each with the 1-based line of the file it
/// starts on (the header is line 1).
///
/// The line is the csv crate's [`csv::Position::line`] — which counts line breaks inside quoted
/// fields — corrected for blank lines: the reader skips them, but the position it gives a
/// record is where it started looking, before the blank lines. So the input passes through a
/// window that keeps the bytes from the last record on, to count the blank lines at the
/// position.
pub struct CsvFile<R: Read> {
    rd: csv::Reader<Window<R>>,
}

impl<R: Read> std::fmt::Debug for CsvFile<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvFile").finish_non_exhaustive()
    }
}

struct Window<R> {
    inner: R,
    /// The file offset of `bytes[0]`.
    base: u64,
    bytes: Vec<u8>,
}

impl<R: Read> Read for Window<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes
            .extend_from_slice(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

impl<R> Window<R> {
    /// The blank lines at file offset `at`, forgetting the bytes before it.
    fn blank_lines_at(&mut self, at: u64) -> u64 {
        let skip = usize::try_from(at.saturating_sub(self.base))
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        self.bytes.drain(..skip);
        self.base += skip as u64;
        self.bytes
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .filter(|&&b| b == b'\n')
            .count() as u64
    }
}

impl<R: Read> CsvFile<R> {
    pub fn new(input: R) -> CsvFile<R> {
        let window = Window {
            inner: input,
            base: 0,
            bytes: Vec::new(),
        };
        CsvFile {
            rd: csv::ReaderBuilder::new().flexible(true).from_reader(window),
        }
    }

    pub fn headers(&mut self) -> csv::Result<StringRecord> {
        self.rd.headers().cloned()
    }

    fn line(&mut self, pos: Option<&csv::Position>, fallback: u64) -> u64 {
        match pos {
            Some(p) => p.line() + self.rd.get_mut().blank_lines_at(p.byte()),
            None => fallback,
        }
    }

    /// The next record and the line it starts on; a record that cannot be read, with the line
    /// it starts on as far as the error tells.
    pub fn next_record(&mut self) -> Option<(u64, csv::Result<StringRecord>)> {
        let fallback = self.rd.position().line() + 1;
        let mut rec = StringRecord::new();
        match self.rd.read_record(&mut rec) {
            Ok(false) => None,
            Ok(true) => {
                let line = self.line(rec.position().cloned().as_ref(), fallback);
                Some((line, Ok(rec)))
            }
            Err(e) => {
                let line = self.line(e.position().cloned().as_ref(), fallback);
                Some((line, Err(e)))
            }
        }
    }
}
/// A quoted field that holds line breaks followed by what look like rows of the file: a
/// closing quote is missing, and the reader took the rows after it into the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunawayQuote {
    /// The line the field (and so its opening quote) starts on.
    pub line: u64,
    /// The field's position in the record.
    pub column: usize,
    /// The last line the field took in.
    pub through: u64,
    /// How many of the lines it took in look like rows.
    pub rows: u64,
}

impl RunawayQuote {
    pub fn reason(&self) -> String {
        format!(
            "a quote opened on this line is not closed until line {}: the {} line{} after it that look like rows were read into this one field; close the quote",
            self.through,
            self.rows,
            if self.rows == 1 { "" } else { "s" }
        )
    }
}

/// Finds a runaway quote in a record that starts on `line` of a file whose header has `width`
/// columns. A line inside a field looks like a row when it has as many separators as a row has
/// (`width - 1`, and at least two, so that an address written over lines is not mistaken for
/// rows).
pub fn runaway_quote(rec: &StringRecord, line: u64, width: usize) -> Option<RunawayQuote> {
    let need = width.saturating_sub(1).max(2);
    let mut line = line;
    for (column, field) in rec.iter().enumerate() {
        // A quote still open at the end of the file takes in the last line break too.
        let field = field.trim_end_matches(['\r', '\n']);
        let breaks = field.matches('\n').count() as u64;
        if breaks > 0 {
            let rows = field
                .split('\n')
                .skip(1)
                .filter(|l| l.matches(',').count() >= need)
                .count() as u64;
            if rows > 0 {
                return Some(RunawayQuote {
                    line,
                    column,
                    through: line + breaks,
                    rows,
                });
            }
        }
        line += breaks;
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<(u64, StringRecord)> {
        let mut f = CsvFile::new(text.as_bytes());
        f.headers().unwrap();
        std::iter::from_fn(|| f.next_record())
            .map(|(l, r)| (l, r.unwrap()))
            .collect()
    }

    #[test]
    fn records_know_their_file_line() {
        let text = "a,b\n1,2\n\n3,\"x\ny\"\n4,5\n\n\r\n\n6,7\n8,\"\n\n\"\n9,9";
        let lines: Vec<u64> = records(text).iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 4, 6, 10, 11, 14]);
        // With a tiny read buffer too (the window keeps what the parser has not reached).
        let mut f = CsvFile {
            rd: csv::ReaderBuilder::new()
                .flexible(true)
                .buffer_capacity(1)
                .from_reader(Window {
                    inner: text.as_bytes(),
                    base: 0,
                    bytes: Vec::new(),
                }),
        };
        f.headers().unwrap();
        let lines: Vec<u64> = std::iter::from_fn(|| f.next_record())
            .map(|(l, _)| l)
            .collect();
        assert_eq!(lines, [2, 4, 6, 10, 11, 14]);
        // An unreadable record (not UTF-8) is named by its line as well.
        let mut f = CsvFile::new(&b"a,b\n1,2\n\n\xff,3\n4,5\n"[..]);
        f.headers().unwrap();
        let got: Vec<(u64, bool)> = std::iter::from_fn(|| f.next_record())
            .map(|(l, r)| (l, r.is_ok()))
            .collect();
        assert_eq!(got, [(2, true), (4, false), (5, true)]);
    }

    #[test]
    fn a_quoted_line_break_is_not_a_runaway_but_swallowed_rows_are() {
        let r = records("a,b,c\n1,\"Storgatan 1,\n111 22 Stockholm\",x\n");
        assert_eq!(runaway_quote(&r[0].1, r[0].0, 3), None);
        let r = records("a,b,c\n1,2,3\n4,\"oops,6\n7,8,9\n10,11,12\n");
        assert_eq!(runaway_quote(&r[0].1, r[0].0, 3), None);
        assert_eq!(
            runaway_quote(&r[1].1, r[1].0, 3),
            Some(RunawayQuote {
                line: 3,
                column: 1,
                through: 5,
                rows: 2
            })
        );
    }
}
