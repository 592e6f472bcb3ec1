//! `convert --dry-run` on the writer's files: it writes nothing, its counts per folder and
//! kind are what a real run then finds, and every file it names is one the real run writes.

use std::collections::BTreeMap;

mod common;
use common::*;

/// Runs `convert --dry-run` and then a real conversion of the demo file `name` with
/// `extra` options; checks the dry run wrote nothing, counted per folder and kind what the
/// real run found, and named only files the real run wrote. Returns those counts.
fn dry_then_real(name: &str, extra: &[&str]) -> BTreeMap<String, BTreeMap<String, u64>> {
    dry_then_real_writes(name, extra).0
}

/// [`dry_then_real`], also returning every file the dry run named (once each).
fn dry_then_real_writes(
    name: &str,
    extra: &[&str],
) -> (BTreeMap<String, BTreeMap<String, u64>>, Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = bin()
        .args(["convert", "--dry-run", "--mail", "both", "-o"])
        .arg(&out)
        .args(extra)
        .arg(demo(name))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(!out.exists(), "a dry run wrote {}", out.display());
    let printed = String::from_utf8(o.stdout).unwrap();
    // "  <folder>: <n> <kind>, ... -> <file>, ..."
    let mut planned: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut writes = Vec::new();
    for line in printed.lines().filter(|l| l.starts_with("  ")) {
        let line = line.trim_start();
        if line.starts_with("total: ") || line.starts_with("skipped: ") {
            continue;
        }
        let (folder, rest) = line.rsplit_once(": ").unwrap();
        if rest.starts_with("skipped ") {
            // System items left out (the demo files have none; tests/select.rs counts them).
            continue;
        }
        let (counts, files) = rest.split_once(" -> ").unwrap();
        let counts = counts
            .split(", ")
            .map(|c| {
                let (n, kind) = c.split_once(' ').unwrap();
                (kind.to_owned(), n.parse().unwrap())
            })
            .collect();
        planned.insert(folder.to_owned(), counts);
        writes.extend(files.split(", ").map(str::to_owned));
    }

    let o = bin()
        .args(["convert", "--quiet", "--mail", "both", "-o"])
        .arg(&out)
        .args(extra)
        .arg(demo(name))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(name).join("report.json")).unwrap())
            .unwrap();
    let found: BTreeMap<String, BTreeMap<String, u64>> = report["folders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let counts = f["counts"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, c)| (k.clone(), c["found"].as_u64().unwrap()))
                .filter(|(_, n)| *n > 0)
                .collect();
            (f["folder"].as_str().unwrap().to_owned(), counts)
        })
        .collect();
    assert_eq!(planned, found, "{name} {extra:?}");
    for w in &writes {
        assert!(out.join(name).join(w).exists(), "{name}: {w} not written");
    }
    // Nothing is written but what the dry run named (and the reports).
    let mut written = Vec::new();
    for kind_dir in ["Mail", "Calendar", "Tasks", "Contacts"] {
        let dir = out.join(name).join(kind_dir);
        if dir.exists() {
            written.push(kind_dir);
        }
    }
    for kind_dir in written {
        assert!(
            writes.iter().any(|w| w.starts_with(kind_dir)),
            "{name} {extra:?}: {kind_dir}/ written but not planned"
        );
    }
    writes.sort();
    writes.dedup();
    (found, writes)
}

const DEMOS: [&str; 4] = [
    "demo-2013.ost",
    "demo-unicode.ost",
    "demo-unicode.pst",
    "demo-ansi.pst",
];

#[test]
fn dry_run_counts_are_the_real_runs() {
    for name in DEMOS {
        let found = dry_then_real(name, &[]);
        assert!(found.len() > 5, "{name}: {found:?}");
    }
}

#[test]
fn pst_only_names_the_pst_and_nothing_else() {
    for name in DEMOS {
        let (found, writes) = dry_then_real_writes(name, &["--pst-only"]);
        assert!(found.len() > 5, "{name}: {found:?}");
        let stem = name.rsplit_once('.').unwrap().0;
        assert_eq!(writes, [format!("{stem}.pst")], "{name}");
        // With --pst the open formats are named beside it.
        let (_, both) = dry_then_real_writes(name, &["--pst"]);
        assert!(both.contains(&format!("{stem}.pst")), "{name}: {both:?}");
        assert!(
            both.iter().any(|w| w.starts_with("Mail/")),
            "{name}: {both:?}"
        );
    }
}

