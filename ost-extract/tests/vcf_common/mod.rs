//! Helpers shared by the vCard integration tests: reading the corpus folder by folder and a
//! small reader of the cards written, to compare them with the properties.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use ost_extract::contacts::{contacts_to_vcf, is_contact, is_distribution_list, VcardVersion};
use pstkit::messaging::{pid, FolderInfo, Message, NamedProp, PropId, Store};

/// The shared corpus, when this machine has it.
pub fn corpus_dir() -> Option<PathBuf> {
    let d = PathBuf::from("/work/shared/fixtures/corpus");
    d.is_dir().then_some(d)
}

/// Every corpus file, sorted.
pub fn corpus_files() -> Vec<PathBuf> {
    let Some(d) = corpus_dir() else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// One folder's contact and list items and the .vcf made of them.
pub struct FolderCards {
    pub folder: FolderInfo,
    pub items: Vec<Message>,
    pub vcf: String,
    pub warnings: Vec<pstkit::Warning>,
}

/// Reads a store and converts each folder that holds contacts or lists (whatever its
/// container class). `None` when the file does not open.
pub fn convert_store(path: &Path, version: VcardVersion) -> Option<Vec<FolderCards>> {
    let store = Store::open(path).ok()?;
    let mut out = Vec::new();
    for f in store.folders().folders {
        let Ok(ids) = store.contents(f.nid) else {
            continue;
        };
        let items: Vec<Message> = ids
            .into_iter()
            .filter_map(|id| store.message(id).ok())
            .filter(|m| is_contact(m.class()) || is_distribution_list(m.class()))
            .collect();
        if items.is_empty() {
            continue;
        }
        let mut warnings = Vec::new();
        let vcf = contacts_to_vcf(&items, version, &mut warnings);
        out.push(FolderCards {
            folder: f,
            items,
            vcf,
            warnings,
        });
    }
    Some(out)
}

/// One content line: name (with any group), parameters, raw value.
pub type Line = (String, Vec<(String, String)>, String);

/// Unfolds a .vcf and splits it into cards.
pub fn parse_cards(vcf: &str) -> Vec<Vec<Line>> {
    assert!(vcf.is_empty() || vcf.ends_with("\r\n"), "no final CRLF");
    let unfolded = vcf.replace("\r\n ", "");
    let mut cards = Vec::new();
    let mut cur = Vec::new();
    for line in unfolded.split("\r\n").filter(|l| !l.is_empty()) {
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
        let at = at.unwrap_or_else(|| panic!("no ':' in {line:?}"));
        let (head, value) = (&line[..at], &line[at + 1..]);
        let mut parts = head.split(';');
        let name = parts.next().unwrap().to_owned();
        let params = parts
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_owned(), v.trim_matches('"').to_owned())
            })
            .collect();
        cur.push((name.clone(), params, value.to_owned()));
        if name == "END" {
            cards.push(std::mem::take(&mut cur));
        }
    }
    assert!(cur.is_empty(), "unterminated card");
    cards
}

/// Reverses vCard text escaping.
pub fn unescape(v: &str) -> String {
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

/// The unescaped values of every line called `name`.
pub fn values(card: &[Line], name: &str) -> Vec<String> {
    card.iter()
        .filter(|l| l.0.eq_ignore_ascii_case(name))
        .map(|l| unescape(&l.2))
        .collect()
}

/// Text as a card carries it: line breaks normalised to `\n`, control characters dropped.
pub fn as_carried(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

fn s(v: &str) -> pstkit::ltp::prop::PropValue<'static> {
    pstkit::ltp::prop::PropValue::String(std::borrow::Cow::Owned(v.to_owned()))
}

/// Telephone properties of a contact ([MS-OXOCNTC] 2.2.1.4), in the order cards list them.
pub const PHONE_IDS: [PropId; 19] = [
    pid::PRIMARY_TELEPHONE,
    pid::BUSINESS_TELEPHONE,
    pid::BUSINESS2_TELEPHONE,
    pid::HOME_TELEPHONE,
    pid::HOME2_TELEPHONE,
    pid::MOBILE_TELEPHONE,
    pid::CAR_TELEPHONE,
    pid::OTHER_TELEPHONE,
    pid::PAGER_TELEPHONE,
    pid::ASSISTANT_TELEPHONE,
    pid::CALLBACK_TELEPHONE,
    pid::COMPANY_MAIN_TELEPHONE,
    pid::ISDN_NUMBER,
    pid::RADIO_TELEPHONE,
    pid::TELEX_NUMBER,
    pid::TTY_TDD_PHONE,
    pid::BUSINESS_FAX,
    pid::HOME_FAX,
    pid::PRIMARY_FAX,
];

/// The photo of [`full_contact`]: a JPEG header and some bytes.
pub fn photo_bytes() -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.extend((0..5000u32).map(|i| (i * 13 % 256) as u8));
    v
}

