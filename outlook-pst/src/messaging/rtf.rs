//! Compressed RTF ([MS-OXRTFCP]), the form of `PidTagRtfCompressed`: the LZ77-style "LZFu"
//! form and the uncompressed "MELA" form, both ways.
//!
//! Facts from real stores (the 380 RTF bodies of the shared corpus all decompress, with matching
//! CRCs): "MELA" bodies written by Aspose.Email carry a RAWSIZE 12 larger than the data, so
//! RAWSIZE is only an upper bound there.
#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)
)]

use crate::ndb::crc::crc32;

/// Errors from decompressing compressed RTF ([MS-OXRTFCP] 2.1.3).
#[derive(Debug, thiserror::Error)]
pub enum RtfError {
    /// The data is shorter than the 16-byte header ([MS-OXRTFCP] 2.1.3.1.1).
    #[error("compressed RTF at offset {offset}: {what}")]
    Truncated {
        /// Byte offset in the input where more data was needed.
        offset: usize,
        /// What was being read.
        what: &'static str,
    },
    /// COMPTYPE is neither "LZFu" nor "MELA" ([MS-OXRTFCP] 2.1.3.1.1).
    #[error("compressed RTF at offset 8: unknown COMPTYPE 0x{comptype:08x}")]
    UnknownType {
        /// The COMPTYPE value found.
        comptype: u32,
    },
    /// The CRC of the compressed data does not match ([MS-OXRTFCP] 2.1.3.2) and the output is
    /// incomplete (no end marker, or fewer bytes than RAWSIZE).
    #[error("compressed RTF at offset 12: CRC 0x{stored:08x} stored, 0x{computed:08x} computed, output unusable ({what})")]
    Crc {
        /// CRC stored in the header.
        stored: u32,
        /// CRC computed over the compressed data.
        computed: u32,
        /// Why the output is considered unusable.
        what: &'static str,
    },
}

/// COMPTYPE of compressed data, "LZFu" read as a little-endian u32 ([MS-OXRTFCP] 2.1.3.1.1).
const COMPRESSED: u32 = 0x7546_5A4C;
/// COMPTYPE of uncompressed data, "MELA" read as a little-endian u32 ([MS-OXRTFCP] 2.1.3.1.1).
const UNCOMPRESSED: u32 = 0x414C_454D;
/// Size of the header: COMPSIZE, RAWSIZE, COMPTYPE, CRC ([MS-OXRTFCP] 2.1.3.1.1).
const HEADER_LEN: usize = 16;
/// Size of the sliding dictionary ([MS-OXRTFCP] 2.1.2.1).
const DICT_LEN: usize = 4096;
/// Upper bound on decompressed output, whatever RAWSIZE claims.
const MAX_OUTPUT: usize = 64 << 20;
/// Longest match an LZFu reference can express ([MS-OXRTFCP] 2.1.3.1.4: 4 bits of length + 2).
const MAX_MATCH: usize = 17;

/// The string the dictionary starts with ([MS-OXRTFCP] 2.1.2.1); the first write position
/// follows it.
pub const INITIAL_DICT: &[u8] = b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

/// Reads a little-endian u32 at `at`, if present.
fn le32(data: &[u8], at: usize) -> Option<u32> {
    let bytes: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(bytes))
}

/// The CRC of [MS-OXRTFCP] 2.1.3.2: reflected polynomial 0xEDB88320, seed 0, no final
/// inversion, i.e. the same function as the MS-PST CRC.
fn crc(data: &[u8]) -> u32 {
    crc32(data)
}

