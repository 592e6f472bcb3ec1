//! Property tags, types and values ([MS-OXCDATA] 2.11.1, [MS-PST] 2.1.1).

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, TimeZone, Utc};

/// A property's type (`wPropType`), as in [MS-OXCDATA] 2.11.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PropType(pub u16);

impl PropType {
    /// `PtypNull`.
    pub const NULL: Self = Self(0x0001);
    /// `PtypInteger16`.
    pub const INTEGER16: Self = Self(0x0002);
    /// `PtypInteger32`.
    pub const INTEGER32: Self = Self(0x0003);
    /// `PtypFloating32`.
    pub const FLOATING32: Self = Self(0x0004);
    /// `PtypFloating64`.
    pub const FLOATING64: Self = Self(0x0005);
    /// `PtypCurrency`.
    pub const CURRENCY: Self = Self(0x0006);
    /// `PtypFloatingTime`.
    pub const FLOATING_TIME: Self = Self(0x0007);
    /// `PtypErrorCode`.
    pub const ERROR_CODE: Self = Self(0x000A);
    /// `PtypBoolean`.
    pub const BOOLEAN: Self = Self(0x000B);
    /// `PtypObject`.
    pub const OBJECT: Self = Self(0x000D);
    /// `PtypInteger64`.
    pub const INTEGER64: Self = Self(0x0014);
    /// `PtypString8` (8-bit, in a code page).
    pub const STRING8: Self = Self(0x001E);
    /// `PtypString` (UTF-16LE).
    pub const STRING: Self = Self(0x001F);
    /// `PtypTime`.
    pub const TIME: Self = Self(0x0040);
    /// `PtypGuid`.
    pub const GUID: Self = Self(0x0048);
    /// `PtypServerId`.
    pub const SERVER_ID: Self = Self(0x00FB);
    /// `PtypRestriction`.
    pub const RESTRICTION: Self = Self(0x00FD);
    /// `PtypRuleAction`.
    pub const RULE_ACTION: Self = Self(0x00FE);
    /// `PtypBinary`.
    pub const BINARY: Self = Self(0x0102);
    /// The flag that makes a type multi-valued (`MV_FLAG`).
    pub const MULTI: u16 = 0x1000;

    /// Whether this is a multi-valued type.
    pub fn is_multi(self) -> bool {
        self.0 & Self::MULTI != 0
    }

    /// The single-valued base of a multi-valued type (itself when single-valued).
    pub fn base(self) -> Self {
        Self(self.0 & !Self::MULTI)
    }

    /// Size in bytes of a fixed-size value of this (single-valued) type, or `None` when the
    /// type is variable-sized (strings, binaries, objects) or unknown.
    pub fn fixed_size(self) -> Option<usize> {
        Some(match self {
            Self::NULL => 0,
            Self::INTEGER16 => 2,
            Self::INTEGER32 | Self::FLOATING32 | Self::ERROR_CODE => 4,
            Self::BOOLEAN => 1,
            Self::FLOATING64
            | Self::CURRENCY
            | Self::FLOATING_TIME
            | Self::INTEGER64
            | Self::TIME => 8,
            Self::GUID => 16,
            _ => return None,
        })
    }
}

/// A property identifier (`wPropId`, [MS-OXCDATA] 2.9): the high 16 bits of a tag, the key
/// of a property context's records and a table's columns.
///
/// Ids below 0x8000 are tagged properties, the same in every store; the spec's well-known ones
/// are constants in `pstkit::messaging::pid`. Ids from 0x8000 up stand for named properties
/// and differ between stores: ask for those by name (`messaging::NamedProp`, also constants in
/// `pid`) and let the store's name map find the id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PropId(pub u16);

impl PropId {
    /// The first id that stands for a named property.
    pub const FIRST_NAMED: Self = Self(0x8000);

    /// Whether this id stands for a named property in its store (0x8000 and up).
    pub const fn is_named(self) -> bool {
        self.0 >= Self::FIRST_NAMED.0
    }
}

impl fmt::Debug for PropId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PropId({:#06X})", self.0)
    }
}

/// Formats the number, as `{:04X}` does a `u16` (e.g. in messages naming a property).
impl fmt::UpperHex for PropId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::UpperHex::fmt(&self.0, f)
    }
}

