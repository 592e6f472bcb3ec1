use std::borrow::Cow;

use pstkit::ltp::prop::PropValue;

use super::*;
use pstkit::messaging::pid;

const DN: &str =
    "/O=CONTOSO/OU=EXCHANGE ADMINISTRATIVE GROUP (FYDIBOHF23SPDLT)/CN=RECIPIENTS/CN=JDOE";

fn s(v: &str) -> PropValue<'static> {
    PropValue::String(Cow::Owned(v.to_owned()))
}

/// An Exchange address-book entry id for `dn` ([MS-OXCDATA] 2.2.5.2).
fn ab_entry_id(dn: &str) -> Vec<u8> {
    let mut b = vec![0, 0, 0, 0];
    b.extend_from_slice(&[
        0xDC, 0xA7, 0x40, 0xC8, 0xC0, 0x42, 0x10, 0x1A, 0xB4, 0xB9, 0x08, 0x00, 0x2B, 0x2F, 0xE1,
        0x82,
    ]);
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(dn.as_bytes());
    b.push(0);
    b
}

#[test]
fn dns_compare_without_case_and_better_sources_win() {
    let mut book = AddressBook::new();
    book.pair(DN, "jdoe@contoso.com", Source::DisplayName);
    book.pair(
        &DN.to_lowercase(),
        "john.doe@contoso.com",
        Source::Recipient,
    );
    book.pair(DN, "someone.else@contoso.com", Source::Contact);
    assert_eq!(book.lookup(DN), Some("john.doe@contoso.com"));
    assert_eq!(
        book.lookup(&format!("EX:{}", DN.to_lowercase())),
        Some("john.doe@contoso.com")
    );
    // Not SMTP, or in .invalid: never paired.
    book.pair("/O=X/CN=Y", "/O=X/CN=Z", Source::Sender);
    book.pair("/O=X/CN=Y", "y@exchange.invalid", Source::Sender);
    assert_eq!(book.lookup("/O=X/CN=Y"), None);
    assert_eq!(
        ab_entry_id_dn(&ab_entry_id(DN)).as_deref(),
        Some(DN.to_ascii_uppercase().as_str())
    );
    assert_eq!(ab_entry_id_dn(&ab_entry_id(DN)[..20]), None);
}

#[test]
fn messages_pair_senders_recipients_and_display_names() {
    let mut m = Message::default();
    m.props.insert(pid::MESSAGE_CLASS, s("IPM.Note"));
    m.props.insert(pid::SENDER_NAME, s("John Doe"));
    m.props.insert(pid::SENDER_ADDRTYPE, s("EX"));
    m.props.insert(pid::SENDER_EMAIL_ADDRESS, s(DN));
    m.props
        .insert(pid::SENDER_SMTP_ADDRESS, s("john.doe@contoso.com"));
    // A recipient known by its entry id only, with its SMTP address.
    let mut r = PropertyBag::new();
    r.insert(pid::DISPLAY_NAME, s("Ann Lee"));
    r.insert(
        pid::RECIPIENT_ENTRY_ID,
        PropValue::Binary(Cow::Owned(ab_entry_id("/O=CONTOSO/CN=RECIPIENTS/CN=ALEE"))),
    );
    r.insert(pid::SMTP_ADDRESS, s("ann.lee@contoso.com"));
    m.recipients.push(r);
    // A recipient with a DN and no SMTP: its display name is in a stored header.
    let mut r = PropertyBag::new();
    r.insert(pid::DISPLAY_NAME, s("Bo Chan"));
    r.insert(pid::ADDRTYPE, s("EX"));
    r.insert(pid::EMAIL_ADDRESS, s("/O=CONTOSO/CN=RECIPIENTS/CN=BCHAN"));
    m.recipients.push(r);
    m.props.insert(
        pid::TRANSPORT_MESSAGE_HEADERS,
        s("From: John Doe <john.doe@contoso.com>\r\nTo: \"Bo Chan\" <bo@contoso.com>,\r\n Ann Lee <ann.lee@contoso.com>\r\n\r\n"),
    );
    let mut book = AddressBook::new();
    book.collect(&m);
    book.finish();
    assert_eq!(book.lookup(DN), Some("john.doe@contoso.com"));
    assert_eq!(
        book.lookup("/o=contoso/cn=Recipients/cn=alee"),
        Some("ann.lee@contoso.com")
    );
    assert_eq!(
        book.lookup("/O=CONTOSO/CN=RECIPIENTS/CN=BCHAN"),
        Some("bo@contoso.com")
    );
    let r = book.report();
    assert_eq!(r.paired.get(&Source::Sender), Some(&1));
    assert_eq!(r.paired.get(&Source::Recipient), Some(&1));
    assert_eq!(r.paired.get(&Source::DisplayName), Some(&1));
}

