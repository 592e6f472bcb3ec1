//! Exchange-style stores written by `pstkit::write` in every layout (ANSI PST, Unicode PST
//! and OST, the Outlook 2013+ 4 KiB-page OST): EX senders and recipients with and without
//! their SMTP properties, an autocomplete stream, a contact with an EX e-mail slot, meetings
//! organised by an EX address, Outlook-style Message-IDs with `$@`. Converted through the
//! command's pipeline, every address the store can resolve comes out as its SMTP address in
//! EML, mbox, ICS and vCard; the one it cannot is a placeholder counted in report.json, or a
//! marked guess with a guess domain; stored ids are written byte for byte; report.json has
//! the coverage.

use std::borrow::Cow;
use std::fs::File;
use std::path::Path;

use ost_extract::convert::{convert_file, InputReport, MailFormat, NoProgress, Options};
use pstkit::ltp::PropValue;
use pstkit::messaging::{pid, psets, Message, NamedProp, PropertyBag};
use pstkit::write::{NdbWriter, SpecialFolder, StoreOptions, StoreWriter};
use pstkit::{Client, CryptMethod, Layout};

const ORG: &str = "/O=CONTOSO/OU=EXCHANGE ADMINISTRATIVE GROUP (FYDIBOHF23SPDLT)/CN=RECIPIENTS/CN=";

fn dn(alias: &str) -> String {
    format!("{ORG}{alias}")
}
fn s(v: &str) -> PropValue<'static> {
    PropValue::String(Cow::Owned(v.to_owned()))
}
fn t(secs: i64) -> PropValue<'static> {
    PropValue::Time(pstkit::ltp::prop::FileTime::from_utc(
        chrono::DateTime::from_timestamp(secs, 0).unwrap(),
    ))
}

/// An EX recipient row, with its SMTP address when given.
fn ex_recipient(kind: i32, name: &str, alias: &str, smtp: Option<&str>) -> PropertyBag {
    let mut r = PropertyBag::new();
    r.insert(pid::RECIPIENT_TYPE, PropValue::Integer32(kind));
    r.insert(pid::DISPLAY_NAME, s(name));
    r.insert(pid::ADDRTYPE, s("EX"));
    r.insert(pid::EMAIL_ADDRESS, s(&dn(alias)));
    if let Some(a) = smtp {
        r.insert(pid::SMTP_ADDRESS, s(a));
    }
    r
}

/// A note from an EX sender (with its SMTP address when given).
fn note(subject: &str, secs: i64, from: (&str, &str, Option<&str>), id: &str) -> Message {
    let mut m = Message::default();
    m.props.insert(pid::MESSAGE_CLASS, s("IPM.Note"));
    m.props.insert(pid::SUBJECT, s(subject));
    m.props.insert(pid::CLIENT_SUBMIT_TIME, t(secs));
    m.props.insert(pid::MESSAGE_DELIVERY_TIME, t(secs));
    m.props.insert(pid::BODY, s(&format!("{subject}\r\n")));
    m.props.insert(pid::INTERNET_MESSAGE_ID, s(id));
    let (name, alias, smtp) = from;
    for (n, a, t, smtp_id) in [
        (
            pid::SENDER_NAME,
            pid::SENDER_EMAIL_ADDRESS,
            pid::SENDER_ADDRTYPE,
            pid::SENDER_SMTP_ADDRESS,
        ),
        (
            pid::SENT_REPRESENTING_NAME,
            pid::SENT_REPRESENTING_EMAIL_ADDRESS,
            pid::SENT_REPRESENTING_ADDRTYPE,
            pid::SENT_REPRESENTING_SMTP_ADDRESS,
        ),
    ] {
        m.props.insert(n, s(name));
        m.props.insert(a, s(&dn(alias)));
        m.props.insert(t, s("EX"));
        if let Some(x) = smtp {
            m.props.insert(smtp_id, s(x));
        }
    }
    m
}

/// The autocomplete stream ([MS-OXOCFG] 2.2.5.2) with one EX row for `alias` → `smtp`.
fn autocomplete(name: &str, alias: &str, smtp: &str) -> Vec<u8> {
    let utf16z = |v: &str| -> Vec<u8> {
        v.encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect()
    };
    let mut b = Vec::new();
    for v in [0xBAAD_F00Du32, 12, 0, 1, 4] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    for (tag, v) in [
        (0x3001_001Fu32, utf16z(name)),
        (0x3002_001F, utf16z("EX")),
        (0x3003_001F, utf16z(&dn(alias))),
        (0x39FE_001F, utf16z(smtp)),
    ] {
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&[0; 12]);
        b.extend_from_slice(&(v.len() as u32).to_le_bytes());
        b.extend_from_slice(&v);
    }
    b.extend_from_slice(&[0; 12]);
    b
}

