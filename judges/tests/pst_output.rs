//! `convert --pst`: the PST written from a store holds every item the reader reads below the
//! source's IPM subtree (and the items of folders outside it, as ordinary folders), in the
//! same folders and order, with the same properties (tagged ones equal, named ones equal by
//! property set and name or LID, recipients and attachments equal, embedded messages
//! recursively); converting it gives the same EML, ICS and vCard files as converting the
//! source; `ost-extract check` finds nothing in it; and the four judges (libpff, readpst,
//! Microsoft's outlook-pst crate, pst-extractor) list every item of it as pstkit does.
//! Over writer-built files of every layout x client x encryption, the whole shared corpus
//! (damaged files included), and seeded truncations and bit flips of a 4 KiB-page OST.
//!
//! What the PST does not copy as it is, because the PST has its own (the rewritten ids):
//! - `PidTagAttachDataObject` of embedded messages: a node id and size within the file;
//! - `PidTagLtpRowId` / `PidTagLtpRowVer` of recipient rows: table bookkeeping;
//! - the MSGFLAG_HASATTACH bit of `PidTagMessageFlags`: the store keeps it, set when the
//!   message has attachments (a carved message may carry another's flags);
//! - properties with an id of 0x8000 or more that the source's name-to-id map does not name
//!   (a damaged map): left out, as in the PST that id names another property;
//! - properties of type `PtypUnspecified` (0x0000): a placeholder no stored property may
//!   carry (some Aspose-written files hold `0x00000000` records); left out;
//! - store-relative ids (`pstkit::write::Relink`: entry ids of folders and messages, list
//!   members, recipients from the Contacts address book): they carry the PST's record key
//!   and, for a folder, the PST folder's node id; compared after turning both back into the
//!   source's (the record key everywhere it occurs, folders by their path), with a list's
//!   checksum computed again over its members so turned back;
//! - what the store's address book adds, as for every output: the SMTP address of a party
//!   that had none, or none usable (`PidTagSenderSmtpAddress`, `PidTagSentRepresentingSmtpAddress`,
//!   `PidTagSmtpAddress` of recipient rows) and, in a contact's e-mail slot that held an
//!   Exchange address the book knows, that slot's address and type made SMTP.
//!
//! Converting the PST gives the same files as converting the source, the root folder's name
//! aside: folders outside the IPM subtree that hold items are `Other/NAME` in the source's
//! output and `NAME` in the PST's (where they are ordinary folders below the top).
//!
//! Without the judges installed or the corpus present these tests skip those parts, unless
//! `REQUIRE_READERS=1` (as in `.ci/run`), when that is a failure.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use ost_extract::convert::{convert_file, plan, NoProgress, Options};
use pst_judges::{compare, judges_required, Item, Judge, JudgeError};
use pstkit::ltp::PropValue;
use pstkit::messaging::{pid, psets, NamedProp, PropId, PropertyBag};
use pstkit::{Carving, Client, CryptMethod, Layout, Message, NodeId, Store};

/// A property's key: a tagged id, or a named property by set and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Tag(PropId),
    Named(NamedProp),
}

/// MSGFLAG_HASATTACH.
const HASATTACH: i32 = 0x10;

/// A bag's properties as the PST is to hold them: `skip` left out, `PtypUnspecified` values
/// left out, and (for a message) the flags' MSGFLAG_HASATTACH bit as `has_attach` says.
fn props(
    b: &PropertyBag,
    skip: &[PropId],
    has_attach: Option<bool>,
) -> BTreeMap<Key, PropValue<'static>> {
    b.iter()
        .filter(|(id, _)| !skip.contains(id))
        .filter(|(id, _)| !id.is_named() || b.name_of(*id).is_some())
        .filter(|(_, v)| !matches!(v, PropValue::Other { ty, .. } if ty.0 == 0))
        .map(|(id, v)| {
            let k = match (id.is_named(), b.name_of(id)) {
                (true, Some(n)) => Key::Named(n.clone()),
                _ => Key::Tag(id),
            };
            let v = match (id, v, has_attach) {
                (pid::MESSAGE_FLAGS, PropValue::Integer32(f), Some(true)) => {
                    PropValue::Integer32(f | HASATTACH)
                }
                (pid::MESSAGE_FLAGS, PropValue::Integer32(f), Some(false)) => {
                    PropValue::Integer32(f & !HASATTACH)
                }
                _ => v.clone(),
            };
            (k, v)
        })
        .collect()
}

