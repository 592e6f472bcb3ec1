//! Tests of the card builder on hand-built messages.

use std::borrow::Cow;

use chrono::{TimeZone, Utc};
use pstkit::ltp::prop::{FileTime, PropValue};
use pstkit::messaging::{pid, psets, Attachment, Message, NamedProp, PropertyBag};
use pstkit::ndb::NodeId;

use super::entryid::{one_off_bytes, wrapped_contact_bytes};
use super::*;

fn s(v: &str) -> PropValue<'static> {
    PropValue::String(Cow::Owned(v.to_owned()))
}
fn time(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> PropValue<'static> {
    PropValue::Time(FileTime::from_utc(
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap(),
    ))
}
fn addr(bag: &mut PropertyBag, name: &NamedProp, v: PropValue<'static>) {
    bag.insert_named(name, v);
}

/// One content line: name with group, parameters, raw value.
type Line = (String, Vec<(String, String)>, String);

/// Unfolds a .vcf and splits it into cards.
pub(crate) fn parse_cards(vcf: &str) -> Vec<Vec<Line>> {
    assert!(vcf.ends_with("\r\n"));
    let unfolded = vcf.replace("\r\n ", "");
    let mut cards = Vec::new();
    let mut cur = Vec::new();
    for line in unfolded.split("\r\n").filter(|l| !l.is_empty()) {
        // Split at the first ':' outside double quotes.
        let mut in_q = false;
        let mut at = None;
        for (i, c) in line.char_indices() {
            match c {
                '"' => in_q = !in_q,
                ':' if !in_q => {
                    at = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let at = at.unwrap();
        let (head, value) = (&line[..at], &line[at + 1..]);
        let mut parts = head.split(';');
        let name = parts.next().unwrap().to_owned();
        let params = parts
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_owned(), v.trim_matches('"').to_owned())
            })
            .collect();
        cur.push((name.clone(), params, value.to_owned()));
        if name == "END" {
            cards.push(std::mem::take(&mut cur));
        }
    }
    cards
}

