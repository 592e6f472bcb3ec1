//! Mail to EML and mbox ([MS-OXCMAIL]).
//!
//! [`message_to_eml`] turns one [`Message`] into an RFC 5322 message (CRLF, 7-bit) with
//! its bodies, attachments and embedded messages; [`mbox_entry`] makes its mboxrd entry and
//! [`message_to_mbox_entry`] renders a message straight into one; [`eml_file_name`],
//! [`dedupe_name`] and [`safe_path_component`] name the files; [`is_mail_like`] says which
//! items this converter is for.
//!
//! Read in this order, each module using only the ones after it: `message.rs` (the header
//! section, the bodies and the MIME tree of one message), `envelope.rs` (its date and
//! parties), `mime.rs` (parts, boundaries, transfer encodings), `headers.rs` (field
//! encoding, folding, addresses), `mboxrd.rs` (the mbox line form, written while rendering);
//! then what comes after a message is rendered: `mbox.rs` (the entry and its `From ` line)
//! and `names.rs` (file names).

pub use crate::body;
mod envelope;
pub mod headers;
pub mod mbox;
mod mboxrd;
mod message;
pub mod mime;
pub mod names;
#[cfg(test)]
mod tests;

use crate::class::{ClassKind, MessageClass};

pub use envelope::message_date;
pub use mbox::{mbox_entry, mbox_entry_with, write_mbox_entry};
pub use message::{
    message_to_eml, message_to_eml_with, message_to_mbox_entry, message_to_mbox_entry_with,
};
pub use names::{dedupe_folder_name, dedupe_name, eml_file_name, safe_path_component};

/// Whether a message class is something the mail converter is for: a message a person
/// reads (notes, meeting requests and responses, reports, posts, sticky notes, recalls, task
/// requests, any other `IPM.*` class), not an appointment, contact, task, distribution list,
/// journal entry or system item ([class router](crate::class)).
pub fn is_mail_like(class: &str) -> bool {
    MessageClass::new(class).kind() == ClassKind::Message
}

#[cfg(test)]
mod class_tests {
    use super::*;

    #[test]
    fn mail_like_classes() {
        for c in [
            "IPM.Note",
            "ipm.note.smime",
            "IPM.Schedule.Meeting.Request",
            "IPM.Schedule.Meeting.Resp.Pos",
            "REPORT.IPM.Note.NDR",
            "Report.IPM.Note.IPNRN",
            "IPM.Post",
            "IPM.StickyNote",
            "IPM.Outlook.Recall",
            "IPM.Document.Word.Document.8",
            "IPM",
            "",
        ] {
            assert!(is_mail_like(c), "{c}");
        }
        for c in [
            "IPM.Appointment",
            "IPM.Contact",
            "IPM.Task",
            "IPM.DistList",
            "IPM.Activity",
            "IPF.Note",
            "IPM.Notebook.x",
        ] {
            let expected = c == "IPM.Notebook.x";
            assert_eq!(is_mail_like(c), expected, "{c}");
        }
    }
}