/// The address book's additions (see the module documentation) that `b` may have where `a`
/// has none: leaves them out of `b`'s properties.
fn without_book(
    a: &BTreeMap<Key, PropValue<'static>>,
    mut b: BTreeMap<Key, PropValue<'static>>,
    ids: &[PropId],
) -> BTreeMap<Key, PropValue<'static>> {
    for id in ids {
        let k = Key::Tag(*id);
        match a.get(&k) {
            None => {
                b.remove(&k);
            }
            // A value that is no address (the book replaces it).
            Some(v) if !matches!(v, PropValue::String(s) if s.contains('@')) => {
                b.insert(k, v.clone());
            }
            Some(_) => {}
        }
    }
    // Contact e-mail slots 1-3 (PidLidEmail1AddressType at 0x8082, ...EmailAddress at 0x8083,
    // then every 0x10): an EX slot may have become SMTP.
    for base in [0x8080u32, 0x8090, 0x80A0] {
        let key = |off: u32| Key::Named(NamedProp::lid(psets::PSETID_ADDRESS, base + off));
        let ex =
            matches!(a.get(&key(2)), Some(PropValue::String(t)) if t.eq_ignore_ascii_case("EX"));
        let smtp = matches!(b.get(&key(2)), Some(PropValue::String(t)) if t == "SMTP");
        if ex && smtp {
            for off in [2, 3] {
                match a.get(&key(off)) {
                    Some(v) => b.insert(key(off), v.clone()),
                    None => b.remove(&key(off)),
                };
            }
        }
    }
    b
}

/// Turns the PST's store-relative ids back into the source's: its record key into the
/// source's wherever it occurs in a binary value, a PST folder's node id after it into the
/// source folder's.
struct Back {
    pst_key: Vec<u8>,
    source_key: Vec<u8>,
    /// PST folder node id -> source folder node id.
    folders: HashMap<u32, u32>,
}

impl Back {
    fn bytes(&self, b: &[u8]) -> Vec<u8> {
        let mut v = b.to_vec();
        let n = self.pst_key.len();
        let mut i = 0;
        while n > 0 && i + n <= v.len() {
            if v[i..i + n] == self.pst_key[..] {
                v[i..i + n].copy_from_slice(&self.source_key);
                if let Some(nid) = v.get(i + n..i + n + 4) {
                    let nid = u32::from_le_bytes(nid.try_into().unwrap());
                    if let Some(src) = self.folders.get(&nid) {
                        v[i + n..i + n + 4].copy_from_slice(&src.to_le_bytes());
                    }
                }
                i += n;
            } else {
                i += 1;
            }
        }
        v
    }

    fn bag(&self, mut m: BTreeMap<Key, PropValue<'static>>) -> BTreeMap<Key, PropValue<'static>> {
        let members = Key::Named(pid::LID_DISTRIBUTION_LIST_MEMBERS);
        let sum = Key::Named(NamedProp::lid(psets::PSETID_ADDRESS, 0x804C));
        let crc = |m: &BTreeMap<Key, PropValue<'static>>| match m.get(&members) {
            Some(PropValue::MultipleBinary(l)) => Some(pstkit::ndb::crc::crc32(&l.concat()) as i32),
            _ => None,
        };
        let matched =
            crc(&m).is_some() && m.get(&sum) == crc(&m).map(PropValue::Integer32).as_ref();
        for v in m.values_mut() {
            match v {
                PropValue::Binary(b) => *v = PropValue::Binary(self.bytes(b).into()),
                PropValue::MultipleBinary(l) => {
                    *v = PropValue::MultipleBinary(l.iter().map(|b| self.bytes(b)).collect())
                }
                _ => {}
            }
        }
        // PidLidDistributionListChecksum over the members turned back, where it matched.
        if let (true, Some(c)) = (matched, crc(&m)) {
            m.insert(sum, PropValue::Integer32(c));
        }
        m
    }
}