/// Reverses text escaping.
pub(crate) fn unescape(v: &str) -> String {
    let mut out = String::new();
    let mut it = v.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('n') | Some('N') => out.push('\n'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn small_contact() -> Message {
    let mut p = PropertyBag::new();
    p.insert(pstkit::messaging::pid::MESSAGE_CLASS, s("IPM.Contact"));
    p.insert(pid::DISPLAY_NAME, s("Jane Doe"));
    p.insert(pid::GIVEN_NAME, s("Jane"));
    p.insert(pid::SURNAME, s("Doe"));
    p.insert(pid::BUSINESS_TELEPHONE, s("+1 555 0100"));
    p.insert(
        pid::SEARCH_KEY,
        PropValue::Binary(Cow::Owned((0u8..16).collect())),
    );
    p.insert(pid::LAST_MODIFICATION_TIME, time(2010, 6, 15, 12, 30));
    addr(
        &mut p,
        &pid::LID_EMAIL1_EMAIL_ADDRESS,
        s("jane@example.com"),
    );
    addr(&mut p, &pid::LID_EMAIL1_ADDRESS_TYPE, s("SMTP"));
    addr(
        &mut p,
        &pid::LID_EMAIL1_DISPLAY_NAME,
        s("Jane Doe (jane@example.com)"),
    );
    Message {
        nid: Some(NodeId(0x0020_0064)),
        props: p,
        ..Default::default()
    }
}

#[test]
fn small_card_exact_v3() {
    let mut warnings = Vec::new();
    let out = contacts_to_vcf(&[small_contact()], VcardVersion::V3, &mut warnings);
    let expected = "BEGIN:VCARD\r\n\
VERSION:3.0\r\n\
PRODID:-//ost-extract//vCard//EN\r\n\
UID:00010203-0405-0607-0809-0a0b0c0d0e0f\r\n\
FN:Jane Doe\r\n\
N:Doe;Jane;;;\r\n\
EMAIL;TYPE=internet;TYPE=pref;X-DISPLAY-NAME=Jane Doe (jane@example.com):ja\r\n ne@example.com\r\n\
TEL;TYPE=work,voice:+1 555 0100\r\n\
REV:20100615T123000Z\r\n\
END:VCARD\r\n";
    assert_eq!(out, expected);
    assert!(warnings.is_empty());
}

#[test]
fn small_card_exact_v4() {
    let mut warnings = Vec::new();
    let out = contacts_to_vcf(&[small_contact()], VcardVersion::V4, &mut warnings);
    let expected = "BEGIN:VCARD\r\n\
VERSION:4.0\r\n\
PRODID:-//ost-extract//vCard//EN\r\n\
UID:urn:uuid:00010203-0405-0607-0809-0a0b0c0d0e0f\r\n\
FN:Jane Doe\r\n\
N:Doe;Jane;;;\r\n\
EMAIL;PREF=1;X-DISPLAY-NAME=Jane Doe (jane@example.com):jane@example.com\r\n\
TEL;TYPE=work,voice:+1 555 0100\r\n\
REV:20100615T123000Z\r\n\
END:VCARD\r\n";
    assert_eq!(out, expected);
}

#[test]
fn other_classes_are_ignored_and_classes_match_by_prefix() {
    assert!(is_contact("IPM.Contact"));
    assert!(is_contact("ipm.contact.Custom"));
    assert!(!is_contact("IPM.ContactX"));
    assert!(!is_contact("IPM.Note"));
    assert!(is_distribution_list("IPM.DistList"));
    assert!(is_distribution_list("IPM.DistList.Mine"));
    assert!(!is_distribution_list("IPM.Contact"));
    let mut note = Message::default();
    note.props
        .insert(pstkit::messaging::pid::MESSAGE_CLASS, s("IPM.Note"));
    assert_eq!(
        contacts_to_vcf(&[note], VcardVersion::V3, &mut Vec::new()),
        ""
    );
}

#[test]
fn escaping_and_folding_in_cards() {
    let mut m = small_contact();
    m.props
        .insert(pid::DISPLAY_NAME, s("Doe, Jane; \\ the \"first\""));
    m.props.insert(
        pstkit::messaging::pid::BODY,
        s("Line one\r\nLine two, with; specials\\\r\n"),
    );
    m.props.insert(
        pid::COMPANY_NAME,
        s("Ünïcødé Ünïcødé Ünïcødé Ünïcødé Ünïcødé Ünïcødé Ünïcødé Ünïcødé"),
    );
    let out = contacts_to_vcf(&[m], VcardVersion::V3, &mut Vec::new());
    assert!(
        out.contains("\r\nFN:Doe\\, Jane\\; \\\\ the \"first\"\r\n"),
        "{out}"
    );
    assert!(
        out.contains("\r\nNOTE:Line one\\nLine two\\, with\\; specials\\\\\r\n"),
        "{out}"
    );
    for line in out.split("\r\n") {
        assert!(line.len() <= 75, "{line:?}");
    }
    let cards = parse_cards(&out);
    let org = cards[0].iter().find(|l| l.0 == "ORG").unwrap();
    assert_eq!(
        unescape(&org.2),
        "Ünïcødé Ünïcødé Ünïcødé Ünïcødé Ünïcødé Ünïcødé Ünïcødé Ünïcødé"
    );
    // The fold sits between characters: every physical line is valid UTF-8 on its own
    // (a split would have made `out` itself invalid, which String forbids), and the ORG line
    // was long enough to need one.
    assert!(out.contains("ORG:Ünïcødé") && out.contains("\r\n "));
}

/// A contact with every field this module maps, and a photo.
pub(crate) fn full_contact() -> Message {
    let mut p = PropertyBag::new();
    p.insert(pstkit::messaging::pid::MESSAGE_CLASS, s("IPM.Contact"));
    p.insert(pid::DISPLAY_NAME, s("Dr. Alice B. Example Jr."));
    p.insert(pid::GIVEN_NAME, s("Alice"));
    p.insert(pid::SURNAME, s("Example"));
    p.insert(pid::MIDDLE_NAME, s("B."));
    p.insert(pid::DISPLAY_NAME_PREFIX, s("Dr."));
    p.insert(pid::GENERATION, s("Jr."));
    p.insert(pid::INITIALS, s("A.B.E."));
    p.insert(pid::NICKNAME, s("Ali"));
    addr(&mut p, &pid::LID_FILE_UNDER, s("Example, Alice"));
    addr(&mut p, &pid::LID_YOMI_FIRST_NAME, s("ARISU"));
    addr(&mut p, &pid::LID_YOMI_LAST_NAME, s("EGUZANPURU"));
    addr(&mut p, &pid::LID_YOMI_COMPANY_NAME, s("AKUMI"));
    let emails = [
        ("alice@example.com", "SMTP", "Alice (work)"),
        ("alice@home.example", "SMTP", "Alice (home)"),
        (
            "/o=Org/ou=Site/cn=Recipients/cn=alice",
            "EX",
            "Alice (Exchange)",
        ),
    ];
    for (i, (a, t, d)) in emails.iter().enumerate() {
        let base = pid::LID_EMAIL_SLOT_BASES[i];
        let slot = |off: u32| NamedProp::lid(psets::PSETID_ADDRESS, base + off);
        addr(&mut p, &slot(ids::EMAIL_ADDRESS), s(a));
        addr(&mut p, &slot(ids::EMAIL_ADDR_TYPE), s(t));
        addr(&mut p, &slot(ids::EMAIL_DISPLAY_NAME), s(d));
    }
    addr(
        &mut p,
        &pid::LID_EMAIL3_ORIGINAL_DISPLAY_NAME,
        s("alice.ex@corp.example"),
    );
    for (k, n) in PHONES.iter().zip(1..) {
        p.insert(k.id, s(&format!("+1 555 01{n:02}")));
    }
    for (i, id) in ids::HOME_ADDRESS.iter().enumerate() {
        p.insert(*id, s(&format!("home{i}")));
    }
    for (i, id) in ids::OTHER_ADDRESS.iter().enumerate() {
        p.insert(*id, s(&format!("other{i}")));
    }
    for (i, lid) in ids::LID_WORK_ADDRESS.iter().enumerate() {
        addr(&mut p, lid, s(&format!("work{i}")));
    }
    addr(
        &mut p,
        &pid::LID_WORK_ADDRESS,
        s("work0\nwork1, work2 work3\nwork4"),
    );
    addr(&mut p, &pid::LID_POSTAL_ADDRESS_ID, PropValue::Integer32(2));
    p.insert(pid::COMPANY_NAME, s("Example Corp"));
    p.insert(pid::DEPARTMENT_NAME, s("Research"));
    p.insert(pid::TITLE, s("Chief Scientist"));
    p.insert(pid::PROFESSION, s("Physicist"));
    p.insert(pid::MANAGER_NAME, s("Bob Boss"));
    p.insert(pid::ASSISTANT, s("Carol Helper"));
    p.insert(pid::SPOUSE_NAME, s("Dave Example"));
    p.insert(
        pid::CHILDRENS_NAMES,
        PropValue::MultipleString(vec!["Eve".into(), "Frank".into()]),
    );
    // Birthday 1980-05-17 entered in UTC+2: local midnight is 22:00 UTC the day before.
    p.insert(pid::BIRTHDAY, time(1980, 5, 16, 22, 0));
    p.insert(pid::WEDDING_ANNIVERSARY, time(2005, 9, 10, 4, 0));
    addr(
        &mut p,
        &pid::LID_WEDDING_ANNIVERSARY_LOCAL,
        time(2005, 9, 10, 0, 0),
    );
    p.insert(pid::GENDER, PropValue::Integer16(1));
    p.insert(pid::PERSONAL_HOME_PAGE, s("https://alice.example/"));
    p.insert(pid::BUSINESS_HOME_PAGE, s("https://corp.example/alice"));
    addr(&mut p, &pid::LID_HTML, s("https://corp.example/team"));
    p.insert(pid::FTP_SITE, s("ftp://files.example/"));
    addr(
        &mut p,
        &pid::LID_INSTANT_MESSAGING_ADDRESS,
        s("alice@im.example"),
    );
    addr(
        &mut p,
        &pid::LID_FREE_BUSY_LOCATION,
        s("https://corp.example/fb/alice.vfb"),
    );
    for (id, _) in EXTRA_TEXT {
        p.insert(*id, s(&format!("extra {id:04X}")));
    }
    for (i, lid) in ids::LID_USER_FIELDS.iter().enumerate() {
        addr(&mut p, lid, s(&format!("user {i}")));
    }
    p.insert_named(&pid::LID_BILLING, s("Billing info"));
    p.insert_named(&pid::LID_MILEAGE, s("42 km"));
    p.insert_named(
        &pid::NAME_KEYWORDS,
        PropValue::MultipleString(vec!["VIP".into(), "Friends, old".into()]),
    );
    p.insert(
        pstkit::messaging::pid::BODY,
        s("Met at the conference.\r\nLikes tea."),
    );
    p.insert(pid::SENSITIVITY, PropValue::Integer32(2));
    p.insert(
        pid::SEARCH_KEY,
        PropValue::Binary(Cow::Owned(vec![0xAB; 16])),
    );
    p.insert(pid::LAST_MODIFICATION_TIME, time(2011, 1, 2, 3, 4));
    addr(&mut p, &pid::LID_HAS_PICTURE, PropValue::Boolean(true));

    let mut ap = PropertyBag::new();
    ap.insert(pid::ATTACHMENT_CONTACT_PHOTO, PropValue::Boolean(true));
    ap.insert(
        pstkit::messaging::pid::ATTACH_METHOD,
        PropValue::Integer32(1),
    );
    ap.insert(
        pstkit::messaging::pid::ATTACH_LONG_FILENAME,
        s("ContactPicture.jpg"),
    );
    ap.insert(
        pstkit::messaging::pid::ATTACH_DATA_BINARY,
        PropValue::Binary(Cow::Owned(photo_bytes())),
    );
    Message {
        nid: Some(NodeId(0x0020_0024)),
        props: p,
        attachments: vec![Attachment {
            props: ap,
            embedded: None,
        }],
        ..Default::default()
    }
}

pub(crate) fn photo_bytes() -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.extend((0..200u32).map(|i| (i * 7) as u8));
    v
}

/// Values of every line named `name` (unescaped), with their params.
fn values<'a>(card: &'a [Line], name: &str) -> Vec<(&'a [(String, String)], String)> {
    card.iter()
        .filter(|l| l.0.eq_ignore_ascii_case(name))
        .map(|l| (&l.1[..], unescape(&l.2)))
        .collect()
}