#[test]
fn a_bare_surname_pairs_nothing() {
    let mut book = AddressBook::new();
    book.name_seen("Lokay", "jim.lokay@example.com");
    book.dn_seen("/O=ENRON/CN=RECIPIENTS/CN=MLOKAY", Some("Lokay"));
    book.finish();
    assert_eq!(book.lookup("/O=ENRON/CN=RECIPIENTS/CN=MLOKAY"), None);
    assert_eq!(book.find(None, "Lokay"), None);
    assert_eq!(
        book.find(None, "jim.lokay"),
        Some(Resolved::Smtp("jim.lokay@example.com".into()))
    );
}

#[test]
fn dns_in_headers_keep_their_unquoted_comma_names() {
    assert_eq!(
        dn_mentions(
            "Jones, Dana </O=ENRON/CN=Djones>, \"Bolks, Sean\" </O=ENRON/CN=Sbolks>, a@b.c"
        ),
        vec![
            ("Jones, Dana", "/O=ENRON/CN=Djones"),
            ("Bolks, Sean", "/O=ENRON/CN=Sbolks")
        ]
    );
    let mut m = Message::default();
    m.props.insert(
        pid::TRANSPORT_MESSAGE_HEADERS,
        s("To: \"Lokay  Michelle\" <Michelle.Lokay@ENRON.com>\r\nX-ZL-To: Lokay, Michelle </O=ENRON/OU=NA/CN=RECIPIENTS/CN=MLOKAY>\r\n\r\n"),
    );
    let mut book = AddressBook::new();
    book.collect(&m);
    book.finish();
    assert_eq!(
        book.lookup("/O=ENRON/OU=NA/CN=RECIPIENTS/CN=Mlokay"),
        Some("Michelle.Lokay@ENRON.com")
    );
}

#[test]
fn an_ambiguous_display_name_pairs_nothing() {
    let mut book = AddressBook::new();
    book.dn_seen("/O=A/CN=RECIPIENTS/CN=JS", Some("J Smith"));
    book.name_seen("J Smith", "john.smith@a.com");
    book.name_seen("j  smith", "jane.smith@a.com");
    book.finish();
    assert_eq!(book.lookup("/O=A/CN=RECIPIENTS/CN=JS"), None);
}

