//! `convert --pst`: the store-relative ids of the items (a distribution list's members, a
//! contact's reference entry id, a sent message's Sent Items entry id, a recipient taken from
//! the Contacts address book) name the same objects in the PST, by the PST's own record key;
//! the list's checksum follows its members; and the vCards of the PST are those of the source.
//!
//! The source is a writer-built Outlook 2013+ OST (4 KiB pages) with its own record key.

use std::borrow::Cow;
use std::fs::File;
use std::path::Path;

use ost_extract::convert::{convert_file, NoProgress, Options};
use pstkit::ltp::prop::PropValue;
use pstkit::messaging::{pid, Message};
use pstkit::ndb::crc::crc32;
use pstkit::write::{NdbWriter, SpecialFolder, StoreOptions, StoreWriter};
use pstkit::{Client, CryptMethod, Layout, NodeId, Store};

const SOURCE_KEY: [u8; 16] = [0x5A; 16];
const WRAPPED_UID: [u8; 16] = [
    0xC0, 0x91, 0xAD, 0xD3, 0x51, 0x9D, 0xCF, 0x11, 0xA4, 0xA9, 0x00, 0xAA, 0x00, 0x47, 0xFA, 0xA4,
];
const CONTAB_UID: [u8; 16] = [
    0xFE, 0x42, 0xAA, 0x0A, 0x18, 0xC7, 0x1A, 0x10, 0xE8, 0x85, 0x0B, 0x65, 0x1C, 0x24, 0x00, 0x00,
];
/// Node ids the contacts and the list keep from the source.
const ANA: u32 = 0x0020_0064;
const BEN: u32 = 0x0020_0084;
const LIST: u32 = 0x0020_0024;

fn s(v: &str) -> PropValue<'static> {
    PropValue::String(Cow::Owned(v.to_owned()))
}

fn bin(v: Vec<u8>) -> PropValue<'static> {
    PropValue::Binary(Cow::Owned(v))
}

/// A PST/OST entry id ([MS-PST] 2.4.3.2).
fn entry_id(key: &[u8], nid: u32) -> Vec<u8> {
    let mut e = vec![0u8; 4];
    e.extend_from_slice(key);
    e.extend_from_slice(&nid.to_le_bytes());
    e
}

/// A WrappedEntryId of a contact's e-mail slot `slot` (4: Email1, 5: Email2).
fn wrapped(slot: u8, nid: u32) -> Vec<u8> {
    let mut e = vec![0u8; 4];
    e.extend_from_slice(&WRAPPED_UID);
    e.push(0x80 | (slot << 4) | 3);
    e.extend_from_slice(&entry_id(&SOURCE_KEY, nid));
    e
}

/// A Contact Address EntryID ([MS-OXCDATA] 2.2.5.3) of a contact's Email1.
fn contab(key: &[u8], nid: u32) -> Vec<u8> {
    let mut e = vec![0u8; 4];
    e.extend_from_slice(&CONTAB_UID);
    for x in [3u32, 4, 0, 24] {
        e.extend_from_slice(&x.to_le_bytes());
    }
    e.extend_from_slice(&entry_id(key, nid));
    e
}

fn one_off(name: &str, addr: &str) -> Vec<u8> {
    ost_extract::contacts::one_off_entry_id(name, "SMTP", addr)
}

fn contact(nid: u32, name: &str, slot: usize, addr: &str) -> Message {
    let mut m = Message {
        nid: Some(NodeId(nid)),
        ..Message::default()
    };
    let p = &mut m.props;
    p.insert(pid::MESSAGE_CLASS, s("IPM.Contact"));
    p.insert(pid::DISPLAY_NAME, s(name));
    p.insert(pid::SUBJECT, s(name));
    let base = 0x8080 + 0x10 * slot as u32;
    let lid = |n| pstkit::messaging::NamedProp::lid(pstkit::messaging::psets::PSETID_ADDRESS, n);
    p.insert_named(&lid(base), s(&format!("{name} ({addr})")));
    p.insert_named(&lid(base + 2), s("SMTP"));
    p.insert_named(&lid(base + 3), s(addr));
    p.insert_named(
        &pid::LID_REFERENCE_ENTRY_ID,
        bin(entry_id(&SOURCE_KEY, nid)),
    );
    m
}

/// The members of the list: Ana's Email1 and Ben's Email2 by reference, and a one-off.
fn members() -> Vec<Vec<u8>> {
    vec![
        wrapped(4, ANA),
        wrapped(5, BEN),
        one_off("Cleo Guest", "cleo@guest.example"),
    ]
}

