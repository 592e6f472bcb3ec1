//! End-to-end tests of `ost-extract convert`: the same tree whatever the thread count, resume
//! after a kill, reports, exit codes and refusal to overwrite.

use std::process::Stdio;
use std::time::{Duration, Instant};

mod common;
use common::*;

#[test]
fn thread_count_does_not_change_the_output() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    for (out, jobs) in [(&one, "1"), (&two, "2")] {
        let status = bin()
            .args(["convert", "--quiet", "--mail", "both", "--jobs", jobs, "-o"])
            .arg(out)
            .arg(corpus())
            .arg(demo_dir())
            .status()
            .unwrap();
        // The corpus holds one file that is not a PST: exit 1, everything else written.
        assert_eq!(status.code(), Some(1));
    }
    let (a, b) = (snapshot(&one), snapshot(&two));
    assert!(a.len() > 1000, "only {} files written", a.len());
    assert_same(&a, &b);
}

/// A PST's messages are written as their folders finish, so its byte layout can vary from run
/// to run; its content does not: the same folders, and in each the same messages with every
/// property (named ones by name), recipient and attachment, at `--jobs 1` and `--jobs 2`.
#[test]
fn thread_count_does_not_change_a_pst_s_content() {
    let tmp = tempfile::tempdir().unwrap();
    let contents: Vec<_> = ["1", "2"]
        .into_iter()
        .map(|jobs| {
            let out = tmp.path().join(jobs);
            let status = bin()
                .args(["convert", "--quiet", "--pst-only", "--jobs", jobs, "-o"])
                .arg(&out)
                .arg(demo("demo-2013.ost"))
                .arg(demo("demo-unicode.pst"))
                .status()
                .unwrap();
            assert_eq!(status.code(), Some(0));
            [
                pst_content(&out.join("demo-2013.ost/demo-2013.pst")),
                pst_content(&out.join("demo-unicode.pst/demo-unicode.pst")),
            ]
        })
        .collect();
    let messages: usize = contents[0]
        .iter()
        .flat_map(|c| c.values())
        .map(Vec::len)
        .sum();
    assert!(messages > 50, "only {messages} messages");
    assert_eq!(contents[0], contents[1]);
}

/// Each folder of the PST at `path` (by path) with its messages, each as text: properties by
/// id or, for named ones, by name (a PST numbers its names as it meets them), recipients and
/// attachments; sorted.
fn pst_content(path: &std::path::Path) -> std::collections::BTreeMap<Vec<String>, Vec<String>> {
    use pstkit::messaging::{Message, PropertyBag};
    fn bag(b: &PropertyBag) -> String {
        let mut props: Vec<String> = b
            .iter()
            .map(|(id, v)| match b.name_of(id) {
                Some(name) => format!("{name:?}={v:?}"),
                None => format!("{id:?}={v:?}"),
            })
            .collect();
        props.sort();
        props.join(";")
    }
    fn message(m: &Message) -> String {
        let mut text = format!("{:?} {}", m.nid, bag(&m.props));
        for r in &m.recipients {
            text += &format!(" recipient {}", bag(r));
        }
        for a in &m.attachments {
            text += &format!(" attachment {}", bag(&a.props));
            if let Some(e) = &a.embedded {
                text += &format!(" embedded [{}]", message(e));
            }
        }
        text
    }
    let store = pstkit::Store::open(path).unwrap();
    store
        .folders()
        .folders
        .iter()
        .map(|f| {
            let mut messages: Vec<String> = store
                .folder_contents(f.nid)
                .items
                .iter()
                .map(|&nid| message(&store.message(nid).unwrap()))
                .collect();
            messages.sort();
            (f.path.clone(), messages)
        })
        .collect()
}

