//! The vCard converter over the real corpus: every contact and distribution list comes out,
//! each card carries the properties the reader returns, and the java-libpst list keeps its
//! members. Skipped (with a note) on machines without the corpus.

mod vcf_common;

use ost_extract::contacts::{is_contact, is_distribution_list, VcardVersion};
use pstkit::messaging::{pid, psets, Message, NamedProp};
use vcf_common::*;

/// Compares one contact card with the message's properties.
fn check_contact_card(file: &str, msg: &Message, card: &[Line]) {
    let p = &msg.props;
    let ctx = format!("{file} nid {:?}", msg.nid);
    let fname = values(card, "FN");
    assert_eq!(fname.len(), 1, "{ctx}");
    if let Some(d) = p
        .str(pid::DISPLAY_NAME)
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        assert_eq!(fname[0], as_carried(d), "{ctx}: FN");
    }
    let n = card
        .iter()
        .find(|l| l.0 == "N")
        .unwrap_or_else(|| panic!("{ctx}: no N"));
    let comps: Vec<String> = split_unescaped(&n.2, ';');
    assert_eq!(comps.len(), 5, "{ctx}: N");
    for (i, id) in [
        pid::SURNAME,
        pid::GIVEN_NAME,
        pid::MIDDLE_NAME,
        pid::DISPLAY_NAME_PREFIX,
        pid::GENERATION,
    ]
    .iter()
    .enumerate()
    {
        assert_eq!(
            comps[i],
            as_carried(p.str(*id).map(str::trim).unwrap_or("")),
            "{ctx}: N component {i}"
        );
    }
    // Every e-mail slot with an address is there, in order.
    let emails = values(card, "EMAIL");
    let mut want = Vec::new();
    for base in pid::LID_EMAIL_SLOT_BASES {
        let addr = p
            .str(&NamedProp::lid(psets::PSETID_ADDRESS, base + 3))
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let ty = p
            .str(&NamedProp::lid(psets::PSETID_ADDRESS, base + 2))
            .unwrap_or("");
        let orig = p
            .str(&NamedProp::lid(psets::PSETID_ADDRESS, base + 4))
            .map(str::trim)
            .filter(|s| s.contains('@') && !s.contains(' '));
        let expected = match (addr, ty.eq_ignore_ascii_case("EX")) {
            (Some(_), true) if orig.is_some() => orig,
            (Some(a), _) => Some(a),
            (None, _) => orig,
        };
        if let Some(e) = expected {
            want.push(as_carried(e));
        }
    }
    assert_eq!(emails, want, "{ctx}: EMAIL");
    // Every telephone number of every kind.
    let mut tels = values(card, "TEL");
    let mut want_tels = Vec::new();
    for id in PHONE_IDS {
        if let Some(v) = p.get(id).and_then(|v| v.as_strings()) {
            want_tels.extend(
                v.into_iter()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(as_carried),
            );
        }
    }
    tels.sort();
    want_tels.sort();
    assert_eq!(tels, want_tels, "{ctx}: TEL");
    for (id, prop) in [
        (pid::TITLE, "TITLE"),
        (pid::NICKNAME, "NICKNAME"),
        (pid::PROFESSION, "ROLE"),
        (pid::MANAGER_NAME, "X-MS-MANAGER"),
        (pid::SPOUSE_NAME, "X-MS-SPOUSE"),
    ] {
        let want: Vec<String> = p
            .str(id)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(as_carried)
            .into_iter()
            .collect();
        assert_eq!(values(card, prop), want, "{ctx}: {prop}");
    }
    if let Some(body) = p
        .str(pid::BODY)
        .map(|s| s.trim_end_matches(['\r', '\n', '\0']))
        .filter(|s| !s.trim().is_empty())
    {
        assert_eq!(values(card, "NOTE"), [as_carried(body)], "{ctx}: NOTE");
    }
    if let Some(t) = p.time(pid::LAST_MODIFICATION_TIME) {
        assert_eq!(
            values(card, "REV"),
            [t.format("%Y%m%dT%H%M%SZ").to_string()],
            "{ctx}: REV"
        );
    }
    let photo = msg
        .attachments
        .iter()
        .find(|a| a.props.bool(pid::ATTACHMENT_CONTACT_PHOTO) == Some(true))
        .and_then(|a| a.data());
    assert_eq!(
        values(card, "PHOTO").len(),
        usize::from(photo.is_some_and(|d| !d.is_empty())),
        "{ctx}: PHOTO"
    );
}

