//! EDIFACT COREOR (container release order) as shipping lines and agents send it today,
//! parsed totally: any input gives either the release orders it holds or an error naming the
//! segment (counted from 1) and the byte offset where reading stopped, and why. Never a panic,
//! never a loop that does not end, and no more work than a pass over the input.
//!
//! What is read, per message (`UNH` … `UNT`, type `COREOR`):
//! - `BGM`: the document number (the release's reference) and the message function
//!   (`9` original, `5` replace, `1` cancel);
//! - `RFF+BM`: the bill of lading; `RFF+RE`: a release reference (preferred to BGM's);
//! - `DTM+36` or `DTM+400`: the expiry, format `102` (CCYYMMDD, end of that day UTC) or `203`
//!   (CCYYMMDDHHMM UTC);
//! - `NAD+<qualifier>+<id>`: parties by their code; the release-to party is `NAD+FW`
//!   (forwarder), `NAD+CN` (consignee) or `NAD+CZ`, in that order of preference;
//! - `EQD+CN+<container>`: each container released (ISO 6346 checked).
//!
//! The segment qualifiers are the D.00B directory's as commonly used by lines; an agent whose
//! messages differ needs its own mapping (not yet written). Service string advice (`UNA`) is
//! honoured: separators, the release character and the segment terminator.

use hamnvakt_core::validate::FieldError;

/// One release order: one container on one bill of lading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseOrder {
    /// The message's reference (`UNH` 0062).
    pub message_ref: String,
    pub reference: String,
    /// `original`, `replace` or `cancel`.
    pub function: Function,
    pub container: String,
    pub bill_of_lading: String,
    pub expires_ms: Option<i64>,
    /// The release-to party's code as the line knows it.
    pub release_to: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Original,
    Replace,
    Cancel,
}

/// Where and why reading stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("segment {segment} (byte {offset}): {reason}")]
pub struct ParseError {
    pub segment: usize,
    pub offset: usize,
    pub reason: String,
}

/// The most input read: 4 MiB (a day's releases of a large line fit many times over).
pub const MAX_INPUT: usize = 4 << 20;

#[derive(Debug, Clone, Copy)]
struct Syntax {
    component: u8,
    element: u8,
    release: Option<u8>,
    terminator: u8,
}

/// A segment: its tag, its elements (each a list of components), where it starts.
#[derive(Debug)]
struct Segment {
    index: usize,
    offset: usize,
    tag: String,
    elements: Vec<Vec<String>>,
}