/// Differences between a source message and its copy, as readable lines.
fn diff(a: &Message, b: &Message, back: &Back, at: &str, out: &mut Vec<String>) {
    let attach = Some(!a.attachments.is_empty());
    let pa = props(&a.props, &[], attach);
    let pb = without_book(
        &pa,
        back.bag(props(&b.props, &[], None)),
        &[
            pid::SENDER_SMTP_ADDRESS,
            pid::SENT_REPRESENTING_SMTP_ADDRESS,
        ],
    );
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
            .map(|r| props(r, &[pid::LTP_ROW_ID, pid::LTP_ROW_VER], None))
            .collect()
    };
    let (ra, rb): (Vec<_>, Vec<_>) = (rows(a), rows(b).into_iter().map(|r| back.bag(r)).collect());
    let rb: Vec<_> = rb
        .into_iter()
        .zip(&ra)
        .map(|(y, x)| without_book(x, y, &[pid::SMTP_ADDRESS]))
        .collect();
    if ra != rb {
        let first = ra.iter().zip(&rb).find(|(x, y)| x != y).map(|(x, y)| {
            let keys: Vec<_> = x
                .iter()
                .filter(|(k, v)| y.get(*k) != Some(*v))
                .map(|(k, _)| k)
                .chain(y.keys().filter(|k| !x.contains_key(*k)))
                .collect();
            format!("{keys:?}")
        });
        out.push(format!("{at}: recipients differ: {first:?}"));
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
        if props(&x.props, skip, None) != props(&y.props, skip, None) {
            out.push(format!("{at}: attachment {i} properties differ"));
        }
        match (&x.embedded, &y.embedded) {
            (Some(ex), Some(ey)) => diff(ex, ey, back, &format!("{at}/embedded {i}"), out),
            (None, None) => {}
            _ => out.push(format!("{at}: attachment {i} embedded in one only")),
        }
    }
}

/// The store-relative ids of the source that a PST item still holds: values with the source's
/// record key, but for the autocomplete stream (`PidTagRoamingBinary`, not rewritten) and entry
/// ids of source folders the PST has no folder for.
fn source_ids(m: &Message, source_key: &[u8], back: &Back, at: &str) -> Vec<String> {
    let mut out = Vec::new();
    if source_key.len() != 16 {
        return out;
    }
    let kept = |b: &[u8]| {
        b.windows(16).any(|w| w == source_key)
            && !(b.len() == 24
                && matches!(b[20] & 0x1F, 0x02 | 0x03)
                && !back
                    .folders
                    .values()
                    .any(|n| n.to_le_bytes()[..] == b[20..24]))
    };
    for bag in std::iter::once(&m.props).chain(&m.recipients) {
        for (id, v) in bag.iter() {
            let hit = match v {
                PropValue::Binary(b) => kept(b),
                PropValue::MultipleBinary(l) => l.iter().any(|b| kept(b)),
                _ => false,
            };
            if hit && id != pid::ROAMING_BINARY {
                out.push(format!(
                    "{at}: {:?} still names the source store",
                    bag.name_of(id)
                        .map_or(format!("{id:?}"), |n| format!("{n:?}"))
                ));
            }
        }
    }
    for a in &m.attachments {
        if let Some(e) = &a.embedded {
            out.extend(source_ids(e, source_key, back, &format!("{at}/embedded")));
        }
    }
    out
}

/// A folder's messages and associated items, in order.
#[derive(Default)]
struct Contents {
    /// The folder's node id (for the top, the source's IPM subtree).
    nid: Option<NodeId>,
    items: Vec<Message>,
    associated: Vec<Message>,
}