fn has_type(params: &[(String, String)], t: &str) -> bool {
    params
        .iter()
        .any(|(k, v)| k == "TYPE" && v.split(',').any(|x| x.eq_ignore_ascii_case(t)))
}

#[test]
fn every_field_of_a_full_contact_is_in_the_v3_card() {
    let mut warnings = Vec::new();
    let out = contacts_to_vcf(&[full_contact()], VcardVersion::V3, &mut warnings);
    assert!(warnings.is_empty(), "{warnings:?}");
    let cards = parse_cards(&out);
    assert_eq!(cards.len(), 1);
    let c = &cards[0];
    let one = |n: &str| {
        let v = values(c, n);
        assert_eq!(v.len(), 1, "{n}: {v:?}");
        v[0].1.clone()
    };
    assert_eq!(one("UID"), "abababab-abab-abab-abab-abababababab");
    assert_eq!(one("FN"), "Dr. Alice B. Example Jr.");
    assert_eq!(values(c, "N")[0].1, "Example;Alice;B.;Dr.;Jr.");
    assert_eq!(one("NICKNAME"), "Ali");
    assert_eq!(one("SORT-STRING"), "Example, Alice");
    assert_eq!(one("X-PHONETIC-FIRST-NAME"), "ARISU");
    assert_eq!(one("X-PHONETIC-LAST-NAME"), "EGUZANPURU");
    assert_eq!(one("X-PHONETIC-ORG"), "AKUMI");
    assert_eq!(one("X-GENDER"), "Female");
    assert_eq!(one("BDAY"), "1980-05-17");
    assert_eq!(one("X-ANNIVERSARY"), "2005-09-10");
    assert_eq!(one("X-MS-ANNIVERSARY"), "2005-09-10");
    assert_eq!(values(c, "ORG")[0].1, "Example Corp;Research");
    assert_eq!(one("TITLE"), "Chief Scientist");
    assert_eq!(one("ROLE"), "Physicist");
    assert_eq!(one("X-MS-MANAGER"), "Bob Boss");
    assert_eq!(one("X-MS-ASSISTANT"), "Carol Helper");
    assert_eq!(one("X-MS-SPOUSE"), "Dave Example");
    assert_eq!(
        values(c, "X-MS-CHILD")
            .into_iter()
            .map(|v| v.1)
            .collect::<Vec<_>>(),
        ["Eve", "Frank"]
    );
    let related: Vec<String> = c
        .iter()
        .filter(|l| l.0.ends_with(".X-ABRELATEDNAMES"))
        .map(|l| l.2.clone())
        .collect();
    assert_eq!(
        related,
        ["Bob Boss", "Carol Helper", "Dave Example", "Eve", "Frank"]
    );
    let labels: Vec<String> = c
        .iter()
        .filter(|l| l.0.ends_with(".X-ABLabel"))
        .map(|l| l.2.clone())
        .collect();
    assert_eq!(
        labels,
        [
            "_$!<Manager>!$_",
            "_$!<Assistant>!$_",
            "_$!<Spouse>!$_",
            "_$!<Child>!$_",
            "_$!<Child>!$_"
        ]
    );

    let emails = values(c, "EMAIL");
    let addrs: Vec<&str> = emails.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(
        addrs,
        [
            "alice@example.com",
            "alice@home.example",
            "alice.ex@corp.example"
        ]
    );
    assert!(has_type(emails[0].0, "pref") && !has_type(emails[1].0, "pref"));
    let names: Vec<&str> = emails
        .iter()
        .map(|e| {
            e.0.iter()
                .find(|p| p.0 == "X-DISPLAY-NAME")
                .unwrap()
                .1
                .as_str()
        })
        .collect();
    assert_eq!(names, ["Alice (work)", "Alice (home)", "Alice (Exchange)"]);

    let tels = values(c, "TEL");
    assert_eq!(tels.len(), PHONES.len());
    for (k, n) in PHONES.iter().zip(1..) {
        let t = tels
            .iter()
            .find(|t| t.1 == format!("+1 555 01{n:02}"))
            .unwrap();
        for ty in k.v3.split(',') {
            assert!(has_type(t.0, ty), "{ty} on {t:?}");
        }
    }
    assert!(has_type(
        tels.iter().find(|t| t.1 == "+1 555 0117").unwrap().0,
        "fax"
    ));

    let adrs = values(c, "ADR");
    assert_eq!(adrs.len(), 3);
    let home = adrs.iter().find(|a| has_type(a.0, "home")).unwrap();
    assert_eq!(home.1, "home5;;home0;home1;home2;home3;home4");
    let work = adrs.iter().find(|a| has_type(a.0, "work")).unwrap();
    assert_eq!(work.1, "work5;;work0;work1;work2;work3;work4");
    assert!(has_type(work.0, "pref") && !has_type(home.0, "pref"));
    let other = adrs.iter().find(|a| has_type(a.0, "x-other")).unwrap();
    assert_eq!(other.1, "other5;;other0;other1;other2;other3;other4");
    assert_eq!(one("LABEL"), "work0\nwork1, work2 work3\nwork4");

    let urls: Vec<String> = values(c, "URL").into_iter().map(|u| u.1).collect();
    assert_eq!(
        urls,
        [
            "https://alice.example/",
            "https://corp.example/alice",
            "https://corp.example/team",
            "ftp://files.example/"
        ]
    );
    assert_eq!(one("IMPP"), "sip:alice@im.example");
    assert_eq!(one("X-MS-IMADDRESS"), "alice@im.example");
    assert_eq!(one("FBURL"), "https://corp.example/fb/alice.vfb");
    for (id, name) in EXTRA_TEXT {
        assert_eq!(one(name), format!("extra {id:04X}"));
    }
    for i in 0..4 {
        assert_eq!(
            one(&format!("X-OUTLOOK-USER-FIELD{}", i + 1)),
            format!("user {i}")
        );
    }
    assert_eq!(one("X-OUTLOOK-BILLING"), "Billing info");
    assert_eq!(one("X-OUTLOOK-MILEAGE"), "42 km");
    let cats = c.iter().find(|l| l.0 == "CATEGORIES").unwrap();
    assert_eq!(cats.2, "VIP,Friends\\, old");
    assert_eq!(one("NOTE"), "Met at the conference.\nLikes tea.");
    assert_eq!(one("CLASS"), "PRIVATE");
    assert_eq!(one("REV"), "20110102T030400Z");
    let photo = c.iter().find(|l| l.0 == "PHOTO").unwrap();
    assert_eq!(
        photo.1,
        [
            ("ENCODING".to_owned(), "b".to_owned()),
            ("TYPE".to_owned(), "JPEG".to_owned())
        ]
    );
    assert_eq!(photo.2, vcard::base64(&photo_bytes()));
}

