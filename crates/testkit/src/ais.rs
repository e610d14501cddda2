//! AIS test material: the corpus files in the shared data folder, and messages built bit by
//! bit and armoured into `!AIVDM` sentences independently of the crate's own encoder (so a
//! test can write any field, or a malformed one, and read it back through the decoder).

use std::path::PathBuf;

/// The shared data folder's AIS corpus.
pub fn ais_data() -> PathBuf {
    crate::shared_data_dir().join("ais")
}

/// A corpus file's bytes, decompressed when it ends in `.gz`.
pub fn read(path: &std::path::Path) -> Vec<u8> {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "gz") {
        let out = std::process::Command::new("gzip")
            .args(["-dc"])
            .arg(path)
            .output()
            .expect("gzip runs");
        return out.stdout;
    }
    bytes
}

/// A message under construction, bit by bit.
#[derive(Default, Clone)]
pub struct BitWriter {
    pub bits: Vec<bool>,
}

impl BitWriter {
    pub fn u(mut self, v: u64, n: usize) -> Self {
        for i in (0..n).rev() {
            self.bits.push((v >> i) & 1 == 1);
        }
        self
    }
    pub fn i(self, v: i64, n: usize) -> Self {
        let mask = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
        self.u((v as u64) & mask, n)
    }
    pub fn raw(mut self, bits: &[bool]) -> Self {
        self.bits.extend_from_slice(bits);
        self
    }
    pub fn truncate(mut self, n: usize) -> Self {
        self.bits.resize(n, false);
        self
    }
    /// The armoured payload and its fill-bit count; fill bits are `pad`.
    pub fn armor(&self, pad: bool) -> (String, u8) {
        let mut bits = self.bits.clone();
        let fill = (6 - bits.len() % 6) % 6;
        bits.extend(std::iter::repeat_n(pad, fill));
        let s = bits
            .chunks(6)
            .map(|c| {
                let v = c.iter().fold(0u8, |a, &b| (a << 1) | u8::from(b));
                let ch = v + 48;
                char::from(if ch > 87 { ch + 8 } else { ch })
            })
            .collect();
        (s, fill as u8)
    }
    /// One `!AIVDM` sentence holding the whole message.
    pub fn sentence(&self, pad: bool) -> String {
        let (payload, fill) = self.armor(pad);
        sentence(1, 1, None, 'A', &payload, fill)
    }
}

/// One `!AIVDM` sentence (fragment `number` of `total`) with its checksum.
pub fn sentence(
    total: u8,
    number: u8,
    seq: Option<u8>,
    channel: char,
    payload: &str,
    fill: u8,
) -> String {
    let seq = seq.map(|s| s.to_string()).unwrap_or_default();
    let body = format!("AIVDM,{total},{number},{seq},{channel},{payload},{fill}");
    let sum = body.bytes().fold(0u8, |a, b| a ^ b);
    format!("!{body}*{sum:02X}")
}
