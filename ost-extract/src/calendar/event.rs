//! Appointments and meeting messages to VEVENTs ([MS-OXCICAL] 2.1.3.1.1.20): single events,
//! series with RRULE/EXDATE, and modified occurrences as RECURRENCE-ID events whose changes
//! come from the ExceptionInfo and the exception attachment ([MS-OXOCAL] 2.2.10.1.3).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use pstkit::messaging::{pid, Message, NamedProp, PropertyBag};
use pstkit::Warning;

use super::common::{
    best_body, nearest_date, organizer, stable_uid, write_meta, write_people, write_relative_alarm,
    Stamp,
};
use super::ical::{fmt_date, fmt_local, IcsWriter};
use super::recurrence::{self, EndType, ExceptionInfo, RecurrencePattern};
use super::timezone::TimeZone;

/// What kind of iTIP message an event is written for ([MS-OXCICAL] 2.1.3.1.1.3 METHOD).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// A calendar folder export: no METHOD.
    Publish,
    /// A meeting request.
    Request,
    /// A response, with the responder's PARTSTAT.
    Reply(&'static str),
    /// A cancellation.
    Cancel,
}

/// VEVENTs and the time zones they use, gathered before the VCALENDAR is written.
#[derive(Debug, Default)]
pub(crate) struct EventSink {
    pub(crate) events: IcsWriter,
    pub(crate) zones: BTreeMap<String, TimeZone>,
    pub(crate) uids: BTreeSet<String>,
}

impl EventSink {
    /// Registers a zone and returns its TZID.
    fn zone(&mut self, tz: &TimeZone) -> String {
        let id = tz.tzid();
        self.zones.entry(id.clone()).or_insert_with(|| tz.clone());
        id
    }

    /// Writes the VTIMEZONEs and events into `w`.
    pub(crate) fn finish_into(self, w: &mut IcsWriter) {
        for (id, tz) in &self.zones {
            tz.write_vtimezone(id, w);
        }
        w.append(self.events);
    }
}

/// The series' time zone: the TZDEFINITION of PidLidAppointmentTimeZoneDefinitionRecur when
/// it agrees with PidLidTimeZoneStruct (or that is missing), else PidLidTimeZoneStruct named by
/// PidLidTimeZoneDescription ([MS-OXOCAL] 2.2.1.41).
fn recur_zone(msg: &Message, warnings: &mut Vec<Warning>, label: &str) -> Option<TimeZone> {
    let p = &msg.props;
    let def = p
        .binary(&pid::LID_APPOINTMENT_TIME_ZONE_DEFINITION_RECUR)
        .and_then(|b| match TimeZone::from_definition(b) {
            Ok(z) => Some(z),
            Err(e) => {
                warnings.push(msg.note(format!(
                    "{label}: recurrence time zone definition unreadable: {e}"
                )));
                None
            }
        });
    let desc = p.str(&pid::LID_TIME_ZONE_DESCRIPTION);
    let st = p
        .binary(&pid::LID_TIME_ZONE_STRUCT)
        .and_then(|b| TimeZone::from_struct(b, desc).ok());
    match (def, st) {
        (Some(d), Some(s)) => {
            let eff = d
                .rules
                .iter()
                .find(|r| r.flags & 0x0002 != 0)
                .or(d.rules.last())
                .copied();
            let sr = s.rules.first().copied();
            let same = match (eff, sr) {
                (Some(a), Some(b)) => {
                    a.bias == b.bias
                        && a.standard_bias == b.standard_bias
                        && a.daylight_bias == b.daylight_bias
                        && (a.standard_date == b.standard_date || !a.has_dst() && !b.has_dst())
                        && (a.daylight_date == b.daylight_date || !a.has_dst() && !b.has_dst())
                }
                _ => false,
            };
            if same {
                Some(d)
            } else {
                Some(TimeZone {
                    name: s.name.or(d.name),
                    rules: s.rules,
                })
            }
        }
        (Some(d), None) => Some(d),
        (None, s) => s,
    }
}

/// A display time zone (start or end) from its TZDEFINITION.
fn display_zone(p: &PropertyBag, id: &NamedProp) -> Option<TimeZone> {
    p.binary(id).and_then(|b| TimeZone::from_definition(b).ok())
}

