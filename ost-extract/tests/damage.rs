//! Damage is data: every loss is counted in report.json, makes `complete` false and the exit
//! code 1; what was tolerated without loss stays a warning. Seeded damage of every layout
//! (truncation, bit flips, zeroed regions, a zeroed node-B-tree root, a zeroed header, a data
//! tree that lies about its count) never exits 0 with fewer items written than the file held.

use std::borrow::Cow;
use std::fs::File;
use std::path::{Path, PathBuf};

use ost_extract::convert::{batch, convert_file, MailFormat, NoProgress, Options};
use pst_fixtures::BuildOptions;
use pstkit::ltp::PropValue;
use pstkit::messaging::{pid, Message};
use pstkit::write::{NdbWriter, SpecialFolder, StoreOptions, StoreWriter};
use pstkit::{Carving, CryptMethod, Store};
use pstkit::{Client, Layout};
use serde_json::Value;

fn corpus() -> PathBuf {
    match std::env::var_os("OST_EXTRACT_CORPUS") {
        Some(p) => PathBuf::from(p).join("corpus"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/corpus"),
    }
}

/// Converts `input` into a fresh `out` as the command does (mail as EML and mbox); returns
/// the command's exit code for this run and the input's report as written to report.json.
fn convert(input: &Path, out: &Path, flags: &[&str]) -> (u8, Value) {
    let _ = std::fs::remove_dir_all(out);
    let opts = Options {
        mail: MailFormat::Both,
        recover_deleted: flags.contains(&"--recover-deleted"),
        carve: flags.contains(&"--carve"),
        ..Options::default()
    };
    let r = convert_file(input, out, &opts, &NoProgress).unwrap();
    let code = batch::exit_code(std::slice::from_ref(&r));
    let report = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    (code, report)
}

fn written(report: &Value) -> u64 {
    report["counts"].as_object().map_or(0, |c| {
        c.values().map(|k| k["written"].as_u64().unwrap_or(0)).sum()
    })
}

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

/// A Unicode PST whose folders are named `names` (siblings under the IPM subtree, each with
/// one message and, when `sub`, a subfolder with one more).
fn named_folders(path: &Path, names: &[&str], sub: bool) {
    let ndb = NdbWriter::new(
        File::create(path).unwrap(),
        Layout::Unicode,
        Client::Pst,
        CryptMethod::None,
    )
    .unwrap();
    let mut w = StoreWriter::new(
        ndb,
        StoreOptions {
            display_name: "Personal Folders".into(),
            omit_ipm_subtree_entry_id: false,
            record_key: [3; 16],
            ansi_encoding: None,
            ansi_codepage: 1252,
        },
    );
    let top = w.add_folder(w.root(), "Top of Personal Folders", None);
    w.set_special(SpecialFolder::IpmSubtree, top);
    for name in names {
        let f = w.add_folder(top, name, Some("IPF.Note"));
        w.add_message(f, &mail(&format!("in {name}"))).unwrap();
        if sub {
            let s = w.add_folder(f, "Sub", Some("IPF.Note"));
            w.add_message(s, &mail(&format!("in {name}/Sub"))).unwrap();
        }
    }
    let (ndb, _) = w.finish().unwrap();
    ndb.finish().unwrap();
}

#[test]
fn sibling_folders_x_and_x_mbox_convert_fully() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("clash.pst");
    named_folders(&input, &["X", "X.mbox"], true);
    let out = tmp.path().join("out");
    let (code, report) = convert(&input, &out, &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["complete"], true);
    assert_eq!(written(&report), 4);
    let mail = out.join("Mail");
    assert!(mail.join("X.mbox").is_file());
    assert!(mail.join("X.mbox (2)").is_dir());
    assert!(mail.join("X.mbox (2).mbox").is_file());
    assert!(mail.join("X/Sub.mbox").is_file());
    assert!(mail.join("X.mbox (2)/Sub.mbox").is_file());
}

#[test]
fn names_equal_after_normalisation_are_one_name_and_format_characters_are_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("names.pst");
    named_folders(
        &input,
        &[
            "Caf\u{e9}",
            "Cafe\u{301}",
            "COM\u{b9}",
            "CONIN$",
            "evil\u{202e}txt.exe",
        ],
        false,
    );
    let out = tmp.path().join("out");
    let (code, report) = convert(&input, &out, &[]);
    assert_eq!(code, 0, "{report}");
    let mail = out.join("Mail");
    let mut dirs: Vec<String> = std::fs::read_dir(&mail)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".mbox"))
        .collect();
    dirs.sort();
    assert_eq!(
        dirs,
        [
            "Caf\u{e9}",
            "Caf\u{e9} (2)",
            "_COM\u{b9}",
            "_CONIN$",
            "eviltxt.exe"
        ],
    );
}

