//! The node and block B-trees ([MS-PST] 2.2.2.7.7): BTPAGE, BTENTRY, BBTENTRY, NBTENTRY.
//! Lookups go straight to the pages in the file; only which pages passed their CRC check is
//! remembered, in a table of at most 128 KiB, so memory does not grow with the file.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Location, Result, Warning};
use crate::ndb::bytes::ReadLe;
use crate::ndb::crc::crc32;
use crate::ndb::header::{BlockRef, Layout};
use crate::ndb::{BlockId, NodeId};

/// `ptypeBBT`.
pub const PTYPE_BBT: u8 = 0x80;
/// `ptypeNBT`.
pub const PTYPE_NBT: u8 = 0x81;
/// `ptypeFMap` ([MS-PST] 2.2.2.7.1; deprecated).
pub const PTYPE_FMAP: u8 = 0x82;
/// `ptypePMap` (deprecated).
pub const PTYPE_PMAP: u8 = 0x83;
/// `ptypeAMap`.
pub const PTYPE_AMAP: u8 = 0x84;
/// `ptypeFPMap` (deprecated).
pub const PTYPE_FPMAP: u8 = 0x85;
/// `ptypeDL`: the density list.
pub const PTYPE_DLIST: u8 = 0x86;
/// B-trees deeper than this are taken as damage (real files have 2 to 4 levels).
const MAX_LEVELS: u8 = 8;

/// A leaf entry of the node B-tree (NBTENTRY, [MS-PST] 2.2.2.7.7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeEntry {
    /// The node.
    pub nid: NodeId,
    /// Its data block (or data tree root).
    pub data: BlockId,
    /// Its subnode B-tree, if any.
    pub sub: Option<BlockId>,
    /// Its parent node (folders and messages), or 0.
    pub parent: NodeId,
}

/// A leaf entry of the block B-tree (BBTENTRY, [MS-PST] 2.2.2.7.7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockEntry {
    /// The block and its file offset.
    pub bref: BlockRef,
    /// Stored size of the block's data (`cb`).
    pub size: u16,
    /// Size once inflated: equal to `size` unless the block is zlib-compressed (4 KiB layout).
    pub inflated_size: u16,
    /// Reference count (`cRef`).
    pub refs: u16,
}

/// Pages whose CRC was found good. Every lookup passes through the root and the inner pages,
/// and a leaf is passed through once for each of its entries: without this, a lookup in the
/// 4 KiB layout computed the CRC of up to 12 KiB of pages. A page's offset hashes to one slot
/// of a table sized once, when the file is opened; a page whose slot another page took is
/// checked again, which costs time only.
/// The file cannot change under a reader, so a page once good stays good.
pub(crate) struct CheckedPages {
    /// Each slot holds a good page's offset plus one (0: empty).
    slots: Box<[AtomicU64]>,
    /// log2 of the number of slots.
    bits: u32,
}

impl CheckedPages {
    /// At most 2^14 slots (128 KiB): room for the inner pages and the leaves in use of both
    /// B-trees of a large file. A small file gets a slot per page it could hold.
    const MAX_BITS: u32 = 14;

    /// A table for a file of `len` bytes in pages of `page_size` bytes.
    pub(crate) fn new(len: u64, page_size: usize) -> Self {
        let pages = len / (page_size.max(1) as u64);
        let bits = (u64::BITS - pages.leading_zeros()).clamp(4, Self::MAX_BITS);
        Self {
            slots: (0..1usize << bits).map(|_| AtomicU64::new(0)).collect(),
            bits,
        }
    }

    fn slot(&self, ib: u64) -> Option<(&AtomicU64, u64)> {
        // Fibonacci hashing of the page number: pages 4 KiB apart still spread over all slots.
        let i = (ib >> 9).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.bits);
        let slot = self.slots.get(usize::try_from(i).ok()?)?;
        Some((slot, ib.checked_add(1)?))
    }

    fn contains(&self, ib: u64) -> bool {
        self.slot(ib)
            .is_some_and(|(slot, mark)| slot.load(Ordering::Relaxed) == mark)
    }

    fn insert(&self, ib: u64) {
        if let Some((slot, mark)) = self.slot(ib) {
            slot.store(mark, Ordering::Relaxed);
        }
    }
}

