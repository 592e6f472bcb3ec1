//! A node opened for the LTP layer: its heap and its subnodes, so that HNIDs can be resolved
//! whether they point into the heap or at a subnode ([MS-PST] 2.3.3.2).

use std::borrow::Cow;

use crate::error::{Error, Location, Result};
use crate::ltp::heap::{Heap, HeapId};
use crate::ndb::{BlockId, Ndb, NodeId, SubnodeEntry};

/// A node's heap plus its subnode entries.
#[derive(Debug)]
pub struct LtpNode<'a> {
    ndb: &'a Ndb,
    nid: NodeId,
    heap: Heap<'a>,
    subnodes: Vec<SubnodeEntry>,
}

impl<'a> LtpNode<'a> {
    /// Opens a node given its data and subnode block ids (from the NBT or a parent's
    /// subnode tree).
    pub fn open(ndb: &'a Ndb, nid: NodeId, data: BlockId, sub: Option<BlockId>) -> Result<Self> {
        let blocks = ndb.data_blocks(data).map_err(|e| e.in_node(nid))?;
        let heap = Heap::new(blocks, ndb.layout(), nid)?;
        let subnodes = match sub {
            Some(b) => ndb.subnodes(b).map_err(|e| e.in_node(nid))?,
            None => Vec::new(),
        };
        Ok(Self {
            ndb,
            nid,
            heap,
            subnodes,
        })
    }

    /// Opens a top-level node by NID.
    pub fn open_node(ndb: &'a Ndb, nid: NodeId) -> Result<Self> {
        let e = ndb.node(nid)?;
        Self::open(ndb, nid, e.data, e.sub)
    }

    /// The node's id.
    pub fn nid(&self) -> NodeId {
        self.nid
    }

    /// The heap.
    pub fn heap(&self) -> &Heap<'a> {
        &self.heap
    }

    /// The node database.
    pub fn ndb(&self) -> &'a Ndb {
        self.ndb
    }

    /// The subnode entries, sorted by NID.
    pub fn subnodes(&self) -> &[SubnodeEntry] {
        &self.subnodes
    }

    /// The subnode entry for `nid`.
    pub fn subnode(&self, nid: NodeId) -> Option<&SubnodeEntry> {
        self.subnodes
            .binary_search_by_key(&nid.0, |e| e.nid.0)
            .ok()
            .and_then(|i| self.subnodes.get(i))
    }

    /// Opens subnode `nid` as a node of its own (attachments, embedded messages).
    pub fn open_subnode(&self, nid: NodeId) -> Result<LtpNode<'a>> {
        let e = self.subnode(nid).ok_or_else(|| {
            Error::corrupt(
                Location::node(self.nid),
                format!("subnode {nid} is missing"),
            )
        })?;
        LtpNode::open(self.ndb, nid, e.data, e.sub)
    }

    /// The bytes an HNID refers to: a heap allocation, or the whole data of a subnode.
    pub fn hnid_bytes(&self, hnid: u32) -> Result<Cow<'_, [u8]>> {
        if hnid & 0x1F == 0 {
            return self.heap.item(HeapId(hnid)).map(Cow::Borrowed);
        }
        let nid = NodeId(hnid);
        let e = self.subnode(nid).ok_or_else(|| {
            Error::corrupt(
                Location::node(self.nid),
                format!("value subnode {nid} is missing"),
            )
        })?;
        self.ndb
            .read_data(e.data)
            .map_err(|err| err.in_node(self.nid))
    }
}
