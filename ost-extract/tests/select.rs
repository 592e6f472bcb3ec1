//! `--since`/`--until` and the system items left out by default, on a store written by
//! `pstkit::write` whose every item sits at a known distance from the range's edges: the
//! counts are exactly what the rules of `convert::select` keep, the dry run counts what the
//! real run finds and skips, `--include-system` converts the system items, and the PST keeps
//! the system items below the IPM subtree whatever the default.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use ost_extract::convert::dry_run::dry_run;
use ost_extract::convert::select::{parse_bound, Bound};
use ost_extract::convert::{convert_file, DateRange, InputReport, Kind, NoProgress, Options};
use pst_fixtures::calendar::{day_number, End, Pattern, Recurrence};
use pstkit::ltp::PropValue;
use pstkit::messaging::{pid, Message};
use pstkit::Store;

mod common;
use common::walk;

fn s(v: &str) -> PropValue<'static> {
    PropValue::String(Cow::Owned(v.to_owned()))
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

fn t(rfc3339: &str) -> PropValue<'static> {
    PropValue::Time(pstkit::ltp::prop::FileTime::from_utc(at(rfc3339)))
}

fn item(class: &str, subject: &str) -> Message {
    let mut m = Message::default();
    m.props.insert(pid::MESSAGE_CLASS, s(class));
    m.props.insert(pid::SUBJECT, s(subject));
    m.props.insert(pid::BODY, s(&format!("{subject}\r\n")));
    m
}

/// A mail with the given delivery, submit and creation times (any may be absent).
fn mail(
    subject: &str,
    delivered: Option<&str>,
    submitted: Option<&str>,
    created: Option<&str>,
) -> Message {
    let mut m = item("IPM.Note", subject);
    for (id, v) in [
        (pid::MESSAGE_DELIVERY_TIME, delivered),
        (pid::CLIENT_SUBMIT_TIME, submitted),
        (pid::CREATION_TIME, created),
    ] {
        if let Some(v) = v {
            m.props.insert(id, t(v));
        }
    }
    m
}

/// An appointment from `start` to `end` (UTC), recurring as `recur` says (in UTC too).
fn appointment(subject: &str, start: &str, end: &str, recur: Option<Recurrence>) -> Message {
    let mut a = item("IPM.Appointment", subject);
    a.props
        .insert_named(&pid::LID_APPOINTMENT_START_WHOLE, t(start));
    a.props
        .insert_named(&pid::LID_APPOINTMENT_END_WHOLE, t(end));
    if let Some(r) = recur {
        a.props.insert_named(
            &pid::LID_APPOINTMENT_RECUR,
            PropValue::Binary(Cow::Owned(r.blob(1252))),
        );
        a.props
            .insert_named(&pid::LID_RECURRING, PropValue::Boolean(true));
    }
    a
}

/// A series of hour-long occurrences at 09:00 UTC from `start` (a day number).
fn series(pattern: Pattern, start: i64, end: End) -> Recurrence {
    Recurrence {
        pattern,
        end,
        start,
        first_dow: 0,
        start_offset: 9 * 60,
        end_offset: 10 * 60,
        deleted: Vec::new(),
        modified: Vec::new(),
    }
}

fn task(subject: &str, due: Option<&str>, modified: Option<&str>) -> Message {
    let mut m = item("IPM.Task", subject);
    if let Some(d) = due {
        m.props.insert_named(&pid::LID_TASK_DUE_DATE, t(d));
    }
    if let Some(d) = modified {
        m.props.insert(pid::LAST_MODIFICATION_TIME, t(d));
    }
    m
}

/// Mondays, from Monday 2 January 2023.
const MONDAYS: Pattern = Pattern::Weekly {
    every: 1,
    days: 0b10,
};

