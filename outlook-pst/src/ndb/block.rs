//! Blocks ([MS-PST] 2.2.2.8): data blocks with their trailers, data trees (XBLOCK, XXBLOCK)
//! and subnode B-trees (SLBLOCK, SIBLOCK).

use std::borrow::Cow;
use std::cell::RefCell;
use std::io::Read;

use crate::error::{Error, Location, Result, Warning};
use crate::ndb::btree::BlockEntry;
use crate::ndb::bytes::ReadLe;
use crate::ndb::crc::crc32;
use crate::ndb::header::Layout;
use crate::ndb::{BlockId, CryptMethod, NodeId};

/// The largest data tree accepted: an XXBLOCK of XBLOCKs fills far less, so anything above is
/// damage, and refusing it bounds memory.
const MAX_TREE_BYTES: u64 = 1 << 32;

/// One entry of a subnode B-tree (SLENTRY, [MS-PST] 2.2.2.8.3.3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubnodeEntry {
    /// The subnode's id (local to its parent node).
    pub nid: NodeId,
    /// Its data block or data tree.
    pub data: BlockId,
    /// Its own subnode tree, if any.
    pub sub: Option<BlockId>,
}

/// A block whose trailer CRC did not match its bytes when it was read: the bytes were used
/// as they are (a few flipped bits are better than no item), but may be wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DamagedBlock {
    /// The block's id.
    pub bid: BlockId,
    /// Its file offset.
    pub ib: u64,
    /// Its stored size in bytes.
    pub size: u16,
}

/// What the log of the [`Ndb`](super::Ndb) says ([`Warning::what`]) of a block whose CRC does
/// not match; its location names the block and its offset.
pub const CRC_MISMATCH: &str = "block CRC does not match; data used anyway";

thread_local! {
    /// The damaged blocks read on this thread since [`recording_damage`] began, when it is
    /// running.
    static DAMAGED: RefCell<Option<Vec<DamagedBlock>>> = const { RefCell::new(None) };
}

/// Runs `read` and returns what it gives with the blocks it read, on this thread, whose CRC
/// did not match (each once, in the order read). A recording inside another one is seen by
/// both. Reads on this thread are all `read`'s own: the reader never hands work to other
/// threads or takes theirs.
pub(crate) fn recording_damage<T>(read: impl FnOnce() -> T) -> (T, Vec<DamagedBlock>) {
    let outer = DAMAGED.with(|d| d.replace(Some(Vec::new())));
    let out = read();
    let mut got = DAMAGED.with(|d| d.replace(outer)).unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    got.retain(|b| seen.insert(b.bid.key()));
    DAMAGED.with(|d| {
        if let Some(o) = d.borrow_mut().as_mut() {
            o.extend(got.iter().copied());
        }
    });
    (out, got)
}

/// Notes a block read with a CRC that does not match, when a recording is running.
fn note_damaged(entry: &BlockEntry) {
    // A thread being torn down records nothing; nothing else can fail here.
    let _ = DAMAGED.try_with(|d| {
        if let Ok(mut d) = d.try_borrow_mut() {
            if let Some(list) = d.as_mut() {
                list.push(DamagedBlock {
                    bid: entry.bref.bid,
                    ib: entry.bref.ib,
                    size: entry.size,
                });
            }
        }
    });
}

/// Reads the stored bytes of a block, checks its trailer, and decodes it: decryption for
/// external blocks, then inflation when the 4 KiB layout stored it compressed. Blocks stored
/// as they are come back borrowed from the file.
pub(crate) fn read_block<'a>(
    file: &'a [u8],
    layout: Layout,
    crypt: CryptMethod,
    entry: &BlockEntry,
    warnings: &mut Vec<Warning>,
) -> Result<Cow<'a, [u8]>> {
    let data = stored_bytes(file, layout, entry, warnings)?;
    if !is_compressed(layout, entry) && !is_encrypted(crypt, entry) {
        return Ok(Cow::Borrowed(data));
    }
    let mut out = Vec::new();
    decode_into(data, crypt, layout, entry, warnings, &mut out)?;
    Ok(Cow::Owned(out))
}

/// As [`read_block`], but appends the decoded bytes to `out` (data trees are read into one
/// buffer this way, each block inflated in place).
pub(crate) fn read_block_into(
    file: &[u8],
    layout: Layout,
    crypt: CryptMethod,
    entry: &BlockEntry,
    warnings: &mut Vec<Warning>,
    out: &mut Vec<u8>,
) -> Result<()> {
    let data = stored_bytes(file, layout, entry, warnings)?;
    decode_into(data, crypt, layout, entry, warnings, out)
}

