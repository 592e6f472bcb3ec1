//! The autocomplete stream ([MS-OXOCFG] 2.2.5.2; Outlook's "nickname cache"): the
//! `PidTagRoamingBinary` of the `IPM.Configuration.Autocomplete` item in the Inbox's
//! associated contents. A set of recipient rows, each a list of tagged property values,
//! between bookkeeping metadata:
//!
//! ```text
//! metadata (4: 0xBAADF00D) | major version (4: 12) | minor version (4) | row count (4)
//! per row: property count (4), then per property:
//!     tag (4) | reserved (4) | value union (8) | value data (only for variable types:
//!     byte count (4) and the bytes; multi-valued: value count (4) and the values)
//! extra information byte count (4) | extra information | metadata (8)
//! ```
//!
//! A damaged stream gives the rows read before the damage and says where it stopped.

use std::borrow::Cow;

use pstkit::ltp::prop::PropValue;
use pstkit::messaging::{PropId, PropertyBag};

use super::cursor::Cursor;

/// The stream's first four bytes.
const SIGNATURE: u32 = 0xBAAD_F00D;
/// The only major version Outlook reads or writes.
const MAJOR_VERSION: u32 = 12;
/// More rows or properties than a stream of this size could hold is damage.
const MIN_PROPERTY_SIZE: usize = 16;

/// What was read of a stream.
#[derive(Debug, Default)]
pub struct Stream {
    /// The recipient rows read (all of them when `error` is `None`).
    pub rows: Vec<PropertyBag>,
    /// Where and why reading stopped early.
    pub error: Option<String>,
}

/// Reads an autocomplete stream. Never panics; a damaged stream gives the rows before the
/// damage and an error saying where.
pub fn parse(bytes: &[u8]) -> Stream {
    let mut out = Stream::default();
    let mut c = Cursor::new(bytes, |n, at, len| {
        format!("stream ends at {len} (needs {n} bytes at {at})")
    });
    let header = (|| -> Result<u32, String> {
        let sig = c.u32()?;
        if sig != SIGNATURE {
            return Err(format!(
                "not an autocomplete stream (signature {sig:#010x})"
            ));
        }
        let major = c.u32()?;
        if major != MAJOR_VERSION {
            return Err(format!(
                "autocomplete stream version {major}, not {MAJOR_VERSION}"
            ));
        }
        let _minor = c.u32()?;
        c.u32()
    })();
    let rows = match header {
        Ok(n) => n,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    for i in 0..rows {
        match row(&mut c) {
            Ok(bag) => out.rows.push(bag),
            Err(e) => {
                out.error = Some(format!("row {i} of {rows}: {e}"));
                break;
            }
        }
    }
    out
}

/// One row: its property count and its properties.
fn row(c: &mut Cursor<'_>) -> Result<PropertyBag, String> {
    let count = c.u32()? as usize;
    if count.saturating_mul(MIN_PROPERTY_SIZE) > c.remaining() {
        return Err(format!(
            "{count} properties cannot fit in {} bytes",
            c.remaining()
        ));
    }
    let mut bag = PropertyBag::new();
    for _ in 0..count {
        let tag = c.u32()?;
        let _reserved = c.take(4)?;
        let union = c.take(8)?;
        let id = PropId((tag >> 16) as u16);
        let ty = (tag & 0xFFFF) as u16;
        if let Some(v) = value(c, ty, union)? {
            bag.insert(id, v);
        }
    }
    Ok(bag)
}

/// A property's value: fixed-size types are in the union; strings, binaries and GUIDs follow
/// it (a byte count, then the bytes); multi-valued ones follow as a count and the values,
/// which are skipped (no recipient property of interest is multi-valued).
fn value(c: &mut Cursor<'_>, ty: u16, union: &[u8]) -> Result<Option<PropValue<'static>>, String> {
    let u32_at = |i: usize| {
        union
            .get(i..i + 4)
            .and_then(|s| <[u8; 4]>::try_from(s).ok())
            .map_or(0, u32::from_le_bytes)
    };
    Ok(match ty {
        // PT_SHORT, PT_LONG, PT_FLOAT, PT_DOUBLE, PT_CURRENCY, PT_APPTIME, PT_ERROR,
        // PT_BOOLEAN, PT_I8, PT_SYSTIME, PT_NULL/PT_UNSPECIFIED: all in the union.
        0x0002 | 0x0004 | 0x0005 | 0x0006 | 0x0007 | 0x000A | 0x000B | 0x0014 | 0x0040 | 0x0000
        | 0x0001 => None,
        0x0003 => Some(PropValue::Integer32(u32_at(0) as i32)),
        0x001F => {
            let n = c.u32()? as usize;
            let b = c.take(n)?;
            let units: Vec<u16> = b
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .collect();
            let s = String::from_utf16_lossy(&units);
            Some(PropValue::String(Cow::Owned(
                s.trim_end_matches('\0').to_owned(),
            )))
        }
        0x001E => {
            let n = c.u32()? as usize;
            let b = c.take(n)?;
            let (s, _, _) = encoding_rs::WINDOWS_1252.decode(b);
            Some(PropValue::String(Cow::Owned(
                s.trim_end_matches('\0').to_owned(),
            )))
        }
        0x0102 => {
            let n = c.u32()? as usize;
            Some(PropValue::Binary(Cow::Owned(c.take(n)?.to_vec())))
        }
        0x0048 => {
            c.take(16)?;
            None
        }
        // Multi-valued: a count, then each value (variable ones with their byte count).
        t if t & 0x1000 != 0 => {
            let n = c.u32()? as usize;
            let base = t & !0x1000;
            let fixed = match base {
                0x0002 => Some(2),
                0x0003 | 0x0004 => Some(4),
                0x0005 | 0x0006 | 0x0007 | 0x0014 | 0x0040 => Some(8),
                0x0048 => Some(16),
                _ => None,
            };
            match fixed {
                Some(size) => {
                    c.take(n.checked_mul(size).ok_or("multi-value too large")?)?;
                }
                None if matches!(base, 0x001E | 0x001F | 0x0102) => {
                    for _ in 0..n {
                        let len = c.u32()? as usize;
                        c.take(len)?;
                    }
                }
                None => return Err(format!("unknown multi-valued type {t:#06x}")),
            }
            None
        }
        t => return Err(format!("unknown property type {t:#06x}")),
    })
}