/// Formats the number, as `{:04x}` does a `u16`.
impl fmt::LowerHex for PropId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.0, f)
    }
}

/// A property tag: identifier in the high 16 bits, type in the low 16 bits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PropTag(pub u32);

impl PropTag {
    /// Builds a tag from an identifier and a type.
    pub fn new(id: PropId, ty: PropType) -> Self {
        Self((u32::from(id.0) << 16) | u32::from(ty.0))
    }
    /// The property identifier (`wPropId`).
    pub fn id(self) -> PropId {
        PropId((self.0 >> 16) as u16)
    }
    /// The property type (`wPropType`).
    pub fn ty(self) -> PropType {
        PropType(self.0 as u16)
    }
}

impl fmt::Debug for PropTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PropTag({:#010X})", self.0)
    }
}

/// A GUID in its binary (little-endian first three fields) form, as stored in files.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Guid(pub [u8; 16]);

impl Guid {
    /// Builds a GUID from its textual fields, e.g. `{00062002-0000-0000-C000-000000000046}`
    /// is `Guid::from_fields(0x00062002, 0, 0, [0xC0, 0, 0, 0, 0, 0, 0, 0x46])`.
    pub const fn from_fields(d1: u32, d2: u16, d3: u16, d4: [u8; 8]) -> Self {
        let a = d1.to_le_bytes();
        let b = d2.to_le_bytes();
        let c = d3.to_le_bytes();
        Self([
            a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d4[0], d4[1], d4[2], d4[3], d4[4],
            d4[5], d4[6], d4[7],
        ])
    }

    /// Reads a GUID from the first 16 bytes of `b`.
    pub fn from_slice(b: &[u8]) -> Option<Self> {
        let arr: [u8; 16] = b.get(..16)?.try_into().ok()?;
        Some(Self(arr))
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = &self.0;
        write!(
            f,
            "{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
            u32::from_le_bytes([g[0], g[1], g[2], g[3]]),
            u16::from_le_bytes([g[4], g[5]]),
            u16::from_le_bytes([g[6], g[7]]),
            g[8],
            g[9],
            g[10],
            g[11],
            g[12],
            g[13],
            g[14],
            g[15]
        )
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Guid({self})")
    }
}

/// A `PtypTime` value: 100-nanosecond intervals since 1601-01-01 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileTime(pub i64);

impl FileTime {
    /// Intervals between 1601-01-01 and 1970-01-01.
    const UNIX_EPOCH: i64 = 116_444_736_000_000_000;

    /// The time as UTC, or `None` for values outside chrono's range and for the "no date"
    /// sentinels Outlook writes (year 4500 and later, zero).
    pub fn to_utc(self) -> Option<DateTime<Utc>> {
        if self.0 <= 0 {
            return None;
        }
        let since_unix = self.0.checked_sub(Self::UNIX_EPOCH)?;
        let secs = since_unix.div_euclid(10_000_000);
        let nanos = (since_unix.rem_euclid(10_000_000) * 100) as u32;
        let t = Utc.timestamp_opt(secs, nanos).single()?;
        // 0x0CB34557A3DD4000 (4501-01-01) and similar mark "never" in Outlook.
        if t.format("%Y").to_string().parse::<i32>().ok()? >= 4500 {
            return None;
        }
        Some(t)
    }

    /// Converts a UTC time back to a `FileTime`.
    pub fn from_utc(t: DateTime<Utc>) -> Self {
        let secs = t.timestamp();
        let nanos = i64::from(t.timestamp_subsec_nanos());
        Self(secs * 10_000_000 + nanos / 100 + Self::UNIX_EPOCH)
    }
}

/// Reference to a `PtypObject` value: the subnode holding the object, and its size
/// ([MS-PST] 2.3.3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjectRef {
    /// NID of the subnode that holds the object's data.
    pub nid: u32,
    /// Size of the object's data in bytes, as recorded beside the NID.
    pub size: u32,
}

