//! File and folder names that survive every file system: no reserved characters or names
//! (Windows and POSIX), no trailing dots or spaces, bounded length in bytes, never empty.

use std::collections::HashSet;

use pstkit::messaging::Message;
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use super::envelope::message_date;

/// Longest EML file name, in bytes (well under the 255 of common file systems, leaving room
/// for the folder path on Windows).
const MAX_FILE_NAME: usize = 120;
/// Longest folder name, in bytes.
const MAX_COMPONENT: usize = 100;

/// Whether Windows reserves `name` for a device, with or without an extension: `CON`, `PRN`,
/// `AUX`, `NUL`, `COM0`-`COM9` and `LPT0`-`LPT9` (also with the superscript digits ¹ ² ³,
/// which Windows counts as digits here), `CONIN$` and `CONOUT$`, in any case. What counts is
/// the part before the first dot, trailing spaces ignored.
fn is_reserved(name: &str) -> bool {
    let base = name.split('.').next().unwrap_or("").trim_end();
    let upper = base.to_uppercase();
    if matches!(
        upper.as_str(),
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$"
    ) {
        return true;
    }
    let port = upper
        .strip_prefix("COM")
        .or_else(|| upper.strip_prefix("LPT"));
    let mut rest = port.map(str::chars);
    match rest.as_mut().map(|r| (r.next(), r.next())) {
        Some((Some(d), None)) => d.is_ascii_digit() || matches!(d, '¹' | '²' | '³'),
        _ => false,
    }
}

