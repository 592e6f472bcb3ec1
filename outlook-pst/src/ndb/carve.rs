//! Carving: rebuilding the block and node indexes from the file's bytes when the B-trees
//! cannot be used (zeroed or cut-off pages, a zeroed header), or to find what they no longer
//! list (deleted items whose blocks are still in free space).
//!
//! Every block ends in a trailer ([MS-PST] 2.2.2.8.1: `cb`, `wSig`, `dwCRC`, `bid`) at the end
//! of its aligned footprint, and every B-tree page in a trailer ([MS-PST] 2.2.2.7.1: `ptype`
//! twice, `wSig`, `dwCRC`, `bid`). The file is scanned once for each, at each layout's block
//! alignment (64 bytes for ANSI and Unicode, 512 for the 4 KiB layout, whose trailer also
//! carries the inflated size; libpff's format notes) and at every 512 bytes for pages. A block
//! is taken when its signature ([MS-PST] 5.5) and CRC match; a page when its CRC matches.
//!
//! The index keeps offsets, not data: about 24 bytes per block and per node.

use std::collections::HashSet;

use crate::error::Warning;
use crate::ndb::block::{self, internal_header, subnode_block, xblock_children, SubnodeBlock};
use crate::ndb::btree::{carve_leaf, BlockEntry, CarvedLeaf, NodeEntry};
use crate::ndb::bytes::ReadLe;
use crate::ndb::crc::crc32;
use crate::ndb::header::{BlockRef, Client, Header, Layout};
use crate::ndb::{BlockId, CryptMethod};
use crate::Location;

/// Blocks kept at most by one carve (about 96 MiB of index): a file forged to be nothing but
/// tiny valid blocks cannot make the index grow past this.
const MAX_CARVED_BLOCKS: usize = 4 << 20;

/// Node entries kept at most from carved B-tree pages.
const MAX_CARVED_NODES: usize = 4 << 20;

/// Bytes of a file sampled to tell its layout when the header is unreadable.
const LAYOUT_SAMPLE: usize = 64 << 20;

/// Where a node entry of a carved index came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeOrigin {
    /// The node B-tree the header points to.
    Live,
    /// A node-B-tree leaf page found by scanning (a surviving page of a damaged tree, or an
    /// older copy in free space).
    PageCopy,
    /// A property context that no node entry refers to, recognised by its heap.
    Found,
}

/// What a carve found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CarveStats {
    /// Blocks found by their trailers.
    pub blocks_by_trailer: usize,
    /// B-tree leaf pages found (node and block B-trees).
    pub leaf_pages: usize,
    /// Blocks in the final index.
    pub blocks: usize,
    /// Nodes in the final index, before any found by their heaps are added.
    pub nodes: usize,
    /// Property contexts no node refers to.
    pub unreferenced_heaps: usize,
    /// Subnode trees no node refers to.
    pub unreferenced_subnode_trees: usize,
}

/// An index rebuilt by carving.
#[derive(Debug, Default)]
pub(crate) struct CarvedIndex {
    /// Sorted by key, one per block.
    pub blocks: Vec<BlockEntry>,
    /// Sorted by NID, one per node.
    pub nodes: Vec<(NodeEntry, NodeOrigin)>,
    /// Data roots of property contexts that no node or subnode refers to.
    pub unreferenced_heaps: Vec<BlockId>,
    /// Subnode trees (SLBLOCK or SIBLOCK) that no node or subnode refers to.
    pub unreferenced_subnode_trees: Vec<BlockId>,
    pub stats: CarveStats,
}

impl CarvedIndex {
    pub fn block(&self, bid: BlockId) -> Option<BlockEntry> {
        let key = bid.key();
        self.blocks
            .binary_search_by_key(&key, |b| b.bref.bid.key())
            .ok()
            .and_then(|i| self.blocks.get(i))
            .copied()
    }

    pub fn node(&self, nid: crate::NodeId) -> Option<(NodeEntry, NodeOrigin)> {
        self.nodes
            .binary_search_by_key(&nid, |(n, _)| n.nid)
            .ok()
            .and_then(|i| self.nodes.get(i))
            .copied()
    }

