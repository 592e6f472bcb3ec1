//! What is lost is said: a data tree cut short gives the bytes before the cut and the message
//! records the loss (part, why, bytes); a tree that only lies about its count loses nothing;
//! a block whose CRC fails is used as read and recorded as damage (block, offset, size).

use pst_fixtures::BuildOptions;
use pstkit::messaging::LossKind;
use pstkit::{Carving, CryptMethod, Message, Store};
use pstkit::{Client, Layout};

const BIG: usize = 96 << 10;

fn build(dir: &std::path::Path, layout: Layout) -> Vec<u8> {
    let path = dir.join(format!("{}.pst", layout.name()));
    let mut opts = BuildOptions::new(layout, Client::Pst, CryptMethod::Permute);
    opts.big_attachment = BIG;
    pst_fixtures::build_file(&path, &opts).unwrap();
    std::fs::read(&path).unwrap()
}

/// The message holding the big attachment, loaded from `bytes`.
fn big_message(bytes: Vec<u8>) -> Message {
    let store = Store::from_bytes_with(bytes, Carving::Off).unwrap();
    let mut found = None;
    store.for_each_message(&mut |_, _, m| {
        let Ok(m) = m else { return };
        let has_big = m
            .attachments
            .iter()
            .any(|a| a.filename() == Some("several-mib.bin"));
        if found.is_none() && has_big {
            found = Some(m);
        }
    });
    found.expect("the message with the big attachment")
}

/// The index and bytes of the message's largest attachment.
fn biggest_attachment(m: &Message) -> (usize, Vec<u8>) {
    m.attachments
        .iter()
        .enumerate()
        .map(|(i, a)| (i, a.data().unwrap_or_default().to_vec()))
        .max_by_key(|(_, d)| d.len())
        .unwrap()
}

/// File offset and trailer CRC offset of the XBLOCK over `total` bytes, and its stored size.
fn find_xblock(bytes: &[u8], total: u32) -> (usize, usize, usize) {
    let store = Store::from_bytes_with(bytes.to_vec(), Carving::Off).unwrap();
    let layout = store.header().layout;
    let mut at = None;
    store.ndb().for_each_block(&mut |b| {
        if b.bref.bid.is_internal() {
            let start = b.bref.ib as usize;
            let raw = &bytes[start..start + usize::from(b.size)];
            if raw[0] == 1 && raw[1] == 1 && raw[4..8] == total.to_le_bytes() {
                let ts = layout.block_trailer_size();
                let align = layout.block_alignment();
                let footprint = (usize::from(b.size) + ts).div_ceil(align) * align;
                let crc_at = start + footprint - ts + if ts == 12 { 8 } else { 4 };
                at = Some((start, crc_at, usize::from(b.size)));
            }
        }
    });
    at.expect("an XBLOCK over the big attachment")
}

