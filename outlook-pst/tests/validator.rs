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
/// file is clean (57 of 116 at the time of writing; [`ASPOSE_DLIST`] holds most of the rest),
/// and `aspose-email__Outlook1.pst` (an mbox, not a PST) is refused.
const CORPUS_FINDINGS: &[(&str, &[&str], &str)] = &[
    (
        "aspose-email__Outlook_3.pst",
        &["btree.backpointer", "dlist.entry"],
        "real damage: two B-tree pages (block 0x1622 at 0x17e00, 0x162e at 0xa2c00) carry back \
         pointers one above their references (0x1623, 0x162f); libpff refuses the file for it. \
         Its density list is that of aspose-email__Outlook.pst (the same store)",
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
        &["folder.count", "dlist.entry"],
        "written by Aspose.Email: folder 0x8062 says PidTagContentCount 4, its contents table \
         has 3 rows; and its density list (Outlook's, CRC intact) gives AMap pages 0, 2 and 12 \
         4, 8 and 8 free slots fewer than they have: the file was changed after Outlook last \
         wrote the list",
    ),
    (
        "aspose-email__Outlook.pst",
        &["dlist.entry"],
        "a 5-AMap file whose density list (Outlook's, CRC intact) names AMap pages 6 to 12: the \
         list of a 13-AMap file, as in aspose-email__Outlook_2.pst (where every entry is exact), \
         kept when the file was cut to 5 AMaps; the corpus notes the file as likely rewritten \
         by Aspose.Email",
    ),
    (
        "aspose-email__source.pst",
        &["dlist.entry"],
        "the density list as in aspose-email__Outlook.pst, and two entries (AMap pages 1 and 4) \
         whose free slots no longer match: changed after Outlook last wrote the list",
    ),
];

/// Files carrying the density list page Aspose.Email writes, byte for byte the same in all of
/// them: its CRC, signature and padding left 0, its page id the page's offset (0x4200, where
/// Outlook uses a page id from `bidNextP`), and one entry that says AMap page 0 has 3968 free
/// slots, every slot of the page (an AMap page always holds itself). Each gives `dlist.page`
/// (the CRC). Outlook's own density lists in the corpus all have a valid CRC and exact entries.
/// `epfromer__enron.pst` (shipped with pst-extractor) has the same page, so Aspose.Email wrote
/// or last rewrote it too.
const ASPOSE_DLIST: &[&str] = &[
    "aspose-email__1.pst",
    "aspose-email__2.pst",
    "aspose-email__AddFile1.pst",
    "aspose-email__DestinationPst.pst",
    "aspose-email__JournalPST.pst",
    "aspose-email__MapiContactToPST1.pst",
    "aspose-email__MapiNoteToPST.pst",
    "aspose-email__MapiNoteToPST_out.pst",
    "aspose-email__Outlook_part0.pst",
    "aspose-email__Outlook_part0_2.pst",
    "aspose-email__Outlook_part0_3.pst",
    "aspose-email__Outlook_part0_4.pst",
    "aspose-email__Outlook_part1.pst",
    "aspose-email__Outlook_part1_2.pst",
    "aspose-email__Outlook_part1_3.pst",
    "aspose-email__Outlook_part1_4.pst",
    "aspose-email__Outlook_part2.pst",
    "aspose-email__Outlook_part2_2.pst",
    "aspose-email__Outlook_part2_3.pst",
    "aspose-email__Outlook_part2_4.pst",
    "aspose-email__PersonalStorage.pst",
    "aspose-email__PersonalStorage1.pst",
    "aspose-email__PersonalStorage1_2.pst",
    "aspose-email__PersonalStorage2.pst",
    "aspose-email__PersonalStorage3.pst",
    "aspose-email__PersonalStorageFile.ost",
    "aspose-email__PersonalStorage_2.pst",
    "aspose-email__PersonalStorage_3.pst",
    "aspose-email__PersonalStorage_4.pst",
    "aspose-email__PersonalStorage_5.pst",
    "aspose-email__PersonalStorage_6.pst",
    "aspose-email__PersonalStorage_7.pst",
    "aspose-email__PersonalStorage_New.pst",
    "aspose-email__Personal_folders_part0.pst",
    "aspose-email__Personal_folders_part0_2.pst",
    "aspose-email__Personal_folders_part0_3.pst",
    "aspose-email__Personal_folders_part1.pst",
    "aspose-email__Personal_folders_part1_2.pst",
    "aspose-email__Personal_folders_part1_3.pst",
    "aspose-email__Personal_folders_part20.pst",
    "aspose-email__SampleContacts.pst",
    "aspose-email__SampleContacts_2.pst",
    "aspose-email__TaskPST.pst",
    "aspose-email__Test_part0.pst",
    "aspose-email__Test_part0_2.pst",
    "aspose-email__Test_part1.pst",
    "aspose-email__Test_part1_2.pst",
    "aspose-email__destination.pst",
    "aspose-email__sample1.pst",
    "aspose-email__sample1_2.pst",
    "aspose-email__search.pst",
    "aspose-email__search_2.pst",
    "epfromer__enron.pst",
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
        let mut want: BTreeSet<&str> = CORPUS_FINDINGS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, c, _)| c.iter().copied().collect())
            .unwrap_or_default();
        if ASPOSE_DLIST.contains(&name.as_str()) {
            want.insert("dlist.page");
        }
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
    let with_findings: BTreeSet<&str> = CORPUS_FINDINGS
        .iter()
        .map(|(n, _, _)| *n)
        .chain(ASPOSE_DLIST.iter().copied())
        .collect();
    assert_eq!(clean, files.len() - 1 - with_findings.len());
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