/// A writer-built file of `layout` with 20 filler mails and a 96 KiB attachment.
fn build(dir: &Path, layout: Layout) -> (PathBuf, Vec<u8>) {
    let path = dir.join(format!("{}.pst", layout.name()));
    let mut opts = BuildOptions::new(layout, Client::Pst, CryptMethod::Permute);
    opts.big_attachment = 96 << 10;
    opts.messages = 20;
    pst_fixtures::build_file(&path, &opts).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

/// splitmix64: seeded, so every run damages the same places.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The damaged copies of a file: (what, bytes).
fn damage_cells(bytes: &[u8], layout: Layout, seed: u64) -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng(seed);
    let mut cells = Vec::new();
    for pct in [90, 75, 50, 25] {
        cells.push((
            format!("cut at {pct}%"),
            bytes[..bytes.len() * pct / 100].to_vec(),
        ));
    }
    for flips in [10, 100] {
        let mut b = bytes.to_vec();
        for _ in 0..flips {
            let at = rng.below(b.len());
            b[at] ^= 1 << rng.below(8);
        }
        cells.push((format!("{flips} bit flips"), b));
    }
    let mut b = bytes.to_vec();
    for _ in 0..3 {
        let at = rng.below(b.len() / 4096) * 4096;
        b[at..(at + 4096).min(bytes.len())].fill(0);
    }
    cells.push(("3 zeroed 4 KiB regions".into(), b));
    let store = Store::from_bytes_with(bytes.to_vec(), Carving::Off).unwrap();
    let nbt = store.header().nbt.ib as usize;
    let page = store.header().layout.page_size();
    let mut b = bytes.to_vec();
    b[nbt..nbt + page].fill(0);
    cells.push(("zeroed NBT root".into(), b));
    let mut b = bytes.to_vec();
    b[..1024].fill(0);
    cells.push(("zeroed header".into(), b));
    // The XBLOCK over the 96 KiB attachment says it lists half its children.
    let mut b = bytes.to_vec();
    let mut patched = false;
    store.ndb().for_each_block(&mut |e| {
        let at = e.bref.ib as usize;
        let raw = &bytes[at..at + usize::from(e.size)];
        if !patched
            && e.bref.bid.is_internal()
            && raw[0] == 1
            && raw[1] == 1
            && raw[4..8] == (96u32 << 10).to_le_bytes()
        {
            let n = u16::from_le_bytes([raw[2], raw[3]]);
            b[at + 2..at + 4].copy_from_slice(&(n / 2).to_le_bytes());
            patched = true;
        }
    });
    assert!(patched, "{layout:?}: no XBLOCK found");
    cells.push(("XBLOCK lists half its children".into(), b));
    cells
}

#[test]
fn seeded_damage_never_exits_0_with_a_loss() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cells_run = 0;
    for (i, layout) in [Layout::Ansi, Layout::Unicode, Layout::Unicode4k]
        .into_iter()
        .enumerate()
    {
        let (path, bytes) = build(tmp.path(), layout);
        let (code, intact) = convert(&path, &tmp.path().join("intact"), &[]);
        assert_eq!(code, 0, "{layout:?}: {intact}");
        let total = written(&intact);
        for (what, damaged) in damage_cells(&bytes, layout, 7 + i as u64) {
            let input = tmp.path().join("damaged.pst");
            std::fs::write(&input, &damaged).unwrap();
            let (code, report) = convert(&input, &tmp.path().join("out"), &[]);
            let got = written(&report);
            let failures = report["failures"].as_array().map_or(0, Vec::len);
            eprintln!("{layout:?} {what}: {got} of {total} items written, {failures} failures, exit {code}");
            if got < total {
                assert_ne!(
                    code, 0,
                    "{layout:?} {what}: {got} of {total} written, exit 0"
                );
                assert_eq!(report["complete"], false, "{layout:?} {what}");
            }
            if failures > 0 {
                assert_eq!(code, 1, "{layout:?} {what}");
            }
            if what.starts_with("XBLOCK") {
                let lost: Vec<&Value> = report["failures"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| f["kind"] == "part_lost")
                    .collect();
                assert_eq!(lost.len(), 1, "{layout:?}: {report}");
                assert!(lost[0]["bytes"].as_u64().unwrap() > 0);
                assert_eq!(code, 1);
            }
            cells_run += 1;
        }
    }
    assert_eq!(cells_run, 30);
}

#[test]
fn truncated_corpus_files_give_every_message_in_its_folder_without_a_flag() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, pct) in [
        ("hughbe__2003_compressable-encryption_quickbrownfox.pst", 90),
        ("simiden__2k_outlook_qwerty1234.pst", 90),
        ("aspose-email__SampleOstFile.ost", 90),
        ("aspose-email__SampleOstFile.ost", 75),
    ] {
        let full = std::fs::read(corpus().join(name)).unwrap();
        let input = tmp.path().join(name);
        std::fs::write(&input, &full[..full.len() * pct / 100]).unwrap();
        let (code, plain) = convert(&input, &tmp.path().join("plain"), &[]);
        let (_, flagged) = convert(&input, &tmp.path().join("flagged"), &["--recover-deleted"]);
        let (p, f) = (written(&plain), written(&flagged));
        eprintln!(
            "{name} at {pct}%: {p} items without a flag, {f} with --recover-deleted, exit {code}"
        );
        assert!(
            p > 0 && p >= f,
            "{name} {pct}%: {p} without, {f} with the flag"
        );
        // At least every message the node tree places in a folder is found (the ones whose
        // blocks were cut off are failures).
        let uncarved =
            Store::from_bytes_with(full[..full.len() * pct / 100].to_vec(), Carving::Off).unwrap();
        let placed: usize = uncarved
            .folders()
            .folders
            .iter()
            .map(|f| uncarved.folder_contents(f.nid).items.len())
            .sum();
        let found: u64 = plain["counts"].as_object().map_or(0, |c| {
            c.values().map(|k| k["found"].as_u64().unwrap_or(0)).sum()
        });
        assert!(
            found >= placed as u64,
            "{name} {pct}%: {found} found, {placed} placed"
        );
        // The cut-off tables are reported; whatever is known to be missing is a failure.
        assert!(plain["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["what"]
                .as_str()
                .unwrap()
                .contains("listed from the node tree")));
        assert_ne!(
            code, 0,
            "{name}: the cut file lost something and must say so"
        );
    }
}