#[test]
fn resolving_counts_and_guesses_only_with_a_domain() {
    let mut book = AddressBook::new();
    book.pair(DN, "john.doe@contoso.com", Source::Sender);
    assert_eq!(
        book.resolve(Some(DN), "John"),
        Some(Resolved::Smtp("john.doe@contoso.com".into()))
    );
    assert_eq!(
        book.resolve(Some("/O=CONTOSO/CN=RECIPIENTS/CN=X1"), "X"),
        None
    );
    assert_eq!(
        book.resolve(Some("/O=CONTOSO/CN=RECIPIENTS/CN=X1"), "X"),
        None
    );
    // A bare local part with one known address.
    assert_eq!(
        book.resolve(None, "john.doe"),
        Some(Resolved::Smtp("john.doe@contoso.com".into()))
    );
    let r = book.report();
    assert_eq!((r.resolved, r.unresolved, r.guessed), (2, 2, 0));
    assert_eq!(
        r.unresolved_dns.get("/O=CONTOSO/CN=RECIPIENTS/CN=X1"),
        Some(&2)
    );

    let guessing = AddressBook::new().with_guess_domain(Some("@Contoso.com"));
    assert_eq!(
        guessing.resolve(Some("/O=CONTOSO/CN=RECIPIENTS/CN=X1"), "X"),
        Some(Resolved::Guess("x1@contoso.com".into()))
    );
    // An alias that cannot be a local part is not guessed.
    assert_eq!(
        guessing.resolve(Some("/O=CONTOSO/CN=RECIPIENTS/CN=A B"), "AB"),
        None
    );
    let r = guessing.report();
    assert_eq!((r.guessed, r.unresolved), (1, 1));
    assert_eq!(
        r.guesses
            .get("/O=CONTOSO/CN=RECIPIENTS/CN=X1")
            .map(String::as_str),
        Some("x1@contoso.com")
    );
}

/// An autocomplete stream ([MS-OXOCFG] 2.2.5.2) with the given rows of (tag, value bytes).
fn autocomplete_stream(rows: &[Vec<(u32, Vec<u8>)>]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&0xBAAD_F00Du32.to_le_bytes());
    b.extend_from_slice(&12u32.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&(rows.len() as u32).to_le_bytes());
    for row in rows {
        b.extend_from_slice(&(row.len() as u32).to_le_bytes());
        for (tag, data) in row {
            b.extend_from_slice(&tag.to_le_bytes());
            b.extend_from_slice(&[0; 4]);
            match tag & 0xFFFF {
                0x0003 => {
                    b.extend_from_slice(data);
                    b.resize(b.len() + 8 - data.len(), 0);
                }
                _ => {
                    b.extend_from_slice(&[0; 8]);
                    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
                    b.extend_from_slice(data);
                }
            }
        }
    }
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&[0; 8]);
    b
}

fn utf16z(s: &str) -> Vec<u8> {
    s.encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect()
}

