//! Messages as the converters see them: every property of the message, its recipients and
//! its attachments, loaded and detached from the file ([MS-PST] 2.4.5, 2.4.6).

use crate::error::{Location, Warning};
use crate::ltp::prop::PropValue;
use crate::messaging::pid;
use crate::messaging::props::PropertyBag;
use crate::ndb::NodeId;

/// One message (mail, appointment, contact, task, note...) with everything it holds.
#[derive(Debug, Clone, Default)]
pub struct Message {
    /// The message's node id; `None` for an embedded message, which lives in a subnode.
    pub nid: Option<NodeId>,
    /// The message object's properties (the message PC).
    pub props: PropertyBag,
    /// One bag per row of the recipient table, in table order.
    pub recipients: Vec<PropertyBag>,
    /// The attachments, in attachment-table order.
    pub attachments: Vec<Attachment>,
    /// What was noticed reading this message (embedded messages included) that lost no
    /// content: a cell of the recipient table skipped, a limit reached. Each says where in
    /// the file and what. Content that was lost is in `losses`, never here.
    pub warnings: Vec<Warning>,
    /// What of this message (embedded messages included) was in the file but is missing or
    /// incomplete here: a property value that cannot be read, an attachment cut short or
    /// skipped, an unreadable table.
    pub losses: Vec<Loss>,
}

/// Content of a message that was in the file but could not be read back whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loss {
    /// Which part: `attachment 2 ("report.pdf")`, `recipients`...; parts of embedded
    /// messages are prefixed with their attachment.
    pub part: String,
    /// Why.
    pub why: String,
    /// Where in the file, as far as known (the message's node at least).
    pub at: Location,
    /// Bytes missing, when known (0 when not); for a damaged block, its size.
    pub bytes: u64,
    /// Whether the part is missing or was read from damaged data.
    pub kind: LossKind,
}

/// How a part of a message was lost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LossKind {
    /// The part is missing or cut short: it could not be read.
    #[default]
    Missing,
    /// The part was read from a block whose CRC does not match ([`Loss::at`] names the
    /// block): its bytes were used as they are, but may be wrong.
    Damaged,
}

impl std::fmt::Display for Loss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.at, self.part, self.why)
    }
}

impl Message {
    /// `PidTagMessageClass`, e.g. `IPM.Note` (empty when absent).
    pub fn class(&self) -> &str {
        self.props.str(pid::MESSAGE_CLASS).unwrap_or("")
    }

    /// A note about this message that lost nothing (a body that could not be decoded, a
    /// recurrence blob read in part), located at its node; an embedded message has no node
    /// of its own, and whoever handles its container locates the note.
    pub fn note(&self, what: impl Into<String>) -> Warning {
        Warning::new(self.location(), what)
    }

    /// Where the message is in the file: its node (the whole file for an embedded message).
    pub fn location(&self) -> Location {
        self.nid.map_or_else(Location::default, Location::node)
    }

    /// `PidTagSubject` with its prefix marker removed ([MS-OXCMSG] 2.2.1.46: a string starting
    /// with 0x01 and a length byte carries a normalised subject after that prefix).
    pub fn subject(&self) -> &str {
        strip_subject_marker(self.props.str(pid::SUBJECT).unwrap_or(""))
    }
}

/// Removes the two-character prefix marker that some stores put before a subject.
pub fn strip_subject_marker(s: &str) -> &str {
    let mut chars = s.chars();
    if chars.next() == Some('\u{1}') {
        if chars.next().is_some() {
            return chars.as_str();
        }
        return "";
    }
    s
}

/// One attachment: its properties and, for an embedded message, that message.
#[derive(Debug, Clone, Default)]
pub struct Attachment {
    /// The attachment object's properties; by-value data is `PidTagAttachDataBinary`.
    pub props: PropertyBag,
    /// The embedded message of an `afEmbeddedMessage` attachment, loaded recursively.
    pub embedded: Option<Box<Message>>,
}

impl Attachment {
    /// `PidTagAttachMethod` (1 by value, 2-4 by reference, 5 embedded message, 6 OLE).
    pub fn method(&self) -> i32 {
        self.props.i32(pid::ATTACH_METHOD).unwrap_or(0)
    }

    /// The attachment's bytes, for by-value and OLE attachments.
    pub fn data(&self) -> Option<&[u8]> {
        match self.props.get(pid::ATTACH_DATA_BINARY)? {
            PropValue::Binary(b) => Some(b),
            _ => None,
        }
    }

    /// The best file name: long name, then short name, then display name.
    pub fn filename(&self) -> Option<&str> {
        self.props
            .str(pid::ATTACH_LONG_FILENAME)
            .or_else(|| self.props.str(pid::ATTACH_FILENAME))
            .or_else(|| self.props.str(pid::DISPLAY_NAME))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_prefix_marker_is_stripped() {
        assert_eq!(strip_subject_marker("\u{1}\u{5}RE: Lunch"), "RE: Lunch");
        assert_eq!(strip_subject_marker("Lunch"), "Lunch");
        assert_eq!(strip_subject_marker("\u{1}"), "");
    }
}