/// The text-like parts of one VEVENT.
struct EventText<'a> {
    summary: String,
    location: Option<String>,
    description: Option<String>,
    busy: Option<i32>,
    reminder: Option<i64>,
    people: &'a Message,
}

fn write_text(w: &mut IcsWriter, t: &EventText<'_>, method: Method) {
    if !t.summary.is_empty() {
        w.text("SUMMARY", &[], &t.summary);
    }
    if let Some(l) = t.location.as_deref().filter(|l| !l.is_empty()) {
        w.text("LOCATION", &[], l);
    }
    if let Some(d) = t.description.as_deref().filter(|d| !d.is_empty()) {
        w.text("DESCRIPTION", &[], d);
    }
    if let Some(b) = t.busy {
        w.raw("TRANSP", &[], if b == 0 { "TRANSPARENT" } else { "OPAQUE" });
        let cdo = match b {
            0 => "FREE",
            1 => "TENTATIVE",
            3 => "OOF",
            4 => "WORKINGELSEWHERE",
            _ => "BUSY",
        };
        w.raw("X-MICROSOFT-CDO-BUSYSTATUS", &[], cdo);
    }
    match method {
        Method::Reply(partstat) => {
            if let Some((addr, name)) = organizer(t.people) {
                let params: Vec<(&str, String)> = name.map(|n| ("CN", n)).into_iter().collect();
                w.raw(
                    "ATTENDEE",
                    &[&params[..], &[("PARTSTAT", partstat.to_owned())]].concat(),
                    &addr,
                );
            }
            if let Some(r) = t.people.recipients.first() {
                let addr = super::common::cal_address(
                    r.str(pstkit::messaging::pid::SMTP_ADDRESS),
                    r.str(pstkit::messaging::pid::EMAIL_ADDRESS),
                );
                let params: Vec<(&str, String)> = r
                    .str(pstkit::messaging::pid::DISPLAY_NAME)
                    .map(|n| ("CN", n.to_owned()))
                    .into_iter()
                    .collect();
                w.raw("ORGANIZER", &params, &addr);
            }
        }
        _ => write_people(w, t.people),
    }
    if let Some(m) = t.reminder {
        write_relative_alarm(w, m, &t.summary);
    }
}

