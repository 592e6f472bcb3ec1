//! What appointments, meeting messages and tasks share: property ids, the best plain-text
//! body, stable UIDs, dates, people and reminders in their iCalendar forms.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Timelike, Utc};
use pstkit::ltp::prop::PropValue;
use pstkit::messaging::{pid, Message, PropId, PropertyBag};
use sha2::{Digest, Sha256};

use super::ical::{escape_text, fmt_date, fmt_local, fmt_utc, IcsWriter};

/// A date or time as it is written to a property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stamp {
    /// UTC (`...Z`).
    Utc(NaiveDateTime),
    /// Local time of a VTIMEZONE (`;TZID=`).
    Zoned(NaiveDateTime, String),
    /// Floating local time (no zone known).
    Floating(NaiveDateTime),
    /// A whole day (`;VALUE=DATE`).
    Date(NaiveDate),
}

impl Stamp {
    pub(crate) fn write(&self, w: &mut IcsWriter, name: &str) {
        match self {
            Stamp::Utc(t) => w.raw(name, &[], &format!("{}Z", fmt_local(*t))),
            Stamp::Zoned(t, tzid) => w.raw(name, &[("TZID", tzid.clone())], &fmt_local(*t)),
            Stamp::Floating(t) => w.raw(name, &[], &fmt_local(*t)),
            Stamp::Date(d) => w.raw(name, &[("VALUE", "DATE".to_owned())], &fmt_date(*d)),
        }
    }
}

/// The date a "local midnight" time stands for, whether it was stored as local midnight
/// read as UTC or as the true UTC instant of local midnight: the nearest midnight.
pub(crate) fn nearest_date(t: DateTime<Utc>) -> NaiveDate {
    (t.naive_utc() + Duration::hours(12)).date()
}

/// The message's plain-text body, end trimmed ([`body::text_body`](crate::body::text_body)).
pub(crate) fn best_body(props: &PropertyBag) -> Option<String> {
    let text = crate::body::text_body(props).text?;
    Some(text.trim_end().to_owned()).filter(|s| !s.trim().is_empty())
}

/// Upper-case hex.
pub(crate) fn hex_upper(b: &[u8]) -> String {
    hex::encode_upper(b)
}

/// The UID for a Global Object ID ([MS-OXCICAL] 2.1.3.1.1.20.26, [MS-OXOCAL] 2.2.1.27): the
/// original iCalendar UID when the id wraps one ("vCal-Uid"), else the hex of the id with
/// the instance date zeroed, so that every instance and the series share it.
pub(crate) fn uid_from_goid(g: &[u8]) -> String {
    if let Some(size) = g
        .get(36..40)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    {
        if let Some(data) = g.get(40..40usize.saturating_add(size)) {
            const MARK: &[u8] = b"vCal-Uid\x01\x00\x00\x00";
            if let Some(uid) = data.strip_prefix(MARK) {
                let end = uid.iter().position(|b| *b == 0).unwrap_or(uid.len());
                let s = String::from_utf8_lossy(&uid[..end]).trim().to_owned();
                if !s.is_empty() {
                    return s;
                }
            }
        }
    }
    let mut clean = g.to_vec();
    if let Some(date) = clean.get_mut(16..20) {
        date.fill(0);
    }
    hex_upper(&clean)
}

/// A stable UID for an item: the Global Object ID for appointments and meetings, the task
/// global id for tasks, else the search key, else a hash of what identifies the item (never
/// a node id, which changes from file to file).
pub(crate) fn stable_uid(msg: &Message) -> String {
    let p = &msg.props;
    if let Some(g) = p
        .binary(&pid::LID_CLEAN_GLOBAL_OBJECT_ID)
        .or_else(|| p.binary(&pid::LID_GLOBAL_OBJECT_ID))
        .filter(|g| !g.is_empty())
    {
        return uid_from_goid(g);
    }
    if let Some(g) = p.binary(&pid::LID_TASK_GLOBAL_ID).filter(|g| !g.is_empty()) {
        return hex_upper(g);
    }
    if let Some(k) = p.binary(pid::SEARCH_KEY).filter(|k| !k.is_empty()) {
        return hex_upper(k);
    }
    let mut h = Sha256::new();
    h.update(msg.class().as_bytes());
    h.update([0]);
    h.update(msg.subject().as_bytes());
    for t in [
        p.time(pid::CREATION_TIME),
        p.time(&pid::LID_APPOINTMENT_START_WHOLE),
        p.time(&pid::LID_TASK_DUE_DATE),
    ] {
        h.update([0]);
        if let Some(t) = t {
            h.update(t.timestamp().to_le_bytes());
        }
    }
    h.update([0]);
    h.update(best_body(p).unwrap_or_default().as_bytes());
    let digest = h.finalize();
    format!("{}@ost-extract", hex::encode(&digest[..16]))
}