impl Segment {
    fn get(&self, element: usize, component: usize) -> Option<&str> {
        self.elements
            .get(element)
            .and_then(|e| e.get(component))
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    fn err(&self, reason: impl Into<String>) -> ParseError {
        ParseError {
            segment: self.index,
            offset: self.offset,
            reason: reason.into(),
        }
    }
}

fn segments(input: &[u8]) -> Result<Vec<Segment>, ParseError> {
    let mut syntax = Syntax {
        component: b':',
        element: b'+',
        release: Some(b'?'),
        terminator: b'\'',
    };
    let mut pos = 0;
    if input.starts_with(b"UNA") {
        let Some(una) = input.get(3..9) else {
            return Err(ParseError {
                segment: 1,
                offset: 0,
                reason: "UNA must give six service characters".into(),
            });
        };
        let ch = |i: usize| una.get(i).copied().unwrap_or(0);
        syntax = Syntax {
            component: ch(0),
            element: ch(1),
            release: (ch(3) != b' ').then_some(ch(3)),
            terminator: ch(5),
        };
        let (c, e, t) = (syntax.component, syntax.element, syntax.terminator);
        if c == e || e == t || c == t || syntax.release.is_some_and(|r| [c, e, t].contains(&r)) {
            return Err(ParseError {
                segment: 1,
                offset: 0,
                reason: "UNA's separators, release character and terminator must differ".into(),
            });
        }
        pos = 9;
    }
    let mut out = Vec::new();
    let mut elements: Vec<Vec<String>> = Vec::new();
    let mut element: Vec<String> = Vec::new();
    let mut text: Vec<u8> = Vec::new();
    let mut start = pos;
    let mut escaped = false;
    let finish_text = |text: &mut Vec<u8>, at: usize, index: usize| -> Result<String, ParseError> {
        let s = String::from_utf8(std::mem::take(text)).map_err(|_| ParseError {
            segment: index,
            offset: at,
            reason: "text is not UTF-8".into(),
        })?;
        Ok(s)
    };
    let bytes = input.get(pos..).unwrap_or_default();
    for (i, &b) in bytes.iter().enumerate() {
        let at = pos + i;
        let index = out.len() + 1;
        if escaped {
            text.push(b);
            escaped = false;
            continue;
        }
        if Some(b) == syntax.release {
            escaped = true;
        } else if b == syntax.component {
            element.push(finish_text(&mut text, at, index)?);
        } else if b == syntax.element {
            element.push(finish_text(&mut text, at, index)?);
            elements.push(std::mem::take(&mut element));
        } else if b == syntax.terminator {
            element.push(finish_text(&mut text, at, index)?);
            elements.push(std::mem::take(&mut element));
            let mut all = std::mem::take(&mut elements).into_iter();
            let tag = all
                .next()
                .and_then(|e| e.into_iter().next())
                .unwrap_or_default();
            let tag = tag.trim_start_matches(['\r', '\n', ' ']).to_owned();
            if tag.len() != 3 || !tag.bytes().all(|c| c.is_ascii_uppercase()) {
                return Err(ParseError {
                    segment: index,
                    offset: start,
                    reason: format!("{tag:?} is not a segment tag (three capital letters)"),
                });
            }
            out.push(Segment {
                index,
                offset: start,
                tag,
                elements: all.collect(),
            });
            start = at + 1;
        } else if (b == b'\r' || b == b'\n')
            && text.is_empty()
            && element.is_empty()
            && elements.is_empty()
        {
            // Line breaks between segments.
            start = at + 1;
        } else {
            text.push(b);
        }
    }
    let rest_is_blank = bytes
        .get(start.saturating_sub(pos)..)
        .unwrap_or_default()
        .iter()
        .all(|b| b.is_ascii_whitespace());
    if escaped || !rest_is_blank {
        return Err(ParseError {
            segment: out.len() + 1,
            offset: start,
            reason: "the last segment has no terminator".into(),
        });
    }
    Ok(out)
}

fn date(seg: &Segment) -> Result<i64, ParseError> {
    let value = seg.get(0, 1).ok_or_else(|| seg.err("DTM without a date"))?;
    let format = seg.get(0, 2).unwrap_or("102");
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let num = |s: &str, a: usize, b: usize| -> i64 {
        s.get(a..b).and_then(|x| x.parse().ok()).unwrap_or(0)
    };
    let (y, mo, d, h, mi, end_of_day) = match format {
        "102" if digits(value, 8) => (
            num(value, 0, 4),
            num(value, 4, 6),
            num(value, 6, 8),
            0,
            0,
            true,
        ),
        "203" if digits(value, 12) => (
            num(value, 0, 4),
            num(value, 4, 6),
            num(value, 6, 8),
            num(value, 8, 10),
            num(value, 10, 12),
            false,
        ),
        "102" | "203" => return Err(seg.err(format!("{value:?} does not match format {format}"))),
        other => return Err(seg.err(format!("date format {other:?} is not read (102 or 203)"))),
    };
    if !(1970..=9999).contains(&y)
        || !(1..=12).contains(&mo)
        || !(0..=23).contains(&h)
        || !(0..=59).contains(&mi)
    {
        return Err(seg.err(format!("{value:?} is not a date")));
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let dim = month_days
        .get(usize::try_from(mo - 1).unwrap_or(0))
        .copied()
        .unwrap_or(31);
    if d < 1 || d > dim {
        return Err(seg.err(format!("{value:?} is not a date")));
    }
    // Days since the epoch (civil from days, Howard Hinnant's algorithm).
    let (yy, mm) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let ms = days * 86_400_000 + h * 3_600_000 + mi * 60_000;
    Ok(if end_of_day { ms + 86_400_000 - 1 } else { ms })
}

#[derive(Default)]
struct Message {
    message_ref: String,
    reference: Option<String>,
    release_ref: Option<String>,
    function: Option<Function>,
    bill: Option<String>,
    expires_ms: Option<i64>,
    parties: Vec<(String, String)>,
    containers: Vec<String>,
}

/// Parses an interchange of COREOR messages into release orders.
pub fn parse(input: &[u8]) -> Result<Vec<ReleaseOrder>, ParseError> {
    if input.len() > MAX_INPUT {
        return Err(ParseError {
            segment: 0,
            offset: MAX_INPUT,
            reason: format!("the interchange is larger than {MAX_INPUT} bytes"),
        });
    }
    let segs = segments(input)?;
    let mut out = Vec::new();
    let mut current: Option<(Message, usize)> = None;
    let mut seen_unb = false;
    for seg in &segs {
        match seg.tag.as_str() {
            "UNB" => {
                if seen_unb {
                    return Err(seg.err("a second UNB"));
                }
                seen_unb = true;
            }
            "UNZ" => {
                if current.is_some() {
                    return Err(seg.err("UNZ inside a message (UNT missing)"));
                }
            }
            "UNH" => {
                if current.is_some() {
                    return Err(seg.err("UNH inside a message (UNT missing)"));
                }
                let r = seg
                    .get(0, 0)
                    .ok_or_else(|| seg.err("UNH without a message reference"))?;
                let kind = seg.get(1, 0).unwrap_or("");
                if kind != "COREOR" {
                    return Err(seg.err(format!("message type {kind:?} is not COREOR")));
                }
                current = Some((
                    Message {
                        message_ref: r.to_owned(),
                        ..Message::default()
                    },
                    1,
                ));
            }
            "UNT" => {
                let Some((m, count)) = current.take() else {
                    return Err(seg.err("UNT without UNH"));
                };
                if let Some(n) = seg.get(0, 0) {
                    if n.parse::<usize>().ok() != Some(count + 1) {
                        return Err(seg.err(format!(
                            "UNT counts {n} segments, the message has {}",
                            count + 1
                        )));
                    }
                }
                if seg.get(1, 0) != Some(m.message_ref.as_str()) {
                    return Err(seg.err("UNT's reference differs from UNH's"));
                }
                out.extend(orders(m, seg)?);
            }
            tag => {
                let Some((m, count)) = current.as_mut() else {
                    return Err(seg.err(format!("{tag} outside a message")));
                };
                *count += 1;
                read(m, seg)?;
            }
        }
    }
    if let Some(seg) = segs.last().filter(|_| current.is_some()) {
        return Err(seg.err("the message has no UNT"));
    }
    Ok(out)
}

fn read(m: &mut Message, seg: &Segment) -> Result<(), ParseError> {
    match seg.tag.as_str() {
        "BGM" => {
            m.reference = seg.get(1, 0).map(str::to_owned);
            m.function = Some(match seg.get(2, 0).unwrap_or("9") {
                "9" => Function::Original,
                "5" => Function::Replace,
                "1" => Function::Cancel,
                other => {
                    return Err(seg.err(format!(
                        "message function {other:?} is not read (9, 5 or 1)"
                    )))
                }
            });
        }
        "RFF" => match (seg.get(0, 0), seg.get(0, 1)) {
            (Some("BM"), Some(bl)) => {
                let bl = crate::container::bill_of_lading("bill_of_lading", bl)
                    .map_err(|e: FieldError| seg.err(format!("bill of lading: {}", e.reason)))?;
                if m.bill.as_ref().is_some_and(|b| *b != bl) {
                    return Err(seg.err("a second bill of lading in one message"));
                }
                m.bill = Some(bl);
            }
            (Some("RE"), Some(r)) => m.release_ref = Some(r.to_owned()),
            _ => {}
        },
        "DTM" if matches!(seg.get(0, 0), Some("36" | "400")) => {
            m.expires_ms = Some(date(seg)?);
        }
        "NAD" => {
            let (q, id) = (seg.get(0, 0), seg.get(1, 0));
            m.parties
                .extend(q.zip(id).map(|(q, id)| (q.to_owned(), id.to_owned())));
        }
        "EQD" if seg.get(0, 0) == Some("CN") => {
            let n = seg
                .get(1, 0)
                .ok_or_else(|| seg.err("EQD+CN without a container number"))?;
            let n = crate::container::container_number("container", n)
                .map_err(|e| seg.err(format!("container {n:?}: {}", e.reason)))?;
            if m.containers.len() >= 999 {
                return Err(seg.err("more than 999 containers in one message"));
            }
            m.containers.push(n);
        }
        _ => {}
    }
    Ok(())
}

fn orders(m: Message, unt: &Segment) -> Result<Vec<ReleaseOrder>, ParseError> {
    let reference = m
        .release_ref
        .or(m.reference)
        .ok_or_else(|| unt.err("the message names no release reference (BGM or RFF+RE)"))?;
    let bill = m
        .bill
        .ok_or_else(|| unt.err("the message names no bill of lading (RFF+BM)"))?;
    if m.containers.is_empty() {
        return Err(unt.err("the message releases no container (EQD+CN)"));
    }
    let release_to = ["FW", "CN", "CZ"]
        .iter()
        .find_map(|q| m.parties.iter().find(|p| p.0 == *q).map(|p| p.1.clone()));
    Ok(m.containers
        .into_iter()
        .map(|container| ReleaseOrder {
            message_ref: m.message_ref.clone(),
            reference: reference.clone(),
            function: m.function.unwrap_or(Function::Original),
            container,
            bill_of_lading: bill.clone(),
            expires_ms: m.expires_ms,
            release_to: release_to.clone(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "UNA:+.? '\
UNB+UNOC:3+NSFS:ZZZ+SESTO:ZZZ+261201:2310+4711'\
UNH+1+COREOR:D:00B:UN:SMDG20'\
BGM+129+REL-2611-0042+9'\
RFF+BM:NSFS123456GYE'\
DTM+36:20270130:102'\
NAD+CA+NSFS:160:ZZZ'\
NAD+FW+NORVIKFF:160:ZZZ'\
EQD+CN+MSKU4839210:6346:5+45R1:6346:5+3+5'\
EQD+CN+CSQU3054383:6346:5+45R1:6346:5+3+5'\
UNT+9+1'\
UNZ+1+4711'";

    #[test]
    fn reads_a_release_order_per_container() {
        let got = parse(GOOD.as_bytes());
        let orders = got.as_deref().unwrap_or_default();
        assert_eq!(orders.len(), 2, "{got:?}");
        let o = orders.first().cloned();
        let o = o.as_ref();
        assert_eq!(o.map(|o| o.container.as_str()), Some("MSKU4839210"));
        assert_eq!(o.map(|o| o.bill_of_lading.as_str()), Some("NSFS123456GYE"));
        assert_eq!(o.map(|o| o.reference.as_str()), Some("REL-2611-0042"));
        assert_eq!(o.and_then(|o| o.release_to.as_deref()), Some("NORVIKFF"));
        // 2027-01-30, the end of that day in UTC.
        assert_eq!(o.and_then(|o| o.expires_ms), Some(1_801_353_599_999));
        assert_eq!(o.map(|o| o.function), Some(Function::Original));
    }

    #[test]
    fn release_characters_and_line_breaks() {
        let text = GOOD
            .replace(
                "RFF+BM:NSFS123456GYE'",
                "RFF+RE:A?+B?'C'\r\nRFF+BM:NSFS123456GYE'\n",
            )
            .replace("UNT+9+1", "UNT+10+1");
        let orders = parse(text.as_bytes()).unwrap_or_default();
        assert_eq!(orders.first().map(|o| o.reference.as_str()), Some("A+B'C"));
    }

    #[test]
    fn errors_name_the_segment_and_the_byte() {
        let cases = [
            (GOOD.replace("MSKU4839210", "MSKU4839211"), 8, "check digit"),
            (GOOD.replace("UNT+9+1", "UNT+8+1"), 10, "counts 8"),
            (GOOD.replace("COREOR:D", "IFTMIN:D"), 2, "not COREOR"),
            (
                GOOD.replace("RFF+BM:NSFS123456GYE'", "")
                    .replace("UNT+9+1", "UNT+8+1"),
                9,
                "no bill of lading",
            ),
            (GOOD.replace("20270130", "20270230"), 5, "not a date"),
            (GOOD.replace("+9'", "+7'"), 3, "message function"),
            (GOOD.trim_end_matches('\'').to_owned(), 11, "no terminator"),
            (GOOD.replace("UNT+9+1'", ""), 10, "UNZ inside a message"),
        ];
        for (text, segment, why) in cases {
            let e = parse(text.as_bytes()).err();
            assert!(e.is_some(), "{why}: parsed");
            if let Some(e) = e {
                assert_eq!(e.segment, segment, "{why}: {e}");
                assert!(e.reason.contains(why), "{why}: {e}");
                assert!(e.offset <= text.len());
            }
        }
        assert!(parse(b"UNA:+").is_err());
        assert!(parse(b"UNA:::::'").is_err());
        assert_eq!(parse(b"").ok(), Some(Vec::new()));
    }
}
