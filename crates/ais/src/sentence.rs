//! NMEA 0183 framing: one input line into a VDM/VDO sentence with its receive metadata, or a
//! metadata line (a DMA `\si:` source line, a Gatehouse `$PGHP` receive-time header), or
//! something to skip. Nothing here allocates: fields are slices of the line.

/// Why a line is not a usable sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineError {
    /// No `*hh` checksum, or one that does not match the sentence.
    Checksum,
    /// Fewer than the seven fields of a VDM sentence, or one that does not parse.
    Field(&'static str),
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LineError::Checksum => f.write_str("missing or wrong NMEA checksum"),
            LineError::Field(name) => write!(f, "bad or missing field: {name}"),
        }
    }
}

/// Receive metadata from an NMEA 4.0 tag block (`\s:…,c:…,g:…*hh\`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TagBlock<'a> {
    /// `s:` the source (station) that heard it.
    pub source: Option<&'a str>,
    /// `c:` receive time, Unix seconds (or milliseconds when the value is that large).
    pub time_ms: Option<i64>,
    /// `g:` sentence number, count and group id of a tag-block group.
    pub group: Option<(u8, u8, u32)>,
}

/// One `!xxVDM` / `!xxVDO` sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence<'a> {
    /// The two-character talker (`AI`, `AB`, `BS`, …).
    pub talker: [u8; 2],
    /// `VDO`: the receiver's own ship.
    pub own: bool,
    pub total: u8,
    pub number: u8,
    /// Sequential message id linking the fragments of one message.
    pub seq: Option<u8>,
    /// Radio channel (`A`, `B`, `1`, `2`) or 0 when absent.
    pub channel: u8,
    pub payload: &'a [u8],
    pub fill: u8,
    pub tag: TagBlock<'a>,
    /// A Unix time (seconds) after the checksum, as some feeds append.
    pub trailing_time_ms: Option<i64>,
    /// The sentence's checksum (links a Gatehouse header to it).
    pub checksum: u8,
}

/// A Gatehouse `$PGHP,1,…` receive-time header for the next sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gatehouse {
    pub time_ms: i64,
    /// The base station's MMSI, when given.
    pub station: Option<u32>,
    /// The checksum of the sentence it describes.
    pub next_checksum: Option<u8>,
}

/// What one line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    Sentence(Sentence<'a>),
    /// A DMA-style `\si:NAME*hh\` line naming the source of what follows.
    Source(&'a str),
    Gatehouse(Gatehouse),
    /// Empty, a comment, another talker's sentence, or anything else not AIS.
    Skip,
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

/// The NMEA checksum of `bytes`: eight bytes at a time, then folded.
fn xor(bytes: &[u8]) -> u8 {
    let mut words = bytes.chunks_exact(8);
    let mut acc = 0u64;
    for w in words.by_ref() {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        acc ^= u64::from_le_bytes(a);
    }
    let mut x = words.remainder().iter().fold(0u8, |a, b| a ^ b);
    for b in acc.to_le_bytes() {
        x ^= b;
    }
    x
}

/// Splits `body*hh…` into the body and its checksum if it verifies. Returns the rest after the
/// two hex digits too.
fn checked(s: &[u8]) -> Result<(&[u8], u8, &[u8]), LineError> {
    let star = s
        .iter()
        .rposition(|&b| b == b'*')
        .ok_or(LineError::Checksum)?;
    let (body, rest) = s.split_at(star);
    let (h, l) = match (
        rest.get(1).copied().and_then(hex),
        rest.get(2).copied().and_then(hex),
    ) {
        (Some(h), Some(l)) => (h, l),
        _ => return Err(LineError::Checksum),
    };
    let sum = (h << 4) | l;
    if xor(body) != sum {
        return Err(LineError::Checksum);
    }
    Ok((body, sum, rest.get(3..).unwrap_or(&[])))
}

/// An unsigned decimal field (surrounding spaces allowed), read without going through `str`:
/// every sentence has several, so this is on the hot path.
fn num<T: TryFrom<u64>>(b: &[u8]) -> Option<T> {
    let mut s = b;
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    if let [b'+', rest @ ..] = s {
        s = rest;
    }
    if s.is_empty() || s.len() > 19 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
    }
    T::try_from(v).ok()
}

