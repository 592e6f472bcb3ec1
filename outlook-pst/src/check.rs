//! A structural validator of the kind Outlook's repair tool (scanpst) applies, in the layers of
//! [MS-PST]: the header; the node and block B-trees (page trailers and CRCs, levels, key
//! order, back pointers); every block (trailer, CRC, signature) and every reference to one
//! (from the node B-tree, data trees and subnode trees) with the reference counts against
//! the references made; the allocation maps against the space the pages and blocks use (AMap
//! in every layout, the 4 KiB one included; PMap, FMap and FPMap pages, `cbPMapFree` and
//! `rgbFP` in the 512-byte layouts; the density list); heaps, BTHs, property and table
//! contexts as the reader decodes them; the name-to-id map; folder counts against their
//! contents and hierarchy tables.
//!
//! It decodes nothing itself that the reader decodes: pages, blocks, heaps and contexts go
//! through [`crate::ndb`] and [`crate::ltp`]; what the reader tolerates with a warning is a
//! finding here.
//!
//! Findings on the deprecated maps (PMap, FMap, FPMap, `cbPMapFree`, `rgbFP`) and on the
//! density list are warnings: Outlook 2007 and later do not use the first ones (they leave
//! PMaps full and `rgbFP` all ones) and the density list only guides allocation. Not checked:
//! the contents of FMaps and `rgbFM` (the values Outlook 2003 wrote into the corpus files match
//! neither the free space nor the longest free run of their AMaps), the density list's
//! `ulCurrentPage`, and density list entries in the 4 KiB layout (their format is unknown).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use crate::error::{Error, Location, Result, Warning};
use crate::ltp::node::LtpNode;
use crate::ltp::pc::PropertyContext;
use crate::ltp::prop::{PropId, PropValue};
use crate::ltp::tc::TableContext;
use crate::messaging::{pid, Carving, LossKind, Store};
use crate::ndb::block::{self, subnode_block, xblock_children, SubnodeBlock};
use crate::ndb::btree::{
    self, BlockEntry, NodeEntry, PTYPE_AMAP, PTYPE_BBT, PTYPE_DLIST, PTYPE_FMAP, PTYPE_FPMAP,
    PTYPE_NBT, PTYPE_PMAP,
};
use crate::ndb::bytes::ReadLe;
use crate::ndb::crc::crc32;
use crate::ndb::header::{BlockRef, Header, Layout};
use crate::ndb::{BlockId, Ndb, NodeId, NodeType};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// An inconsistency Outlook repairs without loss (a count, a leaked allocation).
    Warning,
    /// Damage: data that cannot be read or trusted, or a structure Outlook rejects.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One thing the validator found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// Which check found it, e.g. `"bbt.cref"` (stable, for tests and scripts).
    pub check: &'static str,
    /// Where: node, block, file offset, as far as known.
    pub at: Location,
    /// What is wrong.
    pub what: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{}] {}: {}",
            self.severity, self.check, self.at, self.what
        )
    }
}

/// The result of checking a file.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every finding, in the order the checks ran.
    pub findings: Vec<Finding>,
    /// B-tree pages visited (node and block B-trees).
    pub pages: usize,
    /// Blocks in the block B-tree.
    pub blocks: usize,
    /// Nodes in the node B-tree.
    pub nodes: usize,
    /// Blocks of the block B-tree that nothing references (space Outlook has not reclaimed
    /// yet; not a finding).
    pub unreferenced_blocks: usize,
    /// What could not be checked on this file, and why.
    pub skipped: Vec<String>,
}

impl Report {
    /// Whether nothing was found.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }
    /// The findings of one check.
    pub fn of(&self, check: &str) -> impl Iterator<Item = &Finding> + '_ {
        let check = check.to_owned();
        self.findings.iter().filter(move |f| f.check == check)
    }
}

/// Checks the file at `path`. Errors only when it is not a PST/OST this crate can read at
/// all (no header, unknown layout, protected); everything else is a finding.
pub fn check_file(path: &Path) -> Result<Report> {
    let ndb = Ndb::open(path)?;
    let store = Store::open_with(path, Carving::Off);
    Ok(check_opened(&ndb, store))
}

/// Checks a file held in memory (it is held twice while checked).
pub fn check_bytes(bytes: Vec<u8>) -> Result<Report> {
    let ndb = Ndb::from_bytes(bytes.clone())?;
    let store = Store::from_bytes_with(bytes, Carving::Off);
    Ok(check_opened(&ndb, store))
}

/// Checks a file opened as `ndb`, and as `store` by the messaging layer (over the same bytes,
/// without carving) when that worked.
pub fn check_opened(ndb: &Ndb, store: Result<Store>) -> Report {
    let mut c = Checker {
        ndb,
        file: ndb.bytes(),
        layout: ndb.layout(),
        report: Report::default(),
        used: Vec::new(),
        blocks: BTreeMap::new(),
        nodes: Vec::new(),
        btree_pages: Vec::new(),
    };
    if let Err(e) = c.header() {
        c.find(
            Severity::Error,
            "header",
            Location::offset(0),
            e.to_string(),
        );
        return c.report;
    }
    c.btrees();
    c.blocks();
    c.references();
    c.maps();
    c.ltp();
    match store {
        Ok(s) => c.messaging(&s),
        Err(e) => c.find(
            Severity::Error,
            "store.open",
            Location::default(),
            e.to_string(),
        ),
    }
    c.report
}

/// At most this many levels in a data or subnode tree (an XXBLOCK of XBLOCKs; an SIBLOCK).
const MAX_TREE_DEPTH: u8 = 3;
/// Findings of one check beyond this many are summarised in one more finding.
const MAX_PER_CHECK: usize = 200;