/// Decompresses PidTagRtfCompressed ([MS-OXRTFCP] 2.1.3): "LZFu" (compressed) and "MELA"
/// (uncompressed) forms; checks the CRC of LZFu data ([MS-OXRTFCP] 2.1.3.2), reporting a mismatch
/// as an error only if the output is unusable.
pub fn decompress(data: &[u8]) -> Result<Vec<u8>, RtfError> {
    let truncated = |offset, what| RtfError::Truncated { offset, what };
    let comp_size = le32(data, 0).ok_or(truncated(0, "COMPSIZE"))?;
    let raw_size = le32(data, 4).ok_or(truncated(4, "RAWSIZE"))?;
    let comp_type = le32(data, 8).ok_or(truncated(8, "COMPTYPE"))?;
    let stored_crc = le32(data, 12).ok_or(truncated(12, "CRC"))?;
    let raw_size = usize::try_from(raw_size)
        .unwrap_or(usize::MAX)
        .min(MAX_OUTPUT);
    // COMPSIZE counts the bytes after itself; trust it only as far as the data goes.
    let end = usize::try_from(comp_size)
        .ok()
        .and_then(|n| n.checked_add(4))
        .unwrap_or(usize::MAX)
        .min(data.len());
    let body = data.get(HEADER_LEN..end.max(HEADER_LEN)).unwrap_or(&[]);
    match comp_type {
        UNCOMPRESSED => {
            // Uncompressed RTF follows the header as is; a short body is still useful text.
            let n = raw_size.min(body.len());
            Ok(body.get(..n).unwrap_or(body).to_vec())
        }
        COMPRESSED => {
            let (out, ended) = lzfu_decode(body, raw_size);
            let computed = crc(body);
            if computed != stored_crc {
                // Output that fills RAWSIZE, or that ended cleanly at RAWSIZE, is usable.
                let what = if out.len() >= raw_size {
                    None
                } else if !ended {
                    Some("no end marker")
                } else {
                    Some("shorter than RAWSIZE")
                };
                if let Some(what) = what {
                    return Err(RtfError::Crc {
                        stored: stored_crc,
                        computed,
                        what,
                    });
                }
            }
            Ok(out)
        }
        other => Err(RtfError::UnknownType { comptype: other }),
    }
}

/// The dictionary of [MS-OXRTFCP] 2.1.2.1: 4096 bytes, starting with [`INITIAL_DICT`], written
/// circularly.
struct Dictionary {
    bytes: [u8; DICT_LEN],
    write: usize,
}

impl Dictionary {
    fn new() -> Self {
        let mut bytes = [0u8; DICT_LEN];
        for (d, s) in bytes.iter_mut().zip(INITIAL_DICT) {
            *d = *s;
        }
        Self {
            bytes,
            write: INITIAL_DICT.len(),
        }
    }
    fn push(&mut self, b: u8) {
        if let Some(slot) = self.bytes.get_mut(self.write) {
            *slot = b;
        }
        self.write = (self.write + 1) % DICT_LEN;
    }
    fn at(&self, offset: usize) -> u8 {
        self.bytes.get(offset % DICT_LEN).copied().unwrap_or(0)
    }
}

/// Runs the LZFu decoder of [MS-OXRTFCP] 2.1.3.1 over `body` (the bytes after the header),
/// producing at most `limit` bytes. Returns the output and whether the end marker (a reference
/// to the current write position) was seen.
fn lzfu_decode(body: &[u8], limit: usize) -> (Vec<u8>, bool) {
    let mut dict = Dictionary::new();
    // Each input byte yields at most 8.5 output bytes; never preallocate beyond that.
    let mut out = Vec::with_capacity(limit.min(body.len().saturating_mul(9)));
    let mut pos = 0usize;
    while let Some(&control) = body.get(pos) {
        pos += 1;
        for bit in 0..8 {
            if control & (1 << bit) == 0 {
                let Some(&b) = body.get(pos) else {
                    return (out, false);
                };
                pos += 1;
                if out.len() >= limit {
                    return (out, false);
                }
                out.push(b);
                dict.push(b);
            } else {
                let (Some(&hi), Some(&lo)) = (body.get(pos), body.get(pos + 1)) else {
                    return (out, false);
                };
                pos += 2;
                // Big-endian: upper 12 bits offset, lower 4 bits length - 2.
                let word = u16::from_be_bytes([hi, lo]);
                let offset = usize::from(word >> 4);
                let len = usize::from(word & 0xF) + 2;
                if offset == dict.write {
                    return (out, true);
                }
                for k in 0..len {
                    if out.len() >= limit {
                        return (out, false);
                    }
                    let b = dict.at(offset + k);
                    out.push(b);
                    dict.push(b);
                }
            }
        }
    }
    (out, false)
}

/// Wraps `rtf` in the uncompressed "MELA" form (CRC 0, [MS-OXRTFCP] 2.1.3.1.1).
pub fn uncompressed(rtf: &[u8]) -> Vec<u8> {
    let mut out = header(rtf.len(), rtf.len(), UNCOMPRESSED, 0);
    out.extend_from_slice(rtf);
    out
}

