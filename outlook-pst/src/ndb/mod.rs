//! Node Database layer ([MS-PST] 2.2): header, pages, B-trees, blocks and subnodes.

pub mod block;
pub mod btree;
pub mod bytes;
pub mod carve;
pub mod crc;
pub mod crypt;
pub mod header;

pub use block::SubnodeEntry;
pub use btree::{BlockEntry, NodeEntry};
pub use carve::{CarveStats, NodeOrigin};
pub use crypt::CryptMethod;
pub use header::{BlockRef, Client, Header, Layout};

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::error::{Error, Location, Result, Warning};
use block::{subnode_block, xblock_children, SubnodeBlock};
/// A node id (NID, [MS-PST] 2.2.2.1): a 5-bit type and a 27-bit index.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct NodeId(pub u32);

impl NodeId {
    /// `NID_MESSAGE_STORE`.
    pub const MESSAGE_STORE: Self = Self(0x21);
    /// `NID_NAME_TO_ID_MAP`.
    pub const NAME_TO_ID_MAP: Self = Self(0x61);
    /// `NID_ROOT_FOLDER`.
    pub const ROOT_FOLDER: Self = Self(0x122);

    /// The node type (`nidType`, low 5 bits).
    pub fn node_type(self) -> NodeType {
        NodeType(self.0 as u8 & 0x1F)
    }
    /// The node index (`nidIndex`, high 27 bits).
    pub fn index(self) -> u32 {
        self.0 >> 5
    }
    /// A NID of type `ty` with index `index`.
    pub fn from_parts(ty: NodeType, index: u32) -> Self {
        Self((index << 5) | u32::from(ty.0 & 0x1F))
    }
    /// The NID of the same index with another type (e.g. a folder's contents table).
    pub fn with_type(self, ty: NodeType) -> Self {
        Self::from_parts(ty, self.index())
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({:#x})", self.0)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

/// The type part of a NID ([MS-PST] 2.2.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeType(pub u8);

impl NodeType {
    /// `NID_TYPE_HID`: a heap node.
    pub const HID: Self = Self(0x00);
    /// `NID_TYPE_INTERNAL`: internal nodes (store, name map...).
    pub const INTERNAL: Self = Self(0x01);
    /// `NID_TYPE_NORMAL_FOLDER`.
    pub const NORMAL_FOLDER: Self = Self(0x02);
    /// `NID_TYPE_SEARCH_FOLDER`.
    pub const SEARCH_FOLDER: Self = Self(0x03);
    /// `NID_TYPE_NORMAL_MESSAGE`.
    pub const NORMAL_MESSAGE: Self = Self(0x04);
    /// `NID_TYPE_ATTACHMENT`.
    pub const ATTACHMENT: Self = Self(0x05);
    /// `NID_TYPE_SEARCH_UPDATE_QUEUE`.
    pub const SEARCH_UPDATE_QUEUE: Self = Self(0x06);
    /// `NID_TYPE_SEARCH_CRITERIA_OBJECT`.
    pub const SEARCH_CRITERIA_OBJECT: Self = Self(0x07);
    /// `NID_TYPE_ASSOC_MESSAGE`: a folder-associated message.
    pub const ASSOC_MESSAGE: Self = Self(0x08);
    /// `NID_TYPE_CONTENTS_TABLE_INDEX`.
    pub const CONTENTS_TABLE_INDEX: Self = Self(0x0A);
    /// `NID_TYPE_RECEIVE_FOLDER_TABLE`.
    pub const RECEIVE_FOLDER_TABLE: Self = Self(0x0B);
    /// `NID_TYPE_OUTGOING_QUEUE_TABLE`.
    pub const OUTGOING_QUEUE_TABLE: Self = Self(0x0C);
    /// `NID_TYPE_HIERARCHY_TABLE`: a folder's subfolders.
    pub const HIERARCHY_TABLE: Self = Self(0x0D);
    /// `NID_TYPE_CONTENTS_TABLE`: a folder's messages.
    pub const CONTENTS_TABLE: Self = Self(0x0E);
    /// `NID_TYPE_ASSOC_CONTENTS_TABLE`: a folder's associated messages.
    pub const ASSOC_CONTENTS_TABLE: Self = Self(0x0F);
    /// `NID_TYPE_SEARCH_CONTENTS_TABLE`.
    pub const SEARCH_CONTENTS_TABLE: Self = Self(0x10);
    /// `NID_TYPE_ATTACHMENT_TABLE`.
    pub const ATTACHMENT_TABLE: Self = Self(0x11);
    /// `NID_TYPE_RECIPIENT_TABLE`.
    pub const RECIPIENT_TABLE: Self = Self(0x12);
    /// `NID_TYPE_SEARCH_TABLE_INDEX`.
    pub const SEARCH_TABLE_INDEX: Self = Self(0x13);
    /// `NID_TYPE_LTP`.
    pub const LTP: Self = Self(0x1F);
}

/// A block id (BID, [MS-PST] 2.2.2.2). Bit 1 marks internal (tree) blocks; bit 0 is reserved
/// (set by some writers) and ignored for lookups.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct BlockId(pub u64);

impl BlockId {
    /// Whether this is an internal block (XBLOCK, XXBLOCK, SLBLOCK, SIBLOCK).
    pub fn is_internal(self) -> bool {
        self.0 & 0x2 != 0
    }
    /// The id with the reserved bit cleared, as the block B-tree keys it.
    pub fn key(self) -> u64 {
        self.0 & !1
    }
}

impl fmt::Debug for BlockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlockId({:#x})", self.0)
    }
}

impl fmt::Display for BlockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

/// The bytes of a file: memory-mapped from disk, or owned (from a caller or a fuzzer).
enum Source {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Source {
    fn bytes(&self) -> &[u8] {
        match self {
            Self::Mapped(m) => m,
            Self::Owned(v) => v,
        }
    }
}

/// Tolerated problems in order of discovery, and the set that keeps each one once.
type WarningLog = (Vec<Warning>, HashSet<(Location, String)>);

/// Warnings kept at most, so that a thoroughly damaged file cannot grow memory through them.
const MAX_WARNINGS: usize = 10_000;

/// Bytes of a mapped file touched (as counted by [`FAULT_AROUND`]) between two checks of how
/// much of it is resident. A fault can map a whole large folio of the page cache, far more
/// than was counted, so checks are frequent (one read of `/proc/self/statm` each): with
/// 32 MiB, the 4 GiB scale file peaked anywhere from 137 to 190 MiB, with 8 MiB at 129-131.
const CHECK_EVERY: u64 = 8 << 20;

/// Resident file-backed memory above which the mapping's pages are released.
const RELEASE_AT: u64 = 64 << 20;

/// What one read of a mapped file may make resident: a page fault maps the 64 KiB around the
/// page touched (Linux fault-around), so a small block or a B-tree leaf costs that much.
const FAULT_AROUND: u64 = 64 << 10;

/// Most a data tree's buffer is sized to before its blocks are read.
const MAX_RESERVE: u64 = 16 << 20;

/// What [`Ndb::walk_tree`] calls with each leaf of a data tree and the total the tree
/// declares; it returns the leaf's size.
type LeafFn<'f> = dyn FnMut(BlockId, u64) -> Result<usize> + 'f;

/// The node database of one file: header, B-trees and blocks. `Send + Sync`: any number of
/// threads may read from it at once.
pub struct Ndb {
    source: Source,
    header: Header,
    warnings: Mutex<WarningLog>,
    /// Block bytes read from the mapping since its pages were last released.
    touched: AtomicU64,
    /// B-tree pages whose CRC lookups need not compute again.
    checked_pages: btree::CheckedPages,
    /// The indexes rebuilt by carving, used instead of the B-trees when present.
    carved: Option<carve::CarvedIndex>,
    /// Whether carving was asked for on a file whose B-trees work.
    forced: bool,
    /// Whether the header was unreadable and its layout and encryption were guessed.
    guessed: bool,
}

impl fmt::Debug for Ndb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ndb")
            .field("header", &self.header)
            .field("len", &self.len())
            .finish()
    }
}

/// Opens `path` read-only and maps it.
fn map_path(path: &Path) -> Result<Source> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    // Mapping a folder fails with "No such device": say what is wrong instead.
    if file.metadata().map_err(io)?.is_dir() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is a folder, not a PST or OST file",
        )));
    }
    Ok(Source::Mapped(map_file(&file).map_err(io)?))
}

