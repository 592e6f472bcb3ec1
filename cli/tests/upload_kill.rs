//! `ost-extract upload` killed (SIGKILL) at random points, several times, then run to the
//! end: against a real Dovecot (ost-extract's test servers), every mailbox holds the same
//! number of messages and the same Message-IDs as after an upload that was never
//! interrupted: none missing, none twice; a further run uploads nothing. The seed is printed;
//! `UPLOAD_KILL_SEED=N` repeats a run.
#![cfg(unix)]

#[path = "../../ost-extract/tests/servers/mod.rs"]
mod servers;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use servers::servers;

/// When to kill the upload.
#[derive(Debug, Clone, Copy)]
enum Kill {
    Never,
    /// This long after it started (while it opens the file and logs in, or later).
    After(Duration),
    /// Once the ledger records this many messages as on the server.
    AtDone(usize),
}

/// How many messages the ledgers in `dir` record as on the server.
fn done_in_ledger(dir: &Path) -> usize {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .map(|t| t.matches("\"state\":\"done\"").count())
        .sum()
}

/// Runs `ost-extract upload` of `input` as `user`, killing it as `kill` says. Returns its
/// report when it ran to the end.
fn upload(input: &Path, user: &str, ledger: &Path, kill: Kill) -> Option<serde_json::Value> {
    let srv = servers();
    let report = ledger.with_file_name(format!("report-{user}.json"));
    let _ = std::fs::remove_file(&report);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ost-extract"))
        .arg("upload")
        .arg(input)
        .arg("--imap")
        .arg(format!("imaps://{user}@127.0.0.1:{}", srv.imaps_port))
        .arg("--ca-file")
        .arg(&srv.ca_file)
        .arg("--connections")
        .arg("2")
        .arg("--ledger-dir")
        .arg(ledger)
        .arg("--report")
        .arg(&report)
        .arg("--quiet")
        .env("OST_EXTRACT_PASSWORD", &srv.password)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            assert!(status.success(), "upload failed ({status}): {err}");
            let text = std::fs::read(&report).unwrap();
            return Some(serde_json::from_slice(&text).unwrap());
        }
        let now = match kill {
            Kill::Never => false,
            Kill::After(t) => started.elapsed() >= t,
            Kill::AtDone(n) => done_in_ledger(ledger) >= n,
        };
        if now {
            // SIGKILL: no handler runs, nothing is flushed.
            child.kill().unwrap();
            child.wait().unwrap();
            return None;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Every mailbox of `user`: message count and sorted Message-IDs.
fn mailboxes(user: &str) -> BTreeMap<String, Vec<String>> {
    let mut s = servers().session(user);
    let mut out = BTreeMap::new();
    for m in s.list().unwrap() {
        if m.no_select {
            continue;
        }
        let mut ids: Vec<String> = s
            .fetch_all(&m.name)
            .unwrap()
            .iter()
            .map(|f| ost_extract::upload::eml_message_id(&f.body).unwrap_or_default())
            .collect();
        ids.sort();
        out.insert(m.name, ids);
    }
    s.logout();
    out
}

fn uploaded(reports: &serde_json::Value) -> u64 {
    reports
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r["upload"]["folders"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|f| f["uploaded"].as_u64().unwrap())
        .sum()
}

/// A small xorshift generator: the kill points are reproducible from the printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn killed_uploads_resume_with_nothing_missing_and_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("built.ost");
    let mut o = pst_fixtures::BuildOptions::new(
        pstkit::Layout::Unicode4k,
        pstkit::Client::Ost,
        pstkit::ndb::CryptMethod::Permute,
    );
    o.size = Some(16 << 20);
    pst_fixtures::build_file(&input, &o).unwrap();

    // The reference: one uninterrupted upload.
    let started = Instant::now();
    let whole = upload(
        &input,
        "whole@example.test",
        &dir.path().join("l1"),
        Kill::Never,
    )
    .unwrap();
    let full = started.elapsed();
    let want = mailboxes("whole@example.test");
    let total: usize = want.values().map(Vec::len).sum();
    assert!(total > 500, "{total} messages");
    assert_eq!(uploaded(&whole), total as u64);

    let seed = std::env::var("UPLOAD_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("seed {seed} (UPLOAD_KILL_SEED={seed} repeats this run)");
    let mut rng = Rng(seed);
    let user = "killed@example.test";
    let ledger = dir.path().join("l2");
    let mut kills = 0;
    let mut partial = 0;
    for round in 0..5 {
        // The first kill at a random time (while starting, or sending); the others at
        // random points of the upload, as the ledger shows its progress.
        let before = done_in_ledger(&ledger);
        let kill = if round == 0 {
            Kill::After(full.mul_f64((rng.next() % 1000) as f64 / 1000.0 * 0.5))
        } else {
            // Within the next third of what is left, so that later rounds still find work.
            let third = ((total - before.min(total)) / 3).max(1) as u64;
            Kill::AtDone(before + 1 + (rng.next() % third) as usize)
        };
        if upload(&input, user, &ledger, kill).is_some() {
            // It finished before the kill point: the rest of the checks still hold.
            println!("round {round}: {kill:?}: finished first");
            break;
        }
        kills += 1;
        let n: usize = mailboxes(user).values().map(Vec::len).sum();
        if n > 0 && n < total {
            partial += 1;
        }
        println!("round {round}: killed at {kill:?}: {n} of {total} messages on the server");
    }
    assert!(kills >= 3, "only {kills} runs were killed (seed {seed})");
    assert!(
        partial >= 2,
        "{partial} kills in the middle of the upload (seed {seed})"
    );
    let last = upload(&input, user, &ledger, Kill::Never).unwrap();
    let got = mailboxes(user);
    for (mb, ids) in &want {
        let have = got.get(mb).map_or(&[][..], Vec::as_slice);
        assert_eq!(have.len(), ids.len(), "{mb}: message count (seed {seed})");
        assert!(
            have == ids.as_slice(),
            "{mb}: Message-IDs differ (seed {seed})"
        );
    }
    assert_eq!(
        got.values().map(Vec::len).sum::<usize>(),
        total,
        "messages outside the reference's mailboxes (seed {seed})"
    );
    assert!(last[0]["failures"].as_array().unwrap().is_empty());
    // And once more: nothing left to send.
    let again = upload(&input, user, &ledger, Kill::Never).unwrap();
    assert_eq!(uploaded(&again), 0, "seed {seed}");
    assert_eq!(mailboxes(user), got);
    println!("{kills} kills, {partial} in the middle of the upload");
}