/// Writes one appointment (or meeting message) as VEVENTs into `sink`. Returns false (with
/// a warning) when the item has no start time at all.
pub(crate) fn write_event(
    msg: &Message,
    sink: &mut EventSink,
    method: Method,
    warnings: &mut Vec<Warning>,
) -> bool {
    let p = &msg.props;
    let subject = msg.subject().to_owned();
    let label = if subject.is_empty() {
        "(untitled appointment)".to_owned()
    } else {
        format!("appointment \"{subject}\"")
    };
    let mut uid = stable_uid(msg);
    if !sink.uids.insert(uid.clone()) {
        // Two items with one Global Object ID (a copied meeting): keep both, apart.
        let mut n = 2;
        while !sink.uids.insert(format!("{uid}-{n}")) {
            n += 1;
        }
        warnings.push(msg.note(format!(
            "{label}: UID {uid} seen before; written as {uid}-{n}"
        )));
        uid = format!("{uid}-{n}");
    }
    let start_utc = p
        .time(&pid::LID_APPOINTMENT_START_WHOLE)
        .or_else(|| p.time(pid::START_DATE))
        .or_else(|| p.time(&pid::LID_COMMON_START));
    let end_utc = p
        .time(&pid::LID_APPOINTMENT_END_WHOLE)
        .or_else(|| p.time(pid::END_DATE))
        .or_else(|| p.time(&pid::LID_COMMON_END));
    let all_day = p.bool(&pid::LID_APPOINTMENT_SUB_TYPE).unwrap_or(false);
    let reminder = if p.bool(&pid::LID_REMINDER_SET).unwrap_or(false) {
        Some(i64::from(p.i32(&pid::LID_REMINDER_DELTA).unwrap_or(15)))
    } else {
        None
    };
    let text = EventText {
        summary: subject.clone(),
        location: p.str(&pid::LID_LOCATION).map(str::to_owned),
        description: best_body(p),
        busy: p.i32(&pid::LID_BUSY_STATUS),
        reminder,
        people: msg,
    };
    let state = p.i32(&pid::LID_APPOINTMENT_STATE_FLAGS).unwrap_or(0);
    let status = if state & 0x0004 != 0 || method == Method::Cancel {
        Some("CANCELLED")
    } else if state & 0x0001 != 0 || method == Method::Request {
        Some("CONFIRMED")
    } else {
        None
    };
    let sequence = p.i32(&pid::LID_APPOINTMENT_SEQUENCE);

    let blob = p
        .binary(&pid::LID_APPOINTMENT_RECUR)
        .filter(|b| !b.is_empty());
    if let Some(blob) = blob {
        match RecurrencePattern::parse(blob) {
            Ok(pattern) => {
                for w in &pattern.warnings {
                    warnings.push(msg.note(format!("{label}: {w}")));
                }
                let tz = recur_zone(msg, warnings, &label);
                if write_series(
                    msg,
                    &pattern,
                    tz.as_ref(),
                    all_day,
                    &uid,
                    &text,
                    status,
                    sequence,
                    sink,
                    method,
                    warnings,
                ) {
                    return true;
                }
            }
            Err(e) => warnings.push(msg.note(format!(
                "{label}: recurrence pattern unreadable, written as a single event: {e}"
            ))),
        }
    } else if p.bool(&pid::LID_RECURRING).unwrap_or(false) {
        warnings.push(msg.note(format!(
            "{label}: marked recurring but has no recurrence pattern; written as a single event"
        )));
    }

    let Some(start) = start_utc else {
        warnings.push(msg.note(format!("{label}: no start time; skipped")));
        sink.uids.remove(&uid);
        return false;
    };
    let end = end_utc.filter(|e| *e >= start).unwrap_or(start);
    let start_tz = display_zone(p, &pid::LID_APPOINTMENT_TIME_ZONE_DEFINITION_START_DISPLAY)
        .or_else(|| recur_zone(msg, &mut Vec::new(), &label));
    let end_tz = display_zone(p, &pid::LID_APPOINTMENT_TIME_ZONE_DEFINITION_END_DISPLAY)
        .or_else(|| start_tz.clone());
    let w = &mut sink.events;
    let mut zones_used = Vec::new();
    w.begin("VEVENT");
    w.text("UID", &[], &uid);
    if all_day {
        let sd = start_tz.as_ref().map_or_else(
            || nearest_date(start),
            |z| z.utc_to_local(start.naive_utc()).date(),
        );
        let mut ed = end_tz.as_ref().map_or_else(
            || nearest_date(end),
            |z| z.utc_to_local(end.naive_utc()).date(),
        );
        if ed <= sd {
            ed = sd.succ_opt().unwrap_or(sd);
        }
        Stamp::Date(sd).write(w, "DTSTART");
        Stamp::Date(ed).write(w, "DTEND");
    } else {
        for (name, t, tz) in [("DTSTART", start, &start_tz), ("DTEND", end, &end_tz)] {
            match tz {
                Some(z) => {
                    let id = z.tzid();
                    Stamp::Zoned(z.utc_to_local(t.naive_utc()), id).write(w, name);
                    zones_used.push(z.clone());
                }
                None => Stamp::Utc(t.naive_utc()).write(w, name),
            }
        }
    }
    // A meeting message about one occurrence of a series names it ([MS-OXCICAL] 2.1.3.1.1.20.20).
    // Without PidLidExceptionReplaceTime, the instance date in the Global Object ID with the
    // meeting's start time of day stands for the original start.
    if method != Method::Publish {
        if let Some(r) = p.time(&pid::LID_EXCEPTION_REPLACE_TIME) {
            Stamp::Utc(r.naive_utc()).write(w, "RECURRENCE-ID");
        } else if let Some(date) = p
            .binary(&pid::LID_GLOBAL_OBJECT_ID)
            .and_then(goid_instance_date)
        {
            let local_start = start_tz
                .as_ref()
                .map_or(start.naive_utc(), |z| z.utc_to_local(start.naive_utc()));
            let stamp = if all_day {
                Stamp::Date(date)
            } else {
                let t = date.and_time(local_start.time());
                match &start_tz {
                    Some(z) => Stamp::Zoned(t, z.tzid()),
                    None => Stamp::Utc(t),
                }
            };
            stamp.write(w, "RECURRENCE-ID");
        }
    }
    write_status(w, status, sequence, all_day);
    write_meta(w, msg);
    write_text(w, &text, method);
    w.end("VEVENT");
    for z in zones_used {
        sink.zone(&z);
    }
    true
}

