//! Carving: with the B-trees gone (a zeroed node-B-tree root, a zeroed header, a file cut
//! short before its B-trees), messages are recovered from the blocks that survive, with
//! their subject, body, recipients and attachments byte-exact.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use pst_fixtures::testing::{mail, pst_store};
use pst_fixtures::{damage, BuildOptions};
use pstkit::messaging::pid;
use pstkit::ndb::NodeId;
use pstkit::{Carving, CryptMethod, Message, Store};
use pstkit::{Client, Layout};

/// A writer-built file of `layout` and its bytes.
fn build(dir: &Path, layout: Layout, crypt: CryptMethod) -> (PathBuf, Vec<u8>) {
    let path = dir.join(format!("{}.pst", layout.name()));
    let mut opts = BuildOptions::new(layout, Client::Pst, crypt);
    opts.big_attachment = 96 << 10;
    opts.messages = 20;
    pst_fixtures::build_file(&path, &opts).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

/// What identifies a message's content: subject, body, recipients, and each attachment's
/// name and bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Content {
    class: String,
    subject: String,
    body: Option<String>,
    recipients: usize,
    attachments: Vec<(Option<String>, Option<Vec<u8>>)>,
}

fn content(m: &Message) -> Content {
    Content {
        class: m.class().to_owned(),
        subject: m.subject().to_owned(),
        body: m.props.str(pid::BODY).map(str::to_owned),
        recipients: m.recipients.len(),
        attachments: m
            .attachments
            .iter()
            .map(|a| {
                (
                    a.filename().map(str::to_owned),
                    a.data().map(<[u8]>::to_vec),
                )
            })
            .collect(),
    }
}

/// Every message a store gives: those in folders and those in none.
fn all_messages(store: &Store) -> Vec<Content> {
    let mut out = Vec::new();
    let mut listed = HashSet::new();
    store.for_each_message(&mut |_, nid, m| {
        listed.insert(nid);
        if let Ok(m) = m {
            out.push(content(&m));
        }
    });
    for nid in store.orphans(&listed) {
        if let Ok(m) = store.message(nid) {
            out.push(content(&m));
        }
    }
    out
}

/// The messages of the intact file none of whose blocks the damage touched, with their
/// content.
fn surviving(intact: &Store, damaged: &[(u64, u64)]) -> Vec<Content> {
    damage::surviving(intact, damaged)
        .into_iter()
        .map(|nid| content(&intact.message(nid).unwrap()))
        .collect()
}

/// How many of `want` appear in `got` (as a multiset).
fn matched(want: &[Content], got: &[Content]) -> usize {
    let mut pool: BTreeMap<&Content, usize> = BTreeMap::new();
    for g in got {
        *pool.entry(g).or_default() += 1;
    }
    want.iter()
        .filter(|w| match pool.get_mut(w) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        })
        .count()
}

#[test]
fn without_b_trees_carving_recovers_the_messages_whose_blocks_survive() {
    let tmp = tempfile::tempdir().unwrap();
    for (layout, crypt) in [
        (Layout::Ansi, CryptMethod::Cyclic),
        (Layout::Unicode, CryptMethod::Permute),
        (Layout::Unicode4k, CryptMethod::Permute),
    ] {
        let (_, bytes) = build(tmp.path(), layout, crypt);
        let intact = Store::from_bytes_with(bytes.clone(), Carving::Off).unwrap();
        let everything = all_messages(&intact);
        assert!(everything.len() > 20, "{layout:?}");

        let mut seen = 0;
        for cell in damage::cells(&bytes, 7) {
            let what = cell.what.as_str();
            if !matches!(what, "zeroed NBT root" | "zeroed header" | "cut at 90%") {
                continue;
            }
            seen += 1;
            let damaged = cell.bytes;
            // No other reader gets anything out of these; without carving neither do we.
            let refused = Store::from_bytes_with(damaged.clone(), Carving::Off)
                .map(|s| all_messages(&s).len())
                .unwrap_or(0);
            let store = Store::from_bytes(damaged).unwrap();
            assert!(store.carving().is_some(), "{layout:?} {what}: not carved");
            let got = all_messages(&store);
            let want = surviving(&intact, &cell.damaged);
            let hit = matched(&want, &got);
            eprintln!(
                "{layout:?} {what}: {} of {} surviving messages recovered byte-exact ({} in all; {} without carving; {} in the file)",
                hit,
                want.len(),
                got.len(),
                refused,
                everything.len()
            );
            if hit < want.len() {
                for w in &want {
                    if matched(std::slice::from_ref(w), &got) == 0 {
                        let near: Vec<_> = got.iter().filter(|g| g.subject == w.subject).collect();
                        eprintln!(
                            "  missing {:?} {:?} rcpt {} att {:?}; same subject: {:?}",
                            w.class,
                            w.subject,
                            w.recipients,
                            w.attachments
                                .iter()
                                .map(|a| (a.0.clone(), a.1.as_ref().map(|d| d.len())))
                                .collect::<Vec<_>>(),
                            near.iter()
                                .map(|g| (
                                    g.recipients,
                                    g.body == w.body,
                                    g.attachments
                                        .iter()
                                        .map(|a| (a.0.clone(), a.1.as_ref().map(|d| d.len())))
                                        .collect::<Vec<_>>()
                                ))
                                .collect::<Vec<_>>()
                        );
                    }
                }
            }
            assert!(!want.is_empty(), "{layout:?} {what}");
            assert!(
                hit * 10 >= want.len() * 9,
                "{layout:?} {what}: {hit} of {} recovered",
                want.len()
            );
        }
        assert_eq!(seen, 3, "{layout:?}");
    }
}