/// One validated B-tree page.
pub(crate) struct Page<'a> {
    pub bytes: &'a [u8],
    pub entries: usize,
    pub entry_size: usize,
    pub level: u8,
}

/// Reads and checks the page at `bref`. A bad CRC or a back pointer that does not match is
/// reported in `warnings` and the page is used anyway if its shape is sane; a wrong page type
/// or impossible entry counts are errors. The CRC of a page that `checked` holds is not
/// computed again; a good one is added to it.
pub(crate) fn read_page<'a>(
    file: &'a [u8],
    layout: Layout,
    bref: BlockRef,
    ptype: u8,
    checked: Option<&CheckedPages>,
    warnings: &mut Vec<Warning>,
) -> Result<Page<'a>> {
    let at = Location {
        block: Some(bref.bid),
        offset: Some(bref.ib),
        node: None,
    };
    let size = layout.page_size();
    let start =
        usize::try_from(bref.ib).map_err(|_| Error::corrupt(at, "page offset out of range"))?;
    let bytes = file
        .bytes_at(start, size)
        .ok_or_else(|| Error::corrupt(at, "B-tree page lies beyond the end of the file"))?;
    let t = layout.page_trailer_offset();
    let bad = |what: &str| Error::corrupt(at, what.to_owned());
    let (pt, pt2) = (
        bytes.u8_at(t).ok_or_else(|| bad("short page"))?,
        bytes.u8_at(t + 1).ok_or_else(|| bad("short page"))?,
    );
    if pt != ptype || pt2 != ptype {
        return Err(bad(&format!(
            "page type {pt:#x}/{pt2:#x}, expected {ptype:#x}"
        )));
    }
    let (stored_crc, back) = match layout {
        Layout::Ansi => (bytes.u32_at(t + 8), bytes.u32_at(t + 4).map(u64::from)),
        _ => (bytes.u32_at(t + 4), bytes.u64_at(t + 8)),
    };
    let m = layout.btpage_meta_offset();
    let (entries, max_entries, entry_size, level) = match layout {
        Layout::Unicode4k => (
            bytes.u16_at(m).map(usize::from),
            bytes.u16_at(m + 2).map(usize::from),
            bytes.u8_at(m + 4),
            bytes.u8_at(m + 5),
        ),
        _ => (
            bytes.u8_at(m).map(usize::from),
            bytes.u8_at(m + 1).map(usize::from),
            bytes.u8_at(m + 2),
            bytes.u8_at(m + 3),
        ),
    };
    let (entries, _max, entry_size, level) = match (entries, max_entries, entry_size, level) {
        (Some(a), Some(b), Some(c), Some(d)) => (a, b, usize::from(c), d),
        _ => return Err(bad("short page")),
    };
    if entry_size == 0 || entries.saturating_mul(entry_size) > m {
        return Err(bad(&format!(
            "{entries} entries of {entry_size} bytes do not fit in a page"
        )));
    }
    if level > MAX_LEVELS {
        return Err(bad(&format!("page level {level} is implausible")));
    }
    let min_entry = match (level, ptype, layout) {
        (0, PTYPE_NBT, Layout::Ansi) => 16,
        (0, PTYPE_NBT, _) => 32,
        (_, _, Layout::Ansi) => 12,
        _ => 24,
    };
    if entry_size < min_entry {
        return Err(bad(&format!(
            "entry size {entry_size} is below the {min_entry} bytes this page needs"
        )));
    }
    if !checked.is_some_and(|c| c.contains(bref.ib)) {
        if Some(crc32(bytes.get(..t).unwrap_or(bytes))) == stored_crc {
            if let Some(c) = checked {
                c.insert(bref.ib);
            }
        } else {
            warnings.push(Warning {
                at,
                what: "B-tree page CRC does not match; page used anyway".into(),
            });
        }
    }
    if back != Some(bref.bid.0) {
        warnings.push(Warning {
            at,
            what: format!(
                "B-tree page back pointer {:#x} does not match its reference {:#x}; page used anyway",
                back.unwrap_or(0),
                bref.bid.0
            ),
        });
    }
    Ok(Page {
        bytes,
        entries,
        entry_size,
        level,
    })
}