/// An address for a person as a `mailto:` URI: the SMTP address when known, else
/// `invalid:nomail` (what Outlook writes for people without one). An IMCEA-encapsulated
/// address left unresolved by the address book is not one.
pub(crate) fn cal_address(smtp: Option<&str>, email: Option<&str>) -> String {
    let usable = |s: &&str| s.contains('@') && !crate::addressbook::imcea::is_encapsulated(s);
    let addr = smtp.filter(usable).or_else(|| email.filter(usable));
    match addr {
        Some(a) => format!("mailto:{}", a.trim()),
        None => "invalid:nomail".to_owned(),
    }
}

/// The organizer of an item: sent-representing, else sender, else the recipient flagged as
/// organizer.
pub(crate) fn organizer(msg: &Message) -> Option<(String, Option<String>)> {
    let p = &msg.props;
    let pick = |name: PropId, smtp: PropId, email: PropId| -> Option<(String, Option<String>)> {
        let n = p.str(name).map(str::to_owned);
        let s = p.str(smtp);
        let e = p.str(email);
        if n.is_none() && s.is_none() && e.is_none() {
            return None;
        }
        Some((cal_address(s, e), n))
    };
    pick(
        pid::SENT_REPRESENTING_NAME,
        pid::SENT_REPRESENTING_SMTP_ADDRESS,
        pid::SENT_REPRESENTING_EMAIL_ADDRESS,
    )
    .or_else(|| {
        pick(
            pid::SENDER_NAME,
            pid::SENDER_SMTP_ADDRESS,
            pid::SENDER_EMAIL_ADDRESS,
        )
    })
    .or_else(|| {
        msg.recipients
            .iter()
            .find(|r| r.i32(pid::RECIPIENT_FLAGS).unwrap_or(0) & 0x0002 != 0)
            .map(|r| {
                (
                    cal_address(r.str(pid::SMTP_ADDRESS), r.str(pid::EMAIL_ADDRESS)),
                    r.str(pid::DISPLAY_NAME).map(str::to_owned),
                )
            })
    })
}

/// Writes ORGANIZER and one ATTENDEE per recipient (not the organizer, not recipients
/// removed from the meeting), with role from the recipient type and PARTSTAT from the
/// tracked response ([MS-OXCICAL] 2.1.3.1.1.20.2, 2.1.3.1.1.20.32).
pub(crate) fn write_people(w: &mut IcsWriter, msg: &Message) {
    let attendees: Vec<&PropertyBag> = msg
        .recipients
        .iter()
        .filter(|r| r.i32(pid::RECIPIENT_FLAGS).unwrap_or(0) & (0x0002 | 0x0020) == 0)
        .collect();
    if attendees.is_empty() {
        return;
    }
    if let Some((addr, name)) = organizer(msg) {
        let mut params = Vec::new();
        if let Some(n) = name {
            params.push(("CN", n));
        }
        w.raw("ORGANIZER", &params, &addr);
    }
    for r in attendees {
        let mut params = Vec::new();
        if let Some(n) = r.str(pid::DISPLAY_NAME) {
            params.push(("CN", n.to_owned()));
        }
        match r.i32(pid::RECIPIENT_TYPE).unwrap_or(1) {
            2 => params.push(("ROLE", "OPT-PARTICIPANT".to_owned())),
            3 => {
                params.push(("CUTYPE", "RESOURCE".to_owned()));
                params.push(("ROLE", "NON-PARTICIPANT".to_owned()));
            }
            _ => params.push(("ROLE", "REQ-PARTICIPANT".to_owned())),
        }
        let status = match r.i32(pid::RECIPIENT_TRACK_STATUS).unwrap_or(0) {
            1 | 3 => "ACCEPTED",
            2 => "TENTATIVE",
            4 => "DECLINED",
            _ => "NEEDS-ACTION",
        };
        params.push(("PARTSTAT", status.to_owned()));
        w.raw(
            "ATTENDEE",
            &params,
            &cal_address(r.str(pid::SMTP_ADDRESS), r.str(pid::EMAIL_ADDRESS)),
        );
    }
}