/// What the PST must hold, by folder path below its top: what the reader reads of the source
/// as `convert` plans it. Folders of the IPM subtree keep their paths (the subtree and the
/// root folder are the top); folders outside it that hold items, and recovered items, become
/// folders directly below the top. Items the reader cannot read are not expected.
fn expected(source: &Store) -> BTreeMap<Vec<String>, Contents> {
    let tree = source.folders();
    // As convert plans it: a carved store's items in no folder go to "Recovered items".
    let plan = plan::plan(source, &tree.folders, source.carving().is_some());
    let ipm = plan
        .folders
        .iter()
        .find(|f| f.role == Some(plan::FolderRole::IpmSubtree))
        .map(|f| f.source_path.clone());
    let mut out: BTreeMap<Vec<String>, Contents> = BTreeMap::new();
    for f in &plan.folders {
        let inside = ipm
            .as_ref()
            .filter(|p| f.source_path.len() > p.len() && f.source_path.starts_with(p));
        let path = if let Some(p) = inside {
            f.source_path[p.len()..].to_vec()
        } else if f.role == Some(plan::FolderRole::IpmSubtree)
            || (f.source_path.is_empty() && f.nid.is_some())
        {
            Vec::new()
        } else if f.items.is_empty() && f.nid.is_some() {
            continue;
        } else if f.nid.is_none() {
            vec!["Recovered items".to_owned()]
        } else {
            vec![f.label.clone()]
        };
        let c = out.entry(path).or_default();
        if c.nid.is_none() || f.role == Some(plan::FolderRole::IpmSubtree) {
            c.nid = f.nid;
        }
        c.items
            .extend(f.items.iter().filter_map(|n| source.message(*n).ok()));
        if let Some(nid) = f.nid {
            c.associated.extend(
                source
                    .associated_contents(nid)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|n| source.message(n).ok()),
            );
        }
    }
    out
}

/// What the PST holds, by folder path below its top (its IPM subtree).
fn held(pst: &Store) -> BTreeMap<Vec<String>, Contents> {
    let tree = pst.folders();
    let top_nid = pst
        .properties()
        .binary(pid::IPM_SUBTREE_ENTRY_ID)
        .and_then(|b| b.get(20..24))
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes);
    let top = tree
        .folders
        .iter()
        .find(|f| Some(f.nid.0) == top_nid)
        .map(|f| f.path.clone())
        .expect("the PST names its IPM subtree");
    tree.folders
        .iter()
        .filter(|f| f.path.starts_with(&top))
        .map(|f| {
            let read = |nids: Vec<NodeId>| -> Vec<Message> {
                nids.into_iter()
                    .filter_map(|n| pst.message(n).ok())
                    .collect()
            };
            let c = Contents {
                nid: Some(f.nid),
                items: read(pst.contents(f.nid).unwrap_or_default()),
                associated: read(pst.associated_contents(f.nid).unwrap_or_default()),
            };
            (f.path[top.len()..].to_vec(), c)
        })
        .collect()
}

/// All files below `dir`, relative, with their bytes (reports and PSTs left out).
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "report.json")
                && p.extension().is_none_or(|x| x != "pst")
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

/// Files, items and items with limits, per judge, over a run.
#[derive(Default)]
struct Tally {
    files: BTreeMap<Judge, usize>,
    items: BTreeMap<Judge, usize>,
    /// libpff: items whose attachments it does not expose.
    unexposed: usize,
    checked: usize,
    pst_items: usize,
}

impl Tally {
    fn print(&self, what: &str) {
        println!(
            "{what}: {} PSTs checked, {} items (with associated ones)",
            self.checked, self.pst_items
        );
        for j in Judge::ALL {
            println!(
                "  {}: {} files agree, {} items listed",
                j,
                self.files.get(&j).copied().unwrap_or(0),
                self.items.get(&j).copied().unwrap_or(0)
            );
        }
        println!(
            "  libpff: {} items whose attachments it does not expose (classes it does not type as messages), matched without them",
            self.unexposed
        );
    }
}

