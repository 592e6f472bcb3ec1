//! The structural validator (`pstkit::check`) on real bytes: every corpus file gives exactly
//! the findings in the table below (each explained), writer-built files of every layout and
//! client give none, and deliberately damaged copies give the specific finding.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pst_fixtures::{build_file, BuildOptions};
use pstkit::check::{check_bytes, check_file, Report};
use pstkit::ndb::{CryptMethod, Ndb};
use pstkit::{Client, Layout};

fn corpus() -> PathBuf {
    match std::env::var_os("OST_EXTRACT_CORPUS") {
        Some(p) => PathBuf::from(p).join("corpus"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/corpus"),
    }
}

/// The corpus files with findings, the checks that find them, and why. Every other corpus
/// file is clean (107 of 116 at the time of writing), and `aspose-email__Outlook1.pst`
/// (an mbox, not a PST) is refused.
const CORPUS_FINDINGS: &[(&str, &[&str], &str)] = &[
    (
        "aspose-email__Outlook_3.pst",
        &["btree.backpointer"],
        "real damage: two B-tree pages (block 0x1622 at 0x17e00, 0x162e at 0xa2c00) carry back \
         pointers one above their references (0x1623, 0x162f); libpff refuses the file for it",
    ),
    (
        "aspose-email__PersonalStorage_7.pst",
        &["amap.free", "namemap"],
        "written by Aspose.Email: cbAMapFree (242048) does not match the AMap pages (239360 \
         free), a stale header count Outlook recomputes; and name-to-id entry 0x8000 names GUID \
         index 0, which MS-PST leaves undefined (the reader skips that name)",
    ),
    (
        "mooijtech__support.pst",
        &["amap.free"],
        "cbAMapFree 1002752 against 96448 free in the AMap pages: a stale header count (the \
         AMap pages themselves agree with the space in use)",
    ),
    (
        "aspose-email__Test_part0.pst",
        &["folder.subfolders"],
        "written by Aspose.Email: folder 0x8082 says PidTagSubfolders false but has a subfolder",
    ),
    (
        "aspose-email__Test_part0_2.pst",
        &["folder.subfolders"],
        "as Test_part0.pst (the same store, another revision)",
    ),
    (
        "aspose-email__Test_part1.pst",
        &["folder.subfolders"],
        "as Test_part0.pst",
    ),
    (
        "aspose-email__Test_part1_2.pst",
        &["folder.subfolders"],
        "folder 0x8062 says PidTagSubfolders false but has two subfolders (Aspose.Email)",
    ),
    (
        "aspose-email__test.pst",
        &["folder.count"],
        "written by Aspose.Email: folder 0x8062 says PidTagContentCount 4, its contents table \
         has 3 rows",
    ),
];

fn checks(r: &Report) -> BTreeSet<&'static str> {
    r.findings.iter().map(|f| f.check).collect()
}

#[test]
fn corpus_findings_are_the_explained_ones() {
    let dir = corpus();
    let Ok(rd) = std::fs::read_dir(&dir) else {
        eprintln!("skipping: no corpus at {}", dir.display());
        return;
    };
    let mut files: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    files.sort();
    let mut problems = Vec::new();
    let mut clean = 0;
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let result = check_file(f);
        if name == "aspose-email__Outlook1.pst" {
            assert!(result.is_err(), "an mbox must be refused");
            continue;
        }
        let r = match result {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{name}: unreadable: {e}"));
                continue;
            }
        };
        let want: BTreeSet<&str> = CORPUS_FINDINGS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, c, _)| c.iter().copied().collect())
            .unwrap_or_default();
        if checks(&r) != want {
            problems.push(format!(
                "{name}: expected {want:?}, got:\n  {}",
                r.findings
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ));
        }
        if r.is_clean() {
            clean += 1;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(clean, files.len() - 1 - CORPUS_FINDINGS.len());
}

fn build(dir: &Path, layout: Layout, client: Client, crypt: CryptMethod) -> PathBuf {
    let file = dir.join(format!("{layout:?}-{client:?}-{crypt:?}.pst"));
    let mut opts = BuildOptions::new(layout, client, crypt);
    opts.big_attachment = 300_000;
    opts.stress_recipients = 600;
    opts.messages = 3;
    build_file(&file, &opts).unwrap();
    file
}

#[test]
fn writer_built_files_are_clean() {
    let dir = tempfile::tempdir().unwrap();
    for layout in [Layout::Ansi, Layout::Unicode, Layout::Unicode4k] {
        for client in [Client::Pst, Client::Ost] {
            for crypt in [CryptMethod::None, CryptMethod::Permute, CryptMethod::Cyclic] {
                let file = build(dir.path(), layout, client, crypt);
                let r = check_file(&file).unwrap();
                assert!(
                    r.is_clean(),
                    "{layout:?}/{client:?}/{crypt:?}: {:#?}",
                    r.findings
                );
                assert!(r.blocks > 200 && r.nodes > 100 && r.pages > 3);
            }
        }
    }
}

/// A writer-built Unicode PST, its bytes and the opened file.
fn unicode_pst() -> (Vec<u8>, Ndb) {
    let dir = tempfile::tempdir().unwrap();
    let file = build(
        dir.path(),
        Layout::Unicode,
        Client::Pst,
        CryptMethod::Permute,
    );
    let bytes = std::fs::read(&file).unwrap();
    let ndb = Ndb::from_bytes(bytes.clone()).unwrap();
    (bytes, ndb)
}

/// Rewrites the CRC of the 512-byte page at `ib` (Unicode: CRC at trailer + 4).
fn fix_page_crc(bytes: &mut [u8], ib: usize) {
    let crc = crc32fast_like(&bytes[ib..ib + 496]);
    bytes[ib + 500..ib + 504].copy_from_slice(&crc.to_le_bytes());
}

