//! The outputs, one file each.

pub mod eml;
mod gathered;
pub mod ics;
pub mod mbox;
pub mod pst;
pub mod vcard;

pub use eml::EmlFiles;
pub use ics::IcsFiles;
pub use mbox::MboxFiles;
pub use pst::PstFile;
pub use vcard::VcardFiles;
