//! Message identity over the shared corpus: every mail item's written Message-ID,
//! In-Reply-To and References are the stored ones byte for byte wherever the stored token is
//! usable (one `<…>` of printable ASCII with no whitespace or angle bracket inside), both
//! against the property (PidTagInternetMessageId, PidTagInReplyToId,
//! PidTagInternetReferences) and against the stored transport header's field.
//!
//! The corpus lives beside the repository (`OST_EXTRACT_CORPUS` overrides the path). This test
//! fails, never skips, when it is missing.

use std::path::PathBuf;

use ost_extract::mail::{is_mail_like, message_to_eml};
use pstkit::messaging::{pid, Message};
use pstkit::Store;

fn corpus_dir() -> PathBuf {
    match std::env::var_os("OST_EXTRACT_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"),
    }
}

/// The header fields of a message (up to the first empty line), unfolded, in order.
fn header_fields(eml: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(eml);
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push_str(line);
            }
        } else if let Some((n, v)) = line.split_once(':') {
            out.push((n.to_owned(), v.strip_prefix(' ').unwrap_or(v).to_owned()));
        }
    }
    out
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The test's own reading of "usable": written as stored by any importer.
fn usable(token: &str) -> bool {
    token.len() > 2
        && token.starts_with('<')
        && token.ends_with('>')
        && token[1..token.len() - 1]
            .bytes()
            .all(|b| (0x21..0x7F).contains(&b) && b != b'<' && b != b'>')
}

/// The ids of a list: separated by whitespace or commas.
fn tokens_of(s: &str) -> Vec<&str> {
    s.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .collect()
}

/// The stored transport header block's field, unfolded (CRLF before whitespace removed).
fn transport_field(msg: &Message, name: &str) -> Option<String> {
    let block = msg.props.str(pid::TRANSPORT_MESSAGE_HEADERS)?;
    let unfolded = block.replace("\r\n ", " ").replace("\r\n\t", "\t");
    let head = unfolded.split("\r\n\r\n").next().unwrap_or("");
    head.split("\r\n").find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name)
            .then(|| v.strip_prefix(' ').unwrap_or(v).trim_end().to_owned())
    })
}

#[derive(Default, Debug)]
struct Tally {
    stored: usize,
    usable: usize,
    verbatim: usize,
    replaced: usize,
    header_compared: usize,
}

#[test]
fn stored_message_ids_are_written_byte_for_byte() {
    let dir = corpus_dir().join("corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus not found at {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    assert!(files.len() > 100, "corpus incomplete: {}", files.len());
    let mut ids = Tally::default();
    let mut refs = Tally::default();
    let mut failures = Vec::new();
    for file in &files {
        let Ok(store) = Store::open(file) else {
            continue;
        };
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for f in store.folders().folders {
            for nid in store.contents(f.nid).unwrap_or_default() {
                let Ok(msg) = store.message(nid) else {
                    continue;
                };
                if !is_mail_like(msg.class()) {
                    continue;
                }
                let eml = message_to_eml(&msg, &mut Vec::new());
                let fields = header_fields(&eml);
                let checks = [
                    (pid::INTERNET_MESSAGE_ID, "Message-ID"),
                    (pid::IN_REPLY_TO_ID, "In-Reply-To"),
                    (pid::INTERNET_REFERENCES, "References"),
                ];
                for (prop, header) in checks {
                    let Some(stored) = msg.props.str(prop) else {
                        continue;
                    };
                    let stored = stored.trim();
                    if stored.is_empty() {
                        continue;
                    }
                    let tally = if prop == pid::INTERNET_MESSAGE_ID {
                        &mut ids
                    } else {
                        &mut refs
                    };
                    tally.stored += 1;
                    let written = field(&fields, header).unwrap_or("");
                    let tokens = tokens_of(stored);
                    if tokens.iter().all(|t| usable(t)) {
                        tally.usable += 1;
                        // Property and header hold the same text; folding may differ.
                        if tokens_of(written) == tokens {
                            tally.verbatim += 1;
                        } else {
                            failures.push(format!(
                                "{name} {nid:?} {header}: stored {stored:?}, written {written:?}"
                            ));
                        }
                        if let Some(h) = transport_field(&msg, header) {
                            if tokens_of(&h).iter().all(|t| usable(t)) {
                                tally.header_compared += 1;
                                if tokens_of(written) != tokens_of(&h) {
                                    failures.push(format!(
                                        "{name} {nid:?} {header}: transport header {h:?}, written {written:?}"
                                    ));
                                }
                            }
                        }
                    } else {
                        tally.replaced += 1;
                        // Replaced: a usable token, and the original kept beside it.
                        if !tokens_of(written).iter().all(|t| usable(t))
                            || field(&fields, &format!("X-Original-{header}")).is_none()
                                && transport_field(&msg, header).is_some()
                        {
                            failures.push(format!(
                                "{name} {nid:?} {header}: unusable {stored:?} written as {written:?}"
                            ));
                        }
                    }
                }
            }
        }
    }
    println!("Message-ID: {ids:?}");
    println!("In-Reply-To / References: {refs:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The corpus holds at least the ids counted when this test was written.
    assert!(ids.stored >= 281 && ids.verbatim == ids.usable, "{ids:?}");
}
