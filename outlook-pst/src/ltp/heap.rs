//! Heap-on-node ([MS-PST] 2.3.1): variable-size allocations inside a node's data blocks,
//! addressed by HID.

use std::borrow::Cow;

use crate::error::{Error, Location, Result};
use crate::ndb::bytes::ReadLe;
use crate::ndb::{Layout, NodeId};

/// `bSig` of HNHDR.
const HN_SIGNATURE: u8 = 0xEC;

/// `bClientSig` of a heap: what structure it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientSig(pub u8);

impl ClientSig {
    /// `bTypeTC`: a table context.
    pub const TABLE_CONTEXT: Self = Self(0x7C);
    /// `bTypeBTH`: a BTree-on-heap.
    pub const BTREE_ON_HEAP: Self = Self(0xB5);
    /// `bTypePC`: a property context.
    pub const PROPERTY_CONTEXT: Self = Self(0xBC);
}

/// A heap id (HID, [MS-PST] 2.3.1.1): type (5 bits, always 0), 1-based index within its block
/// (11 bits), block index within the node's data tree (16 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HeapId(pub u32);

impl HeapId {
    /// Whether this is the null HID (no allocation).
    pub fn is_null(self) -> bool {
        self.0 == 0
    }
    // The 4 KiB layout's 64 KiB pages hold more allocations: its HIDs carry a 14-bit index
    // and a 13-bit block index (ost2pst's reader; the pstreader wiki describes the same
    // boundary as three flag bits taken from hidBlockIndex).
    fn index(self, layout: Layout) -> usize {
        match layout {
            Layout::Unicode4k => ((self.0 >> 5) & 0x3FFF) as usize,
            _ => ((self.0 >> 5) & 0x7FF) as usize,
        }
    }
    fn block(self, layout: Layout) -> usize {
        match layout {
            Layout::Unicode4k => (self.0 >> 19) as usize,
            _ => (self.0 >> 16) as usize,
        }
    }
}

/// A heap-on-node over the data blocks of one node.
#[derive(Debug)]
pub struct Heap<'a> {
    blocks: Vec<Cow<'a, [u8]>>,
    layout: Layout,
    nid: NodeId,
    client: ClientSig,
    user_root: HeapId,
}

impl<'a> Heap<'a> {
    /// Opens the heap stored in `blocks` (the node's data tree, in order).
    pub fn new(blocks: Vec<Cow<'a, [u8]>>, layout: Layout, nid: NodeId) -> Result<Self> {
        let at = Location::node(nid);
        let first = blocks
            .first()
            .ok_or_else(|| Error::corrupt(at, "heap has no data"))?;
        let sig = first
            .u8_at(2)
            .ok_or_else(|| Error::corrupt(at, "heap header truncated"))?;
        if sig != HN_SIGNATURE {
            return Err(Error::corrupt(
                at,
                format!("heap signature {sig:#x}, expected 0xEC"),
            ));
        }
        let client = ClientSig(first.u8_at(3).unwrap_or(0));
        let user_root = HeapId(
            first
                .u32_at(4)
                .ok_or_else(|| Error::corrupt(at, "heap header truncated"))?,
        );
        Ok(Self {
            blocks,
            layout,
            nid,
            client,
            user_root,
        })
    }

    /// What the heap holds (`bClientSig`).
    pub fn client_sig(&self) -> ClientSig {
        self.client
    }

    /// `hidUserRoot`: the client's root allocation.
    pub fn user_root(&self) -> HeapId {
        self.user_root
    }

    /// The node the heap belongs to.
    pub fn nid(&self) -> NodeId {
        self.nid
    }

