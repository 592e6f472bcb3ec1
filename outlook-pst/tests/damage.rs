//! Damaged input is the normal case: truncated and bit-flipped copies of every corpus file
//! must open or fail with an error, and walking them must end without a panic, a hang or
//! runaway memory.

use std::path::PathBuf;

use pst_fixtures::content::Rng;
use pstkit::Store;

fn corpus() -> PathBuf {
    match std::env::var_os("OST_EXTRACT_CORPUS") {
        Some(p) => PathBuf::from(p).join("corpus"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/corpus"),
    }
}

/// Opens and walks everything; returns (folders, messages read, errors).
fn walk(bytes: Vec<u8>) -> (usize, usize, usize) {
    let store = match Store::from_bytes(bytes) {
        Ok(s) => s,
        Err(_) => return (0, 0, 1),
    };
    let (mut ok, mut bad) = (0, 0);
    let tree = store.for_each_message(&mut |_, _, m| match m {
        Ok(m) => {
            ok += 1;
            // Touch every attachment's data and embedded message.
            let mut stack: Vec<&pstkit::Message> = vec![&m];
            while let Some(x) = stack.pop() {
                for a in &x.attachments {
                    let _ = a.data().map(<[u8]>::len);
                    if let Some(e) = &a.embedded {
                        stack.push(e);
                    }
                }
            }
        }
        Err(_) => bad += 1,
    });
    let listed = std::collections::HashSet::new();
    let _ = store.orphans(&listed);
    (tree.folders.len(), ok, bad)
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn truncated_and_bit_flipped_files_never_panic() {
    let dir = corpus();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus not found at {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    assert!(
        files.len() > 100,
        "expected the whole corpus in {}",
        dir.display()
    );
    let mut rng = Rng::new(0x05EE_D0F0_57E7);
    let (mut walks, mut messages) = (0usize, 0usize);
    for path in &files {
        let original = std::fs::read(path).unwrap();
        for round in 0..6 {
            let mut bytes = original.clone();
            match round % 3 {
                // Truncate anywhere after the header.
                0 => bytes.truncate(512 + rng.index(bytes.len().saturating_sub(512))),
                // Flip a few bits anywhere.
                1 => {
                    for _ in 0..1 + rng.index(16) {
                        let i = rng.index(bytes.len());
                        bytes[i] ^= 1 << rng.index(8);
                    }
                }
                // Overwrite a run of bytes with garbage (a broken sector).
                _ => {
                    let start = rng.index(bytes.len());
                    let len = (64 + rng.index(4096)).min(bytes.len() - start);
                    for b in &mut bytes[start..start + len] {
                        *b = rng.next_u64() as u8;
                    }
                }
            }
            let (_, ok, _) = walk(bytes);
            walks += 1;
            messages += ok;
        }
    }
    println!("{walks} damaged copies walked, {messages} messages still read");
    assert!(
        messages > 0,
        "damage in one place should leave most messages readable"
    );
    if let Some(kib) = peak_rss_kib() {
        println!("peak memory {} MiB", kib / 1024);
        assert!(kib < 1024 * 1024, "peak memory {kib} KiB");
    }
}

#[test]
fn undamaged_corpus_walks_cleanly() {
    let dir = corpus();
    let mut total = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let (folders, ok, bad) = walk(std::fs::read(&path).unwrap());
        if path
            .file_name()
            .is_some_and(|n| n == "aspose-email__Outlook1.pst")
        {
            // Its first 531 bytes are an mbox message written over a PST's header: the
            // rest is a whole Unicode PST, which carving reads (no other reader opens it).
            assert!(
                folders > 20 && ok > 10,
                "{folders} folders, {ok} messages carved"
            );
            assert_eq!(bad, 0);
            continue;
        }
        assert!(folders > 0, "{}: no folders", path.display());
        assert_eq!(bad, 0, "{}: {bad} unreadable messages", path.display());
        total += ok;
    }
    // The independent reader's manifests are the floor.
    let mut reference = 0;
    for e in std::fs::read_dir(dir.join("../expected")).unwrap() {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap();
        reference += v["totals"]["messages"].as_u64().unwrap() as usize;
    }
    println!("{total} messages read; the reference reader lists {reference}");
    assert!(
        total >= reference,
        "read {total} messages, the reference reader lists {reference}"
    );
}
