//! Items placed by the node tree: every message node records its parent folder (`nidParent`),
//! so a folder's messages can be listed when its contents table is missing, cut short or stale.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use pst_fixtures::BuildOptions;
use pstkit::messaging::TableListing;
use pstkit::ndb::{NodeId, NodeType};
use pstkit::{Client, Layout};
use pstkit::{CryptMethod, Store};

fn corpus() -> PathBuf {
    match std::env::var_os("OST_EXTRACT_CORPUS") {
        Some(p) => PathBuf::from(p).join("corpus"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/corpus"),
    }
}

/// Every message node of the node B-tree, by parent.
fn message_nodes(store: &Store) -> Vec<(NodeId, NodeId)> {
    let mut out = Vec::new();
    store.ndb().for_each_node(&mut |e| {
        if e.nid.node_type() == NodeType::NORMAL_MESSAGE {
            out.push((e.parent, e.nid));
        }
    });
    out
}

/// A writer-built file of `layout` (small: a 64 KiB "big" attachment).
fn build(dir: &Path, layout: Layout, crypt: CryptMethod) -> (PathBuf, pst_fixtures::Manifest) {
    let path = dir.join(format!("{}.pst", layout.name()));
    let mut opts = BuildOptions::new(layout, Client::Pst, crypt);
    opts.big_attachment = 64 << 10;
    opts.messages = 6;
    let manifest = pst_fixtures::build_file(&path, &opts).unwrap();
    (path, manifest)
}

#[test]
fn on_intact_files_the_node_tree_and_the_contents_tables_agree() {
    let tmp = tempfile::tempdir().unwrap();
    for layout in [Layout::Ansi, Layout::Unicode, Layout::Unicode4k] {
        let (path, manifest) = build(tmp.path(), layout, CryptMethod::Permute);
        let store = Store::open(&path).unwrap();
        for f in &manifest.folders {
            let fc = store.folder_contents(NodeId(f.nid));
            let want: Vec<NodeId> = f.messages.iter().map(|m| NodeId(m.nid.unwrap())).collect();
            assert_eq!(fc.items, want, "{layout:?} folder {:?}", f.path);
            assert!(fc.table_agrees(), "{layout:?} {:?}: {fc:?}", f.path);
            let mut by_tree = store.node_tree_messages(NodeId(f.nid));
            by_tree.sort();
            let mut sorted = want.clone();
            sorted.sort();
            assert_eq!(by_tree, sorted, "{layout:?} {:?}", f.path);
        }
    }
}

/// Finds a node's data block in the file and overwrites its stored bytes with `fill`.
fn overwrite_node_data(bytes: &mut [u8], store: &Store, nid: NodeId, fill: u8) {
    let e = store.ndb().node(nid).unwrap();
    let b = store.ndb().block_entry(e.data).unwrap();
    let start = usize::try_from(b.bref.ib).unwrap();
    bytes[start..start + usize::from(b.size)].fill(fill);
}

#[test]
fn a_damaged_or_missing_contents_table_loses_no_message_whose_node_survives() {
    let tmp = tempfile::tempdir().unwrap();
    for layout in [Layout::Ansi, Layout::Unicode, Layout::Unicode4k] {
        let (path, manifest) = build(tmp.path(), layout, CryptMethod::None);
        let original = std::fs::read(&path).unwrap();
        let store = Store::open(&path).unwrap();
        let busiest = manifest
            .folders
            .iter()
            .max_by_key(|f| f.messages.len())
            .unwrap();
        let folder = NodeId(busiest.nid);
        assert!(busiest.messages.len() >= 3, "{layout:?}");
        let want: BTreeSet<NodeId> = busiest
            .messages
            .iter()
            .map(|m| NodeId(m.nid.unwrap()))
            .collect();
        let table = folder.with_type(NodeType::CONTENTS_TABLE);

        // The table's heap overwritten: unreadable, every message still listed.
        let mut bytes = original.clone();
        overwrite_node_data(&mut bytes, &store, table, 0xA5);
        let damaged = Store::from_bytes(bytes).unwrap();
        let fc = damaged.folder_contents(folder);
        assert!(
            matches!(fc.table, TableListing::Unreadable(_)),
            "{layout:?}: {:?}",
            fc.table
        );
        assert_eq!(fc.from_node_tree, want.len(), "{layout:?}");
        assert_eq!(fc.items.iter().copied().collect::<BTreeSet<_>>(), want);
        assert!(!fc.table_agrees());
        // And each of them loads.
        for nid in &fc.items {
            damaged.message(*nid).unwrap();
        }

        // for_each_message visits them in their folder.
        let mut visited = HashSet::new();
        damaged.for_each_message(&mut |f, nid, m| {
            if f.nid == folder {
                assert!(m.is_ok(), "{layout:?} {nid}");
                visited.insert(nid);
            }
        });
        assert_eq!(visited.len(), want.len(), "{layout:?}");
    }
}

#[test]
fn on_the_corpus_table_rows_come_first_and_the_node_tree_adds_only_its_own() {
    let dir = corpus();
    let mut files = 0;
    let mut added_total = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let Ok(store) = Store::open(&path) else {
            continue;
        };
        files += 1;
        let nodes = message_nodes(&store);
        let folders = store.folders().folders;
        let reachable: HashSet<NodeId> = folders.iter().map(|f| f.nid).collect();
        let mut placed = HashSet::new();
        for f in &folders {
            let fc = store.folder_contents(f.nid);
            let rows = store.contents(f.nid).unwrap_or_default();
            assert!(
                fc.items.starts_with(&rows),
                "{}: {:?}",
                path.display(),
                f.path
            );
            for nid in &fc.items[rows.len()..] {
                assert_eq!(store.node_tree_parent(*nid), Some(f.nid));
            }
            added_total += fc.from_node_tree;
            placed.extend(fc.items);
        }
        // Every message node whose parent is a reachable folder is placed in it.
        for (parent, nid) in nodes {
            if reachable.contains(&parent) {
                assert!(
                    placed.contains(&nid),
                    "{}: {nid} not placed",
                    path.display()
                );
            }
        }
    }
    assert!(files > 100, "corpus missing: {}", dir.display());
    eprintln!("{files} corpus files; {added_total} messages only the node tree lists");
}

