//! `ost-extract upload --since/--until` takes the items `convert` takes with the same flags
//! (one `SelectArgs` serves both): against a real Dovecot (ost-extract's test servers), the
//! mail of one day of the demo cache arrives, per folder as many messages as `convert`
//! writes for that day, fewer than the whole cache holds.
#![cfg(unix)]

#[path = "../../ost-extract/tests/servers/mod.rs"]
mod servers;

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::{demo, json};
use servers::servers;

/// Mail found per folder (folders with mail only) of a report.
fn mail_per_folder(report: &serde_json::Value) -> BTreeMap<String, u64> {
    report["folders"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| {
            let n = f["counts"]["mail"]["found"].as_u64().unwrap_or(0);
            (n > 0).then(|| (f["folder"].as_str().unwrap().to_owned(), n))
        })
        .collect()
}

/// Messages in every mailbox of `user`.
fn on_server(user: &str) -> u64 {
    let mut s = servers().session(user);
    let mut n = 0;
    for m in s.list().unwrap() {
        if !m.no_select {
            n += s.fetch_all(&m.name).unwrap().len() as u64;
        }
    }
    s.logout();
    n
}

#[test]
fn upload_takes_the_dates_convert_takes() {
    let srv = servers();
    let tmp = tempfile::tempdir().unwrap();
    let input = demo("demo-2013.ost");
    let day = ["--since", "2024-03-12", "--until", "2024-03-12"];

    // What convert writes of that day, and of the whole cache.
    let convert = |name: &str, extra: &[&str]| {
        let out = tmp.path().join(name);
        let o = Command::new(env!("CARGO_BIN_EXE_ost-extract"))
            .args(["convert", "--quiet", "-o"])
            .arg(&out)
            .args(extra)
            .arg(&input)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{o:?}");
        mail_per_folder(&json(&out.join("demo-2013.ost/report.json")))
    };
    let want = convert("day", &day);
    let all = convert("all", &[]);
    let total = |m: &BTreeMap<String, u64>| m.values().sum::<u64>();
    assert!(
        total(&want) > 0 && total(&want) < total(&all),
        "{want:?} {all:?}"
    );

    let user = "select@example.test";
    let report = tmp.path().join("upload.json");
    let o = Command::new(env!("CARGO_BIN_EXE_ost-extract"))
        .arg("upload")
        .arg(&input)
        .arg("--imap")
        .arg(format!("imaps://{user}@127.0.0.1:{}", srv.imaps_port))
        .arg("--ca-file")
        .arg(&srv.ca_file)
        .arg("--ledger-dir")
        .arg(tmp.path().join("ledger"))
        .arg("--report")
        .arg(&report)
        .args(day)
        .arg("--quiet")
        .env("OST_EXTRACT_PASSWORD", &srv.password)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let reports = json(&report);
    assert_eq!(mail_per_folder(&reports[0]), want);
    assert_eq!(on_server(user), total(&want));
}
