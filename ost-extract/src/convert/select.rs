//! Which items a conversion takes: `--since`/`--until` (each kind judged by its own date) and
//! the system folders and items left out unless `--include-system` is given.
//!
//! **Dates.** A range is `[since, until)` in UTC; a date given alone (`2024-01-31`) means that
//! whole day, so `--since 2024-01-01 --until 2024-12-31` is the year 2024. Each kind is judged
//! by the date that says when it happened:
//!
//! | kind | date |
//! | --- | --- |
//! | mail, posts, sticky notes, meeting and task requests, reports | delivery time, else submit time, else creation time |
//! | appointments | when they take place: a single event when its span overlaps the range; a series when any occurrence does, and then the whole series is kept |
//! | tasks | due date, else last modification |
//! | contacts and distribution lists | not filtered: an address book has no date, and a contact changed long ago is as current as one changed today |
//!
//! An item without the date its kind is judged by is kept: nothing is left out for want of
//! a date. Items outside the range are neither counted nor written, as with `--only`.
//!
//! **System items.** Left out by default, counted per folder in `report.json` as skipped with
//! the reason: the folders outside the IPM subtree (free/busy data, views, search roots,
//! reminders: nothing a user sees as a folder), the sync-log folders (Sync Issues with
//! Conflicts, Local Failures and Server Failures: Outlook's own logs and the losing copies of
//! sync conflicts), search folders, and items the [class router](crate::class) calls
//! [`System`](crate::class::ClassKind::System) wherever they are filed: free/busy data
//! (`IPM.Microsoft.ScheduleData.FreeBusy`), configuration and view items
//! (`IPM.Configuration.*`, `IPM.Microsoft.*`) and classes outside `IPM` and `REPORT`. An
//! output that copies the mailbox whole (the PST) takes them anyway
//! ([`Sink::takes_system`](super::Sink::takes_system)).

use chrono::{DateTime, NaiveDate, Utc};
use pstkit::messaging::{pid, Message};

use super::plan::PlannedFolder;
use super::report::Kind;
use crate::class::{ClassKind, MessageClass};

/// `--since`/`--until`: the range `[since, until)`; no bound, no filter on that side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateRange {
    /// Items from this instant on.
    pub since: Option<DateTime<Utc>>,
    /// Items before this instant.
    pub until: Option<DateTime<Utc>>,
}

/// A date that is neither `YYYY-MM-DD` nor an RFC 3339 date and time.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a date (YYYY-MM-DD) or an RFC 3339 date and time (2024-01-31T08:00:00Z)")]
pub struct BadDate(String);

/// Which end of a range a date given alone stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// `--since`: the day's first instant.
    Since,
    /// `--until`: the day's last (the range ends at the next midnight).
    Until,
}

/// Parses `YYYY-MM-DD` (a day in UTC) or an RFC 3339 date and time into the instant that
/// bounds a range on the `bound` side: a day gives its midnight, or for `until` the next
/// midnight; a date and time gives itself, and for `until` includes it.
pub fn parse_bound(s: &str, bound: Bound) -> Result<DateTime<Utc>, BadDate> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let day = match bound {
            Bound::Since => Some(d),
            Bound::Until => d.succ_opt(),
        };
        return day
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
            .ok_or_else(|| BadDate(s.to_owned()));
    }
    let t = DateTime::parse_from_rfc3339(s)
        .map_err(|_| BadDate(s.to_owned()))?
        .with_timezone(&Utc);
    Ok(match bound {
        Bound::Since => t,
        // FILETIMEs count 100 ns: the next tick ends a range that includes `t`.
        Bound::Until => t + chrono::Duration::nanoseconds(100),
    })
}