#[test]
fn truncated_corpus_files_keep_their_messages_in_their_folders() {
    // The contents tables of these files lie in the part cut off; their message nodes do not.
    for (name, percent) in [
        ("hughbe__2003_compressable-encryption_quickbrownfox.pst", 90),
        ("simiden__2k_outlook_qwerty1234.pst", 90),
        ("aspose-email__SampleOstFile.ost", 90),
        ("aspose-email__SampleOstFile.ost", 75),
    ] {
        let full = std::fs::read(corpus().join(name)).unwrap();
        let intact = Store::from_bytes(full.clone()).unwrap();
        let cut = full[..full.len() * percent / 100].to_vec();
        // Without carving: this is what the node tree alone places.
        let store = Store::from_bytes_with(cut, pstkit::Carving::Off).unwrap();
        let mut placed = 0;
        let mut tables_lost = 0;
        for f in store.folders().folders {
            let fc = store.folder_contents(f.nid);
            if !matches!(
                fc.table,
                TableListing::Complete { .. } | TableListing::Missing
            ) {
                tables_lost += 1;
            }
            // Only messages the intact file places in the same folder.
            for nid in &fc.items {
                assert_eq!(intact.node_tree_parent(*nid), Some(f.nid), "{name} {nid}");
            }
            placed += fc.items.len();
        }
        let table_rows: usize = store
            .folders()
            .folders
            .iter()
            .map(|f| store.contents(f.nid).map_or(0, |r| r.len()))
            .sum();
        assert!(tables_lost > 0, "{name} {percent}%: no table was damaged");
        // Every message node the cut file still holds lands in a folder: none is left to
        // --recover-deleted.
        assert_eq!(placed, message_nodes(&store).len(), "{name} {percent}%");
        assert!(
            placed > table_rows,
            "{name} {percent}%: {placed} placed, tables list {table_rows}"
        );
        eprintln!("{name} at {percent}%: {placed} messages placed, tables list {table_rows}");
    }
}