impl<'a> Page<'a> {
    pub(crate) fn entry(&self, i: usize) -> Option<&'a [u8]> {
        self.bytes
            .bytes_at(i.checked_mul(self.entry_size)?, self.entry_size)
    }

    /// Key of entry `i` (the first field of every entry kind).
    pub(crate) fn key(&self, i: usize, layout: Layout) -> Option<u64> {
        let e = self.entry(i)?;
        match layout {
            Layout::Ansi => e.u32_at(0).map(u64::from),
            // NIDs are 32-bit even in 64-bit entries; BIDs use all 64.
            _ => e.u64_at(0),
        }
    }

    /// The child reference of intermediate entry `i` (BTENTRY).
    pub(crate) fn child(&self, i: usize, layout: Layout) -> Option<BlockRef> {
        let e = self.entry(i)?;
        let w = layout.id_size();
        Some(BlockRef {
            bid: BlockId(e.uint_at(w, w)?),
            ib: e.uint_at(2 * w, w)?,
        })
    }
}

pub(crate) fn parse_nbt_leaf(e: &[u8], layout: Layout) -> Option<NodeEntry> {
    let w = layout.id_size();
    let nid = NodeId(e.u32_at(0)?);
    let data = BlockId(e.uint_at(w, w)?);
    let sub = e.uint_at(2 * w, w)?;
    let parent = NodeId(e.u32_at(3 * w)?);
    Some(NodeEntry {
        nid,
        data,
        sub: (sub != 0).then_some(BlockId(sub)),
        parent,
    })
}

pub(crate) fn parse_bbt_leaf(e: &[u8], layout: Layout) -> Option<BlockEntry> {
    let w = layout.id_size();
    let bref = BlockRef {
        bid: BlockId(e.uint_at(0, w)?),
        ib: e.uint_at(w, w)?,
    };
    let size = e.u16_at(2 * w)?;
    let (inflated_size, refs) = match layout {
        Layout::Unicode4k => (e.u16_at(2 * w + 2)?, e.u16_at(2 * w + 4)?),
        _ => (size, e.u16_at(2 * w + 2)?),
    };
    Some(BlockEntry {
        bref,
        size,
        inflated_size,
        refs,
    })
}

/// Finds the leaf entry with key `key` in the B-tree rooted at `root`.
fn find<'a>(
    file: &'a [u8],
    layout: Layout,
    root: BlockRef,
    ptype: u8,
    key: u64,
    checked: &CheckedPages,
    warnings: &mut Vec<Warning>,
) -> Result<Option<&'a [u8]>> {
    let mut bref = root;
    let mut last_level = None;
    loop {
        let page = read_page(file, layout, bref, ptype, Some(checked), warnings)?;
        if let Some(prev) = last_level {
            if page.level >= prev {
                return Err(Error::corrupt(
                    Location {
                        block: Some(bref.bid),
                        offset: Some(bref.ib),
                        node: None,
                    },
                    "B-tree levels do not decrease (loop or damage)",
                ));
            }
        }
        last_level = Some(page.level);
        // Entries are sorted by key: binary search for the last key <= `key`.
        let (mut lo, mut hi) = (0usize, page.entries);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match page.key(mid, layout) {
                Some(k) if k <= key => lo = mid + 1,
                Some(_) => hi = mid,
                None => return Ok(None),
            }
        }
        if lo == 0 {
            return Ok(None);
        }
        let i = lo - 1;
        if page.level == 0 {
            return Ok(if page.key(i, layout) == Some(key) {
                page.entry(i)
            } else {
                None
            });
        }
        bref = match page.child(i, layout) {
            Some(c) => c,
            None => return Ok(None),
        };
    }
}