/// A writer-built 4 KiB-layout OST and its bytes.
fn ost_4k() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let file = build(
        dir.path(),
        Layout::Unicode4k,
        Client::Ost,
        CryptMethod::None,
    );
    std::fs::read(&file).unwrap()
}

/// Rewrites the CRC of the 4096-byte page at `ib` (CRC at 4072 + 4, over the first 4072 bytes).
fn fix_4k_page_crc(bytes: &mut [u8], ib: usize) {
    let crc = crc32fast_like(&bytes[ib..ib + 4072]);
    bytes[ib + 4076..ib + 4080].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn the_4k_layout_amap_is_checked() {
    let bytes = ost_4k();
    assert!(check_bytes(bytes.clone()).unwrap().is_clean());
    let ndb = Ndb::from_bytes(bytes.clone()).unwrap();
    // The bit (one per 512 bytes from the AMap at 0x22000) of the first block past the AMap.
    let mut target = None;
    ndb.for_each_block(&mut |b| {
        if target.is_none() && b.bref.ib >= 0x23000 {
            target = Some(b);
        }
    });
    let b = target.unwrap();
    let slot = ((b.bref.ib - 0x22000) / 512) as usize;
    let (byte, mask) = (0x22000 + slot / 8, 0x80u8 >> (slot % 8));
    let mut cleared = bytes.clone();
    assert!(cleared[byte] & mask != 0, "the writer marked the block");
    cleared[byte] &= !mask;
    fix_4k_page_crc(&mut cleared, 0x22000);
    let f = findings_of(cleared);
    assert_eq!(f, BTreeSet::from(["amap.unmarked", "amap.free"]), "{f:?}");
    // A damaged AMap page.
    let mut broken = bytes;
    broken[0x22000 + 3000] ^= 0x10;
    let f = findings_of(broken);
    assert!(f.contains("amap.page"), "{f:?}");
}

/// The first 512-byte page of the Unicode file at or after `from` that the AMap at 0x4400
/// marks wholly free.
fn free_page(bytes: &[u8], from: usize) -> usize {
    (from..0x4400 + 496 * 8 * 64)
        .step_by(512)
        .find(|&off| {
            let slot = (off - 0x4400) / 64;
            bytes[0x4400 + slot / 8] == 0 && off + 512 <= bytes.len()
        })
        .expect("a free page in the first AMap region")
}

/// Clears the PMap bit (PMap at 0x4600) of the page at `off`.
fn clear_pmap_bit(bytes: &mut [u8], off: usize) {
    let slot = (off - 0x4400) / 512;
    bytes[0x4600 + slot / 8] &= !(0x80u8 >> (slot % 8));
    fix_page_crc(bytes, 0x4600);
}

#[test]
fn a_pmap_free_page_under_a_btree_page_is_a_pmap_finding() {
    let (mut bytes, ndb) = unicode_pst();
    let root = ndb.header().nbt.ib as usize;
    assert!(root < 0x4400 + 8 * 496 * 8 * 64, "within the first PMap");
    clear_pmap_bit(&mut bytes, root);
    // The PMap now has a free page: cbPMapFree (0) and rgbFP (all ones) no longer agree.
    let f = findings_of(bytes);
    assert_eq!(
        f,
        BTreeSet::from(["pmap.unmarked", "pmap.free", "header.rgbfp"]),
        "{f:?}"
    );
}

#[test]
fn a_pmap_free_page_the_amap_leaves_free_is_a_reserved_finding() {
    let (mut bytes, _) = unicode_pst();
    let off = free_page(&bytes, 0x4800);
    clear_pmap_bit(&mut bytes, off);
    let f = findings_of(bytes);
    assert_eq!(
        f,
        BTreeSet::from(["pmap.reserved", "pmap.free", "header.rgbfp"]),
        "{f:?}"
    );
}

#[test]
fn a_bad_pmap_page_is_a_page_finding() {
    let (mut bytes, _) = unicode_pst();
    bytes[0x4600 + 10] ^= 0x01;
    let f = findings_of(bytes);
    assert!(f.contains("pmap.page"), "{f:?}");
}

/// Writes `entries` (AMap page, free slots) into the Unicode file's density list at 0x4200.
fn set_dlist(bytes: &mut [u8], entries: &[(u32, u32)]) {
    bytes[0x4201] = entries.len() as u8;
    for (i, (page, free)) in entries.iter().enumerate() {
        let e = page | (free << 20);
        bytes[0x4208 + 4 * i..0x4208 + 4 * i + 4].copy_from_slice(&e.to_le_bytes());
    }
    fix_page_crc(bytes, 0x4200);
}

#[test]
fn density_list_entries_are_checked_against_the_amaps() {
    let (bytes, _) = unicode_pst();
    let free: u32 = bytes[0x4400..0x4400 + 496]
        .iter()
        .map(|b| b.count_zeros())
        .sum();
    // An exact entry, as Outlook writes them: no finding.
    let mut exact = bytes.clone();
    set_dlist(&mut exact, &[(0, free)]);
    assert!(check_bytes(exact).unwrap().is_clean());
    // A wrong free count, and an AMap page the file does not have.
    let mut wrong = bytes.clone();
    set_dlist(&mut wrong, &[(0, free + 1)]);
    assert_eq!(findings_of(wrong), BTreeSet::from(["dlist.entry"]));
    let mut beyond = bytes.clone();
    set_dlist(&mut beyond, &[(0, free), (40, 0)]);
    assert_eq!(findings_of(beyond), BTreeSet::from(["dlist.entry"]));
    // Aspose.Email's page: an entry and no CRC.
    let mut no_crc = bytes;
    set_dlist(&mut no_crc, &[(0, 3968)]);
    no_crc[0x4200 + 500..0x4200 + 504].fill(0);
    assert_eq!(findings_of(no_crc), BTreeSet::from(["dlist.page"]));
}