#[test]
fn autocomplete_rows_pair_dns_and_a_damaged_stream_keeps_what_it_read() {
    let rows = vec![
        vec![
            (0x3001_001F, utf16z("John Doe")),
            (0x3002_001F, utf16z("EX")),
            (0x3003_001F, utf16z(DN)),
            (0x0C15_0003, 1u32.to_le_bytes().to_vec()),
            (0x39FE_001F, utf16z("john.doe@contoso.com")),
        ],
        vec![
            (0x3001_001F, utf16z("Ann Lee")),
            (0x3002_001F, utf16z("SMTP")),
            (0x3003_001F, utf16z("ann.lee@contoso.com")),
            (0x0FFF_0102, vec![1, 2, 3]),
            (0x6001_101F, vec![]),
        ],
    ];
    // The multi-valued column: an empty list (a count of 0 and no values).
    let mut stream = autocomplete_stream(&rows);
    let parsed = autocomplete::parse(&stream);
    assert_eq!(parsed.error, None);
    assert_eq!(parsed.rows.len(), 2);
    assert_eq!(
        parsed.rows[0].str(pid::SMTP_ADDRESS),
        Some("john.doe@contoso.com")
    );
    assert_eq!(
        parsed.rows[1].binary(pid::RECIPIENT_ENTRY_ID),
        Some(&[1u8, 2, 3][..])
    );

    let mut m = Message::default();
    m.props
        .insert(pid::MESSAGE_CLASS, s("IPM.Configuration.Autocomplete"));
    m.props.insert(
        pid::ROAMING_BINARY,
        PropValue::Binary(Cow::Owned(stream.clone())),
    );
    let mut book = AddressBook::new();
    book.collect(&m);
    assert_eq!(book.lookup(DN), Some("john.doe@contoso.com"));
    assert_eq!(book.report().paired.get(&Source::Autocomplete), Some(&1));

    // Cut inside the second row: the first row is kept, the error says where.
    stream.truncate(stream.len() - 40);
    let cut = autocomplete::parse(&stream);
    assert_eq!(cut.rows.len(), 1);
    assert!(
        cut.error.as_deref().unwrap().starts_with("row 1 of 2"),
        "{:?}",
        cut.error
    );
    // A row count no stream could hold, a wrong signature, every prefix: no panic.
    let mut huge = autocomplete_stream(&rows);
    huge[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(autocomplete::parse(&huge).error.is_some());
    assert!(autocomplete::parse(b"\0\0\0\0\x0c\0\0\0").error.is_some());
    let full = autocomplete_stream(&rows);
    for n in 0..full.len() {
        let _ = autocomplete::parse(&full[..n]);
    }
}

/// [MS-OXOAB] 2.9.6.1 integer encoding.
fn oab_int(v: u32) -> Vec<u8> {
    if v < 0x80 {
        return vec![v as u8];
    }
    let bytes = v.to_le_bytes();
    let n = 4 - (v.leading_zeros() / 8) as usize;
    let mut out = vec![0x80 | n as u8];
    out.extend_from_slice(&bytes[..n]);
    out
}

/// One OAB_V4_REC for `columns`, with the values given (by column index).
fn oab_record(columns: &[u32], values: &[(usize, Vec<u8>)]) -> Vec<u8> {
    let mut presence = vec![0u8; columns.len().div_ceil(8)];
    let mut data = Vec::new();
    for (i, v) in values {
        presence[i / 8] |= 0x80 >> (i % 8);
        data.extend_from_slice(v);
    }
    let mut rec = ((4 + presence.len() + data.len()) as u32)
        .to_le_bytes()
        .to_vec();
    rec.extend_from_slice(&presence);
    rec.extend_from_slice(&data);
    rec
}

fn cstr(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

/// A version 4 full details file with two people, from the spec's structures.
fn oab_file() -> Vec<u8> {
    let header_columns = [0x6800_001Fu32, 0x6804_001E];
    let columns = [
        0x3001_001Fu32, // display name
        0x3003_001E,    // DN
        0x39FE_001F,    // SMTP address
        0x800F_101F,    // proxy addresses
        0x3A00_001F,    // account (alias)
        0x0FFE_0003,    // object type
        0x8C6D_0102,    // object GUID
        0x8C6A_1102,    // certificates
    ];
    let table = |cols: &[u32]| {
        let mut t = (cols.len() as u32).to_le_bytes().to_vec();
        for c in cols {
            t.extend_from_slice(&c.to_le_bytes());
            t.extend_from_slice(&0u32.to_le_bytes());
        }
        t
    };
    let mut meta_tables = table(&header_columns);
    meta_tables.extend(table(&columns));
    let mut f = Vec::new();
    f.extend_from_slice(&0x20u32.to_le_bytes());
    f.extend_from_slice(&0x1234_5678u32.to_le_bytes());
    f.extend_from_slice(&2u32.to_le_bytes());
    f.extend_from_slice(&((4 + meta_tables.len()) as u32).to_le_bytes());
    f.extend(meta_tables);
    f.extend(oab_record(
        &header_columns,
        &[(0, cstr("\\Global Address List")), (1, cstr("/"))],
    ));
    let mut proxies = oab_int(3);
    proxies.extend(cstr("SMTP:john.doe@contoso.com"));
    proxies.extend(cstr("smtp:jd@contoso.com"));
    proxies.extend(cstr("X500:/O=FABRIKAM/OU=FIRST/CN=RECIPIENTS/CN=JDOE"));
    let mut guid = oab_int(16);
    guid.extend([7u8; 16]);
    let mut certs = oab_int(2);
    certs.extend(oab_int(3));
    certs.extend([1, 2, 3]);
    certs.extend(oab_int(200));
    certs.extend([9u8; 200]);
    f.extend(oab_record(
        &columns,
        &[
            (0, cstr("John Doe")),
            (1, cstr(DN)),
            (3, proxies),
            (4, cstr("jdoe")),
            (5, oab_int(6)),
            (6, guid),
            (7, certs),
        ],
    ));
    f.extend(oab_record(
        &columns,
        &[
            (0, cstr("Zoë Ång")),
            (1, cstr("/O=CONTOSO/CN=RECIPIENTS/CN=ZANG")),
            (2, cstr("zoe.ang@contoso.com")),
            (5, oab_int(0x1_0000)),
        ],
    ));
    f
}

#[test]
fn oab_version_4_full_details_are_read() {
    let oab = oab::parse(&oab_file());
    assert_eq!(oab.error, None);
    assert_eq!(oab.records.len(), 2);
    let jd = &oab.records[0];
    assert_eq!(jd.display_name.as_deref(), Some("John Doe"));
    assert_eq!(jd.dn.as_deref(), Some(DN));
    // No PidTagSmtpAddress: the primary (upper-case SMTP:) proxy, not the secondary one.
    assert_eq!(jd.smtp.as_deref(), Some("john.doe@contoso.com"));
    assert_eq!(
        jd.x500,
        vec!["/O=FABRIKAM/OU=FIRST/CN=RECIPIENTS/CN=JDOE".to_owned()]
    );
    assert_eq!(oab.records[1].display_name.as_deref(), Some("Zoë Ång"));
    assert_eq!(oab.records[1].smtp.as_deref(), Some("zoe.ang@contoso.com"));

    let mut book = AddressBook::new();
    book.add_oab(&oab.records);
    assert_eq!(book.lookup(DN), Some("john.doe@contoso.com"));
    assert_eq!(
        book.lookup("/o=fabrikam/ou=first/cn=recipients/cn=jdoe"),
        Some("john.doe@contoso.com")
    );
    assert_eq!(
        book.report().paired.get(&Source::OfflineAddressBook),
        Some(&3)
    );
}

#[test]
fn a_damaged_oab_gives_what_it_could_read_and_says_why() {
    let good = oab_file();
    // Not an OAB at all.
    let e = oab::parse(b"MSCF\0\0\0\0\0\0\0\0").error.unwrap();
    assert!(e.contains("not an OAB version 4"), "{e}");
    // The second record cut short: the first is kept.
    let cut = oab::parse(&good[..good.len() - 5]);
    assert_eq!(cut.records.len(), 1);
    assert!(
        cut.error.as_deref().unwrap().starts_with("record 1 of 2"),
        "{:?}",
        cut.error
    );
    // A record whose size is below its own size field.
    let mut bad = good.clone();
    let meta_size = u32::from_le_bytes(bad[12..16].try_into().unwrap()) as usize;
    let header_at = 12 + meta_size;
    let header_size =
        u32::from_le_bytes(bad[header_at..header_at + 4].try_into().unwrap()) as usize;
    let rec_at = header_at + header_size;
    bad[rec_at..rec_at + 4].copy_from_slice(&2u32.to_le_bytes());
    let e = oab::parse(&bad);
    assert!(e.records.is_empty());
    assert!(e.error.unwrap().contains("has size 2"));
    // An attribute count no file could hold.
    let mut bad = good.clone();
    bad[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(oab::parse(&bad).error.unwrap().contains("attributes"));
    // A record claiming more records than there are; every prefix; every flipped byte: no
    // panic, and never more records than the file holds.
    let mut more = good.clone();
    more[8..12].copy_from_slice(&1000u32.to_le_bytes());
    let m = oab::parse(&more);
    assert_eq!(m.records.len(), 2);
    assert!(m.error.is_some());
    for n in 0..good.len() {
        assert!(oab::parse(&good[..n]).records.len() <= 2);
        let mut flipped = good.clone();
        flipped[n] ^= 0xFF;
        assert!(oab::parse(&flipped).records.len() <= 2);
    }
}

#[test]
fn oab_is_found_in_a_folder_tree() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("Offline Address Books").join("8f0c2f2a");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("udetails.oab"), oab_file()).unwrap();
    let oab = oab::read(dir.path()).unwrap();
    assert_eq!(oab.records.len(), 2);
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        oab::read(empty.path()),
        Err(oab::OabError::NotFound(_))
    ));
}

