//! Runs Python's e-mail parser (tests/check_mail.py, policy default) over EML files and an
//! mbox made from hand-built messages, and checks it finds no defect, every by-value
//! attachment byte-exact, and as many mbox messages as EML files.
//!
//! Skips when python3 is missing, unless REQUIRE_PYTHON_CHECKERS=1, where it fails.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use ost_extract::mail::{
    dedupe_name, eml_file_name, message_to_eml, safe_path_component, write_mbox_entry,
};
use pstkit::ltp::prop::{FileTime, PropValue};
use pstkit::messaging::{pid, Attachment, Message, PropertyBag};
use sha2::{Digest, Sha256};

fn s(v: &str) -> PropValue<'static> {
    PropValue::String(Cow::Owned(v.to_owned()))
}
fn b(v: &[u8]) -> PropValue<'static> {
    PropValue::Binary(Cow::Owned(v.to_vec()))
}
fn t(secs: i64) -> PropValue<'static> {
    PropValue::Time(FileTime::from_utc(
        chrono::DateTime::from_timestamp(secs, 0).unwrap(),
    ))
}
fn recipient(kind: i32, name: &str, addr: &str, addrtype: &str) -> PropertyBag {
    let mut r = PropertyBag::new();
    r.insert(pid::RECIPIENT_TYPE, PropValue::Integer32(kind));
    r.insert(pid::DISPLAY_NAME, s(name));
    r.insert(pid::ADDRTYPE, s(addrtype));
    r.insert(pid::EMAIL_ADDRESS, s(addr));
    r
}
fn by_value(name: &str, mime: Option<&str>, data: &[u8]) -> Attachment {
    let mut a = Attachment::default();
    a.props.insert(pid::ATTACH_METHOD, PropValue::Integer32(1));
    a.props.insert(pid::ATTACH_LONG_FILENAME, s(name));
    if let Some(mt) = mime {
        a.props.insert(pid::ATTACH_MIME_TAG, s(mt));
    }
    a.props.insert(pid::ATTACH_DATA_BINARY, b(data));
    a
}
fn embedded(inner: Message) -> Attachment {
    let mut a = Attachment::default();
    a.props.insert(pid::ATTACH_METHOD, PropValue::Integer32(5));
    a.props.insert(pid::DISPLAY_NAME, s(inner.subject()));
    a.embedded = Some(Box::new(inner));
    a
}
fn note(subject: &str, secs: i64) -> Message {
    let mut m = Message::default();
    m.props.insert(pid::MESSAGE_CLASS, s("IPM.Note"));
    m.props.insert(pid::SUBJECT, s(subject));
    m.props.insert(pid::CLIENT_SUBMIT_TIME, t(secs));
    m
}