fn write_store(path: &Path) {
    let (mut store, top) = common::unicode_pst(path);
    let inbox = store.add_folder(top, "Inbox", Some("IPF.Note"));
    let calendar = store.add_folder(top, "Calendar", Some("IPF.Appointment"));
    let tasks = store.add_folder(top, "Tasks", Some("IPF.Task"));
    let contacts = store.add_folder(top, "Contacts", Some("IPF.Contact"));
    let sync = store.add_folder(top, "Sync Issues", Some("IPF.Note"));
    let conflicts = store.add_folder(sync, "Conflicts", Some("IPF.Note"));
    let freebusy = store.add_folder(store.root(), "Freebusy Data", None);

    // Mail, judged by delivery, else submit, else creation time.
    for m in [
        mail("before", Some("2023-12-31T23:59:59Z"), None, None),
        mail("first instant", Some("2024-01-01T00:00:00Z"), None, None),
        mail(
            "delivered in, sent before",
            Some("2024-06-15T12:00:00Z"),
            Some("2023-01-01T00:00:00Z"),
            None,
        ),
        mail("sent only", None, Some("2024-03-01T08:00:00Z"), None),
        mail(
            "created only, before",
            None,
            None,
            Some("2022-05-05T00:00:00Z"),
        ),
        mail("no date", None, None, None),
        mail("last second", Some("2024-12-31T23:59:59Z"), None, None),
        mail("after", Some("2025-01-01T00:00:00Z"), None, None),
    ] {
        store.add_message(inbox, &m).unwrap();
    }
    // System items among the mail.
    store
        .add_message(inbox, &item("IPM.Configuration.Test", "a setting"))
        .unwrap();
    store
        .add_message(
            inbox,
            &item("IPC.Microsoft.ICS.EventSubscription", "a subscription"),
        )
        .unwrap();

    // Appointments, judged by when they take place.
    for a in [
        appointment(
            "in March",
            "2024-03-10T10:00:00Z",
            "2024-03-10T11:00:00Z",
            None,
        ),
        appointment(
            "across new year",
            "2023-12-31T23:30:00Z",
            "2024-01-01T00:30:00Z",
            None,
        ),
        appointment(
            "in 2022",
            "2022-01-01T10:00:00Z",
            "2022-01-01T11:00:00Z",
            None,
        ),
        appointment(
            "Mondays of early 2023",
            "2023-01-02T09:00:00Z",
            "2023-01-02T10:00:00Z",
            Some(series(
                MONDAYS,
                day_number(2023, 1, 2),
                End::Date(day_number(2023, 3, 27)),
            )),
        ),
        appointment(
            "Mondays for ever",
            "2023-01-02T09:00:00Z",
            "2023-01-02T10:00:00Z",
            Some(series(MONDAYS, day_number(2023, 1, 2), End::Never)),
        ),
        appointment(
            "40 days from December",
            "2023-12-01T09:00:00Z",
            "2023-12-01T10:00:00Z",
            Some(series(
                Pattern::Daily { every: 1 },
                day_number(2023, 12, 1),
                End::Count(40),
            )),
        ),
    ] {
        store.add_message(calendar, &a).unwrap();
    }

    // Tasks, judged by the due date, else the last change.
    for m in [
        task("due in", Some("2024-05-01T00:00:00Z"), None),
        task(
            "due before, changed in",
            Some("2023-05-01T00:00:00Z"),
            Some("2024-05-01T00:00:00Z"),
        ),
        task(
            "no due date, changed in",
            None,
            Some("2024-02-02T00:00:00Z"),
        ),
        task(
            "no due date, changed before",
            None,
            Some("2021-01-01T00:00:00Z"),
        ),
        task("no date", None, None),
    ] {
        store.add_message(tasks, &m).unwrap();
    }

    // A contact last changed long ago: contacts are not filtered by date.
    let mut c = item("IPM.Contact", "Old Friend");
    c.props.insert(pid::DISPLAY_NAME, s("Old Friend"));
    c.props
        .insert(pid::LAST_MODIFICATION_TIME, t("2010-01-01T00:00:00Z"));
    store.add_message(contacts, &c).unwrap();

    // Sync logs and free/busy data.
    store
        .add_message(
            sync,
            &mail(
                "Synchronization Log:",
                Some("2024-02-01T00:00:00Z"),
                None,
                None,
            ),
        )
        .unwrap();
    store
        .add_message(
            sync,
            &mail(
                "Synchronization Log:",
                Some("2019-02-01T00:00:00Z"),
                None,
                None,
            ),
        )
        .unwrap();
    store
        .add_message(
            conflicts,
            &mail("a conflict copy", Some("2024-02-01T00:00:00Z"), None, None),
        )
        .unwrap();
    store
        .add_message(
            freebusy,
            &item("IPM.Microsoft.ScheduleData.FreeBusy", "LocalFreebusy"),
        )
        .unwrap();
    let (ndb, _) = store.finish().unwrap();
    ndb.finish().unwrap();
}