/// Where a layout keeps its allocation maps. The 512-byte layouts follow [MS-PST] 2.2.2.7;
/// the 4 KiB layout follows libpff's PFF format document ("The 64-bit 4k page allocation
/// table": the first AMap at 0x22000, one bit per 512 bytes, 4072 bytes of bits) and the one
/// Outlook-written 4 KiB OST of the corpus (its AMap there, its `cbAMapFree` equal to its
/// clear bits times 512, its density list page at 0x21000). PMaps, FMaps and FPMaps have not
/// been seen in that layout.
#[derive(Debug, Clone, Copy)]
struct MapGeometry {
    /// The first AMap page.
    first: u64,
    /// Page size.
    page: u64,
    /// Bytes one AMap bit stands for.
    unit: u64,
    /// Where the bits start in a map page (ANSI pages begin with a 4-byte `dwPadding`).
    bits_at: usize,
    /// Bytes of bits in a map page.
    bits_len: usize,
    /// The density list page, in the layouts that have one.
    dlist: Option<u64>,
    /// `rgbFP` in the header.
    rgb_fp: usize,
    /// Whether PMaps, FMaps and FPMaps are laid out between the AMaps.
    side_maps: bool,
    /// 64-bit layout (FPMaps exist only there).
    wide: bool,
}

impl MapGeometry {
    fn of(layout: Layout) -> Self {
        let unicode = Self {
            first: 0x4400,
            page: 512,
            unit: 64,
            bits_at: 0,
            bits_len: 496,
            dlist: Some(0x4200),
            rgb_fp: 384,
            side_maps: true,
            wide: true,
        };
        match layout {
            Layout::Ansi => Self {
                bits_at: 4,
                dlist: None,
                rgb_fp: 332,
                wide: false,
                ..unicode
            },
            Layout::Unicode => unicode,
            Layout::Unicode4k => Self {
                first: 0x22000,
                page: 4096,
                unit: 512,
                bits_len: 4072,
                dlist: Some(0x21000),
                side_maps: false,
                ..unicode
            },
        }
    }

    /// Bytes one AMap page maps.
    fn region(&self) -> u64 {
        self.bits_len as u64 * 8 * self.unit
    }

    /// The bits of a map page.
    fn bits<'p>(&self, page: &'p [u8]) -> &'p [u8] {
        page.get(self.bits_at..self.bits_at + self.bits_len)
            .unwrap_or(&[])
    }

    /// Whether the AMaps mark the unit at `off` allocated; `None` where no readable AMap
    /// covers it (before the first one, or a damaged one).
    fn is_set(&self, amaps: &[Option<&[u8]>], off: u64) -> Option<bool> {
        let d = off.checked_sub(self.first)?;
        let bits = (*amaps.get(usize::try_from(d / self.region()).ok()?)?)?;
        let slot = (d % self.region()) / self.unit;
        let byte = bits.get(usize::try_from(slot / 8).ok()?)?;
        Some(byte & (0x80 >> (slot % 8)) != 0)
    }

    /// The side maps after AMap `k` (page slot, page type, check name): a PMap every 8 AMaps
    /// ([MS-PST] 2.2.2.7.3), an FMap after AMap 128 and every 496 AMaps on (2.2.2.7.5), an
    /// FPMap after AMap 8192 and every 496 * 64 on, Unicode only (2.2.2.7.6). The FMap and
    /// FPMap slots (the second and third page after the AMap) are those the writer uses.
    fn side_maps(&self, k: u64) -> Vec<(u64, u8, &'static str)> {
        let mut v = Vec::new();
        if !self.side_maps {
            return v;
        }
        if k % 8 == 0 {
            v.push((1, PTYPE_PMAP, "pmap.page"));
        }
        if k >= 128 && (k - 128) % 496 == 0 {
            v.push((2, PTYPE_FMAP, "fmap.page"));
        }
        if self.wide && k >= 8192 && (k - 8192) % (496 * 64) == 0 {
            v.push((3, PTYPE_FPMAP, "fpmap.page"));
        }
        v
    }
}

struct Checker<'a> {
    ndb: &'a Ndb,
    file: &'a [u8],
    layout: Layout,
    report: Report,
    /// Extents in use (start, length): B-tree pages and blocks.
    used: Vec<(u64, u64)>,
    /// The block B-tree, by key.
    blocks: BTreeMap<u64, BlockEntry>,
    /// The node B-tree, in key order.
    nodes: Vec<NodeEntry>,
    /// Where the B-tree pages lie.
    btree_pages: Vec<u64>,
}

fn at_block(bref: BlockRef) -> Location {
    Location {
        block: Some(bref.bid),
        offset: Some(bref.ib),
        node: None,
    }
}

impl<'a> Checker<'a> {
    fn find(&mut self, severity: Severity, check: &'static str, at: Location, what: String) {
        let n = self
            .report
            .findings
            .iter()
            .filter(|f| f.check == check)
            .count();
        if n < MAX_PER_CHECK {
            self.report.findings.push(Finding {
                severity,
                check,
                at,
                what,
            });
        } else if n == MAX_PER_CHECK {
            self.report.findings.push(Finding {
                severity,
                check,
                at: Location::default(),
                what: "more findings of this check not listed".into(),
            });
        }
    }

    fn warnings(&mut self, severity: Severity, check: &'static str, ws: Vec<Warning>) {
        for w in ws {
            self.find(severity, check, w.at, w.what);
        }
    }

    fn header(&mut self) -> Result<()> {
        let mut ws = Vec::new();
        let h: Header = Header::parse(self.file, &mut ws)?;
        self.warnings(Severity::Error, "header.crc", ws);
        let len = self.file.len() as u64;
        if h.file_eof != len {
            self.find(
                Severity::Error,
                "header.eof",
                Location::offset(0),
                format!(
                    "ibFileEof is {:#x} but the file has {len:#x} bytes",
                    h.file_eof
                ),
            );
        }
        for (name, r) in [("node", h.nbt), ("block", h.bbt)] {
            let page = self.layout.page_size() as u64;
            if r.ib % page != 0 || r.ib.saturating_add(page) > len {
                self.find(
                    Severity::Error,
                    "header.root",
                    Location::offset(0),
                    format!(
                        "the {name} B-tree root at {:#x} is not a page of the file",
                        r.ib
                    ),
                );
            }
        }
        Ok(())
    }

