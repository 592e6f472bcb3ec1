//! What the command says when it is used wrongly: each message names what is wrong, once.

use std::process::Output;

mod common;
use common::*;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_missing_file_is_named_and_its_cause_said_once() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("gone.ost");
    for command in ["info", "ls"] {
        let o = bin().arg(command).arg(&missing).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{command}");
        let err = stderr(&o);
        assert!(err.contains(&missing.display().to_string()), "{err}");
        assert_eq!(err.matches("(os error 2)").count(), 1, "{err}");
    }
}

#[test]
fn info_on_a_folder_says_it_is_a_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let o = bin().arg("info").arg(tmp.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("is a folder, not a PST or OST file"), "{err}");
    assert!(!err.contains("No such device"), "{err}");
}

#[test]
fn no_inputs_found_names_the_folders_searched() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    std::fs::create_dir(&a).unwrap();
    std::fs::create_dir(&b).unwrap();
    std::fs::write(a.join("notes.txt"), b"not a cache").unwrap();
    let o = bin()
        .arg("convert")
        .arg(&a)
        .arg(&b)
        .arg("-o")
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("no .ost or .pst files found"), "{err}");
    assert!(err.contains(&a.display().to_string()), "{err}");
    assert!(err.contains(&b.display().to_string()), "{err}");
}

#[test]
fn force_and_resume_together_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = bin()
        .args(["convert", "--quiet", "--force", "--resume", "-o"])
        .arg(&out)
        .arg(demo("demo-ansi.pst"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("--force") && err.contains("--resume"), "{err}");
    assert!(!out.exists(), "nothing may be written");
}

#[test]
fn info_json_says_what_info_says() {
    for name in [
        "demo-2013.ost",
        "demo-unicode.ost",
        "demo-unicode.pst",
        "demo-ansi.pst",
    ] {
        let o = bin().arg("info").arg(demo(name)).output().unwrap();
        assert_eq!(o.status.code(), Some(0));
        let text = String::from_utf8(o.stdout).unwrap();
        let field = |label: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(label))
                .map(|v| v.trim().to_owned())
                .unwrap_or_else(|| panic!("{label} missing: {text}"))
        };
        let o = bin()
            .args(["info", "--json"])
            .arg(demo(name))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        // The manifest the writer's files were checked against (libpff, readpst).
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(demo(&format!("{name}.json"))).unwrap()).unwrap();
        assert_eq!(json["items"], manifest["totals"]["messages"], "{name}");
        assert_eq!(json["folders"], manifest["totals"]["folders"], "{name}");
        assert_eq!(json["size"], manifest["size"], "{name}");
        assert_eq!(json["encryption"], manifest["format"]["crypt"], "{name}");
        assert_eq!(json["items"].to_string(), field("items:"), "{name}");
        assert_eq!(
            json["size"].to_string() + " bytes",
            field("size:"),
            "{name}"
        );
        assert_eq!(json["store_name"].as_str().unwrap(), field("store name:"));
        assert_eq!(
            format!(
                "{} ({}, wVer {})",
                json["client"].as_str().unwrap().to_uppercase(),
                json["layout"].as_str().unwrap(),
                json["wVer"]
            ),
            field("format:")
        );
        assert_eq!(
            json["warnings"].as_array().unwrap().len().to_string(),
            field("warnings:")
        );
    }
}

#[test]
fn an_input_added_with_resume_joins_the_run_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    for (file, extra) in [("demo-2013.ost", None), ("demo-ansi.pst", Some("--resume"))] {
        let o = bin()
            .args(["convert", "--quiet", "-o"])
            .arg(&out)
            .args(extra)
            .arg(demo(file))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let outputs: Vec<&str> = run["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["output"].as_str().unwrap())
        .collect();
    assert_eq!(outputs, ["demo-2013.ost", "demo-ansi.pst"]);
    // The totals are the two inputs' together (30 + 34 items, all written).
    let written: u64 = run["totals"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| c["written"].as_u64().unwrap())
        .sum();
    assert_eq!(written, 64);
}

#[test]
fn the_input_report_counts_each_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = bin()
        .args(["convert", "--quiet", "-o"])
        .arg(&out)
        .arg(demo("demo-2013.ost"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("demo-2013.ost/report.json")).unwrap())
            .unwrap();
    // What `ls` lists per folder (the writer's manifest) is what the report found per folder.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(demo("demo-2013.ost.json")).unwrap()).unwrap();
    let listed: std::collections::BTreeMap<String, u64> = manifest["folders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["message_count"].as_u64().unwrap() > 0)
        .map(|f| {
            let path: Vec<&str> = f["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            (path.join("/"), f["message_count"].as_u64().unwrap())
        })
        .collect();
    let counted: std::collections::BTreeMap<String, u64> = report["folders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let found = f["counts"]
                .as_object()
                .unwrap()
                .values()
                .map(|c| c["found"].as_u64().unwrap())
                .sum();
            (f["folder"].as_str().unwrap().to_owned(), found)
        })
        .collect();
    assert_eq!(counted, listed);
    // And the folders add up to the input's totals, kind by kind.
    for (kind, total) in report["counts"].as_object().unwrap() {
        for field in ["found", "written", "failed"] {
            let sum: u64 = report["folders"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|f| f["counts"][kind][field].as_u64())
                .sum();
            assert_eq!(sum, total[field].as_u64().unwrap(), "{kind} {field}");
        }
    }
}

/// `ost-extract info FILE | head -1`: a reader that goes away must end the command quietly,
/// as it ends Unix tools (status 141, what a shell shows for SIGPIPE), never with a panic.
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let file = demo("demo-unicode.pst");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let runs: [&[&str]; 7] = [
        &["info"],
        &["info", "--json"],
        &["ls"],
        &["ls", "--json"],
        &["check"],
        &["convert", "--dry-run", "-o", "/nonexistent-out"],
        &["report"],
    ];
    for args in runs {
        // The pipe's reading end is closed before the command starts: its first write fails.
        let (reader, writer) = rustix::pipe::pipe().unwrap();
        drop(reader);
        let mut c = bin();
        c.args(args);
        if args[0] == "report" {
            // A finished run's folder, to report on.
            let o = bin()
                .args(["convert", "--quiet", "-o"])
                .arg(&out)
                .arg(&file)
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(0));
            c.arg(&out);
        } else {
            c.arg(&file);
        }
        let o = c
            .stdout(std::process::Stdio::from(writer))
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(141), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}
