//! Ctrl-C (SIGINT) at random points of a run: the folders in progress are finished, the run
//! report is written, no temporary file is left, and `--resume` finishes to the tree of an
//! uninterrupted run, converting only the inputs that were not done and, within an input
//! stopped part-way, only the folders that were not done. A run killed outright (SIGKILL)
//! resumes to the same tree too: the folder it was in is converted again from its start.
#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

mod common;
use common::*;

/// The next number in [0, 1) of a seeded sequence (a linear congruential generator).
fn next_fraction(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*seed >> 33) as f64 / (1u64 << 31) as f64
}

/// Starts `command`, sends it `signal` (`INT`, `KILL`) after `wait`, and returns its exit
/// status and what it printed on stderr.
fn interrupt(mut command: Command, wait: Duration, signal: &str) -> (Option<i32>, String) {
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(wait);
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status();
    let o = child.wait_with_output().unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn convert(out: &Path, extra: &[&str]) -> Command {
    let mut c = bin();
    c.args(["convert", "--jobs", "1", "-o"])
        .arg(out)
        .args(extra)
        .arg(corpus());
    c
}

#[test]
fn sigint_leaves_reports_and_resume_finishes_the_same_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("full");
    let started = Instant::now();
    let status = convert(&full, &["--quiet"]).status().unwrap();
    let run_time = started.elapsed();
    assert!(matches!(status.code(), Some(0 | 1)));
    let expected = snapshot(&full);
    let inputs = std::fs::read_dir(corpus()).unwrap().count();

    // Points in the run chosen at random (the seed is printed, to replay a failure).
    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("seed {seed}");
    let mut interrupted = 0;
    let mut resumed_fewer = false;
    // Where the signal lands depends on the machine's load: after the random rounds, until an
    // input was finished before it, the point is searched for between a wait that came too
    // early (no input finished) and one that came too late (the run ended).
    let (mut early, mut late) = (0.0_f64, 1.0_f64);
    let mut round = 0;
    while round < 4 || (!resumed_fewer && round < 12) {
        let fraction = if round < 4 {
            0.9 * next_fraction(&mut seed)
        } else {
            (early + late) / 2.0
        };
        let wait = Duration::from_millis(100) + run_time.mul_f64(fraction);
        let out = tmp.path().join(format!("run{round}"));
        round += 1;
        let (code, err) = interrupt(convert(&out, &[]), wait, "INT");
        if code != Some(130) {
            // The run ended before the signal: nothing to check this round.
            assert!(matches!(code, Some(0 | 1)), "{err}");
            late = late.min(fraction);
            continue;
        }
        interrupted += 1;
        assert!(err.contains("--resume"), "no hint to resume: {err}");
        let partial = snapshot(&out);
        assert!(partial.contains_key("report.json"), "no run report");
        assert!(
            !partial.keys().any(|k| k.contains(".partial")),
            "temporary files left behind"
        );
        // Every input folder there is finished: its report says complete.
        let done = partial
            .keys()
            .filter(|k| k.ends_with("/report.json"))
            .count();
        assert!(done < inputs, "the run was not interrupted");

        let o = convert(&out, &["--resume"])
            .stdout(Stdio::null())
            .output()
            .unwrap();
        assert!(matches!(o.status.code(), Some(0 | 1)));
        let log = String::from_utf8_lossy(&o.stderr);
        let lines = log.lines().filter(|l| l.starts_with("done ")).count();
        let skipped = log.matches("already complete, skipped").count();
        assert_eq!(lines, inputs, "{log}");
        // The inputs finished before the signal are not converted again.
        assert_eq!(skipped, done, "{log}");
        resumed_fewer |= skipped > 0;
        if skipped == 0 {
            early = early.max(fraction);
        }
        if early >= late {
            // The machine's pace changed under the search: search the whole run again.
            (early, late) = (0.0, 1.0);
        }
        assert_eq!(
            snapshot(&out),
            expected,
            "round {round}: resumed tree differs"
        );
    }
    assert!(
        interrupted > 0,
        "no round was interrupted (seed printed above)"
    );
    assert!(
        resumed_fewer,
        "no resumed run skipped an input in {round} rounds (seed printed above)"
    );
}

/// The `resumed` count of a run's "done" lines: items of folders an interrupted run had
/// finished, taken from its journal instead of converted again.
fn resumed_items(log: &str) -> u64 {
    log.lines()
        .filter_map(|l| {
            l.split_once(" (")?
                .1
                .split_once(" of them in folders finished")?
                .0
                .parse::<u64>()
                .ok()
        })
        .sum()
}

