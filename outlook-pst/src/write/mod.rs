//! The write side: builds PST and OST files in the three layers of [MS-PST], mirroring the
//! reader. [`ndb`] writes blocks, data trees, subnode B-trees, the node and block B-trees, the
//! allocation maps and the HEADER ([MS-PST] 2.2); [`ltp`] encodes heaps-on-node, BTrees-on-heap,
//! property contexts and table contexts into heap pages ([MS-PST] 2.3); [`messaging`] writes a
//! message store, its name-to-id map, folders with their tables, and messages with their
//! recipients and attachments ([MS-PST] 2.4).
//!
//! The writer streams: blocks go to the output as they are written, and so do the folders'
//! contents tables, row by row ([`ltp::TableWriter`]); memory holds one small record per block
//! and node (the future B-tree entries), a few heap pages and 8 bytes a message per folder
//! table, and the named-property map. It writes every layout the reader reads ([`Layout`]):
//! ANSI, Unicode and the Outlook 2013+ 4 KiB-page OST, with any [`CryptMethod`].
//!
//! Errors are [`std::io::Error`]s: those of the output, and `InvalidInput` ones naming what
//! cannot be written (a value too large for the layout, a node written twice). No input makes
//! the writer panic.
//!
//! [`Layout`]: crate::ndb::Layout
//! [`CryptMethod`]: crate::ndb::CryptMethod
#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)
)]

pub mod ltp;
pub mod messaging;
pub mod ndb;
pub mod pst;
pub mod relink;

pub use ltp::NodeSink;
pub use messaging::{FolderId, SpecialFolder, StoreOptions, StoreWriter, WrittenFolder};
pub use ndb::NdbWriter;
pub use pst::PstWriter;
pub use relink::Relink;

use std::io;

/// An `InvalidInput` error: something the format cannot hold.
pub(crate) fn invalid(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what.into())
}

/// Copies `bytes` into `buf` at `at`. Buffers are sized by the writer itself, so a miss is the
/// writer's own mistake; it becomes an error, never a panic.
pub(crate) fn put(buf: &mut [u8], at: usize, bytes: &[u8]) -> io::Result<()> {
    at.checked_add(bytes.len())
        .and_then(|end| buf.get_mut(at..end))
        .map(|dst| dst.copy_from_slice(bytes))
        .ok_or_else(|| {
            io::Error::other(format!(
                "writer bug: {} bytes at {at} overrun a {}-byte buffer",
                bytes.len(),
                buf.len()
            ))
        })
}
