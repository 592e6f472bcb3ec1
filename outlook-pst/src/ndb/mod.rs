//! Node Database layer ([MS-PST] 2.2): header, pages, B-trees, blocks and subnodes.

pub mod crc;
pub mod crypt;

pub use crypt::CryptMethod;

use std::fmt;

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
    pub const HID: Self = Self(0x00);
    pub const INTERNAL: Self = Self(0x01);
    pub const NORMAL_FOLDER: Self = Self(0x02);
    pub const SEARCH_FOLDER: Self = Self(0x03);
    pub const NORMAL_MESSAGE: Self = Self(0x04);
    pub const ATTACHMENT: Self = Self(0x05);
    pub const SEARCH_UPDATE_QUEUE: Self = Self(0x06);
    pub const SEARCH_CRITERIA_OBJECT: Self = Self(0x07);
    pub const ASSOC_MESSAGE: Self = Self(0x08);
    pub const CONTENTS_TABLE_INDEX: Self = Self(0x0A);
    pub const RECEIVE_FOLDER_TABLE: Self = Self(0x0B);
    pub const OUTGOING_QUEUE_TABLE: Self = Self(0x0C);
    pub const HIERARCHY_TABLE: Self = Self(0x0D);
    pub const CONTENTS_TABLE: Self = Self(0x0E);
    pub const ASSOC_CONTENTS_TABLE: Self = Self(0x0F);
    pub const SEARCH_CONTENTS_TABLE: Self = Self(0x10);
    pub const ATTACHMENT_TABLE: Self = Self(0x11);
    pub const RECIPIENT_TABLE: Self = Self(0x12);
    pub const SEARCH_TABLE_INDEX: Self = Self(0x13);
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