    /// Walks both B-trees, page by page.
    fn btrees(&mut self) {
        let h = self.ndb.header().clone();
        let mut seen = HashSet::new();
        let mut nodes = Vec::new();
        let mut blocks = Vec::new();
        self.walk(
            h.nbt,
            PTYPE_NBT,
            None,
            None,
            &mut seen,
            &mut nodes,
            &mut blocks,
        );
        self.walk(
            h.bbt,
            PTYPE_BBT,
            None,
            None,
            &mut seen,
            &mut nodes,
            &mut blocks,
        );
        self.report.nodes = nodes.len();
        self.report.blocks = blocks.len();
        let mut dup = HashSet::new();
        for n in &nodes {
            if !dup.insert(n.nid.0) {
                self.find(
                    Severity::Error,
                    "nbt.duplicate",
                    Location::node(n.nid),
                    "node listed twice".into(),
                );
            }
        }
        for b in blocks {
            if self.blocks.insert(b.bref.bid.key(), b).is_some() {
                self.find(
                    Severity::Error,
                    "bbt.duplicate",
                    at_block(b.bref),
                    "block listed twice".into(),
                );
            }
        }
        self.nodes = nodes;
    }

    /// One page and what is below it. `parent_level` and `bounds` (the parent entry's key and
    /// the next one's) come from the entry that points here.
    #[allow(clippy::too_many_arguments)]
    fn walk(
        &mut self,
        bref: BlockRef,
        ptype: u8,
        parent_level: Option<u8>,
        bounds: Option<(u64, Option<u64>)>,
        seen: &mut HashSet<u64>,
        nodes: &mut Vec<NodeEntry>,
        blocks: &mut Vec<BlockEntry>,
    ) {
        let tree = if ptype == PTYPE_NBT { "nbt" } else { "bbt" };
        if !seen.insert(bref.ib) {
            self.find(
                Severity::Error,
                "btree.loop",
                at_block(bref),
                format!("{tree} page reached twice"),
            );
            return;
        }
        let mut ws = Vec::new();
        self.ndb.note_read(self.layout.page_size() as u64);
        let page = match btree::read_page(self.file, self.layout, bref, ptype, None, &mut ws) {
            Ok(p) => p,
            Err(e) => {
                self.find(Severity::Error, "btree.page", at_block(bref), e.to_string());
                return;
            }
        };
        self.report.pages += 1;
        self.used.push((bref.ib, self.layout.page_size() as u64));
        self.btree_pages.push(bref.ib);
        for w in ws {
            let check = if w.what.contains("CRC") {
                "btree.crc"
            } else {
                "btree.backpointer"
            };
            self.find(Severity::Error, check, w.at, w.what);
        }
        if let Some(pl) = parent_level {
            if pl.checked_sub(1) != Some(page.level) {
                self.find(
                    Severity::Error,
                    "btree.level",
                    at_block(bref),
                    format!(
                        "{tree} page at level {} below a page at level {pl}",
                        page.level
                    ),
                );
                if page.level >= pl {
                    return;
                }
            }
        }
        let mut prev: Option<u64> = None;
        for i in 0..page.entries {
            let Some(key) = page.key(i, self.layout) else {
                break;
            };
            if prev.is_some_and(|p| key <= p) {
                self.find(
                    Severity::Error,
                    "btree.order",
                    at_block(bref),
                    format!("{tree} key {key:#x} (entry {i}) not above the one before it"),
                );
            }
            if let Some((lo, hi)) = bounds {
                if i == 0 && key != lo {
                    self.find(
                        Severity::Error,
                        "btree.order",
                        at_block(bref),
                        format!(
                            "{tree} page starts at key {key:#x}; its parent entry says {lo:#x}"
                        ),
                    );
                }
                if key < lo || hi.is_some_and(|h| key >= h) {
                    self.find(
                        Severity::Error,
                        "btree.order",
                        at_block(bref),
                        format!("{tree} key {key:#x} outside its parent entry's range"),
                    );
                }
            }
            prev = Some(key);
        }
        if page.level == 0 {
            for i in 0..page.entries {
                let Some(e) = page.entry(i) else { break };
                if ptype == PTYPE_NBT {
                    if let Some(n) = btree::parse_nbt_leaf(e, self.layout) {
                        nodes.push(n);
                    }
                } else if let Some(b) = btree::parse_bbt_leaf(e, self.layout) {
                    blocks.push(b);
                }
            }
            return;
        }
        for i in 0..page.entries {
            let (Some(key), Some(child)) = (page.key(i, self.layout), page.child(i, self.layout))
            else {
                break;
            };
            let next = (i + 1 < page.entries)
                .then(|| page.key(i + 1, self.layout))
                .flatten()
                .or(bounds.and_then(|b| b.1));
            self.walk(
                child,
                ptype,
                Some(page.level),
                Some((key, next)),
                seen,
                nodes,
                blocks,
            );
        }
    }

    /// Every block of the block B-tree: where it lies, its trailer, CRC and signature.
    fn blocks(&mut self) {
        let entries: Vec<BlockEntry> = self.blocks.values().copied().collect();
        let ts = self.layout.block_trailer_size();
        let align = self.layout.block_alignment();
        for b in entries {
            let at = at_block(b.bref);
            let mut ws = Vec::new();
            self.ndb.note_read(u64::from(b.size));
            if let Err(e) = block::stored_bytes(self.file, self.layout, &b, &mut ws) {
                self.find(Severity::Error, "block.place", at, e.to_string());
                continue;
            }
            for w in ws {
                let check = if w.what.contains("CRC") {
                    "block.crc"
                } else {
                    "block.trailer"
                };
                self.find(Severity::Error, check, w.at, w.what);
            }
            let footprint = (usize::from(b.size) + ts).div_ceil(align) * align;
            self.used.push((b.bref.ib, footprint as u64));
            if b.bref.ib % align as u64 != 0 {
                self.find(
                    Severity::Error,
                    "block.place",
                    at,
                    format!("block offset not aligned to {align} bytes"),
                );
            }
            // wSig ([MS-PST] 2.2.2.8.1): the offset xor the id, folded to 16 bits.
            let sig_at = usize::try_from(b.bref.ib)
                .ok()
                .and_then(|s| s.checked_add(footprint))
                .and_then(|e| e.checked_sub(ts))
                .and_then(|t| t.checked_add(2));
            if let Some(sig) = sig_at.and_then(|o| self.file.u16_at(o)) {
                let x = b.bref.ib ^ b.bref.bid.0;
                let want = ((x >> 16) as u16) ^ (x as u16);
                if sig != want {
                    self.find(
                        Severity::Warning,
                        "block.signature",
                        at,
                        format!("trailer signature {sig:#06x}, expected {want:#06x}"),
                    );
                }
            }
        }
        let next = self.ndb.header().next_bid;
        if let Some((&max, _)) = self.blocks.iter().next_back() {
            if next != 0 && max >= next && self.layout != Layout::Ansi {
                self.find(
                    Severity::Error,
                    "header.nextbid",
                    Location::offset(0),
                    format!("bidNextB {next:#x} is not above the largest block id {max:#x}"),
                );
            }
        }
        // Overlaps between pages and blocks.
        let mut ext = self.used.clone();
        ext.sort_unstable();
        for w in ext.windows(2) {
            if let [(a, al), (b, _)] = w {
                if a.saturating_add(*al) > *b {
                    self.find(
                        Severity::Error,
                        "space.overlap",
                        Location::offset(*b),
                        format!("allocation at {b:#x} overlaps the one at {a:#x}"),
                    );
                }
            }
        }
    }

