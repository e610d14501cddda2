//! Encoding the messages a simulator or a test needs — Class A position reports (type 1),
//! static and voyage data (type 5) and Class B position reports (type 18) — into NMEA
//! `!AIVDM` sentences with an optional NMEA 4.0 tag block carrying the receive time and
//! source. The demo's traffic is written with it and read back through the real decoder.

use std::fmt::Write as _;

use crate::text::SIXBIT;

/// An append-only bit buffer, most significant bit first.
#[derive(Debug, Default, Clone)]
pub struct BitWriter {
    bits: Vec<bool>,
}

impl BitWriter {
    pub fn new() -> BitWriter {
        BitWriter::default()
    }

    /// Appends the low `width` bits of `value`.
    pub fn uint(&mut self, width: u32, value: u64) -> &mut Self {
        for k in (0..width).rev() {
            self.bits.push((value >> k) & 1 == 1);
        }
        self
    }

    /// Appends a two's-complement signed value in `width` bits.
    pub fn int(&mut self, width: u32, value: i64) -> &mut Self {
        let mask = if width >= 64 {
            u64::MAX
        } else {
            (1u64 << width) - 1
        };
        self.uint(width, (value as u64) & mask)
    }

    /// Appends six-bit text padded with `@` to `chars` characters; characters outside the
    /// table become spaces.
    pub fn text(&mut self, chars: usize, s: &str) -> &mut Self {
        let mut bytes = s.bytes().map(|b| b.to_ascii_uppercase());
        for _ in 0..chars {
            let code = match bytes.next() {
                Some(b) => SIXBIT.iter().position(|&c| c == b).unwrap_or(32),
                None => 0,
            };
            self.uint(6, code as u64);
        }
        self
    }

    pub fn len(&self) -> usize {
        self.bits.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bits.is_empty()
    }

    /// The armoured payload and its fill-bit count.
    pub fn armour(&self) -> (String, u8) {
        let fill = (6 - self.bits.len() % 6) % 6;
        let mut out = String::with_capacity(self.bits.len() / 6 + 1);
        for chunk in self.bits.chunks(6) {
            let mut v = 0u8;
            for k in 0..6 {
                v = (v << 1) | u8::from(chunk.get(k).copied().unwrap_or(false));
            }
            let c = if v < 40 { v + 48 } else { v + 56 };
            out.push(char::from(c));
        }
        (out, fill as u8)
    }
}

/// The XOR checksum of NMEA 0183 over `body` (the text between `!`/`$`/`\` and `*`).
pub fn checksum(body: &str) -> u8 {
    body.bytes().fold(0, |a, b| a ^ b)
}

/// A type 1 position report's fields in ordinary units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PositionReport {
    pub mmsi: u32,
    /// Navigational status (0 under way using engine, 1 at anchor, 5 moored, 15 undefined).
    pub status: u8,
    pub lat: f64,
    pub lon: f64,
    pub speed_kn: f64,
    pub course_deg: f64,
    pub heading_deg: Option<u16>,
    /// UTC second of the report.
    pub second: u8,
}

/// Type 1 (Class A) bits.
pub fn position_a(p: &PositionReport) -> BitWriter {
    let mut w = BitWriter::new();
    w.uint(6, 1).uint(2, 0).uint(30, u64::from(p.mmsi));
    w.uint(4, u64::from(p.status)).int(8, -128);
    w.uint(10, speed_code(p.speed_kn)).uint(1, 1);
    w.int(28, (p.lon * 600_000.0).round() as i64)
        .int(27, (p.lat * 600_000.0).round() as i64);
    w.uint(12, course_code(p.course_deg))
        .uint(9, u64::from(p.heading_deg.unwrap_or(511).min(511)));
    w.uint(6, u64::from(p.second.min(63)))
        .uint(2, 0)
        .uint(3, 0)
        .uint(1, 0)
        .uint(19, 0);
    w
}