fn block_location(entry: &BlockEntry) -> Location {
    Location {
        block: Some(entry.bref.bid),
        offset: Some(entry.bref.ib),
        node: None,
    }
}

fn is_compressed(layout: Layout, entry: &BlockEntry) -> bool {
    entry.inflated_size != entry.size && layout == Layout::Unicode4k
}

fn is_encrypted(crypt: CryptMethod, entry: &BlockEntry) -> bool {
    !entry.bref.bid.is_internal() && crypt != CryptMethod::None
}

/// The block's bytes as stored, after checking its trailer (size, id and CRC mismatches are
/// warnings: the data is used anyway; a CRC mismatch is also recorded for
/// [`recording_damage`]).
pub(crate) fn stored_bytes<'a>(
    file: &'a [u8],
    layout: Layout,
    entry: &BlockEntry,
    warnings: &mut Vec<Warning>,
) -> Result<&'a [u8]> {
    let bid = entry.bref.bid;
    let at = block_location(entry);
    let start = usize::try_from(entry.bref.ib)
        .map_err(|_| Error::corrupt(at, "block offset out of range"))?;
    let size = usize::from(entry.size);
    let data = file
        .bytes_at(start, size)
        .ok_or_else(|| Error::corrupt(at, "block lies beyond the end of the file"))?;

    // The trailer sits at the end of the block's aligned footprint.
    let ts = layout.block_trailer_size();
    let align = layout.block_alignment();
    let footprint = (size + ts).div_ceil(align) * align;
    match file.bytes_at(start + footprint - ts, ts) {
        Some(t) => {
            let cb = t.u16_at(0);
            let (crc, back) = match layout {
                Layout::Ansi => (t.u32_at(8), t.u32_at(4).map(u64::from)),
                _ => (t.u32_at(4), t.u64_at(8)),
            };
            if cb != Some(entry.size) {
                warnings.push(Warning {
                    at,
                    what: format!(
                        "block trailer size {cb:?} differs from the B-tree's {}",
                        entry.size
                    ),
                });
            }
            if back.map(|b| b & !1) != Some(bid.key()) {
                warnings.push(Warning {
                    at,
                    what: format!(
                        "block trailer id {:#x} differs from {bid}",
                        back.unwrap_or(0)
                    ),
                });
            }
            if crc != Some(crc32(data)) {
                warnings.push(Warning {
                    at,
                    what: CRC_MISMATCH.into(),
                });
                note_damaged(entry);
            }
        }
        None => warnings.push(Warning {
            at,
            what: "block trailer lies beyond the end of the file".into(),
        }),
    }
    Ok(data)
}

/// Appends the decoded contents of a block (stored as `data`) to `out`.
fn decode_into(
    data: &[u8],
    crypt: CryptMethod,
    layout: Layout,
    entry: &BlockEntry,
    warnings: &mut Vec<Warning>,
    out: &mut Vec<u8>,
) -> Result<()> {
    let at = block_location(entry);
    let start = out.len();
    // The 4 KiB layout compresses what was encrypted: inflate first, then decrypt (libpff and
    // XstReader read it so; the zlib stream itself starts with a plain 78 9C header).
    if is_compressed(layout, entry) {
        let want = usize::from(entry.inflated_size);
        out.resize(start + want, 0);
        let inflated = match out.get_mut(start..).and_then(|o| inflate_whole(data, o)) {
            Some(n) => n,
            None => {
                // Damaged or mis-sized stream: the streaming decoder keeps what inflates.
                out.truncate(start);
                let mut z = flate2::read::ZlibDecoder::new(data).take(want as u64 + 1);
                z.read_to_end(out)
                    .map_err(|e| Error::corrupt(at, format!("zlib data does not inflate: {e}")))?;
                out.len() - start
            }
        };
        if inflated != want {
            warnings.push(Warning {
                at,
                what: format!("block inflates to {inflated} bytes, not {want}"),
            });
        }
        out.truncate(start + inflated.min(want));
    } else {
        out.extend_from_slice(data);
    }
    if is_encrypted(crypt, entry) {
        if let Some(decoded) = out.get_mut(start..) {
            crypt.decode(decoded, entry.bref.bid.0 as u32);
        }
    }
    Ok(())
}

thread_local! {
    /// One libdeflate decompressor per thread: its tables are reused from block to block.
    static INFLATER: std::cell::RefCell<libdeflater::Decompressor> =
        std::cell::RefCell::new(libdeflater::Decompressor::new());
}