    /// Resolves a reference to `bid`, counting it; `None` (with a finding) when the block
    /// B-tree does not hold it.
    fn resolve(
        &mut self,
        bid: BlockId,
        from: Location,
        refs: &mut HashMap<u64, u32>,
    ) -> Option<BlockEntry> {
        // Nodes without data (some internal ones) hold BID 0: no reference.
        if bid.key() == 0 {
            return None;
        }
        let e = self.blocks.get(&bid.key()).copied();
        match e {
            Some(_) => *refs.entry(bid.key()).or_insert(0) += 1,
            None => self.find(
                Severity::Error,
                "ref.unresolved",
                Location {
                    block: Some(bid),
                    ..from
                },
                format!("reference to block {bid} that the block B-tree lacks"),
            ),
        }
        e
    }

    /// The block of a data or subnode tree (`what`) at `bid`, counted as one more reference,
    /// with its location, when it is to be walked: not a data block of a data tree
    /// (`data_only_internal`), not already walked through another reference (a tree block
    /// shared by several references counts each of them, but its own references to its
    /// children once), no deeper than `max_depth`, and readable.
    #[allow(clippy::too_many_arguments)]
    fn tree_block(
        &mut self,
        bid: BlockId,
        from: Location,
        refs: &mut HashMap<u64, u32>,
        data_only_internal: bool,
        depth: u8,
        max_depth: u8,
        what: &str,
    ) -> Option<(Location, Vec<u8>)> {
        self.resolve(bid, from, refs)?;
        if (data_only_internal && !bid.is_internal())
            || refs.get(&bid.key()).copied().unwrap_or(0) > 1
        {
            return None;
        }
        let at = Location {
            block: Some(bid),
            ..from
        };
        if depth >= max_depth {
            let why = format!("{what} tree nests too deep");
            self.find(Severity::Error, "tree.depth", at, why);
            return None;
        }
        match self.ndb.read_block(bid) {
            Ok(r) => Some((at, r.into_owned())),
            Err(e) => {
                self.find(Severity::Error, "tree.block", at, e.to_string());
                None
            }
        }
    }

    /// Counts the references of a data tree rooted at `bid`.
    fn data_tree(&mut self, bid: BlockId, from: Location, depth: u8, refs: &mut HashMap<u64, u32>) {
        let Some((at, raw)) = self.tree_block(bid, from, refs, true, depth, MAX_TREE_DEPTH, "data")
        else {
            return;
        };
        match xblock_children(&raw, self.layout, at) {
            Ok((h, children)) => {
                if children.len() != h.count {
                    self.find(
                        Severity::Error,
                        "tree.block",
                        at,
                        format!(
                            "data tree block lists {} children but holds {}",
                            h.count,
                            children.len()
                        ),
                    );
                }
                for c in children {
                    if h.level == 1 && c.is_internal() {
                        self.find(
                            Severity::Error,
                            "tree.block",
                            at,
                            format!("XBLOCK child {c} is not a data block"),
                        );
                    }
                    self.data_tree(c, from, depth + 1, refs);
                }
            }
            Err(e) => self.find(Severity::Error, "tree.block", at, e.to_string()),
        }
    }

    /// Counts the references of a subnode tree rooted at `bid`.
    fn subnode_tree(
        &mut self,
        bid: BlockId,
        from: Location,
        depth: u8,
        refs: &mut HashMap<u64, u32>,
    ) {
        let max = 2 * MAX_TREE_DEPTH;
        let Some((at, raw)) = self.tree_block(bid, from, refs, false, depth, max, "subnode") else {
            return;
        };
        let block = subnode_block(&raw, self.layout, at).map(|(block, short)| {
            if let Some((listed, held)) = short {
                self.find(
                    Severity::Error,
                    "tree.block",
                    at,
                    format!("subnode block lists {listed} entries but holds {held}"),
                );
            }
            block
        });
        match block {
            Ok(SubnodeBlock::Leaf(entries)) => {
                let mut prev = None;
                for e in entries {
                    if prev.is_some_and(|p| e.nid.0 <= p) {
                        self.find(
                            Severity::Error,
                            "subnode.order",
                            at,
                            format!("subnode {} out of order", e.nid),
                        );
                    }
                    prev = Some(e.nid.0);
                    let sat = Location {
                        node: from.node,
                        block: Some(bid),
                        offset: None,
                    };
                    self.data_tree(e.data, sat, 0, refs);
                    if let Some(s) = e.sub {
                        self.subnode_tree(s, sat, depth + 1, refs);
                    }
                }
            }
            Ok(SubnodeBlock::Intermediate(children)) => {
                for c in children {
                    self.subnode_tree(c, from, depth + 1, refs);
                }
            }
            Err(e) => self.find(Severity::Error, "tree.block", at, e.to_string()),
        }
    }