type Found = BTreeMap<String, BTreeMap<Kind, u64>>;
type Skipped = BTreeMap<String, BTreeMap<String, u64>>;

/// Per folder: items found by kind and items skipped by reason, from a run's report.
fn of_report(r: &InputReport) -> (Found, Skipped) {
    let mut found = Found::new();
    let mut skipped = Skipped::new();
    for f in &r.folders {
        let counts: BTreeMap<Kind, u64> = f
            .counts
            .iter()
            .map(|(k, c)| (*k, c.found))
            .filter(|(_, n)| *n > 0)
            .collect();
        if !counts.is_empty() {
            found.insert(f.folder.clone(), counts);
        }
        if !f.skipped.is_empty() {
            skipped.insert(f.folder.clone(), f.skipped.clone());
        }
    }
    (found, skipped)
}

/// Converts `file` with `opts`, checks the dry run counted and skipped what the real run did
/// and that nothing failed; returns the report.
fn run(file: &Path, opts: &Options) -> InputReport {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let dry = dry_run(file, opts);
    let report = convert_file(file, &out, opts, &NoProgress).unwrap();
    assert!(report.complete, "{:?}", report.failures);
    let (found, skipped) = of_report(&report);
    let dry_found: Found = dry
        .folders
        .iter()
        .filter(|f| !f.counts.is_empty())
        .map(|f| (f.folder.clone(), f.counts.clone()))
        .collect();
    let dry_skipped: Skipped = dry
        .folders
        .iter()
        .filter(|f| !f.skipped.is_empty())
        .map(|f| (f.folder.clone(), f.skipped.clone()))
        .collect();
    assert_eq!(dry_found, found, "dry run's counts");
    assert_eq!(dry_skipped, skipped, "dry run's skipped items");
    // Every item found was written, as EML for mail.
    let t = report.totals();
    assert_eq!((t.written, t.failed), (t.found, 0));
    let eml = walk(&out)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .count() as u64;
    if opts.open_formats {
        assert_eq!(eml, report.counts.get(&Kind::Mail).map_or(0, |c| c.written));
    }
    report
}

fn found(r: &InputReport, folder: &str) -> BTreeMap<Kind, u64> {
    of_report(r).0.remove(folder).unwrap_or_default()
}

fn kinds(pairs: &[(Kind, u64)]) -> BTreeMap<Kind, u64> {
    pairs.iter().copied().collect()
}

#[test]
fn system_items_are_left_out_by_default_and_counted_with_their_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("select.pst");
    write_store(&file);

    let r = run(&file, &Options::default());
    let (_, skipped) = of_report(&r);
    let expected: Skipped = [
        (
            "Top of Personal Folders/Inbox",
            vec![
                ("configuration item", 1),
                ("not a user item (class outside IPM)", 1),
            ],
        ),
        (
            "Top of Personal Folders/Sync Issues",
            vec![("sync issues (Outlook's sync logs and conflict copies)", 2)],
        ),
        (
            "Top of Personal Folders/Sync Issues/Conflicts",
            vec![("sync issues (Outlook's sync logs and conflict copies)", 1)],
        ),
        (
            "Freebusy Data",
            vec![(
                "outside the folders a user sees (free/busy data, views, search roots)",
                1,
            )],
        ),
    ]
    .into_iter()
    .map(|(f, v)| {
        (
            f.to_owned(),
            v.into_iter().map(|(w, n)| (w.to_owned(), n)).collect(),
        )
    })
    .collect();
    assert_eq!(skipped, expected);
    assert_eq!(r.skipped_items(), 6);
    assert_eq!(
        found(&r, "Top of Personal Folders/Inbox"),
        kinds(&[(Kind::Mail, 8)])
    );
    assert!(found(&r, "Top of Personal Folders/Sync Issues").is_empty());

    // --include-system: everything, nothing skipped.
    let all = run(
        &file,
        &Options {
            include_system: true,
            ..Options::default()
        },
    );
    assert_eq!(all.skipped_items(), 0);
    assert_eq!(
        found(&all, "Top of Personal Folders/Inbox"),
        kinds(&[(Kind::Mail, 10)])
    );
    assert_eq!(
        found(&all, "Top of Personal Folders/Sync Issues"),
        kinds(&[(Kind::Mail, 2)])
    );
    assert_eq!(found(&all, "Freebusy Data"), kinds(&[(Kind::Mail, 1)]));
    assert_eq!(all.totals().found, r.totals().found + 6);

    // The PST is a copy of the whole mailbox: it takes the system items the open formats
    // leave out (counted as found and written), and the EML files leave them out still.
    let pst_dir = tempfile::tempdir().unwrap();
    let opts = Options {
        pst: Some(1 << 30),
        ..Options::default()
    };
    let with_pst = convert_file(&file, pst_dir.path(), &opts, &NoProgress).unwrap();
    assert!(with_pst.complete, "{:?}", with_pst.failures);
    assert_eq!(with_pst.skipped_items(), 0);
    assert_eq!(with_pst.totals().found, all.totals().found);
    let eml = walk(pst_dir.path())
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .count() as u64;
    assert_eq!(eml, r.counts[&Kind::Mail].written);
    assert!(!pst_dir.path().join("Mail/Sync Issues").exists());
    let pst = Store::open(pst_dir.path().join("select.pst")).unwrap();
    let in_pst: usize = pst
        .folders()
        .folders
        .iter()
        .filter(|f| f.path.iter().any(|n| n == "Sync Issues"))
        .map(|f| pst.folder_contents(f.nid).items.len())
        .sum();
    assert_eq!(in_pst, 3, "the sync logs and the conflict copy in the PST");
    let dry = dry_run(&file, &opts);
    assert_eq!(dry.skipped(), 0);
    assert_eq!(dry.totals().values().sum::<u64>(), with_pst.totals().found);
}

