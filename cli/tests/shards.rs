//! `convert --shard I/N` and `report`: shards run at the same time into one output folder (or
//! one each) give, once merged, the files and the run report of a single run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

mod common;
use common::*;

/// Every file under `dir` but the shard reports, relative path -> bytes; reports without
/// their timing, the one thing that differs between runs.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    snapshot_except(dir, |rel| rel.starts_with("report-shard-"))
}

/// Starts the three shards of a run at once; each writes into `out(i)`.
fn run_shards(out: impl Fn(u32) -> PathBuf, skip: Option<u32>) {
    let children: Vec<_> = (0..3)
        .filter(|i| Some(*i) != skip)
        .map(|i| {
            bin()
                .args(["convert", "--quiet", "--mail", "both", "--jobs", "1"])
                .arg("--shard")
                .arg(format!("{i}/3"))
                .arg("-o")
                .arg(out(i))
                .arg(corpus())
                .arg(demo_dir())
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        let code = c.wait().unwrap().code();
        // A shard exits as a run does: 1 when some of its inputs or items are unreadable.
        assert!(matches!(code, Some(0 | 1)), "a shard exited {code:?}");
    }
}

#[test]
fn three_shards_at_once_merge_to_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let one = tmp.path().join("one");
    let status = bin()
        .args(["convert", "--quiet", "--mail", "both", "--jobs", "2", "-o"])
        .arg(&one)
        .arg(corpus())
        .arg(demo_dir())
        .status()
        .unwrap();
    // 1 if some corpus file or item cannot be read, else 0; the merged report must say the same.
    let code = status.code();
    assert!(matches!(code, Some(0 | 1)), "the run exited {code:?}");

    // Three shards into one shared folder.
    let shared = tmp.path().join("shared");
    run_shards(|_| shared.clone(), None);
    let plans: Vec<serde_json::Value> = (0..3)
        .map(|i| json(&shared.join(format!("report-shard-{i}-of-3.json"))))
        .collect();
    let inputs = plans[0]["inputs"].as_array().unwrap();
    assert!(inputs.len() > 100, "{} inputs", inputs.len());
    for i in 0..3u64 {
        // Every shard got some of the inputs, and each ran to its end.
        assert!(
            inputs.iter().any(|p| p["shard"] == i),
            "shard {i} got nothing"
        );
        assert_eq!(plans[i as usize]["complete"], true);
        assert_eq!(plans[i as usize]["inputs"], plans[0]["inputs"]);
    }
    let o = bin().arg("report").arg(&shared).output().unwrap();
    assert_eq!(o.status.code(), code);
    let printed = String::from_utf8_lossy(&o.stdout);
    assert!(
        !printed.contains("missing:") && !printed.contains("incomplete:"),
        "{printed}"
    );
    assert_same(&snapshot(&one), &snapshot(&shared));

    // Three shards into three folders, merged from all three.
    let apart = |i: u32| tmp.path().join(format!("apart{i}"));
    run_shards(apart, None);
    let o = bin()
        .arg("report")
        .args((0..3).map(apart))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), code);
    let mut merged = snapshot(&apart(0));
    for i in 1..3 {
        for (k, v) in snapshot(&apart(i)) {
            if k != "report.json" {
                assert!(merged.insert(k.clone(), v).is_none(), "{k} written twice");
            }
        }
    }
    assert_same(&snapshot(&one), &merged);

    // A shard that did not run: its inputs are named, and the report says the run is not whole.
    let partial = tmp.path().join("partial");
    run_shards(|_| partial.clone(), Some(1));
    let o = bin().arg("report").arg(&partial).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let printed = String::from_utf8_lossy(&o.stdout);
    assert!(printed.contains("shard 1/3: no report"), "{printed}");
    let missing: Vec<&str> = printed
        .lines()
        .filter(|l| l.starts_with("missing: "))
        .collect();
    let of_shard_1 = inputs.iter().filter(|p| p["shard"] == 1).count();
    assert_eq!(missing.len(), of_shard_1, "{printed}");
    assert!(
        missing.iter().all(|l| l.ends_with("(shard 1/3)")),
        "{printed}"
    );
}

#[test]
fn adding_an_input_moves_no_other_to_another_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let caches = tmp.path().join("caches");
    for (dir, file) in [("ana", "demo-2013.ost"), ("ben", "demo-unicode.pst")] {
        std::fs::create_dir_all(caches.join(dir)).unwrap();
        std::fs::copy(demo_dir().join(file), caches.join(dir).join(file)).unwrap();
    }
    let plan = |out: &Path| {
        let status = bin()
            .args(["convert", "--quiet", "--shard", "0/5", "-o"])
            .arg(out)
            .arg(&caches)
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(0));
        let r = json(&out.join("report-shard-0-of-5.json"));
        r["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let input = p["input"].as_str().unwrap();
                let rel = Path::new(input).strip_prefix(&caches).unwrap();
                (rel.display().to_string(), p["shard"].as_u64().unwrap())
            })
            .collect::<BTreeMap<_, _>>()
    };
    let before = plan(&tmp.path().join("before"));
    for dir in ["carla", "dan", "eve"] {
        std::fs::create_dir_all(caches.join(dir)).unwrap();
        std::fs::copy(
            demo_dir().join("demo-ansi.pst"),
            caches.join(dir).join("old.pst"),
        )
        .unwrap();
    }
    let after = plan(&tmp.path().join("after"));
    assert_eq!(after.len(), before.len() + 3);
    for (input, shard) in &before {
        assert_eq!(after[input], *shard, "{input} moved");
    }
    // Moving the whole folder elsewhere (another mount point) keeps every shard.
    let moved = tmp.path().join("elsewhere");
    std::fs::rename(&caches, &moved).unwrap();
    let status = bin()
        .args(["convert", "--quiet", "--shard", "0/5", "-o"])
        .arg(tmp.path().join("moved"))
        .arg(&moved)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let r = json(&tmp.path().join("moved/report-shard-0-of-5.json"));
    for p in r["inputs"].as_array().unwrap() {
        let rel = Path::new(p["input"].as_str().unwrap())
            .strip_prefix(&moved)
            .unwrap()
            .display()
            .to_string();
        assert_eq!(p["shard"].as_u64().unwrap(), after[&rel], "{rel}");
    }
}

#[test]
fn report_failures_says_what_failed_and_why() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    std::fs::copy(demo_dir().join("demo-ansi.pst"), inputs.join("good.pst")).unwrap();
    std::fs::write(inputs.join("broken.pst"), b"From nobody\nnot a pst\n").unwrap();
    let out = tmp.path().join("out");
    let status = bin()
        .args(["convert", "--quiet", "-o"])
        .arg(&out)
        .arg(&inputs)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    let o = bin()
        .args(["report", "--failures"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let printed = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 1, "{printed}");
    assert!(lines[0].contains("broken.pst: unreadable: "), "{printed}");
    assert!(lines[0].contains("not a PST or OST"), "{printed}");
    // Without --failures: the summary, and the run report written again, the same.
    let before = json(&out.join("report.json"));
    let o = bin().arg("report").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("good.pst"));
    let mut after = json(&out.join("report.json"));
    let mut before = before;
    before.as_object_mut().unwrap().remove("elapsed_ms");
    after.as_object_mut().unwrap().remove("elapsed_ms");
    assert_eq!(before, after);
}