/// Looks up node `nid` in the node B-tree.
pub(crate) fn find_node(
    file: &[u8],
    layout: Layout,
    root: BlockRef,
    nid: NodeId,
    checked: &CheckedPages,
    warnings: &mut Vec<Warning>,
) -> Result<Option<NodeEntry>> {
    let key = u64::from(nid.0);
    Ok(find(file, layout, root, PTYPE_NBT, key, checked, warnings)?
        .and_then(|e| parse_nbt_leaf(e, layout)))
}

/// Looks up block `bid` in the block B-tree.
pub(crate) fn find_block(
    file: &[u8],
    layout: Layout,
    root: BlockRef,
    bid: BlockId,
    checked: &CheckedPages,
    warnings: &mut Vec<Warning>,
) -> Result<Option<BlockEntry>> {
    Ok(
        find(file, layout, root, PTYPE_BBT, bid.key(), checked, warnings)?
            .and_then(|e| parse_bbt_leaf(e, layout)),
    )
}

/// Visits every leaf entry of the node B-tree, in key order. Damaged pages are skipped with
/// a warning and the walk goes on with their siblings.
pub(crate) fn walk_nodes(
    file: &[u8],
    layout: Layout,
    root: BlockRef,
    warnings: &mut Vec<Warning>,
    visit: &mut dyn FnMut(NodeEntry),
) {
    let mut seen = std::collections::HashSet::new();
    walk(
        file,
        layout,
        root,
        PTYPE_NBT,
        None,
        &mut seen,
        warnings,
        &mut |e| {
            if let Some(n) = parse_nbt_leaf(e, layout) {
                visit(n)
            }
        },
    );
}

/// Visits every leaf entry of the block B-tree, in key order.
pub(crate) fn walk_blocks(
    file: &[u8],
    layout: Layout,
    root: BlockRef,
    warnings: &mut Vec<Warning>,
    visit: &mut dyn FnMut(BlockEntry),
) {
    let mut seen = std::collections::HashSet::new();
    walk(
        file,
        layout,
        root,
        PTYPE_BBT,
        None,
        &mut seen,
        warnings,
        &mut |e| {
            if let Some(b) = parse_bbt_leaf(e, layout) {
                visit(b)
            }
        },
    );
}

/// The entries of a leaf page found by carving.
pub(crate) enum CarvedLeaf {
    /// An NBT leaf.
    Nodes(Vec<NodeEntry>),
    /// A BBT leaf.
    Blocks(Vec<BlockEntry>),
}

/// Reads the B-tree page that may sit at `ib` for carving: only a leaf whose page type is
/// repeated, whose CRC matches and whose shape is sane is taken. Returns the page's own id
/// (its trailer `bid`: pages written later have larger ids) and its entries.
pub(crate) fn carve_leaf(file: &[u8], layout: Layout, ib: u64) -> Option<(u64, CarvedLeaf)> {
    let start = usize::try_from(ib).ok()?;
    let bytes = file.bytes_at(start, layout.page_size())?;
    let t = layout.page_trailer_offset();
    let ptype = bytes.u8_at(t)?;
    if (ptype != PTYPE_BBT && ptype != PTYPE_NBT) || bytes.u8_at(t + 1)? != ptype {
        return None;
    }
    let (crc, bid) = match layout {
        Layout::Ansi => (bytes.u32_at(t + 8)?, u64::from(bytes.u32_at(t + 4)?)),
        _ => (bytes.u32_at(t + 4)?, bytes.u64_at(t + 8)?),
    };
    if crc32(bytes.get(..t)?) != crc {
        return None;
    }
    let bref = BlockRef {
        bid: BlockId(bid),
        ib,
    };
    let page = read_page(file, layout, bref, ptype, None, &mut Vec::new()).ok()?;
    if page.level != 0 {
        return None;
    }
    let entries = (0..page.entries).filter_map(|i| page.entry(i));
    let leaf = if ptype == PTYPE_NBT {
        CarvedLeaf::Nodes(entries.filter_map(|e| parse_nbt_leaf(e, layout)).collect())
    } else {
        CarvedLeaf::Blocks(entries.filter_map(|e| parse_bbt_leaf(e, layout)).collect())
    };
    Some((bid, leaf))
}

