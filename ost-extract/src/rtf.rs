//! Compressed RTF ([MS-OXRTFCP]) and RTF-encapsulated HTML ([MS-OXRTFEX]).
//!
//! `decompress` turns `PidTagRtfCompressed` into RTF bytes, `html_from_rtf` recovers the HTML that
//! Outlook wrapped in RTF, and `text_from_rtf` renders any RTF as plain text.
//!
//! Facts from real stores (the 380 RTF bodies of the shared corpus all decompress, with matching
//! CRCs): RTF bodies often end with a NUL after the closing brace, which the renderers ignore;
//! "MELA" bodies written by Aspose.Email carry a RAWSIZE 12 larger than the data, so RAWSIZE is
//! only an upper bound there; `\fcharset0` fonts mean Windows-1252 even under another
//! `\ansicpg` (Outlook writes `&nbsp;` as `{\f3\'a0}` in `\ansicpg932` documents).

mod lex;
mod render;
#[cfg(test)]
mod tests;

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

/// The string the dictionary starts with ([MS-OXRTFCP] 2.1.2.1); the first write position
/// follows it.
const INITIAL_DICT: &[u8] = b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

/// Reads a little-endian u32 at `at`, if present.
fn le32(data: &[u8], at: usize) -> Option<u32> {
    let bytes: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(bytes))
}

/// The CRC of [MS-OXRTFCP] 2.1.3.2: reflected polynomial 0xEDB88320, seed 0, no final
/// inversion, i.e. the same function as the MS-PST CRC.
fn crc(data: &[u8]) -> u32 {
    pstkit::ndb::crc::crc32(data)
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

/// Runs the LZFu decoder of [MS-OXRTFCP] 2.1.3.1 over `body` (the bytes after the header),
/// producing at most `limit` bytes. Returns the output and whether the end marker (a reference
/// to the current write position) was seen.
fn lzfu_decode(body: &[u8], limit: usize) -> (Vec<u8>, bool) {
    let mut dict = [0u8; DICT_LEN];
    dict[..INITIAL_DICT.len()].copy_from_slice(INITIAL_DICT);
    let mut write = INITIAL_DICT.len();
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
                dict[write] = b;
                write = (write + 1) % DICT_LEN;
            } else {
                let (Some(&hi), Some(&lo)) = (body.get(pos), body.get(pos + 1)) else {
                    return (out, false);
                };
                pos += 2;
                // Big-endian: upper 12 bits offset, lower 4 bits length - 2.
                let word = u16::from_be_bytes([hi, lo]);
                let offset = usize::from(word >> 4);
                let len = usize::from(word & 0xF) + 2;
                if offset == write {
                    return (out, true);
                }
                for k in 0..len {
                    if out.len() >= limit {
                        return (out, false);
                    }
                    let b = dict[(offset + k) % DICT_LEN];
                    out.push(b);
                    dict[write] = b;
                    write = (write + 1) % DICT_LEN;
                }
            }
        }
    }
    (out, false)
}

/// Longest match an LZFu reference can express ([MS-OXRTFCP] 2.1.3.1.4: 4 bits of length + 2).
const MAX_MATCH: usize = 17;
/// How many hash-chain candidates the encoder examines per position.
const MAX_CHAIN: usize = 256;