/// The sample: one message of each kind the converter must handle.
fn sample() -> Vec<Message> {
    let mut out = Vec::new();

    // Received, with transport headers.
    let mut m = note("Réunion", 1_200_000_000);
    m.props.insert(
        pid::TRANSPORT_MESSAGE_HEADERS,
        s("Received: from mx.example.fr (mx.example.fr [192.0.2.7])\r\n\tby mail.example.org; Thu, 10 Jan 2008 21:20:00 +0000\r\nFrom: =?utf-8?q?Ren=C3=A9?= <rene@example.fr>\r\nTo: anna@example.org\r\nSubject: =?utf-8?q?R=C3=A9union?=\r\nDate: Thu, 10 Jan 2008 21:20:00 +0000\r\nMessage-ID: <r1@example.fr>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"),
    );
    m.props.insert(
        pid::BODY,
        s("Bonjour à tous,\nFrom now on we meet on Mondays.\n"),
    );
    out.push(m);

    // Sent, no transport headers, recipients of every kind with non-ASCII names, EX sender.
    let mut m = note("Zażółć gęślą jaźń — 日本語の件名", 1_276_605_000);
    m.props.insert(pid::SENDER_NAME, s("Łukasz Żółkiewski"));
    m.props.insert(pid::SENDER_ADDRTYPE, s("EX"));
    m.props.insert(
        pid::SENDER_EMAIL_ADDRESS,
        s("/O=ORG/OU=SITE/CN=RECIPIENTS/CN=LZ"),
    );
    m.props.insert(pid::IMPORTANCE, PropValue::Integer32(2));
    m.props
        .insert(pid::MESSAGE_FLAGS, PropValue::Integer32(0x9));
    m.props.insert(pid::BODY, s("Grüße aus München.\r\n"));
    m.recipients
        .push(recipient(1, "Jürgen Groß", "juergen@example.de", "SMTP"));
    m.recipients
        .push(recipient(2, "Doe, \"JD\" John", "john@example.com", "SMTP"));
    m.recipients
        .push(recipient(3, "山田太郎", "/O=ORG/CN=YAMADA", "EX"));
    out.push(m);

    // HTML only, Windows-1250, with an inline image and attachments of all methods,
    // and an embedded message two levels deep.
    let mut m = note("HTML", 1_300_000_000);
    m.props
        .insert(pid::INTERNET_CODEPAGE, PropValue::Integer32(1250));
    let mut html = b"<html><head><meta http-equiv=Content-Type content=\"text/html; charset=windows-1250\"></head><body>".to_vec();
    html.extend_from_slice(&[0x5A, 0x61, 0xBF, 0xF3, 0xB3, 0xE6]);
    html.extend_from_slice(b"<img src=\"cid:logo@x\"></body></html>");
    m.props.insert(pid::BODY_HTML, b(&html));
    let mut img = by_value(
        "logo.png",
        Some("image/png"),
        &[0x89, b'P', b'N', b'G', 0, 1, 2, 3, 0xFF],
    );
    img.props.insert(pid::ATTACH_CONTENT_ID, s("<logo@x>"));
    m.attachments.push(img);
    m.attachments.push(by_value(
        "Sprawozdanie końcowe — wersja ostateczna, poprawiona (2).pdf",
        Some("application/pdf"),
        b"%PDF-1.4 fake",
    ));
    m.attachments.push(by_value(
        "notes.txt",
        Some("text/plain"),
        b"line one\nFrom line two\r\nline three without end",
    ));
    m.attachments.push(by_value(
        "résumé.eml",
        Some("message/rfc822"),
        b"Subject: raw\n\nbytes kept exactly\n",
    ));
    let mut link = Attachment::default();
    link.props
        .insert(pid::ATTACH_METHOD, PropValue::Integer32(4));
    link.props.insert(pid::ATTACH_LONG_FILENAME, s("plan.xlsx"));
    link.props
        .insert(pid::ATTACH_LONG_PATHNAME, s("C:\\Docs\\plan.xlsx"));
    m.attachments.push(link);
    let mut ole = by_value("", None, &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    ole.props
        .insert(pid::ATTACH_METHOD, PropValue::Integer32(6));
    m.attachments.push(ole);
    let mut level2 = note("level two", 1_000_000_000);
    level2.props.insert(pid::BODY, s("From deep inside\n"));
    level2
        .attachments
        .push(by_value("deep.bin", None, &[9, 8, 7, 6, 5]));
    let mut level1 = note("level one ünïcödé", 1_100_000_000);
    level1.props.insert(pid::BODY, s("one"));
    level1.attachments.push(embedded(level2));
    m.attachments.push(embedded(level1));
    out.push(m);

    // Meeting request, report, sticky note, post: each readable.
    let mut m = note("Meeting", 1_310_000_000);
    m.props
        .insert(pid::MESSAGE_CLASS, s("IPM.Schedule.Meeting.Request"));
    m.props.insert(pid::BODY, s("When: tomorrow"));
    out.push(m);
    let mut m = note("Undeliverable: x", 1_320_000_000);
    m.props.insert(pid::MESSAGE_CLASS, s("REPORT.IPM.Note.NDR"));
    m.recipients
        .push(recipient(1, "Bob", "bob@example.com", "SMTP"));
    out.push(m);
    let mut m = Message::default();
    m.props.insert(pid::MESSAGE_CLASS, s("IPM.StickyNote"));
    m.props.insert(pid::SUBJECT, s("Remember the milk"));
    m.props
        .insert(pid::BODY, s("Remember the milk\nand the eggs"));
    out.push(m);
    let mut m = note("Same subject", 1_330_000_000);
    m.props.insert(pid::MESSAGE_CLASS, s("IPM.Post"));
    out.push(m);
    out.push(note("Same subject", 1_330_000_000));
    // Outlook's own ids (two '@'), kept byte for byte; Python notes them (harmless).
    let mut m = note("Outlook ids", 1_340_000_000);
    m.props.insert(
        pid::INTERNET_MESSAGE_ID,
        s("<000001cd$2c1e4a40$845adec0$@razzaq@example.com>"),
    );
    m.props.insert(
        pid::IN_REPLY_TO_ID,
        s("<000001cd$1b1e4a40$845adec0$@razzaq@example.com>"),
    );
    out.push(m);
    out
}

/// By-value attachment digests of `m`, recursively.
fn digests(m: &Message, out: &mut Vec<String>) {
    for a in &m.attachments {
        if let Some(e) = &a.embedded {
            digests(e, out);
        } else if a.method() == 1 {
            out.push(hex::encode(Sha256::digest(a.data().unwrap_or(&[]))));
        }
    }
}

fn python3_available() -> bool {
    Command::new("python3")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn python_reads_every_message_without_defects() {
    if !python3_available() {
        if std::env::var("REQUIRE_PYTHON_CHECKERS").as_deref() == Ok("1") {
            panic!("python3 is required (REQUIRE_PYTHON_CHECKERS=1) but was not found");
        }
        eprintln!("python3 not found: skipping the Python mail check");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let folder = dir
        .path()
        .join("Mail")
        .join(safe_path_component("Skrzynka: odbiorcza"));
    std::fs::create_dir_all(&folder).unwrap();
    let mut taken = HashSet::new();
    let mut mbox = Vec::new();
    let mut expected = Vec::new();
    let messages = sample();
    for m in &messages {
        let mut warnings = Vec::new();
        let eml = message_to_eml(m, &mut warnings);
        assert!(warnings.is_empty(), "{warnings:?}");
        let name = dedupe_name(&eml_file_name(m), &mut taken);
        std::fs::write(folder.join(&name), &eml).unwrap();
        write_mbox_entry(&mut mbox, m, &eml).unwrap();
        digests(m, &mut expected);
    }
    std::fs::write(
        dir.path().join("Mail").join("Skrzynka_ odbiorcza.mbox"),
        &mbox,
    )
    .unwrap();
    let list = dir.path().join("sha256.txt");
    std::fs::write(&list, expected.join("\n")).unwrap();

    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("check_mail.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(dir.path().join("Mail"))
        .arg("--sha256-list")
        .arg(&list)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "checker failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["eml_files"], 9);
    assert_eq!(report["mbox_messages"], 9);
    assert_eq!(report["defect_count"], 0);
    // Only the Outlook-style Message-ID (EML and mbox copy) draws the parser's notes.
    let harmless = report["harmless_defects"].as_array().unwrap();
    assert!(!harmless.is_empty());
    assert!(
        harmless.iter().all(|d| d["header"] == "Message-ID"),
        "{harmless:?}"
    );
    assert_eq!(report["missing_sha256_count"], 0);
    assert_eq!(report["expected_sha256"], 5);
    // Two embedded messages (one nested in the other), in both the EML and the mbox copy.
    assert_eq!(report["embedded"], 4);
    let names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.contains(&"2012-02-23 122640 Same subject.eml".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"2012-02-23 122640 Same subject (2).eml".to_owned()),
        "{names:?}"
    );
}

/// One folder being written: its nid, directory, names taken, and mbox bytes.
type FolderOut = (pstkit::NodeId, std::path::PathBuf, HashSet<String>, Vec<u8>);

/// Converts every mail-like item of every file of the corpus (env `OST_CORPUS`, default
/// /work/shared/fixtures/corpus) to EML and mbox and runs the checker with the corpus'
/// manifests. Slow and needs the corpus: run with `--ignored`.
#[test]
#[ignore]
fn corpus_mail_is_read_by_python_without_defects() {
    use ost_extract::mail::is_mail_like;
    let corpus =
        std::env::var("OST_CORPUS").unwrap_or_else(|_| "/work/shared/fixtures/corpus".to_owned());
    let corpus = Path::new(&corpus);
    let expected_dir = corpus.parent().unwrap().join("expected");
    let tmp;
    let out_dir = match std::env::var("MAIL_OUT") {
        Ok(d) => std::path::PathBuf::from(d),
        Err(_) => {
            tmp = tempfile::tempdir().unwrap();
            tmp.path().to_path_buf()
        }
    };
    let mut files: Vec<_> = std::fs::read_dir(corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut manifests = Vec::new();
    let (mut mail_like, mut written, mut warned) = (0usize, 0usize, 0usize);
    for file in &files {
        let stem = file.file_name().unwrap().to_string_lossy().into_owned();
        let Ok(store) = pstkit::Store::open(file) else {
            continue;
        };
        let manifest = expected_dir.join(format!("{stem}.json"));
        if manifest.exists() {
            manifests.push(manifest);
        }
        let base = out_dir.join(safe_path_component(&stem));
        let mut current: Option<FolderOut> = None;
        let flush = |cur: &mut Option<FolderOut>| {
            if let Some((_, dir, _, mbox)) = cur.take() {
                if !mbox.is_empty() {
                    std::fs::write(dir.join("folder.mbox"), mbox).unwrap();
                }
            }
        };
        store.for_each_message(&mut |folder, _nid, msg| {
            let Ok(msg) = msg else { return };
            if !is_mail_like(msg.class()) {
                return;
            }
            mail_like += 1;
            if current.as_ref().map(|c| c.0) != Some(folder.nid) {
                flush(&mut current);
                let mut dir = base.clone();
                for p in &folder.path {
                    dir.push(safe_path_component(p));
                }
                std::fs::create_dir_all(&dir).unwrap();
                current = Some((folder.nid, dir, HashSet::new(), Vec::new()));
            }
            let Some((_, dir, taken, mbox)) = current.as_mut() else {
                return;
            };
            let mut warnings = Vec::new();
            let eml = message_to_eml(&msg, &mut warnings);
            if !warnings.is_empty() {
                warned += 1;
                eprintln!("{stem}: {:?}: {warnings:?}", msg.subject());
            }
            let name = dedupe_name(&eml_file_name(&msg), taken);
            std::fs::write(dir.join(name), &eml).unwrap();
            write_mbox_entry(mbox, &msg, &eml).unwrap();
            written += 1;
        });
        flush(&mut current);
    }
    eprintln!(
        "mail-like items: {mail_like}, EML written: {written}, with warnings: {warned}, output: {}",
        out_dir.display()
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("check_mail.py");
    let mut cmd = Command::new("python3");
    cmd.arg(&script).arg(&out_dir).arg("--mail-only");
    for m in &manifests {
        cmd.arg("--manifest").arg(m);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["eml_files"], written);
    assert_eq!(report["mbox_messages"], written);
    assert!(out.status.success(), "checker found problems");
}