#[allow(clippy::too_many_arguments)]
fn walk(
    file: &[u8],
    layout: Layout,
    bref: BlockRef,
    ptype: u8,
    parent_level: Option<u8>,
    seen: &mut std::collections::HashSet<u64>,
    warnings: &mut Vec<Warning>,
    visit: &mut dyn FnMut(&[u8]),
) {
    // Each page once: damaged trees can point many entries at the same page.
    if !seen.insert(bref.ib) {
        warnings.push(Warning {
            at: Location {
                block: Some(bref.bid),
                offset: Some(bref.ib),
                node: None,
            },
            what: "B-tree page referenced twice; second reference skipped".into(),
        });
        return;
    }
    // A walk reads each page once: nothing to remember.
    let page = match read_page(file, layout, bref, ptype, None, warnings) {
        Ok(p) => p,
        Err(e) => {
            let mut w = Warning::from(e);
            w.what.push_str("; the entries below this page are skipped");
            warnings.push(w);
            return;
        }
    };
    if let Some(p) = parent_level {
        if page.level >= p {
            warnings.push(Warning {
                at: Location {
                    block: Some(bref.bid),
                    offset: Some(bref.ib),
                    node: None,
                },
                what: "B-tree levels do not decrease; subtree skipped".into(),
            });
            return;
        }
    }
    for i in 0..page.entries {
        if page.level == 0 {
            if let Some(e) = page.entry(i) {
                visit(e);
            }
        } else if let Some(child) = page.child(i, layout) {
            walk(
                file,
                layout,
                child,
                ptype,
                Some(page.level),
                seen,
                warnings,
                visit,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ndb::header::Header;

    fn demo(name: &str) -> Vec<u8> {
        let path = format!("{}/../fixtures/demo/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn a_good_page_is_checked_once_and_a_bad_one_on_every_lookup() {
        for name in ["demo-2013.ost", "demo-unicode.pst"] {
            let mut file = demo(name);
            let mut w = Vec::new();
            let h = Header::parse(&file, &mut w).unwrap();
            let mut bids = Vec::new();
            walk_blocks(&file, h.layout, h.bbt, &mut w, &mut |b| bids.push(b));
            assert!(w.is_empty(), "{name}: {w:?}");
            let first = bids.first().unwrap().bref.bid;

            let checked = CheckedPages::new(file.len() as u64, h.layout.page_size());
            assert!(!checked.contains(h.bbt.ib));
            let found = find_block(&file, h.layout, h.bbt, first, &checked, &mut w).unwrap();
            assert_eq!(found, bids.first().copied());
            assert!(w.is_empty() && checked.contains(h.bbt.ib), "{name}");
            // Every entry is still found through the remembered pages.
            for b in &bids {
                let e = find_block(&file, h.layout, h.bbt, b.bref.bid, &checked, &mut w);
                assert_eq!(e.unwrap(), Some(*b));
            }

            // One byte of the root page's padding (covered by its CRC, read by nothing else)
            // changed: every lookup reports it, none remembers the page.
            let root = usize::try_from(h.bbt.ib).unwrap();
            file[root + h.layout.page_trailer_offset() - 4] ^= 0x5A;
            let checked = CheckedPages::new(file.len() as u64, h.layout.page_size());
            for round in 1..=2 {
                let found = find_block(&file, h.layout, h.bbt, first, &checked, &mut w).unwrap();
                assert_eq!(found, bids.first().copied());
                let crc_warnings = w.iter().filter(|w| w.what.contains("CRC")).count();
                assert_eq!(crc_warnings, round, "{name}: {w:?}");
                assert!(!checked.contains(h.bbt.ib));
            }
        }
    }
}