impl DateRange {
    /// Whether the range filters anything.
    pub fn is_open(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    fn holds(&self, t: DateTime<Utc>) -> bool {
        self.since.map_or(true, |s| t >= s) && self.until.map_or(true, |u| t < u)
    }

    /// Whether an item of `kind` falls in the range, judged by its kind's date (see the
    /// module documentation); kept when it has no such date.
    pub fn keeps(&self, kind: Kind, msg: &Message) -> bool {
        if self.is_open() {
            return true;
        }
        let p = &msg.props;
        match kind {
            Kind::Mail => p
                .time(pid::MESSAGE_DELIVERY_TIME)
                .or_else(|| p.time(pid::CLIENT_SUBMIT_TIME))
                .or_else(|| p.time(pid::CREATION_TIME))
                .map_or(true, |t| self.holds(t)),
            Kind::Appointment => {
                crate::calendar::takes_place(msg, self.since, self.until).unwrap_or(true)
            }
            Kind::Task => crate::calendar::task_date(msg).map_or(true, |t| self.holds(t)),
            Kind::Contact | Kind::DistributionList | Kind::Unreadable => true,
        }
    }
}

/// Why an item of class `class` is not user content, when it is not: free/busy data,
/// configuration and view items, other `IPM.Microsoft.*` data and classes outside `IPM` and
/// `REPORT` (the class router's [`System`](ClassKind::System) items).
pub fn system_class(class: &str) -> Option<&'static str> {
    let c = MessageClass::new(class);
    if c.kind() != ClassKind::System {
        None
    } else if c.is("IPM.Microsoft.ScheduleData.FreeBusy") {
        Some("free/busy data")
    } else if c.is("IPM.Configuration") {
        Some("configuration item")
    } else if c.is("IPM.Microsoft") {
        Some("Outlook data item (IPM.Microsoft.*)")
    } else {
        Some("not a user item (class outside IPM)")
    }
}

/// Why the item is left out as system data when system items are: its folder's reason, else
/// its class's.
pub fn system_item(folder: &PlannedFolder, class: &str) -> Option<&'static str> {
    folder.system.or_else(|| system_class(class))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_instants_bound_a_range() {
        let since = parse_bound("2024-02-29", Bound::Since).unwrap();
        assert_eq!(since.to_rfc3339(), "2024-02-29T00:00:00+00:00");
        let until = parse_bound("2024-02-29", Bound::Until).unwrap();
        assert_eq!(until.to_rfc3339(), "2024-03-01T00:00:00+00:00");
        let t = parse_bound("2024-02-29T10:00:00+02:00", Bound::Since).unwrap();
        assert_eq!(t.to_rfc3339(), "2024-02-29T08:00:00+00:00");
        let range = DateRange {
            since: Some(t),
            until: Some(parse_bound("2024-02-29T12:00:00Z", Bound::Until).unwrap()),
        };
        assert!(range.holds(t));
        assert!(range.holds(parse_bound("2024-02-29T12:00:00Z", Bound::Since).unwrap()));
        assert!(!range.holds(parse_bound("2024-02-29T12:00:01Z", Bound::Since).unwrap()));
        for bad in ["2024-02-30", "31.01.2024", "2024-01-31 08:00", ""] {
            let e = parse_bound(bad, Bound::Since).unwrap_err();
            assert!(e.to_string().contains("is not a date"), "{bad}: {e}");
        }
    }

    #[test]
    fn system_classes_and_their_reasons() {
        for (class, want) in [
            (
                "IPM.Microsoft.ScheduleData.FreeBusy",
                Some("free/busy data"),
            ),
            ("IPM.Configuration.Autocomplete", Some("configuration item")),
            (
                "IPM.Microsoft.WunderBar.Link",
                Some("Outlook data item (IPM.Microsoft.*)"),
            ),
            (
                "IPC.Microsoft.ICS.EventSubscription",
                Some("not a user item (class outside IPM)"),
            ),
            ("IPM.Note", None),
            ("", None),
            ("REPORT.IPM.Note.NDR", None),
            ("IPM.Appointment", None),
        ] {
            assert_eq!(system_class(class), want, "{class}");
        }
    }
}