/// Compresses RTF into the LZFu form (used by the fixtures writer and tests; a simple but valid
/// encoder with real back-references).
pub fn compress(rtf: &[u8]) -> Vec<u8> {
    // The decoder's dictionary is a window over the stream "initial string ++ data": a reference
    // to absolute position p from position cur (0 < cur - p < 4096) reads stream[p..], also when
    // the copy overlaps what it writes. So matches are searched in that virtual stream.
    let mut stream = Vec::with_capacity(INITIAL_DICT.len() + rtf.len());
    stream.extend_from_slice(INITIAL_DICT);
    stream.extend_from_slice(rtf);
    const NONE: usize = usize::MAX;
    let mut head = vec![NONE; 1 << 16];
    let mut prev = vec![NONE; stream.len()];
    let key = |s: &[u8], p: usize| (usize::from(s[p]) << 8) | usize::from(s[p + 1]);
    let insert = |head: &mut Vec<usize>, prev: &mut Vec<usize>, s: &[u8], p: usize| {
        if p + 1 < s.len() {
            let k = key(s, p);
            prev[p] = head[k];
            head[k] = p;
        }
    };
    for p in 0..INITIAL_DICT.len() {
        insert(&mut head, &mut prev, &stream, p);
    }

    let mut body = Vec::with_capacity(rtf.len() / 2 + 16);
    let mut control_at = 0usize;
    let mut bit = 8u8;
    let mut cur = INITIAL_DICT.len();
    // Starts a new control byte when the current one is full; returns the bit to set.
    let next_bit = |body: &mut Vec<u8>, control_at: &mut usize, bit: &mut u8| -> u8 {
        if *bit == 8 {
            *control_at = body.len();
            body.push(0);
            *bit = 0;
        }
        let b = *bit;
        *bit += 1;
        b
    };
    while cur < stream.len() {
        let mut best_len = 0usize;
        let mut best_pos = 0usize;
        if cur + 1 < stream.len() {
            let mut cand = head[key(&stream, cur)];
            let mut steps = 0;
            while cand != NONE && steps < MAX_CHAIN && cur - cand < DICT_LEN {
                let max = MAX_MATCH.min(stream.len() - cur);
                let len = (0..max)
                    .take_while(|&k| stream[cand + k] == stream[cur + k])
                    .count();
                // Among equally long matches prefer the lowest dictionary offset, which is
                // what the spec's worked examples ([MS-OXRTFCP] 3.2) show.
                if len > best_len
                    || (len == best_len && len > 0 && cand % DICT_LEN < best_pos % DICT_LEN)
                {
                    best_len = len;
                    best_pos = cand;
                }
                cand = prev[cand];
                steps += 1;
            }
        }
        let b = next_bit(&mut body, &mut control_at, &mut bit);
        if best_len >= 2 {
            body[control_at] |= 1 << b;
            let word = (((best_pos % DICT_LEN) as u16) << 4) | (best_len - 2) as u16;
            body.extend_from_slice(&word.to_be_bytes());
            for p in cur..cur + best_len {
                insert(&mut head, &mut prev, &stream, p);
            }
            cur += best_len;
        } else {
            body.push(stream[cur]);
            insert(&mut head, &mut prev, &stream, cur);
            cur += 1;
        }
    }
    // End marker: a reference to the write position itself.
    let b = next_bit(&mut body, &mut control_at, &mut bit);
    body[control_at] |= 1 << b;
    let word = ((cur % DICT_LEN) as u16) << 4;
    body.extend_from_slice(&word.to_be_bytes());

    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&((body.len() + 12) as u32).to_le_bytes());
    out.extend_from_slice(&(rtf.len() as u32).to_le_bytes());
    out.extend_from_slice(&COMPRESSED.to_le_bytes());
    out.extend_from_slice(&crc(&body).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// Maps a Windows code page number (as in RTF `\ansicpg`, `PidTagInternetCodepage` or
/// `PidTagMessageCodepage`) to an encoding: the reader's table, shared.
pub use pstkit::ltp::codepage::encoding_for_codepage;

/// If the RTF encapsulates HTML (\fromhtml1, [MS-OXRTFEX]), returns the original HTML text
/// (bytes decoded with the RTF's \ansicpg code page, \uN unicode escapes handled); otherwise None.
pub fn html_from_rtf(rtf: &[u8]) -> Option<String> {
    match render::encapsulation(rtf) {
        Some(render::Encapsulation::Html) => Some(render::render(rtf, render::Mode::Html)),
        _ => None,
    }
}

/// A readable plain-text rendering of any RTF (also handles \fromtext encapsulated text exactly):
/// paragraphs/line breaks, \tab, \'hh escapes in the document code page (\ansicpg, per-font
/// \fcharset), \uN with \ucN skipping, skipping destinations like \fonttbl, \colortbl,
/// \stylesheet, \info, \*\... and pictures.
///
/// Paragraph and line breaks (`\par`, `\line`, `\sect`, `\page`, `\row`) become CRLF, as in
/// PidTagBody; table cells become tabs. Fields show their result (`\fldrslt`), not their code.
pub fn text_from_rtf(rtf: &[u8]) -> String {
    let mode = match render::encapsulation(rtf) {
        Some(render::Encapsulation::Text) => render::Mode::FromText,
        _ => render::Mode::Text,
    };
    render::render(rtf, mode)
}
