//! The fixture writer's appointments (`pst_fixtures::calendar::catalogue`), written into
//! PST/OST files, read back with `pstkit::Store` and converted to iCalendar, expand in
//! Python's `recurring_ical_events` (tests/check_ics.py) to exactly the occurrences the
//! writer meant, up to 2040: dates, local times, deletions, and the moved occurrences'
//! times and subjects. The stored blob, exception attachments and time zone properties are
//! checked against the description as well.
//!
//! Without the Python modules the expansion check prints a note and passes, unless
//! REQUIRE_PYTHON_CHECKERS=1, where it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use ost_extract::calendar::recurrence::{datetime_to_minutes, EndType, RecurrencePattern};
use ost_extract::calendar::{calendar_to_ics, TimeZone};
use pst_fixtures::calendar::{self as cal, Appointment, When};
use pstkit::messaging::{pid, Message, NamedProp};
use pstkit::ndb::CryptMethod;
use pstkit::{Client, Layout};

fn python_ok() -> bool {
    Command::new("python3")
        .args(["-c", "import icalendar, recurring_ical_events"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Builds a file of `layout` and returns its appointments.
fn appointments(dir: &Path, layout: Layout, client: Client) -> Vec<Message> {
    let path = dir.join(format!("{layout:?}-{client:?}.pst"));
    let opts = pst_fixtures::BuildOptions::new(layout, client, CryptMethod::Permute);
    pst_fixtures::build_file(&path, &opts).unwrap();
    let store = pstkit::Store::open(&path).unwrap();
    let mut out = Vec::new();
    store.for_each_message(&mut |_, _, msg| {
        let msg = msg.unwrap();
        if ost_extract::calendar::is_appointment(msg.class()) {
            out.push(msg);
        }
    });
    out
}

fn find<'a>(msgs: &'a [Message], subject: &str) -> &'a Message {
    let found: Vec<&Message> = msgs.iter().filter(|m| m.subject() == subject).collect();
    assert_eq!(found.len(), 1, "{subject}");
    found[0]
}

/// Minutes since 1601 of a UTC `PtypTime`.
fn utc_minutes(m: &Message, name: &NamedProp) -> i64 {
    let t = m.props.time(name).unwrap();
    i64::from(datetime_to_minutes(t.naive_utc()).unwrap())
}

/// The blob, attachments and time zone properties agree with the description.
fn check_stored(a: &Appointment, m: &Message, codepage: u32) {
    let tz = &a.tz;
    let (start, end) = match &a.when {
        When::Single { start, end } => (*start, *end),
        When::AllDay { first, days } => (first * 1440, (first + days) * 1440),
        When::Recurring(r, _) => (
            r.start * 1440 + i64::from(r.start_offset),
            r.start * 1440 + i64::from(r.end_offset),
        ),
    };
    // PidLidAppointmentStartWhole / EndWhole are UTC.
    assert_eq!(
        utc_minutes(m, &pid::LID_APPOINTMENT_START_WHOLE),
        tz.to_utc(start),
        "{}",
        a.subject
    );
    assert_eq!(
        utc_minutes(m, &pid::LID_APPOINTMENT_END_WHOLE),
        tz.to_utc(end),
        "{}",
        a.subject
    );
    let When::Recurring(r, _) = &a.when else {
        assert!(m.props.binary(&pid::LID_APPOINTMENT_RECUR).is_none());
        return;
    };
    let blob = m.props.binary(&pid::LID_APPOINTMENT_RECUR).unwrap();
    // The file holds exactly the writer's blob (8-bit strings in the file's code page).
    assert_eq!(blob, &r.blob(codepage)[..], "{}", a.subject);
    let p = RecurrencePattern::parse(blob).unwrap();
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(p.first_date_time, r.first_date_time(), "{}", a.subject);
    assert_eq!(i64::from(p.start_date), r.start * 1440);
    let dates = r.dates(cal::day_number(4501, 1, 1));
    match r.end {
        cal::End::Never => {
            assert_eq!(p.end_type, EndType::Never);
            assert_eq!(p.end_date, cal::NO_END_DATE);
        }
        cal::End::Count(n) => {
            assert_eq!(p.end_type, EndType::AfterCount);
            assert_eq!(p.occurrence_count, n);
            assert_eq!(i64::from(p.end_date), dates.last().unwrap() * 1440);
        }
        cal::End::Date(_) => {
            assert_eq!(p.end_type, EndType::AfterDate);
            assert_eq!(p.occurrence_count as usize, dates.len());
            assert_eq!(i64::from(p.end_date), dates.last().unwrap() * 1440);
        }
    }
    // Deleted dates: deleted and modified originals; modified dates: new days; both sorted.
    let mut deleted: Vec<u32> = r
        .deleted
        .iter()
        .chain(r.modified.iter().map(|x| &x.original))
        .map(|d| (d * 1440) as u32)
        .collect();
    deleted.sort();
    assert_eq!(p.deleted_instance_dates, deleted, "{}", a.subject);
    let mut modified: Vec<u32> = r
        .modified
        .iter()
        .map(|x| (x.start.div_euclid(1440) * 1440) as u32)
        .collect();
    modified.sort();
    assert_eq!(p.modified_instance_dates, modified, "{}", a.subject);
    // One ExceptionInfo and one hidden exception attachment per modification.
    let ap = p.appointment.as_ref().unwrap();
    assert_eq!(ap.exceptions.len(), r.modified.len());
    assert_eq!(m.attachments.len(), r.modified.len());
    for md in &r.modified {
        let orig = md.original * 1440 + i64::from(r.start_offset);
        let e = ap
            .exceptions
            .iter()
            .find(|e| i64::from(e.original_start) == orig)
            .unwrap();
        assert_eq!((i64::from(e.start), i64::from(e.end)), (md.start, md.end));
        assert_eq!(e.subject, md.subject, "{}", a.subject);
        assert_eq!(e.location, md.location, "{}", a.subject);
        let mut flags = 0;
        if md.subject.is_some() {
            flags |= 0x0001;
        }
        if md.location.is_some() {
            flags |= 0x0010;
        }
        if md.body.is_some() {
            flags |= 0x0200;
        }
        assert_eq!(e.override_flags, flags);
        let att = m
            .attachments
            .iter()
            .find(|at| {
                at.props
                    .time(pid::EXCEPTION_REPLACE_TIME)
                    .map(|t| t.naive_utc())
                    == cal_time(tz.to_utc(orig))
            })
            .expect("exception attachment by PidTagExceptionReplaceTime");
        assert_eq!(att.props.i32(pid::ATTACH_METHOD), Some(5));
        assert_eq!(att.props.bool(pid::ATTACHMENT_HIDDEN), Some(true));
        assert_eq!(att.props.i32(pid::ATTACHMENT_FLAGS), Some(2));
        assert_eq!(
            att.props
                .time(pid::EXCEPTION_START_TIME)
                .map(|t| t.naive_utc()),
            cal_time(md.start)
        );
        assert_eq!(
            att.props
                .time(pid::EXCEPTION_END_TIME)
                .map(|t| t.naive_utc()),
            cal_time(md.end)
        );
        let em = att.embedded.as_deref().unwrap();
        assert_eq!(em.class(), cal::EXCEPTION_CLASS);
        assert_eq!(
            utc_minutes(em, &pid::LID_EXCEPTION_REPLACE_TIME),
            tz.to_utc(orig)
        );
        assert_eq!(
            utc_minutes(em, &pid::LID_APPOINTMENT_START_WHOLE),
            tz.to_utc(md.start)
        );
        assert_eq!(
            utc_minutes(em, &pid::LID_APPOINTMENT_END_WHOLE),
            tz.to_utc(md.end)
        );
        assert_eq!(em.subject(), md.subject.as_deref().unwrap_or(a.subject));
        assert_eq!(
            em.props.str(&pid::LID_LOCATION),
            Some(md.location.as_deref().unwrap_or(a.location))
        );
        assert_eq!(
            em.props.str(pid::BODY),
            Some(md.body.as_deref().unwrap_or(&a.body))
        );
    }
    // The zone in its three forms agrees, and names the registry key.
    let def = TimeZone::from_definition(
        m.props
            .binary(&pid::LID_APPOINTMENT_TIME_ZONE_DEFINITION_RECUR)
            .unwrap(),
    )
    .unwrap();
    let desc = m.props.str(&pid::LID_TIME_ZONE_DESCRIPTION);
    assert_eq!(desc, Some(tz.display));
    let st =
        TimeZone::from_struct(m.props.binary(&pid::LID_TIME_ZONE_STRUCT).unwrap(), desc).unwrap();
    assert_eq!(def.name.as_deref(), Some(tz.key));
    assert_eq!(def.rules.len(), tz.rules.len());
    let (cur, st_rule) = (def.rules.last().unwrap(), st.rules[0]);
    assert_eq!(
        (
            cur.bias,
            cur.daylight_bias,
            cur.standard_date,
            cur.daylight_date
        ),
        (
            st_rule.bias,
            st_rule.daylight_bias,
            st_rule.standard_date,
            st_rule.daylight_date
        )
    );
    for name in [
        &pid::LID_APPOINTMENT_TIME_ZONE_DEFINITION_START_DISPLAY,
        &pid::LID_APPOINTMENT_TIME_ZONE_DEFINITION_END_DISPLAY,
    ] {
        let d = TimeZone::from_definition(m.props.binary(name).unwrap()).unwrap();
        // The same rules; only the series' own definition flags its rule as the recurring one.
        let unflag = |z: &TimeZone| {
            z.rules
                .iter()
                .map(|r| {
                    (
                        r.year,
                        r.flags & !1,
                        r.bias,
                        r.standard_date,
                        r.daylight_date,
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(unflag(&d), unflag(&def));
        assert_eq!(d.rules.last().unwrap().flags, 0x0002);
        assert_eq!(def.rules.last().unwrap().flags, 0x0003);
    }
}

fn cal_time(min: i64) -> Option<chrono::NaiveDateTime> {
    ost_extract::calendar::recurrence::minutes_to_datetime(u32::try_from(min).ok()?)
}

/// Runs check_ics.py --occurrences over `files`.
fn expand(files: &[PathBuf]) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("check_ics.py");
    let out = Command::new("python3")
        .arg(script)
        .arg("--occurrences")
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "check_ics.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn check_layout(layout: Layout, client: Client, ansi: bool, python: bool) {
    let dir = tempfile::tempdir().unwrap();
    let msgs = appointments(dir.path(), layout, client);
    let catalogue = cal::catalogue(ansi);
    assert_eq!(msgs.len(), catalogue.len());
    let limit = cal::day_number(2040, 1, 1);
    let mut files = Vec::new();
    let mut expected = Vec::new();
    let mut warnings = Vec::new();
    for (i, a) in catalogue.iter().enumerate() {
        let m = find(&msgs, a.subject);
        check_stored(a, m, if ansi { 1251 } else { 65001 });
        let ics = calendar_to_ics(std::slice::from_ref(m), &mut warnings);
        let path = dir.path().join(format!("appt{i}.ics"));
        std::fs::write(&path, &ics).unwrap();
        files.push(path);
        expected.push(a.intended(limit));
    }
    assert!(warnings.is_empty(), "{warnings:?}");
    // The whole folder in one calendar, too.
    let all = dir.path().join("all.ics");
    let ics = calendar_to_ics(&msgs, &mut warnings);
    if let Ok(keep) = std::env::var("ICS_KEEP_DIR") {
        std::fs::write(Path::new(&keep).join(format!("{layout:?}.ics")), &ics).unwrap();
    }
    // Exceptions' own locations and bodies reach their RECURRENCE-ID events.
    for a in &catalogue {
        if let When::Recurring(r, _) = &a.when {
            for md in &r.modified {
                if let Some(l) = &md.location {
                    assert!(ics.contains(&format!("\r\nLOCATION:{l}\r\n")), "{l}");
                }
                if let Some(b) = &md.body {
                    let b = b.trim_end().replace("\r\n", "\\n");
                    assert!(ics.contains(&format!("\r\nDESCRIPTION:{b}\r\n")), "{b}");
                }
            }
        }
    }
    // (The New York all-day event needs no zone: it is written as dates.)
    for tzid in ["Europe/Berlin", "America/Los_Angeles"] {
        assert!(ics.contains(&format!("\r\nTZID:{tzid}\r\n")), "{tzid}");
    }
    std::fs::write(&all, ics).unwrap();
    files.push(all);
    if !python {
        return;
    }
    let result = expand(&files);
    let mut total = 0;
    for ((a, path), want) in catalogue.iter().zip(&files).zip(&expected) {
        let got: Vec<(String, String, String)> = result[path.to_str().unwrap()]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["start"].as_str().unwrap().to_owned(),
                    o["end"].as_str().unwrap().to_owned(),
                    o["summary"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let want: Vec<(String, String, String)> = want
            .iter()
            .map(|o| (o.start.clone(), o.end.clone(), o.summary.clone()))
            .collect();
        assert!(!want.is_empty());
        assert_eq!(got, want, "{} ({layout:?})", a.subject);
        total += want.len();
    }
    let all = result[files.last().unwrap().to_str().unwrap()]
        .as_array()
        .unwrap();
    assert_eq!(all.len(), total);
    // The never-ending monthly series runs to the end of the window (2024-04 .. 2039-12,
    // less one deleted occurrence).
    assert!(total > 190, "{total}");
}

#[test]
fn writer_appointments_expand_to_the_intended_occurrences() {
    let python = python_ok();
    if !python {
        if std::env::var("REQUIRE_PYTHON_CHECKERS").as_deref() == Ok("1") {
            panic!("REQUIRE_PYTHON_CHECKERS=1 but python3 with icalendar and recurring_ical_events is not available");
        }
        eprintln!("note: python3 with icalendar and recurring_ical_events not found; expansion not checked");
    }
    check_layout(Layout::Unicode, Client::Pst, false, python);
    check_layout(Layout::Ansi, Client::Pst, true, python);
    check_layout(Layout::Unicode4k, Client::Ost, false, python);
}
