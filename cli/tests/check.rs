//! `ost-extract check`: exit 0 on the clean demo files, 1 with the finding printed on a
//! damaged copy, 2 on a file that is not a PST; `--json` gives one object per file.

use std::path::PathBuf;

mod common;
use common::*;

#[test]
fn clean_files_exit_0() {
    let out = bin()
        .arg("check")
        .arg(demo("demo-unicode.pst"))
        .arg(demo("demo-ansi.pst"))
        .arg(demo("demo-2013.ost"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout.matches("no findings").count(), 3, "{stdout}");
}

#[test]
fn damage_exits_1_and_unreadable_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(demo("demo-unicode.pst")).unwrap();
    // A bit of the first AMap page's bitmap: its CRC no longer matches.
    bytes[0x4400 + 64] ^= 0x10;
    let damaged = dir.path().join("damaged.pst");
    std::fs::write(&damaged, &bytes).unwrap();
    let out = bin().arg("check").arg(&damaged).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("[amap.page] offset 0x4400"), "{stdout}");

    let json = bin()
        .args(["check", "--json"])
        .arg(&damaged)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v[0]["findings"][0]["check"], "amap.page");
    assert_eq!(v[0]["findings"][0]["offset"], 0x4400);

    let mbox = dir.path().join("mail.pst");
    std::fs::write(&mbox, b"From someone Mon Jan 1 00:00:00 2024\n\nhello\n").unwrap();
    let out = bin()
        .arg("check")
        .arg(&mbox)
        .arg(&damaged)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_psts_convert_writes_have_no_findings() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = ["demo-unicode.pst", "demo-ansi.pst", "demo-2013.ost"];
    let out = bin()
        .arg("convert")
        .args(inputs.iter().map(|n| demo(n)))
        .arg("-o")
        .arg(dir.path())
        .arg("--pst-only")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let psts: Vec<PathBuf> = inputs
        .iter()
        .map(|n| {
            let stem = n.rsplit_once('.').unwrap().0;
            dir.path().join(n).join(format!("{stem}.pst"))
        })
        .collect();
    let out = bin().arg("check").args(&psts).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout.matches("no findings").count(), 3, "{stdout}");
}
