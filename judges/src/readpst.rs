//! The readpst judge: `readpst -D -S -j 0 -o DIR FILE` writes one directory per folder of the
//! IPM subtree that has items, one numbered file per item it can convert (mail, contacts,
//! appointments, journal entries) and `N-NAME` per attachment of item N. It skips what it
//! cannot convert (tasks, sticky notes), counting them in its `"NAME" - D items done, S items
//! skipped.` lines; subfolders also count as items done there.
//!
//! The listing: folders relative to the IPM subtree (readpst names the top directory after
//! the store), one item per numbered file (subject from its `Subject:` header when it is a
//! mail) plus one item without subject per skipped item, attachments by bytes.

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::{Attachment, Folder, Item, JudgeError, Listing, Options, Root};

/// Lists `path` with readpst.
pub(crate) fn list(path: &Path, opts: &Options) -> Result<Listing, JudgeError> {
    if Command::new("readpst").arg("-V").output().is_err() {
        return Err(JudgeError::Missing(
            "readpst (apt-get install pst-utils)".into(),
        ));
    }
    let dir = tempfile::tempdir().map_err(|e| JudgeError::Failed(format!("tempdir: {e}")))?;
    let mut cmd = Command::new("readpst");
    // -j 0: no forked workers, so every file exists when readpst returns.
    cmd.args(["-D", "-S", "-j", "0", "-o"]).arg(dir.path());
    if let Some(cp) = opts.codepage {
        cmd.args(["-C", &format!("windows-{cp}")]);
    }
    cmd.arg(path);
    let out = crate::run_with_timeout(cmd, "readpst")
        .map_err(|e| JudgeError::Failed(e.unwrap_or_else(|| "readpst: cannot start".into())))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(JudgeError::Failed(format!(
            "readpst: {} {}",
            stdout.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    // Skipped items by folder name, in the order readpst finished the folders.
    let mut skipped: HashMap<String, Vec<usize>> = HashMap::new();
    for line in stdout.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix('"') else {
            continue;
        };
        let Some((name, tail)) = rest.rsplit_once("\" - ") else {
            continue;
        };
        let nums: Vec<usize> = tail
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|t| t.parse().ok())
            .collect();
        if let [_done, s] = nums[..] {
            skipped.entry(name.to_owned()).or_default().push(s);
        }
    }
    let mut folders = Vec::new();
    let top = subdirs(dir.path());
    match top.as_slice() {
        [] => {}
        [store] => walk(store, Vec::new(), &mut skipped, &mut folders)?,
        _ => {
            return Err(JudgeError::Failed(format!(
                "readpst wrote {} top folders, expected one",
                top.len()
            )))
        }
    }
    Ok(Listing {
        root: Root::Ipm,
        ipm: None,
        folders,
    })
}

fn subdirs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

fn walk(
    dir: &Path,
    path: Vec<String>,
    skipped: &mut HashMap<String, Vec<usize>>,
    out: &mut Vec<Folder>,
) -> Result<(), JudgeError> {
    let mut items: HashMap<u32, Item> = HashMap::new();
    let entries = fs::read_dir(dir).map_err(|e| JudgeError::Failed(format!("{dir:?}: {e}")))?;
    for e in entries.filter_map(Result::ok) {
        let p = e.path();
        if !p.is_file() {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        let (num, att) = match name.split_once('-') {
            Some((n, a)) => (n, Some(a)),
            None => (name.as_str(), None),
        };
        let Ok(num) = num.parse::<u32>() else {
            continue;
        };
        let bytes = fs::read(&p).map_err(|e| JudgeError::Failed(format!("{p:?}: {e}")))?;
        let item = items.entry(num).or_default();
        match att {
            // readpst's own dump of the RTF body, not an attachment.
            Some("rtf-body.rtf") => {}
            Some(a) => item.attachments.push(Attachment {
                name: Some(a.to_owned()),
                method: Some(1),
                size: Some(bytes.len() as u64),
                sha256: Some(hex::encode(Sha256::digest(&bytes))),
            }),
            None => item.subject = mail_subject(&bytes),
        }
    }
    let mut items: Vec<(u32, Item)> = items.into_iter().collect();
    items.sort_by_key(|(n, _)| *n);
    let mut items: Vec<Item> = items.into_iter().map(|(_, i)| i).collect();
    // readpst names the top directory, and reports its items, after the store.
    let top = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|_| path.is_empty());
    if let Some(name) = path.last().or(top.as_ref()) {
        let n = skipped
            .get_mut(name)
            .and_then(|v| (!v.is_empty()).then(|| v.remove(0)))
            .unwrap_or(0);
        items.extend((0..n).map(|_| Item::default()));
    }
    out.push(Folder {
        path: path.clone(),
        items,
        associated: Vec::new(),
    });
    for sub in subdirs(dir) {
        let mut p = path.clone();
        p.push(
            sub.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        walk(&sub, p, skipped, out)?;
    }
    Ok(())
}

/// The decoded `Subject:` header of a mail readpst wrote, if the file is a mail.
fn mail_subject(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let head = text.split("\n\n").next().unwrap_or("");
    if !head.lines().any(|l| l.starts_with("MIME-Version:")) {
        return None;
    }
    let mut value: Option<String> = None;
    for line in head.lines() {
        if let Some(v) = line.strip_prefix("Subject:") {
            // "Subject: " and the subject as it is (it may end in a space).
            let v = v.trim_end_matches('\r');
            value = Some(v.strip_prefix(' ').unwrap_or(v).to_owned());
        } else if let Some(v) = value.as_mut() {
            if line.starts_with([' ', '\t']) {
                v.push_str(line);
            } else {
                break;
            }
        }
    }
    value.map(|v| decode_words(&v))
}

/// Decodes RFC 2047 encoded words (base64 `B` and quoted-printable `Q`) in their charsets:
/// readpst writes UTF-8, or the message's own code page (e.g. GB2312).
fn decode_words(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, word) = rest.split_at(start);
        let Some(end) = word[2..].find("?=").map(|e| e + 4) else {
            break;
        };
        let parts: Vec<&str> = word[2..end - 2].splitn(3, '?').collect();
        let decoded = match parts[..] {
            [charset, enc, data] if enc.eq_ignore_ascii_case("b") => {
                base64_decode(data).map(|d| (charset, d))
            }
            [charset, enc, data] if enc.eq_ignore_ascii_case("q") => {
                Some((charset, q_decode(data)))
            }
            _ => None,
        };
        match decoded {
            Some((charset, d)) => {
                if !(last_was_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                let enc = encoding_rs::Encoding::for_label(charset.as_bytes())
                    .unwrap_or(encoding_rs::UTF_8);
                out.push_str(&enc.decode_without_bom_handling(&d).0);
                last_was_word = true;
            }
            None => {
                out.push_str(before);
                out.push_str(&word[..end]);
                last_was_word = false;
            }
        }
        rest = &word[end..];
    }
    out.push_str(rest);
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn q_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'_' => out.push(b' '),
            b'=' if i + 2 < b.len() => {
                match std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'='),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_decode() {
        assert_eq!(
            decode_words("=?utf-8?B?TWljcm9zb2Z0IE91dGxvb2sg44OG44K544OI?="),
            "Microsoft Outlook テスト"
        );
        assert_eq!(decode_words("=?utf-8?Q?a=C3=BC_b?= c"), "aü b c");
        assert_eq!(decode_words("=?utf-8?B?YQ==?= =?utf-8?B?Yg==?="), "ab");
        assert_eq!(decode_words("plain"), "plain");
    }
}
