//! `pstkit`: a reader for Microsoft Outlook personal folder files (PST) and offline caches
//! (OST), in the three layers of [MS-PST]: [`ndb`] (nodes and blocks), [`ltp`] (heaps,
//! property and table contexts) and [`messaging`] (store, folders, messages).
//!
//! It reads ANSI files (Outlook 97-2002), Unicode files (2003+) and the Outlook 2013+ OST
//! layout with 4 KiB pages and compressed blocks, with no, permute or cyclic encryption.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod check;
pub mod ltp;
pub mod messaging;
pub mod ndb;
pub mod write;

pub mod error;

pub use error::{Error, Location, Result, Warning};
pub use messaging::{Attachment, Carving, FolderInfo, FolderTree, Message, PropertyBag, Store};
pub use ndb::{Client, CryptMethod, Layout, NodeId};