/// The 16-byte header: COMPSIZE (the bytes after itself), RAWSIZE, COMPTYPE, CRC.
fn header(body_len: usize, raw_len: usize, kind: u32, crc: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER_LEN + body_len);
    h.extend_from_slice(&((body_len + 12) as u32).to_le_bytes());
    h.extend_from_slice(&(raw_len as u32).to_le_bytes());
    h.extend_from_slice(&kind.to_le_bytes());
    h.extend_from_slice(&crc.to_le_bytes());
    h
}

/// Compresses RTF into the "LZFu" form ([MS-OXRTFCP] 2.1.3.1), greedily: at each position the
/// longest match in the dictionary, and among equally long ones the lowest dictionary offset,
/// which is what the spec's worked examples ([MS-OXRTFCP] 3.1) show. Output is deterministic.
pub fn compress(rtf: &[u8]) -> Vec<u8> {
    // The decoder's dictionary is a window over the stream "initial string ++ data": a reference
    // to absolute position p from position cur (0 < cur - p < 4096) reads stream[p..], also when
    // the copy overlaps what it writes. So matches are searched in that virtual stream, through
    // hash chains of the positions with the same two leading bytes.
    let mut stream = Vec::with_capacity(INITIAL_DICT.len() + rtf.len());
    stream.extend_from_slice(INITIAL_DICT);
    stream.extend_from_slice(rtf);
    const NONE: usize = usize::MAX;
    let mut head = vec![NONE; 1 << 16];
    let mut prev = vec![NONE; stream.len()];
    let key = |s: &[u8], p: usize| -> Option<usize> {
        Some((usize::from(*s.get(p)?) << 8) | usize::from(*s.get(p + 1)?))
    };
    let insert = |head: &mut [usize], prev: &mut [usize], s: &[u8], p: usize| {
        if let (Some(k), Some(slot)) = (key(s, p), prev.get_mut(p)) {
            if let Some(h) = head.get_mut(k) {
                *slot = *h;
                *h = p;
            }
        }
    };
    for p in 0..INITIAL_DICT.len() {
        insert(&mut head, &mut prev, &stream, p);
    }

    let mut body = Vec::with_capacity(rtf.len() / 2 + 16);
    let mut control_at = 0usize;
    let mut bit = 8u8;
    // Starts a new control byte when the current one is full, and sets this token's bit in it
    // when `reference`.
    let mut token = |body: &mut Vec<u8>, reference: bool| {
        if bit == 8 {
            control_at = body.len();
            body.push(0);
            bit = 0;
        }
        if reference {
            if let Some(c) = body.get_mut(control_at) {
                *c |= 1 << bit;
            }
        }
        bit += 1;
    };
    let mut cur = INITIAL_DICT.len();
    while let Some(&literal) = stream.get(cur) {
        let mut best_len = 0usize;
        let mut best_pos = 0usize;
        let mut cand = key(&stream, cur)
            .and_then(|k| head.get(k).copied())
            .unwrap_or(NONE);
        let max = MAX_MATCH.min(stream.len() - cur);
        while cand != NONE && cur - cand < DICT_LEN {
            let len = (0..max)
                .take_while(|&k| stream.get(cand + k) == stream.get(cur + k))
                .count();
            if len > best_len
                || (len == best_len && len > 0 && cand % DICT_LEN < best_pos % DICT_LEN)
            {
                best_len = len;
                best_pos = cand;
            }
            cand = prev.get(cand).copied().unwrap_or(NONE);
        }
        if best_len >= 2 {
            token(&mut body, true);
            let word = (((best_pos % DICT_LEN) as u16) << 4) | (best_len - 2) as u16;
            body.extend_from_slice(&word.to_be_bytes());
            for p in cur..cur + best_len {
                insert(&mut head, &mut prev, &stream, p);
            }
            cur += best_len;
        } else {
            token(&mut body, false);
            body.push(literal);
            insert(&mut head, &mut prev, &stream, cur);
            cur += 1;
        }
    }
    // End marker: a reference to the write position itself.
    token(&mut body, true);
    let word = ((cur % DICT_LEN) as u16) << 4;
    body.extend_from_slice(&word.to_be_bytes());

    let mut out = header(body.len(), rtf.len(), COMPRESSED, crc(&body));
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests;
