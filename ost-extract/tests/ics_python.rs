//! Hand-built appointments and tasks of every recurrence kind go through the ICS writer;
//! Python's `icalendar` must parse each file and `recurring_ical_events` must expand each
//! series to exactly the occurrences of the stored pattern (tests/check_ics.py).
//!
//! Without the Python modules the test prints a note and passes, unless
//! REQUIRE_PYTHON_CHECKERS=1, where it fails.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{NaiveDate, NaiveDateTime};
use ost_extract::calendar::recurrence::{
    build, datetime_to_minutes, AppointmentPart, EndType, ExceptionInfo, Frequency, PatternKind,
    RecurrencePattern,
};
use ost_extract::calendar::{calendar_to_ics, tasks_to_ics, TimeZone};
use pstkit::ltp::prop::{FileTime, PropValue};
use pstkit::messaging::{pid, Attachment, Message, NamedProp, PropId, PropertyBag};

fn s(v: &str) -> PropValue<'static> {
    PropValue::String(Cow::Owned(v.to_owned()))
}
fn bin(v: Vec<u8>) -> PropValue<'static> {
    PropValue::Binary(Cow::Owned(v))
}
fn time(t: NaiveDateTime) -> PropValue<'static> {
    PropValue::Time(FileTime::from_utc(t.and_utc()))
}
fn dt(y: i32, m: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, mi, 0)
        .unwrap()
}
fn mins(t: NaiveDateTime) -> u32 {
    datetime_to_minutes(t).unwrap()
}

/// A message being built.
struct Item(Message);

impl Item {
    fn new(class: &str, subject: &str) -> Self {
        let mut props = PropertyBag::new();
        props.insert(pid::MESSAGE_CLASS, s(class));
        props.insert(pid::SUBJECT, s(subject));
        props.insert(pid::CREATION_TIME, time(dt(2020, 1, 2, 3, 4)));
        props.insert(pid::LAST_MODIFICATION_TIME, time(dt(2020, 1, 3, 3, 4)));
        Item(Message {
            props,
            ..Message::default()
        })
    }
    fn named(mut self, name: &NamedProp, v: PropValue<'static>) -> Self {
        self.0.props.insert_named(name, v);
        self
    }
    fn tag(mut self, id: PropId, v: PropValue<'static>) -> Self {
        self.0.props.insert(id, v);
        self
    }
    fn goid(self, n: u8) -> Self {
        let mut g = vec![
            0x04, 0x00, 0x00, 0x00, 0x82, 0x00, 0xE0, 0x00, 0x74, 0xC5, 0xB7, 0x10, 0x1A, 0x82,
            0xE0, 0x08,
        ];
        g.extend_from_slice(&[0; 20]);
        g.extend_from_slice(&16u32.to_le_bytes());
        g.extend_from_slice(&[n; 16]);
        self.named(&pid::LID_GLOBAL_OBJECT_ID, bin(g))
    }
}

/// A TZDEFINITION ([MS-OXOCAL] 2.2.1.41) with one rule.
fn tzdef(key: &str, bias: i32, dst: Option<([u16; 8], [u16; 8])>) -> Vec<u8> {
    let key: Vec<u16> = key.encode_utf16().collect();
    let mut b = vec![0x02, 0x01];
    b.extend_from_slice(&((6 + key.len() * 2) as u16).to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&(key.len() as u16).to_le_bytes());
    key.iter()
        .for_each(|u| b.extend_from_slice(&u.to_le_bytes()));
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&[0x02, 0x01, 0x3E, 0x00, 0x02, 0x00]);
    b.extend_from_slice(&1601u16.to_le_bytes());
    b.extend_from_slice(&[0; 14]);
    b.extend_from_slice(&bias.to_le_bytes());
    b.extend_from_slice(&0i32.to_le_bytes());
    b.extend_from_slice(&(if dst.is_some() { -60i32 } else { 0 }).to_le_bytes());
    let (st, dl) = dst.unwrap_or(([0; 8], [0; 8]));
    st.iter()
        .chain(dl.iter())
        .for_each(|v| b.extend_from_slice(&v.to_le_bytes()));
    b
}

