//! A little-endian reader over a byte slice that never reads past it, for the address
//! book's own binary formats (the autocomplete stream, the offline address book).

/// What a read that ran past the end says: (bytes needed, offset, length of the bytes).
pub(super) type ShortRead = fn(usize, usize, usize) -> String;

/// A bounded little-endian reader.
pub(super) struct Cursor<'a> {
    b: &'a [u8],
    /// The offset of the next byte to read.
    pub(super) at: usize,
    short: ShortRead,
}

impl<'a> Cursor<'a> {
    /// A reader at the start of `b`; a read past its end fails with `short`'s message.
    pub(super) fn new(b: &'a [u8], short: ShortRead) -> Self {
        Self { b, at: 0, short }
    }
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or_else(|| (self.short)(n, self.at, self.b.len()))?;
        let s = self.b.get(self.at..end).ok_or("out of range")?;
        self.at = end;
        Ok(s)
    }
    pub(super) fn u8(&mut self) -> Result<u8, String> {
        self.take(1)?
            .first()
            .copied()
            .ok_or_else(|| "empty".to_owned())
    }
    pub(super) fn u32(&mut self) -> Result<u32, String> {
        let s: [u8; 4] = self.take(4)?.try_into().map_err(|_| "short read")?;
        Ok(u32::from_le_bytes(s))
    }
    pub(super) fn remaining(&self) -> usize {
        self.b.len().saturating_sub(self.at)
    }
    /// [MS-OXOAB] 2.9.6.1: one byte below 0x80; else 0x81-0x84 and that many bytes.
    pub(super) fn int(&mut self) -> Result<u32, String> {
        let first = self.u8()?;
        if first < 0x80 {
            return Ok(u32::from(first));
        }
        let n = usize::from(first & 0x7F);
        if !(1..=4).contains(&n) {
            return Err(format!(
                "bad integer prefix {first:#04x} at {}",
                self.at.saturating_sub(1)
            ));
        }
        let mut v = 0u32;
        for (i, b) in self.take(n)?.iter().enumerate() {
            v |= u32::from(*b) << (8 * i);
        }
        Ok(v)
    }
    /// A NUL-terminated string (UTF-8 for PtypString, [MS-OXOAB] 2.9.6.4).
    pub(super) fn cstr(&mut self) -> Result<String, String> {
        let rest = self.b.get(self.at..).unwrap_or(&[]);
        let end = rest
            .iter()
            .position(|&c| c == 0)
            .ok_or_else(|| format!("unterminated string at {}", self.at))?;
        let s = String::from_utf8_lossy(rest.get(..end).unwrap_or(&[])).into_owned();
        self.at = self.at.saturating_add(end + 1);
        Ok(s)
    }
}