fn write_status(w: &mut IcsWriter, status: Option<&str>, sequence: Option<i32>, all_day: bool) {
    if let Some(s) = status {
        w.raw("STATUS", &[], s);
    }
    if let Some(s) = sequence.filter(|s| *s >= 0) {
        w.raw("SEQUENCE", &[], &s.to_string());
    }
    w.raw(
        "X-MICROSOFT-CDO-ALLDAYEVENT",
        &[],
        if all_day { "TRUE" } else { "FALSE" },
    );
}

/// Local series time to the stamp kind of the series.
fn series_stamp(t: NaiveDateTime, all_day: bool, tzid: Option<&str>) -> Stamp {
    if all_day {
        Stamp::Date(t.date())
    } else if let Some(id) = tzid {
        Stamp::Zoned(t, id.to_owned())
    } else {
        Stamp::Floating(t)
    }
}

/// Writes a recurring series: the master VEVENT with RRULE and EXDATEs, then one VEVENT per
/// modified occurrence. Returns false if the pattern yields no occurrence at all.
#[allow(clippy::too_many_arguments)]
fn write_series(
    msg: &Message,
    pattern: &RecurrencePattern,
    tz: Option<&TimeZone>,
    all_day: bool,
    uid: &str,
    text: &EventText<'_>,
    status: Option<&str>,
    sequence: Option<i32>,
    sink: &mut EventSink,
    method: Method,
    warnings: &mut Vec<Warning>,
) -> bool {
    let far = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
    let Some(first) = pattern.pattern_dates(far, 1).first().copied() else {
        warnings.push(msg.note(format!(
            "\"{}\": recurrence pattern has no occurrence; written as a single event",
            text.summary
        )));
        return false;
    };
    let offset = Duration::minutes(i64::from(pattern.start_offset()));
    let mut length = Duration::minutes(pattern.duration_minutes());
    if length < Duration::zero() {
        length = Duration::zero();
    }
    let tzid = tz.map(|z| sink.zone(z));
    if tz.is_none() {
        warnings.push(msg.note(format!("\"{}\": recurring appointment without a time zone; times written as floating local time", text.summary)));
    }
    let tzid = tzid.as_deref();
    let start = first.and_time(NaiveTime::MIN) + offset;
    // iCalendar dates have four-digit years; a damaged offset or date can go past them.
    let last_ok = NaiveDate::from_ymd_opt(9999, 1, 1).unwrap_or(NaiveDate::MAX);
    if start.date() >= last_ok || (start + length).date() >= last_ok {
        warnings.push(msg.note(format!(
            "\"{}\": recurrence times beyond year 9999; written as a single event",
            text.summary
        )));
        return false;
    }
    let w = &mut sink.events;
    w.begin("VEVENT");
    w.text("UID", &[], uid);
    series_stamp(start, all_day, tzid).write(w, "DTSTART");
    if all_day {
        let days = ((length.num_minutes() + 720) / 1440).max(1);
        Stamp::Date(first + Duration::days(days)).write(w, "DTEND");
    } else {
        series_stamp(start + length, false, tzid).write(w, "DTEND");
    }
    let mut rrule = pattern.rrule_body();
    match pattern.end_type {
        EndType::AfterCount => {
            rrule.push_str(&format!(";COUNT={}", pattern.occurrence_count.max(1)))
        }
        EndType::AfterDate => {
            if let Some(end) = pattern.end() {
                let until = if all_day {
                    fmt_date(end)
                } else {
                    let last = end
                        .and_hms_opt(23, 59, 59)
                        .unwrap_or(end.and_time(NaiveTime::MIN));
                    match tz {
                        Some(z) => format!("{}Z", fmt_local(z.local_to_utc(last))),
                        None => fmt_local(last),
                    }
                };
                rrule.push_str(&format!(";UNTIL={until}"));
            }
        }
        EndType::Never => {}
    }
    w.raw("RRULE", &[], &rrule);
    for d in pattern.deleted_dates() {
        series_stamp(d.and_time(NaiveTime::MIN) + offset, all_day, tzid).write(w, "EXDATE");
    }
    write_status(w, status, sequence, all_day);
    write_meta(w, msg);
    write_text(w, text, method);
    w.end("VEVENT");

    let exceptions: &[ExceptionInfo] = pattern.appointment.as_ref().map_or(&[], |a| &a.exceptions);
    for e in exceptions {
        let in_range = |t: &NaiveDateTime| t.date() < last_ok;
        let (Some(orig), Some(ex_start), Some(ex_end)) = (
            e.original_time().filter(in_range),
            e.start_time().filter(in_range),
            e.end_time().filter(in_range),
        ) else {
            warnings.push(msg.note(format!(
                "\"{}\": exception with an impossible date skipped",
                text.summary
            )));
            continue;
        };
        let att = exception_message(msg, orig, ex_start, tz);
        let ap = att.map(|m| &m.props);
        let ex_all_day = e
            .subtype
            .or_else(|| ap.and_then(|p| p.bool(&pid::LID_APPOINTMENT_SUB_TYPE)))
            .unwrap_or(all_day);
        let summary = e
            .subject
            .clone()
            .or_else(|| {
                att.map(|m| m.subject().to_owned())
                    .filter(|s| !s.is_empty())
            })
            .unwrap_or_else(|| text.summary.clone());
        let location = e
            .location
            .clone()
            .or_else(|| {
                ap.and_then(|p| p.str(&pid::LID_LOCATION))
                    .map(str::to_owned)
            })
            .or_else(|| text.location.clone());
        let description = ap.and_then(best_body).or_else(|| text.description.clone());
        let busy = e
            .busy_status
            .and_then(|b| i32::try_from(b).ok())
            .or_else(|| ap.and_then(|p| p.i32(&pid::LID_BUSY_STATUS)))
            .or(text.busy);
        let reminder_on = e.reminder_set.unwrap_or(text.reminder.is_some());
        let reminder = if reminder_on {
            Some(
                e.reminder_delta
                    .map(i64::from)
                    .or(text.reminder)
                    .unwrap_or(15),
            )
        } else {
            None
        };
        let people = att.filter(|m| !m.recipients.is_empty()).unwrap_or(msg);
        let ex_text = EventText {
            summary,
            location,
            description,
            busy,
            reminder,
            people,
        };
        let w = &mut sink.events;
        w.begin("VEVENT");
        w.text("UID", &[], uid);
        series_stamp(orig, all_day, tzid).write(w, "RECURRENCE-ID");
        if ex_all_day {
            let sd = ex_start.date();
            let mut ed = ex_end.date();
            if ed <= sd {
                ed = sd.succ_opt().unwrap_or(sd);
            }
            Stamp::Date(sd).write(w, "DTSTART");
            Stamp::Date(ed).write(w, "DTEND");
        } else {
            series_stamp(ex_start, false, tzid).write(w, "DTSTART");
            series_stamp(ex_end.max(ex_start), false, tzid).write(w, "DTEND");
        }
        write_status(w, status, sequence, ex_all_day);
        write_meta(w, att.unwrap_or(msg));
        write_text(w, &ex_text, method);
        w.end("VEVENT");
    }
    true
}

