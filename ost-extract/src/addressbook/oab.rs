//! Offline Address Book files: the uncompressed OAB version 4 Full Details file
//! (`udetails.oab`, [MS-OXOAB] 2.9), which Outlook keeps beside the cache under
//! `…\Outlook\Offline Address Books\<guid>\`. It holds every Address Book object of the
//! organisation, each with its legacy Exchange DN (`PidTagEmailAddress`), its SMTP address
//! (`PidTagSmtpAddress`) and its proxy addresses (`SMTP:` primary, `X500:` former DNs).
//!
//! ```text
//! OAB_HDR (2.9.1)        ulVersion 0x20 | ulSerial | ulTotRecs
//! OAB_META_DATA (2.9.2)  cbSize | rgHdrAtts: OAB_PROP_TABLE | rgOabAtts: OAB_PROP_TABLE
//! OAB_PROP_TABLE (2.9.3) cAtts | cAtts x (ulPropId, ulFlags)
//! OAB_V4_REC (2.9.5)     cbSize | presence bits (MSB first) | values in table order
//! ```
//!
//! The header record follows the metadata, then `ulTotRecs` object records. A damaged file
//! gives the records read before the damage, and says where it stopped.

use std::path::{Path, PathBuf};

use super::cursor::Cursor;

/// `ulVersion` of a version 4 Full Details file.
pub const VERSION_4: u32 = 0x0000_0020;
/// The properties read from each record ([MS-OXPROPS]).
const DISPLAY_NAME: u32 = 0x3001;
const EMAIL_ADDRESS: u32 = 0x3003;
const SMTP_ADDRESS: u32 = 0x39FE;
const PROXY_ADDRESSES: u32 = 0x800F;
/// No table holds more columns than this; more is damage.
const MAX_ATTRIBUTES: u32 = 4096;

/// One Address Book object, as far as the address book needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// `PidTagDisplayName`.
    pub display_name: Option<String>,
    /// `PidTagEmailAddress`: the legacy Exchange DN.
    pub dn: Option<String>,
    /// `PidTagSmtpAddress`, else the primary `SMTP:` proxy address.
    pub smtp: Option<String>,
    /// Former DNs (`X500:` proxy addresses), which mail sent before a move still carries.
    pub x500: Vec<String>,
}

/// What was read of an OAB file.
#[derive(Debug, Default)]
pub struct Oab {
    /// The object records read (all of them when `error` is `None`).
    pub records: Vec<Record>,
    /// Where and why reading stopped early.
    pub error: Option<String>,
}

/// Errors that stop a file from being read at all.
#[derive(Debug, thiserror::Error)]
pub enum OabError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// No `udetails.oab` in the folder given.
    #[error("no udetails.oab (OAB version 4 full details) under {0}")]
    NotFound(PathBuf),
}

/// A property table: each column's tag.
/// What a read past the end of the file says.
fn short_read(n: usize, at: usize, len: usize) -> String {
    format!("needs {n} bytes at offset {at}, file ends at {len}")
}

fn prop_table(c: &mut Cursor<'_>) -> Result<Vec<u32>, String> {
    let n = c.u32()?;
    if n > MAX_ATTRIBUTES {
        return Err(format!("{n} attributes in a table"));
    }
    (0..n)
        .map(|_| {
            let tag = c.u32()?;
            let _flags = c.u32()?;
            Ok(tag)
        })
        .collect()
}

/// A value of property type `ty`, as text when it is a string (for the properties read).
enum Value {
    Text(String),
    Texts(Vec<String>),
    Other,
}

fn value(c: &mut Cursor<'_>, ty: u32) -> Result<Value, String> {
    Ok(match ty {
        0x0003 => {
            c.int()?;
            Value::Other
        }
        0x000B => {
            c.u8()?;
            Value::Other
        }
        0x001E | 0x001F => Value::Text(c.cstr()?),
        0x000D | 0x0102 => {
            let n = c.int()? as usize;
            c.take(n)?;
            Value::Other
        }
        0x1003 => {
            for _ in 0..c.int()? {
                c.int()?;
            }
            Value::Other
        }
        0x101E | 0x101F => {
            let n = c.int()?;
            let mut v = Vec::new();
            for _ in 0..n {
                v.push(c.cstr()?);
            }
            Value::Texts(v)
        }
        0x1102 => {
            for _ in 0..c.int()? {
                let n = c.int()? as usize;
                c.take(n)?;
            }
            Value::Other
        }
        t => return Err(format!("unknown property type {t:#06x}")),
    })
}

