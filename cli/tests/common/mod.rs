//! What the command's end-to-end tests share: the binary, the input files and output-tree
//! snapshots. Each test file uses only some of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The `ost-extract` binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ost-extract"))
}

/// The shared corpus (`OST_EXTRACT_CORPUS`, else `../shared/fixtures` beside the repository).
pub fn corpus() -> PathBuf {
    match std::env::var_os("OST_EXTRACT_CORPUS") {
        Some(p) => PathBuf::from(p).join("corpus"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/corpus"),
    }
}

/// The writer's demo files.
pub fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo")
}

/// One demo file.
pub fn demo(name: &str) -> PathBuf {
    demo_dir().join(name)
}

/// A JSON file, parsed.
pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file under `dir`, relative path -> bytes; reports have their timing removed, the one
/// thing that legitimately differs between runs.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    snapshot_except(dir, |_| false)
}

/// [`snapshot`] without the files whose relative path `skip` accepts.
pub fn snapshot_except(dir: &Path, skip: impl Fn(&str) -> bool) -> BTreeMap<String, Vec<u8>> {
    fn walk(
        base: &Path,
        dir: &Path,
        skip: &dyn Fn(&str) -> bool,
        out: &mut BTreeMap<String, Vec<u8>>,
    ) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                walk(base, &p, skip, out);
            } else if !skip(&rel) {
                let mut bytes = std::fs::read(&p).unwrap();
                if rel.ends_with("report.json") {
                    let mut v = json(&p);
                    v.as_object_mut().unwrap().remove("elapsed_ms");
                    bytes = serde_json::to_vec(&v).unwrap();
                }
                out.insert(rel, bytes);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &skip, &mut out);
    out
}

/// Asserts that two snapshots hold the same files with the same bytes.
pub fn assert_same(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) {
    let ka: Vec<_> = a.keys().collect();
    let kb: Vec<_> = b.keys().collect();
    assert_eq!(ka, kb, "the two trees hold different files");
    for (k, v) in a {
        assert!(b[k] == *v, "{k} differs between the two runs");
    }
}
