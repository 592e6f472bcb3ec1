//! `convert --dry-run` on the writer's files: it writes nothing, its counts per folder and
//! kind are what a real run then finds, and every file it names is one the real run writes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ost-extract"))
}

fn demo(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/demo")
        .join(name)
}

#[test]
fn dry_run_counts_are_the_real_runs() {
    for name in [
        "demo-2013.ost",
        "demo-unicode.ost",
        "demo-unicode.pst",
        "demo-ansi.pst",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let o = bin()
            .args(["convert", "--dry-run", "--mail", "both", "-o"])
            .arg(&out)
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
            if line.starts_with("total: ") {
                continue;
            }
            let (folder, rest) = line.rsplit_once(": ").unwrap();
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
        assert!(planned.len() > 5, "{printed}");

        let o = bin()
            .args(["convert", "--quiet", "--mail", "both", "-o"])
            .arg(&out)
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
        assert_eq!(planned, found, "{name}");
        for w in &writes {
            assert!(out.join(name).join(w).exists(), "{name}: {w} not written");
        }
    }
}
