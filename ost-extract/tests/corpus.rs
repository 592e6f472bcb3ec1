//! Checks the reader against the independent reader's manifests of the shared corpus
//! (`../shared/fixtures/expected/*.json`), by the matching rules of that corpus's README:
//! every folder by NID with the same path; every message by NID, in that folder, with the same
//! subject and class and at least as many attachments; every by-value attachment byte-exact.
//!
//! The corpus lives beside the repository (`OST_EXTRACT_CORPUS` overrides the path). This test
//! fails, never skips, when it is missing.

use std::collections::HashMap;
use std::path::PathBuf;

use ost_extract::manifest::{self, Manifest};
use pstkit::Store;

fn corpus_dir() -> PathBuf {
    match std::env::var_os("OST_EXTRACT_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"),
    }
}

/// Differences between what the reference found and what we found, as readable lines.
fn compare(expected: &Manifest, ours: &Manifest) -> Vec<String> {
    let mut problems = Vec::new();
    let by_nid: HashMap<u32, &manifest::Folder> = ours.folders.iter().map(|f| (f.nid, f)).collect();
    for ef in &expected.folders {
        let Some(of) = by_nid.get(&ef.nid) else {
            problems.push(format!("folder {:#x} {:?} missing", ef.nid, ef.path));
            continue;
        };
        if of.path != ef.path {
            problems.push(format!(
                "folder {:#x}: path {:?}, expected {:?}",
                ef.nid, of.path, ef.path
            ));
        }
        if of.message_count < ef.messages.len() {
            problems.push(format!(
                "folder {:?}: {} messages, reference has {}",
                ef.path,
                of.message_count,
                ef.messages.len()
            ));
        }
        let msgs: HashMap<u32, &manifest::Message> = of
            .messages
            .iter()
            .filter_map(|m| Some((m.nid?, m)))
            .collect();
        for em in &ef.messages {
            let Some(nid) = em.nid else { continue };
            let Some(om) = msgs.get(&nid) else {
                problems.push(format!("folder {:?}: message {nid:#x} missing", ef.path));
                continue;
            };
            if let Some(err) = &om.error {
                problems.push(format!("message {nid:#x} unreadable: {err}"));
                continue;
            }
            if let Some(s) = &em.subject {
                if om.subject.as_deref() != Some(s.as_str()) {
                    problems.push(format!(
                        "message {nid:#x}: subject {:?}, expected {s:?}",
                        om.subject
                    ));
                }
            }
            if let Some(c) = &em.class {
                if om.class.as_deref() != Some(c.as_str()) {
                    problems.push(format!(
                        "message {nid:#x}: class {:?}, expected {c:?}",
                        om.class
                    ));
                }
            }
            let (ea, oa) = (
                em.attachments.as_deref().unwrap_or(&[]),
                om.attachments.as_deref().unwrap_or(&[]),
            );
            if oa.len() < ea.len() {
                problems.push(format!(
                    "message {nid:#x}: {} attachments, expected {}",
                    oa.len(),
                    ea.len()
                ));
            }
            for a in ea.iter().filter(|a| a.method == 1) {
                if !oa.iter().any(|o| o.sha256 == a.sha256) {
                    problems.push(format!(
                        "message {nid:#x}: attachment {:?} ({} bytes) not found byte-exact",
                        a.name, a.size
                    ));
                }
            }
        }
    }
    problems
}

#[test]
fn corpus_matches_the_independent_reader() {
    let dir = corpus_dir();
    let expected_dir = dir.join("expected");
    let entries = std::fs::read_dir(&expected_dir).unwrap_or_else(|e| {
        panic!(
            "corpus manifests not found at {}: {e}",
            expected_dir.display()
        )
    });
    let mut names: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    assert!(
        !names.is_empty(),
        "no manifests in {}",
        expected_dir.display()
    );
    let mut failures = Vec::new();
    let mut covered = 0;
    for path in &names {
        let expected: Manifest = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let file = dir.join("corpus").join(&expected.file);
        let store = match Store::open(&file) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{}: cannot open: {e}", expected.file));
                continue;
            }
        };
        let ours = manifest::build(&store, &expected.file, true);
        let problems = compare(&expected, &ours);
        if problems.is_empty() {
            covered += 1;
        } else {
            failures.push(format!(
                "{}:\n    {}",
                expected.file,
                problems
                    .iter()
                    .take(10)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n    ")
            ));
        }
    }
    println!("corpus: {covered} of {} files covered", names.len());
    assert!(
        failures.is_empty(),
        "{} of {} files differ:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n")
    );
}

#[test]
fn a_pst_whose_header_was_overwritten_is_read_by_carving() {
    // Its first 531 bytes are an mbox message; the rest is a whole Unicode PST. Without
    // carving it is refused with a clear error; with it, its folders and messages come back.
    let file = corpus_dir().join("corpus/aspose-email__Outlook1.pst");
    assert!(file.exists(), "{} missing", file.display());
    let err = Store::open_with(&file, pstkit::Carving::Off).unwrap_err();
    assert!(matches!(err, pstkit::Error::NotPst(_)), "{err}");
    assert!(err.to_string().contains("not a PST or OST file"), "{err}");

    let store = Store::open(&file).unwrap();
    assert!(store.carving().is_some());
    assert!(store.header().layout == pstkit::Layout::Unicode);
    assert!(store.header().crypt == pstkit::CryptMethod::Permute);
    let m = manifest::build(&store, "aspose-email__Outlook1.pst", true);
    let inbox = m
        .folders
        .iter()
        .find(|f| f.path == ["Top of Personal Folders", "Inbox"])
        .expect("the Inbox is found");
    assert!(inbox.messages.len() >= 8, "{inbox:?}");
    assert!(inbox.messages.iter().all(|x| x.error.is_none()));
}

#[test]
fn a_file_that_is_not_a_pst_gives_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("mail.pst");
    let mut text = Vec::new();
    for i in 0..2000 {
        text.extend_from_slice(
            format!("From a@b Mon Jan 1 00:00:00 2024\nSubject: {i}\n\nText {i}\n\n").as_bytes(),
        );
    }
    std::fs::write(&file, &text).unwrap();
    let err = Store::open(&file).unwrap_err();
    assert!(matches!(err, pstkit::Error::NotPst(_)), "{err}");
    assert!(err.to_string().contains("not a PST or OST file"), "{err}");
}

#[test]
fn a_damaged_btree_still_yields_what_is_reachable() {
    let file = corpus_dir().join("corpus/aspose-email__Outlook_3.pst");
    let store = Store::open(&file).expect("the damaged file must still open");
    let m = manifest::build(&store, "aspose-email__Outlook_3.pst", true);
    let readable = m
        .folders
        .iter()
        .flat_map(|f| &f.messages)
        .filter(|x| x.error.is_none())
        .count();
    println!(
        "damaged file: {} folders, {readable} readable messages, {} warnings",
        m.folders.len(),
        m.warnings.len()
    );
    for w in m.warnings.iter().take(5) {
        println!("  {w}");
    }
    assert!(
        m.folders.len() > 1,
        "the folder tree should still be listed"
    );
    assert!(readable > 0, "reachable messages should still be read");
    assert!(!m.warnings.is_empty(), "the damage must be reported");
}