/// One property value, decoded. Variable-size values borrow from the node's data where the
/// format allows (`Cow::Borrowed`), and own it where it had to be decoded or reassembled.
#[derive(Debug, Clone, PartialEq)]
pub enum PropValue<'a> {
    /// No value (`PtypNull`).
    Null,
    /// `PtypInteger16`.
    Integer16(i16),
    /// `PtypInteger32`.
    Integer32(i32),
    /// `PtypFloating32`.
    Floating32(f32),
    /// `PtypFloating64`.
    Floating64(f64),
    /// `PtypCurrency`: a fixed-point number scaled by 10,000.
    Currency(i64),
    /// `PtypFloatingTime`: an OLE automation date.
    FloatingTime(f64),
    /// `PtypErrorCode`: the property could not be computed when stored.
    ErrorCode(u32),
    /// `PtypBoolean`.
    Boolean(bool),
    /// `PtypInteger64`.
    Integer64(i64),
    /// `PtypString` and `PtypString8`, both decoded to Unicode.
    String(Cow<'a, str>),
    /// `PtypTime`.
    Time(FileTime),
    /// `PtypGuid`.
    Guid(Guid),
    /// `PtypBinary`.
    Binary(Cow<'a, [u8]>),
    /// `PtypObject`: an embedded message or OLE object, stored in a subnode.
    Object(ObjectRef),
    /// `PtypMultipleInteger16`.
    MultipleInteger16(Vec<i16>),
    /// `PtypMultipleInteger32`.
    MultipleInteger32(Vec<i32>),
    /// `PtypMultipleFloating32`.
    MultipleFloating32(Vec<f32>),
    /// `PtypMultipleFloating64`.
    MultipleFloating64(Vec<f64>),
    /// `PtypMultipleCurrency`.
    MultipleCurrency(Vec<i64>),
    /// `PtypMultipleFloatingTime`.
    MultipleFloatingTime(Vec<f64>),
    /// `PtypMultipleInteger64`.
    MultipleInteger64(Vec<i64>),
    /// `PtypMultipleString` and `PtypMultipleString8`, decoded.
    MultipleString(Vec<String>),
    /// `PtypMultipleTime`.
    MultipleTime(Vec<FileTime>),
    /// `PtypMultipleGuid`.
    MultipleGuid(Vec<Guid>),
    /// `PtypMultipleBinary`.
    MultipleBinary(Vec<Vec<u8>>),
    /// A type this reader does not decode (kept raw so nothing is lost).
    Other {
        /// The stored type.
        ty: PropType,
        /// The stored bytes.
        data: Cow<'a, [u8]>,
    },
}

impl<'a> PropValue<'a> {
    /// The same value borrowing this one's strings and bytes (multi-valued ones are copied):
    /// what a writer takes to encode a value without copying its data first.
    pub fn borrowed(&self) -> PropValue<'_> {
        match self {
            Self::String(s) => PropValue::String(Cow::Borrowed(s)),
            Self::Binary(b) => PropValue::Binary(Cow::Borrowed(b)),
            Self::Other { ty, data } => PropValue::Other {
                ty: *ty,
                data: Cow::Borrowed(data),
            },
            other => other.clone(),
        }
    }

    /// Detaches the value from the node's buffers.
    pub fn into_owned(self) -> PropValue<'static> {
        match self {
            Self::String(s) => PropValue::String(Cow::Owned(s.into_owned())),
            Self::Binary(b) => PropValue::Binary(Cow::Owned(b.into_owned())),
            Self::Other { ty, data } => PropValue::Other {
                ty,
                data: Cow::Owned(data.into_owned()),
            },
            Self::Null => PropValue::Null,
            Self::Integer16(v) => PropValue::Integer16(v),
            Self::Integer32(v) => PropValue::Integer32(v),
            Self::Floating32(v) => PropValue::Floating32(v),
            Self::Floating64(v) => PropValue::Floating64(v),
            Self::Currency(v) => PropValue::Currency(v),
            Self::FloatingTime(v) => PropValue::FloatingTime(v),
            Self::ErrorCode(v) => PropValue::ErrorCode(v),
            Self::Boolean(v) => PropValue::Boolean(v),
            Self::Integer64(v) => PropValue::Integer64(v),
            Self::Time(v) => PropValue::Time(v),
            Self::Guid(v) => PropValue::Guid(v),
            Self::Object(v) => PropValue::Object(v),
            Self::MultipleInteger16(v) => PropValue::MultipleInteger16(v),
            Self::MultipleInteger32(v) => PropValue::MultipleInteger32(v),
            Self::MultipleFloating32(v) => PropValue::MultipleFloating32(v),
            Self::MultipleFloating64(v) => PropValue::MultipleFloating64(v),
            Self::MultipleCurrency(v) => PropValue::MultipleCurrency(v),
            Self::MultipleFloatingTime(v) => PropValue::MultipleFloatingTime(v),
            Self::MultipleInteger64(v) => PropValue::MultipleInteger64(v),
            Self::MultipleString(v) => PropValue::MultipleString(v),
            Self::MultipleTime(v) => PropValue::MultipleTime(v),
            Self::MultipleGuid(v) => PropValue::MultipleGuid(v),
            Self::MultipleBinary(v) => PropValue::MultipleBinary(v),
        }
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes of a binary value.
    pub fn as_binary(&self) -> Option<&[u8]> {
        match self {
            Self::Binary(b) => Some(b),
            _ => None,
        }
    }

    /// An integer value of any width, widened to `i64` (booleans as 0 or 1).
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Self::Integer16(v) => Some(i64::from(v)),
            Self::Integer32(v) => Some(i64::from(v)),
            Self::Integer64(v) | Self::Currency(v) => Some(v),
            Self::Boolean(v) => Some(i64::from(v)),
            Self::ErrorCode(_) => None,
            _ => None,
        }
    }

    /// An integer value as `i32` (16- and 32-bit integers; 64-bit ones that fit).
    pub fn as_i32(&self) -> Option<i32> {
        self.as_i64().and_then(|v| i32::try_from(v).ok())
    }

    /// A boolean value (non-zero integers also count as true).
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Self::Boolean(v) => Some(v),
            _ => self.as_i64().map(|v| v != 0),
        }
    }

    /// A floating-point value.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Self::Floating32(v) => Some(f64::from(v)),
            Self::Floating64(v) | Self::FloatingTime(v) => Some(v),
            _ => None,
        }
    }

    /// A time value as UTC.
    pub fn as_time(&self) -> Option<DateTime<Utc>> {
        match *self {
            Self::Time(t) => t.to_utc(),
            _ => None,
        }
    }

    /// A GUID value.
    pub fn as_guid(&self) -> Option<Guid> {
        match *self {
            Self::Guid(g) => Some(g),
            _ => None,
        }
    }

    /// The strings of a multi-valued string property (a single string gives one element).
    pub fn as_strings(&self) -> Option<Vec<&str>> {
        match self {
            Self::MultipleString(v) => Some(v.iter().map(String::as_str).collect()),
            Self::String(s) => Some(vec![s.as_ref()]),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_text_form_uses_mixed_endianness() {
        let g = Guid::from_fields(0x0006_2002, 0, 0, [0xC0, 0, 0, 0, 0, 0, 0, 0x46]);
        assert_eq!(g.0[0..4], [0x02, 0x20, 0x06, 0x00]);
        assert_eq!(g.to_string(), "00062002-0000-0000-C000-000000000046");
    }

    #[test]
    fn filetime_round_trips_and_rejects_sentinels() {
        // 2010-06-15T12:30:00Z
        let t = Utc.with_ymd_and_hms(2010, 6, 15, 12, 30, 0).single();
        let t = t.map(FileTime::from_utc);
        assert_eq!(
            t.and_then(FileTime::to_utc)
                .map(|d| d.to_rfc3339())
                .as_deref(),
            Some("2010-06-15T12:30:00+00:00")
        );
        assert_eq!(FileTime(0x0CB3_4557_A3DD_4000).to_utc(), None);
        assert_eq!(FileTime(0).to_utc(), None);
    }

    #[test]
    fn tag_parts() {
        let t = PropTag(0x0037_001F);
        assert_eq!(t.id(), PropId(0x0037));
        assert_eq!(t.ty(), PropType::STRING);
        assert_eq!(
            PropTag::new(PropId(0x0E07), PropType::INTEGER32).0,
            0x0E07_0003
        );
        assert!(PropType(0x101F).is_multi());
        assert_eq!(PropType(0x101F).base(), PropType::STRING);
    }
}
