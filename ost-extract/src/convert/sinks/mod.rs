//! The outputs, one file each.

pub mod dav;
pub mod eml;
mod gathered;
pub mod ics;
pub mod imap;
pub mod mbox;
pub mod pst;
pub mod vcard;

pub use dav::DavUpload;
pub use eml::EmlFiles;
pub use ics::IcsFiles;
pub use imap::ImapUpload;
pub use mbox::MboxFiles;
pub use pst::PstFile;
pub use vcard::VcardFiles;