/// Converts `input` to a PST and checks it; returns every problem found.
fn check(input: &Path, work: &Path, label: &str, tally: &mut Tally) -> Vec<String> {
    let mut problems = Vec::new();
    let out = work.join("pst");
    let opts = Options {
        pst: Some(ost_extract::convert::sinks::pst::DEFAULT_MAX_SIZE),
        ..Options::default()
    };
    let report = convert_file(input, &out, &opts, &NoProgress).unwrap();
    let Ok(source) = Store::open_with(input, Carving::Auto) else {
        // Nothing readable: no PST is expected.
        assert!(report.error.is_some(), "{label}: {report:?}");
        return problems;
    };
    let pst_path = out.join(format!(
        "{}.pst",
        input.file_stem().unwrap().to_string_lossy()
    ));
    let written = match Store::open(&pst_path) {
        Ok(s) => s,
        Err(e) => return vec![format!("{label}: the PST does not open: {e}")],
    };
    if written.header().version != 23 || written.header().crypt != CryptMethod::Permute {
        problems.push(format!("{label}: not a permute-encrypted Unicode PST"));
    }
    if !written.warnings().is_empty() {
        problems.push(format!("{label}: {:?}", written.warnings()));
    }

    // Done when 2: the same folders, the same items in the same order, the same properties.
    let (want, got) = (expected(&source), held(&written));
    let key = |s: &Store| {
        s.properties()
            .binary(pid::RECORD_KEY)
            .unwrap_or_default()
            .to_vec()
    };
    let source_key = key(&source);
    let back = Back {
        pst_key: if source_key.len() == 16 {
            key(&written)
        } else {
            Vec::new()
        },
        source_key: source_key.clone(),
        folders: want
            .iter()
            .filter_map(|(path, w)| Some((got.get(path)?.nid?.0, w.nid?.0)))
            .collect(),
    };
    if want.keys().collect::<Vec<_>>() != got.keys().collect::<Vec<_>>() {
        problems.push(format!(
            "{label}: folders {:?} became {:?}",
            want.keys().collect::<Vec<_>>(),
            got.keys().collect::<Vec<_>>()
        ));
    }
    for (path, w) in &want {
        let Some(g) = got.get(path) else { continue };
        for (kind, a, b) in [
            ("item", &w.items, &g.items),
            ("associated item", &w.associated, &g.associated),
        ] {
            if a.len() != b.len() {
                problems.push(format!(
                    "{label} {path:?}: {} {kind}s became {}",
                    a.len(),
                    b.len()
                ));
                continue;
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                let at = format!("{label} {path:?} {kind} #{i} {:?}", x.subject());
                diff(x, y, &back, &at, &mut problems);
                problems.extend(source_ids(y, &source_key, &back, &at));
            }
        }
        tally.pst_items += g.items.len() + g.associated.len();
    }

    // Done when 4: the validator finds nothing.
    match pstkit::check::check_file(&pst_path) {
        Ok(r) if r.is_clean() => {}
        Ok(r) => problems.extend(r.findings.iter().map(|f| format!("{label}: check: {f}"))),
        Err(e) => problems.push(format!("{label}: check: {e}")),
    }

    // Done when 1: every judge lists what pstkit lists of the PST.
    let reference = pst_judges::ours(&pst_path).unwrap();
    for judge in Judge::ALL {
        match judge.list(&pst_path, &pst_judges::Options::default()) {
            Ok(l) => {
                let d = compare(&reference, &l, judge.exposes());
                if d.is_empty() {
                    *tally.files.entry(judge).or_default() += 1;
                    let items: Vec<&Item> = l.folders.iter().flat_map(|f| &f.items).collect();
                    *tally.items.entry(judge).or_default() += items.len();
                    tally.unexposed += items.iter().filter(|i| i.attachments_unknown).count();
                }
                problems.extend(d.iter().take(10).map(|x| format!("{label}: {judge}: {x}")));
            }
            Err(JudgeError::Missing(m)) if !judges_required() => {
                eprintln!("skipping judge {judge} ({m})");
            }
            Err(e) => problems.push(format!("{label}: {judge}: {e}")),
        }
    }

    // Done when 3: converting the PST gives the same files as converting the source.
    let again = work.join("again");
    convert_file(&pst_path, &again, &Options::default(), &NoProgress).unwrap();
    // The source's output puts folders from outside its IPM subtree below `Other/`.
    let outside: Vec<String> = {
        let tree = source.folders();
        let plan = plan::plan(&source, &tree.folders, source.carving().is_some());
        plan.folders
            .iter()
            .filter(|f| f.output.first().map(String::as_str) == Some("Other"))
            .filter_map(|f| f.output.get(1).cloned())
            .collect()
    };
    let x: BTreeMap<PathBuf, Vec<u8>> = tree(&out)
        .into_iter()
        .map(|(p, v)| {
            let c: Vec<String> = p
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let moved = c.get(1).map(String::as_str) == Some("Other")
                && c.get(2).is_some_and(|n| {
                    outside
                        .iter()
                        .any(|o| n == o || n.strip_suffix(".mbox") == Some(o))
                });
            if moved {
                let mut c = c;
                c.remove(1);
                (c.iter().collect(), v)
            } else {
                (p, v)
            }
        })
        .collect();
    let y = tree(&again);
    if x.keys().collect::<Vec<_>>() != y.keys().collect::<Vec<_>>() {
        problems.push(format!(
            "{label}: output files {:?} became {:?}",
            x.keys().collect::<Vec<_>>(),
            y.keys().collect::<Vec<_>>()
        ));
    }
    for (k, v) in &x {
        if y.get(k).is_some_and(|w| w != v) {
            problems.push(format!("{label}: {} differs", k.display()));
        }
    }
    tally.checked += 1;
    problems
}

