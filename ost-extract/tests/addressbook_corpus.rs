//! The store-wide address book on real Exchange caches of the shared corpus: on
//! `aspose-email__SampleOstFile.ost` (an Exchange 2010 cache) every Exchange address comes out
//! as its SMTP address; on `epfromer__enron.pst` the DNs the store cannot pair are counted,
//! and with a guess domain each becomes its alias at that domain, reported as a guess.
//!
//! The corpus lives beside the repository (`OST_EXTRACT_CORPUS` overrides the path). This test
//! fails, never skips, when it is missing.

use std::path::PathBuf;

use ost_extract::addressbook::AddressBook;
use ost_extract::calendar::{calendar_to_ics, is_appointment};
use ost_extract::mail::{is_mail_like, message_to_eml_with};
use pstkit::Store;

fn corpus_file(name: &str) -> PathBuf {
    let dir = match std::env::var_os("OST_EXTRACT_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"),
    };
    let f = dir.join("corpus").join(name);
    assert!(f.exists(), "{} missing", f.display());
    f
}

/// Every mail item and appointment of the store, given the book's addresses as the
/// conversion does, rendered and concatenated.
fn render_all(store: &Store, book: &AddressBook) -> String {
    let mut out = String::new();
    let mut appointments = Vec::new();
    for f in store.folders().folders {
        for nid in store.contents(f.nid).unwrap_or_default() {
            let Ok(mut msg) = store.message(nid) else {
                continue;
            };
            book.enrich(&mut msg);
            if is_appointment(msg.class()) {
                appointments.push(msg);
            } else if is_mail_like(msg.class()) {
                out.push_str(&String::from_utf8_lossy(&message_to_eml_with(
                    &msg,
                    book,
                    &mut Vec::new(),
                )));
            }
        }
    }
    out.push_str(&calendar_to_ics(&appointments, &mut Vec::new()));
    out
}

#[test]
fn exchange_2010_cache_resolves_every_exchange_address() {
    let store = Store::open(corpus_file("aspose-email__SampleOstFile.ost")).unwrap();
    // Without the book: the placeholders the issue reports.
    let before = render_all(&store, &AddressBook::new());
    assert!(before.contains("saqib.razzaq@exchange.invalid"));
    let book = AddressBook::from_store(&store);
    assert_eq!(
        book.lookup("/o=Home Organization/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=Saqib Razzaq2ee05199"),
        Some("saqib.razzaq@ex2010.local")
    );
    let after = render_all(&store, &book);
    assert!(!after.contains("@exchange.invalid"), "placeholders remain");
    assert!(after.contains("Saqib Razzaq <saqib.razzaq@ex2010.local>"));
    // Names without an address, resolved by the one address they go with in this store.
    assert!(!after.contains("@unknown.invalid"), "placeholders remain");
    assert!(after.contains("Reply-To: Rolf Petersson <rolf.petersson@telia.com>"));
    // The calendar's organizer (an EX sender) too.
    assert!(before.contains("ORGANIZER;CN=Administrator:invalid:nomail"));
    assert!(!after.contains("invalid:nomail"));
    assert!(after.contains("ORGANIZER;CN=Administrator:mailto:Administrator@ex2010.local"));
    let report = book.report();
    println!("aspose SampleOstFile: {report:?}");
    assert_eq!(report.unresolved, 0, "{report:?}");
    assert!(report.resolved > 0);
}

#[test]
fn enron_counts_unresolved_dns_and_guesses_them_with_a_domain() {
    let store = Store::open(corpus_file("epfromer__enron.pst")).unwrap();
    let book = AddressBook::from_store(&store);
    let plain = render_all(&store, &book);
    let report = book.report();
    println!(
        "enron: {} DNs seen, {:?} paired, {} unresolved addresses written, distinct: {:?}",
        report.dns_seen, report.paired, report.unresolved, report.unresolved_dns
    );
    let unresolved_dns: Vec<&String> = report
        .unresolved_dns
        .keys()
        .filter(|k| k.starts_with('/'))
        .collect();
    assert!(!unresolved_dns.is_empty());
    assert!(plain.contains("@exchange.invalid"));

    let guessing = AddressBook::from_store(&store).with_guess_domain(Some("enron.com"));
    let guessed = render_all(&store, &guessing);
    let g = guessing.report();
    println!(
        "enron --domain enron.com: {} guesses: {:?}",
        g.guessed, g.guesses
    );
    // Every DN left over is guessed, and only DNs: names without any address stay
    // placeholders.
    assert!(!guessed.contains("@exchange.invalid"));
    assert!(
        g.unresolved_dns.keys().all(|k| !k.starts_with('/')),
        "{g:?}"
    );
    assert_eq!(
        g.guesses
            .get("/O=ENRON/OU=NA/CN=RECIPIENTS/CN=LBLAIR")
            .map(String::as_str),
        Some("lblair@enron.com")
    );
    // Paired by display name: the archive's X-ZL-To keeps `Watson, Kimberly </O=…>`, and
    // the store knows one address for that name.
    assert_eq!(
        book.lookup("/O=ENRON/OU=NA/CN=RECIPIENTS/CN=Kwatson"),
        Some("Kimberly.Watson@ENRON.com")
    );
    assert_eq!(
        book.lookup("/O=ENRON/OU=NA/CN=RECIPIENTS/CN=MLOKAY")
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("michelle.lokay@enron.com")
    );
    for dn in unresolved_dns {
        assert!(g.guesses.contains_key(dn), "{dn} not guessed");
    }
}
