//! Bounds-checked little-endian reads. Every read of file data goes through these, so a short
//! or damaged structure becomes `None` (and then an error), never a panic.

use byteorder::{ByteOrder, LittleEndian};

/// Reads fixed-size little-endian integers out of a byte slice, returning `None` past its end.
pub trait ReadLe {
    /// The byte at `off`.
    fn u8_at(&self, off: usize) -> Option<u8>;
    /// The `u16` at `off`.
    fn u16_at(&self, off: usize) -> Option<u16>;
    /// The `u32` at `off`.
    fn u32_at(&self, off: usize) -> Option<u32>;
    /// The `u64` at `off`.
    fn u64_at(&self, off: usize) -> Option<u64>;
    /// `len` bytes at `off`.
    fn bytes_at(&self, off: usize, len: usize) -> Option<&[u8]>;
    /// A 4- or 8-byte unsigned integer at `off`, widened to `u64` (ANSI vs Unicode ids).
    fn uint_at(&self, off: usize, width: usize) -> Option<u64> {
        match width {
            4 => self.u32_at(off).map(u64::from),
            8 => self.u64_at(off),
            2 => self.u16_at(off).map(u64::from),
            _ => None,
        }
    }
}

impl ReadLe for [u8] {
    fn u8_at(&self, off: usize) -> Option<u8> {
        self.get(off).copied()
    }
    fn u16_at(&self, off: usize) -> Option<u16> {
        self.get(off..off.checked_add(2)?)
            .map(LittleEndian::read_u16)
    }
    fn u32_at(&self, off: usize) -> Option<u32> {
        self.get(off..off.checked_add(4)?)
            .map(LittleEndian::read_u32)
    }
    fn u64_at(&self, off: usize) -> Option<u64> {
        self.get(off..off.checked_add(8)?)
            .map(LittleEndian::read_u64)
    }
    fn bytes_at(&self, off: usize, len: usize) -> Option<&[u8]> {
        self.get(off..off.checked_add(len)?)
    }
}