/// The PST CRC ([MS-PST] 5.3), computed through pstkit's own function.
fn crc32fast_like(data: &[u8]) -> u32 {
    pstkit::ndb::crc::crc32(data)
}

fn findings_of(bytes: Vec<u8>) -> BTreeSet<&'static str> {
    checks(&check_bytes(bytes).unwrap())
}

#[test]
fn a_flipped_bit_in_a_data_block_is_a_block_crc_finding() {
    let (mut bytes, ndb) = unicode_pst();
    let mut target = None;
    ndb.for_each_block(&mut |b| {
        if target.is_none() && !b.bref.bid.is_internal() && b.size > 100 {
            target = Some(b);
        }
    });
    let b = target.unwrap();
    bytes[b.bref.ib as usize + 50] ^= 0x04;
    let f = findings_of(bytes);
    assert!(f.contains("block.crc"), "{f:?}");
}

#[test]
fn a_flipped_header_bit_is_a_header_crc_finding() {
    let (mut bytes, _) = unicode_pst();
    bytes[40] ^= 0x01; // inside the dwCRCPartial range, in unused header bytes
    assert!(findings_of(bytes).contains("header.crc"));
}

/// The BBT leaf page holding block `bid`, and the entry's offset within the file.
fn bbt_entry(bytes: &[u8], ndb: &Ndb, want: impl Fn(u64, u16) -> bool) -> (usize, usize) {
    // Walk from the root to the leaves (Unicode: entries of 24 bytes, cEnt at 488, level 491).
    let mut stack = vec![ndb.header().bbt.ib as usize];
    while let Some(ib) = stack.pop() {
        let n = bytes[ib + 488] as usize;
        let size = bytes[ib + 490] as usize;
        let level = bytes[ib + 491];
        for i in 0..n {
            let e = ib + i * size;
            if level > 0 {
                stack.push(u64::from_le_bytes(bytes[e + 16..e + 24].try_into().unwrap()) as usize);
            } else {
                let bid = u64::from_le_bytes(bytes[e..e + 8].try_into().unwrap());
                let cref = u16::from_le_bytes(bytes[e + 18..e + 20].try_into().unwrap());
                if want(bid, cref) {
                    return (ib, e);
                }
            }
        }
    }
    panic!("no such BBT entry");
}

#[test]
fn a_reference_count_below_the_references_is_a_cref_finding() {
    let (mut bytes, ndb) = unicode_pst();
    let (page, e) = bbt_entry(&bytes, &ndb, |_, cref| cref >= 1);
    bytes[e + 18..e + 20].copy_from_slice(&0u16.to_le_bytes());
    fix_page_crc(&mut bytes, page);
    let f = findings_of(bytes);
    assert_eq!(f, BTreeSet::from(["bbt.cref"]), "{f:?}");
}

#[test]
fn keys_out_of_order_are_an_order_finding() {
    let (mut bytes, ndb) = unicode_pst();
    let (page, _) = bbt_entry(&bytes, &ndb, |_, _| true);
    let n = bytes[page + 488] as usize;
    assert!(n >= 3);
    // Swap the keys of the second and third entries of the first leaf.
    let (a, b) = (page + 24, page + 48);
    let ka: [u8; 8] = bytes[a..a + 8].try_into().unwrap();
    let kb: [u8; 8] = bytes[b..b + 8].try_into().unwrap();
    bytes[a..a + 8].copy_from_slice(&kb);
    bytes[b..b + 8].copy_from_slice(&ka);
    fix_page_crc(&mut bytes, page);
    let f = findings_of(bytes);
    assert!(f.contains("btree.order"), "{f:?}");
}

#[test]
fn a_cleared_amap_bit_is_an_unmarked_finding() {
    let (mut bytes, ndb) = unicode_pst();
    // The first block past the AMap page itself: clear the bit of its first 64 bytes.
    let mut target = None;
    ndb.for_each_block(&mut |b| {
        if target.is_none() && b.bref.ib >= 0x4600 {
            target = Some(b);
        }
    });
    let b = target.unwrap();
    let slot = ((b.bref.ib - 0x4400) / 64) as usize;
    let byte = 0x4400 + slot / 8;
    let mask = 0x80u8 >> (slot % 8);
    assert!(
        bytes[byte] & mask != 0,
        "the writer marked the block allocated"
    );
    bytes[byte] &= !mask;
    fix_page_crc(&mut bytes, 0x4400);
    let f = findings_of(bytes);
    assert!(f.contains("amap.unmarked"), "{f:?}");
    assert!(f.contains("amap.free"), "{f:?}");
}

#[test]
fn a_bad_amap_page_is_a_page_finding() {
    let (mut bytes, _) = unicode_pst();
    bytes[0x4400 + 100] ^= 0xFF; // CRC no longer matches
    assert!(findings_of(bytes).contains("amap.page"));
}

#[test]
fn no_input_panics_the_validator() {
    let (bytes, _) = unicode_pst();
    // Seeded damage all over the file: every outcome is a report or an error, never a panic.
    let mut x = 0x1234_5678_9abc_def0u64;
    for _ in 0..40 {
        let mut b = bytes.clone();
        for _ in 0..16 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = (x % b.len() as u64) as usize;
            b[i] ^= (x >> 32) as u8 | 1;
        }
        let _ = check_bytes(b);
    }
    for cut in [0, 100, 600, 0x4400, 0x4500, bytes.len() / 2] {
        let _ = check_bytes(bytes[..cut].to_vec());
    }
}