    /// Adds nodes (found by the messaging layer) and keeps the list sorted.
    pub fn add_nodes(&mut self, found: Vec<NodeEntry>) {
        self.nodes
            .extend(found.into_iter().map(|n| (n, NodeOrigin::Found)));
        self.nodes.sort_by_key(|(n, o)| (n.nid, *o));
        self.nodes.dedup_by_key(|(n, _)| n.nid);
    }
}

/// The page and block signature of [MS-PST] 5.5.
fn compute_sig(ib: u64, bid: u64) -> u16 {
    let v = ib ^ bid;
    ((v >> 16) as u16) ^ (v as u16)
}

/// The block whose trailer ends at `end`, if one does: its entry, with the trailer checked.
fn block_ending_at(file: &[u8], layout: Layout, end: usize) -> Option<BlockEntry> {
    let ts = layout.block_trailer_size();
    let t = end.checked_sub(ts)?;
    let trailer = file.bytes_at(t, ts)?;
    let cb = trailer.u16_at(0)?;
    if cb == 0 || usize::from(cb) > layout.max_block_payload() {
        return None;
    }
    let sig = trailer.u16_at(2)?;
    let (crc, bid) = match layout {
        Layout::Ansi => (trailer.u32_at(8)?, u64::from(trailer.u32_at(4)?)),
        _ => (trailer.u32_at(4)?, trailer.u64_at(8)?),
    };
    if bid == 0 {
        return None;
    }
    let align = layout.block_alignment();
    let footprint = (usize::from(cb) + ts).div_ceil(align) * align;
    let start = end.checked_sub(footprint)?;
    let ib = start as u64;
    // Some writers leave wSig zero; the CRC still has to match.
    if sig != 0 && sig != compute_sig(ib, bid) {
        return None;
    }
    if crc32(file.bytes_at(start, usize::from(cb))?) != crc {
        return None;
    }
    let inflated = match layout {
        Layout::Unicode4k => match trailer.u16_at(18)? {
            0 => cb,
            n => n,
        },
        _ => cb,
    };
    Some(BlockEntry {
        bref: BlockRef {
            bid: BlockId(bid),
            ib,
        },
        size: cb,
        inflated_size: inflated,
        refs: 0,
    })
}

/// Every block found by its trailer in `file`, in file order (at most [`MAX_CARVED_BLOCKS`]).
fn blocks_by_trailer(file: &[u8], layout: Layout, limit: usize) -> Vec<BlockEntry> {
    let align = layout.block_alignment();
    let mut out = Vec::new();
    let mut end = align;
    while end <= file.len() && out.len() < MAX_CARVED_BLOCKS {
        if let Some(b) = block_ending_at(file, layout, end) {
            out.push(b);
            if out.len() >= limit {
                break;
            }
            // The next block starts after this one's trailer.
        }
        end += align;
    }
    out
}

/// Guesses the header of a file whose own header is unreadable: the layout under which the
/// most blocks are found, and the encryption that makes the most of them read as heaps.
pub(crate) fn guess_header(file: &[u8]) -> Option<Header> {
    let sample = file.get(..file.len().min(LAYOUT_SAMPLE))?;
    let (layout, found) = [Layout::Unicode4k, Layout::Unicode, Layout::Ansi]
        .into_iter()
        .map(|l| (l, blocks_by_trailer(sample, l, 4096)))
        .max_by_key(|(_, b)| b.len())?;
    if found.is_empty() {
        return None;
    }
    let crypt = [CryptMethod::None, CryptMethod::Permute, CryptMethod::Cyclic]
        .into_iter()
        .max_by_key(|&c| {
            found
                .iter()
                .filter(|b| !b.bref.bid.is_internal())
                .take(512)
                .filter(|b| looks_like_heap(file, layout, c, b).is_some())
                .count()
        })
        .unwrap_or(CryptMethod::None);
    Some(Header {
        client: if layout == Layout::Unicode4k {
            Client::Ost
        } else {
            Client::Pst
        },
        version: match layout {
            Layout::Ansi => 14,
            Layout::Unicode => 23,
            Layout::Unicode4k => 36,
        },
        client_version: 0,
        layout,
        crypt,
        file_eof: file.len() as u64,
        nbt: BlockRef::default(),
        bbt: BlockRef::default(),
        amap_valid: 0,
        next_bid: 0,
        amap_last: 0,
        amap_free: 0,
        pmap_free: 0,
    })
}

