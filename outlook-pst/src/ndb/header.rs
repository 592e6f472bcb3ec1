//! The file HEADER and its ROOT ([MS-PST] 2.2.2.6, 2.2.2.5), and the three on-disk layouts.

use crate::error::{Error, Location, Result, Warning};
use crate::ndb::bytes::ReadLe;
use crate::ndb::crc::crc32;
use crate::ndb::{BlockId, CryptMethod};

/// The on-disk layout, from `wVer`. The three differ in id widths, page and block sizes and
/// trailer shapes; everything else in this crate asks the layout instead of branching on
/// versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// Outlook 97-2002: 32-bit ids and offsets, 512-byte pages (`wVer` 14 or 15).
    Ansi,
    /// Outlook 2003+: 64-bit ids and offsets, 512-byte pages (`wVer` 23, also 21).
    Unicode,
    /// Outlook 2013+ OST: Unicode with 4 KiB pages, 64 KiB blocks that may be
    /// zlib-compressed, and block sizes in the BBT (`wVer` 36; libpff's format notes, the
    /// pstreader wiki "Changes to handle OST 2013 files").
    Unicode4k,
}

impl Layout {
    /// Width of BIDs and byte offsets (IB).
    pub fn id_size(self) -> usize {
        match self {
            Self::Ansi => 4,
            _ => 8,
        }
    }
    /// Size of a B-tree page.
    pub fn page_size(self) -> usize {
        match self {
            Self::Unicode4k => 4096,
            _ => 512,
        }
    }
    /// Offset of the page trailer within a page (also the length the page CRC covers).
    pub fn page_trailer_offset(self) -> usize {
        match self {
            Self::Ansi => 500,
            Self::Unicode => 496,
            Self::Unicode4k => 4072,
        }
    }
    /// Offset of `cEnt` in a BTPAGE (the end of `rgentries`).
    pub fn btpage_meta_offset(self) -> usize {
        match self {
            Self::Ansi => 496,
            Self::Unicode => 488,
            Self::Unicode4k => 4056,
        }
    }
    /// Size of a block trailer.
    pub fn block_trailer_size(self) -> usize {
        match self {
            Self::Ansi => 12,
            Self::Unicode => 16,
            Self::Unicode4k => 24,
        }
    }
    /// Blocks start on multiples of this.
    pub fn block_alignment(self) -> usize {
        match self {
            Self::Unicode4k => 512,
            _ => 64,
        }
    }
    /// Largest block, trailer included.
    pub fn max_block_size(self) -> usize {
        match self {
            Self::Unicode4k => 65536,
            _ => 8192,
        }
    }
    /// Largest payload of one data block.
    pub fn max_block_payload(self) -> usize {
        self.max_block_size() - self.block_trailer_size()
    }
    /// A short name: `ansi`, `unicode` or `unicode4k` (the manifest's `layout`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Ansi => "ansi",
            Self::Unicode => "unicode",
            Self::Unicode4k => "unicode4k",
        }
    }
}

/// Whether a file is a PST, an OST or a PAB (`wMagicClient`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Client {
    /// `SM`: a personal folders file.
    Pst,
    /// `SO`: an offline folders cache.
    Ost,
    /// `AB`: a personal address book.
    Pab,
}

impl Client {
    /// `pst`, `ost` or `pab`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pst => "pst",
            Self::Ost => "ost",
            Self::Pab => "pab",
        }
    }
}

/// A reference to a page or block: its id and its file offset (BREF, [MS-PST] 2.2.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BlockRef {
    /// The BID (or the page's id).
    pub bid: BlockId,
    /// The file offset (IB).
    pub ib: u64,
}

/// What the header says about the file.
#[derive(Debug, Clone)]
pub struct Header {
    /// PST, OST or PAB.
    pub client: Client,
    /// `wVer`.
    pub version: u16,
    /// `wVerClient`.
    pub client_version: u16,
    /// The layout implied by `wVer`.
    pub layout: Layout,
    /// How data blocks are obfuscated.
    pub crypt: CryptMethod,
    /// `ibFileEof`: the file size the header records.
    pub file_eof: u64,
    /// Root of the node B-tree.
    pub nbt: BlockRef,
    /// Root of the block B-tree.
    pub bbt: BlockRef,
    /// `fAMapValid`.
    pub amap_valid: u8,
    /// `bidNextB`: the next block id the file would allocate.
    pub next_bid: u64,
    /// `ibAMapLast`: the offset of the last AMap page.
    pub amap_last: u64,
    /// `cbAMapFree`: the free bytes the AMap pages record.
    pub amap_free: u64,
    /// `cbPMapFree`: the free bytes the PMap pages record (deprecated).
    pub pmap_free: u64,
}