/// Writes the Exchange-style store in `layout`.
fn write_store(path: &Path, layout: Layout, client: Client) {
    let ndb = NdbWriter::new(
        File::create(path).unwrap(),
        layout,
        client,
        CryptMethod::Permute,
    )
    .unwrap();
    let mut store = StoreWriter::new(
        ndb,
        StoreOptions {
            display_name: "Offline Folders".into(),
            omit_ipm_subtree_entry_id: layout == Layout::Unicode4k,
            record_key: [3; 16],
            ansi_encoding: None,
            ansi_codepage: 1252,
        },
    );
    let top = store.add_folder(store.root(), "Top of Information Store", None);
    store.set_special(SpecialFolder::IpmSubtree, top);
    let inbox = store.add_folder(top, "Inbox", Some("IPF.Note"));
    let sent = store.add_folder(top, "Sent Items", Some("IPF.Note"));
    let calendar = store.add_folder(top, "Calendar", Some("IPF.Appointment"));
    let contacts = store.add_folder(top, "Contacts", Some("IPF.Contact"));

    // 1. A sender with both forms: pairs JDOE.
    let mut m = note(
        "Both forms",
        1_700_000_000,
        ("John Doe", "JDOE", Some("john.doe@contoso.com")),
        "<000001da1a2b$3c4d5e6f$7a8b9c0d$@john.doe@contoso.com>",
    );
    // A recipient with its SMTP address: pairs ALEE.
    m.recipients.push(ex_recipient(
        1,
        "Ann Lee",
        "ALEE",
        Some("ann.lee@contoso.com"),
    ));
    store.add_message(inbox, &m).unwrap();
    // 2. Sent by ALEE, to JDOE, BCHAN and NOBODY, none with SMTP properties: ALEE and JDOE
    //    resolve from message 1, BCHAN from the autocomplete stream, CWU from the contact;
    //    NOBODY from nothing.
    let mut m = note(
        "EX only",
        1_700_100_000,
        ("Ann Lee", "ALEE", None),
        "<000001da1a2c$aa$bb$@ann.lee@contoso.com>",
    );
    m.props.insert(
        pid::IN_REPLY_TO_ID,
        s("<000001da1a2b$3c4d5e6f$7a8b9c0d$@john.doe@contoso.com>"),
    );
    m.recipients.push(ex_recipient(1, "John Doe", "JDOE", None));
    m.recipients.push(ex_recipient(2, "Bo Chan", "BCHAN", None));
    m.recipients.push(ex_recipient(2, "Cy Wu", "CWU", None));
    m.recipients
        .push(ex_recipient(3, "No Body", "NOBODY", None));
    store.add_message(sent, &m).unwrap();
    // 3. A meeting organised by BCHAN with JDOE attending, EX only.
    let mut a = Message::default();
    a.props.insert(pid::MESSAGE_CLASS, s("IPM.Appointment"));
    a.props.insert(pid::SUBJECT, s("Planning"));
    a.props.insert(pid::CREATION_TIME, t(1_700_200_000));
    a.props.insert_named(
        NamedProp::lid(psets::PSETID_APPOINTMENT, 0x820D),
        t(1_700_300_000),
    );
    a.props.insert_named(
        NamedProp::lid(psets::PSETID_APPOINTMENT, 0x820E),
        t(1_700_303_600),
    );
    a.props.insert(pid::SENT_REPRESENTING_NAME, s("Bo Chan"));
    a.props.insert(pid::SENT_REPRESENTING_ADDRTYPE, s("EX"));
    a.props
        .insert(pid::SENT_REPRESENTING_EMAIL_ADDRESS, s(&dn("BCHAN")));
    a.recipients.push(ex_recipient(1, "John Doe", "JDOE", None));
    store.add_message(calendar, &a).unwrap();
    // 4. A contact whose Email1 is an EX address with the SMTP address in its original
    //    display name (as Outlook writes it): pairs CWU.
    let mut c = Message::default();
    c.props.insert(pid::MESSAGE_CLASS, s("IPM.Contact"));
    c.props.insert(pid::SUBJECT, s("Cy Wu"));
    c.props.insert(pid::DISPLAY_NAME, s("Cy Wu"));
    c.props.insert(pid::CREATION_TIME, t(1_700_000_500));
    let email = |off: u32| NamedProp::lid(psets::PSETID_ADDRESS, 0x8080 + off);
    c.props.insert_named(email(0), s("Cy Wu"));
    c.props.insert_named(email(2), s("EX"));
    c.props.insert_named(email(3), s(&dn("CWU")));
    c.props.insert_named(email(4), s("cy.wu@contoso.com"));
    store.add_message(contacts, &c).unwrap();
    // 5. The autocomplete stream, among the Inbox's associated items: pairs BCHAN.
    let mut ac = Message::default();
    ac.props
        .insert(pid::MESSAGE_CLASS, s("IPM.Configuration.Autocomplete"));
    ac.props
        .insert(pid::SUBJECT, s("IPM.Configuration.Autocomplete"));
    ac.props.insert(
        0x7C09,
        PropValue::Binary(Cow::Owned(autocomplete(
            "Bo Chan",
            "BCHAN",
            "bo.chan@contoso.com",
        ))),
    );
    store.add_associated_message(inbox, &ac).unwrap();
    let (ndb, _) = store.finish().unwrap();
    ndb.finish().unwrap();
}