/// A sent item from `name` with an SMTP address only (no DN).
fn smtp_only_sent(name: &str, smtp: &str) -> Message {
    let mut m = Message::default();
    m.props.insert(pid::MESSAGE_CLASS, s("IPM.Note"));
    m.props.insert(pid::SENDER_NAME, s(name));
    m.props.insert(pid::SENDER_ADDRTYPE, s("SMTP"));
    m.props.insert(pid::SENDER_EMAIL_ADDRESS, s(smtp));
    m
}

#[test]
fn the_owner_pairs_through_sent_items_or_the_owner_name() {
    // The owner's Sent Items mail under the owner's name (one word: Administrator).
    let mut book = AddressBook::new();
    book.set_owner(DN, Some("Administrator"));
    book.collect_in(&smtp_only_sent("Administrator", "admin@contoso.com"), true);
    book.collect_in(&smtp_only_sent("Someone Else", "other@contoso.com"), true);
    book.finish();
    assert_eq!(book.lookup(DN), Some("admin@contoso.com"));
    assert_eq!(book.report().paired.get(&Source::Owner), Some(&1));

    // Not in Sent Items: the owner's exact name with one SMTP address anywhere.
    let mut book = AddressBook::new();
    book.set_owner(DN, Some("Administrator"));
    book.collect(&smtp_only_sent("administrator", "admin@contoso.com"));
    book.finish();
    assert_eq!(book.lookup(DN), Some("admin@contoso.com"));

    // Every Sent Items sender has the same address: that is the owner's.
    let mut book = AddressBook::new();
    book.set_owner(DN, Some("Mailbox"));
    book.collect_in(&smtp_only_sent("J. D.", "jd@contoso.com"), true);
    book.collect_in(&smtp_only_sent("JD", "JD@contoso.com"), true);
    book.finish();
    assert_eq!(book.lookup(DN), Some("jd@contoso.com"));

    // Two addresses and no name to tell them apart; the name elsewhere with two
    // addresses: nothing is paired.
    let mut book = AddressBook::new();
    book.set_owner(DN, Some("Administrator"));
    book.collect_in(&smtp_only_sent("Admin", "a@contoso.com"), true);
    book.collect_in(&smtp_only_sent("Boss", "b@contoso.com"), true);
    book.collect(&smtp_only_sent("Administrator", "x@contoso.com"));
    book.collect(&smtp_only_sent("Administrator", "y@contoso.com"));
    book.finish();
    assert_eq!(book.lookup(DN), None);
    // And nothing without an owner.
    let mut book = AddressBook::new();
    book.collect_in(&smtp_only_sent("Administrator", "admin@contoso.com"), true);
    book.finish();
    assert!(book.is_empty());
}

