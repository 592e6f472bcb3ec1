//! What the command says when it is used wrongly: each message names what is wrong, once.

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ost-extract"))
}

fn demo(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/demo")
        .join(name)
}

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
