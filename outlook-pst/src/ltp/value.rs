//! Decoding of property values from their stored bytes ([MS-PST] 2.3.3.3, 2.3.3.4).

use std::borrow::Cow;

use crate::error::{Error, Location, Result};
use crate::ltp::codepage::{decode_8bit, decode_utf16};
use crate::ltp::prop::{FileTime, Guid, ObjectRef, PropType, PropValue};
use crate::ndb::bytes::ReadLe;

/// Decodes a value of type `ty` from `data` (the inline bytes, heap allocation or subnode
/// contents). `codepage` decodes `PtypString8`.
pub fn decode_value<'a>(
    ty: PropType,
    data: Cow<'a, [u8]>,
    codepage: u32,
    at: Location,
) -> Result<PropValue<'a>> {
    let short = || {
        Error::corrupt(
            at,
            format!("value of type {:#06x} is {} bytes", ty.0, data.len()),
        )
    };
    let d: &[u8] = &data;
    Ok(match ty {
        PropType::NULL => PropValue::Null,
        PropType::INTEGER16 => PropValue::Integer16(d.u16_at(0).ok_or_else(short)? as i16),
        PropType::INTEGER32 => PropValue::Integer32(d.u32_at(0).ok_or_else(short)? as i32),
        PropType::FLOATING32 => {
            PropValue::Floating32(f32::from_bits(d.u32_at(0).ok_or_else(short)?))
        }
        PropType::FLOATING64 => {
            PropValue::Floating64(f64::from_bits(d.u64_at(0).ok_or_else(short)?))
        }
        PropType::CURRENCY => PropValue::Currency(d.u64_at(0).ok_or_else(short)? as i64),
        PropType::FLOATING_TIME => {
            PropValue::FloatingTime(f64::from_bits(d.u64_at(0).ok_or_else(short)?))
        }
        PropType::ERROR_CODE => PropValue::ErrorCode(d.u32_at(0).ok_or_else(short)?),
        PropType::BOOLEAN => PropValue::Boolean(d.u8_at(0).ok_or_else(short)? != 0),
        PropType::INTEGER64 => PropValue::Integer64(d.u64_at(0).ok_or_else(short)? as i64),
        PropType::TIME => PropValue::Time(FileTime(d.u64_at(0).ok_or_else(short)? as i64)),
        PropType::GUID => PropValue::Guid(Guid::from_slice(d).ok_or_else(short)?),
        PropType::STRING => PropValue::String(Cow::Owned(decode_utf16(d))),
        PropType::STRING8 => PropValue::String(Cow::Owned(decode_8bit(d, codepage))),
        PropType::BINARY => PropValue::Binary(data),
        PropType::OBJECT => PropValue::Object(ObjectRef {
            nid: d.u32_at(0).ok_or_else(short)?,
            size: d.u32_at(4).unwrap_or(0),
        }),
        t if t.is_multi() => decode_multi(t.base(), d, codepage).ok_or_else(short)?,
        other => PropValue::Other { ty: other, data },
    })
}

/// Multi-valued properties: fixed-size bases are packed arrays; variable-size bases start
/// with a count and a table of offsets ([MS-PST] 2.3.3.4).
fn decode_multi(base: PropType, d: &[u8], codepage: u32) -> Option<PropValue<'static>> {
    fn fixed<T>(d: &[u8], size: usize, f: impl Fn(&[u8]) -> Option<T>) -> Option<Vec<T>> {
        d.chunks_exact(size).map(f).collect()
    }
    Some(match base {
        PropType::INTEGER16 => {
            PropValue::MultipleInteger16(fixed(d, 2, |c| c.u16_at(0).map(|v| v as i16))?)
        }
        PropType::INTEGER32 => {
            PropValue::MultipleInteger32(fixed(d, 4, |c| c.u32_at(0).map(|v| v as i32))?)
        }
        PropType::FLOATING32 => {
            PropValue::MultipleFloating32(fixed(d, 4, |c| c.u32_at(0).map(f32::from_bits))?)
        }
        PropType::FLOATING64 => {
            PropValue::MultipleFloating64(fixed(d, 8, |c| c.u64_at(0).map(f64::from_bits))?)
        }
        PropType::CURRENCY => {
            PropValue::MultipleCurrency(fixed(d, 8, |c| c.u64_at(0).map(|v| v as i64))?)
        }
        PropType::FLOATING_TIME => {
            PropValue::MultipleFloatingTime(fixed(d, 8, |c| c.u64_at(0).map(f64::from_bits))?)
        }
        PropType::INTEGER64 => {
            PropValue::MultipleInteger64(fixed(d, 8, |c| c.u64_at(0).map(|v| v as i64))?)
        }
        PropType::TIME => {
            PropValue::MultipleTime(fixed(d, 8, |c| c.u64_at(0).map(|v| FileTime(v as i64)))?)
        }
        PropType::GUID => PropValue::MultipleGuid(fixed(d, 16, Guid::from_slice)?),
        PropType::STRING => {
            PropValue::MultipleString(variable(d)?.into_iter().map(decode_utf16).collect())
        }
        PropType::STRING8 => PropValue::MultipleString(
            variable(d)?
                .into_iter()
                .map(|s| decode_8bit(s, codepage))
                .collect(),
        ),
        PropType::BINARY => {
            PropValue::MultipleBinary(variable(d)?.into_iter().map(<[u8]>::to_vec).collect())
        }
        _ => return None,
    })
}

/// Splits a variable-size multi-valued blob: `ulCount`, `rgulDataOffsets[ulCount]`, data.
fn variable(d: &[u8]) -> Option<Vec<&[u8]>> {
    if d.is_empty() {
        return Some(Vec::new());
    }
    let count = d.u32_at(0)? as usize;
    // Each value needs at least its 4-byte offset, which bounds the count by the data.
    if count > d.len() / 4 {
        return None;
    }
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let start = d.u32_at(4 + 4 * i)? as usize;
        let end = if i + 1 < count {
            d.u32_at(8 + 4 * i)? as usize
        } else {
            d.len()
        };
        out.push(d.get(start..end)?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_valued_strings_use_offsets() {
        // Two UTF-16 strings "ab" and "c": count 2, offsets 12 and 16.
        let d = [
            2, 0, 0, 0, 12, 0, 0, 0, 16, 0, 0, 0, b'a', 0, b'b', 0, b'c', 0,
        ];
        let v = decode_value(
            PropType(0x101F),
            Cow::Borrowed(&d[..]),
            1252,
            Location::default(),
        )
        .unwrap();
        assert_eq!(v, PropValue::MultipleString(vec!["ab".into(), "c".into()]));
        // A count larger than the data allows is damage, not a huge allocation.
        let bad = [0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0];
        assert!(decode_value(
            PropType(0x1102),
            Cow::Borrowed(&bad[..]),
            1252,
            Location::default()
        )
        .is_err());
    }

    #[test]
    fn fixed_values() {
        let d = 0x01D0_0000_0000_0000u64.to_le_bytes();
        let v = decode_value(
            PropType::TIME,
            Cow::Borrowed(&d[..]),
            0,
            Location::default(),
        )
        .unwrap();
        assert_eq!(v, PropValue::Time(FileTime(0x01D0_0000_0000_0000)));
        let v = decode_value(
            PropType(0x1003),
            Cow::Borrowed(&[1, 0, 0, 0, 2, 0, 0, 0][..]),
            0,
            Location::default(),
        );
        assert_eq!(v.unwrap(), PropValue::MultipleInteger32(vec![1, 2]));
    }
}