fn assert_none(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn writer_built_files_of_every_layout_client_and_encryption() {
    let tmp = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    let mut tally = Tally::default();
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
                problems.extend(check(&input, &dir, &label, &mut tally));
            }
        }
    }
    tally.print("writer-built files");
    assert_none(&problems);
    assert_eq!(tally.checked, 18);
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("OST_EXTRACT_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"),
    }
    .join("corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        assert!(!judges_required(), "corpus missing at {}", dir.display());
        None
    }
}

/// Every corpus file the reader opens, the damaged ones included (`aspose-email__Outlook_3.pst`
/// with its bad B-tree page, `aspose-email__Outlook1.pst` read by carving): the PST holds every
/// item the reader could read.
#[test]
fn every_corpus_file() {
    let Some(dir) = corpus_dir() else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let tmp = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    let mut tally = Tally::default();
    for (i, file) in files.iter().enumerate() {
        let label = file.file_name().unwrap().to_string_lossy().into_owned();
        let work = tmp.path().join(i.to_string());
        problems.extend(check(file, &work, &label, &mut tally));
        std::fs::remove_dir_all(&work).unwrap();
    }
    tally.print("corpus");
    assert_none(&problems);
    assert_eq!(tally.checked, files.len(), "every corpus file opens");
}

/// Seeded truncations and bit flips of a writer-built Outlook 2013+ OST: the PST holds every
/// item the reader could read of each.
#[test]
fn damaged_4k_osts() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = tmp.path().join("clean.ost");
    let mut opts =
        pst_fixtures::BuildOptions::new(Layout::Unicode4k, Client::Ost, CryptMethod::Permute);
    opts.messages = 3;
    opts.big_attachment = 40_000;
    pst_fixtures::build_file(&clean, &opts).unwrap();
    let bytes = std::fs::read(&clean).unwrap();
    let len = bytes.len();
    // A small xorshift: the same damage every run.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut problems = Vec::new();
    let mut tally = Tally::default();
    for case in 0..8 {
        let mut damaged = bytes.clone();
        let what = if case % 2 == 0 {
            // Truncated somewhere in the second half (the first holds the header and maps).
            let at = len / 2 + (next() as usize) % (len / 2);
            damaged.truncate(at);
            format!("truncated at {at}")
        } else {
            // Eight bits flipped past the header.
            let mut flipped = Vec::new();
            for _ in 0..8 {
                let at = 4096 + (next() as usize) % (len - 4096);
                damaged[at] ^= 1 << (next() % 8);
                flipped.push(at);
            }
            format!("bits flipped at {flipped:?}")
        };
        let label = format!("damaged {case} ({what})");
        let work = tmp.path().join(format!("case{case}"));
        std::fs::create_dir_all(&work).unwrap();
        let input = work.join("in.ost");
        std::fs::write(&input, &damaged).unwrap();
        problems.extend(check(&input, &work, &label, &mut tally));
    }
    tally.print("damaged 4 KiB OSTs");
    assert_none(&problems);
    assert!(tally.checked >= 6, "most damaged copies still open");
}
