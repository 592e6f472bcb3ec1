//! Helpers shared by the vCard integration tests: reading the corpus folder by folder and a
//! small reader of the cards written, to compare them with the properties.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use ost_extract::contacts::{contacts_to_vcf, is_contact, is_distribution_list, VcardVersion};
use pstkit::messaging::{FolderInfo, Message, Store};

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
    pub warnings: Vec<String>,
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
pub const PHONE_IDS: [u16; 19] = [
    0x3A1A, 0x3A08, 0x3A1B, 0x3A09, 0x3A2F, 0x3A1C, 0x3A1E, 0x3A1F, 0x3A21, 0x3A2E, 0x3A02, 0x3A57,
    0x3A2D, 0x3A1D, 0x3A2C, 0x3A4B, 0x3A24, 0x3A25, 0x3A23,
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
    use pstkit::messaging::{pid, psets, Attachment, NamedProp, PropertyBag};
    let ad = psets::PSETID_ADDRESS;
    let time = |y, mo, d, h| {
        PropValue::Time(FileTime::from_utc(
            chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, y, mo, d, h, 0, 0).unwrap(),
        ))
    };
    let mut p = PropertyBag::new();
    p.insert(pid::MESSAGE_CLASS, s("IPM.Contact"));
    p.insert(pid::SUBJECT, s("Dr. Zoë Ünal-Example Jr."));
    for (id, v) in [
        (0x3001u16, "Dr. Zoë Ünal-Example Jr."),
        (0x3A06, "Zoë"),
        (0x3A11, "Ünal-Example"),
        (0x3A44, "Maria"),
        (0x3A45, "Dr."),
        (0x3A05, "Jr."),
        (0x3A0A, "Z.M.Ü."),
        (0x3A4F, "Zo"),
        (0x3A16, "Example; Corp, Ltd"),
        (0x3A18, "Research & Development"),
        (0x3A17, "Chief Scientist"),
        (0x3A46, "Physicist"),
        (0x3A4E, "Bob Boss"),
        (0x3A30, "Carol Helper"),
        (0x3A19, "Building 7"),
        (0x3A48, "Dave Example"),
        (0x3A50, "https://zoe.example/"),
        (0x3A51, "https://corp.example/zoe"),
        (0x3A4C, "ftp://files.example/"),
        (0x3A43, "Climbing"),
        (0x3A00, "ACC-1"),
        (0x3A4A, "CUST-2"),
        (0x3A07, "GOV-3"),
        (0x3A10, "ORG-4"),
        (0x3A0C, "Turkish"),
        (0x3A0D, "Desk 12"),
        (0x3A49, "ZOE-PC"),
        (0x3A47, "Referrer"),
        (
            0x1000,
            "Met at the conference.\r\nLikes tea; and, biscuits \\ cake.",
        ),
    ] {
        p.insert(id, s(v));
    }
    p.insert(
        0x3A58,
        PropValue::MultipleString(vec!["Eve".into(), "Frank".into()]),
    );
    for (n, id) in PHONE_IDS.iter().enumerate() {
        p.insert(*id, s(&format!("+1 555 01{n:02}")));
    }
    for (i, id) in [0x3A5Du16, 0x3A59, 0x3A5C, 0x3A5B, 0x3A5A, 0x3A5E]
        .iter()
        .enumerate()
    {
        p.insert(*id, s(&format!("home{i}")));
    }
    for (i, id) in [0x3A63u16, 0x3A5F, 0x3A62, 0x3A61, 0x3A60, 0x3A64]
        .iter()
        .enumerate()
    {
        p.insert(*id, s(&format!("other{i}")));
    }
    for (i, lid) in [0x8045u32, 0x8046, 0x8047, 0x8048, 0x8049, 0x804A]
        .iter()
        .enumerate()
    {
        p.insert_named(NamedProp::lid(ad, *lid), s(&format!("work{i}")));
    }
    // Birthday 1980-05-17 entered in UTC+2: local midnight is 22:00 UTC the day before.
    p.insert(0x3A42, time(1980, 5, 16, 22));
    p.insert(0x3A41, time(2005, 9, 10, 4));
    p.insert(0x3A4D, PropValue::Integer16(1));
    p.insert(0x0036, PropValue::Integer32(2));
    p.insert(
        0x300B,
        PropValue::Binary(std::borrow::Cow::Owned(vec![0xAB; 16])),
    );
    p.insert(0x3008, time(2011, 1, 2, 3));
    let named: [(u32, PropValue<'static>); 27] = [
        (0x8005, s("Ünal-Example, Zoë")),
        (0x802C, s("ZOE")),
        (0x802D, s("UNARU")),
        (0x802E, s("KOOPU")),
        (0x8080, s("Zoë (work)")),
        (0x8082, s("SMTP")),
        (0x8083, s("zoe@example.com")),
        (0x8090, s("Zoë (home)")),
        (0x8092, s("SMTP")),
        (0x8093, s("zoe@home.example")),
        (0x80A0, s("Zoë (Exchange)")),
        (0x80A2, s("EX")),
        (0x80A3, s("/o=Org/ou=Site/cn=Recipients/cn=zoe")),
        (0x80A4, s("zoe.ex@corp.example")),
        (0x801A, s("home0\nhome1 home3")),
        (0x801B, s("work0\nwork1 work3")),
        (0x801C, s("other0\nother1 other3")),
        (0x8022, PropValue::Integer32(2)),
        (0x802B, s("https://corp.example/team")),
        (0x8062, s("zoe@im.example")),
        (0x80D8, s("https://corp.example/fb/zoe.vfb")),
        (0x80DF, time(2005, 9, 10, 0)),
        (0x804F, s("user 1")),
        (0x8050, s("user 2")),
        (0x8051, s("user 3")),
        (0x8052, s("user 4")),
        (0x8015, PropValue::Boolean(true)),
    ];
    for (lid, v) in named {
        p.insert_named(NamedProp::lid(ad, lid), v);
    }
    p.insert_named(
        NamedProp::lid(psets::PSETID_COMMON, 0x8535),
        s("Billing info"),
    );
    p.insert_named(NamedProp::lid(psets::PSETID_COMMON, 0x8534), s("42 km"));
    p.insert_named(
        NamedProp::string(psets::PS_PUBLIC_STRINGS, "Keywords"),
        PropValue::MultipleString(vec!["VIP".into(), "Friends, old".into()]),
    );
    let mut ap = PropertyBag::new();
    ap.insert(0x7FFF, PropValue::Boolean(true));
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