/// Type 18 (Class B "CS") bits.
pub fn position_b(p: &PositionReport) -> BitWriter {
    let mut w = BitWriter::new();
    w.uint(6, 18)
        .uint(2, 0)
        .uint(30, u64::from(p.mmsi))
        .uint(8, 0);
    w.uint(10, speed_code(p.speed_kn)).uint(1, 0);
    w.int(28, (p.lon * 600_000.0).round() as i64)
        .int(27, (p.lat * 600_000.0).round() as i64);
    w.uint(12, course_code(p.course_deg))
        .uint(9, u64::from(p.heading_deg.unwrap_or(511).min(511)));
    w.uint(6, u64::from(p.second.min(63))).uint(2, 0);
    // CS unit, no display, DSC, whole band, message 22, not assigned, no RAIM; the radio
    // field's CS filler.
    w.uint(1, 1)
        .uint(1, 0)
        .uint(1, 1)
        .uint(1, 1)
        .uint(1, 1)
        .uint(1, 0)
        .uint(1, 0)
        .uint(20, 0b1100000000000000110);
    w
}

/// A type 5 message's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct StaticReport {
    pub mmsi: u32,
    pub imo: u32,
    pub callsign: String,
    pub name: String,
    pub ship_type: u8,
    /// Distances from the reference point to bow, stern, port and starboard in metres.
    pub to_bow: u16,
    pub to_stern: u16,
    pub to_port: u8,
    pub to_starboard: u8,
    /// ETA month, day, hour, minute (0/0/24/60 not available).
    pub eta: (u8, u8, u8, u8),
    pub draught_m: f64,
    pub destination: String,
}

/// Type 5 bits (424).
pub fn static_voyage(s: &StaticReport) -> BitWriter {
    let mut w = BitWriter::new();
    w.uint(6, 5)
        .uint(2, 0)
        .uint(30, u64::from(s.mmsi))
        .uint(2, 0);
    w.uint(30, u64::from(s.imo))
        .text(7, &s.callsign)
        .text(20, &s.name);
    w.uint(8, u64::from(s.ship_type))
        .uint(9, u64::from(s.to_bow.min(511)))
        .uint(9, u64::from(s.to_stern.min(511)))
        .uint(6, u64::from(s.to_port.min(63)))
        .uint(6, u64::from(s.to_starboard.min(63)));
    w.uint(4, 1)
        .uint(4, u64::from(s.eta.0))
        .uint(5, u64::from(s.eta.1))
        .uint(5, u64::from(s.eta.2))
        .uint(6, u64::from(s.eta.3));
    w.uint(8, (s.draught_m * 10.0).round().clamp(0.0, 255.0) as u64)
        .text(20, &s.destination)
        .uint(1, 0)
        .uint(1, 0);
    w
}

fn speed_code(kn: f64) -> u64 {
    if kn.is_nan() || kn < 0.0 {
        1023
    } else {
        (kn * 10.0).round().min(1022.0) as u64
    }
}

fn course_code(deg: f64) -> u64 {
    if deg.is_nan() {
        3600
    } else {
        ((deg.rem_euclid(360.0)) * 10.0).round().min(3599.0) as u64
    }
}

/// How the sentences of one message are framed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Framing<'a> {
    /// Receive time in milliseconds since the epoch, written as a tag block `c:` (seconds).
    pub time_ms: Option<i64>,
    /// Source station, written as a tag block `s:`.
    pub source: Option<&'a str>,
    /// Radio channel, `A` or `B`.
    pub channel: char,
    /// Sequential message id for multi-sentence messages (0–9).
    pub sequence: u8,
}

