//! Runs tests/check_vcf.py (Python's vobject) over generated cards: hand-built contacts with
//! every awkward field, and, where the corpus is present, every contact folder of it in 3.0
//! and 4.0. Without python3 or vobject the test is skipped with a note, unless
//! REQUIRE_PYTHON_CHECKERS=1, which makes that a failure.

mod vcf_common;

use std::borrow::Cow;
use std::path::Path;
use std::process::Command;

use chrono::{TimeZone, Utc};
use ost_extract::contacts::{contacts_to_vcf, VcardVersion};
use pstkit::ltp::prop::{FileTime, PropValue};
use pstkit::messaging::{pid, Attachment, Message, PropertyBag};
use pstkit::ndb::NodeId;
use vcf_common::{convert_store, corpus_files};

fn s(v: &str) -> PropValue<'static> {
    PropValue::String(Cow::Owned(v.to_owned()))
}

/// A contact with escaping-heavy text, non-ASCII, every e-mail slot, addresses, dates and a
/// photo; and a list that references it.
fn hand_built() -> Vec<Message> {
    let mut p = PropertyBag::new();
    p.insert(pid::MESSAGE_CLASS, s("IPM.Contact"));
    p.insert(
        pid::DISPLAY_NAME,
        s("Łukasz \"Łuki\" Żółć, Jr.; \\ 日本語の名前"),
    );
    p.insert(pid::GIVEN_NAME, s("Łukasz"));
    p.insert(pid::SURNAME, s("Żółć"));
    p.insert(pid::GENERATION, s("Jr."));
    p.insert(pid::COMPANY_NAME, s("Ąćę; Sp. z o.o., Oddział"));
    p.insert(pid::DEPARTMENT_NAME, s("R&D"));
    p.insert(pid::BUSINESS_TELEPHONE, s("+48 22 000 00 00"));
    p.insert(pid::MOBILE_TELEPHONE, s("+48 600 000 000"));
    p.insert(
        pid::HOME2_TELEPHONE,
        PropValue::MultipleString(vec!["+1 1".into(), "+1 2".into()]),
    );
    p.insert(pid::HOME_ADDRESS_STREET, s("ul. Długa 1\r\nm. 2"));
    p.insert(pid::HOME_ADDRESS_CITY, s("Warszawa"));
    p.insert(
        pid::BIRTHDAY,
        PropValue::Time(FileTime::from_utc(
            Utc.with_ymd_and_hms(1985, 2, 28, 23, 0, 0).unwrap(),
        )),
    );
    p.insert(
        pid::CHILDRENS_NAMES,
        PropValue::MultipleString(vec!["Ala".into(), "Ola, the second".into()]),
    );
    p.insert(
        pid::BODY,
        s(&"Notatka: zażółć gęślą jaźń; a,b\\c\r\n".repeat(20)),
    );
    p.insert(
        pid::LAST_MODIFICATION_TIME,
        PropValue::Time(FileTime::from_utc(
            Utc.with_ymd_and_hms(2020, 1, 2, 3, 4, 5).unwrap(),
        )),
    );
    p.insert_named(&pid::LID_EMAIL1_EMAIL_ADDRESS, s("lukasz@example.pl"));
    p.insert_named(&pid::LID_EMAIL1_ADDRESS_TYPE, s("SMTP"));
    p.insert_named(
        &pid::LID_EMAIL1_DISPLAY_NAME,
        s("Łukasz Żółć (lukasz@example.pl)"),
    );
    p.insert_named(&pid::LID_EMAIL2_EMAIL_ADDRESS, s("second@example.pl"));
    p.insert_named(
        &pid::LID_EMAIL3_EMAIL_ADDRESS,
        s("/o=Org/ou=Site/cn=Recipients/cn=lz"),
    );
    p.insert_named(&pid::LID_EMAIL3_ADDRESS_TYPE, s("EX"));
    p.insert_named(
        &pid::LID_HOME_ADDRESS,
        s("ul. Długa 1\nm. 2\n00-001 Warszawa"),
    );
    p.insert_named(&pid::LID_INSTANT_MESSAGING_ADDRESS, s("lz@im.example"));
    p.insert_named(
        &pid::NAME_KEYWORDS,
        PropValue::MultipleString(vec!["Rodzina".into(), "A, B".into()]),
    );
    let mut ap = PropertyBag::new();
    ap.insert(pid::ATTACHMENT_CONTACT_PHOTO, PropValue::Boolean(true));
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.extend((0..3000u32).map(|i| (i % 251) as u8));
    ap.insert(pid::ATTACH_DATA_BINARY, PropValue::Binary(Cow::Owned(jpeg)));
    let contact = Message {
        nid: Some(NodeId(0x0020_0064)),
        props: p,
        attachments: vec![Attachment {
            props: ap,
            embedded: None,
        }],
        ..Default::default()
    };

    let mut l = PropertyBag::new();
    l.insert(pid::MESSAGE_CLASS, s("IPM.DistList"));
    l.insert(pid::DISPLAY_NAME, s("Zespół: wszyscy, razem"));
    let mut wrapped = vec![0u8; 4];
    wrapped.extend_from_slice(&[
        0xC0, 0x91, 0xAD, 0xD3, 0x51, 0x9D, 0xCF, 0x11, 0xA4, 0xA9, 0x00, 0xAA, 0x00, 0x47, 0xFA,
        0xA4,
    ]);
    wrapped.push(0xC3);
    wrapped.extend_from_slice(&[0u8; 20]);
    wrapped.extend_from_slice(&0x0020_0064u32.to_le_bytes());
    l.insert_named(
        &pid::LID_DISTRIBUTION_LIST_MEMBERS,
        PropValue::MultipleBinary(vec![wrapped]),
    );
    let list = Message {
        nid: Some(NodeId(0x0020_0084)),
        props: l,
        ..Default::default()
    };
    vec![contact, list]
}

#[test]
fn vobject_parses_every_card() {
    let dir = tempfile::tempdir().unwrap();
    let mut cards = 0usize;
    let mut write = |name: &str, vcf: &str| {
        cards += vcf.matches("BEGIN:VCARD\r\n").count();
        std::fs::write(dir.path().join(name), vcf).unwrap();
    };
    let mut items = hand_built();
    items.push(vcf_common::full_contact());
    for (v, tag) in [(VcardVersion::V3, "v3"), (VcardVersion::V4, "v4")] {
        let mut warnings = Vec::new();
        write(
            &format!("hand-{tag}.vcf"),
            &contacts_to_vcf(&items, v, &mut warnings),
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        for path in corpus_files() {
            let Some(folders) = convert_store(&path, v) else {
                continue;
            };
            let stem = path.file_name().unwrap().to_string_lossy().into_owned();
            for (i, f) in folders.iter().enumerate() {
                write(&format!("{stem}-{i}-{tag}.vcf"), &f.vcf);
            }
        }
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check_vcf.py");
    let required = std::env::var("REQUIRE_PYTHON_CHECKERS").is_ok_and(|v| v == "1");
    let out = Command::new("python3")
        .arg(&script)
        .arg(dir.path())
        .arg("--expect-cards")
        .arg(cards.to_string())
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            assert!(!required, "python3 cannot run: {e}");
            eprintln!("note: python3 not available ({e}); vCard check skipped");
            return;
        }
    };
    if out.status.code() == Some(3) {
        assert!(
            !required,
            "vobject is not installed and REQUIRE_PYTHON_CHECKERS=1"
        );
        eprintln!("note: Python vobject not installed; vCard check skipped");
        return;
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "check_vcf.py failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{stdout}");
}
