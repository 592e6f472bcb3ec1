//! A bounds-checked little-endian cursor over a property blob.

/// Reading past the end of a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("blob ends at byte {len}, needed {needed} bytes at offset {at} for {what}")]
pub struct Truncated {
    /// What was being read.
    pub what: &'static str,
    /// Where.
    pub at: usize,
    /// How many bytes were needed.
    pub needed: usize,
    /// Blob length.
    pub len: usize,
}

/// A cursor over a byte slice; every read is checked.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    pub(crate) fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Truncated> {
        let err = Truncated {
            what,
            at: self.pos,
            needed: n,
            len: self.data.len(),
        };
        let end = self.pos.checked_add(n).ok_or(err)?;
        let s = self.data.get(self.pos..end).ok_or(err)?;
        self.pos = end;
        Ok(s)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, Truncated> {
        let b = self.bytes(1, what)?;
        Ok(b.first().copied().unwrap_or(0))
    }

    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, Truncated> {
        let b = self.bytes(2, what)?;
        let mut a = [0u8; 2];
        a.copy_from_slice(b);
        Ok(u16::from_le_bytes(a))
    }

    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, Truncated> {
        let b = self.bytes(4, what)?;
        let mut a = [0u8; 4];
        a.copy_from_slice(b);
        Ok(u32::from_le_bytes(a))
    }

    pub(crate) fn i32(&mut self, what: &'static str) -> Result<i32, Truncated> {
        self.u32(what).map(|v| v as i32)
    }

    /// `n` UTF-16LE code units, decoded lossily.
    pub(crate) fn utf16(&mut self, n: usize, what: &'static str) -> Result<String, Truncated> {
        let b = self.bytes(n.saturating_mul(2), what)?;
        let units: Vec<u16> = b
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        Ok(String::from_utf16_lossy(&units))
    }

    /// A count of `elem`-byte items that must fit in what is left (guards allocations).
    pub(crate) fn count(
        &mut self,
        n: u32,
        elem: usize,
        what: &'static str,
    ) -> Result<usize, Truncated> {
        let n = n as usize;
        let need = n.saturating_mul(elem);
        if need > self.remaining() {
            return Err(Truncated {
                what,
                at: self.pos,
                needed: need,
                len: self.data.len(),
            });
        }
        Ok(n)
    }
}
