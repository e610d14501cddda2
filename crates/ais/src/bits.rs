//! The de-armoured payload of one AIS message as a fixed bit buffer, and readers for unsigned,
//! signed and six-bit text fields. Reading past the end of the message gives zero bits, as
//! gpsd does (its buffer is cleared per message), so short messages decode their tail as 0.

use crate::text::Text;

/// Bytes in a message buffer: 4096 bits, more than the 9 fragments × 60 characters any
/// receiver sends (3,240 bits).
pub const CAPACITY: usize = 512;

/// Why a payload could not be de-armoured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArmorError {
    /// A character outside the six-bit armour alphabet (`0`–`W`, `` ` ``–`w`).
    BadCharacter(u8),
    /// More bits than the buffer holds.
    TooLong,
}

/// A message's bits. `len` counts the bits that belong to the message (armoured bits minus
/// fill bits). The fill bits stay in the buffer and most fields read into them, as gpsd's do;
/// [`Bits::within`] and [`Bits::tail`] are for the few fields gpsd stops at the end, so that
/// a message cut short decodes exactly as gpsd decodes it.
#[derive(Clone)]
pub struct Bits {
    buf: [u8; CAPACITY],
    /// Bits de-armoured so far (fill bits included).
    armored: usize,
    /// Bits in the message.
    len: usize,
}

impl std::fmt::Debug for Bits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bits({} bits)", self.len)
    }
}

impl Default for Bits {
    fn default() -> Self {
        Bits {
            buf: [0; CAPACITY],
            armored: 0,
            len: 0,
        }
    }
}

/// The six-bit value of each armour character, 0xFF for the rest.
const ARMOR: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    // Walked slot by slot rather than indexed, so no index can be out of range.
    let mut rest: &mut [u8] = &mut t;
    let mut b: u8 = 0;
    while let Some((slot, tail)) = rest.split_first_mut() {
        if b >= b'0' && b <= b'W' {
            *slot = b - b'0';
        } else if b >= b'`' && b <= b'w' {
            *slot = b - b'0' - 8;
        }
        rest = tail;
        b = b.wrapping_add(1);
    }
    t
};

#[inline]
pub fn dearmor(c: u8) -> Result<u8, ArmorError> {
    match c {
        b'0'..=b'W' => Ok(c - b'0'),
        b'`'..=b'w' => Ok(c - b'0' - 8),
        _ => Err(ArmorError::BadCharacter(c)),
    }
}

impl Bits {
    /// Empties the buffer for a new message.
    pub fn clear(&mut self) {
        let used = self.armored.div_ceil(8).min(CAPACITY);
        if let Some(b) = self.buf.get_mut(..used) {
            b.fill(0);
        }
        self.armored = 0;
        self.len = 0;
    }

