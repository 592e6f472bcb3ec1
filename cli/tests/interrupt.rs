//! Ctrl-C (SIGINT) at random points of a run: the inputs in progress are finished, the run
//! report is written, no temporary file is left, and `--resume` finishes to the tree of an
//! uninterrupted run, converting only the inputs that were not done.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ost-extract"))
}

fn corpus() -> PathBuf {
    match std::env::var_os("OST_EXTRACT_CORPUS") {
        Some(p) => PathBuf::from(p).join("corpus"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/corpus"),
    }
}

/// Every file under `dir`, relative path -> bytes; reports without their timing.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                let mut bytes = std::fs::read(&p).unwrap();
                if rel.ends_with("report.json") {
                    let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                    v.as_object_mut().unwrap().remove("elapsed_ms");
                    bytes = serde_json::to_vec(&v).unwrap();
                }
                out.insert(rel, bytes);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
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
    for round in 0..4 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let fraction = (seed >> 33) as f64 / (1u64 << 31) as f64;
        let wait = Duration::from_millis(100) + run_time.mul_f64(0.9 * fraction);
        let out = tmp.path().join(format!("run{round}"));
        let child = convert(&out, &[])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(wait);
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(child.id().to_string())
            .status();
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        if o.status.code() != Some(130) {
            // The run ended before the signal: nothing to check this round.
            assert!(matches!(o.status.code(), Some(0 | 1)), "{err}");
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
        "no resumed run skipped an input (seed printed above)"
    );
}