/// One OAB_V4_REC: its values by column, within its own `cbSize`.
fn record(c: &mut Cursor<'_>, columns: &[u32]) -> Result<Record, String> {
    let start = c.at;
    let size = c.u32()? as usize;
    let body = size
        .checked_sub(4)
        .ok_or_else(|| format!("record at {start} has size {size}"))?;
    let bytes = c.take(body)?;
    let mut r = Cursor::new(bytes, short_read);
    let presence = r.take(columns.len().div_ceil(8))?;
    let mut out = Record::default();
    let mut proxies = Vec::new();
    for (i, tag) in columns.iter().enumerate() {
        let present = presence
            .get(i / 8)
            .is_some_and(|byte| byte & (0x80 >> (i % 8)) != 0);
        if !present {
            continue;
        }
        let v = value(&mut r, tag & 0xFFFF)
            .map_err(|e| format!("record at {start}, column {tag:#010x}: {e}"))?;
        match (tag >> 16, v) {
            (DISPLAY_NAME, Value::Text(s)) => out.display_name = Some(s),
            (EMAIL_ADDRESS, Value::Text(s)) => out.dn = Some(s),
            (SMTP_ADDRESS, Value::Text(s)) => out.smtp = Some(s),
            (PROXY_ADDRESSES, Value::Texts(v)) => proxies = v,
            _ => {}
        }
    }
    for p in proxies {
        if let Some(a) = p.strip_prefix("SMTP:") {
            // Upper-case prefix: the primary address.
            if out.smtp.is_none() {
                out.smtp = Some(a.to_owned());
            }
        } else if let Some(dn) = p
            .get(..5)
            .filter(|x| x.eq_ignore_ascii_case("X500:"))
            .and(p.get(5..))
        {
            out.x500.push(dn.to_owned());
        }
    }
    Ok(out)
}

/// Reads a version 4 Full Details file from its bytes. Never panics; damage stops the read
/// with the records before it kept and `error` set.
pub fn parse(bytes: &[u8]) -> Oab {
    let mut out = Oab::default();
    let mut c = Cursor::new(bytes, short_read);
    let head = (|| -> Result<(u32, Vec<u32>), String> {
        let version = c.u32()?;
        if version != VERSION_4 {
            return Err(format!(
                "not an OAB version 4 full details file (version {version:#010x})"
            ));
        }
        let _serial = c.u32()?;
        let total = c.u32()?;
        let meta_start = c.at;
        let meta_size = c.u32()? as usize;
        let header_columns = prop_table(&mut c)?;
        let columns = prop_table(&mut c)?;
        if c.at.saturating_sub(meta_start) != meta_size {
            return Err(format!(
                "metadata record says {meta_size} bytes, its tables take {}",
                c.at.saturating_sub(meta_start)
            ));
        }
        record(&mut c, &header_columns).map_err(|e| format!("header record: {e}"))?;
        Ok((total, columns))
    })();
    let (total, columns) = match head {
        Ok(h) => h,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    for i in 0..total {
        match record(&mut c, &columns) {
            Ok(r) => out.records.push(r),
            Err(e) => {
                out.error = Some(format!("record {i} of {total}: {e}"));
                break;
            }
        }
    }
    out
}

/// Finds `udetails.oab` at `path` (the file itself, or a folder searched to a few levels, as
/// Outlook keeps one folder per address book) and reads it.
pub fn read(path: &Path) -> Result<Oab, OabError> {
    let file = find(path, 3).ok_or_else(|| OabError::NotFound(path.to_owned()))?;
    let bytes = std::fs::read(&file).map_err(|source| OabError::Io {
        path: file.clone(),
        source,
    })?;
    Ok(parse(&bytes))
}

fn find(path: &Path, depth: usize) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path.to_owned());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    if let Some(f) = entries.iter().find(|p| {
        p.is_file()
            && p.file_name()
                .is_some_and(|n| n.eq_ignore_ascii_case("udetails.oab"))
    }) {
        return Some(f.clone());
    }
    if depth == 0 {
        return None;
    }
    entries
        .iter()
        .filter(|p| p.is_dir())
        .find_map(|p| find(p, depth - 1))
}