/// Splits an escaped structured value at unescaped `sep`, unescaping each part.
fn split_unescaped(v: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut it = v.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            if let Some(n) = it.next() {
                parts
                    .last_mut()
                    .unwrap()
                    .push(if n == 'n' || n == 'N' { '\n' } else { n });
            }
        } else if c == sep {
            parts.push(String::new());
        } else {
            parts.last_mut().unwrap().push(c);
        }
    }
    parts
}

#[test]
fn every_contact_and_list_of_the_corpus_comes_out() {
    if corpus_dir().is_none() {
        eprintln!("note: corpus not found; vCard corpus test skipped");
        return;
    }
    let (mut contacts, mut lists, mut cards_total) = (0usize, 0usize, 0usize);
    for path in corpus_files() {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for version in [VcardVersion::V3, VcardVersion::V4] {
            let Some(folders) = convert_store(&path, version) else {
                continue;
            };
            for f in &folders {
                let cards = parse_cards(&f.vcf);
                assert_eq!(cards.len(), f.items.len(), "{file} {:?}", f.folder.path);
                for l in f.vcf.split("\r\n") {
                    assert!(l.len() <= 75, "{file}: long line {l:?}");
                }
                for (msg, card) in f.items.iter().zip(&cards) {
                    if version == VcardVersion::V3 {
                        if is_contact(msg.class()) {
                            contacts += 1;
                        } else if is_distribution_list(msg.class()) {
                            lists += 1;
                        }
                        cards_total += 1;
                    }
                    if is_contact(msg.class()) {
                        check_contact_card(&file, msg, card);
                    }
                }
            }
        }
    }
    eprintln!("corpus: {contacts} contacts, {lists} lists, {cards_total} cards");
    // The libpff manifests list 174 contacts and 3 lists. This reader also reads the 12
    // contacts of aspose-email__Test_part1_2.pst that libpff fails on ("unsupported value
    // type"), the one in the damaged aspose-email__Outlook_3.pst, which has no manifest, and
    // the one carved out of aspose-email__Outlook1.pst (an mbox written over the start of a
    // PST whose blocks survive: "Saqib Razzaq", nid 0x200284).
    assert_eq!(contacts, 174 + 12 + 1 + 1);
    assert_eq!(lists, 3);
    assert_eq!(cards_total, contacts + lists);
}

/// Every contact and list the libpff manifests list is converted, by nid.
#[test]
fn every_manifest_contact_has_a_card() {
    let Some(dir) = corpus_dir() else {
        eprintln!("note: corpus not found; manifest cross-check skipped");
        return;
    };
    let expected_dir = dir.parent().unwrap().join("expected");
    let mut checked = 0;
    for path in corpus_files() {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let Ok(text) = std::fs::read_to_string(expected_dir.join(format!("{file}.json"))) else {
            continue;
        };
        let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut want = Vec::new();
        for f in manifest["folders"].as_array().unwrap() {
            for m in f["messages"].as_array().unwrap() {
                let class = m["class"].as_str().unwrap_or("");
                if is_contact(class) || is_distribution_list(class) {
                    want.push(m["nid"].as_u64().unwrap());
                }
            }
        }
        if want.is_empty() {
            continue;
        }
        let folders = convert_store(&path, VcardVersion::V3).unwrap();
        let got: Vec<u64> = folders
            .iter()
            .flat_map(|f| f.items.iter().map(|m| u64::from(m.nid.unwrap().0)))
            .collect();
        let carded: usize = folders.iter().map(|f| parse_cards(&f.vcf).len()).sum();
        assert_eq!(carded, got.len(), "{file}");
        for nid in want {
            assert!(got.contains(&nid), "{file}: nid {nid} has no card");
            checked += 1;
        }
    }
    assert_eq!(checked, 177);
}