fn tag_block(inner: &[u8]) -> TagBlock<'_> {
    let mut t = TagBlock::default();
    let Ok((body, _, _)) = checked(inner) else {
        return t;
    };
    for part in body.split(|&b| b == b',') {
        let (Some(k), Some(b':')) = (part.first(), part.get(1)) else {
            continue;
        };
        let v = part.get(2..).unwrap_or(&[]);
        match k {
            b's' => t.source = std::str::from_utf8(v).ok(),
            b'c' => {
                t.time_ms = num::<i64>(v).map(|c| if c > 100_000_000_000 { c } else { c * 1000 })
            }
            b'g' => {
                let mut it = v.split(|&b| b == b'-');
                if let (Some(a), Some(b), Some(c)) = (it.next(), it.next(), it.next()) {
                    if let (Some(a), Some(b), Some(c)) = (num(a), num(b), num(c)) {
                        t.group = Some((a, b, c));
                    }
                }
            }
            _ => {}
        }
    }
    t
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn gatehouse(body: &[u8]) -> Option<Gatehouse> {
    // PGHP,1,yyyy,m,d,H,M,S,ms,MID,region,station,?,checksum
    let rest = body.strip_prefix(b"PGHP,1,")?;
    // The seven numbers of the time in one pass: digits (spaces around them allowed) up to
    // each comma; anything else, or a missing or empty one, and the header is not used.
    let mut v = [0i64; 7];
    let mut at = 0;
    for x in v.iter_mut() {
        let mut seen = false;
        let mut n: i64 = 0;
        loop {
            match rest.get(at) {
                Some(&c @ b'0'..=b'9') => {
                    if n > 1_000_000_000 {
                        return None;
                    }
                    n = n * 10 + i64::from(c - b'0');
                    seen = true;
                }
                Some(b' ' | b'\t') => {}
                Some(b',') => {
                    at += 1;
                    break;
                }
                _ => return None,
            }
            at += 1;
        }
        if !seen {
            return None;
        }
        *x = n;
    }
    let mut f = rest.get(at..)?.split(|&b| b == b',');
    let [y, mo, d, h, mi, s, ms] = v;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let time_ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + s * 1000 + ms;
    let _mid = f.next();
    let _region = f.next();
    let station = f.next().and_then(num::<u32>);
    let _ = f.next();
    let next_checksum = f.next().and_then(|c| match c {
        [h, l] => Some((hex(*h)? << 4) | hex(*l)?),
        _ => None,
    });
    Some(Gatehouse {
        time_ms,
        station,
        next_checksum,
    })
}

/// Reads one line.
pub fn parse_line(line: &[u8]) -> Result<Line<'_>, LineError> {
    let mut s = line;
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b'\r' | b'\n' | b' ' | b'\t'] = s {
        s = rest;
    }
    let mut tag = TagBlock::default();
    if let [b'\\', rest @ ..] = s {
        let Some(end) = rest.iter().position(|&b| b == b'\\') else {
            return Ok(Line::Skip);
        };
        let (inner, after) = rest.split_at(end);
        let after = after.get(1..).unwrap_or(&[]);
        if after.is_empty() {
            // A source line of its own (DMA): `\si:AISD*3F\`.
            if let Ok((body, _, _)) = checked(inner) {
                if let Some(name) = body.strip_prefix(b"si:") {
                    return Ok(std::str::from_utf8(name)
                        .map(Line::Source)
                        .unwrap_or(Line::Skip));
                }
            }
            return Ok(Line::Skip);
        }
        tag = tag_block(inner);
        s = after;
    }
    match s.first() {
        Some(b'$') => {
            let inner = s.get(1..).unwrap_or(&[]);
            if inner.starts_with(b"PGHP") {
                if let Ok((body, _, _)) = checked(inner) {
                    return Ok(gatehouse(body).map(Line::Gatehouse).unwrap_or(Line::Skip));
                }
            }
            Ok(Line::Skip)
        }
        Some(b'!') => {
            let inner = s.get(1..).unwrap_or(&[]);
            let is_vd = matches!(inner.get(2..5), Some(b"VDM") | Some(b"VDO"));
            if !is_vd || inner.get(5) != Some(&b',') {
                return Ok(Line::Skip);
            }
            sentence(inner, tag).map(Line::Sentence)
        }
        _ => Ok(Line::Skip),
    }
}

