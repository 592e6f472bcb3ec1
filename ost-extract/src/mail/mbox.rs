//! mbox in its `mboxrd` form: each message starts with a `From sender date` line, every line
//! of the message that matches `^>*From ` gets one more `>`, lines end in LF, and a blank
//! line follows each message.

use std::io::{self, Write};

use pstkit::messaging::Message;

use super::envelope::{message_date, sender_addr};
use super::headers;
use super::mboxrd::finish_entry;
use crate::addressbook::AddressBook;

/// The `From ` separator line (without its LF) for `msg`: the sender's address, or
/// `MAILER-DAEMON` when there is none, and the date in `asctime` form (UTC).
pub fn from_line(msg: &Message) -> String {
    from_line_with(msg, &AddressBook::new())
}

/// [`from_line`], the sender's Exchange address resolved through the store's address book.
pub fn from_line_with(msg: &Message, book: &AddressBook) -> String {
    let sender = sender_addr(msg, book)
        .and_then(|(_, a)| headers::addr_spec(&a))
        .map(|a| {
            a.chars()
                .map(|c| if c.is_whitespace() { '_' } else { c })
                .collect::<String>()
        })
        .unwrap_or_else(|| "MAILER-DAEMON".to_owned());
    let date = message_date(msg).unwrap_or_default();
    format!("From {sender} {}", date.format("%a %b %e %H:%M:%S %Y"))
}

/// Appends one message to an mbox stream in mboxrd form.
pub fn write_mbox_entry<W: Write>(out: &mut W, msg: &Message, eml: &[u8]) -> io::Result<()> {
    out.write_all(&mbox_entry(msg, eml))
}

/// One message's mbox entry in mboxrd form: the `From ` line, the quoted message with LF
/// line ends, and the blank line after it.
pub fn mbox_entry(msg: &Message, eml: &[u8]) -> Vec<u8> {
    mbox_entry_with(msg, &AddressBook::new(), eml)
}

/// [`mbox_entry`] for a message rendered with the store's address book (which gives the
/// `From ` line's address, as it gave the message's).
pub fn mbox_entry_with(msg: &Message, book: &AddressBook, eml: &[u8]) -> Vec<u8> {
    let mut buf = start_entry(msg, book, eml.len());
    let start = buf.len();
    buf.extend_from_slice(eml);
    finish_entry(buf, start)
}

/// A buffer for one mbox entry holding its `From ` line, with room for a message of about
/// `size` bytes after it.
pub(crate) fn start_entry(msg: &Message, book: &AddressBook, size: usize) -> Vec<u8> {
    let from = from_line_with(msg, book);
    let mut buf = Vec::with_capacity(from.len() + size + 2);
    buf.extend_from_slice(from.as_bytes());
    buf.push(b'\n');
    buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use pstkit::ltp::prop::{FileTime, PropValue};
    use pstkit::messaging::pid;
    use std::borrow::Cow;

    #[test]
    fn from_lines_are_quoted_mboxrd_style() {
        let mut m = Message::default();
        m.props.insert(
            pid::SENDER_EMAIL_ADDRESS,
            PropValue::String(Cow::Borrowed("a@b.org")),
        );
        m.props.insert(
            pid::SENDER_ADDRTYPE,
            PropValue::String(Cow::Borrowed("SMTP")),
        );
        let t = chrono::DateTime::from_timestamp(1_276_605_000, 0).unwrap();
        m.props.insert(
            pid::CLIENT_SUBMIT_TIME,
            PropValue::Time(FileTime::from_utc(t)),
        );
        let eml = b"Subject: x\r\n\r\nFrom here\r\n>From there\r\n>>From  x\r\nFrom: not at start? no\r\n From x\r\nFromage\r\n";
        let mut out = Vec::new();
        write_mbox_entry(&mut out, &m, eml).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "From a@b.org Tue Jun 15 12:30:00 2010\nSubject: x\n\n>From here\n>>From there\n>>>From  x\nFrom: not at start? no\n From x\nFromage\n\n"
        );
    }

    #[test]
    fn undated_anonymous_message() {
        assert_eq!(
            from_line(&Message::default()),
            "From MAILER-DAEMON Thu Jan  1 00:00:00 1970"
        );
    }
}
