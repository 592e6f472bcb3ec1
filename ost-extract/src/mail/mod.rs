//! Mail to EML and mbox ([MS-OXCMAIL]).
//!
//! [`message_to_eml`] turns one [`Message`] into an RFC 5322 message (CRLF, 7-bit) with
//! its bodies, attachments and embedded messages; [`mbox_entry`] makes its mboxrd entry and
//! [`message_to_mbox_entry`] renders a message straight into one; [`eml_file_name`],
//! [`dedupe_name`] and [`safe_path_component`] name the files; [`is_mail_like`] says which
//! items this converter is for.

pub use crate::body;
pub mod headers;
pub mod mbox;
mod message;
pub mod mime;
pub mod names;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use pstkit::messaging::{pid, Message, PropId, PropertyBag};

use crate::addressbook::AddressBook;
use crate::class::{ClassKind, MessageClass};

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

/// The date a message stands for: when it was sent, else when it arrived, else when it was
/// created or last changed.
pub fn message_date(msg: &Message) -> Option<DateTime<Utc>> {
    let p = &msg.props;
    p.time(pid::CLIENT_SUBMIT_TIME)
        .or_else(|| p.time(pid::MESSAGE_DELIVERY_TIME))
        .or_else(|| p.time(pid::CREATION_TIME))
        .or_else(|| p.time(pid::LAST_MODIFICATION_TIME))
}

/// The properties that describe one party of a message: the sender, the author (sent
/// representing) or a recipient row ([MS-OXOMSG] 2.2.1, [MS-OXCMAIL] 2.2.3.2.4).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Party {
    pub name: PropId,
    pub email: PropId,
    pub addrtype: PropId,
    pub smtp: PropId,
    pub entry_id: PropId,
    pub search_key: PropId,
}

/// The sender ([MS-OXOMSG] 2.2.1.48-2.2.1.52).
pub(crate) const SENDER: Party = Party {
    name: pid::SENDER_NAME,
    email: pid::SENDER_EMAIL_ADDRESS,
    addrtype: pid::SENDER_ADDRTYPE,
    smtp: pid::SENDER_SMTP_ADDRESS,
    entry_id: pid::SENDER_ENTRY_ID,
    search_key: pid::SENDER_SEARCH_KEY,
};
/// The author the message was sent on behalf of ([MS-OXOMSG] 2.2.1.53-2.2.1.58).
pub(crate) const SENT_REPRESENTING: Party = Party {
    name: pid::SENT_REPRESENTING_NAME,
    email: pid::SENT_REPRESENTING_EMAIL_ADDRESS,
    addrtype: pid::SENT_REPRESENTING_ADDRTYPE,
    smtp: pid::SENT_REPRESENTING_SMTP_ADDRESS,
    entry_id: pid::SENT_REPRESENTING_ENTRY_ID,
    search_key: pid::SENT_REPRESENTING_SEARCH_KEY,
};
/// A recipient row ([MS-OXCMSG] 2.2.3).
pub(crate) const RECIPIENT: Party = Party {
    name: pid::DISPLAY_NAME,
    email: pid::EMAIL_ADDRESS,
    addrtype: pid::ADDRTYPE,
    smtp: pid::SMTP_ADDRESS,
    entry_id: pid::RECIPIENT_ENTRY_ID,
    search_key: pid::SEARCH_KEY,
};

/// Resolves a party's name and Internet address: its SMTP address property, else an
/// Internet-form address, else the store's address book for its Exchange DN (from its
/// address, search key or entry id). What stays unresolved gets a placeholder in the
/// `.invalid` domain so the header stays valid (and is counted by the book).
pub(crate) fn resolve_addr(
    bag: &PropertyBag,
    party: &Party,
    book: &AddressBook,
) -> Option<(Option<String>, String)> {
    let display = bag.str(party.name).map(str::to_owned);
    let email_v = bag.str(party.email);
    let addr = bag
        .str(party.smtp)
        .and_then(headers::addr_spec)
        .or_else(|| email_v.and_then(headers::addr_spec));
    if let Some(a) = addr {
        return Some((display, a));
    }
    let basis = display
        .clone()
        .or_else(|| email_v.map(|e| e.rsplit(['=', '/', ':']).next().unwrap_or(e).to_owned()))?;
    let what = display.as_deref().or(email_v).unwrap_or("");
    // Counted by AddressBook::enrich, which the conversion runs on every item first.
    let ids = crate::addressbook::PartyIds {
        name: party.name,
        email: party.email,
        smtp: party.smtp,
        entry_id: party.entry_id,
        search_key: party.search_key,
    };
    if let Some(r) = book.find_party(bag, &ids, what) {
        return Some((display, r.address().to_owned()));
    }
    // An IMCEAEX address in the SMTP property is an Exchange DN all the same.
    let exchange = [party.smtp, party.email]
        .iter()
        .any(|&id| bag.str(id).and_then(crate::addressbook::dn_key).is_some());
    let kind = if exchange {
        Some("EX")
    } else {
        bag.str(party.addrtype)
    };
    Some((display, headers::placeholder_addr(&basis, kind)))
}

/// The author: the "sent representing" identity when stored, else the sender
/// ([MS-OXOMSG] 2.2.1.46-2.2.1.58).
pub(crate) fn sender_addr(msg: &Message, book: &AddressBook) -> Option<(Option<String>, String)> {
    let p = &msg.props;
    resolve_addr(p, &SENT_REPRESENTING, book).or_else(|| resolve_addr(p, &SENDER, book))
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