#[test]
fn only_keeps_the_kinds_named() {
    for name in DEMOS {
        let all = dry_then_real(name, &[]);
        let some = dry_then_real(name, &["--only", "calendar,contacts"]);
        // Exactly the full run's appointments, contacts and lists, folder by folder.
        let expected: BTreeMap<String, BTreeMap<String, u64>> = all
            .iter()
            .map(|(f, counts)| {
                let kept = counts
                    .iter()
                    .filter(|(k, _)| {
                        ["appointment", "contact", "distribution_list"].contains(&k.as_str())
                    })
                    .map(|(k, n)| (k.clone(), *n))
                    .collect::<BTreeMap<_, _>>();
                (f.clone(), kept)
            })
            .filter(|(_, c)| !c.is_empty())
            .collect();
        assert_eq!(some, expected, "{name}");
        assert!(!some.is_empty(), "{name}");
        // Sticky notes are mail to the converter but apart to --only: the demo files keep
        // theirs in Notes, and "notes" alone gives that folder's mail and nothing else.
        let notes = dry_then_real(name, &["--only", "notes"]);
        let folders: Vec<&str> = notes
            .keys()
            .map(|f| f.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(folders, ["Notes"], "{name}: {notes:?}");
        let mail = dry_then_real(name, &["--only", "mail"]);
        assert!(
            mail.keys().all(|f| !f.ends_with("/Notes")),
            "{name}: {mail:?}"
        );
    }
}

#[test]
fn folder_globs_keep_the_folders_they_match() {
    for name in DEMOS {
        let all = dry_then_real(name, &[]);
        let last = |f: &String| f.rsplit('/').next().unwrap().to_owned();
        // Two top folders named, in any case: exactly their items, none of their subfolders'.
        let two = dry_then_real(name, &["--folder", "inbox", "--folder", "CALENDAR"]);
        let expected: BTreeMap<_, _> = all
            .iter()
            .filter(|(f, _)| ["Inbox", "Calendar"].contains(&last(f).as_str()))
            .map(|(f, c)| (f.clone(), c.clone()))
            .collect();
        assert_eq!(two, expected, "{name}");
        assert_eq!(two.len(), 2, "{name}: {two:?}");
        // Everything below the Inbox, and not the Inbox itself.
        let below = dry_then_real(name, &["--folder", "Inbox/**"]);
        let inbox = all.keys().find(|f| last(f) == "Inbox").unwrap();
        let expected: BTreeMap<_, _> = all
            .iter()
            .filter(|(f, _)| f.starts_with(&format!("{inbox}/")))
            .map(|(f, c)| (f.clone(), c.clone()))
            .collect();
        assert!(!expected.is_empty(), "{name}: nothing below the Inbox");
        assert_eq!(below, expected, "{name}");
    }
}

#[test]
fn dates_keep_what_took_place_in_the_range() {
    for name in DEMOS {
        let all = dry_then_real(name, &[]);
        let day = dry_then_real(name, &["--since", "2024-03-12", "--until", "2024-03-12"]);
        let total = |counts: &BTreeMap<String, BTreeMap<String, u64>>, kind: &str| -> u64 {
            counts.values().filter_map(|c| c.get(kind)).sum()
        };
        // Contacts are not filtered by date; mail is, and some of it is from the 11th.
        assert_eq!(total(&day, "contact"), total(&all, "contact"), "{name}");
        assert!(total(&day, "mail") > 0, "{name}: {day:?}");
        assert!(total(&day, "mail") < total(&all, "mail"), "{name}: {day:?}");
        for (folder, counts) in &day {
            for (kind, n) in counts {
                assert!(*n <= all[folder][kind], "{name}: {folder} {kind}");
            }
        }
        // RFC 3339 bounds: the same day, given as instants at another offset.
        let same = dry_then_real(
            name,
            &[
                "--since",
                "2024-03-12T01:00:00+01:00",
                "--until",
                "2024-03-12T23:59:59.9999999Z",
            ],
        );
        assert_eq!(same, day, "{name}");
    }
    let o = bin()
        .args([
            "convert",
            "--dry-run",
            "-o",
            "/nonexistent",
            "--since",
            "12/03/2024",
        ])
        .arg(demo("demo-ansi.pst"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is not a date (YYYY-MM-DD) or an RFC 3339"),
        "{err}"
    );
}