fn sentence<'a>(inner: &'a [u8], tag: TagBlock<'a>) -> Result<Sentence<'a>, LineError> {
    // The checksum is the first `*` after the sixth comma (the payload cannot hold one). The
    // first six commas are found once and give the fields without another pass.
    let mut commas = [0usize; 6];
    let mut found = 0;
    for (i, &b) in inner.iter().enumerate() {
        if b == b',' {
            if let Some(c) = commas.get_mut(found) {
                *c = i;
            }
            found += 1;
            if found == 6 {
                break;
            }
        }
    }
    if found < 6 {
        return Err(LineError::Checksum);
    }
    let [c1, c2, c3, c4, c5, c6] = commas;
    let star = inner
        .get(c6..)
        .and_then(|t| t.iter().position(|&b| b == b'*'))
        .map(|p| p + c6)
        .ok_or(LineError::Checksum)?;
    let (body, rest) = inner.split_at(star);
    let sum = match (
        rest.get(1).copied().and_then(hex),
        rest.get(2).copied().and_then(hex),
    ) {
        (Some(h), Some(l)) => (h << 4) | l,
        _ => return Err(LineError::Checksum),
    };
    if xor(body) != sum {
        return Err(LineError::Checksum);
    }
    let trailing_time_ms = rest
        .get(3..)
        .and_then(|t| t.strip_prefix(b","))
        .and_then(num::<i64>)
        .filter(|t| (946_684_800..4_102_444_800).contains(t))
        .map(|t| t * 1000);
    let field = |a: usize, b: usize| body.get(a..b).unwrap_or(&[]);
    let head = field(0, c1);
    let talker = [
        head.first().copied().unwrap_or(b'?'),
        head.get(1).copied().unwrap_or(b'?'),
    ];
    let own = head.get(2..5) == Some(b"VDO");
    let total: u8 = num(field(c1 + 1, c2))
        .filter(|n| (1..=9).contains(n))
        .ok_or(LineError::Field("fragment count"))?;
    let number: u8 = num(field(c2 + 1, c3))
        .filter(|n| (1..=total).contains(n))
        .ok_or(LineError::Field("fragment number"))?;
    let seq_field = field(c3 + 1, c4);
    let seq = if seq_field.is_empty() {
        None
    } else {
        Some(num::<u8>(seq_field).ok_or(LineError::Field("sequential message id"))?)
    };
    let channel = field(c4 + 1, c5).first().copied().unwrap_or(0);
    let payload = field(c5 + 1, c6);
    // The fill field ends at the next comma (some writers add fields) or the checksum.
    let rest_fields = field(c6 + 1, body.len());
    let fill_field = rest_fields.split(|&b| b == b',').next();
    // Fill bits: the field's first digit, or 0 when it is empty or not a digit — read as
    // tolerantly as gpsd reads it (a message left too short by a large count is then refused
    // by its type's length check).
    let fill = match fill_field.and_then(|x| x.first()) {
        Some(d @ b'0'..=b'9') => d - b'0',
        _ => 0,
    };
    Ok(Sentence {
        talker,
        own,
        total,
        number,
        seq,
        channel,
        payload,
        fill,
        tag,
        trailing_time_ms,
        checksum: sum,
    })
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2013, 11, 12), 16_021);
    }

    #[test]
    fn reads_tag_blocks_gatehouse_and_trailing_fields() {
        let l = br"\g:1-2-1604,s:rORBCOMM008,c:1418169601,T:2014-12-10 00.00.01*37\!AIVDM,2,1,6,A,53@o0E000001Q0CG37U8u<Tp4q@D00000000000018330400000000000000,0*63";
        let Ok(Line::Sentence(s)) = parse_line(l) else {
            panic!("not a sentence")
        };
        assert_eq!(s.tag.source, Some("rORBCOMM008"));
        assert_eq!(s.tag.time_ms, Some(1_418_169_601_000));
        assert_eq!(s.tag.group, Some((1, 2, 1604)));
        assert_eq!((s.total, s.number, s.seq, s.channel), (2, 1, Some(6), b'A'));
        let g = parse_line(b"$PGHP,1,2013,11,12,12,0,0,11,219,,2190067,1,62*26");
        let Ok(Line::Gatehouse(g)) = g else {
            panic!("not a header")
        };
        assert_eq!(g.station, Some(2_190_067));
        assert_eq!(g.next_checksum, Some(0x62));
        assert_eq!(g.time_ms, 1_384_257_600_011);
        assert_eq!(parse_line(br"\si:AISD*3F\"), Ok(Line::Source("AISD")));
        let t = parse_line(b"!AIVDM,1,1,,B,;4R33:1uUK2F`q?mOt@@GoQ00000,0*5D,s28089,d-103,T39.44353985,x147521,r08TPHI1,1242958962");
        assert!(matches!(t, Ok(Line::Sentence(_))));
        assert_eq!(
            parse_line(b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4B"),
            Err(LineError::Checksum)
        );
        assert_eq!(parse_line(b"$GPGGA,1*00"), Ok(Line::Skip));
        assert_eq!(parse_line(b"# comment"), Ok(Line::Skip));
    }
}
