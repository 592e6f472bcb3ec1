//! Exchange-style stores from the fixtures generator (`pst-fixtures build --exchange`) in every
//! layout (ANSI PST, Unicode PST and OST, the Outlook 2013+ 4 KiB-page OST): EX senders and
//! recipients with and without their SMTP properties, an autocomplete stream, a contact with
//! an EX e-mail slot, a distribution list with EX, GAL and IMCEAEX members, a meeting
//! organised by an EX address, the mailbox owner's entry id, IMCEAEX addresses, Outlook-style
//! Message-IDs with `$@`. Converted through the command's pipeline, every address the store
//! can resolve comes out as its SMTP address in EML, mbox, ICS and vCard (list members
//! included); the two it cannot are placeholders counted in report.json, or marked guesses
//! with a guess domain; no IMCEA form is written as an address; stored ids are written byte
//! for byte; report.json has the coverage.

use std::path::Path;

use ost_extract::addressbook::Source;
use ost_extract::convert::{convert_file, InputReport, MailFormat, NoProgress, Options};
use pst_fixtures::exchange::{Exchange, Role};
use pst_fixtures::{build_file, BuildOptions};
use pstkit::{Client, CryptMethod, Layout};

mod common;
use common::walk;

fn read_tree(dir: &Path, ext: &str) -> String {
    let mut out = String::new();
    for e in walk(dir) {
        if e.extension().is_some_and(|x| x == ext) {
            out.push_str(&std::fs::read_to_string(&e).unwrap());
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

/// The address fields of the mail written (header lines, folds joined), without the
/// `X-Original-*` copies of what was stored.
fn address_lines(mail: &str) -> Vec<String> {
    let unfolded = mail
        .replace("\r\n", "\n")
        .replace("\n ", " ")
        .replace("\n\t", " ");
    unfolded
        .lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            ["from:", "to:", "cc:", "bcc:", "sender:", "reply-to:"]
                .iter()
                .any(|f| l.starts_with(f))
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn exchange_stores_come_out_with_smtp_addresses_in_every_layout() {
    for (layout, client, seed) in [
        (Layout::Ansi, Client::Pst, 1),
        (Layout::Unicode, Client::Pst, 2),
        (Layout::Unicode, Client::Ost, 3),
        (Layout::Unicode4k, Client::Ost, 4),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("exchange.ost");
        let mut build = BuildOptions::new(layout, client, CryptMethod::Permute);
        build.seed = seed;
        build.big_attachment = 64 << 10;
        build.exchange = true;
        let manifest = build_file(&file, &build).unwrap();
        let x = Exchange::new(seed);
        let who = |r: Role| x.person(r);
        let out = tmp.path().join("out");
        let r = convert(&file, &out, None);
        let what = format!("{layout:?} {client:?}");
        let eml = read_tree(&out, "eml");
        let mbox = read_tree(&out, "mbox");
        // Content lines unfolded (RFC 5545 3.1, RFC 6350 3.2).
        let ics = read_tree(&out, "ics").replace("\r\n ", "");
        let vcf = read_tree(&out, "vcf").replace("\r\n ", "");
        let mailbox = |r: Role| format!("{} <{}>", who(r).name, who(r).smtp);
        let placeholder = |r: Role| {
            format!(
                "{} <{}@exchange.invalid>",
                who(r).name,
                who(r).name.to_ascii_lowercase().replace(' ', ".")
            )
        };
        for text in [&eml, &mbox] {
            let fields = address_lines(text).join("\n");
            assert!(
                fields.contains(&format!("From: {}", mailbox(Role::BothForms))),
                "{what}: {fields}"
            );
            // The owner's DN-only mail, by the owner's entry id and the Sent Items mail.
            assert!(
                fields.contains(&format!("From: {}", mailbox(Role::Owner))),
                "{what}: {fields}"
            );
            for role in [
                Role::RecipientSmtp,
                Role::Autocomplete,
                Role::Contact,
                Role::Owner,
            ] {
                assert!(fields.contains(&mailbox(role)), "{what} {role:?}: {fields}");
            }
            // What the store cannot resolve: honest placeholders, no IMCEA form.
            for role in [Role::Unresolvable, Role::ImceaOnly] {
                assert!(
                    fields.contains(&placeholder(role)),
                    "{what} {role:?}: {fields}"
                );
            }
            assert!(
                !fields.to_ascii_uppercase().contains("IMCEA"),
                "{what}: {fields}"
            );
            // Outlook's ids, byte for byte.
            assert!(
                text.contains(&format!("Message-ID: {}", x.owner_message_id())),
                "{what}"
            );
            assert!(
                text.contains(&format!("In-Reply-To: {}", x.first_message_id())),
                "{what}"
            );
        }
        assert!(
            mbox.contains(&format!("From {} ", who(Role::Owner).smtp)),
            "{what}"
        );
        assert!(
            ics.contains(&format!(
                "ORGANIZER;CN={}:mailto:{}",
                who(Role::Autocomplete).name,
                who(Role::Autocomplete).smtp
            )),
            "{what}: {ics}"
        );
        assert!(
            ics.contains(&format!(":mailto:{}", who(Role::BothForms).smtp)),
            "{what}: {ics}"
        );
        // The contact's EX slot and the list's members, as SMTP addresses.
        for role in [Role::Contact, Role::Autocomplete, Role::RecipientSmtp] {
            assert!(
                vcf.contains(&format!("mailto:{}", who(role).smtp)),
                "{what} {role:?}: {vcf}"
            );
        }
        assert!(vcf.contains("mailto:friend@outside.example"), "{what}");
        // The list member no one can resolve stays what it is, an Exchange DN, as text.
        assert!(
            vcf.contains(&format!(
                "X-OUTLOOK-DL-MEMBER:{} <EX:{}>",
                who(Role::Unresolvable).name,
                who(Role::Unresolvable).dn
            )),
            "{what}: {vcf}"
        );
        assert!(!vcf.to_ascii_uppercase().contains("IMCEA"), "{what}: {vcf}");
        assert!(!ics.to_ascii_uppercase().contains("IMCEA"), "{what}: {ics}");

        let a = r.addresses.as_ref().unwrap();
        let unresolved: Vec<&String> = a.unresolved_dns.keys().collect();
        assert_eq!(
            unresolved,
            {
                let mut v = vec![&who(Role::Unresolvable).dn, &who(Role::ImceaOnly).dn];
                v.sort();
                v
            },
            "{what}: {a:?}"
        );
        // The unresolvable one: an EX recipient and a list member; the IMCEAEX one: a
        // recipient.
        assert_eq!(
            a.unresolved_dns.get(&who(Role::Unresolvable).dn),
            Some(&2),
            "{what}: {a:?}"
        );
        assert!(a.guesses.is_empty());
        for source in [
            Source::Sender,
            Source::Recipient,
            Source::Autocomplete,
            Source::Contact,
            Source::Owner,
        ] {
            assert_eq!(a.paired.get(&source), Some(&1), "{what} {source:?}: {a:?}");
        }
        assert_eq!(a.dns_seen, 7, "{what}: {a:?}");

        let c = r.coverage.as_ref().unwrap();
        assert_eq!(c.items as usize, manifest.totals.messages, "{what}: {c:?}");
        // report.json says the same.
        let json: InputReport =
            serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
        assert_eq!(json.addresses.as_ref(), Some(a));
        assert_eq!(json.coverage.as_ref(), Some(c));

        // With a guess domain, the last two become marked guesses.
        let guessed = tmp.path().join("guessed");
        let r = convert(&file, &guessed, Some(&x.domain));
        let a = r.addresses.unwrap();
        assert!(a.unresolved_dns.is_empty(), "{what}: {a:?}");
        for role in [Role::Unresolvable, Role::ImceaOnly] {
            let guess = format!("{}@{}", who(role).alias.to_ascii_lowercase(), x.domain);
            assert_eq!(a.guesses.get(&who(role).dn), Some(&guess), "{what}: {a:?}");
            assert!(
                read_tree(&guessed, "eml").contains(&format!("{} <{guess}>", who(role).name)),
                "{what}"
            );
        }
    }
}