#[test]
fn resume_continues_an_input_at_the_folders_not_yet_written() {
    let tmp = tempfile::tempdir().unwrap();
    // One input of several hundred messages over a dozen folders, by the writer.
    let file = tmp.path().join("mailbox.pst");
    let mut build = pst_fixtures::BuildOptions::new(
        pstkit::Layout::Unicode,
        pstkit::Client::Pst,
        pstkit::CryptMethod::Permute,
    );
    build.size = Some(20_000_000);
    pst_fixtures::build_file(&file, &build).unwrap();
    std::fs::remove_file(tmp.path().join("mailbox.pst.json")).unwrap();
    let convert = |out: &Path, extra: &[&str]| {
        let mut c = bin();
        c.args(["convert", "--jobs", "1", "--mail", "both", "-o"])
            .arg(out)
            .args(extra)
            .arg(&file);
        c
    };
    let full = tmp.path().join("full");
    let started = Instant::now();
    let status = convert(&full, &["--quiet"]).status().unwrap();
    let run_time = started.elapsed();
    assert_eq!(status.code(), Some(0));
    let expected = snapshot(&full);

    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("seed {seed}");
    // Whether a run stopped by SIGINT left a journal naming folders with items in them: only
    // then can a resumed run skip anything. Where the signal lands depends on the machine's
    // load, so after the random rounds the point is searched for (between a wait that came too
    // early, nothing written yet, and one that came too late, the input done), SIGINT only.
    let mut resumed_some = false;
    let (mut early, mut late) = (0.0_f64, 1.0_f64);
    let mut round = 0;
    while round < 6 || (!resumed_some && round < 16) {
        // The first rounds fall somewhere in the second half of the run, where folders are
        // being written; every third of them kills the process outright instead.
        let fraction = if round < 6 {
            0.5 + 0.45 * next_fraction(&mut seed)
        } else {
            (early + late) / 2.0
        };
        let kill = round < 6 && round % 3 == 2;
        let wait = run_time.mul_f64(fraction);
        let out = tmp.path().join(format!("run{round}"));
        round += 1;
        let (code, err) = interrupt(convert(&out, &[]), wait, if kill { "KILL" } else { "INT" });
        if code == Some(0) {
            // The run ended before the signal: nothing to check this round.
            late = late.min(fraction);
            continue;
        }
        let left = snapshot(&out);
        let stopped_part_way = !kill && err.contains("1 stopped part-way");
        if !kill {
            assert_eq!(code, Some(130), "{err}");
            assert!(err.contains("--resume"), "no hint to resume: {err}");
            assert!(left.contains_key("report.json"), "no run report");
            assert!(
                !left.keys().any(|k| k.contains(".partial")),
                "temporary files left behind"
            );
            if stopped_part_way {
                assert!(left.contains_key("mailbox.pst/.resume.jsonl"), "{left:?}");
                assert!(!left.contains_key("mailbox.pst/report.json"));
            }
        }
        // What the interrupted run recorded as done: what a resumed run must not do again.
        let journaled = left
            .get("mailbox.pst/.resume.jsonl")
            .map_or(0, |j| journaled_items(j));
        eprintln!("round {round}: {fraction:.2} of the run, {journaled} items journaled");
        let o = convert(&out, &["--resume"])
            .stdout(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
        let log = String::from_utf8_lossy(&o.stderr);
        // Exactly the items of the folders already written are taken from the journal.
        assert_eq!(
            resumed_items(&log),
            journaled,
            "round {round}: resumed other than the journal's folders: {err} {log}"
        );
        assert_eq!(
            snapshot(&out),
            expected,
            "round {round} ({}): resumed tree differs",
            if kill { "SIGKILL" } else { "SIGINT" }
        );
        if stopped_part_way && journaled > 0 {
            resumed_some = true;
        } else if !kill {
            // Stopped before a folder with items was written: the signal came early.
            early = early.max(fraction);
        }
        if early >= late {
            // The machine's pace changed under the search: search the whole run again.
            (early, late) = (0.0, 1.0);
        }
    }
    assert!(
        resumed_some,
        "no SIGINT round stopped the input after a folder with items was written, in {round} \
         rounds (seed printed above)"
    );
}

/// The items of the folders an interrupted run's journal (`.resume.jsonl`: a header line, then
/// one line per folder finished) records as done, each folder counted once; a last line cut
/// short is no folder done.
fn journaled_items(journal: &[u8]) -> u64 {
    let mut folders = std::collections::BTreeMap::new();
    for line in String::from_utf8_lossy(journal).lines().skip(1) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        folders.insert(v["index"].as_u64().unwrap(), v["items"].as_u64().unwrap());
    }
    folders.values().sum()
}