/// Writes the OST: Contacts with Ana, Ben and the list; Sent Items with a message sent to
/// Ana from the Contacts address book.
fn write_ost(path: &Path) {
    let ndb = NdbWriter::new(
        File::create(path).unwrap(),
        Layout::Unicode4k,
        Client::Ost,
        CryptMethod::Permute,
    )
    .unwrap();
    let mut store = StoreWriter::new(
        ndb,
        StoreOptions {
            display_name: "Offline Folders".into(),
            // As Outlook 2013+ OSTs: the IPM subtree is found at its node, 0x2142.
            omit_ipm_subtree_entry_id: true,
            record_key: SOURCE_KEY,
            ansi_encoding: None,
            ansi_codepage: 1252,
        },
    );
    let top = store.add_folder_with_nid(
        store.root(),
        "Top of Information Store",
        None,
        NodeId(0x2142),
    );
    store.set_special(SpecialFolder::IpmSubtree, top);
    let inbox = store.add_folder(top, "Inbox", Some("IPF.Note"));
    store.set_special(SpecialFolder::Inbox, inbox);
    let sent = store.add_folder(top, "Sent Items", Some("IPF.Note"));
    store.set_special(SpecialFolder::SentItems, sent);
    let contacts = store.add_folder(top, "Contacts", Some("IPF.Contact"));
    store.set_special(SpecialFolder::Contacts, contacts);

    let mut list = Message {
        nid: Some(NodeId(LIST)),
        ..Message::default()
    };
    let p = &mut list.props;
    p.insert(pid::MESSAGE_CLASS, s("IPM.DistList"));
    p.insert(pid::DISPLAY_NAME, s("Team"));
    p.insert(pid::SUBJECT, s("Team"));
    p.insert_named(&pid::LID_DISTRIBUTION_LIST_NAME, s("Team"));
    p.insert_named(
        &pid::LID_DISTRIBUTION_LIST_CHECKSUM,
        PropValue::Integer32(crc32(&members().concat()) as i32),
    );
    p.insert_named(
        &pid::LID_DISTRIBUTION_LIST_MEMBERS,
        PropValue::MultipleBinary(members()),
    );
    p.insert_named(
        &pid::LID_DISTRIBUTION_LIST_ONE_OFF_MEMBERS,
        PropValue::MultipleBinary(vec![
            one_off("Ana Alves", "ana@example.com"),
            one_off("Ben Brook", "ben.home@example.net"),
            one_off("Cleo Guest", "cleo@guest.example"),
        ]),
    );
    // The list comes first, so it names contacts not yet written.
    store.add_message(contacts, &list).unwrap();
    store
        .add_message(contacts, &contact(ANA, "Ana Alves", 0, "ana@example.com"))
        .unwrap();
    store
        .add_message(
            contacts,
            &contact(BEN, "Ben Brook", 1, "ben.home@example.net"),
        )
        .unwrap();

    let sent_nid = store.folder_nid(sent);
    let mut mail = Message::default();
    let p = &mut mail.props;
    p.insert(pid::MESSAGE_CLASS, s("IPM.Note"));
    p.insert(pid::SUBJECT, s("Agenda"));
    p.insert(pid::MESSAGE_FLAGS, PropValue::Integer32(1));
    p.insert(
        pid::SENT_MAIL_ENTRY_ID,
        bin(entry_id(&SOURCE_KEY, sent_nid.0)),
    );
    let mut r = pstkit::messaging::PropertyBag::new();
    r.insert(pid::RECIPIENT_TYPE, PropValue::Integer32(1));
    r.insert(pid::DISPLAY_NAME, s("Ana Alves"));
    r.insert(pid::ADDRTYPE, s("SMTP"));
    r.insert(pid::EMAIL_ADDRESS, s("ana@example.com"));
    r.insert(pid::RECIPIENT_ENTRY_ID, bin(contab(&SOURCE_KEY, ANA)));
    mail.recipients.push(r);
    store.add_message(sent, &mail).unwrap();

    let (ndb, _) = store.finish().unwrap();
    ndb.finish().unwrap();
}