impl Header {
    /// Parses the header at the start of `file`. Checksum mismatches become `warnings`; a
    /// wrong signature, an unknown version or a protected file are errors.
    pub fn parse(file: &[u8], warnings: &mut Vec<Warning>) -> Result<Self> {
        let at = Location::offset(0);
        if file.len() < 512 {
            return Err(Error::NotPst(format!(
                "{} bytes is too short for a PST/OST header",
                file.len()
            )));
        }
        if file.get(0..4) != Some(b"!BDN") {
            return Err(Error::NotPst(
                "the file does not start with the !BDN signature".into(),
            ));
        }
        let short = || Error::corrupt(at, "header truncated");
        let client = match file.get(8..10) {
            Some(b"SM") => Client::Pst,
            Some(b"SO") => Client::Ost,
            Some(b"AB") => Client::Pab,
            other => return Err(Error::NotPst(format!("unknown client signature {other:?}"))),
        };
        let version = file.u16_at(10).ok_or_else(short)?;
        let client_version = file.u16_at(12).ok_or_else(short)?;
        let layout = match version {
            14 | 15 => Layout::Ansi,
            21 | 23 => Layout::Unicode,
            36 => Layout::Unicode4k,
            37 => return Err(Error::Protected { version, crypt: 0 }),
            v if v < 14 => {
                return Err(Error::Unsupported(format!(
                    "wVer {v} is older than any known PST"
                )))
            }
            v => {
                return Err(Error::Unsupported(format!(
                    "wVer {v} is not a known PST/OST layout"
                )))
            }
        };
        let (root, crypt_off) = match layout {
            Layout::Ansi => (164usize, 461usize),
            _ => (180, 513),
        };
        let w = layout.id_size();
        let crypt_byte = file.u8_at(crypt_off).ok_or_else(short)?;
        let crypt = match CryptMethod::from_byte(crypt_byte) {
            Some(c) => c,
            None if crypt_byte & 0x10 != 0 => {
                return Err(Error::Protected {
                    version,
                    crypt: crypt_byte,
                })
            }
            None => {
                return Err(Error::Unsupported(format!(
                    "encryption method {crypt_byte:#x}"
                )))
            }
        };
        let uint = |off: usize| file.uint_at(off, w).ok_or_else(short);
        let file_eof = uint(root + 4)?;
        let amap_last = uint(root + 4 + w)?;
        let amap_free = uint(root + 4 + 2 * w)?;
        let pmap_free = uint(root + 4 + 3 * w)?;
        let nbt = BlockRef {
            bid: BlockId(uint(root + 4 + 4 * w)?),
            ib: uint(root + 5 * w + 4)?,
        };
        let bbt = BlockRef {
            bid: BlockId(uint(root + 6 * w + 4)?),
            ib: uint(root + 7 * w + 4)?,
        };
        let amap_valid = file.u8_at(root + 8 * w + 4).ok_or_else(short)?;
        let next_bid = match layout {
            Layout::Ansi => uint(24)?,
            _ => file.u64_at(516).ok_or_else(short)?,
        };

        // dwCRCPartial covers 471 bytes from wMagicClient; Unicode headers add dwCRCFull over 516.
        let partial = file.u32_at(4).ok_or_else(short)?;
        if file.get(8..8 + 471).map(crc32) != Some(partial) {
            warnings.push(Warning {
                at,
                what: "header CRC (dwCRCPartial) does not match".into(),
            });
        }
        if layout != Layout::Ansi {
            let full = file.u32_at(524).ok_or_else(short)?;
            if file.get(8..8 + 516).map(crc32) != Some(full) {
                warnings.push(Warning {
                    at,
                    what: "header CRC (dwCRCFull) does not match".into(),
                });
            }
        }
        Ok(Self {
            client,
            version,
            client_version,
            layout,
            crypt,
            file_eof,
            nbt,
            bbt,
            amap_valid,
            next_bid,
            amap_last,
            amap_free,
            pmap_free,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(version: u16, crypt: u8) -> Vec<u8> {
        let mut h = vec![0u8; 1024];
        h[0..4].copy_from_slice(b"!BDN");
        h[8..10].copy_from_slice(b"SM");
        h[10..12].copy_from_slice(&version.to_le_bytes());
        let crypt_at = if version < 20 { 461 } else { 513 };
        h[crypt_at] = crypt;
        h
    }

    #[test]
    fn windows_information_protection_is_refused_by_name() {
        let mut w = Vec::new();
        let e = Header::parse(&header(37, 0), &mut w).unwrap_err();
        assert!(matches!(e, Error::Protected { version: 37, .. }), "{e}");
        let e = Header::parse(&header(23, 0x10), &mut w).unwrap_err();
        assert!(matches!(e, Error::Protected { crypt: 0x10, .. }), "{e}");
        assert!(e.to_string().contains("Windows Information Protection"));
    }

    #[test]
    fn layouts_come_from_wver_and_bad_files_are_named() {
        let mut w = Vec::new();
        assert_eq!(
            Header::parse(&header(14, 0), &mut w).unwrap().layout,
            Layout::Ansi
        );
        assert_eq!(
            Header::parse(&header(23, 1), &mut w).unwrap().crypt,
            CryptMethod::Permute
        );
        assert_eq!(
            Header::parse(&header(36, 2), &mut w).unwrap().layout,
            Layout::Unicode4k
        );
        // Zeroed CRCs are reported, not fatal.
        assert!(w.iter().any(|x| x.what.contains("CRC")));
        assert!(matches!(
            Header::parse(&header(99, 0), &mut w),
            Err(Error::Unsupported(_))
        ));
        assert!(matches!(
            Header::parse(&header(23, 7), &mut w),
            Err(Error::Unsupported(_))
        ));
        assert!(matches!(
            Header::parse(b"From someone\n", &mut w),
            Err(Error::NotPst(_))
        ));
        let mut mbox = vec![b'x'; 2048];
        mbox[..5].copy_from_slice(b"From ");
        assert!(matches!(
            Header::parse(&mbox, &mut w),
            Err(Error::NotPst(_))
        ));
    }
}