fn berlin() -> Vec<u8> {
    tzdef(
        "W. Europe Standard Time",
        -60,
        Some(([0, 10, 0, 5, 3, 0, 0, 0], [0, 3, 0, 5, 2, 0, 0, 0])),
    )
}
fn new_york() -> Vec<u8> {
    tzdef(
        "Eastern Standard Time",
        300,
        Some(([0, 11, 0, 1, 2, 0, 0, 0], [0, 3, 0, 2, 2, 0, 0, 0])),
    )
}
fn tokyo() -> Vec<u8> {
    tzdef("Tokyo Standard Time", -540, None)
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// [MS-OXOCAL] 4.1.1.2 and 4.1.1.3 recurrence blobs.
const OXOCAL_WEEKLY: &str = "043004300B2001000000C0210000010000000000000032000000222000000C0000000000000001000000A096BC0C01000000A096BC0C8020BC0C20ADBC0C0630000009300000580200007602000001003499BC0C5299BC0CF898BC0C11002200210053696D706C6520526563757272656E6365207769746820657863657074696F6E730800070033342F34313431000000000400000000000000000000003499BC0C5299BC0CF898BC0C2100530069006D0070006C006500200052006500630075007200720065006E006300650020007700690074006800200065007800630065007000740069006F006E0073000700330034002F0034003100340031000000000000000000";
const OXOCAL_DAILY: &str = "043004300A2000000000A0050000E010000000000000212000000A0000000000000002000000A0C1DC0C80D2DC0C00000000207EDC0C0016DD0C0630000009300000E0010000FE01000000000000000000000000";

fn pattern(
    freq: Frequency,
    kind: PatternKind,
    period: u32,
    start: NaiveDate,
    end: EndType,
) -> RecurrencePattern {
    RecurrencePattern {
        frequency: freq,
        kind,
        calendar_type: 0,
        first_date_time: 0,
        period,
        sliding: false,
        end_type: end,
        occurrence_count: 0,
        first_dow: 0,
        deleted_instance_dates: vec![],
        modified_instance_dates: vec![],
        start_date: mins(start.and_hms_opt(0, 0, 0).unwrap()),
        end_date: 0x5AE9_80DF,
        appointment: Some(AppointmentPart {
            reader_version2: 0x3006,
            writer_version2: 0x3009,
            start_time_offset: 9 * 60,
            end_time_offset: 10 * 60,
            exceptions: vec![],
        }),
        warnings: vec![],
    }
}

/// Sets the count or end date of `p` so that the pattern's own dates agree with it.
fn ends(
    mut p: RecurrencePattern,
    count: Option<u32>,
    until: Option<NaiveDate>,
) -> RecurrencePattern {
    if let Some(c) = count {
        p.end_type = EndType::AfterCount;
        p.occurrence_count = c;
        let last = *p
            .pattern_dates(NaiveDate::from_ymd_opt(9999, 1, 1).unwrap(), c as usize)
            .last()
            .unwrap();
        p.end_date = mins(last.and_hms_opt(0, 0, 0).unwrap());
    }
    if let Some(u) = until {
        p.end_type = EndType::AfterDate;
        let dates = p.pattern_dates(u, 100_000);
        p.occurrence_count = dates.len() as u32;
        p.end_date = mins(dates.last().unwrap().and_hms_opt(0, 0, 0).unwrap());
    }
    p
}

/// Deletes the `n`-th occurrence and moves the `m`-th by `shift` minutes with a new subject.
fn with_changes(
    mut p: RecurrencePattern,
    delete: &[usize],
    modify: &[(usize, i64, &str)],
) -> RecurrencePattern {
    let dates = p.pattern_dates(NaiveDate::from_ymd_opt(2039, 12, 31).unwrap(), 1000);
    let a = p.appointment.clone().unwrap();
    let mut exceptions = Vec::new();
    for &i in delete {
        p.deleted_instance_dates
            .push(mins(dates[i].and_hms_opt(0, 0, 0).unwrap()));
    }
    for &(i, shift, subject) in modify {
        let orig = dates[i].and_hms_opt(0, 0, 0).unwrap()
            + chrono::Duration::minutes(i64::from(a.start_time_offset));
        let start = orig + chrono::Duration::minutes(shift);
        let end =
            start + chrono::Duration::minutes(i64::from(a.end_time_offset - a.start_time_offset));
        p.deleted_instance_dates
            .push(mins(dates[i].and_hms_opt(0, 0, 0).unwrap()));
        p.modified_instance_dates
            .push(mins(start.date().and_hms_opt(0, 0, 0).unwrap()));
        exceptions.push(ExceptionInfo {
            start: mins(start),
            end: mins(end),
            original_start: mins(orig),
            override_flags: ExceptionInfo::ARO_SUBJECT,
            subject: Some(subject.to_owned()),
            ..ExceptionInfo::default()
        });
    }
    p.deleted_instance_dates.sort();
    p.appointment = Some(AppointmentPart { exceptions, ..a });
    p
}

/// An appointment carrying `blob` as its recurrence, in time zone `tz` (or none).
fn series(n: u8, subject: &str, blob: Vec<u8>, tz: Option<Vec<u8>>, all_day: bool) -> Message {
    let p = RecurrencePattern::parse(&blob).unwrap();
    let first = p.occurrences(NaiveDate::from_ymd_opt(9999, 1, 1).unwrap(), 1)[0].clone();
    let mut item = Item::new("IPM.Appointment", subject)
        .goid(n)
        .named(&pid::LID_APPOINTMENT_RECUR, bin(blob))
        .named(&pid::LID_RECURRING, PropValue::Boolean(true))
        .named(&pid::LID_APPOINTMENT_SUB_TYPE, PropValue::Boolean(all_day))
        .named(&pid::LID_BUSY_STATUS, PropValue::Integer32(2))
        .named(&pid::LID_APPOINTMENT_START_WHOLE, time(first.start))
        .named(&pid::LID_APPOINTMENT_END_WHOLE, time(first.end));
    if let Some(tz) = tz {
        item = item.named(&pid::LID_APPOINTMENT_TIME_ZONE_DEFINITION_RECUR, bin(tz));
    }
    item.0
}

struct Case {
    name: &'static str,
    msg: Message,
    /// The pattern's own expansion (local start times) to compare with, for series.
    expect: Option<Vec<String>>,
}

fn expected(p: &RecurrencePattern, all_day: bool) -> Vec<String> {
    p.occurrences(NaiveDate::from_ymd_opt(2039, 12, 31).unwrap(), 100_000)
        .into_iter()
        .filter(|o| o.start.date() >= NaiveDate::from_ymd_opt(1990, 1, 1).unwrap())
        .map(|o| {
            if all_day {
                o.start.date().to_string()
            } else {
                o.start.format("%Y-%m-%dT%H:%M:%S").to_string()
            }
        })
        .collect()
}

fn series_case(
    name: &'static str,
    n: u8,
    p: RecurrencePattern,
    tz: Option<Vec<u8>>,
    all_day: bool,
) -> Case {
    let blob = build::to_blob(&p);
    let p = RecurrencePattern::parse(&blob).unwrap();
    let expect = Some(expected(&p, all_day));
    Case {
        name,
        msg: series(n, name, blob, tz, all_day),
        expect,
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn cases() -> Vec<Case> {
    use Frequency::*;
    use PatternKind::*;
    let mut out = Vec::new();

    // The spec's two examples, in Berlin time; the modified occurrence has its attachment.
    let weekly = hex(OXOCAL_WEEKLY);
    let p = RecurrencePattern::parse(&weekly).unwrap();
    let mut msg = series(1, "Simple Recurrence", weekly, Some(berlin()), false);
    let mut ex = Item::new(
        "IPM.OLE.CLASS.{00061055-0000-0000-C000-000000000046}",
        "Simple Recurrence with exceptions",
    )
    .named(
        &pid::LID_EXCEPTION_REPLACE_TIME,
        time(dt(2007, 4, 16, 8, 0)),
    )
    .named(&pid::LID_LOCATION, s("34/4141"))
    .tag(pid::BODY, s("Moved to eleven."));
    ex.0.recipients.clear();
    let mut att = Attachment::default();
    att.props
        .insert(pid::ATTACH_METHOD, PropValue::Integer32(5));
    att.embedded = Some(Box::new(ex.0));
    msg.attachments.push(att);
    out.push(Case {
        name: "oxocal_weekly",
        msg,
        expect: Some(expected(&p, false)),
    });
    let daily = hex(OXOCAL_DAILY);
    let p = RecurrencePattern::parse(&daily).unwrap();
    out.push(Case {
        name: "oxocal_daily",
        msg: series(2, "Every three days", daily, Some(berlin()), false),
        expect: Some(expected(&p, false)),
    });

    let p = pattern(Daily, Day, 1440, d(2021, 3, 1), EndType::Never);
    let p = with_changes(
        ends(p, None, Some(d(2021, 4, 30))),
        &[3, 27],
        &[(10, 90, "later"), (20, -1440, "a day early")],
    );
    out.push(series_case(
        "daily_until_dst_new_york",
        3,
        p,
        Some(new_york()),
        false,
    ));

    let p = pattern(Daily, Week { days: 0x3E }, 1, d(2022, 1, 3), EndType::Never);
    out.push(series_case(
        "every_weekday_count",
        4,
        ends(p, Some(30), None),
        Some(berlin()),
        false,
    ));

    let mut p = pattern(
        Weekly,
        Week {
            days: (1 << 2) | (1 << 4) | 1,
        },
        2,
        d(2023, 5, 2),
        EndType::Never,
    );
    p.first_dow = 1;
    out.push(series_case(
        "biweekly_never_wkst_monday",
        5,
        p,
        Some(berlin()),
        false,
    ));

    let p = pattern(
        Monthly,
        Month { day: 31 },
        1,
        d(2021, 1, 31),
        EndType::Never,
    );
    out.push(series_case(
        "monthly_31st_count",
        6,
        ends(p, Some(24), None),
        Some(tokyo()),
        false,
    ));

    let p = pattern(
        Monthly,
        Month { day: 30 },
        3,
        d(2020, 1, 30),
        EndType::Never,
    );
    out.push(series_case(
        "quarterly_30th_until",
        7,
        ends(p, None, Some(d(2026, 12, 31))),
        None,
        false,
    ));

    let p = pattern(
        Monthly,
        MonthNth {
            days: 1 << 5,
            nth: 5,
        },
        2,
        d(2021, 1, 29),
        EndType::Never,
    );
    let p = with_changes(
        ends(p, None, Some(d(2025, 12, 31))),
        &[1],
        &[(2, 60, "moved")],
    );
    out.push(series_case(
        "last_friday_bimonthly",
        8,
        p,
        Some(new_york()),
        false,
    ));

    let p = pattern(
        Monthly,
        MonthNth { days: 0x3E, nth: 2 },
        1,
        d(2021, 5, 4),
        EndType::Never,
    );
    out.push(series_case(
        "second_weekday_monthly",
        9,
        ends(p, Some(40), None),
        Some(berlin()),
        false,
    ));

    let p = pattern(Monthly, MonthEnd, 1, d(2024, 1, 31), EndType::Never);
    out.push(series_case(
        "month_end",
        10,
        ends(p, Some(15), None),
        Some(berlin()),
        false,
    ));

    let p = pattern(
        Yearly,
        Month { day: 29 },
        12,
        d(2024, 2, 29),
        EndType::Never,
    );
    out.push(series_case(
        "yearly_feb_29_never",
        11,
        p,
        Some(berlin()),
        false,
    ));

    let p = pattern(
        Yearly,
        MonthNth {
            days: 1 << 4,
            nth: 4,
        },
        12,
        d(2021, 11, 25),
        EndType::Never,
    );
    out.push(series_case(
        "yearly_fourth_thursday_november",
        12,
        ends(p, Some(10), None),
        Some(new_york()),
        false,
    ));

    let mut p = pattern(
        Weekly,
        Week { days: 1 << 6 },
        1,
        d(2022, 6, 4),
        EndType::Never,
    );
    p.appointment = Some(AppointmentPart {
        start_time_offset: 0,
        end_time_offset: 1440,
        ..p.appointment.clone().unwrap()
    });
    let p = with_changes(
        ends(p, Some(12), None),
        &[2],
        &[(4, 1440, "on Sunday instead")],
    );
    out.push(series_case(
        "all_day_saturdays",
        13,
        p,
        Some(berlin()),
        true,
    ));

    let p = pattern(Daily, Day, 1440 * 2, d(2019, 12, 30), EndType::Never);
    out.push(series_case(
        "every_other_day_floating",
        14,
        ends(p, Some(50), None),
        None,
        false,
    ));

    // Single events.
    let single = Item::new("IPM.Appointment", "Dentist, then lunch; bring \\ notes")
        .goid(20)
        .named(&pid::LID_APPOINTMENT_START_WHOLE, time(dt(2021, 7, 1, 7, 30)))
        .named(&pid::LID_APPOINTMENT_END_WHOLE, time(dt(2021, 7, 1, 8, 15)))
        .named(&pid::LID_APPOINTMENT_TIME_ZONE_DEFINITION_START_DISPLAY, bin(berlin()))
        .named(&pid::LID_LOCATION, s("Main St. 1"))
        .named(&pid::LID_BUSY_STATUS, PropValue::Integer32(0))
        .named(&pid::LID_REMINDER_SET, PropValue::Boolean(true))
        .named(&pid::LID_REMINDER_DELTA, PropValue::Integer32(30))
        .tag(pid::SENSITIVITY, PropValue::Integer32(2))
        .tag(pid::BODY, s("Line one\r\nLine two, with a very long text that needs folding because it goes on and on and on."));
    out.push(Case {
        name: "single_timed",
        msg: single.0,
        expect: None,
    });
    let all_day = Item::new("IPM.Appointment", "Holiday")
        .goid(21)
        .named(
            &pid::LID_APPOINTMENT_START_WHOLE,
            time(dt(2021, 12, 23, 23, 0)),
        )
        .named(
            &pid::LID_APPOINTMENT_END_WHOLE,
            time(dt(2021, 12, 25, 23, 0)),
        )
        .named(&pid::LID_APPOINTMENT_SUB_TYPE, PropValue::Boolean(true))
        .named(
            &pid::LID_APPOINTMENT_TIME_ZONE_DEFINITION_START_DISPLAY,
            bin(berlin()),
        );
    out.push(Case {
        name: "single_all_day",
        msg: all_day.0,
        expect: None,
    });
    let mut meeting = Item::new("IPM.Appointment", "Planning")
        .goid(22)
        .named(
            &pid::LID_APPOINTMENT_START_WHOLE,
            time(dt(2021, 3, 3, 15, 0)),
        )
        .named(&pid::LID_APPOINTMENT_END_WHOLE, time(dt(2021, 3, 3, 16, 0)))
        .named(&pid::LID_APPOINTMENT_STATE_FLAGS, PropValue::Integer32(1))
        .tag(pid::SENT_REPRESENTING_NAME, s("Olga Organizer"))
        .tag(pid::SENT_REPRESENTING_SMTP_ADDRESS, s("olga@example.com"));
    for (name, addr, ty, track) in [
        ("Ann Accept", "ann@example.com", 1, 3),
        ("Dan Decline", "dan@example.com", 2, 4),
        ("Room 1", "", 3, 0),
    ] {
        let mut r = PropertyBag::new();
        r.insert(pid::DISPLAY_NAME, s(name));
        if !addr.is_empty() {
            r.insert(pid::SMTP_ADDRESS, s(addr));
        }
        r.insert(pid::RECIPIENT_TYPE, PropValue::Integer32(ty));
        r.insert(pid::RECIPIENT_TRACK_STATUS, PropValue::Integer32(track));
        meeting.0.recipients.push(r);
    }
    out.push(Case {
        name: "meeting_utc",
        msg: meeting.0,
        expect: None,
    });
    out
}

fn python_ok() -> bool {
    Command::new("python3")
        .args(["-c", "import icalendar, recurring_ical_events"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("check_ics.py")
}

/// Runs the checker with --occurrences; panics with its stderr on failure.
fn run_checker(files: &[PathBuf]) -> serde_json::Value {
    let out = Command::new("python3")
        .arg(script())
        .arg("--occurrences")
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "check_ics.py failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn skip_without_python() -> bool {
    if python_ok() {
        return false;
    }
    if std::env::var("REQUIRE_PYTHON_CHECKERS").as_deref() == Ok("1") {
        panic!("REQUIRE_PYTHON_CHECKERS=1 but python3 with icalendar and recurring_ical_events is not available");
    }
    eprintln!(
        "note: python3 with icalendar and recurring_ical_events not found; ICS checks skipped"
    );
    true
}

#[test]
fn every_recurrence_kind_round_trips_through_python() {
    if skip_without_python() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    let mut files = Vec::new();
    for c in &cases {
        let mut warnings = Vec::new();
        let ics = calendar_to_ics(std::slice::from_ref(&c.msg), &mut warnings);
        let path = dir.path().join(format!("{}.ics", c.name));
        std::fs::write(&path, ics).unwrap();
        files.push(path);
    }
    // All cases in one file too: one calendar with many zones and series.
    let all: Vec<Message> = cases.iter().map(|c| c.msg.clone()).collect();
    let mut warnings = Vec::new();
    let path = dir.path().join("all.ics");
    std::fs::write(&path, calendar_to_ics(&all, &mut warnings)).unwrap();
    files.push(path);

    if let Ok(keep) = std::env::var("ICS_KEEP_DIR") {
        // For looking at the output by hand.
        for f in &files {
            std::fs::copy(f, Path::new(&keep).join(f.file_name().unwrap())).unwrap();
        }
    }
    let result = run_checker(&files);
    for (c, path) in cases.iter().zip(&files) {
        let occ = result[path.to_str().unwrap()].as_array().unwrap();
        let starts: Vec<String> = occ
            .iter()
            .map(|o| o["start"].as_str().unwrap().to_owned())
            .collect();
        match &c.expect {
            Some(expect) => {
                assert!(!expect.is_empty(), "{}", c.name);
                assert_eq!(&starts, expect, "occurrences of {}", c.name);
            }
            None => assert_eq!(starts.len(), 1, "{}", c.name),
        }
    }
    let total: usize = cases
        .iter()
        .map(|c| c.expect.as_ref().map_or(1, Vec::len))
        .sum();
    assert_eq!(
        result[files.last().unwrap().to_str().unwrap()]
            .as_array()
            .unwrap()
            .len(),
        total
    );

    // Modified occurrences carry their own subject.
    let weekly = result[files[0].to_str().unwrap()].as_array().unwrap();
    let moved: Vec<&serde_json::Value> = weekly
        .iter()
        .filter(|o| o["start"] == "2007-04-16T11:00:00")
        .collect();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0]["summary"], "Simple Recurrence with exceptions");
}

#[test]
fn tasks_parse_and_recurring_tasks_expand() {
    if skip_without_python() {
        return;
    }
    let plain = Item::new("IPM.Task", "File taxes")
        .named(&pid::LID_TASK_START_DATE, time(dt(2024, 4, 1, 0, 0)))
        .named(&pid::LID_TASK_DUE_DATE, time(dt(2024, 4, 15, 0, 0)))
        .named(&pid::LID_TASK_STATUS, PropValue::Integer32(1))
        .named(&pid::LID_PERCENT_COMPLETE, PropValue::Floating64(0.25))
        .tag(pid::IMPORTANCE, PropValue::Integer32(2));
    let done = Item::new("IPM.Task", "Done thing")
        .named(&pid::LID_TASK_DUE_DATE, time(dt(2024, 3, 1, 0, 0)))
        .named(&pid::LID_TASK_COMPLETE, PropValue::Boolean(true))
        .named(&pid::LID_TASK_DATE_COMPLETED, time(dt(2024, 2, 28, 0, 0)))
        .named(&pid::LID_TASK_STATUS, PropValue::Integer32(2));
    let mut rp = pattern(
        Frequency::Weekly,
        PatternKind::Week { days: 1 << 1 },
        1,
        d(2024, 1, 1),
        EndType::Never,
    );
    rp.appointment = None;
    let rp = ends(rp, Some(8), None);
    let recurring = Item::new("IPM.Task", "Weekly report")
        .named(&pid::LID_TASK_START_DATE, time(dt(2024, 1, 1, 0, 0)))
        .named(&pid::LID_TASK_DUE_DATE, time(dt(2024, 1, 1, 0, 0)))
        .named(&pid::LID_TASK_F_RECURRING, PropValue::Boolean(true))
        .named(&pid::LID_TASK_RECURRENCE, bin(build::to_blob(&rp)));
    let mut warnings = Vec::new();
    let ics = tasks_to_ics(&[plain.0, done.0, recurring.0], &mut warnings);
    assert!(warnings.is_empty(), "{warnings:?}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.ics");
    std::fs::write(&path, &ics).unwrap();
    let result = run_checker(std::slice::from_ref(&path));
    let occ = result[path.to_str().unwrap()].as_array().unwrap();
    let weekly: Vec<&str> = occ
        .iter()
        .filter(|o| o["summary"] == "Weekly report")
        .map(|o| o["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        weekly,
        [
            "2024-01-01",
            "2024-01-08",
            "2024-01-15",
            "2024-01-22",
            "2024-01-29",
            "2024-02-05",
            "2024-02-12",
            "2024-02-19"
        ]
    );
    assert_eq!(occ.len(), 8 + 2);
}

/// The stored zone rules and the IANA zone Python knows agree on the offsets the series uses.
#[test]
fn stored_zone_rules_match_python_zoneinfo() {
    if skip_without_python() {
        return;
    }
    let tz = TimeZone::from_definition(&berlin()).unwrap();
    let mut lines = String::new();
    for (m, day) in [
        (1, 15),
        (3, 28),
        (3, 29),
        (7, 1),
        (10, 30),
        (10, 31),
        (11, 1),
    ] {
        let t = dt(2021, m, day, 12, 0);
        lines.push_str(&format!(
            "{} {}\n",
            t.format("%Y-%m-%dT%H:%M"),
            tz.offset_at_local(t)
        ));
    }
    let code = "import sys, datetime, zoneinfo\nz = zoneinfo.ZoneInfo('Europe/Berlin')\nfor line in sys.stdin:\n    t, off = line.split()\n    dt = datetime.datetime.fromisoformat(t).replace(tzinfo=z)\n    got = int(dt.utcoffset().total_seconds() // 60)\n    assert got == int(off), (t, got, off)\nprint('ok')\n";
    let mut child = Command::new("python3")
        .args(["-c", code])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn corpus_dir() -> PathBuf {
    match std::env::var_os("OST_EXTRACT_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"),
    }
}

/// Every appointment, task and meeting message of the real corpus comes out, and every file
/// passes the Python checks; the recurring appointment of rjohnsondev__dist-list.pst keeps its
/// exceptions as RECURRENCE-ID events.
#[test]
fn corpus_calendars_tasks_and_meetings() {
    let dir = corpus_dir().join("corpus");
    if !dir.is_dir() {
        eprintln!(
            "note: corpus not found at {}; corpus ICS checks skipped",
            dir.display()
        );
        return;
    }
    if skip_without_python() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut appointments = 0usize;
    let mut tasks = 0usize;
    let mut meetings = 0usize;
    let mut dist_list_ics = None;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in paths {
        let Ok(store) = pstkit::Store::open(&path) else {
            continue;
        };
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut by_folder: std::collections::BTreeMap<(u32, String), Vec<Message>> =
            Default::default();
        store.for_each_message(&mut |folder, _nid, msg| {
            let Ok(msg) = msg else { return };
            let class = msg.class().to_owned();
            if ost_extract::calendar::is_appointment(&class)
                || ost_extract::calendar::is_task(&class)
            {
                by_folder
                    .entry((folder.nid.0, folder.name().to_owned()))
                    .or_default()
                    .push(msg);
            } else if let Some(ics) = ost_extract::calendar::meeting_ics(&msg) {
                meetings += 1;
                let p = out.path().join(format!("{stem}-meeting-{meetings}.ics"));
                std::fs::write(&p, ics).unwrap();
                files.push(p);
            }
        });
        for ((nid, _name), items) in by_folder {
            let mut warnings = Vec::new();
            let (appts, todos): (Vec<Message>, Vec<Message>) = items
                .into_iter()
                .partition(|m| ost_extract::calendar::is_appointment(m.class()));
            if !appts.is_empty() {
                appointments += appts.len();
                let ics = calendar_to_ics(&appts, &mut warnings);
                let count = ics.matches("BEGIN:VEVENT\r\n").count();
                assert!(
                    count >= appts.len(),
                    "{stem}: {count} VEVENTs for {} appointments: {warnings:?}",
                    appts.len()
                );
                if stem == "rjohnsondev__dist-list" {
                    dist_list_ics = Some(ics.clone());
                }
                let p = out.path().join(format!("{stem}-{nid:x}-calendar.ics"));
                std::fs::write(&p, ics).unwrap();
                files.push(p);
            }
            if !todos.is_empty() {
                tasks += todos.len();
                let ics = tasks_to_ics(&todos, &mut warnings);
                assert_eq!(
                    ics.matches("BEGIN:VTODO\r\n").count(),
                    todos.len(),
                    "{stem}"
                );
                let p = out.path().join(format!("{stem}-{nid:x}-tasks.ics"));
                std::fs::write(&p, ics).unwrap();
                files.push(p);
            }
            for w in &warnings {
                eprintln!("{stem}: {w}");
            }
        }
    }
    eprintln!("corpus: {appointments} appointments, {tasks} tasks, {meetings} meeting messages in {} files", files.len());
    if let Ok(keep) = std::env::var("ICS_KEEP_DIR") {
        for f in &files {
            std::fs::copy(f, Path::new(&keep).join(f.file_name().unwrap())).unwrap();
        }
    }
    assert!(appointments > 0 && tasks > 0);
    run_checker(&files);
    let ics = dist_list_ics.expect("rjohnsondev__dist-list.pst has a calendar");
    // A weekly Tuesday series (08:00-08:30 Pacific) with one deleted and two moved occurrences.
    for line in [
        "DTSTART;TZID=America/Los_Angeles:20160802T080000",
        "RRULE:FREQ=WEEKLY;BYDAY=TU;WKST=SU",
        "EXDATE;TZID=America/Los_Angeles:20160809T080000",
        "RECURRENCE-ID;TZID=America/Los_Angeles:20160823T080000\r\nDTSTART;TZID=America/Los_Angeles:20160823T090000",
        "RECURRENCE-ID;TZID=America/Los_Angeles:20160830T080000\r\nDTSTART;TZID=America/Los_Angeles:20160830T100000",
    ] {
        assert!(ics.contains(&format!("\r\n{line}\r\n")), "{line} missing in\n{ics}");
    }
    assert_eq!(ics.matches("\r\nRECURRENCE-ID").count(), 2);
}

/// Appointments and tasks that the fixture writer (`pst-fixtures`) puts into a PST, read back
/// through `pstkit::Store`: every series expands in Python to the occurrences of its stored
/// pattern, with the writer's moved occurrence as a RECURRENCE-ID event.
#[test]
fn writer_built_store_round_trips() {
    if skip_without_python() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pst = dir.path().join("writer.pst");
    let opts = pst_fixtures::BuildOptions::new(
        pstkit::Layout::Unicode,
        pstkit::Client::Pst,
        pstkit::ndb::CryptMethod::None,
    );
    pst_fixtures::build_file(&pst, &opts).unwrap();
    let store = pstkit::Store::open(&pst).unwrap();
    let mut appts = Vec::new();
    let mut todos = Vec::new();
    store.for_each_message(&mut |_, _, msg| {
        let msg = msg.unwrap();
        if ost_extract::calendar::is_appointment(msg.class()) {
            appts.push(msg);
        } else if ost_extract::calendar::is_task(msg.class()) {
            todos.push(msg);
        }
    });
    assert!(appts.len() >= 6, "{} appointments", appts.len());
    assert!(!todos.is_empty());
    let mut warnings = Vec::new();
    let mut files = Vec::new();
    let mut expect = Vec::new();
    for (i, m) in appts.iter().enumerate() {
        let ics = calendar_to_ics(std::slice::from_ref(m), &mut warnings);
        let path = dir.path().join(format!("appt{i}.ics"));
        std::fs::write(&path, &ics).unwrap();
        files.push(path);
        let blob = m.props.binary(&pid::LID_APPOINTMENT_RECUR);
        expect.push(blob.map(|b| {
            let p = RecurrencePattern::parse(b).unwrap();
            let all_day = m
                .props
                .bool(&pid::LID_APPOINTMENT_SUB_TYPE)
                .unwrap_or(false);
            expected(&p, all_day)
        }));
    }
    let tasks_path = dir.path().join("tasks.ics");
    std::fs::write(&tasks_path, tasks_to_ics(&todos, &mut warnings)).unwrap();
    files.push(tasks_path);
    assert!(warnings.is_empty(), "{warnings:?}");
    let result = run_checker(&files);
    let mut series = 0;
    for (path, want) in files.iter().zip(&expect) {
        let occ = result[path.to_str().unwrap()].as_array().unwrap();
        let starts: Vec<String> = occ
            .iter()
            .map(|o| o["start"].as_str().unwrap().to_owned())
            .collect();
        match want {
            Some(w) => {
                series += 1;
                assert_eq!(&starts, w, "{}", path.display());
            }
            None => assert_eq!(starts.len(), 1),
        }
    }
    assert!(series >= 4);
    let all: String = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert!(
        all.contains("\r\nRECURRENCE-ID;TZID=Europe/Berlin:"),
        "the writer's moved stand-up"
    );
    // (tests/writer_calendar.rs checks every occurrence of the writer's appointments.)
    assert!(all.contains("\r\nSUMMARY:Stand-up déplacé ☕ перенесён\r\n"));
}
