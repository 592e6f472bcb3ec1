//! Mail to EML and mbox ([MS-OXCMAIL]).
//!
//! [`message_to_eml`] turns one [`Message`] into an RFC 5322 message (CRLF, 7-bit) with
//! its bodies, attachments and embedded messages; [`mbox_entry`] makes its mboxrd entry and
//! [`message_to_mbox_entry`] renders a message straight into one; [`eml_file_name`],
//! [`dedupe_name`] and [`safe_path_component`] name the files; [`is_mail_like`] says which
//! items this converter is for.

pub mod body;
pub mod headers;
pub mod mbox;
mod message;
pub mod mime;
pub mod names;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use pstkit::messaging::{pid, Message, PropertyBag};

pub use mbox::{mbox_entry, write_mbox_entry};
pub use message::{message_to_eml, message_to_mbox_entry};
pub use names::{dedupe_name, eml_file_name, safe_path_component};

/// Whether a message class is something the mail converter renders: notes, meeting
/// requests and responses, reports, posts, sticky notes, recalls, task requests, and
/// any other `IPM.*` class that is not an appointment, contact, task, distribution list or
/// journal entry (those have converters of their own). Classes compare without case
/// ([MS-OXCMSG] 2.2.1.3); an empty class is taken as plain `IPM`.
pub fn is_mail_like(class: &str) -> bool {
    let c = class.trim().to_ascii_lowercase();
    if c.is_empty() || c == "ipm" {
        return true;
    }
    let is = |prefix: &str| c == prefix || c.starts_with(&format!("{prefix}."));
    if c.starts_with("report.") {
        return true;
    }
    if is("ipm.note")
        || is("ipm.schedule.meeting")
        || is("ipm.post")
        || is("ipm.stickynote")
        || is("ipm.outlook.recall")
        || is("ipm.taskrequest")
    {
        return true;
    }
    if is("ipm.appointment")
        || is("ipm.contact")
        || is("ipm.task")
        || is("ipm.distlist")
        || is("ipm.activity")
        || is("ipm.configuration")
        || is("ipm.microsoft")
    {
        return false;
    }
    c.starts_with("ipm.")
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

/// Resolves a name and an Internet address from a property bag's name, address, address
/// type and SMTP address properties. Non-SMTP addresses (Exchange DNs) get a placeholder in
/// the `.invalid` domain so the header stays valid.
pub(crate) fn resolve_addr(
    bag: &PropertyBag,
    name: u16,
    email: u16,
    addrtype: u16,
    smtp: u16,
) -> Option<(Option<String>, String)> {
    let display = bag.str(name).map(str::to_owned);
    let email_v = bag.str(email);
    let addr = bag
        .str(smtp)
        .and_then(headers::addr_spec)
        .or_else(|| email_v.and_then(headers::addr_spec));
    match addr {
        Some(a) => Some((display, a)),
        None => {
            let basis = display.clone().or_else(|| {
                email_v.map(|e| e.rsplit(['=', '/', ':']).next().unwrap_or(e).to_owned())
            })?;
            Some((
                display,
                headers::placeholder_addr(&basis, bag.str(addrtype)),
            ))
        }
    }
}

/// The author: the "sent representing" identity when stored, else the sender
/// ([MS-OXOMSG] 2.2.1.46-2.2.1.58).
pub(crate) fn sender_addr(msg: &Message) -> Option<(Option<String>, String)> {
    let p = &msg.props;
    resolve_addr(
        p,
        pid::SENT_REPRESENTING_NAME,
        pid::SENT_REPRESENTING_EMAIL_ADDRESS,
        pid::SENT_REPRESENTING_ADDRTYPE,
        pid::SENT_REPRESENTING_SMTP_ADDRESS,
    )
    .or_else(|| {
        resolve_addr(
            p,
            pid::SENDER_NAME,
            pid::SENDER_EMAIL_ADDRESS,
            pid::SENDER_ADDRTYPE,
            pid::SENDER_SMTP_ADDRESS,
        )
    })
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