#[test]
fn each_kind_is_judged_by_its_own_date() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("select.pst");
    write_store(&file);
    let range = |since: &str, until: &str| Options {
        dates: DateRange {
            since: Some(parse_bound(since, Bound::Since).unwrap()),
            until: Some(parse_bound(until, Bound::Until).unwrap()),
        },
        ..Options::default()
    };

    // The year 2024.
    let r = run(&file, &range("2024-01-01", "2024-12-31"));
    // Mail: first instant, delivered in, sent only, no date, last second.
    assert_eq!(
        found(&r, "Top of Personal Folders/Inbox"),
        kinds(&[(Kind::Mail, 5)])
    );
    // In March, across new year, Mondays for ever, 40 days from December (kept whole).
    assert_eq!(
        found(&r, "Top of Personal Folders/Calendar"),
        kinds(&[(Kind::Appointment, 4)])
    );
    // Due in, no due date but changed in, no date.
    assert_eq!(
        found(&r, "Top of Personal Folders/Tasks"),
        kinds(&[(Kind::Task, 3)])
    );
    assert_eq!(
        found(&r, "Top of Personal Folders/Contacts"),
        kinds(&[(Kind::Contact, 1)])
    );
    // System items are skipped whatever their date.
    assert_eq!(r.skipped_items(), 6);
    // Tuesday 2 January 2024 only: an occurrence of the daily series falls in; the Monday
    // series spans the day but has no occurrence in it.
    let r = run(&file, &range("2024-01-02", "2024-01-02"));
    assert_eq!(
        found(&r, "Top of Personal Folders/Calendar"),
        kinds(&[(Kind::Appointment, 1)])
    );
    // Monday 1 January 2024: the Monday series, the daily one and the new year's eve party.
    let r = run(&file, &range("2024-01-01", "2024-01-01"));
    assert_eq!(
        found(&r, "Top of Personal Folders/Calendar"),
        kinds(&[(Kind::Appointment, 3)])
    );
    // Mail of the first instant only, RFC 3339 bounds with an offset; both ends included.
    let r = run(
        &file,
        &range("2024-01-01T01:00:00+01:00", "2024-01-01T00:00:00Z"),
    );
    // First instant and no date.
    assert_eq!(
        found(&r, "Top of Personal Folders/Inbox"),
        kinds(&[(Kind::Mail, 2)])
    );
    // One side open: everything from 2025 on.
    let r = run(
        &file,
        &Options {
            dates: DateRange {
                since: Some(at("2025-01-01T00:00:00Z")),
                until: None,
            },
            ..Options::default()
        },
    );
    // After, and no date.
    assert_eq!(
        found(&r, "Top of Personal Folders/Inbox"),
        kinds(&[(Kind::Mail, 2)])
    );
    // Mondays for ever.
    assert_eq!(
        found(&r, "Top of Personal Folders/Calendar"),
        kinds(&[(Kind::Appointment, 1)])
    );
}