/// Inflates a whole zlib stream into `out` (sized to what the BBT says) with libdeflate,
/// about twice as fast as a streaming inflater. `None` when the stream is damaged or does
/// not fit: the caller then falls back to streaming, which keeps what can be inflated.
fn inflate_whole(data: &[u8], out: &mut [u8]) -> Option<usize> {
    INFLATER
        .try_with(|d| {
            d.try_borrow_mut()
                .ok()
                .and_then(|mut d| d.zlib_decompress(data, out).ok())
        })
        .ok()
        .flatten()
}

/// An internal block's header: `btype`, `cLevel`, `cEnt`, and for data trees `lcbTotal`.
pub(crate) struct InternalHeader {
    pub btype: u8,
    pub level: u8,
    pub count: usize,
    pub total: u32,
}

pub(crate) fn internal_header(b: &[u8], at: Location) -> Result<InternalHeader> {
    let short = || Error::corrupt(at, "internal block too short");
    Ok(InternalHeader {
        btype: b.u8_at(0).ok_or_else(short)?,
        level: b.u8_at(1).ok_or_else(short)?,
        count: usize::from(b.u16_at(2).ok_or_else(short)?),
        total: b.u32_at(4).unwrap_or(0),
    })
}

/// The child BIDs of an XBLOCK or XXBLOCK ([MS-PST] 2.2.2.8.3.2).
pub(crate) fn xblock_children(
    b: &[u8],
    layout: Layout,
    at: Location,
) -> Result<(InternalHeader, Vec<BlockId>)> {
    let h = internal_header(b, at)?;
    if h.btype != 0x01 || !(1..=2).contains(&h.level) {
        return Err(Error::corrupt(
            at,
            format!(
                "not a data tree block (btype {:#x}, level {})",
                h.btype, h.level
            ),
        ));
    }
    if u64::from(h.total) > MAX_TREE_BYTES {
        return Err(Error::corrupt(
            at,
            format!("data tree claims {} bytes", h.total),
        ));
    }
    // A count larger than the block holds (damage, or a writer that lied) keeps the ids the
    // block does hold; the caller sees fewer children than `count`.
    let w = layout.id_size();
    let out: Vec<BlockId> = (0..h.count)
        .map_while(|i| b.uint_at(8 + i * w, w).map(BlockId))
        .collect();
    Ok((h, out))
}

/// The entries of an SLBLOCK, or the child BIDs of an SIBLOCK ([MS-PST] 2.2.2.8.3.3).
pub(crate) enum SubnodeBlock {
    Leaf(Vec<SubnodeEntry>),
    Intermediate(Vec<BlockId>),
}

/// Reads an SLBLOCK or SIBLOCK: its entries, and `(listed, held)` when its count lists more
/// entries than the block holds (a damaged count: the entries it holds are returned).
pub(crate) fn subnode_block(
    b: &[u8],
    layout: Layout,
    at: Location,
) -> Result<(SubnodeBlock, Option<(usize, usize)>)> {
    let h = internal_header(b, at)?;
    if h.btype != 0x02 || h.level > 1 {
        return Err(Error::corrupt(
            at,
            format!(
                "not a subnode block (btype {:#x}, level {})",
                h.btype, h.level
            ),
        ));
    }
    let w = layout.id_size();
    // Unicode SLBLOCK/SIBLOCK headers carry 4 bytes of padding after cEnt.
    let first = if layout == Layout::Ansi { 4 } else { 8 };
    let size = if h.level == 0 { 3 * w } else { 2 * w };
    let held = h.count.min(b.len().saturating_sub(first) / size);
    let short = (held < h.count).then_some((h.count, held));
    let entry = |i: usize| b.bytes_at(first + i * size, size);
    if h.level == 0 {
        let mut out = Vec::with_capacity(held);
        for i in 0..held {
            let Some(e) = entry(i) else { break };
            let (Some(nid), Some(data), Some(sub)) =
                (e.u32_at(0), e.uint_at(w, w), e.uint_at(2 * w, w))
            else {
                break;
            };
            out.push(SubnodeEntry {
                nid: NodeId(nid),
                data: BlockId(data),
                sub: (sub != 0).then_some(BlockId(sub)),
            });
        }
        Ok((SubnodeBlock::Leaf(out), short))
    } else {
        let mut out = Vec::with_capacity(held);
        for i in 0..held {
            let Some(bid) = entry(i).and_then(|e| e.uint_at(w, w)) else {
                break;
            };
            out.push(BlockId(bid));
        }
        Ok((SubnodeBlock::Intermediate(out), short))
    }
}