#[test]
fn full_contact_v4_uses_standard_properties() {
    let out = contacts_to_vcf(&[full_contact()], VcardVersion::V4, &mut Vec::new());
    let cards = parse_cards(&out);
    let c = &cards[0];
    let one = |n: &str| {
        values(c, n)
            .first()
            .map(|v| v.1.clone())
            .unwrap_or_default()
    };
    assert_eq!(one("UID"), "urn:uuid:abababab-abab-abab-abab-abababababab");
    assert_eq!(one("GENDER"), "F");
    assert_eq!(one("BDAY"), "19800517");
    assert_eq!(one("ANNIVERSARY"), "20050910");
    let rel: Vec<(String, String)> = values(c, "RELATED")
        .into_iter()
        .map(|(p, v)| (p.iter().find(|x| x.0 == "TYPE").unwrap().1.clone(), v))
        .collect();
    assert_eq!(rel[2], ("spouse".to_owned(), "Dave Example".to_owned()));
    assert_eq!(rel[3], ("child".to_owned(), "Eve".to_owned()));
    let work = values(c, "ADR")
        .into_iter()
        .find(|a| has_type(a.0, "work"))
        .unwrap();
    let label = work.0.iter().find(|p| p.0 == "LABEL").unwrap();
    assert_eq!(label.1, "work0^nwork1, work2 work3^nwork4");
    assert!(work.0.iter().any(|p| p.0 == "PREF" && p.1 == "1"));
    let photo = c.iter().find(|l| l.0 == "PHOTO").unwrap();
    assert_eq!(
        photo.2,
        format!("data:image/jpeg;base64,{}", vcard::base64(&photo_bytes()))
    );
    assert!(c
        .iter()
        .all(|l| l.0 != "X-ABRELATEDNAMES" && !l.0.ends_with(".X-ABRELATEDNAMES")));
}