#[test]
fn imcea_addresses_resolve_through_the_book_and_never_pass_as_smtp() {
    let mut book = AddressBook::new();
    book.pair(DN, "john.doe@contoso.com", Source::Sender);
    let enc = "IMCEAEX-_O=CONTOSO_OU=EXCHANGE+20ADMINISTRATIVE+20GROUP+20+28FYDIBOHF23SPDLT+29_CN=RECIPIENTS_CN=JDOE@contoso.com";
    assert_eq!(dn_key(enc).as_deref(), Some(DN));
    assert_eq!(headers::addr_spec(enc), None);
    // In a stored header: the DN's SMTP address, the original kept apart.
    let f = headers::Field::new("From", format!("John Doe <{enc}>"));
    let out = headers::repair_stored_field(f, &book);
    assert_eq!(out[0].value, "John Doe <john.doe@contoso.com>");
    assert_eq!(out[1].name, "X-Original-From");
    // Unresolved: a placeholder, counted under the DN.
    let other = enc.replace("CN=JDOE", "CN=NOBODY");
    let f = headers::Field::new("To", format!("No Body <{other}>"));
    let out = headers::repair_stored_field(f, &book);
    assert_eq!(out[0].value, "No Body <no.body@exchange.invalid>");
    // A gateway's address gives the SMTP address it holds.
    let f = headers::Field::new(
        "From",
        "\"Jim\" <IMCEANOTES-jim+40example+2Ecom+40ENRON@ENRON.com>".to_owned(),
    );
    assert_eq!(
        headers::repair_stored_field(f, &book)[0].value,
        "Jim <jim@example.com>"
    );
    // As properties: the IMCEAEX SMTP property is resolved by its DN.
    let mut m = Message::default();
    m.props.insert(pid::MESSAGE_CLASS, s("IPM.Note"));
    m.props.insert(pid::SENDER_NAME, s("John Doe"));
    m.props.insert(pid::SENDER_ADDRTYPE, s("SMTP"));
    m.props.insert(pid::SENDER_EMAIL_ADDRESS, s(enc));
    m.props.insert(pid::SENDER_SMTP_ADDRESS, s(enc));
    book.enrich(&mut m);
    assert_eq!(
        m.props.str(pid::SENDER_SMTP_ADDRESS),
        Some("john.doe@contoso.com")
    );
    let r = book.report();
    assert_eq!(r.resolved, 3);
    assert_eq!(r.unresolved, 1);
    let nobody = DN.replace("CN=JDOE", "CN=NOBODY");
    assert_eq!(r.unresolved_dns.get(&nobody), Some(&1));
}

