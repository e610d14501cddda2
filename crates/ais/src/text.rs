//! Fixed-capacity ASCII text for names, call signs and messages: no heap, `Copy`, and printed
//! as a string. The six-bit alphabet of ITU-R M.1371 table 47.

use serde::{Serialize, Serializer};

/// The six-bit character set: value → ASCII.
pub const SIXBIT: [u8; 64] = *b"@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !\"#$%&'()*+,-./0123456789:;<=>?";

#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Text<const N: usize> {
    bytes: [u8; N],
    len: u8,
}

impl<const N: usize> Default for Text<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Text<N> {
    pub const fn new() -> Self {
        Text {
            bytes: [0; N],
            len: 0,
        }
    }

    pub fn push(&mut self, c: u8) {
        if let Some(b) = self.bytes.get_mut(usize::from(self.len)) {
            *b = c;
            self.len += 1;
        }
    }

    pub fn as_str(&self) -> &str {
        let b = self.bytes.get(..usize::from(self.len)).unwrap_or(&[]);
        // Only ASCII from the six-bit table is ever pushed.
        std::str::from_utf8(b).unwrap_or("")
    }

    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Cut at the first `@` (the padding character) and drop trailing spaces: how names and
    /// messages are meant to be read.
    pub fn trimmed(mut self) -> Self {
        let s = self.as_str();
        let cut = s.find('@').unwrap_or(s.len());
        let keep = s[..cut].trim_end_matches(' ').len();
        self.len = u8::try_from(keep).unwrap_or(0);
        self
    }

    /// Only the part before the first `@`, spaces kept.
    pub fn before_at(mut self) -> Self {
        let cut = self.as_str().find('@').unwrap_or(self.len());
        self.len = u8::try_from(cut).unwrap_or(0);
        self
    }

    /// Appends another text (up to capacity).
    pub fn extend(&mut self, other: &str) {
        for c in other.bytes() {
            self.push(c);
        }
    }
}

impl<const N: usize> std::fmt::Debug for Text<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl<const N: usize> std::fmt::Display for Text<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> Serialize for Text<N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
