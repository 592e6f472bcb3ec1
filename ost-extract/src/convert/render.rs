//! Message to bytes, per format: done once per item on the worker threads, and shared by
//! every sink that asked for that rendering.

use std::ops::BitOr;

use pstkit::messaging::Message;
use pstkit::Warning;

use crate::addressbook::AddressBook;
use crate::mail;

/// Which renderings of an item a sink needs (a set; combine with `|`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs(u8);

impl Needs {
    /// Nothing rendered: the sink works from the [`Message`] itself.
    pub const NONE: Needs = Needs(0);
    /// The message as an RFC 5322 message (`.eml` bytes).
    pub const EML: Needs = Needs(1);
    /// The message as an mboxrd entry (`From ` line, escaped body, blank line).
    pub const MBOX_ENTRY: Needs = Needs(2);

    /// Whether every rendering of `other` is in `self`.
    pub fn contains(self, other: Needs) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Needs {
    type Output = Needs;
    fn bitor(self, rhs: Needs) -> Needs {
        Needs(self.0 | rhs.0)
    }
}

/// The renderings of one item, each present when some sink needs it, and what rendering
/// noted (parts left out, bodies that could not be decoded).
#[derive(Debug, Default)]
pub struct Rendered {
    /// The `.eml` bytes.
    pub eml: Option<Vec<u8>>,
    /// The mbox entry.
    pub mbox_entry: Option<Vec<u8>>,
    /// Notes taken while rendering, each located at the message's node.
    pub notes: Vec<Warning>,
}

/// Renders `msg` as `needs` asks, Exchange addresses resolved through the store's address
/// `book`; `None` when nothing is needed.
pub fn render(msg: &Message, book: &AddressBook, needs: Needs) -> Option<Rendered> {
    let mut notes = Vec::new();
    let eml_too = needs.contains(Needs::EML);
    let mbox_too = needs.contains(Needs::MBOX_ENTRY);
    // mbox alone is rendered straight into its entry; with EML too, the entry is made from
    // the EML (one rendering, converted).
    let (eml, mbox_entry) = match (eml_too, mbox_too) {
        (true, true) => {
            let eml = mail::message_to_eml_with(msg, book, &mut notes);
            let entry = mail::mbox_entry_with(msg, book, &eml);
            (Some(eml), Some(entry))
        }
        (false, true) => (
            None,
            Some(mail::message_to_mbox_entry_with(msg, book, &mut notes)),
        ),
        (true, false) => (Some(mail::message_to_eml_with(msg, book, &mut notes)), None),
        (false, false) => return None,
    };
    Some(Rendered {
        eml,
        mbox_entry,
        notes,
    })
}
