//! Messaging layer ([MS-PST] 2.4): the store, folders, messages, recipients, attachments and
//! named properties, built on the LTP layer.

pub mod entryid;
pub mod item;
pub mod pid;
pub mod props;
pub mod rtf;
pub mod store;

pub use crate::ltp::prop::PropId;
pub use item::{Attachment, Loss, LossKind, Message};
pub use props::{psets, NameMap, NamedProp, PropKey, PropName, PropertyBag};
pub use store::{
    CarveSummary, CarvedFolder, Carving, Envelope, FolderContents, FolderInfo, FolderTree, Store,
    TableListing,
};