/// The heap client signature (`bClientSig`) of the block, when it decodes to the first
/// block of a heap-on-node ([MS-PST] 2.3.1.2: `bSig` 0xEC at byte 2).
fn looks_like_heap(
    file: &[u8],
    layout: Layout,
    crypt: CryptMethod,
    entry: &BlockEntry,
) -> Option<u8> {
    let data = block::read_block(file, layout, crypt, entry, &mut Vec::new()).ok()?;
    (data.u8_at(2)? == 0xEC).then_some(data.u8_at(3)?)
}

/// Rebuilds the indexes of `file`. `live_blocks` and `live_nodes` are what the B-trees
/// gave (possibly nothing); they win over anything carved. With `forced`, nodes found only
/// in carved pages are marked as such even where the live tree is whole.
pub(crate) fn carve(
    file: &[u8],
    header: &Header,
    live_blocks: Vec<BlockEntry>,
    live_nodes: Vec<NodeEntry>,
    warnings: &mut Vec<Warning>,
) -> CarvedIndex {
    let layout = header.layout;
    let mut stats = CarveStats::default();

    // Leaf pages: (page id, entry). Newer pages (larger ids) win over older copies.
    let mut page_blocks: Vec<(u64, BlockEntry)> = Vec::new();
    let mut page_nodes: Vec<(u64, NodeEntry)> = Vec::new();
    let mut ib = 0u64;
    let step = 512u64;
    while ib.saturating_add(layout.page_size() as u64) <= file.len() as u64 {
        if let Some((page_bid, leaf)) = carve_leaf(file, layout, ib) {
            stats.leaf_pages += 1;
            match leaf {
                CarvedLeaf::Blocks(b) if page_blocks.len() < MAX_CARVED_BLOCKS => {
                    page_blocks.extend(b.into_iter().map(|e| (page_bid, e)))
                }
                CarvedLeaf::Nodes(n) if page_nodes.len() < MAX_CARVED_NODES => {
                    page_nodes.extend(n.into_iter().map(|e| (page_bid, e)))
                }
                _ => {}
            }
        }
        ib += step;
    }

    let trailer_blocks = blocks_by_trailer(file, layout, usize::MAX);
    stats.blocks_by_trailer = trailer_blocks.len();
    if trailer_blocks.len() >= MAX_CARVED_BLOCKS {
        warnings.push(Warning {
            at: Location::default(),
            what: format!(
                "carving stopped after {MAX_CARVED_BLOCKS} blocks; blocks further on are not indexed"
            ),
        });
    }

    // Blocks: the live tree first, then what was verified by its trailer, then the newest
    // page copies.
    let mut all: Vec<(u64, u8, std::cmp::Reverse<u64>, BlockEntry)> =
        Vec::with_capacity(live_blocks.len() + trailer_blocks.len() + page_blocks.len());
    all.extend(
        live_blocks
            .into_iter()
            .map(|b| (b.bref.bid.key(), 0, std::cmp::Reverse(0), b)),
    );
    all.extend(
        trailer_blocks
            .into_iter()
            .map(|b| (b.bref.bid.key(), 1, std::cmp::Reverse(0), b)),
    );
    all.extend(
        page_blocks
            .into_iter()
            .filter(|(_, b)| b.bref.ib.saturating_add(u64::from(b.size)) <= file.len() as u64)
            .map(|(p, b)| (b.bref.bid.key(), 2, std::cmp::Reverse(p), b)),
    );
    all.sort_unstable_by_key(|(k, prio, age, _)| (*k, *prio, *age));
    all.dedup_by_key(|(k, ..)| *k);
    let blocks: Vec<BlockEntry> = all.into_iter().map(|(.., b)| b).collect();
    stats.blocks = blocks.len();
    let mut index = CarvedIndex {
        blocks,
        ..CarvedIndex::default()
    };

    // Nodes: the live tree first, then the newest page copy of each, if its data survives.
    let mut nodes: Vec<(NodeEntry, NodeOrigin, std::cmp::Reverse<u64>)> = live_nodes
        .into_iter()
        .map(|n| (n, NodeOrigin::Live, std::cmp::Reverse(0)))
        .collect();
    nodes.extend(
        page_nodes
            .into_iter()
            .filter(|(_, n)| index.block(n.data).is_some())
            .map(|(p, n)| (n, NodeOrigin::PageCopy, std::cmp::Reverse(p))),
    );
    nodes.sort_unstable_by_key(|(n, o, age)| (n.nid, *o, *age));
    nodes.dedup_by_key(|(n, ..)| n.nid);
    index.nodes = nodes.into_iter().map(|(n, o, _)| (n, o)).collect();
    stats.nodes = index.nodes.len();

    // What nodes and internal blocks refer to; the rest are heaps and subnode trees that
    // lost their node entries.
    let mut referenced: HashSet<u64> = HashSet::new();
    let mut subtree_roots: Vec<BlockId> = Vec::new();
    for (n, _) in &index.nodes {
        referenced.insert(n.data.key());
        if let Some(s) = n.sub {
            referenced.insert(s.key());
        }
    }
    for b in &index.blocks {
        let bid = b.bref.bid;
        if !bid.is_internal() {
            continue;
        }
        let Ok(raw) = block::read_block(file, layout, header.crypt, b, &mut Vec::new()) else {
            continue;
        };
        let at = Location::block(bid);
        let Ok(h) = internal_header(&raw, at) else {
            continue;
        };
        match h.btype {
            0x01 => {
                if let Ok((_, children)) = xblock_children(&raw, layout, at) {
                    referenced.extend(children.iter().map(|c| c.key()));
                }
            }
            0x02 => match subnode_block(&raw, layout, at).map(|(b, _)| b) {
                Ok(SubnodeBlock::Leaf(entries)) => {
                    subtree_roots.push(bid);
                    for e in entries {
                        referenced.insert(e.data.key());
                        if let Some(s) = e.sub {
                            referenced.insert(s.key());
                        }
                    }
                }
                Ok(SubnodeBlock::Intermediate(children)) => {
                    subtree_roots.push(bid);
                    referenced.extend(children.iter().map(|c| c.key()));
                }
                Err(_) => {}
            },
            _ => {}
        }
    }
    index.unreferenced_subnode_trees = subtree_roots
        .into_iter()
        .filter(|b| !referenced.contains(&b.key()))
        .collect();
    for b in &index.blocks {
        let bid = b.bref.bid;
        if referenced.contains(&bid.key()) {
            continue;
        }
        let first = if bid.is_internal() {
            // A heap over several blocks: an XBLOCK whose first leaf starts the heap.
            let Ok(raw) = block::read_block(file, layout, header.crypt, b, &mut Vec::new()) else {
                continue;
            };
            match xblock_children(&raw, layout, Location::block(bid)) {
                Ok((h, children)) if h.level == 1 => {
                    match children.first().and_then(|c| index.block(*c)) {
                        Some(e) => e,
                        None => continue,
                    }
                }
                _ => continue,
            }
        } else {
            *b
        };
        if looks_like_heap(file, layout, header.crypt, &first) == Some(0xBC) {
            index.unreferenced_heaps.push(bid);
        }
    }
    stats.unreferenced_heaps = index.unreferenced_heaps.len();
    stats.unreferenced_subnode_trees = index.unreferenced_subnode_trees.len();
    index.stats = stats;
    index
}