/// The embedded message of the exception attachment for the occurrence originally at
/// `orig` (local): matched on PidLidExceptionReplaceTime, else on its new start.
fn exception_message<'a>(
    msg: &'a Message,
    orig: NaiveDateTime,
    start: NaiveDateTime,
    tz: Option<&TimeZone>,
) -> Option<&'a Message> {
    let to_utc = |t: NaiveDateTime| tz.map_or(t, |z| z.local_to_utc(t));
    let near = |a: DateTime<Utc>, b: NaiveDateTime| {
        let diff = (a.naive_utc() - b).num_minutes().abs();
        // Without a zone the UTC and local times differ by the unknown offset.
        if tz.is_some() {
            diff < 1
        } else {
            diff <= 14 * 60
        }
    };
    let embedded = msg
        .attachments
        .iter()
        .filter_map(|a| a.embedded.as_deref().map(|m| (a, m)));
    let mut by_start = None;
    for (att, m) in embedded {
        let replace = m
            .props
            .time(&pid::LID_EXCEPTION_REPLACE_TIME)
            .or_else(|| att.props.time(pid::EXCEPTION_REPLACE_TIME));
        if let Some(r) = replace {
            if near(r, to_utc(orig)) {
                return Some(m);
            }
            continue;
        }
        if let Some(s) = m.props.time(&pid::LID_APPOINTMENT_START_WHOLE) {
            if near(s, to_utc(start)) && by_start.is_none() {
                by_start = Some(m);
            }
        }
    }
    by_start
}

