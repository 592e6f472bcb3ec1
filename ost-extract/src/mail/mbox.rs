//! mbox in its `mboxrd` form: each message starts with a `From sender date` line, every line
//! of the message that matches `^>*From ` gets one more `>`, lines end in LF, and a blank
//! line follows each message.

use std::io::{self, Write};

use pstkit::messaging::Message;

use super::{headers, message_date, sender_addr};

/// The `From ` separator line (without its LF) for `msg`: the sender's address, or
/// `MAILER-DAEMON` when there is none, and the date in `asctime` form (UTC).
pub fn from_line(msg: &Message) -> String {
    let sender = sender_addr(msg)
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
    let mut buf = Vec::with_capacity(eml.len() + eml.len() / 64 + 128);
    buf.extend_from_slice(from_line(msg).as_bytes());
    buf.push(b'\n');
    let mut rest = eml;
    while !rest.is_empty() {
        let (line, next) = match memchr::memchr(b'\n', rest) {
            Some(i) => (
                rest.get(..i).unwrap_or(&[]),
                rest.get(i + 1..).unwrap_or(&[]),
            ),
            None => (rest, &[][..]),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let quoted = line
            .iter()
            .position(|&b| b != b'>')
            .and_then(|i| line.get(i..))
            .is_some_and(|t| t.starts_with(b"From "));
        if quoted {
            buf.push(b'>');
        }
        buf.extend_from_slice(line);
        buf.push(b'\n');
        rest = next;
    }
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
