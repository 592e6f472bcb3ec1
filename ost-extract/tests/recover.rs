//! Deleted items still in the file come back with `--recover-deleted`, and only then.

use std::borrow::Cow;

use ost_extract::convert::{convert_file, Kind, NoProgress, Options};
use pstkit::ltp::PropValue;
use pstkit::messaging::{pid, Message};
use pstkit::NodeId;

mod common;

fn mail(subject: &str) -> Message {
    let mut m = Message::default();
    m.props.insert(
        pid::MESSAGE_CLASS,
        PropValue::String(Cow::Borrowed("IPM.Note")),
    );
    m.props.insert(
        pid::SUBJECT,
        PropValue::String(Cow::Owned(subject.to_owned())),
    );
    m.props.insert(
        pid::BODY,
        PropValue::String(Cow::Owned(format!("Body of {subject}"))),
    );
    m
}

/// Where `nid`'s entry sits in the (Unicode) node B-tree leaf that holds it: the page's
/// offset and the entry's index and size.
fn nbt_entry(bytes: &[u8], nid: NodeId) -> (usize, usize, usize) {
    (0..bytes.len() / 512)
        .map(|p| p * 512)
        .find_map(|at| {
            let page = &bytes[at..at + 512];
            let (count, size) = (usize::from(page[488]), usize::from(page[490]));
            if page[496] != 0x81 || page[497] != 0x81 || page[491] != 0 || size < 32 {
                return None;
            }
            (0..count)
                .find(|&i| page[i * size..i * size + 4] == nid.0.to_le_bytes())
                .map(|i| (at, i, size))
        })
        .expect("the leaf page holding the node")
}

/// Reseals a Unicode B-tree page after an edit.
fn reseal(bytes: &mut [u8], page: usize) {
    let crc = pstkit::ndb::crc::crc32(&bytes[page..page + 496]);
    bytes[page + 500..page + 504].copy_from_slice(&crc.to_le_bytes());
}

/// A Unicode PST with an Inbox holding "Kept" and a message "Deleted but not purged" whose
/// node names the Inbox but which the Inbox's contents table does not list.
fn file_with_deleted(path: &std::path::Path) -> NodeId {
    let (mut store, top) = common::unicode_pst(path);
    let inbox = store.add_folder(top, "Inbox", Some("IPF.Note"));
    store.add_message(inbox, &mail("Kept")).unwrap();
    let gone = store
        .add_deleted_message(inbox, &mail("Deleted but not purged"))
        .unwrap();
    let (ndb, _) = store.finish().unwrap();
    ndb.finish().unwrap();
    gone
}

fn eml_names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".eml"))
        .collect();
    v.sort();
    v
}

#[test]
fn a_message_the_node_tree_places_in_a_folder_lands_there_without_any_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("stale-table.pst");
    let gone = file_with_deleted(&path);
    let reader = pstkit::Store::open(&path).unwrap();
    let inbox = reader.folders().folders[2].nid;
    assert_eq!(
        reader.contents(inbox).unwrap().len(),
        1,
        "the table lists one"
    );
    assert_eq!(reader.node_tree_parent(gone), Some(inbox));

    let out = tmp.path().join("out");
    let r = convert_file(&path, &out, &Options::default(), &NoProgress).unwrap();
    assert_eq!(r.counts[&Kind::Mail].written, 2);
    let names = eml_names(&out.join("Mail/Inbox"));
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().any(|n| n.contains("Deleted but not purged")));
    // Nothing was lost: the stale table is a warning, not a failure.
    assert!(r.complete && r.failures.is_empty(), "{:?}", r.failures);
    assert!(r
        .warnings
        .iter()
        .any(|w| w.what.contains("1 messages listed from the node tree")));
    assert!(!out.join("Mail/Recovered items").exists());
}

#[test]
fn items_in_no_folder_are_recovered_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("deleted.pst");
    let gone = file_with_deleted(&path);
    // Its node now names a folder that does not exist: it belongs to no folder.
    let mut bytes = std::fs::read(&path).unwrap();
    let (page, i, size) = nbt_entry(&bytes, gone);
    let at = page + i * size + 24;
    bytes[at..at + 4].copy_from_slice(&0x0010_0002u32.to_le_bytes());
    reseal(&mut bytes, page);
    std::fs::write(&path, &bytes).unwrap();

    let reader = pstkit::Store::open(&path).unwrap();
    let listed = reader
        .contents(reader.folders().folders[2].nid)
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(reader.orphans(&listed), vec![gone], "an orphan");

    let plain = tmp.path().join("plain");
    let r = convert_file(&path, &plain, &Options::default(), &NoProgress).unwrap();
    assert_eq!(r.counts[&Kind::Mail].written, 1);
    assert!(!plain.join("Mail/Recovered items").exists());

    let opts = Options {
        recover_deleted: true,
        ..Options::default()
    };
    let recovered = tmp.path().join("recovered");
    let r = convert_file(&path, &recovered, &opts, &NoProgress).unwrap();
    assert_eq!(r.counts[&Kind::Mail].written, 2);
    let files = eml_names(&recovered.join("Mail/Recovered items"));
    assert_eq!(files.len(), 1);
    assert!(files[0].contains("Deleted but not purged"), "{files:?}");
    let eml =
        std::fs::read_to_string(recovered.join("Mail/Recovered items").join(&files[0])).unwrap();
    assert!(eml.contains("Body of Deleted but not purged"));
}

#[test]
fn carving_finds_a_message_deleted_from_the_node_tree_and_writes_it_to_recovered_items() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("purged.pst");
    let gone = file_with_deleted(&path);
    // Its entry taken out of the node B-tree: only its blocks remain, as after a delete.
    let mut bytes = std::fs::read(&path).unwrap();
    let (page, i, size) = nbt_entry(&bytes, gone);
    let count = usize::from(bytes[page + 488]);
    bytes.copy_within(page + (i + 1) * size..page + count * size, page + i * size);
    bytes[page + (count - 1) * size..page + count * size].fill(0);
    bytes[page + 488] = (count - 1) as u8;
    reseal(&mut bytes, page);
    std::fs::write(&path, &bytes).unwrap();

    let plain = tmp.path().join("plain");
    let r = convert_file(&path, &plain, &Options::default(), &NoProgress).unwrap();
    assert_eq!(r.counts[&Kind::Mail].written, 1);
    assert!(r.complete);

    let opts = Options {
        carve: true,
        ..Options::default()
    };
    let carved = tmp.path().join("carved");
    let r = convert_file(&path, &carved, &opts, &NoProgress).unwrap();
    assert_eq!(r.counts[&Kind::Mail].written, 2, "{:?}", r.failures);
    assert_eq!(eml_names(&carved.join("Mail/Inbox")).len(), 1);
    let files = eml_names(&carved.join("Mail/Recovered items"));
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].contains("Deleted but not purged"));
}