    /// The bytes of allocation `hid` (empty for the null HID).
    pub fn item(&self, hid: HeapId) -> Result<&[u8]> {
        if hid.is_null() {
            return Ok(&[]);
        }
        let at = Location::node(self.nid);
        let bad = |what: String| Error::corrupt(at, format!("HID {:#x}: {what}", hid.0));
        if hid.0 & 0x1F != 0 {
            return Err(bad("not a heap id".into()));
        }
        let block = self
            .blocks
            .get(hid.block(self.layout))
            .ok_or_else(|| bad("block index beyond the heap".into()))?;
        let map_at = usize::from(
            block
                .u16_at(0)
                .ok_or_else(|| bad("page header truncated".into()))?,
        );
        let count = usize::from(
            block
                .u16_at(map_at)
                .ok_or_else(|| bad("page map beyond its block".into()))?,
        );
        let i = hid.index(self.layout);
        if i == 0 || i > count {
            return Err(bad(format!(
                "index {i} outside the page's {count} allocations"
            )));
        }
        let start = usize::from(
            block
                .u16_at(map_at + 4 + 2 * (i - 1))
                .ok_or_else(|| bad("page map truncated".into()))?,
        );
        let end = usize::from(
            block
                .u16_at(map_at + 4 + 2 * i)
                .ok_or_else(|| bad("page map truncated".into()))?,
        );
        if start > end || end > map_at {
            return Err(bad(format!(
                "allocation {start}..{end} overlaps the page map at {map_at}"
            )));
        }
        block
            .get(start..end)
            .ok_or_else(|| bad("allocation beyond its block".into()))
    }
}

/// A BTree-on-heap ([MS-PST] 2.3.2): sorted fixed-size records stored in heap allocations.
#[derive(Debug)]
pub struct BTreeOnHeap<'h, 'a> {
    heap: &'h Heap<'a>,
    key_size: usize,
    value_size: usize,
    levels: u8,
    root: HeapId,
}

impl<'h, 'a> BTreeOnHeap<'h, 'a> {
    /// Opens the BTH whose header (BTHHEADER) is allocation `header`.
    pub fn new(heap: &'h Heap<'a>, header: HeapId) -> Result<Self> {
        let at = Location::node(heap.nid);
        let h = heap.item(header)?;
        let short = || Error::corrupt(at, "BTH header truncated");
        let ty = h.u8_at(0).ok_or_else(short)?;
        if ty != ClientSig::BTREE_ON_HEAP.0 {
            return Err(Error::corrupt(
                at,
                format!("BTH type {ty:#x}, expected 0xB5"),
            ));
        }
        let key_size = usize::from(h.u8_at(1).ok_or_else(short)?);
        let value_size = usize::from(h.u8_at(2).ok_or_else(short)?);
        let levels = h.u8_at(3).ok_or_else(short)?;
        let root = HeapId(h.u32_at(4).ok_or_else(short)?);
        if !matches!(key_size, 2 | 4 | 8 | 16) || value_size == 0 || value_size > 32 || levels > 8 {
            return Err(Error::corrupt(
                at,
                format!("BTH shape key {key_size}, value {value_size}, levels {levels}"),
            ));
        }
        Ok(Self {
            heap,
            key_size,
            value_size,
            levels,
            root,
        })
    }

    /// Size of keys.
    pub fn key_size(&self) -> usize {
        self.key_size
    }

    /// Size of values.
    pub fn value_size(&self) -> usize {
        self.value_size
    }

    /// Every leaf record as (key, value), in key order.
    pub fn records(&self) -> Result<Vec<(&'h [u8], &'h [u8])>> {
        let mut out = Vec::new();
        if !self.root.is_null() {
            self.collect(self.root, self.levels, &mut out)?;
        }
        Ok(out)
    }

    fn collect(&self, hid: HeapId, level: u8, out: &mut Vec<(&'h [u8], &'h [u8])>) -> Result<()> {
        let item = self.heap.item(hid)?;
        if level == 0 {
            let size = self.key_size + self.value_size;
            // An exact-size iterator: the vector grows once per leaf, not once per record.
            out.extend(
                item.chunks_exact(size)
                    .map(|rec| rec.split_at(self.key_size)),
            );
        } else {
            for rec in item.chunks_exact(self.key_size + 4) {
                let child = rec.u32_at(self.key_size).unwrap_or(0);
                self.collect(HeapId(child), level - 1, out)?;
            }
        }
        Ok(())
    }
}