/// A store without `PidTagIpmSubTreeEntryId` nor Deleted Items' entry id (as Outlook 2013+
/// OSTs are) at `path`: its top folder `top_name`, below "Root - Mailbox" when `mailbox`, at
/// node `top_nid` (else the next free one), with an Inbox; "Freebusy Data" below the root.
fn write_unnamed_subtree(
    path: &Path,
    client: pstkit::Client,
    mailbox: bool,
    top_name: &str,
    top_nid: Option<u32>,
) {
    use pstkit::write::{NdbWriter, SpecialFolder, StoreOptions, StoreWriter};
    let file = std::fs::File::create(path).unwrap();
    let crypt = pstkit::CryptMethod::Permute;
    let ndb = NdbWriter::new(file, pstkit::Layout::Unicode4k, client, crypt).unwrap();
    let mut store = StoreWriter::new(
        ndb,
        StoreOptions {
            display_name: "Offline Folders".into(),
            omit_ipm_subtree_entry_id: true,
            record_key: [9; 16],
            ansi_encoding: None,
            ansi_codepage: 1252,
        },
    );
    let root = store.root();
    let parent = if mailbox {
        store.add_folder(root, "Root - Mailbox", None)
    } else {
        root
    };
    let top = match top_nid {
        Some(n) => store.add_folder_with_nid(parent, top_name, None, pstkit::NodeId(n)),
        None => store.add_folder(parent, top_name, None),
    };
    store.set_special(SpecialFolder::IpmSubtree, top);
    let inbox = store.add_folder(top, "Inbox", Some("IPF.Note"));
    store.set_special(SpecialFolder::Inbox, inbox);
    store
        .add_message(inbox, &mail("hello", None, None, None))
        .unwrap();
    store.add_folder(root, "Freebusy Data", None);
    let (ndb, _) = store.finish().unwrap();
    ndb.finish().unwrap();
}

#[test]
fn a_store_that_does_not_name_its_ipm_subtree_has_it_found_where_outlook_keeps_it() {
    use ost_extract::convert::plan::plan;
    use ost_extract::convert::FolderRole;
    use pstkit::Client::{Ost, Pst};
    let dir = tempfile::tempdir().unwrap();
    for (i, (client, mailbox, top_name, top_nid)) in [
        // At the OST's conventional node, below the root or below "Root - Mailbox".
        (Ost, false, "Top of Information Store", Some(0x2142)),
        (Ost, true, "Top of Information Store", Some(0x2142)),
        // At the PST's conventional node, under a name in another language.
        (Pst, false, "Outlook データ ファイルのトップ", None),
        // Elsewhere, by Outlook's name for it.
        (Ost, false, "Top of Information Store", Some(0x8062)),
    ]
    .into_iter()
    .enumerate()
    {
        let file = dir.path().join(format!("{i}.ost"));
        write_unnamed_subtree(&file, client, mailbox, top_name, top_nid);
        let store = Store::open(&file).unwrap();
        assert!(store.properties().get(pid::IPM_SUBTREE_ENTRY_ID).is_none());
        assert!(store
            .properties()
            .get(pid::IPM_WASTEBASKET_ENTRY_ID)
            .is_none());
        let planned = plan(&store, &store.folders().folders, false);
        let by_name = |n: &str| {
            planned
                .folders
                .iter()
                .find(|f| f.source_path.last().map(String::as_str) == Some(n))
                .unwrap_or_else(|| panic!("case {i}: no {n}: {:?}", planned.folders))
        };
        let top = by_name(top_name);
        assert_eq!(top.role, Some(FolderRole::IpmSubtree), "case {i}: {top:?}");
        let inbox = by_name("Inbox");
        assert_eq!(inbox.output, ["Inbox"], "case {i}");
        assert_eq!(inbox.system, None, "case {i}");
        assert_eq!(inbox.items.len(), 1, "case {i}");
        assert!(by_name("Freebusy Data").system.is_some(), "case {i}");
    }
}