/// The message of `store` in folder `path` (below the top) with subject `subject`.
fn find(store: &Store, path: &str, subject: &str) -> (NodeId, Message) {
    for f in store.folders().folders {
        if f.path.last().map(String::as_str) != Some(path) {
            continue;
        }
        for nid in store.contents(f.nid).unwrap() {
            let m = store.message(nid).unwrap();
            if m.subject() == subject {
                return (nid, m);
            }
        }
    }
    let all: Vec<_> = store
        .folders()
        .folders
        .iter()
        .map(|f| (f.path.clone(), store.contents(f.nid).map(|c| c.len())))
        .collect();
    panic!("no {subject:?} in {path}: {all:?}");
}

fn multi(m: &Message, name: &pstkit::messaging::NamedProp) -> Vec<Vec<u8>> {
    match m.props.get(name) {
        Some(PropValue::MultipleBinary(v)) => v.clone(),
        other => panic!("{name:?}: {other:?}"),
    }
}

#[test]
fn store_relative_ids_name_the_same_objects_in_the_pst() {
    let dir = tempfile::tempdir().unwrap();
    let ost = dir.path().join("cache.ost");
    write_ost(&ost);
    let out = dir.path().join("out");
    let opts = Options {
        pst: Some(ost_extract::convert::sinks::pst::DEFAULT_MAX_SIZE),
        ..Options::default()
    };
    let report = convert_file(&ost, &out, &opts, &NoProgress).unwrap();
    assert!(report.complete, "{report:?}");
    let pst = Store::open(out.join("cache.pst")).unwrap();
    let key = pst.properties().binary(pid::RECORD_KEY).unwrap().to_vec();
    assert_eq!(key.len(), 16);
    assert_ne!(key, SOURCE_KEY);

    // Each member by reference carries the PST's record key and names the node of the
    // member contact in the PST; the one-off stays as it was.
    let (_, list) = find(&pst, "Contacts", "Team");
    let got = multi(&list, &pid::LID_DISTRIBUTION_LIST_MEMBERS);
    assert_eq!(got.len(), 3);
    for (i, (name, slot_type)) in [("Ana Alves", 0xC3u8), ("Ben Brook", 0xD3)]
        .into_iter()
        .enumerate()
    {
        let m = &got[i];
        assert_eq!(m.len(), 45, "member {i}");
        assert_eq!(&m[4..20], &WRAPPED_UID);
        assert_eq!(m[20], slot_type);
        assert_eq!(&m[25..41], &key[..], "member {i}: record key");
        let nid = u32::from_le_bytes(m[41..45].try_into().unwrap());
        let (expected, _) = find(&pst, "Contacts", name);
        assert_eq!(NodeId(nid), expected, "member {i}");
        assert_eq!(pst.message(NodeId(nid)).unwrap().subject(), name);
    }
    assert_eq!(got[2], members()[2]);
    // The checksum is that of the new members.
    assert_eq!(
        list.props.i32(&pid::LID_DISTRIBUTION_LIST_CHECKSUM),
        Some(crc32(&got.concat()) as i32)
    );
    assert_ne!(crc32(&got.concat()), crc32(&members().concat()));
    // One-off copies are not ids of the store.
    assert_eq!(
        multi(&list, &pid::LID_DISTRIBUTION_LIST_ONE_OFF_MEMBERS)[0],
        one_off("Ana Alves", "ana@example.com")
    );

    // A contact's reference entry id is its own entry id in the PST.
    let (ana, contact) = find(&pst, "Contacts", "Ana Alves");
    assert_eq!(
        contact.props.binary(&pid::LID_REFERENCE_ENTRY_ID),
        Some(&entry_id(&key, ana.0)[..])
    );

    // The sent message names the PST's Sent Items (as the PST's store names it), and its
    // recipient from the Contacts address book names Ana in the PST.
    let (_, mail) = find(&pst, "Sent Items", "Agenda");
    let sent = pst.properties().binary(pid::IPM_SENTMAIL_ENTRY_ID).unwrap();
    assert_eq!(mail.props.binary(pid::SENT_MAIL_ENTRY_ID), Some(sent));
    assert_eq!(
        mail.recipients[0].binary(pid::RECIPIENT_ENTRY_ID),
        Some(&contab(&key, ana.0)[..])
    );

    // The vCards of the PST are those of the source: the list's members resolve the same.
    let again = dir.path().join("again");
    convert_file(
        &out.join("cache.pst"),
        &again,
        &Options::default(),
        &NoProgress,
    )
    .unwrap();
    let cards = |p: &Path| std::fs::read_to_string(p.join("Contacts/Contacts.vcf")).unwrap();
    let (a, b) = (cards(&out), cards(&again));
    assert_eq!(a, b);
    assert!(a.contains("ana@example.com") && a.contains("ben.home@example.net"));
}