#[test]
fn birthday_rounds_to_the_nearest_date_and_prefers_local() {
    let mut p = PropertyBag::new();
    // UTC-5: local midnight of 1990-03-04 is 05:00 UTC the same day.
    p.insert(pid::BIRTHDAY, time(1990, 3, 4, 5, 0));
    assert_eq!(
        event_date(&p, pid::BIRTHDAY, &pid::LID_BIRTHDAY_LOCAL),
        NaiveDate::from_ymd_opt(1990, 3, 4)
    );
    // 11:59 UTC, as [MS-OXOCNTC] describes the property.
    p.insert(pid::BIRTHDAY, time(1990, 3, 4, 11, 59));
    assert_eq!(
        event_date(&p, pid::BIRTHDAY, &pid::LID_BIRTHDAY_LOCAL),
        NaiveDate::from_ymd_opt(1990, 3, 4)
    );
    // UTC+9: 15:00 UTC the day before.
    p.insert(pid::BIRTHDAY, time(1990, 3, 3, 15, 0));
    assert_eq!(
        event_date(&p, pid::BIRTHDAY, &pid::LID_BIRTHDAY_LOCAL),
        NaiveDate::from_ymd_opt(1990, 3, 4)
    );
    addr(&mut p, &pid::LID_BIRTHDAY_LOCAL, time(1990, 3, 5, 0, 0));
    assert_eq!(
        event_date(&p, pid::BIRTHDAY, &pid::LID_BIRTHDAY_LOCAL),
        NaiveDate::from_ymd_opt(1990, 3, 5)
    );
    // Outlook's "none" (4501-01-01) is no date.
    let mut q = PropertyBag::new();
    q.insert(
        pid::BIRTHDAY,
        PropValue::Time(FileTime(0x0CB3_4557_A3DD_4000)),
    );
    assert_eq!(
        event_date(&q, pid::BIRTHDAY, &pid::LID_BIRTHDAY_LOCAL),
        None
    );
}

