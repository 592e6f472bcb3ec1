//! Calendars and tasks to iCalendar ([MS-OXOCAL], [MS-OXCICAL], [MS-OXOTASK]).
//!
//! Each calendar folder becomes one VCALENDAR with a VEVENT per appointment (series with
//! RRULE, EXDATE and RECURRENCE-ID events for modified occurrences) and the VTIMEZONEs built
//! from the stored time-zone rules; each task folder one VCALENDAR of VTODOs; meeting
//! messages a METHOD:REQUEST/REPLY/CANCEL object for their text/calendar part.

mod bytes;
mod common;
mod event;
mod ical;
pub mod recurrence;
mod task;
pub mod timezone;
pub mod windows_zones;

use std::borrow::Borrow;
use std::collections::BTreeSet;

use pstkit::messaging::Message;
use pstkit::{Location, Warning};

use crate::class::{ClassKind, Meeting, MessageClass};

pub use bytes::Truncated;
pub use recurrence::{Occurrence, RecurrenceError, RecurrencePattern};
pub use timezone::TimeZone;

pub(crate) use event::takes_place;
pub(crate) use task::task_date;

use event::{EventSink, Method};
use ical::IcsWriter;

/// Whether a message class is an appointment (`IPM.Appointment` or derived from it), as the
/// [class router](crate::class) says.
pub fn is_appointment(class: &str) -> bool {
    MessageClass::new(class).kind() == ClassKind::Appointment
}

/// Whether a message class is a task (`IPM.Task` or derived from it; task requests are
/// messages), as the [class router](crate::class) says.
pub fn is_task(class: &str) -> bool {
    MessageClass::new(class).kind() == ClassKind::Task
}

/// Builds a VCALENDAR (one .ics file's text, CRLF line endings, lines folded at 75 octets)
/// from the appointments (IPM.Appointment*) of one folder. Other items are skipped with one
/// warning; problems with single items are reported in `warnings` and never stop the rest.
pub fn calendar_to_ics<M: Borrow<Message>>(items: &[M], warnings: &mut Vec<Warning>) -> String {
    let mut sink = EventSink::default();
    let mut skipped = 0usize;
    for msg in items {
        let msg = msg.borrow();
        if is_appointment(msg.class()) {
            event::write_event(msg, &mut sink, Method::Publish, warnings);
        } else {
            skipped += 1;
        }
    }
    if skipped > 0 {
        warnings.push(Warning::new(
            Location::default(),
            format!("{skipped} item(s) that are not appointments left out of the calendar"),
        ));
    }
    let mut w = IcsWriter::new();
    common::begin_calendar(&mut w, None);
    sink.finish_into(&mut w);
    w.end("VCALENDAR");
    w.finish()
}

/// Builds a VCALENDAR of VTODOs from the tasks (IPM.Task*) of one folder.
pub fn tasks_to_ics<M: Borrow<Message>>(items: &[M], warnings: &mut Vec<Warning>) -> String {
    let mut todos = IcsWriter::new();
    let mut uids = BTreeSet::new();
    let mut skipped = 0usize;
    for msg in items {
        let msg = msg.borrow();
        if is_task(msg.class()) {
            task::write_todo(msg, &mut todos, &mut uids, warnings);
        } else {
            skipped += 1;
        }
    }
    if skipped > 0 {
        warnings.push(Warning::new(
            Location::default(),
            format!("{skipped} item(s) that are not tasks left out of the task list"),
        ));
    }
    let mut w = IcsWriter::new();
    common::begin_calendar(&mut w, None);
    w.append(todos);
    w.end("VCALENDAR");
    w.finish()
}

/// A METHOD:REQUEST/REPLY/CANCEL VCALENDAR for a meeting request, response or cancellation
/// (IPM.Schedule.Meeting.*), for the mail converter's text/calendar part; None if the
/// message is not one or has no meeting time.
pub fn meeting_ics(msg: &Message) -> Option<String> {
    let method = match MessageClass::new(msg.class()).meeting()? {
        Meeting::Request => Method::Request,
        Meeting::Cancel => Method::Cancel,
        Meeting::Reply(partstat) => Method::Reply(partstat),
    };
    let mut sink = EventSink::default();
    let mut warnings = Vec::new();
    if !event::write_event(msg, &mut sink, method, &mut warnings) {
        return None;
    }
    let name = match method {
        Method::Request => "REQUEST",
        Method::Cancel => "CANCEL",
        Method::Reply(_) => "REPLY",
        Method::Publish => "PUBLISH",
    };
    let mut w = IcsWriter::new();
    common::begin_calendar(&mut w, Some(name));
    sink.finish_into(&mut w);
    w.end("VCALENDAR");
    Some(w.finish())
}

#[cfg(test)]
mod tests;