    /// Appends an armoured payload (one fragment). `fill` bits at its end are not part of the
    /// message; pass 0 for every fragment but the last.
    pub fn push_armored(&mut self, payload: &[u8], fill: u8) -> Result<(), ArmorError> {
        if (self.armored + payload.len() * 6).div_ceil(8) > CAPACITY {
            return Err(ArmorError::TooLong);
        }
        // Byte-aligned (every single-sentence message): four characters make three bytes,
        // looked up in a table and checked together.
        let mut payload = payload;
        if self.armored.is_multiple_of(8) {
            let mut index = self.armored / 8;
            let mut chunks = payload.chunks_exact(4);
            let mut taken = 0;
            for c in chunks.by_ref() {
                let v = |k: usize| {
                    c.get(k)
                        .and_then(|&ch| ARMOR.get(usize::from(ch)))
                        .copied()
                        .unwrap_or(0xFF)
                };
                let (a, b, cc, d) = (v(0), v(1), v(2), v(3));
                if (a | b | cc | d) & 0xC0 != 0 {
                    break; // a bad character: the exact one is found below
                }
                let w = (u32::from(a) << 18)
                    | (u32::from(b) << 12)
                    | (u32::from(cc) << 6)
                    | u32::from(d);
                let [_, x, y, z] = w.to_be_bytes();
                if let Some(dst) = self.buf.get_mut(index..index + 3) {
                    dst.copy_from_slice(&[x, y, z]);
                }
                index += 3;
                taken += 4;
            }
            self.armored += taken * 6;
            payload = payload.get(taken..).unwrap_or(&[]);
        }
        // Six bits at a time into an accumulator that gives out whole bytes; the bits already
        // in a partly written last byte are taken in first. Bytes past `armored` are zero.
        let mut index = self.armored / 8;
        let mut held = (self.armored % 8) as u32;
        let mut acc: u32 = match (held, self.buf.get(index)) {
            (0, _) | (_, None) => 0,
            (_, Some(&b)) => u32::from(b) >> (8 - held),
        };
        let mut result = Ok(());
        let mut done = 0;
        for &c in payload {
            let v = match dearmor(c) {
                Ok(v) => v,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            acc = (acc << 6) | u32::from(v);
            held += 6;
            done += 1;
            if held >= 8 {
                held -= 8;
                if let Some(b) = self.buf.get_mut(index) {
                    *b = (acc >> held) as u8;
                }
                index += 1;
                acc &= (1 << held) - 1;
            }
        }
        if held > 0 {
            if let Some(b) = self.buf.get_mut(index) {
                *b = (acc << (8 - held)) as u8;
            }
        }
        self.armored += done * 6;
        result?;
        self.len = self.armored.saturating_sub(usize::from(fill));
        Ok(())
    }

    /// A 64-bit FNV-1a hash of the message's bits (to recognise one transmission heard by
    /// several stations).
    pub fn hash(&self) -> u64 {
        // Eight bytes at a time, each word mixed in with a multiply and a rotation.
        let bytes = self.buf.get(..self.len.div_ceil(8)).unwrap_or(&[]);
        let mut h =
            0xcbf2_9ce4_8422_2325u64 ^ (self.len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut words = bytes.chunks_exact(8);
        for w in words.by_ref() {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            h = (h ^ u64::from_le_bytes(a))
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                .rotate_left(29);
        }
        let mut a = [0u8; 8];
        let rest = words.remainder();
        if let Some(dst) = a.get_mut(..rest.len()) {
            dst.copy_from_slice(rest);
        }
        h = (h ^ u64::from_le_bytes(a)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^ (h >> 32)
    }

    /// Bits in the message.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// An unsigned field of `n` ≤ 64 bits at `start`. A field cut short by the end of the
    /// message reads on into the fill bits, then zeros, as gpsd reads it.
    #[inline]
    pub fn u(&self, start: usize, n: usize) -> u64 {
        self.raw(start, n)
    }

    /// Like [`Bits::u`], but bits past the end of the message read as zero.
    #[inline]
    pub fn within(&self, start: usize, n: usize) -> u64 {
        let have = self.len.saturating_sub(start).min(n);
        self.raw(start, have) << (n - have)
    }

    /// A field at the end of the message that may be cut short (the communication state):
    /// the value of the bits that are there, as gpsd reads it.
    #[inline]
    pub fn tail(&self, start: usize, n: usize) -> u64 {
        self.raw(start, self.len.saturating_sub(start).min(n))
    }

    /// `n` ≤ 64 bits at `start` from the buffer as it is (zeros past its end).
    #[inline]
    fn raw(&self, start: usize, n: usize) -> u64 {
        if n == 0 {
            return 0;
        }
        let (first, last) = (start / 8, (start + n - 1) / 8);
        let mut acc: u128 = 0;
        for i in first..=last {
            acc = (acc << 8) | u128::from(self.buf.get(i).copied().unwrap_or(0));
        }
        let shift = (last - first + 1) * 8 - start % 8 - n;
        ((acc >> shift) & ((1u128 << n) - 1)) as u64
    }

    /// An unsigned field that fits 32 bits.
    #[inline]
    pub fn u32(&self, start: usize, n: usize) -> u32 {
        u32::try_from(self.u(start, n.min(32))).unwrap_or(u32::MAX)
    }

    /// A two's-complement signed field of `n` ≤ 64 bits at `start`.
    #[inline]
    pub fn i(&self, start: usize, n: usize) -> i64 {
        let v = self.u(start, n);
        if n == 0 || n >= 64 {
            return v as i64;
        }
        let sign = 1u64 << (n - 1);
        if v & sign != 0 {
            (v as i64) - (1i64 << n)
        } else {
            v as i64
        }
    }

    /// A signed field that fits 32 bits.
    #[inline]
    pub fn i32(&self, start: usize, n: usize) -> i32 {
        i32::try_from(self.i(start, n.min(32))).unwrap_or(0)
    }

    pub fn flag(&self, start: usize) -> bool {
        self.raw(start, 1) == 1
    }

    /// Six-bit text of `chars` characters at `start`, as received (`@` included).
    pub fn text<const N: usize>(&self, start: usize, chars: usize) -> Text<N> {
        let mut t = Text::new();
        for k in 0..chars.min(N) {
            // A six-bit value always has its character; `@` (empty) is the table's first.
            let c = crate::text::SIXBIT.get(self.raw(start + 6 * k, 6) as usize & 63);
            t.push(c.copied().unwrap_or(b'@'));
        }
        t
    }

    /// Copies `n` bits from `start` into a byte array, left-aligned; the last byte is completed
    /// with the bits that follow, fill bits included when `with_fill` (gpsd copies type 6, 17,
    /// 25 and 26 payloads with them, type 8 without).
    pub fn copy_bits(&self, start: usize, n: usize, with_fill: bool, out: &mut [u8]) {
        for (k, b) in out.iter_mut().enumerate().take(n.div_ceil(8)) {
            let at = start + 8 * k;
            *b = if with_fill {
                self.raw(at, 8)
            } else {
                self.within(at, 8)
            } as u8;
        }
    }
}