impl Ndb {
    /// Opens a file read-only and memory-maps it.
    pub fn open(path: &Path) -> Result<Self> {
        Self::new(map_path(path)?)
    }

    /// Reads a file held in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
        Self::new(Source::Owned(bytes))
    }

    /// Opens a file read-only for carving: when its header is unreadable, the layout and
    /// encryption are guessed from the blocks found in it. The indexes are rebuilt by
    /// [`Ndb::carved`].
    pub fn open_for_carving(path: &Path) -> Result<Self> {
        Self::new_for_carving(map_path(path)?)
    }

    /// As [`Ndb::open_for_carving`], for a file held in memory.
    pub fn from_bytes_for_carving(bytes: Vec<u8>) -> Result<Self> {
        Self::new_for_carving(Source::Owned(bytes))
    }

    fn new_for_carving(source: Source) -> Result<Self> {
        let mut warnings = Vec::new();
        match Header::parse(source.bytes(), &mut warnings) {
            Ok(header) => Ok(Self::with_header(source, header, warnings)),
            // Encrypted files stay refused: their blocks cannot be read at all.
            Err(e @ Error::Protected { .. }) => Err(e),
            Err(e) => match carve::guess_header(source.bytes()) {
                Some(header) => {
                    let what = format!(
                        "header unreadable ({e}); read as {} with {:?} encryption, guessed from the blocks found",
                        header.layout.name(),
                        header.crypt
                    );
                    let mut ndb = Self::with_header(
                        source,
                        header,
                        vec![Warning {
                            at: Location::offset(0),
                            what,
                        }],
                    );
                    ndb.guessed = true;
                    Ok(ndb)
                }
                None => Err(e),
            },
        }
    }

    fn new(source: Source) -> Result<Self> {
        let mut warnings = Vec::new();
        let header = Header::parse(source.bytes(), &mut warnings)?;
        Ok(Self::with_header(source, header, warnings))
    }

    fn with_header(source: Source, header: Header, mut warnings: Vec<Warning>) -> Self {
        let checked_pages =
            btree::CheckedPages::new(source.bytes().len() as u64, header.layout.page_size());
        let ndb = Self {
            source,
            header,
            warnings: Mutex::new((Vec::new(), HashSet::new())),
            touched: AtomicU64::new(0),
            checked_pages,
            carved: None,
            forced: false,
            guessed: false,
        };
        let len = ndb.len();
        if ndb.header.file_eof != len {
            warnings.push(Warning {
                at: Location::default(),
                what: format!(
                    "the header records {} bytes but the file has {len} (truncated or grown)",
                    ndb.header.file_eof
                ),
            });
        }
        ndb.note(warnings);
        ndb
    }

    /// Whether the header was unreadable and its layout and encryption were guessed from the
    /// blocks found (see [`Ndb::open_for_carving`]).
    pub fn header_guessed(&self) -> bool {
        self.guessed
    }

    /// Bytes the file lacks at its end: how far the size its header records (`ibFileEof`)
    /// lies past the file's length (0 for a whole or grown file, and when the header was
    /// unreadable and guessed).
    pub fn missing_bytes(&self) -> u64 {
        if self.guessed {
            return 0;
        }
        self.header.file_eof.saturating_sub(self.len())
    }

    /// Whether both B-tree root pages the header points to can be read (their shape is sane;
    /// a bad CRC is tolerated as everywhere else).
    pub fn btrees_usable(&self) -> bool {
        let mut w = Vec::new();
        let nbt = btree::read_page(
            self.bytes(),
            self.layout(),
            self.header.nbt,
            btree::PTYPE_NBT,
            None,
            &mut w,
        );
        let bbt = btree::read_page(
            self.bytes(),
            self.layout(),
            self.header.bbt,
            btree::PTYPE_BBT,
            None,
            &mut w,
        );
        nbt.is_ok() && bbt.is_ok()
    }

    /// Whether every page of both B-trees can be read: walks them whole (B-tree pages only,
    /// no blocks). A page that cannot be read cuts off the entries below it.
    pub fn btrees_whole(&self) -> bool {
        let mut w = Vec::new();
        let mut ok = true;
        btree::walk_nodes(
            self.bytes(),
            self.layout(),
            self.header.nbt,
            &mut w,
            &mut |_| {},
        );
        ok &= !w.iter().any(|w| w.what.contains("skipped"));
        w.clear();
        btree::walk_blocks(
            self.bytes(),
            self.layout(),
            self.header.bbt,
            &mut w,
            &mut |_| {},
        );
        ok &= !w.iter().any(|w| w.what.contains("skipped"));
        ok
    }

    /// Whether the block B-tree lists the data block and subnode tree of every folder and
    /// message node: a node whose block it lacks (a flipped bit in a leaf entry, a page lost
    /// below a readable one) is an item lost unless carving finds the block by its trailer.
    pub fn node_blocks_listed(&self) -> bool {
        let mut ok = true;
        self.for_each_node(&mut |e| {
            let t = e.nid.node_type();
            if !ok || (t != NodeType::NORMAL_MESSAGE && t != NodeType::NORMAL_FOLDER) {
                return;
            }
            ok = self.block_entry(e.data).is_ok()
                && e.sub.map_or(true, |s| self.block_entry(s).is_ok());
        });
        ok
    }

    /// Rebuilds the block and node indexes by carving (see [`carve`]): whatever the B-trees
    /// still give comes first, then the blocks found by their trailers and the B-tree leaf
    /// pages found in the file. From then on every lookup uses the rebuilt indexes.
    /// `forced` says the B-trees work and carving was asked for to find what they no longer
    /// list: nodes only carved pages hold are then marked as recovered rather than live.
    pub fn carved(mut self, forced: bool) -> Self {
        if self.carved.is_some() {
            return self;
        }
        let (mut live_blocks, mut live_nodes) = (Vec::new(), Vec::new());
        let mut w = Vec::new();
        if self.header.bbt.ib != 0 {
            btree::walk_blocks(
                self.bytes(),
                self.layout(),
                self.header.bbt,
                &mut w,
                &mut |b| live_blocks.push(b),
            );
        }
        if self.header.nbt.ib != 0 {
            btree::walk_nodes(
                self.bytes(),
                self.layout(),
                self.header.nbt,
                &mut w,
                &mut |n| live_nodes.push(n),
            );
        }
        let index = carve::carve(self.bytes(), &self.header, live_blocks, live_nodes, &mut w);
        let s = index.stats;
        w.push(Warning {
            at: Location::default(),
            what: format!(
                "carved: {} blocks by their trailers, {} B-tree leaf pages; index of {} blocks and {} nodes; {} property contexts and {} subnode trees no node refers to",
                s.blocks_by_trailer,
                s.leaf_pages,
                s.blocks,
                s.nodes,
                s.unreferenced_heaps,
                s.unreferenced_subnode_trees
            ),
        });
        self.note(w);
        self.carved = Some(index);
        self.forced = forced;
        self
    }

    /// What carving found, if the indexes were rebuilt by carving.
    pub fn carve_stats(&self) -> Option<CarveStats> {
        self.carved.as_ref().map(|c| c.stats)
    }

    /// Whether carving was asked for on a file whose B-trees work (see [`Ndb::carved`]).
    pub fn carving_forced(&self) -> bool {
        self.forced
    }

    /// Where a node's entry came from: always [`NodeOrigin::Live`] unless carved.
    pub fn node_origin(&self, nid: NodeId) -> Option<NodeOrigin> {
        match &self.carved {
            Some(c) => c.node(nid).map(|(_, o)| o),
            None => Some(NodeOrigin::Live),
        }
    }

    /// Data roots of property contexts that no node or subnode of the carved index refers to
    /// (empty unless carved).
    pub fn unreferenced_heaps(&self) -> &[BlockId] {
        self.carved
            .as_ref()
            .map_or(&[], |c| c.unreferenced_heaps.as_slice())
    }

    /// Subnode trees that no node or subnode of the carved index refers to (empty unless
    /// carved).
    pub fn unreferenced_subnode_trees(&self) -> &[BlockId] {
        self.carved
            .as_ref()
            .map_or(&[], |c| c.unreferenced_subnode_trees.as_slice())
    }

    /// Adds node entries to a carved index (nodes recognised by their heaps, given ids by the
    /// caller); they are listed as [`NodeOrigin::Found`]. Ignored unless carved.
    pub fn add_found_nodes(&mut self, nodes: Vec<NodeEntry>) {
        if let Some(c) = &mut self.carved {
            c.add_nodes(nodes);
        }
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.source.bytes()
    }

    /// The file's size.
    pub fn len(&self) -> u64 {
        self.bytes().len() as u64
    }

    /// Whether the file is empty (never true for an opened file).
    pub fn is_empty(&self) -> bool {
        self.bytes().is_empty()
    }

    /// The parsed header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The layout.
    pub fn layout(&self) -> Layout {
        self.header.layout
    }

    /// Everything tolerated so far (bad CRCs, mismatched back pointers...), in order, each once.
    pub fn warnings(&self) -> Vec<Warning> {
        self.warnings
            .lock()
            .map(|w| w.0.clone())
            .unwrap_or_default()
    }

    /// Records tolerated problems.
    pub fn note(&self, new: Vec<Warning>) {
        if new.is_empty() {
            return;
        }
        if let Ok(mut guard) = self.warnings.lock() {
            let (list, seen) = &mut *guard;
            for w in new {
                if list.len() >= MAX_WARNINGS {
                    break;
                }
                if seen.insert((w.at, w.what.clone())) {
                    list.push(w);
                }
            }
        }
    }

    /// Looks up a node in the node B-tree.
    pub fn node(&self, nid: NodeId) -> Result<NodeEntry> {
        if let Some(c) = &self.carved {
            return c.node(nid).map(|(n, _)| n).ok_or(Error::NotFound {
                at: Location::node(nid),
                tree: "node",
            });
        }
        // The leaf page it lands on is mapped in with its neighbours, like a block.
        self.touch(FAULT_AROUND);
        let mut w = Vec::new();
        let r = btree::find_node(
            self.bytes(),
            self.layout(),
            self.header.nbt,
            nid,
            &self.checked_pages,
            &mut w,
        );
        self.note(w);
        r?.ok_or(Error::NotFound {
            at: Location::node(nid),
            tree: "node",
        })
    }

    /// Looks up a block in the block B-tree.
    pub fn block_entry(&self, bid: BlockId) -> Result<BlockEntry> {
        if let Some(c) = &self.carved {
            return c.block(bid).ok_or(Error::NotFound {
                at: Location::block(bid),
                tree: "block",
            });
        }
        self.touch(FAULT_AROUND);
        let mut w = Vec::new();
        let r = btree::find_block(
            self.bytes(),
            self.layout(),
            self.header.bbt,
            bid,
            &self.checked_pages,
            &mut w,
        );
        self.note(w);
        r?.ok_or(Error::NotFound {
            at: Location::block(bid),
            tree: "block",
        })
    }

    /// Reads one block, decrypted and inflated. Borrowed from the file when no decoding was
    /// needed.
    pub fn read_block(&self, bid: BlockId) -> Result<Cow<'_, [u8]>> {
        self.with_block(bid, |entry, w| {
            block::read_block(self.bytes(), self.layout(), self.header.crypt, entry, w)
        })
    }

    /// As [`Ndb::read_block`], appending the block's decoded bytes to `out`; returns how many.
    fn read_block_into(&self, bid: BlockId, out: &mut Vec<u8>) -> Result<usize> {
        let before = out.len();
        self.with_block(bid, |entry, w| {
            block::read_block_into(
                self.bytes(),
                self.layout(),
                self.header.crypt,
                entry,
                w,
                out,
            )
        })?;
        Ok(out.len() - before)
    }

    /// Looks a block up, counts its bytes as touched, runs `read` on its entry and notes the
    /// warnings it gives.
    fn with_block<T>(
        &self,
        bid: BlockId,
        read: impl FnOnce(&BlockEntry, &mut Vec<Warning>) -> Result<T>,
    ) -> Result<T> {
        let entry = self.block_entry(bid)?;
        self.touch(u64::from(entry.size).max(FAULT_AROUND));
        let mut w = Vec::new();
        let r = read(&entry, &mut w);
        self.note(w);
        r
    }

    /// Counts `len` bytes of the mapped file as read by a caller that reads [`Self::bytes`]
    /// itself (the validator), so that their pages are released as those read through
    /// blocks are: the validator reads every page and block of the file, which would
    /// otherwise stay resident, as much memory as the file is large.
    pub(crate) fn note_read(&self, len: u64) {
        self.touch(len.max(FAULT_AROUND));
    }

    /// Counts bytes touched in a mapped file and, every [`CHECK_EVERY`] bytes, drops the
    /// mapping's resident pages if more than [`RELEASE_AT`] of them are resident: they stay
    /// in the page cache, but no longer count in this process's memory, so a conversion's
    /// footprint does not grow with the file. (Faults may map whole large folios, so the
    /// count alone cannot tell what is resident; the kernel's figure is asked.)
    fn touch(&self, n: u64) {
        if let Source::Mapped(m) = &self.source {
            let total = self
                .touched
                .fetch_add(n, Ordering::Relaxed)
                .saturating_add(n);
            if total >= CHECK_EVERY
                && self.touched.swap(0, Ordering::Relaxed) >= CHECK_EVERY
                && resident_file_bytes().map_or(true, |r| r >= RELEASE_AT)
            {
                release_pages(m);
            }
        }
    }

    /// The data blocks of a data tree, in order: one block for an external BID, the leaves of
    /// an XBLOCK or XXBLOCK otherwise ([MS-PST] 2.2.2.8.3.2).
    pub fn data_blocks(&self, bid: BlockId) -> Result<Vec<Cow<'_, [u8]>>> {
        if !bid.is_internal() {
            return Ok(vec![self.read_block(bid)?]);
        }
        let mut out = Vec::new();
        self.walk_tree(bid, &mut |child, _| {
            let b = self.read_block(child)?;
            let n = b.len();
            out.push(b);
            Ok(n)
        })?;
        Ok(out)
    }

    /// The whole content of a data tree as one buffer (borrowed when it is a single block
    /// stored as it is). The leaves of a tree are decoded straight into one buffer.
    pub fn read_data(&self, bid: BlockId) -> Result<Cow<'_, [u8]>> {
        if !bid.is_internal() {
            return self.read_block(bid);
        }
        let mut out = Vec::new();
        self.walk_tree(bid, &mut |child, declared| {
            if out.capacity() == 0 {
                // Sized once from what the tree declares, within reason: a damaged total
                // must not allocate gigabytes up front.
                out.reserve(usize::try_from(declared.min(MAX_RESERVE)).unwrap_or(0));
            }
            self.read_block_into(child, &mut out)
        })?;
        Ok(Cow::Owned(out))
    }

    /// Calls `leaf` with every leaf of the XBLOCK/XXBLOCK tree at `bid`, in order, and the
    /// total the tree declares; `leaf` returns the leaf's size. A tree cut short (a block
    /// that lists more children than it holds, a child that cannot be read) gives the leaves
    /// before the cut: the data read is an exact prefix. A mismatch with the declared total
    /// is noted.
    fn walk_tree(&self, bid: BlockId, leaf: &mut LeafFn<'_>) -> Result<()> {
        let mut seen = HashSet::new();
        let mut total = 0u64;
        let mut cut = None;
        let declared = self.collect_tree(bid, 2, leaf, &mut seen, &mut total, None, &mut cut)?;
        if total != declared {
            let why = cut.map_or(String::new(), |c| format!(" ({c})"));
            self.note(vec![Warning {
                at: Location::block(bid),
                what: format!("data tree holds {total} bytes but declares {declared}{why}"),
            }]);
        }
        Ok(())
    }

    /// The size a data tree declares (`lcbTotal` of its root XBLOCK or XXBLOCK), or the
    /// size of a single data block: what [`Ndb::read_data`] gives when nothing is lost.
    pub fn declared_data_size(&self, bid: BlockId) -> Result<u64> {
        if !bid.is_internal() {
            return Ok(u64::from(self.block_entry(bid)?.inflated_size));
        }
        let raw = self.read_block(bid)?;
        let (h, _) = xblock_children(&raw, self.layout(), Location::block(bid))?;
        Ok(u64::from(h.total))
    }

    /// Walks the leaves under an XBLOCK/XXBLOCK. Each block is taken once and the total is
    /// held to what the tree declares, so damage cannot make a small file expand without bound.
    /// Once the tree is found cut short (`cut` set), no further leaf is read.
    #[allow(clippy::too_many_arguments)]
    fn collect_tree(
        &self,
        bid: BlockId,
        max_level: u8,
        leaf: &mut LeafFn<'_>,
        seen: &mut HashSet<u64>,
        total: &mut u64,
        limit: Option<u64>,
        cut: &mut Option<String>,
    ) -> Result<u64> {
        let at = Location::block(bid);
        if !seen.insert(bid.key()) {
            return Err(Error::corrupt(
                at,
                "data tree refers to the same block twice",
            ));
        }
        let raw = match self.read_block(bid) {
            // Below the root, a lost block cuts the tree short; the root itself must read.
            Err(e) if limit.is_some() => {
                cut.get_or_insert_with(|| format!("block {bid} unreadable: {e}"));
                return Ok(0);
            }
            other => other?,
        };
        let (h, children) = xblock_children(&raw, self.layout(), at)?;
        if h.level > max_level {
            return Err(Error::corrupt(at, "data tree nests deeper than an XXBLOCK"));
        }
        // The root's lcbTotal bounds the whole tree.
        let declared = limit.unwrap_or(u64::from(h.total));
        let listed = children.len();
        for child in children {
            if cut.is_some() {
                break;
            }
            if h.level == 2 {
                self.collect_tree(child, 1, leaf, seen, total, Some(declared), cut)?;
            } else {
                if !seen.insert(child.key()) {
                    return Err(Error::corrupt(
                        at,
                        format!("data tree refers to block {child} twice"),
                    ));
                }
                match leaf(child, declared) {
                    Ok(n) => *total += n as u64,
                    Err(e) => {
                        *cut = Some(format!("block {child} unreadable: {e}"));
                        break;
                    }
                }
            }
            if *total > declared {
                return Err(Error::corrupt(
                    at,
                    format!("data tree holds more than the {declared} bytes it declares"),
                ));
            }
        }
        if listed < h.count && cut.is_none() {
            *cut = Some(format!(
                "block {bid} lists {} children but holds {listed}",
                h.count
            ));
        }
        Ok(declared)
    }

    /// The entries of a subnode B-tree, sorted by NID ([MS-PST] 2.2.2.8.3.3).
    pub fn subnodes(&self, bid: BlockId) -> Result<Vec<SubnodeEntry>> {
        let mut out = Vec::new();
        self.collect_subnodes(bid, 1, &mut out)?;
        out.sort_by_key(|e| e.nid.0);
        Ok(out)
    }

    fn collect_subnodes(
        &self,
        bid: BlockId,
        max_level: u8,
        out: &mut Vec<SubnodeEntry>,
    ) -> Result<()> {
        let raw = self.read_block(bid)?;
        let (block, short) = subnode_block(&raw, self.layout(), Location::block(bid))?;
        if let Some((listed, held)) = short {
            // What its missing entries pointed to is reported where it is needed (a
            // property's value, an attachment, a table that cannot be found).
            self.note(vec![Warning {
                at: Location::block(bid),
                what: format!(
                    "subnode block lists {listed} entries but holds {held}; the {held} it holds are read"
                ),
            }]);
        }
        match block {
            SubnodeBlock::Leaf(entries) => out.extend(entries),
            SubnodeBlock::Intermediate(children) => {
                if max_level == 0 {
                    return Err(Error::corrupt(
                        Location::block(bid),
                        "subnode tree nests too deep",
                    ));
                }
                for c in children {
                    self.collect_subnodes(c, max_level - 1, out)?;
                }
            }
        }
        Ok(())
    }

    /// Visits every entry of the node B-tree in NID order. Damaged pages are skipped and
    /// reported in [`Ndb::warnings`].
    pub fn for_each_node(&self, visit: &mut dyn FnMut(NodeEntry)) {
        if let Some(c) = &self.carved {
            c.nodes.iter().for_each(|(n, _)| visit(*n));
            return;
        }
        let mut w = Vec::new();
        btree::walk_nodes(self.bytes(), self.layout(), self.header.nbt, &mut w, visit);
        self.note(w);
    }

    /// Visits every entry of the block B-tree in BID order.
    pub fn for_each_block(&self, visit: &mut dyn FnMut(BlockEntry)) {
        if let Some(c) = &self.carved {
            c.blocks.iter().for_each(|b| visit(*b));
            return;
        }
        let mut w = Vec::new();
        btree::walk_blocks(self.bytes(), self.layout(), self.header.bbt, &mut w, visit);
        self.note(w);
    }
}