fn read_tree(dir: &Path, ext: &str) -> String {
    let mut out = String::new();
    for e in walk(dir) {
        if e.extension().is_some_and(|x| x == ext) {
            out.push_str(&std::fs::read_to_string(&e).unwrap());
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn convert(path: &Path, out: &Path, domain: Option<&str>) -> InputReport {
    let opts = Options {
        mail: MailFormat::Both,
        guess_domain: domain.map(str::to_owned),
        ..Options::default()
    };
    convert_file(path, out, &opts, &NoProgress).unwrap()
}

#[test]
fn exchange_stores_come_out_with_smtp_addresses_in_every_layout() {
    for (layout, client) in [
        (Layout::Ansi, Client::Pst),
        (Layout::Unicode, Client::Pst),
        (Layout::Unicode, Client::Ost),
        (Layout::Unicode4k, Client::Ost),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("exchange.ost");
        write_store(&file, layout, client);
        let out = tmp.path().join("out");
        let r = convert(&file, &out, None);
        let what = format!("{layout:?} {client:?}");
        let eml = read_tree(&out, "eml");
        let mbox = read_tree(&out, "mbox");
        // Content lines unfolded (RFC 5545 3.1, RFC 6350 3.2).
        let ics = read_tree(&out, "ics").replace("\r\n ", "");
        let vcf = read_tree(&out, "vcf").replace("\r\n ", "");
        for text in [&eml, &mbox] {
            assert!(
                text.contains("From: John Doe <john.doe@contoso.com>"),
                "{what}"
            );
            assert!(
                text.contains("From: Ann Lee <ann.lee@contoso.com>"),
                "{what}"
            );
            assert!(text.contains("John Doe <john.doe@contoso.com>"), "{what}");
            assert!(text.contains("Bo Chan <bo.chan@contoso.com>"), "{what}");
            assert!(text.contains("Cy Wu <cy.wu@contoso.com>"), "{what}");
            // The one the store cannot resolve: an honest placeholder.
            assert!(
                text.contains("No Body <no.body@exchange.invalid>"),
                "{what}"
            );
            // Outlook's ids, byte for byte.
            assert!(
                text.contains("Message-ID: <000001da1a2c$aa$bb$@ann.lee@contoso.com>"),
                "{what}"
            );
            assert!(
                text.contains(
                    "In-Reply-To: <000001da1a2b$3c4d5e6f$7a8b9c0d$@john.doe@contoso.com>"
                ),
                "{what}"
            );
        }
        assert!(mbox.contains("From ann.lee@contoso.com "), "{what}");
        assert!(
            ics.contains("ORGANIZER;CN=Bo Chan:mailto:bo.chan@contoso.com"),
            "{what}: {ics}"
        );
        assert!(
            ics.contains(":mailto:john.doe@contoso.com"),
            "{what}: {ics}"
        );
        assert!(vcf.contains("cy.wu@contoso.com"), "{what}: {vcf}");
        assert!(!vcf.contains("/O=CONTOSO"), "{what}: {vcf}");

        let a = r.addresses.as_ref().unwrap();
        assert_eq!(a.unresolved_dns.len(), 1, "{what}: {a:?}");
        assert!(
            a.unresolved_dns.contains_key(&dn("NOBODY")),
            "{what}: {a:?}"
        );
        assert!(a.guesses.is_empty());
        use ost_extract::addressbook::Source;
        assert_eq!(a.paired.get(&Source::Sender), Some(&1), "{what}: {a:?}");
        assert_eq!(a.paired.get(&Source::Recipient), Some(&1), "{what}: {a:?}");
        assert_eq!(
            a.paired.get(&Source::Autocomplete),
            Some(&1),
            "{what}: {a:?}"
        );
        assert_eq!(a.paired.get(&Source::Contact), Some(&1), "{what}: {a:?}");

        let c = r.coverage.as_ref().unwrap();
        assert_eq!(c.items, 4, "{what}: {c:?}");
        let inbox = c
            .folders
            .iter()
            .find(|f| f.folder.ends_with("Inbox"))
            .unwrap();
        assert_eq!(inbox.items, 1);
        assert_eq!(inbox.oldest.as_deref(), Some("2023-11-14T22:13:20Z"));
        assert_eq!(c.newest.as_deref(), Some("2023-11-17T05:46:40Z"), "{what}");
        // report.json says the same.
        let json: InputReport =
            serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
        assert_eq!(json.addresses.as_ref(), Some(a));
        assert_eq!(json.coverage.as_ref(), Some(c));

        // With a guess domain, the last one becomes a marked guess.
        let guessed = tmp.path().join("guessed");
        let r = convert(&file, &guessed, Some("contoso.com"));
        let a = r.addresses.unwrap();
        assert!(a.unresolved_dns.is_empty(), "{what}: {a:?}");
        assert_eq!(
            a.guesses.get(&dn("NOBODY")).map(String::as_str),
            Some("nobody@contoso.com")
        );
        assert!(read_tree(&guessed, "eml").contains("No Body <nobody@contoso.com>"));
    }
}