#[test]
fn forced_carving_finds_a_deleted_message_in_free_space_and_keeps_it_out_of_its_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("deleted.pst");
    let (mut w, top) = pst_store(
        &path,
        Layout::Unicode,
        CryptMethod::Permute,
        "Personal Folders",
        [7; 16],
    )
    .unwrap();
    let inbox = w.add_folder(top, "Inbox", Some("IPF.Note"));
    let kept = w.add_message(inbox, &mail("Kept")).unwrap();
    let gone = w
        .add_deleted_message(inbox, &mail("Deleted long ago"))
        .unwrap();
    let (ndb, _) = w.finish().unwrap();
    ndb.finish().unwrap();

    // Take the deleted message's node out of the node B-tree, as Outlook does when it
    // deletes: its entry is removed from its leaf page (the CRC recomputed), its blocks stay.
    let mut bytes = std::fs::read(&path).unwrap();
    let intact = Store::from_bytes_with(bytes.clone(), Carving::Off).unwrap();
    remove_node_entry(&mut bytes, &intact, gone);
    let store = Store::from_bytes(bytes.clone()).unwrap();
    assert!(
        store.carving().is_none(),
        "the B-trees work: no carving unless asked"
    );
    assert!(store.message(gone).is_err());
    let mut subjects = Vec::new();
    store.for_each_message(&mut |_, _, m| subjects.push(m.unwrap().subject().to_owned()));
    assert_eq!(subjects, ["Kept"]);

    let carved = Store::from_bytes_with(bytes, Carving::Force).unwrap();
    let summary = carved.carving().unwrap();
    assert!(summary.forced);
    assert_eq!(summary.found_messages, 1, "{summary:?}");
    let mut in_folders = Vec::new();
    let mut listed = HashSet::new();
    carved.for_each_message(&mut |_, nid, m| {
        listed.insert(nid);
        in_folders.push(m.unwrap().subject().to_owned());
    });
    assert_eq!(in_folders, ["Kept"]);
    assert!(listed.contains(&kept));
    let orphans = carved.orphans(&listed);
    assert_eq!(orphans.len(), 1);
    assert_eq!(
        carved.message(orphans[0]).unwrap().subject(),
        "Deleted long ago"
    );
}

/// Removes `nid`'s entry from the NBT leaf page that holds it (Unicode layout), shifting the
/// rest down and fixing the page's count and CRC.
fn remove_node_entry(bytes: &mut [u8], store: &Store, nid: NodeId) {
    assert_eq!(store.header().layout, pstkit::Layout::Unicode);
    let leaf = (0..bytes.len() / 512)
        .map(|p| p * 512)
        .find(|&at| {
            let page = &bytes[at..at + 512];
            let (count, size) = (usize::from(page[488]), usize::from(page[490]));
            page[496] == 0x81
                && page[497] == 0x81
                && page[491] == 0
                && size >= 32
                && (0..count).any(|i| page[i * size..i * size + 4] == nid.0.to_le_bytes())
        })
        .expect("the leaf page holding the node");
    let page = &mut bytes[leaf..leaf + 512];
    let (count, size) = (usize::from(page[488]), usize::from(page[490]));
    let i = (0..count)
        .find(|&i| page[i * size..i * size + 4] == nid.0.to_le_bytes())
        .unwrap();
    page.copy_within((i + 1) * size..count * size, i * size);
    page[(count - 1) * size..count * size].fill(0);
    page[488] = (count - 1) as u8;
    let crc = pstkit::ndb::crc::crc32(&page[..496]);
    page[500..504].copy_from_slice(&crc.to_le_bytes());
}
