//! Tasks (IPM.Task) to VTODO ([MS-OXOTASK] 2.2.2.2, [MS-OXCICAL] 2.1.3.4).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use pstkit::messaging::{pid, Message};
use pstkit::Warning;

use super::common::{best_body, nearest_date, stable_uid, write_absolute_alarm, write_meta, Stamp};
use super::ical::{fmt_date, fmt_utc, IcsWriter};
use super::recurrence::{EndType, RecurrencePattern};

/// Writes one task as a VTODO. Task dates (start, due) are dates, stored as local midnight.
pub(crate) fn write_todo(
    msg: &Message,
    w: &mut IcsWriter,
    uids: &mut BTreeSet<String>,
    warnings: &mut Vec<Warning>,
) {
    let p = &msg.props;
    let subject = msg.subject().to_owned();
    let label = if subject.is_empty() {
        "(untitled task)".to_owned()
    } else {
        format!("task \"{subject}\"")
    };
    let mut uid = stable_uid(msg);
    if !uids.insert(uid.clone()) {
        let mut n = 2;
        while !uids.insert(format!("{uid}-{n}")) {
            n += 1;
        }
        warnings.push(msg.note(format!(
            "{label}: UID {uid} seen before; written as {uid}-{n}"
        )));
        uid = format!("{uid}-{n}");
    }
    let mut start = p.time(&pid::LID_TASK_START_DATE).map(nearest_date);
    let due = p.time(&pid::LID_TASK_DUE_DATE).map(nearest_date);
    let pattern = if p.bool(&pid::LID_TASK_F_RECURRING).unwrap_or(false)
        || p.binary(&pid::LID_TASK_RECURRENCE)
            .is_some_and(|b| !b.is_empty())
    {
        match p
            .binary(&pid::LID_TASK_RECURRENCE)
            .map(RecurrencePattern::parse)
        {
            Some(Ok(pat)) => {
                for w in &pat.warnings {
                    warnings.push(msg.note(format!("{label}: {w}")));
                }
                Some(pat)
            }
            Some(Err(e)) => {
                warnings.push(msg.note(format!(
                    "{label}: task recurrence unreadable, written without it: {e}"
                )));
                None
            }
            None => None,
        }
    } else {
        None
    };
    // A repeating VTODO needs a DTSTART; the pattern's first date is the series start.
    let far = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
    let first = pattern
        .as_ref()
        .and_then(|pat| pat.pattern_dates(far, 1).first().copied());
    if pattern.is_some() && first.is_some() {
        start = first;
    }
    w.begin("VTODO");
    w.text("UID", &[], &uid);
    if let Some(s) = start {
        Stamp::Date(s).write(w, "DTSTART");
    }
    if let Some(d) = due {
        // DUE may not be before DTSTART (RFC 5545 3.8.2.3).
        let d = match start {
            Some(s) if d < s => s,
            _ => d,
        };
        Stamp::Date(d).write(w, "DUE");
    }
    if let (Some(pat), Some(_)) = (&pattern, first) {
        let mut rrule = pat.rrule_body();
        match pat.end_type {
            EndType::AfterCount => {
                rrule.push_str(&format!(";COUNT={}", pat.occurrence_count.max(1)))
            }
            EndType::AfterDate => {
                if let Some(end) = pat.end() {
                    rrule.push_str(&format!(";UNTIL={}", fmt_date(end)));
                }
            }
            EndType::Never => {}
        }
        w.raw("RRULE", &[], &rrule);
    }
    if !subject.is_empty() {
        w.text("SUMMARY", &[], &subject);
    }
    if let Some(b) = best_body(p) {
        w.text("DESCRIPTION", &[], &b);
    }
    let complete = p.bool(&pid::LID_TASK_COMPLETE).unwrap_or(false);
    let status_code = p
        .i32(&pid::LID_TASK_STATUS)
        .unwrap_or(if complete { 2 } else { 0 });
    let status = match status_code {
        1 => "IN-PROCESS",
        2 => "COMPLETED",
        _ if complete => "COMPLETED",
        _ => "NEEDS-ACTION",
    };
    w.raw("STATUS", &[], status);
    let percent = p
        .get(&pid::LID_PERCENT_COMPLETE)
        .and_then(|v| v.as_f64())
        .map(|f| (f * 100.0).round().clamp(0.0, 100.0) as u32)
        .or(if status == "COMPLETED" {
            Some(100)
        } else {
            None
        });
    if let Some(pc) = percent {
        w.raw("PERCENT-COMPLETE", &[], &pc.to_string());
    }
    if let Some(c) = p.time(&pid::LID_TASK_DATE_COMPLETED) {
        w.raw("COMPLETED", &[], &fmt_utc(c));
    }
    write_meta(w, msg);
    if p.bool(&pid::LID_REMINDER_SET).unwrap_or(false) {
        if let Some(at) = p.time(&pid::LID_REMINDER_TIME) {
            write_absolute_alarm(w, at, &subject);
        }
    }
    w.end("VTODO");
}

/// The date a task is judged by in a date range: its due date, else when it was last
/// changed.
pub(crate) fn task_date(msg: &Message) -> Option<chrono::DateTime<chrono::Utc>> {
    msg.props.time(&pid::LID_TASK_DUE_DATE).or_else(|| {
        msg.props
            .time(pstkit::messaging::pid::LAST_MODIFICATION_TIME)
    })
}