    /// Every reference from the node B-tree down, and the reference counts.
    fn references(&mut self) {
        let nodes = std::mem::take(&mut self.nodes);
        let mut refs: HashMap<u64, u32> = HashMap::new();
        let known: HashSet<u32> = nodes.iter().map(|n| n.nid.0).collect();
        for n in &nodes {
            let at = Location::node(n.nid);
            self.data_tree(n.data, at, 0, &mut refs);
            if let Some(s) = n.sub {
                self.subnode_tree(s, at, 0, &mut refs);
            }
            let ty = n.nid.node_type();
            let placed = [
                NodeType::NORMAL_FOLDER,
                NodeType::SEARCH_FOLDER,
                NodeType::NORMAL_MESSAGE,
                NodeType::ASSOC_MESSAGE,
            ];
            if placed.contains(&ty) && n.parent.0 != 0 && !known.contains(&n.parent.0) {
                self.find(
                    Severity::Warning,
                    "nbt.parent",
                    at,
                    format!("parent node {} does not exist", n.parent),
                );
            }
        }
        let entries: Vec<BlockEntry> = self.blocks.values().copied().collect();
        for b in entries {
            let made = refs.get(&b.bref.bid.key()).copied().unwrap_or(0);
            let at = at_block(b.bref);
            if made == 0 {
                // Outlook's own files keep a few (a block freed but not yet reclaimed): they
                // are counted, not reported.
                self.report.unreferenced_blocks += 1;
            } else if u32::from(b.refs) < made {
                self.find(
                    Severity::Error,
                    "bbt.cref",
                    at,
                    format!("cRef {} but {made} references are made to it", b.refs),
                );
            }
        }
        self.nodes = nodes;
    }

    /// The allocation maps against the space in use ([MS-PST] 2.2.2.7.2-6): the AMap pages
    /// (in every layout), then, in the 512-byte layouts, the PMap, FMap and FPMap pages and the
    /// header's `cbPMapFree` and `rgbFP`; last the density list ([MS-PST] 2.2.2.7.4).
    fn maps(&mut self) {
        let h = self.ndb.header().clone();
        if h.amap_valid == 0 {
            self.report
                .skipped
                .push("allocation maps: fAMapValid is 0 (Outlook rebuilds them)".into());
            return;
        }
        let g = MapGeometry::of(self.layout);
        let region = g.region();
        let len = (self.file.len() as u64).min(h.file_eof);
        let mut free_units = 0u64;
        let mut last = None;
        // The bits of every AMap and every PMap, by number (`None`: the page is damaged),
        // copied out of the map: the checks below look them up again and again, which would
        // fault the map's pages back in after they were released (0.2% of the file's size).
        let mut amap_bits: Vec<Option<Vec<u8>>> = Vec::new();
        let mut pmap_bits: Vec<Option<Vec<u8>>> = Vec::new();
        // The map pages themselves: allocations the AMaps must mark like any other.
        let mut map_pages: Vec<(u64, u64)> = Vec::new();
        let mut k = 0u64;
        while let Some(base) = k.checked_mul(region).and_then(|o| o.checked_add(g.first)) {
            if base.saturating_add(g.page) > len {
                break;
            }
            match self.map_page(base, PTYPE_AMAP) {
                Ok(page) => {
                    let bits = g.bits(page);
                    free_units += bits.iter().map(|b| u64::from(b.count_zeros())).sum::<u64>();
                    amap_bits.push(Some(bits.to_vec()));
                }
                Err(what) => {
                    self.find(Severity::Error, "amap.page", Location::offset(base), what);
                    amap_bits.push(None);
                }
            }
            map_pages.push((base, g.page));
            last = Some(base);
            for (slot, ptype, check) in g.side_maps(k) {
                let ib = base.saturating_add(slot * g.page);
                map_pages.push((ib, g.page));
                let page = self.map_page(ib, ptype);
                if let Err(what) = &page {
                    self.find(Severity::Warning, check, Location::offset(ib), what.clone());
                }
                if ptype == PTYPE_PMAP {
                    pmap_bits.push(page.ok().map(|p| g.bits(p).to_vec()));
                }
            }
            k += 1;
        }
        let amaps: Vec<Option<&[u8]>> = amap_bits.iter().map(Option::as_deref).collect();
        let pmaps: Vec<Option<&[u8]>> = pmap_bits.iter().map(Option::as_deref).collect();
        if let Some(l) = last {
            if h.amap_last != l {
                self.find(
                    Severity::Error,
                    "amap.last",
                    Location::offset(0),
                    format!(
                        "ibAMapLast is {:#x}; the last AMap page is at {l:#x}",
                        h.amap_last
                    ),
                );
            }
        }
        let free = free_units * g.unit;
        if h.amap_free != free {
            self.find(
                Severity::Error,
                "amap.free",
                Location::offset(0),
                format!(
                    "cbAMapFree is {} bytes; the AMap pages have {free} free",
                    h.amap_free
                ),
            );
        }
        // Every extent in use, the map pages included, must be marked allocated.
        let mut used = self.used.clone();
        used.extend_from_slice(&map_pages);
        used.sort_unstable();
        let mut unmarked = Vec::new();
        for (start, size) in &used {
            let mut off = *start - (*start % g.unit);
            while off < start.saturating_add(*size) {
                if g.is_set(&amaps, off) == Some(false) {
                    unmarked.push((*start, off));
                    break;
                }
                match off.checked_add(g.unit) {
                    Some(o) => off = o,
                    None => break,
                }
            }
        }
        for (start, off) in unmarked {
            self.find(
                Severity::Error,
                "amap.unmarked",
                Location::offset(start),
                format!("space at {off:#x} is in use but the AMap marks it free"),
            );
        }
        if !pmaps.is_empty() {
            self.pmaps(&g, &h, &amaps, &pmaps, len);
        }
        self.dlist(&g, &amaps);
    }

