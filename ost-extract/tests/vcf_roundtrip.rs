//! Writer-built contacts round-trip: a contact with every field and a photo, a copy of it in
//! a mail folder, and a list that references it are written with pst-fixtures, read back with
//! pstkit, and every field is in the cards.

mod vcf_common;

use ost_extract::contacts::VcardVersion;
use pst_fixtures::testing::pst_store;
use pstkit::ltp::prop::PropValue;
use pstkit::messaging::{pid, Message, PropertyBag};
use pstkit::ndb::CryptMethod;
use pstkit::Layout;
use vcf_common::*;

const RECORD_KEY: [u8; 16] = [7; 16];

fn one_off(name: &str, addr: &str) -> Vec<u8> {
    let mut v = vec![0u8; 4];
    v.extend_from_slice(&[
        0x81, 0x2B, 0x1F, 0xA4, 0xBE, 0xA3, 0x10, 0x19, 0x9D, 0x6E, 0x00, 0xDD, 0x01, 0x0F, 0x54,
        0x02,
    ]);
    v.extend_from_slice(&[0, 0, 0x01, 0x90]);
    for s in [name, "SMTP", addr] {
        v.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        v.extend_from_slice(&[0, 0]);
    }
    v
}

/// A wrapped entry id ([MS-OXOCNTC] 2.2.2.2.4.1.1) for Email1 (0xC3) of message `nid`.
fn wrapped(nid: u32) -> Vec<u8> {
    let mut v = vec![0u8; 4];
    v.extend_from_slice(&[
        0xC0, 0x91, 0xAD, 0xD3, 0x51, 0x9D, 0xCF, 0x11, 0xA4, 0xA9, 0x00, 0xAA, 0x00, 0x47, 0xFA,
        0xA4,
    ]);
    v.push(0xC3);
    v.extend_from_slice(&[0u8; 4]);
    v.extend_from_slice(&RECORD_KEY);
    v.extend_from_slice(&nid.to_le_bytes());
    v
}

fn write_store(path: &std::path::Path, layout: Layout) -> u32 {
    let (mut store, top) =
        pst_store(path, layout, CryptMethod::Permute, "Round trip", RECORD_KEY).unwrap();
    let contacts = store.add_folder(top, "Contacts", Some("IPF.Contact"));
    let inbox = store.add_folder(top, "Inbox", Some("IPF.Note"));
    let full = full_contact();
    let nid = store.add_message(contacts, &full).unwrap();
    let mut list = Message::default();
    let p: &mut PropertyBag = &mut list.props;
    p.insert(pid::MESSAGE_CLASS, PropValue::String("IPM.DistList".into()));
    p.insert(pid::DISPLAY_NAME, PropValue::String("Friends".into()));
    p.insert_named(
        &pid::LID_DISTRIBUTION_LIST_NAME,
        PropValue::String("Friends".into()),
    );
    p.insert_named(
        &pid::LID_DISTRIBUTION_LIST_MEMBERS,
        PropValue::MultipleBinary(vec![
            wrapped(nid.0),
            one_off("Gail Guest", "gail@guest.example"),
        ]),
    );
    p.insert_named(
        &pid::LID_DISTRIBUTION_LIST_ONE_OFF_MEMBERS,
        PropValue::MultipleBinary(vec![
            one_off("Zoë (work)", "zoe@example.com"),
            one_off("Gail Guest", "gail@guest.example"),
        ]),
    );
    store.add_message(contacts, &list).unwrap();
    // The same contact filed among mail still comes out, in that folder's own .vcf.
    let mut stray = full_contact();
    stray
        .props
        .insert(pid::SEARCH_KEY, PropValue::Binary(vec![0xCD; 16].into()));
    store.add_message(inbox, &stray).unwrap();
    let (ndb, _) = store.finish().unwrap();
    ndb.finish().unwrap();
    nid.0
}

fn check_full_card(card: &[Line], ctx: &str) {
    for (name, want) in full_contact_expected_v3() {
        let got = values(card, name);
        assert!(got.contains(&want), "{ctx}: {name} {want:?} not in {got:?}");
    }
    let photo: Vec<&Line> = card.iter().filter(|l| l.0 == "PHOTO").collect();
    assert_eq!(photo.len(), 1, "{ctx}");
    assert_eq!(
        photo[0].1,
        [
            ("ENCODING".to_owned(), "b".to_owned()),
            ("TYPE".to_owned(), "JPEG".to_owned())
        ]
    );
    let bytes = photo_bytes();
    assert_eq!(photo[0].2.len(), bytes.len().div_ceil(3) * 4, "{ctx}");
}

#[test]
fn writer_built_contacts_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    for layout in [Layout::Unicode, Layout::Unicode4k] {
        let path = dir.path().join(format!("contacts-{layout:?}.pst"));
        let contact_nid = write_store(&path, layout);
        let folders = convert_store(&path, VcardVersion::V3).expect("store opens");
        assert_eq!(folders.len(), 2, "{layout:?}");
        let contacts = folders
            .iter()
            .find(|f| f.folder.path.last().map(String::as_str) == Some("Contacts"))
            .unwrap();
        let inbox = folders
            .iter()
            .find(|f| f.folder.path.last().map(String::as_str) == Some("Inbox"))
            .unwrap();
        assert!(contacts.warnings.is_empty(), "{:?}", contacts.warnings);
        let cards = parse_cards(&contacts.vcf);
        assert_eq!(cards.len(), 2);
        check_full_card(&cards[0], &format!("{layout:?} contacts"));
        let inbox_cards = parse_cards(&inbox.vcf);
        assert_eq!(inbox_cards.len(), 1);
        check_full_card(&inbox_cards[0], &format!("{layout:?} inbox"));
        assert_ne!(values(&cards[0], "UID"), values(&inbox_cards[0], "UID"));

        let list = &cards[1];
        assert_eq!(values(list, "FN"), ["Friends"]);
        let uid = values(&cards[0], "UID").remove(0);
        assert_eq!(contacts.items[0].nid.map(|n| n.0), Some(contact_nid));
        assert_eq!(
            values(list, "X-ADDRESSBOOKSERVER-MEMBER"),
            [
                format!("urn:uuid:{uid}"),
                "mailto:gail@guest.example".to_owned()
            ]
        );
        assert_eq!(
            values(list, "EMAIL"),
            ["zoe@example.com", "gail@guest.example"]
        );

        // 4.0 of the same store.
        let folders = convert_store(&path, VcardVersion::V4).unwrap();
        let c4 = parse_cards(&folders.iter().find(|f| f.items.len() == 2).unwrap().vcf);
        assert_eq!(values(&c4[0], "GENDER"), ["F"]);
        assert_eq!(values(&c4[0], "BDAY"), ["19800517"]);
        assert_eq!(values(&c4[0], "ANNIVERSARY"), ["20050910"]);
        assert_eq!(
            values(&c4[1], "MEMBER"),
            [
                format!("urn:uuid:{uid}"),
                "mailto:gail@guest.example".to_owned()
            ]
        );
    }
}