/// Maps a file read-only.
#[allow(unsafe_code)]
fn map_file(file: &std::fs::File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: the map is read-only and private to this process. The one hazard is another
    // process truncating the file while it is mapped (SIGBUS); the tool opens caches copied
    // off the machine that wrote them, and documents that the input must not change.
    unsafe { memmap2::Mmap::map(file) }
}

/// Drops the resident pages of a read-only shared file mapping from this process.
#[cfg(unix)]
#[allow(unsafe_code)]
fn release_pages(map: &memmap2::Mmap) {
    // SAFETY: the mapping is read-only and shared (MAP_SHARED, PROT_READ), so MADV_DONTNEED
    // only unmaps its pages: the next access faults the same bytes back in from the page
    // cache or the file. Slices other threads hold into it stay valid and unchanged.
    // Failure only means the pages stay resident.
    let _ = unsafe { map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
}

/// Elsewhere the pages stay mapped (the system trims them under memory pressure).
#[cfg(not(unix))]
fn release_pages(_map: &memmap2::Mmap) {}

/// This process's resident file-backed memory (`shared` in `/proc/self/statm`, 4 KiB pages).
#[cfg(target_os = "linux")]
fn resident_file_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(2)?.parse().ok()?;
    Some(pages.saturating_mul(4096))
}

/// Unknown elsewhere: the mapping is released at every check.
#[cfg(not(target_os = "linux"))]
fn resident_file_bytes() -> Option<u64> {
    None
}