/// CATEGORIES from `Keywords` (PS_PUBLIC_STRINGS), CLASS from PidTagSensitivity, PRIORITY
/// from PidTagImportance, CREATED / LAST-MODIFIED / DTSTAMP from the message times.
pub(crate) fn write_meta(w: &mut IcsWriter, msg: &Message) {
    let p = &msg.props;
    let created = p.time(pid::CREATION_TIME);
    let modified = p.time(pid::LAST_MODIFICATION_TIME);
    // DTSTAMP is required; a fixed fallback keeps output reproducible.
    let stamp = modified
        .or(created)
        .unwrap_or_else(|| DateTime::<Utc>::from_timestamp(946_684_800, 0).unwrap_or_default());
    w.raw(
        "DTSTAMP",
        &[],
        &fmt_utc(stamp.with_nanosecond(0).unwrap_or(stamp)),
    );
    if let Some(c) = created {
        w.raw("CREATED", &[], &fmt_utc(c));
    }
    if let Some(m) = modified {
        w.raw("LAST-MODIFIED", &[], &fmt_utc(m));
    }
    let keywords = p.get(&pstkit::messaging::pid::NAME_KEYWORDS);
    if let Some(list) = keywords.and_then(PropValue::as_strings) {
        let cats: Vec<String> = list
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(escape_text)
            .collect();
        if !cats.is_empty() {
            w.raw("CATEGORIES", &[], &cats.join(","));
        }
    }
    if let Some(s) = p.i32(pid::SENSITIVITY) {
        let class = match s {
            1 | 2 => "PRIVATE",
            3 => "CONFIDENTIAL",
            _ => "PUBLIC",
        };
        w.raw("CLASS", &[], class);
    }
    if let Some(i) = p.i32(pid::IMPORTANCE) {
        let prio = match i {
            0 => 9,
            2 => 1,
            _ => 5,
        };
        w.raw("PRIORITY", &[], &prio.to_string());
    }
}

/// A display VALARM that fires `minutes` before the start.
pub(crate) fn write_relative_alarm(w: &mut IcsWriter, minutes: i64, what: &str) {
    w.begin("VALARM");
    w.raw("ACTION", &[], "DISPLAY");
    w.text(
        "DESCRIPTION",
        &[],
        if what.is_empty() { "Reminder" } else { what },
    );
    let trigger = if minutes >= 0 {
        format!("-PT{minutes}M")
    } else {
        format!("PT{}M", -minutes)
    };
    w.raw("TRIGGER", &[], &trigger);
    w.end("VALARM");
}

/// A display VALARM at an absolute time.
pub(crate) fn write_absolute_alarm(w: &mut IcsWriter, at: DateTime<Utc>, what: &str) {
    w.begin("VALARM");
    w.raw("ACTION", &[], "DISPLAY");
    w.text(
        "DESCRIPTION",
        &[],
        if what.is_empty() { "Reminder" } else { what },
    );
    w.raw(
        "TRIGGER",
        &[("VALUE", "DATE-TIME".to_owned())],
        &fmt_utc(at),
    );
    w.end("VALARM");
}

/// The opening lines of a VCALENDAR.
pub(crate) fn begin_calendar(w: &mut IcsWriter, method: Option<&str>) {
    w.begin("VCALENDAR");
    w.raw("PRODID", &[], "-//ost-extract//ost-extract//EN");
    w.raw("VERSION", &[], "2.0");
    w.raw("CALSCALE", &[], "GREGORIAN");
    if let Some(m) = method {
        w.raw("METHOD", &[], m);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_from_global_object_id() {
        // Header, instance date 2007-04-16 (0x07D7, 4, 16), creation time, size, and data.
        let mut g = vec![
            0x04, 0x00, 0x00, 0x00, 0x82, 0x00, 0xE0, 0x00, 0x74, 0xC5, 0xB7, 0x10, 0x1A, 0x82,
            0xE0, 0x08,
        ];
        g.extend_from_slice(&[0x07, 0xD7, 0x04, 0x10]);
        g.extend_from_slice(&[0; 16]);
        let data = b"vCal-Uid\x01\x00\x00\x00abc-123@example.com\x00";
        g.extend_from_slice(&(data.len() as u32).to_le_bytes());
        g.extend_from_slice(data);
        assert_eq!(uid_from_goid(&g), "abc-123@example.com");
        // Without the vCal-Uid marker: hex with the instance date cleared.
        let mut plain = g[..40].to_vec();
        plain[36..40].copy_from_slice(&2u32.to_le_bytes());
        plain.extend_from_slice(&[0xAB, 0xCD]);
        assert_eq!(
            uid_from_goid(&plain),
            concat!(
                "040000008200E00074C5B7101A82E008",
                "00000000",
                "00000000000000000000000000000000",
                "02000000",
                "ABCD"
            )
        );
    }
}