#[test]
fn list_members_with_exchange_addresses_get_smtp_one_offs() {
    use crate::contacts::{one_off_entry_id, parse_member_entry_id};
    let mut book = AddressBook::new();
    book.pair(DN, "john.doe@contoso.com", Source::Sender);
    book.dn_seen(DN, Some("John Doe"));
    let nobody = DN.replace("CN=JDOE", "CN=NOBODY");
    let mut gal = vec![0u8; 4];
    gal.extend_from_slice(&[
        0xC0, 0x91, 0xAD, 0xD3, 0x51, 0x9D, 0xCF, 0x11, 0xA4, 0xA9, 0x00, 0xAA, 0x00, 0x47, 0xFA,
        0xA4, 0xB5,
    ]);
    gal.extend_from_slice(&ab_entry_id(DN));
    let one_offs = vec![
        one_off_entry_id("John", "EX", DN),
        one_off_entry_id("No Body", "EX", &nobody),
        one_off_entry_id("Plain", "SMTP", "plain@example.com"),
    ];
    let mut members = one_offs.clone();
    members.push(gal);
    let mut m = Message::default();
    m.props.insert(pid::MESSAGE_CLASS, s("IPM.DistList"));
    m.props.insert_named(
        &pid::LID_DISTRIBUTION_LIST_ONE_OFF_MEMBERS,
        PropValue::MultipleBinary(one_offs),
    );
    m.props.insert_named(
        &pid::LID_DISTRIBUTION_LIST_MEMBERS,
        PropValue::MultipleBinary(members),
    );
    book.enrich(&mut m);
    let Some(PropValue::MultipleBinary(after)) =
        m.props.get(&pid::LID_DISTRIBUTION_LIST_ONE_OFF_MEMBERS)
    else {
        panic!("one-off members gone");
    };
    let read: Vec<_> = after
        .iter()
        .map(|b| {
            let o = parse_member_entry_id(b).unwrap();
            (o.display_name, o.address_type, o.address)
        })
        .collect();
    let some = |v: &str| Some(v.to_owned());
    assert_eq!(
        read,
        vec![
            (some("John"), some("SMTP"), some("john.doe@contoso.com")),
            (some("No Body"), some("EX"), some(&nobody)),
            (some("Plain"), some("SMTP"), some("plain@example.com")),
            // The GAL member, named as the store knows its DN.
            (some("John Doe"), some("SMTP"), some("john.doe@contoso.com")),
        ]
    );
    let r = book.report();
    assert_eq!((r.resolved, r.unresolved), (2, 1));
}