#[test]
fn uids_are_stable_and_distinct_for_copies() {
    let a = small_contact();
    let mut b = small_contact();
    b.nid = Some(NodeId(0x0020_0084));
    let mut c = small_contact();
    c.props = PropertyBag::new();
    c.props
        .insert(pstkit::messaging::pid::MESSAGE_CLASS, s("IPM.Contact"));
    c.props.insert(pid::DISPLAY_NAME, s("No Key"));
    let items = [a, b, c];
    let run1 = contacts_to_vcf(&items, VcardVersion::V3, &mut Vec::new());
    let run2 = contacts_to_vcf(&items, VcardVersion::V3, &mut Vec::new());
    assert_eq!(run1, run2);
    let uids: Vec<String> = parse_cards(&run1)
        .iter()
        .map(|c| values(c, "UID")[0].1.clone())
        .collect();
    assert_eq!(uids[0], "00010203-0405-0607-0809-0a0b0c0d0e0f");
    assert_ne!(uids[0], uids[1]);
    assert_ne!(uids[1], uids[2]);
    assert_eq!(uids[2].len(), 36);
}

fn dist_list(target_nid: u32) -> Message {
    let mut p = PropertyBag::new();
    p.insert(pstkit::messaging::pid::MESSAGE_CLASS, s("IPM.DistList"));
    p.insert(pid::DISPLAY_NAME, s("Team; all"));
    addr(&mut p, &pid::LID_DISTRIBUTION_LIST_NAME, s("Team; all"));
    let members = vec![
        one_off_bytes("Member One", "SMTP", "one@example.com"),
        wrapped_contact_bytes(4, target_nid),
        one_off_bytes("Legacy", "EX", "/o=Org/cn=legacy"),
    ];
    let one_offs = vec![
        one_off_bytes("Member One", "SMTP", "one@example.com"),
        one_off_bytes("Jane Doe (jane@example.com)", "SMTP", "jane@example.com"),
        one_off_bytes("Legacy", "EX", "/o=Org/cn=legacy"),
    ];
    addr(
        &mut p,
        &pid::LID_DISTRIBUTION_LIST_MEMBERS,
        PropValue::MultipleBinary(members),
    );
    addr(
        &mut p,
        &pid::LID_DISTRIBUTION_LIST_ONE_OFF_MEMBERS,
        PropValue::MultipleBinary(one_offs),
    );
    p.insert(
        pid::SEARCH_KEY,
        PropValue::Binary(Cow::Owned(vec![0x11; 16])),
    );
    Message {
        nid: Some(NodeId(0x0020_0044)),
        props: p,
        ..Default::default()
    }
}

