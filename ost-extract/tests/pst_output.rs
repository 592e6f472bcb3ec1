//! `convert --pst`: the PST written from a store holds every item of the source below its IPM
//! subtree, in the same folders and order, with the same properties (tagged ones equal, named
//! ones equal by property set and name or LID, recipients and attachments equal, embedded
//! messages recursively), and converting it gives the same EML, ICS and vCard files as
//! converting the source.
//!
//! What is not compared, because the PST has its own: the embedded-message object reference
//! (`PidTagAttachDataObject`'s node id and size, a pointer into the file) and the table
//! bookkeeping columns `PidTagLtpRowId` / `PidTagLtpRowVer` of recipient rows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ost_extract::convert::{convert_file, NoProgress, Options};
use pstkit::ltp::PropValue;
use pstkit::messaging::{pid, NamedProp, PropId, PropertyBag};
use pstkit::{Client, CryptMethod, Layout, Message, Store};

/// A property's key: a tagged id, or a named property by set and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Tag(PropId),
    Named(NamedProp),
}

fn props(b: &PropertyBag, skip: &[PropId]) -> BTreeMap<Key, PropValue<'static>> {
    b.iter()
        .filter(|(id, _)| !skip.contains(id))
        .map(|(id, v)| {
            let k = match (id.is_named(), b.name_of(id)) {
                (true, Some(n)) => Key::Named(n.clone()),
                _ => Key::Tag(id),
            };
            (k, v.clone())
        })
        .collect()
}

/// Differences between two messages, as readable lines.
fn diff(a: &Message, b: &Message, at: &str, out: &mut Vec<String>) {
    let (pa, pb) = (props(&a.props, &[]), props(&b.props, &[]));
    if pa != pb {
        for (k, v) in &pa {
            if pb.get(k) != Some(v) {
                out.push(format!("{at}: {k:?} {v:?} became {:?}", pb.get(k)));
            }
        }
        for k in pb.keys().filter(|k| !pa.contains_key(k)) {
            out.push(format!("{at}: {k:?} added"));
        }
    }
    let rows = |m: &Message| -> Vec<_> {
        m.recipients
            .iter()
            .map(|r| props(r, &[pid::LTP_ROW_ID, pid::LTP_ROW_VER]))
            .collect()
    };
    if rows(a) != rows(b) {
        out.push(format!("{at}: recipients differ"));
    }
    if a.attachments.len() != b.attachments.len() {
        out.push(format!("{at}: attachments differ in number"));
        return;
    }
    for (i, (x, y)) in a.attachments.iter().zip(&b.attachments).enumerate() {
        let skip: &[PropId] = if x.embedded.is_some() {
            &[pid::ATTACH_DATA_OBJECT]
        } else {
            &[]
        };
        if props(&x.props, skip) != props(&y.props, skip) {
            out.push(format!("{at}: attachment {i} properties differ"));
        }
        match (&x.embedded, &y.embedded) {
            (Some(ex), Some(ey)) => diff(ex, ey, &format!("{at}/embedded {i}"), out),
            (None, None) => {}
            _ => out.push(format!("{at}: attachment {i} embedded in one only")),
        }
    }
}

/// Every folder below the IPM subtree by its path under it, with its messages in order.
fn listing(store: &Store) -> BTreeMap<Vec<String>, Vec<Message>> {
    let tree = store.folders();
    let top = tree
        .folders
        .iter()
        .find(|f| f.path.len() == 1 && f.path[0].starts_with("Top of"))
        .map(|f| f.path.clone())
        .unwrap();
    tree.folders
        .iter()
        .filter(|f| f.path.len() > top.len() && f.path.starts_with(&top))
        .map(|f| {
            let msgs = store
                .contents(f.nid)
                .unwrap()
                .into_iter()
                .map(|n| store.message(n).unwrap())
                .collect();
            (f.path[top.len()..].to_vec(), msgs)
        })
        .collect()
}

/// All files below `dir`, relative, with their bytes (report.json left out).
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "report.json")
                && !p.extension().is_some_and(|x| x == "pst")
            {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_owned(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

/// Converts `input` to a PST and checks it against the source; returns the PST's path.
fn check(input: &Path, work: &Path, label: &str) {
    let out = work.join("pst");
    let opts = Options {
        pst: Some(ost_extract::convert::sinks::pst::DEFAULT_MAX_SIZE),
        ..Options::default()
    };
    let report = convert_file(input, &out, &opts, &NoProgress).unwrap();
    assert!(report.failures.is_empty(), "{label}: {:?}", report.failures);
    let pst = out.join(format!(
        "{}.pst",
        input.file_stem().unwrap().to_string_lossy()
    ));
    let written = Store::open(&pst).unwrap();
    assert_eq!(written.header().version, 23, "{label}: Unicode PST");
    assert_eq!(written.header().crypt, CryptMethod::Permute, "{label}");
    assert!(
        written.warnings().is_empty(),
        "{label}: {:?}",
        written.warnings()
    );

    // Round trip: the same folders, the same messages in the same order, the same properties.
    let source = Store::open(input).unwrap();
    let (a, b) = (listing(&source), listing(&written));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{label}: folders"
    );
    let mut problems = Vec::new();
    for (path, msgs) in &a {
        let theirs = &b[path];
        assert_eq!(msgs.len(), theirs.len(), "{label}: items in {path:?}");
        for (i, (x, y)) in msgs.iter().zip(theirs).enumerate() {
            diff(
                x,
                y,
                &format!("{label} {path:?} #{i} {:?}", x.subject()),
                &mut problems,
            );
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Converting the PST gives the same files as converting the source.
    let again = work.join("again");
    let opts = Options::default();
    convert_file(&pst, &again, &opts, &NoProgress).unwrap();
    let (x, y) = (tree(&out), tree(&again));
    assert_eq!(
        x.keys().collect::<Vec<_>>(),
        y.keys().collect::<Vec<_>>(),
        "{label}: output files"
    );
    for (k, v) in &x {
        assert!(y[k] == *v, "{label}: {} differs", k.display());
    }
}

#[test]
fn writer_built_files_of_every_layout_client_and_encryption_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    for layout in [Layout::Ansi, Layout::Unicode, Layout::Unicode4k] {
        for client in [Client::Pst, Client::Ost] {
            for crypt in [CryptMethod::None, CryptMethod::Permute, CryptMethod::Cyclic] {
                let label = format!("{layout:?}-{client:?}-{crypt:?}");
                let dir = tmp.path().join(&label);
                std::fs::create_dir_all(&dir).unwrap();
                let input = dir.join(if client == Client::Ost {
                    "in.ost"
                } else {
                    "in.pst"
                });
                let mut opts = pst_fixtures::BuildOptions::new(layout, client, crypt);
                opts.big_attachment = 40_000;
                opts.messages = 3;
                pst_fixtures::build_file(&input, &opts).unwrap();
                check(&input, &dir, &label);
            }
        }
    }
}