/// The instance date of a Global Object ID (bytes 16-19: year high, year low, month, day;
/// all zero for a whole series) ([MS-OXOCAL] 2.2.1.27).
fn goid_instance_date(g: &[u8]) -> Option<NaiveDate> {
    let b = g.get(16..20)?;
    let year = i32::from(u16::from_be_bytes([b[0], b[1]]));
    NaiveDate::from_ymd_opt(year, u32::from(b[2]), u32::from(b[3])).filter(|_| year != 0)
}

/// Whether the appointment takes place in `[from, to)` (either end open when `None`): a single
/// event when its span overlaps the range, a series when any occurrence does (modified
/// occurrences where they were moved to, deleted ones not at all). `None` when the item has
/// no start time to judge by.
///
/// Occurrences are local times of the series' zone; they are placed in UTC with the offset
/// between the series' first occurrence and its stored UTC start, which can be an hour off
/// across a daylight-saving change.
pub(crate) fn takes_place(
    msg: &Message,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Option<bool> {
    let p = &msg.props;
    let start = p
        .time(&pid::LID_APPOINTMENT_START_WHOLE)
        .or_else(|| p.time(pid::START_DATE))
        .or_else(|| p.time(&pid::LID_COMMON_START));
    let end = p
        .time(&pid::LID_APPOINTMENT_END_WHOLE)
        .or_else(|| p.time(pid::END_DATE))
        .or_else(|| p.time(&pid::LID_COMMON_END));
    let overlaps = |s: DateTime<Utc>, e: DateTime<Utc>| {
        to.map_or(true, |t| s < t) && from.map_or(true, |f| e > f || s >= f)
    };
    let pattern = p
        .binary(&pid::LID_APPOINTMENT_RECUR)
        .filter(|b| !b.is_empty())
        .and_then(|b| RecurrencePattern::parse(b).ok());
    let Some(pattern) = pattern else {
        let start = start?;
        return Some(overlaps(
            start,
            end.filter(|e| *e >= start).unwrap_or(start),
        ));
    };
    // The first occurrence's local start against its UTC start gives the zone's offset.
    let first_local = pattern
        .start()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| t.checked_add_signed(Duration::minutes(i64::from(pattern.start_offset()))));
    let offset = match (start, first_local) {
        (Some(s), Some(l)) => s.naive_utc() - l,
        _ => Duration::zero(),
    };
    // Occurrences up to the range's end (a day more for the zone), or to the series' end.
    let horizon = match (to, pattern.end_type) {
        (Some(t), _) => t.date_naive().succ_opt()?.succ_opt()?,
        (None, EndType::Never) => return Some(true),
        (None, _) => recurrence::minutes_to_datetime(pattern.end_date)?
            .date()
            .succ_opt()?,
    };
    let utc = |t: NaiveDateTime| t.checked_sub_signed(offset).map(|t| t.and_utc());
    Some(
        pattern
            .occurrences(horizon, 100_000)
            .iter()
            .any(|o| match (utc(o.start), utc(o.end)) {
                (Some(s), Some(e)) => overlaps(s, e.max(s)),
                _ => false,
            }),
    )
}