#[test]
fn distribution_list_v3_uses_the_apple_group_extension() {
    let mut warnings = Vec::new();
    let items = [small_contact(), dist_list(0x0020_0064)];
    let out = contacts_to_vcf(&items, VcardVersion::V3, &mut warnings);
    assert!(warnings.is_empty(), "{warnings:?}");
    let cards = parse_cards(&out);
    assert_eq!(cards.len(), 2);
    let g = &cards[1];
    assert_eq!(values(g, "FN")[0].1, "Team; all");
    assert_eq!(values(g, "X-ADDRESSBOOKSERVER-KIND")[0].1, "group");
    let members: Vec<String> = values(g, "X-ADDRESSBOOKSERVER-MEMBER")
        .into_iter()
        .map(|m| m.1)
        .collect();
    assert_eq!(
        members,
        [
            "mailto:one@example.com",
            "urn:uuid:00010203-0405-0607-0809-0a0b0c0d0e0f"
        ]
    );
    assert_eq!(
        values(g, "X-OUTLOOK-DL-MEMBER")[0].1,
        "Legacy <EX:/o=Org/cn=legacy>"
    );
    let emails: Vec<String> = values(g, "EMAIL").into_iter().map(|m| m.1).collect();
    assert_eq!(emails, ["one@example.com", "jane@example.com"]);
}

#[test]
fn distribution_list_v4_is_a_group_with_members() {
    let items = [small_contact(), dist_list(0x0020_0064)];
    let out = contacts_to_vcf(&items, VcardVersion::V4, &mut Vec::new());
    let cards = parse_cards(&out);
    let g = &cards[1];
    assert_eq!(values(g, "KIND")[0].1, "group");
    let members: Vec<(String, String)> = values(g, "MEMBER")
        .into_iter()
        .map(|(p, v)| {
            (
                p.iter()
                    .find(|x| x.0 == "X-DISPLAY-NAME")
                    .unwrap()
                    .1
                    .clone(),
                v,
            )
        })
        .collect();
    assert_eq!(
        members,
        [
            ("Member One".to_owned(), "mailto:one@example.com".to_owned()),
            (
                "Jane Doe (jane@example.com)".to_owned(),
                "urn:uuid:00010203-0405-0607-0809-0a0b0c0d0e0f".to_owned()
            ),
        ]
    );
}

#[test]
fn list_member_outside_the_export_without_one_off_is_reported() {
    let mut dl = dist_list(0x0099_0004);
    addr(
        &mut dl.props,
        &pid::LID_DISTRIBUTION_LIST_ONE_OFF_MEMBERS,
        PropValue::MultipleBinary(vec![]),
    );
    addr(
        &mut dl.props,
        &pid::LID_DISTRIBUTION_LIST_MEMBERS,
        PropValue::MultipleBinary(vec![wrapped_contact_bytes(4, 0x0099_0004), vec![1, 2, 3]]),
    );
    let mut warnings = Vec::new();
    let out = contacts_to_vcf(&[dl], VcardVersion::V3, &mut warnings);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].what.contains("member 1 refers to an item"));
    assert!(warnings[1].what.contains("member 2 has an entry id"));
    assert!(out.contains("END:VCARD"));
}