/// Normalises to NFC (so that a name typed on macOS and one typed on Windows compare
/// equal), drops format characters (Unicode category Cf: bidirectional overrides such as
/// U+202E, which can make `exe.txt` display as `txt.exe`, zero-width joiners, BOMs),
/// replaces what no file system accepts, collapses whitespace, and trims.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.nfc() {
        if c.general_category() == GeneralCategory::Format {
            continue;
        }
        let c = if c.is_control()
            || matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*')
        {
            if c.is_whitespace() {
                ' '
            } else {
                '_'
            }
        } else {
            c
        };
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// The key two names are compared by: NFC, then lower case (as Windows and macOS compare).
fn fold(name: &str) -> String {
    name.nfc()
        .collect::<String>()
        .to_lowercase()
        .nfc()
        .collect()
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn truncate_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

/// Removes trailing dots and spaces, which Windows silently drops.
fn trim_tail(s: &str) -> &str {
    s.trim_end_matches(['.', ' '])
}

/// A file name for the message's EML: `YYYY-MM-DD HHMMSS subject.eml`, sortable by date
/// (undated messages sort first as `0000-00-00 000000`), at most 120 bytes, never empty.
pub fn eml_file_name(msg: &Message) -> String {
    let date = message_date(msg).map_or_else(
        || "0000-00-00 000000".to_owned(),
        |d| d.format("%Y-%m-%d %H%M%S").to_string(),
    );
    let subject = clean(msg.subject());
    let subject = if subject.is_empty() {
        "(no subject)".to_owned()
    } else {
        subject
    };
    let room = MAX_FILE_NAME - date.len() - 1 - ".eml".len();
    let subject = trim_tail(truncate_bytes(&subject, room));
    let subject = subject.trim_start_matches('.');
    if subject.is_empty() {
        format!("{date}.eml")
    } else {
        format!("{date} {subject}.eml")
    }
}

/// Makes `name` unique within `taken` (compared after NFC normalisation and without regard
/// to case, as on Windows and macOS) by adding ` (2)`, ` (3)`... before the extension, and
/// records it.
pub fn dedupe_name(name: &str, taken: &mut HashSet<String>) -> String {
    if taken.insert(fold(name)) {
        return name.to_owned();
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (name.get(..i).unwrap_or(name), name.get(i..).unwrap_or("")),
        _ => (name, ""),
    };
    let mut n: u64 = 2;
    loop {
        let suffix = format!(" ({n})");
        let max_stem = MAX_FILE_NAME
            .max(name.len())
            .saturating_sub(suffix.len() + ext.len());
        let candidate = format!("{}{suffix}{ext}", truncate_bytes(stem, max_stem));
        if taken.insert(fold(&candidate)) {
            return candidate;
        }
        n = n.saturating_add(1);
    }
}

/// Makes a folder's name unique among its siblings within `taken`, for both of the names it
/// gives its parent directory: `name/` (its messages and subfolders) and `name.mbox`. So a
/// folder `X` and a sibling `X.mbox` cannot land on the same path: the second becomes
/// `… (2)`. Compared as [`dedupe_name`] compares; both names are recorded.
pub fn dedupe_folder_name(name: &str, taken: &mut HashSet<String>) -> String {
    let free = |n: &str, taken: &HashSet<String>| {
        !taken.contains(&fold(n)) && !taken.contains(&fold(&format!("{n}.mbox")))
    };
    let mut candidate = name.to_owned();
    let mut n: u64 = 2;
    while !free(&candidate, taken) {
        let suffix = format!(" ({n})");
        let max = MAX_COMPONENT.max(name.len()).saturating_sub(suffix.len());
        candidate = format!("{}{suffix}", trim_tail(truncate_bytes(name, max)));
        n = n.saturating_add(1);
    }
    taken.insert(fold(&candidate));
    taken.insert(fold(&format!("{candidate}.mbox")));
    candidate
}

/// A folder name usable as one path component everywhere: reserved characters replaced,
/// reserved device names and dot names avoided, at most 100 bytes, never empty.
pub fn safe_path_component(name: &str) -> String {
    let cleaned = clean(name);
    let cut = truncate_bytes(&cleaned, MAX_COMPONENT);
    let trimmed = trim_tail(cut).trim_start();
    let mut out = trimmed.to_owned();
    if out.is_empty() || out.chars().all(|c| c == '.') {
        out = "_".repeat(cut.len().clamp(1, 3));
    }
    if is_reserved(&out) {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pstkit::ltp::prop::{FileTime, PropValue};
    use pstkit::messaging::pid;
    use std::borrow::Cow;

    fn msg(subject: &str, secs: i64) -> Message {
        let mut m = Message::default();
        m.props.insert(
            pid::SUBJECT,
            PropValue::String(Cow::Owned(subject.to_owned())),
        );
        let t = chrono::DateTime::from_timestamp(secs, 0).unwrap();
        m.props.insert(
            pid::CLIENT_SUBMIT_TIME,
            PropValue::Time(FileTime::from_utc(t)),
        );
        m
    }

    #[test]
    fn eml_names() {
        assert_eq!(
            eml_file_name(&msg("Re: a/b <c>?", 1_276_605_000)),
            "2010-06-15 123000 Re_ a_b _c__.eml"
        );
        assert_eq!(
            eml_file_name(&msg("", 0)),
            "1970-01-01 000000 (no subject).eml"
        );
        assert_eq!(
            eml_file_name(&Message::default()),
            "0000-00-00 000000 (no subject).eml"
        );
        assert_eq!(
            eml_file_name(&msg("dots...", 0)),
            "1970-01-01 000000 dots.eml"
        );
        let long = eml_file_name(&msg(&"żółw ".repeat(60), 0));
        assert!(long.len() <= 120, "{}", long.len());
        assert!(long.ends_with(".eml") && !long.ends_with(" .eml"));
    }

    #[test]
    fn dedupe() {
        let mut taken = HashSet::new();
        assert_eq!(dedupe_name("a.eml", &mut taken), "a.eml");
        assert_eq!(dedupe_name("A.eml", &mut taken), "A (2).eml");
        assert_eq!(dedupe_name("a.eml", &mut taken), "a (3).eml");
        assert_eq!(dedupe_name("noext", &mut taken), "noext");
        assert_eq!(dedupe_name("noext", &mut taken), "noext (2)");
        let long = format!("{}.eml", "x".repeat(116));
        assert_eq!(dedupe_name(&long, &mut taken), long);
        let second = dedupe_name(&long, &mut taken);
        assert_eq!(second.len(), 120);
        assert!(second.ends_with(" (2).eml"));
    }

    #[test]
    fn every_windows_device_name_is_avoided() {
        for name in [
            "CON",
            "prn",
            "Aux",
            "nul",
            "COM0",
            "com9",
            "LPT0",
            "lpt5",
            "COM¹",
            "LPT²",
            "com³",
            "CONIN$",
            "conout$",
            "CON.txt",
            "lpt1.tar.gz",
            "NUL .mbox",
            "COM1 ",
        ] {
            let safe = safe_path_component(name);
            assert!(safe.starts_with('_'), "{name} -> {safe}");
            assert!(!is_reserved(&safe), "{name} -> {safe}");
        }
        for name in [
            "CONSOLE", "COM10", "LPT", "COMa", "NULL", "AUX1", "CONIN", "COM⁴", "x.CON",
        ] {
            assert_eq!(safe_path_component(name), name, "{name} is not reserved");
        }
    }

    #[test]
    fn format_characters_are_removed_and_names_are_nfc() {
        // U+202E RIGHT-TO-LEFT OVERRIDE would show "invoice\u{202E}fdp.exe" as "invoiceexe.pdf".
        assert_eq!(
            safe_path_component("invoice\u{202E}fdp.exe"),
            "invoicefdp.exe"
        );
        assert_eq!(
            safe_path_component("a\u{200B}b\u{200D}c\u{FEFF}d\u{2066}e\u{2069}"),
            "abcde"
        );
        let nfd = "Re\u{0301}sume\u{0301}";
        let nfc = "Résumé";
        assert_ne!(nfd, nfc);
        assert_eq!(safe_path_component(nfd), nfc);
        assert!(eml_file_name(&msg("\u{202E}gpj.exe", 0)).ends_with(" gpj.exe.eml"));
        assert!(!eml_file_name(&msg(nfd, 0)).contains('\u{0301}'));
        // The two spellings are one name for de-duplication, whatever the case.
        let mut taken = HashSet::new();
        assert_eq!(dedupe_name(nfc, &mut taken), nfc);
        assert_eq!(dedupe_name(nfd, &mut taken), format!("{nfd} (2)"));
        assert_eq!(dedupe_name("RÉSUMÉ", &mut taken), "RÉSUMÉ (3)");
    }

    #[test]
    fn a_folder_and_its_mbox_file_are_planned_together() {
        // X first: its mbox file X.mbox is taken, so the sibling folder X.mbox moves aside.
        let mut taken = HashSet::new();
        assert_eq!(dedupe_folder_name("X", &mut taken), "X");
        assert_eq!(dedupe_folder_name("X.mbox", &mut taken), "X.mbox (2)");
        assert_eq!(dedupe_folder_name("x", &mut taken), "x (2)");
        // X.mbox first: then X itself would put its mbox file on X.mbox/.
        let mut taken = HashSet::new();
        assert_eq!(dedupe_folder_name("X.mbox", &mut taken), "X.mbox");
        assert_eq!(dedupe_folder_name("X", &mut taken), "X (2)");
        // Normalisation and case count as for files.
        let mut taken = HashSet::new();
        assert_eq!(dedupe_folder_name("Caf\u{e9}", &mut taken), "Caf\u{e9}");
        assert_eq!(
            dedupe_folder_name("CAFE\u{301}.MBOX", &mut taken),
            "CAFE\u{301}.MBOX (2)"
        );
    }

    #[test]
    fn path_components() {
        assert_eq!(safe_path_component("Inbox"), "Inbox");
        assert_eq!(safe_path_component("a/b:c"), "a_b_c");
        assert_eq!(safe_path_component("CON"), "_CON");
        assert_eq!(safe_path_component("nul.txt"), "_nul.txt");
        assert_eq!(safe_path_component(".."), "__");
        assert_eq!(safe_path_component(""), "_");
        assert_eq!(
            safe_path_component("Skrzynka odbiorcza "),
            "Skrzynka odbiorcza"
        );
        assert_eq!(safe_path_component("Elementy wysłane"), "Elementy wysłane");
        assert!(safe_path_component(&"ą".repeat(80)).len() <= 100);
    }
}
