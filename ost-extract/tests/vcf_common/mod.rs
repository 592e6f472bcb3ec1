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
    let Some(d) = corpus_dir() else { return Vec::new() };
    let mut v: Vec<PathBuf> = std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()).collect();
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
        let Ok(ids) = store.contents(f.nid) else { continue };
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
        out.push(FolderCards { folder: f, items, vcf, warnings });
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
    card.iter().filter(|l| l.0.eq_ignore_ascii_case(name)).map(|l| unescape(&l.2)).collect()
}

/// Text as a card carries it: line breaks normalised to `\n`, control characters dropped.
pub fn as_carried(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n").chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect()
}