    /// The deprecated PMaps ([MS-PST] 2.2.2.7.3): one bit per page, clear for a page set aside
    /// for B-tree pages and not yet used. Outlook 2007 and later leave every bit set (and
    /// `cbPMapFree` 0, `rgbFP` all ones); Outlook 2003 and older keep them, and in every file
    /// of the corpus a page the PMap holds free is allocated in the AMap, no B-tree page lies
    /// on one, `cbPMapFree` counts them and `rgbFP` has a bit set exactly for each full PMap.
    fn pmaps(
        &mut self,
        g: &MapGeometry,
        h: &Header,
        amaps: &[Option<&[u8]>],
        pmaps: &[Option<&[u8]>],
        len: u64,
    ) {
        let span = g.region() * 8;
        let mut free_pages = 0u64;
        let mut not_reserved = Vec::new();
        for (i, bits) in pmaps.iter().enumerate() {
            let Some(bits) = bits else { continue };
            let base = g.first + i as u64 * span;
            for (byte_at, byte) in bits.iter().enumerate() {
                for bit in 0..8u64 {
                    if byte & (0x80 >> bit) != 0 {
                        continue;
                    }
                    free_pages += 1;
                    let off = base + (byte_at as u64 * 8 + bit) * g.page;
                    if off.saturating_add(g.page) > len {
                        continue;
                    }
                    let all_set = (0..g.page / g.unit)
                        .all(|u| g.is_set(amaps, off + u * g.unit) != Some(false));
                    if !all_set {
                        not_reserved.push(off);
                    }
                }
            }
        }
        if h.pmap_free != free_pages * g.page {
            self.find(
                Severity::Warning,
                "pmap.free",
                Location::offset(0),
                format!(
                    "cbPMapFree is {} bytes; the PMap pages have {} free",
                    h.pmap_free,
                    free_pages * g.page
                ),
            );
        }
        for off in not_reserved {
            self.find(
                Severity::Warning,
                "pmap.reserved",
                Location::offset(off),
                format!("page at {off:#x} is free in the PMap but not allocated in the AMap"),
            );
        }
        let pmap_free_at = |off: u64| -> bool {
            let Some(d) = off.checked_sub(g.first) else {
                return false;
            };
            let Ok(i) = usize::try_from(d / span) else {
                return false;
            };
            let slot = (d % span) / g.page;
            let byte = pmaps
                .get(i)
                .copied()
                .flatten()
                .and_then(|b| b.get(usize::try_from(slot / 8).ok()?));
            byte.is_some_and(|b| b & (0x80 >> (slot % 8)) == 0)
        };
        let on_free: Vec<u64> = self
            .btree_pages
            .iter()
            .copied()
            .filter(|&ib| pmap_free_at(ib))
            .collect();
        for ib in on_free {
            self.find(
                Severity::Warning,
                "pmap.unmarked",
                Location::offset(ib),
                format!("B-tree page at {ib:#x} lies on a page the PMap marks free"),
            );
        }
        // rgbFP: bit i (most significant first) set when PMap i has no free page, or when
        // there is no PMap i.
        let Some(rgb) = self.file.bytes_at(g.rgb_fp, 128) else {
            return;
        };
        for i in 0..128 * 8 {
            let full = match pmaps.get(i) {
                Some(Some(bits)) => bits.iter().all(|b| *b == 0xFF),
                Some(None) => continue,
                None => true,
            };
            let set = rgb.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0);
            if set != full {
                self.find(
                    Severity::Warning,
                    "header.rgbfp",
                    Location::offset(g.rgb_fp as u64),
                    format!(
                        "rgbFP bit {i} is {}, but PMap {i} {}",
                        u8::from(set),
                        if full {
                            "is full or absent"
                        } else {
                            "has free pages"
                        }
                    ),
                );
                break;
            }
        }
    }

    /// The density list ([MS-PST] 2.2.2.7.4): a page at a fixed offset listing AMap pages with
    /// their free slots, most free first. Files of Outlook 2003 and older have none (the page
    /// is zeros); Outlook keeps it exact in every file of the corpus it wrote. Entries of the
    /// 4 KiB layout are not checked: their format is not documented, and the one Outlook-written
    /// sample in the corpus has none.
    fn dlist(&mut self, g: &MapGeometry, amaps: &[Option<&[u8]>]) {
        let Some(at) = g.dlist else { return };
        let Some(page) = usize::try_from(at)
            .ok()
            .and_then(|s| self.file.bytes_at(s, g.page as usize))
        else {
            return;
        };
        let t = self.layout.page_trailer_offset();
        if page.u8_at(t) != Some(PTYPE_DLIST) || page.u8_at(t + 1) != Some(PTYPE_DLIST) {
            if page.iter().all(|b| *b == 0) {
                self.report
                    .skipped
                    .push("density list: none (files of Outlook 2003 and older have none)".into());
            } else {
                self.find(
                    Severity::Warning,
                    "dlist.page",
                    Location::offset(at),
                    format!(
                        "page type {:#x} where the density list belongs",
                        page.u8_at(t).unwrap_or(0)
                    ),
                );
            }
            return;
        }
        if page.u32_at(t + 4) != Some(crc32(page.get(..t).unwrap_or(page))) {
            self.find(
                Severity::Warning,
                "dlist.page",
                Location::offset(at),
                "density list CRC does not match".into(),
            );
            return;
        }
        if self.layout == Layout::Unicode4k {
            self.report
                .skipped
                .push("density list entries: their 4 KiB-layout format is not known".into());
            return;
        }
        let count = usize::from(page.u8_at(1).unwrap_or(0));
        if count > (t - 8) / 4 {
            self.find(
                Severity::Warning,
                "dlist.page",
                Location::offset(at),
                format!("cEntDList {count} is more than the page holds"),
            );
            return;
        }
        let mut seen = HashSet::new();
        let mut before: Option<u32> = None;
        for i in 0..count {
            let Some(e) = page.u32_at(8 + 4 * i) else {
                break;
            };
            let (n, free) = (e & 0xF_FFFF, e >> 20);
            let what = match amaps.get(n as usize) {
                None => Some(format!(
                    "entry {i} names AMap page {n}; the file has {}",
                    amaps.len()
                )),
                Some(_) if !seen.insert(n) => {
                    Some(format!("entry {i}: AMap page {n} listed twice"))
                }
                Some(Some(bits)) => {
                    let have: u32 = bits.iter().map(|b| b.count_zeros()).sum();
                    (have != free).then(|| {
                        format!("entry {i} says AMap page {n} has {free} free slots; it has {have}")
                    })
                }
                Some(None) => None,
            }
            .or_else(|| {
                before.filter(|b| free > *b).map(|b| {
                    format!(
                        "entry {i} ({free} free slots) follows one with {b}: not most free first"
                    )
                })
            });
            if let Some(what) = what {
                self.find(Severity::Warning, "dlist.entry", Location::offset(at), what);
            }
            before = Some(free);
        }
    }

    /// The map page at `ib` if its trailer says `ptype` and its CRC and id match.
    fn map_page(&self, ib: u64, ptype: u8) -> std::result::Result<&'a [u8], String> {
        let start = usize::try_from(ib).map_err(|_| "offset out of range".to_string())?;
        self.ndb.note_read(self.layout.page_size() as u64);
        let page = self
            .file
            .bytes_at(start, self.layout.page_size())
            .ok_or_else(|| "page lies beyond the end of the file".to_string())?;
        let t = self.layout.page_trailer_offset();
        let (pt, pt2) = (page.u8_at(t), page.u8_at(t + 1));
        if pt != Some(ptype) || pt2 != Some(ptype) {
            return Err(format!(
                "page type {:#x}/{:#x}, expected {ptype:#x}",
                pt.unwrap_or(0),
                pt2.unwrap_or(0)
            ));
        }
        let (crc, id) = match self.layout {
            Layout::Ansi => (page.u32_at(t + 8), page.u32_at(t + 4).map(u64::from)),
            _ => (page.u32_at(t + 4), page.u64_at(t + 8)),
        };
        if crc != Some(crc32(page.get(..t).unwrap_or(page))) {
            return Err("page CRC does not match".into());
        }
        if id != Some(ib) {
            return Err(format!(
                "page id {:#x}, expected its offset {ib:#x}",
                id.unwrap_or(0)
            ));
        }
        Ok(page)
    }

    /// Heaps, BTHs, PCs and TCs of every node, as the reader decodes them; messages with
    /// their recipients and attachments; the name-to-id map; folder counts.
    fn ltp(&mut self) {
        let nodes = std::mem::take(&mut self.nodes);
        for n in &nodes {
            let ty = n.nid.node_type();
            let pc = [
                NodeType::NORMAL_FOLDER,
                NodeType::SEARCH_FOLDER,
                NodeType::NORMAL_MESSAGE,
                NodeType::ASSOC_MESSAGE,
            ]
            .contains(&ty)
                || n.nid == NodeId::MESSAGE_STORE
                || n.nid == NodeId::NAME_TO_ID_MAP;
            // Search contents tables (0x10) are not all TCs in Outlook's files (0x730 holds a
            // BTH): they are left out.
            let tc = [
                NodeType::HIERARCHY_TABLE,
                NodeType::CONTENTS_TABLE,
                NodeType::ASSOC_CONTENTS_TABLE,
            ]
            .contains(&ty);
            if !pc && !tc {
                continue;
            }
            let at = Location::node(n.nid);
            let node = match LtpNode::open(self.ndb, n.nid, n.data, n.sub) {
                Ok(node) => node,
                Err(e) => {
                    self.find(Severity::Error, "ltp.heap", at, e.to_string());
                    continue;
                }
            };
            if pc {
                match PropertyContext::new(&node) {
                    Ok(p) => {
                        let mut ws = Vec::new();
                        let _ = p.all(1252, &mut ws);
                        self.warnings(Severity::Error, "ltp.pc", ws);
                    }
                    Err(e) => self.find(Severity::Error, "ltp.pc", at, e.to_string()),
                }
            } else {
                match TableContext::new(&node) {
                    Ok(t) => {
                        if t.len() != t.declared_len() {
                            self.find(
                                Severity::Error,
                                "ltp.tc",
                                at,
                                format!(
                                    "row index lists {} rows, the row matrix holds {}",
                                    t.declared_len(),
                                    t.len()
                                ),
                            );
                        }
                        for i in 0..t.len() {
                            for col in t.columns() {
                                if let Err(e) = t.cell(i, col, 1252) {
                                    self.find(Severity::Error, "ltp.tc", at, e.to_string());
                                }
                            }
                        }
                    }
                    Err(e) => self.find(Severity::Error, "ltp.tc", at, e.to_string()),
                }
            }
        }
        self.nodes = nodes;
        self.name_map();
    }

    /// The name-to-id map's streams ([MS-PST] 2.4.7): whole records, GUID indexes and string
    /// offsets that point inside their streams, and every entry in the hash bucket its name
    /// hashes to (numeric names; see below).
    fn name_map(&mut self) {
        let at = Location::node(NodeId::NAME_TO_ID_MAP);
        let Ok(node) = LtpNode::open_node(self.ndb, NodeId::NAME_TO_ID_MAP) else {
            // No map at all: the store has no named properties (the messaging layer says so).
            return;
        };
        let Ok(pc) = PropertyContext::new(&node) else {
            return; // reported by the PC check above
        };
        let stream = |id: PropId| -> Option<Vec<u8>> {
            match pc.get(id, 1252) {
                Ok(Some(PropValue::Binary(b))) => Some(b.into_owned()),
                _ => None,
            }
        };
        let buckets = match pc.get(pid::NAMEID_BUCKET_COUNT, 1252) {
            Ok(Some(PropValue::Integer32(n))) if n > 0 => u32::try_from(n).unwrap_or(1),
            _ => {
                self.find(
                    Severity::Error,
                    "namemap",
                    at,
                    "no bucket count (PidTagNameidBucketCount)".into(),
                );
                return;
            }
        };
        let (Some(guids), Some(entries), Some(strings)) = (
            stream(pid::NAMEID_STREAM_GUID),
            stream(pid::NAMEID_STREAM_ENTRY),
            stream(pid::NAMEID_STREAM_STRING),
        ) else {
            self.find(
                Severity::Error,
                "namemap",
                at,
                "a GUID, entry or string stream is missing".into(),
            );
            return;
        };
        if guids.len() % 16 != 0 || entries.len() % 8 != 0 {
            self.find(
                Severity::Error,
                "namemap",
                at,
                format!(
                    "stream sizes {} (GUIDs) and {} (entries) are not whole records",
                    guids.len(),
                    entries.len()
                ),
            );
        }
        let nguids = guids.len() / 16;
        for b in 0..buckets.min(0xF000) {
            let id = PropId(pid::NAMEID_BUCKET_BASE.0.saturating_add(b as u16));
            let Ok(Some(PropValue::Binary(data))) = pc.get(id, 1252) else {
                continue;
            };
            for r in data.chunks_exact(8) {
                let (Some(hash), Some(guid_n), Some(idx)) = (r.u32_at(0), r.u16_at(4), r.u16_at(6))
                else {
                    continue;
                };
                // String names are hashed differently from what MS-PST says in Outlook's
                // own files: only numeric names are checked for their bucket.
                if guid_n & 1 == 0 && (hash ^ u32::from(guid_n)) % buckets != b {
                    self.find(
                        Severity::Warning,
                        "namemap.bucket",
                        at,
                        format!(
                            "entry {:#06x} lies in bucket {b}, its hash says {}",
                            0x8000u32 + u32::from(idx),
                            (hash ^ u32::from(guid_n)) % buckets
                        ),
                    );
                }
            }
        }
        let mut ids = HashSet::new();
        for r in entries.chunks_exact(8) {
            let (Some(value), Some(guid_n), Some(idx)) = (r.u32_at(0), r.u16_at(4), r.u16_at(6))
            else {
                continue;
            };
            let id = 0x8000u32 + u32::from(idx);
            if !ids.insert(idx) {
                self.find(
                    Severity::Error,
                    "namemap",
                    at,
                    format!("property id {id:#06x} named twice"),
                );
            }
            let g = usize::from(guid_n >> 1);
            if g == 0 || g > 2 + nguids {
                self.find(
                    Severity::Error,
                    "namemap",
                    at,
                    format!("entry {id:#06x} names GUID index {g}, the map has {nguids} GUIDs"),
                );
                continue;
            }
            let hash = if guid_n & 1 == 0 {
                value
            } else {
                let off = value as usize;
                let name = strings
                    .u32_at(off)
                    .and_then(|len| strings.bytes_at(off.checked_add(4)?, len as usize));
                match name {
                    Some(n) => crc32(n),
                    None => {
                        self.find(
                            Severity::Error,
                            "namemap",
                            at,
                            format!(
                                "entry {id:#06x}: string offset {off:#x} outside the string stream"
                            ),
                        );
                        continue;
                    }
                }
            };
            // Whether every entry is in a bucket is not checked: Outlook's own files have
            // entries in none (as far as MS-PST's hash says), so only misplaced records are.
            let _ = hash;
        }
    }

    /// Messages (recipients, attachments, embedded messages), the name-to-id map and the
    /// folder counts, through the messaging layer.
    fn messaging(&mut self, store: &Store) {
        let nodes = std::mem::take(&mut self.nodes);
        for n in &nodes {
            let ty = n.nid.node_type();
            if ty == NodeType::NORMAL_MESSAGE || ty == NodeType::ASSOC_MESSAGE {
                match store.message(n.nid) {
                    Ok(m) => {
                        // What the reader lost of the message and what it only noticed are
                        // both findings; a block whose CRC fails is one already (the blocks
                        // check), not again for each message read from it.
                        for l in m.losses.into_iter().filter(|l| l.kind == LossKind::Missing) {
                            let what = format!("{}: {}", l.part, l.why);
                            self.find(Severity::Error, "message", l.at.in_node(n.nid), what);
                        }
                        for w in m.warnings {
                            self.find(Severity::Error, "message", w.at.in_node(n.nid), w.what);
                        }
                    }
                    Err(e) => self.find(
                        Severity::Error,
                        "message",
                        Location::node(n.nid),
                        e.to_string(),
                    ),
                }
            }
            if ty == NodeType::NORMAL_FOLDER {
                self.folder_counts(store, n.nid);
            }
        }
        // What the reader tolerated and the checks above did not already report.
        let ws = store.warnings();
        for w in ws {
            let known = self
                .report
                .findings
                .iter()
                .any(|f| f.at == w.at && f.what == w.what);
            if !known {
                let check = if w.what.contains("name") {
                    "namemap"
                } else {
                    "store"
                };
                self.find(Severity::Error, check, w.at, w.what);
            }
        }
        self.nodes = nodes;
    }

    /// PidTagContentCount, PidTagContentUnreadCount and PidTagSubfolders against the tables.
    fn folder_counts(&mut self, store: &Store, nid: NodeId) {
        let at = Location::node(nid);
        let Ok(props) = store.folder_properties(nid) else {
            return;
        };
        let table = |ty: NodeType| -> Option<(usize, usize)> {
            let node = LtpNode::open_node(self.ndb, nid.with_type(ty)).ok()?;
            let t = TableContext::new(&node).ok()?;
            let flags = t
                .columns()
                .iter()
                .find(|c| c.tag.id() == pid::MESSAGE_FLAGS)
                .copied();
            let unread = match flags {
                Some(col) => (0..t.len())
                    .filter(|&i| match t.cell(i, &col, 1252) {
                        Ok(Some(PropValue::Integer32(f))) => f & 1 == 0,
                        _ => false,
                    })
                    .count(),
                None => 0,
            };
            Some((t.len(), unread))
        };
        if let Some((rows, unread)) = table(NodeType::CONTENTS_TABLE) {
            if let Some(count) = props.i32(pid::CONTENT_COUNT) {
                if usize::try_from(count).ok() != Some(rows) {
                    self.find(
                        Severity::Warning,
                        "folder.count",
                        at,
                        format!("PidTagContentCount {count}, contents table has {rows} rows"),
                    );
                }
            }
            if let Some(count) = props.i32(pid::CONTENT_UNREAD_COUNT) {
                if usize::try_from(count).ok() != Some(unread) {
                    self.find(
                        Severity::Warning,
                        "folder.unread",
                        at,
                        format!("PidTagContentUnreadCount {count}, {unread} unread rows"),
                    );
                }
            }
        }
        if let Some((rows, _)) = table(NodeType::HIERARCHY_TABLE) {
            if let Some(sub) = props.bool(pid::SUBFOLDERS) {
                if sub != (rows > 0) {
                    self.find(
                        Severity::Warning,
                        "folder.subfolders",
                        at,
                        format!("PidTagSubfolders {sub}, hierarchy table has {rows} rows"),
                    );
                }
            }
        }
    }
}

impl From<Error> for Finding {
    fn from(e: Error) -> Self {
        let w = Warning::from(e);
        Finding {
            severity: Severity::Error,
            check: "read",
            at: w.at,
            what: w.what,
        }
    }
}