/// A contact with every field the converter maps, and a photo attachment.
pub fn full_contact() -> Message {
    use pstkit::ltp::prop::{FileTime, PropValue};
    use pstkit::messaging::{Attachment, PropertyBag};
    let time = |y, mo, d, h| {
        PropValue::Time(FileTime::from_utc(
            chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, y, mo, d, h, 0, 0).unwrap(),
        ))
    };
    let mut p = PropertyBag::new();
    p.insert(pid::MESSAGE_CLASS, s("IPM.Contact"));
    p.insert(pid::SUBJECT, s("Dr. Zoë Ünal-Example Jr."));
    for (id, v) in [
        (pid::DISPLAY_NAME, "Dr. Zoë Ünal-Example Jr."),
        (pid::GIVEN_NAME, "Zoë"),
        (pid::SURNAME, "Ünal-Example"),
        (pid::MIDDLE_NAME, "Maria"),
        (pid::DISPLAY_NAME_PREFIX, "Dr."),
        (pid::GENERATION, "Jr."),
        (pid::INITIALS, "Z.M.Ü."),
        (pid::NICKNAME, "Zo"),
        (pid::COMPANY_NAME, "Example; Corp, Ltd"),
        (pid::DEPARTMENT_NAME, "Research & Development"),
        (pid::TITLE, "Chief Scientist"),
        (pid::PROFESSION, "Physicist"),
        (pid::MANAGER_NAME, "Bob Boss"),
        (pid::ASSISTANT, "Carol Helper"),
        (pid::OFFICE_LOCATION, "Building 7"),
        (pid::SPOUSE_NAME, "Dave Example"),
        (pid::PERSONAL_HOME_PAGE, "https://zoe.example/"),
        (pid::BUSINESS_HOME_PAGE, "https://corp.example/zoe"),
        (pid::FTP_SITE, "ftp://files.example/"),
        (pid::HOBBIES, "Climbing"),
        (pid::ACCOUNT, "ACC-1"),
        (pid::CUSTOMER_ID, "CUST-2"),
        (pid::GOVERNMENT_ID_NUMBER, "GOV-3"),
        (pid::ORGANIZATIONAL_ID_NUMBER, "ORG-4"),
        (pid::LANGUAGE, "Turkish"),
        (pid::LOCATION, "Desk 12"),
        (pid::COMPUTER_NETWORK_NAME, "ZOE-PC"),
        (pid::REFERRED_BY_NAME, "Referrer"),
        (
            pid::BODY,
            "Met at the conference.\r\nLikes tea; and, biscuits \\ cake.",
        ),
    ] {
        p.insert(id, s(v));
    }
    p.insert(
        pid::CHILDRENS_NAMES,
        PropValue::MultipleString(vec!["Eve".into(), "Frank".into()]),
    );
    for (n, id) in PHONE_IDS.iter().enumerate() {
        p.insert(*id, s(&format!("+1 555 01{n:02}")));
    }
    for (i, id) in [
        pid::HOME_ADDRESS_STREET,
        pid::HOME_ADDRESS_CITY,
        pid::HOME_ADDRESS_STATE_OR_PROVINCE,
        pid::HOME_ADDRESS_POSTAL_CODE,
        pid::HOME_ADDRESS_COUNTRY,
        pid::HOME_ADDRESS_POST_OFFICE_BOX,
    ]
    .iter()
    .enumerate()
    {
        p.insert(*id, s(&format!("home{i}")));
    }
    for (i, id) in [
        pid::OTHER_ADDRESS_STREET,
        pid::OTHER_ADDRESS_CITY,
        pid::OTHER_ADDRESS_STATE_OR_PROVINCE,
        pid::OTHER_ADDRESS_POSTAL_CODE,
        pid::OTHER_ADDRESS_COUNTRY,
        pid::OTHER_ADDRESS_POST_OFFICE_BOX,
    ]
    .iter()
    .enumerate()
    {
        p.insert(*id, s(&format!("other{i}")));
    }
    for (i, lid) in [
        pid::LID_WORK_ADDRESS_STREET,
        pid::LID_WORK_ADDRESS_CITY,
        pid::LID_WORK_ADDRESS_STATE,
        pid::LID_WORK_ADDRESS_POSTAL_CODE,
        pid::LID_WORK_ADDRESS_COUNTRY,
        pid::LID_WORK_ADDRESS_POST_OFFICE_BOX,
    ]
    .iter()
    .enumerate()
    {
        p.insert_named(lid, s(&format!("work{i}")));
    }
    // Birthday 1980-05-17 entered in UTC+2: local midnight is 22:00 UTC the day before.
    p.insert(pid::BIRTHDAY, time(1980, 5, 16, 22));
    p.insert(pid::WEDDING_ANNIVERSARY, time(2005, 9, 10, 4));
    p.insert(pid::GENDER, PropValue::Integer16(1));
    p.insert(pid::SENSITIVITY, PropValue::Integer32(2));
    p.insert(
        pid::SEARCH_KEY,
        PropValue::Binary(std::borrow::Cow::Owned(vec![0xAB; 16])),
    );
    p.insert(pid::LAST_MODIFICATION_TIME, time(2011, 1, 2, 3));
    let named: [(NamedProp, PropValue<'static>); 27] = [
        (pid::LID_FILE_UNDER, s("Ünal-Example, Zoë")),
        (pid::LID_YOMI_FIRST_NAME, s("ZOE")),
        (pid::LID_YOMI_LAST_NAME, s("UNARU")),
        (pid::LID_YOMI_COMPANY_NAME, s("KOOPU")),
        (pid::LID_EMAIL1_DISPLAY_NAME, s("Zoë (work)")),
        (pid::LID_EMAIL1_ADDRESS_TYPE, s("SMTP")),
        (pid::LID_EMAIL1_EMAIL_ADDRESS, s("zoe@example.com")),
        (pid::LID_EMAIL2_DISPLAY_NAME, s("Zoë (home)")),
        (pid::LID_EMAIL2_ADDRESS_TYPE, s("SMTP")),
        (pid::LID_EMAIL2_EMAIL_ADDRESS, s("zoe@home.example")),
        (pid::LID_EMAIL3_DISPLAY_NAME, s("Zoë (Exchange)")),
        (pid::LID_EMAIL3_ADDRESS_TYPE, s("EX")),
        (
            pid::LID_EMAIL3_EMAIL_ADDRESS,
            s("/o=Org/ou=Site/cn=Recipients/cn=zoe"),
        ),
        (
            pid::LID_EMAIL3_ORIGINAL_DISPLAY_NAME,
            s("zoe.ex@corp.example"),
        ),
        (pid::LID_HOME_ADDRESS, s("home0\nhome1 home3")),
        (pid::LID_WORK_ADDRESS, s("work0\nwork1 work3")),
        (pid::LID_OTHER_ADDRESS, s("other0\nother1 other3")),
        (pid::LID_POSTAL_ADDRESS_ID, PropValue::Integer32(2)),
        (pid::LID_HTML, s("https://corp.example/team")),
        (pid::LID_INSTANT_MESSAGING_ADDRESS, s("zoe@im.example")),
        (
            pid::LID_FREE_BUSY_LOCATION,
            s("https://corp.example/fb/zoe.vfb"),
        ),
        (pid::LID_WEDDING_ANNIVERSARY_LOCAL, time(2005, 9, 10, 0)),
        (pid::LID_CONTACT_USER_FIELD1, s("user 1")),
        (pid::LID_CONTACT_USER_FIELD2, s("user 2")),
        (pid::LID_CONTACT_USER_FIELD3, s("user 3")),
        (pid::LID_CONTACT_USER_FIELD4, s("user 4")),
        (pid::LID_HAS_PICTURE, PropValue::Boolean(true)),
    ];
    for (name, v) in named {
        p.insert_named(&name, v);
    }
    p.insert_named(&pid::LID_BILLING, s("Billing info"));
    p.insert_named(&pid::LID_MILEAGE, s("42 km"));
    p.insert_named(
        &pid::NAME_KEYWORDS,
        PropValue::MultipleString(vec!["VIP".into(), "Friends, old".into()]),
    );
    let mut ap = PropertyBag::new();
    ap.insert(pid::ATTACHMENT_CONTACT_PHOTO, PropValue::Boolean(true));
    ap.insert(pid::ATTACH_METHOD, PropValue::Integer32(1));
    ap.insert(pid::ATTACH_LONG_FILENAME, s("ContactPicture.jpg"));
    ap.insert(pid::ATTACH_EXTENSION, s(".jpg"));
    ap.insert(
        pid::ATTACH_DATA_BINARY,
        PropValue::Binary(std::borrow::Cow::Owned(photo_bytes())),
    );
    Message {
        props: p,
        attachments: vec![Attachment {
            props: ap,
            embedded: None,
        }],
        ..Default::default()
    }
}