#[test]
fn exchange_address_without_smtp_stays_and_photo_type_from_magic() {
    let mut m = small_contact();
    addr(
        &mut m.props,
        &pid::LID_EMAIL1_EMAIL_ADDRESS,
        s("/o=Org/cn=jane"),
    );
    addr(&mut m.props, &pid::LID_EMAIL1_ADDRESS_TYPE, s("EX"));
    let mut ap = PropertyBag::new();
    ap.insert(pid::ATTACHMENT_CONTACT_PHOTO, PropValue::Boolean(true));
    ap.insert(
        pstkit::messaging::pid::ATTACH_DATA_BINARY,
        PropValue::Binary(Cow::Owned(b"\x89PNG\r\n\x1a\nrest".to_vec())),
    );
    m.attachments.push(Attachment {
        props: ap,
        embedded: None,
    });
    let out = contacts_to_vcf(&[m], VcardVersion::V3, &mut Vec::new());
    assert!(out.contains("EMAIL;TYPE=x-ex;TYPE=pref;X-DISPLAY-NAME=Jane Doe (jane@example.com):/o=Org\r\n /cn=jane\r\n"), "{out}");
    assert!(
        out.contains("PHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgpyZXN0\r\n"),
        "{out}"
    );
}

#[test]
fn wrapped_member_without_one_off_takes_name_and_address_from_the_contact() {
    let mut dl = dist_list(0x0020_0064);
    addr(
        &mut dl.props,
        &pid::LID_DISTRIBUTION_LIST_ONE_OFF_MEMBERS,
        PropValue::MultipleBinary(vec![]),
    );
    addr(
        &mut dl.props,
        &pid::LID_DISTRIBUTION_LIST_MEMBERS,
        PropValue::MultipleBinary(vec![wrapped_contact_bytes(4, 0x0020_0064)]),
    );
    let mut warnings = Vec::new();
    let out = contacts_to_vcf(&[small_contact(), dl], VcardVersion::V3, &mut warnings);
    assert!(warnings.is_empty(), "{warnings:?}");
    let cards = parse_cards(&out);
    let member = cards[1]
        .iter()
        .find(|l| l.0 == "X-ADDRESSBOOKSERVER-MEMBER")
        .unwrap();
    assert_eq!(
        member.1,
        [("X-DISPLAY-NAME".to_owned(), "Jane Doe".to_owned())]
    );
    assert_eq!(member.2, "urn:uuid:00010203-0405-0607-0809-0a0b0c0d0e0f");
    assert_eq!(values(&cards[1], "EMAIL")[0].1, "jane@example.com");
}

#[test]
fn list_stream_only_is_reported() {
    let mut p = PropertyBag::new();
    p.insert(pstkit::messaging::pid::MESSAGE_CLASS, s("IPM.DistList"));
    p.insert(pid::DISPLAY_NAME, s("Big list"));
    addr(
        &mut p,
        &pid::LID_DISTRIBUTION_LIST_STREAM,
        PropValue::Binary(Cow::Owned(vec![0; 8])),
    );
    let mut warnings = Vec::new();
    let out = contacts_to_vcf(
        &[Message {
            props: p,
            ..Default::default()
        }],
        VcardVersion::V4,
        &mut warnings,
    );
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].what.contains("PidLidDistributionListStream"));
    assert!(out.contains("\r\nKIND:group\r\nFN:Big list\r\n"));
}

#[test]
fn notes_come_from_compressed_rtf_when_there_is_no_plain_body() {
    let mut m = small_contact();
    let rtf = br"{\rtf1\ansi\ansicpg1252 Call back\par Tuesday, 10:00}";
    m.props.insert(
        pstkit::messaging::pid::RTF_COMPRESSED,
        PropValue::Binary(Cow::Owned(crate::rtf::compress(rtf))),
    );
    let mut warnings = Vec::new();
    let out = contacts_to_vcf(&[m.clone()], VcardVersion::V3, &mut warnings);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(
        out.contains("\r\nNOTE:Call back\\nTuesday\\, 10:00\r\n"),
        "{out}"
    );
    // Damaged compressed RTF is reported, and the card still comes out.
    m.props.insert(
        pstkit::messaging::pid::RTF_COMPRESSED,
        PropValue::Binary(Cow::Owned(vec![1, 2, 3, 4, 5])),
    );
    let out = contacts_to_vcf(&[m], VcardVersion::V3, &mut warnings);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(out.contains("END:VCARD") && !out.contains("NOTE"));
}