/// java-libpst's DistListTest: the list (nid 2097188) has three members, the contact whose
/// Email1 is contact1@rjohnson.id.au and the one-offs dist name 1 / dist1@rjohnson.id.au and
/// dist name 2 / dist2@rjohnson.id.au.
#[test]
fn java_libpst_dist_list_keeps_its_members() {
    let Some(dir) = corpus_dir() else {
        eprintln!("note: corpus not found; dist-list test skipped");
        return;
    };
    for name in [
        "rjohnsondev__dist-list.pst",
        "rjohnsondev__dist-list_2.pst",
        "rjohnsondev__passworded.pst",
    ] {
        let folders = convert_store(&dir.join(name), VcardVersion::V4).unwrap();
        let f = folders
            .iter()
            .find(|f| f.items.iter().any(|m| is_distribution_list(m.class())))
            .unwrap();
        assert!(f.warnings.is_empty(), "{name}: {:?}", f.warnings);
        let cards = parse_cards(&f.vcf);
        let (i, _) = f
            .items
            .iter()
            .enumerate()
            .find(|(_, m)| is_distribution_list(m.class()))
            .unwrap();
        assert_eq!(f.items[i].nid.map(|n| n.0), Some(2_097_188));
        let list = &cards[i];
        assert_eq!(values(list, "KIND"), ["group"]);
        assert_eq!(values(list, "FN"), ["test dist list"], "{name}");
        let contact_uid = cards
            .iter()
            .zip(&f.items)
            .find(|(_, m)| is_contact(m.class()))
            .map(|(c, _)| values(c, "UID")[0].clone())
            .unwrap();
        let contact_card = cards
            .iter()
            .find(|c| values(c, "UID") == [contact_uid.clone()])
            .unwrap();
        assert_eq!(values(contact_card, "EMAIL"), ["contact1@rjohnson.id.au"]);
        let mut members: Vec<(String, String)> = list
            .iter()
            .filter(|l| l.0 == "MEMBER")
            .map(|l| {
                (
                    l.1.iter()
                        .find(|p| p.0 == "X-DISPLAY-NAME")
                        .map(|p| p.1.clone())
                        .unwrap_or_default(),
                    l.2.clone(),
                )
            })
            .collect();
        members.sort();
        let mut member_values: Vec<String> = members.iter().map(|m| m.1.clone()).collect();
        member_values.sort();
        assert_eq!(
            member_values,
            [
                "mailto:dist1@rjohnson.id.au".to_owned(),
                "mailto:dist2@rjohnson.id.au".to_owned(),
                contact_uid.clone(),
            ],
            "{name}: {members:?}"
        );
        let names: Vec<&str> = members
            .iter()
            .filter(|m| m.1.starts_with("mailto:"))
            .map(|m| m.0.as_str())
            .collect();
        assert_eq!(names, ["dist name 1", "dist name 2"], "{name}");

        // 3.0: Apple's group extension, plus the addresses as EMAIL.
        let folders = convert_store(&dir.join(name), VcardVersion::V3).unwrap();
        let f = folders
            .iter()
            .find(|f| f.items.iter().any(|m| is_distribution_list(m.class())))
            .unwrap();
        let cards = parse_cards(&f.vcf);
        let list = &cards[i];
        assert_eq!(values(list, "X-ADDRESSBOOKSERVER-KIND"), ["group"]);
        assert_eq!(values(list, "X-ADDRESSBOOKSERVER-MEMBER").len(), 3);
        let mut emails = values(list, "EMAIL");
        emails.sort();
        assert_eq!(
            emails,
            [
                "contact1@rjohnson.id.au",
                "dist1@rjohnson.id.au",
                "dist2@rjohnson.id.au"
            ],
            "{name}"
        );
    }
}