#[test]
fn a_killed_run_resumes_to_the_same_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let (full, resumed) = (tmp.path().join("full"), tmp.path().join("resumed"));
    let status = bin()
        .args(["convert", "--quiet", "--jobs", "2", "-o"])
        .arg(&full)
        .arg(corpus())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));

    // Kill a one-thread run once a third of the inputs are done.
    let mut child = bin()
        .args(["convert", "--quiet", "--jobs", "1", "-o"])
        .arg(&resumed)
        .arg(corpus())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let inputs = std::fs::read_dir(corpus()).unwrap().count();
    let started = Instant::now();
    loop {
        let done = std::fs::read_dir(&resumed)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.path().join("report.json").exists())
                    .count()
            })
            .unwrap_or(0);
        if done >= inputs / 3 || started.elapsed() > Duration::from_secs(120) {
            break;
        }
        if child.try_wait().unwrap().is_some() {
            panic!("the run finished before it could be interrupted");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = snapshot(&resumed);
    assert!(
        partial.len() < snapshot(&full).len(),
        "the run was not interrupted"
    );

    // Without --resume or --force a non-empty output is refused.
    let refused = bin()
        .args(["convert", "--quiet", "-o"])
        .arg(&resumed)
        .arg(corpus())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--resume"));

    let status = bin()
        .args(["convert", "--quiet", "--resume", "--jobs", "2", "-o"])
        .arg(&resumed)
        .arg(corpus())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    let after = snapshot(&resumed);
    assert!(
        !after.keys().any(|k| k.contains(".partial")),
        "temporary files left behind"
    );
    assert_same(&snapshot(&full), &after);
}

#[test]
fn reports_count_what_the_reader_lists_and_exit_codes_say_what_happened() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    std::fs::copy(demo_dir().join("demo-2013.ost"), inputs.join("laptop.ost")).unwrap();
    let out = tmp.path().join("out");
    let o = bin()
        .args(["convert", "--mail", "mbox", "-o"])
        .arg(&out)
        .arg(&inputs)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(summary.contains("laptop.ost"), "{summary}");

    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("laptop.ost/report.json")).unwrap())
            .unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(demo_dir().join("demo-2013.ost.json")).unwrap())
            .unwrap();
    let found: u64 = report["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| c["found"].as_u64().unwrap())
        .sum();
    let written: u64 = report["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| c["written"].as_u64().unwrap())
        .sum();
    assert_eq!(found, manifest["totals"]["messages"].as_u64().unwrap());
    assert_eq!(written, found);
    assert_eq!(report["complete"], true);
    for dir in ["Mail", "Calendar", "Contacts", "Tasks"] {
        assert!(out.join("laptop.ost").join(dir).is_dir(), "{dir}/ missing");
    }

    // A garbage file beside it: reported, the rest converted, exit 1.
    std::fs::write(inputs.join("broken.pst"), b"From nobody\nnot a pst\n").unwrap();
    let out2 = tmp.path().join("out2");
    let o = bin()
        .args(["convert", "--quiet", "-o"])
        .arg(&out2)
        .arg(&inputs)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let broken: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out2.join("broken.pst/report.json")).unwrap())
            .unwrap();
    assert!(broken["error"]
        .as_str()
        .unwrap()
        .contains("not a PST or OST"));
    assert!(out2.join("laptop.ost/Mail").is_dir());

    // Only unreadable inputs: exit 2.
    let o = bin()
        .args(["convert", "--quiet", "-o"])
        .arg(tmp.path().join("out3"))
        .arg(inputs.join("broken.pst"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn an_unwritable_output_stops_with_the_path() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ro");
    std::fs::create_dir(&out).unwrap();
    std::fs::create_dir(out.join("demo-2013.ost")).unwrap();
    std::fs::set_permissions(
        out.join("demo-2013.ost"),
        std::fs::Permissions::from_mode(0o555),
    )
    .unwrap();
    // Root ignores permissions; the test means something only for other users.
    if std::fs::write(out.join("demo-2013.ost/probe"), b"").is_ok() {
        eprintln!(
            "running as root: permissions are not enforced, checking a file in the way instead"
        );
        std::fs::remove_file(out.join("demo-2013.ost/probe")).unwrap();
        std::fs::set_permissions(
            out.join("demo-2013.ost"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        std::fs::remove_dir(out.join("demo-2013.ost")).unwrap();
        // A file where the input's output folder must go cannot be replaced by a folder.
        std::fs::write(out.join("demo-2013.ost"), b"in the way").unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    let o = bin()
        .args(["convert", "--quiet", "--force", "-o"])
        .arg(&out)
        .arg(demo_dir().join("demo-2013.ost"))
        .output()
        .unwrap();
    let _ = std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o755));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("demo-2013.ost"),
        "the message must name the path: {err}"
    );
}