/// Sets the XBLOCK's `cEnt` and its trailer's CRC to match, as a writer that lies would.
fn patch_count(bytes: &mut [u8], at: (usize, usize, usize), count: u16) {
    bytes[at.0 + 2..at.0 + 4].copy_from_slice(&count.to_le_bytes());
    let crc = pstkit::ndb::crc::crc32(&bytes[at.0..at.0 + at.2]);
    bytes[at.1..at.1 + 4].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn a_data_tree_cut_short_gives_its_prefix_and_the_message_records_the_loss() {
    let tmp = tempfile::tempdir().unwrap();
    for layout in [Layout::Ansi, Layout::Unicode, Layout::Unicode4k] {
        let bytes = build(tmp.path(), layout);
        let intact = big_message(bytes.clone());
        assert!(intact.losses.is_empty(), "{layout:?}: {:?}", intact.losses);
        let (ai, full) = biggest_attachment(&intact);
        assert_eq!(full.len(), BIG, "{layout:?}");
        let xb = find_xblock(&bytes, BIG as u32);
        let listed = u16::from_le_bytes([bytes[xb.0 + 2], bytes[xb.0 + 3]]);
        assert!(listed >= 2, "{layout:?}");

        // The count says 65535 but the block holds its real children: nothing is lost.
        let mut lying = bytes.clone();
        patch_count(&mut lying, xb, u16::MAX);
        let m = big_message(lying);
        assert!(m.losses.is_empty(), "{layout:?}: {:?}", m.losses);
        assert_eq!(m.attachments[ai].data().unwrap(), &full[..], "{layout:?}");

        // The count says half: the first half of the data comes back, the rest is a loss.
        let mut cut = bytes.clone();
        patch_count(&mut cut, xb, listed / 2);
        let m = big_message(cut);
        let got = m.attachments[ai].data().unwrap();
        assert!(got.len() < full.len() && !got.is_empty(), "{layout:?}");
        assert_eq!(got, &full[..got.len()], "{layout:?}: an exact prefix");
        assert_eq!(m.losses.len(), 1, "{layout:?}: {:?}", m.losses);
        let loss = &m.losses[0];
        assert_eq!(loss.bytes, (full.len() - got.len()) as u64, "{layout:?}");
        assert!(
            loss.part.starts_with(&format!("attachment {}", ai + 1)),
            "{loss:?}"
        );
        assert!(loss.why.contains("cut short"), "{loss:?}");
        // Located at the message and its attachment's data tree; not repeated as a warning.
        assert_eq!(loss.at.node, m.nid, "{loss:?}");
        assert!(loss.at.block.is_some(), "{loss:?}");
        assert!(m.warnings.is_empty(), "{layout:?}: {:?}", m.warnings);
    }
}

/// A bit flipped inside a data block of the big attachment: the block's CRC fails, its bytes
/// are used as read (the attachment comes back whole but for that bit), and the message
/// records the damage with the block's id, offset and size. Blocks of other messages are
/// not counted against it.
#[test]
fn a_block_whose_crc_fails_is_used_and_recorded_as_damage() {
    let tmp = tempfile::tempdir().unwrap();
    for layout in [Layout::Ansi, Layout::Unicode, Layout::Unicode4k] {
        let bytes = build(tmp.path(), layout);
        let intact = big_message(bytes.clone());
        let (ai, full) = biggest_attachment(&intact);
        // The first leaf of the XBLOCK over the attachment: its bid follows the header.
        let xb = find_xblock(&bytes, BIG as u32);
        let id_size = if layout == Layout::Ansi { 4 } else { 8 };
        let mut id = [0u8; 8];
        id[..id_size].copy_from_slice(&bytes[xb.0 + 8..xb.0 + 8 + id_size]);
        let leaf = pstkit::ndb::BlockId(u64::from_le_bytes(id));
        let store = Store::from_bytes_with(bytes.clone(), Carving::Off).unwrap();
        let entry = store.ndb().block_entry(leaf).unwrap();
        let mut flipped = bytes.clone();
        let at = entry.bref.ib as usize + usize::from(entry.size) / 2;
        flipped[at] ^= 0x10;
        let m = big_message(flipped);
        let got = m.attachments[ai].data().unwrap();
        assert_eq!(got.len(), full.len(), "{layout:?}: the data is used");
        let differing = got.iter().zip(&full).filter(|(a, b)| a != b).count();
        // A 4 KiB-page block is compressed: one flip may change more than one byte.
        assert!(differing >= 1, "{layout:?}");
        assert_eq!(m.losses.len(), 1, "{layout:?}: {:?}", m.losses);
        let loss = &m.losses[0];
        assert_eq!(loss.kind, LossKind::Damaged, "{loss:?}");
        assert_eq!(loss.at.node, m.nid, "{loss:?}");
        assert_eq!(loss.at.block, Some(leaf), "{loss:?}");
        assert_eq!(loss.at.offset, Some(entry.bref.ib), "{loss:?}");
        assert_eq!(loss.bytes, u64::from(entry.size), "{loss:?}");
        // Another message, none of whose blocks was touched, records nothing.
        let store = Store::from_bytes_with(bytes_with_flip(&bytes, at), Carving::Off).unwrap();
        let mut clean = 0;
        store.for_each_message(&mut |_, nid, r| {
            let m = r.unwrap();
            if Some(nid) != intact.nid {
                assert!(m.losses.is_empty(), "{layout:?} {nid}: {:?}", m.losses);
                clean += 1;
            }
        });
        assert!(clean > 0, "{layout:?}");
    }
}

fn bytes_with_flip(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at] ^= 0x10;
    b
}