/// Every field of [`full_contact`] as the 3.0 card must carry it: (property, unescaped value).
pub fn full_contact_expected_v3() -> Vec<(&'static str, String)> {
    let mut v: Vec<(&'static str, String)> = [
        ("FN", "Dr. Zoë Ünal-Example Jr."),
        ("N", "Ünal-Example;Zoë;Maria;Dr.;Jr."),
        ("NICKNAME", "Zo"),
        ("X-PHONETIC-FIRST-NAME", "ZOE"),
        ("X-PHONETIC-LAST-NAME", "UNARU"),
        ("X-PHONETIC-ORG", "KOOPU"),
        ("SORT-STRING", "Ünal-Example, Zoë"),
        ("X-GENDER", "Female"),
        ("BDAY", "1980-05-17"),
        ("X-ANNIVERSARY", "2005-09-10"),
        ("X-MS-ANNIVERSARY", "2005-09-10"),
        ("ORG", "Example; Corp, Ltd;Research & Development"),
        ("TITLE", "Chief Scientist"),
        ("ROLE", "Physicist"),
        ("X-MS-MANAGER", "Bob Boss"),
        ("X-MS-ASSISTANT", "Carol Helper"),
        ("X-MS-SPOUSE", "Dave Example"),
        ("X-MS-CHILD", "Eve"),
        ("X-MS-CHILD", "Frank"),
        ("EMAIL", "zoe@example.com"),
        ("EMAIL", "zoe@home.example"),
        ("EMAIL", "zoe.ex@corp.example"),
        ("ADR", "home5;;home0;home1;home2;home3;home4"),
        ("LABEL", "home0\nhome1 home3"),
        ("ADR", "work5;;work0;work1;work2;work3;work4"),
        ("LABEL", "work0\nwork1 work3"),
        ("ADR", "other5;;other0;other1;other2;other3;other4"),
        ("LABEL", "other0\nother1 other3"),
        ("URL", "https://zoe.example/"),
        ("URL", "https://corp.example/zoe"),
        ("URL", "https://corp.example/team"),
        ("URL", "ftp://files.example/"),
        ("IMPP", "sip:zoe@im.example"),
        ("X-MS-IMADDRESS", "zoe@im.example"),
        ("FBURL", "https://corp.example/fb/zoe.vfb"),
        ("X-OUTLOOK-INITIALS", "Z.M.Ü."),
        ("X-OUTLOOK-OFFICE-LOCATION", "Building 7"),
        ("X-OUTLOOK-HOBBIES", "Climbing"),
        ("X-OUTLOOK-ACCOUNT", "ACC-1"),
        ("X-OUTLOOK-CUSTOMER-ID", "CUST-2"),
        ("X-OUTLOOK-GOVERNMENT-ID", "GOV-3"),
        ("X-OUTLOOK-ORGANIZATIONAL-ID", "ORG-4"),
        ("X-OUTLOOK-LANGUAGE", "Turkish"),
        ("X-OUTLOOK-LOCATION", "Desk 12"),
        ("X-OUTLOOK-COMPUTER-NETWORK-NAME", "ZOE-PC"),
        ("X-OUTLOOK-REFERRED-BY", "Referrer"),
        ("X-OUTLOOK-USER-FIELD1", "user 1"),
        ("X-OUTLOOK-USER-FIELD2", "user 2"),
        ("X-OUTLOOK-USER-FIELD3", "user 3"),
        ("X-OUTLOOK-USER-FIELD4", "user 4"),
        ("X-OUTLOOK-BILLING", "Billing info"),
        ("X-OUTLOOK-MILEAGE", "42 km"),
        ("CATEGORIES", "VIP,Friends, old"),
        (
            "NOTE",
            "Met at the conference.\nLikes tea; and, biscuits \\ cake.",
        ),
        ("CLASS", "PRIVATE"),
        ("REV", "20110102T030000Z"),
    ]
    .iter()
    .map(|(k, v)| (*k, (*v).to_owned()))
    .collect();
    for n in 0..PHONE_IDS.len() {
        v.push(("TEL", format!("+1 555 01{n:02}")));
    }
    v
}
