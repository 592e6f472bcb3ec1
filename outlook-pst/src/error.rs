//! Errors, each saying where in the file (node, block, offset) and what went wrong.

use std::fmt;
use std::path::PathBuf;

use crate::ndb::{BlockId, NodeId};

/// Where in the file a problem was found. Every part is optional; the most specific known
/// ones are filled in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Location {
    /// The node being read.
    pub node: Option<NodeId>,
    /// The block being read.
    pub block: Option<BlockId>,
    /// The file offset of the page or block.
    pub offset: Option<u64>,
}

impl Location {
    /// A location in node `nid`.
    pub fn node(nid: NodeId) -> Self {
        Self {
            node: Some(nid),
            ..Self::default()
        }
    }
    /// A location in block `bid`.
    pub fn block(bid: BlockId) -> Self {
        Self {
            block: Some(bid),
            ..Self::default()
        }
    }
    /// A location at file offset `ib`.
    pub fn offset(ib: u64) -> Self {
        Self {
            offset: Some(ib),
            ..Self::default()
        }
    }
    /// This location, with the node filled in if it was unknown.
    pub fn in_node(mut self, nid: NodeId) -> Self {
        self.node.get_or_insert(nid);
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(n) = self.node {
            parts.push(format!("node {n}"));
        }
        if let Some(b) = self.block {
            parts.push(format!("block {b}"));
        }
        if let Some(o) = self.offset {
            parts.push(format!("offset {o:#x}"));
        }
        if parts.is_empty() {
            f.write_str("file")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// Everything that can go wrong reading a PST or OST.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or mapped.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The bytes are not a PST or OST at all.
    #[error("not a PST or OST file: {0}")]
    NotPst(String),
    /// A PST/OST variant this reader cannot read.
    #[error("unsupported file: {0}")]
    Unsupported(String),
    /// The file is protected by Windows Information Protection (its blocks are encrypted
    /// with a key that only the Windows account that wrote it holds).
    #[error("the file is protected by Windows Information Protection (wVer {version:#x}, crypt {crypt:#x}); it can only be read on the Windows account that wrote it")]
    Protected {
        /// The header's `wVer`.
        version: u16,
        /// The header's `bCryptMethod`.
        crypt: u8,
    },
    /// A structure is damaged.
    #[error("{at}: {what}")]
    Corrupt {
        /// Where.
        at: Location,
        /// What is wrong.
        what: String,
    },
    /// A node or block the file refers to is not in its B-tree.
    #[error("{at}: not found in the {tree} B-tree")]
    NotFound {
        /// What was looked up.
        at: Location,
        /// `"node"` or `"block"`.
        tree: &'static str,
    },
}

impl Error {
    /// A damaged-structure error.
    pub fn corrupt(at: Location, what: impl Into<String>) -> Self {
        Self::Corrupt {
            at,
            what: what.into(),
        }
    }

    /// Where the error was found (the whole file when it is not about one place).
    pub fn location(&self) -> Location {
        match self {
            Self::Corrupt { at, .. } | Self::NotFound { at, .. } => *at,
            _ => Location::default(),
        }
    }

    /// The same error with `nid` recorded as the node being read, if none was.
    pub fn in_node(self, nid: NodeId) -> Self {
        match self {
            Self::Corrupt { at, what } => Self::Corrupt {
                at: at.in_node(nid),
                what,
            },
            Self::NotFound { at, tree } => Self::NotFound {
                at: at.in_node(nid),
                tree,
            },
            other => other,
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Something that went wrong but did not stop the read: a skipped item, a bad CRC on data
/// that was still usable, a damaged page that cut off part of a B-tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Where.
    pub at: Location,
    /// What happened, and what was skipped because of it.
    pub what: String,
}

impl Warning {
    /// A warning at `at`.
    pub fn new(at: Location, what: impl Into<String>) -> Self {
        Self {
            at,
            what: what.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.what)
    }
}

impl From<Error> for Warning {
    fn from(e: Error) -> Self {
        match e {
            Error::Corrupt { at, what } => Warning { at, what },
            Error::NotFound { at, tree } => Warning {
                at,
                what: format!("not found in the {tree} B-tree"),
            },
            other => Warning {
                at: Location::default(),
                what: other.to_string(),
            },
        }
    }
}