/// The `!AIVDM` sentences carrying `bits`, each ending in `\n`, appended to `out`. Messages
/// longer than one sentence (60 six-bit characters here) are split into fragments, each with
/// the tag block, as receivers that stamp every sentence write them.
pub fn sentences(bits: &BitWriter, f: &Framing<'_>, out: &mut String) {
    let (payload, fill) = bits.armour();
    let chunks: Vec<&str> = payload
        .as_bytes()
        .chunks(60)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    let total = chunks.len().max(1);
    let channel = if f.channel == '\0' { 'A' } else { f.channel };
    for (i, chunk) in chunks.iter().enumerate() {
        if f.time_ms.is_some() || f.source.is_some() {
            let mut tag = String::new();
            if let Some(s) = f.source {
                let _ = write!(tag, "s:{s}");
            }
            if let Some(t) = f.time_ms {
                if !tag.is_empty() {
                    tag.push(',');
                }
                let _ = write!(tag, "c:{}", t.div_euclid(1000));
            }
            let _ = write!(out, "\\{tag}*{:02X}\\", checksum(&tag));
        }
        let seq = if total > 1 {
            (b'0' + f.sequence % 10) as char
        } else {
            ' '
        };
        let seq = if seq == ' ' {
            String::new()
        } else {
            seq.to_string()
        };
        let last_fill = if i + 1 == total { fill } else { 0 };
        let body = format!(
            "AIVDM,{total},{},{seq},{channel},{chunk},{last_fill}",
            i + 1
        );
        let _ = writeln!(out, "!{body}*{:02X}", checksum(&body));
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::{Body, Decoder, Feed};

    fn decode_all(text: &str) -> Vec<crate::Message> {
        let mut d = Decoder::new();
        text.lines()
            .filter_map(|l| match d.feed(l.as_bytes()) {
                Feed::Message(m, _) => Some(m),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn position_reports_round_trip() {
        let p = PositionReport {
            mmsi: 265_547_250,
            status: 0,
            lat: 59.351_5,
            lon: 18.112_7,
            speed_kn: 17.3,
            course_deg: 84.2,
            heading_deg: Some(85),
            second: 31,
        };
        for bits in [position_a(&p), position_b(&p)] {
            assert_eq!(bits.len(), 168);
            let mut out = String::new();
            sentences(
                &bits,
                &Framing {
                    time_ms: Some(1_700_000_000_000),
                    source: Some("demo"),
                    channel: 'B',
                    sequence: 0,
                },
                &mut out,
            );
            let m = decode_all(&out);
            assert_eq!(m.len(), 1, "{out}");
            let m = &m[0];
            assert_eq!(m.mmsi, p.mmsi);
            let (lat, lon) = m.position().expect("a position");
            assert!((lat - p.lat).abs() < 1e-6 && (lon - p.lon).abs() < 1e-6);
            assert_eq!(m.speed_kn(), Some(17.3));
            assert_eq!(m.course_deg(), Some(84.2));
            assert_eq!(m.heading_deg(), Some(85));
        }
    }

    #[test]
    fn static_report_round_trips_in_two_fragments() {
        let s = StaticReport {
            mmsi: 230_184_000,
            imo: 9_214_432,
            callsign: "OJPQ".into(),
            name: "Finnsirius".into(),
            ship_type: 69,
            to_bow: 150,
            to_stern: 85,
            to_port: 16,
            to_starboard: 15,
            eta: (11, 28, 18, 30),
            draught_m: 6.8,
            destination: "KAPELLSKAR".into(),
        };
        let bits = static_voyage(&s);
        assert_eq!(bits.len(), 424);
        let mut out = String::new();
        sentences(
            &bits,
            &Framing {
                sequence: 3,
                ..Framing::default()
            },
            &mut out,
        );
        assert_eq!(out.lines().count(), 2, "{out}");
        let m = decode_all(&out);
        let Body::StaticVoyage(sv) = &m[0].body else {
            panic!("not type 5: {m:?}");
        };
        assert_eq!(sv.imo, 9_214_432);
        assert_eq!(sv.shipname.trimmed().as_str(), "FINNSIRIUS");
        assert_eq!(sv.callsign.trimmed().as_str(), "OJPQ");
        assert_eq!(sv.destination.trimmed().as_str(), "KAPELLSKAR");
        assert_eq!(sv.draught, 68);
    }
}
