//! Whole-message tests on hand-built messages, with exact expectations on the bytes.

use std::borrow::Cow;

use pstkit::ltp::prop::{FileTime, PropValue};
use pstkit::messaging::{pid, Attachment, Message, PropertyBag};

use super::*;
use crate::rtf;

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
fn recipient(kind: i32, name: &str, addr: &str) -> PropertyBag {
    let mut r = PropertyBag::new();
    r.insert(pid::RECIPIENT_TYPE, PropValue::Integer32(kind));
    r.insert(pid::DISPLAY_NAME, s(name));
    r.insert(pid::ADDRTYPE, s("SMTP"));
    r.insert(pid::EMAIL_ADDRESS, s(addr));
    r
}
fn eml(m: &Message) -> String {
    let mut w = Vec::new();
    let out = message_to_eml(m, &mut w);
    assert!(out.is_ascii());
    String::from_utf8(out).unwrap()
}

/// A sent item with no transport headers, a Polish subject and names.
fn sent_item() -> Message {
    let mut m = Message::default();
    m.props.insert(pid::MESSAGE_CLASS, s("IPM.Note"));
    m.props.insert(pid::SUBJECT, s("Spotkanie w środę"));
    m.props.insert(pid::SENDER_NAME, s("Łukasz Nowak"));
    m.props.insert(pid::SENDER_ADDRTYPE, s("SMTP"));
    m.props
        .insert(pid::SENDER_EMAIL_ADDRESS, s("lukasz@example.pl"));
    m.props.insert(pid::CLIENT_SUBMIT_TIME, t(1_276_605_000));
    m.props.insert(pid::MESSAGE_FLAGS, PropValue::Integer32(1));
    m.props.insert(pid::BODY, s("Cześć,\r\ndo zobaczenia.\r\n"));
    m.recipients
        .push(recipient(1, "Zoë Müller", "zoe@example.de"));
    m.recipients
        .push(recipient(2, "Doe, John", "john@example.com"));
    m.recipients.push(recipient(3, "Hidden", "bcc@example.com"));
    m
}

#[test]
fn sent_item_headers_are_synthesised() {
    let out = eml(&sent_item());
    let expected = "Date: Tue, 15 Jun 2010 12:30:00 +0000\r\n\
From: =?UTF-8?B?xYF1a2FzeiBOb3dhaw==?= <lukasz@example.pl>\r\n\
Subject: =?UTF-8?B?U3BvdGthbmllIHcgxZtyb2TEmQ==?=\r\n\
To: =?UTF-8?B?Wm/DqyBNw7xsbGVy?= <zoe@example.de>\r\n\
Cc: \"Doe, John\" <john@example.com>\r\n\
Bcc: Hidden <bcc@example.com>\r\n";
    assert!(out.starts_with(expected), "{out}");
    let id_line = out.lines().find(|l| l.starts_with("Message-ID: ")).unwrap();
    assert!(id_line.ends_with("@ost-extract.invalid>"), "{id_line}");
    // Stable: the same message gives the same id and the same bytes.
    assert_eq!(out, eml(&sent_item()));
    assert!(out.contains("\r\nStatus: RO\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCze=C5=9B=C4=87,\r\ndo zobaczenia.\r\n"), "{out}");
}

#[test]
fn exchange_sender_gets_a_valid_placeholder() {
    let mut m = sent_item();
    m.props.insert(pid::SENDER_ADDRTYPE, s("EX"));
    m.props.insert(
        pid::SENDER_EMAIL_ADDRESS,
        s("/O=ORG/OU=SITE/CN=RECIPIENTS/CN=LNOWAK"),
    );
    m.props.insert(pid::SENDER_NAME, s("Lukasz Nowak"));
    let out = eml(&m);
    assert!(
        out.contains("\r\nFrom: Lukasz Nowak <lukasz.nowak@exchange.invalid>\r\n"),
        "{out}"
    );
    m.props
        .insert(pid::SENDER_SMTP_ADDRESS, s("lnowak@corp.example"));
    assert!(eml(&m).contains("\r\nFrom: Lukasz Nowak <lnowak@corp.example>\r\n"));
}

#[test]
fn received_item_keeps_transport_headers() {
    let mut m = sent_item();
    m.props.insert(
        pid::TRANSPORT_MESSAGE_HEADERS,
        s("Received: from mx.example.pl (mx.example.pl [192.0.2.1])\r\n\tby mail.example.de; Tue, 15 Jun 2010 12:30:05 +0000\r\nDKIM-Signature: v=1; a=rsa-sha256; d=example.pl;\r\n\tb=abc\r\nFrom: lukasz@example.pl\r\nTo: zoe@example.de\r\nSubject: =?utf-8?q?Spotkanie?=\r\nDate: Tue, 15 Jun 2010 12:30:00 +0000\r\nMessage-ID: <orig-1@example.pl>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"xyz\"\r\n\r\n"),
    );
    let out = eml(&m);
    let head = out.split("\r\n\r\n").next().unwrap();
    assert_eq!(
        head,
        "Received: from mx.example.pl (mx.example.pl [192.0.2.1])\r\n\tby mail.example.de; Tue, 15 Jun 2010 12:30:05 +0000\r\n\
DKIM-Signature: v=1; a=rsa-sha256; d=example.pl;\r\n\tb=abc\r\n\
From: lukasz@example.pl\r\nTo: zoe@example.de\r\nSubject: =?utf-8?q?Spotkanie?=\r\n\
Date: Tue, 15 Jun 2010 12:30:00 +0000\r\nMessage-ID: <orig-1@example.pl>\r\n\
Status: RO\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
    );
}

#[test]
fn html_only_in_windows_1250() {
    let mut m = Message::default();
    m.props.insert(pid::SUBJECT, s("x"));
    m.props
        .insert(pid::INTERNET_CODEPAGE, PropValue::Integer32(1250));
    let mut html = b"<html><head><meta charset=windows-1250></head><body>".to_vec();
    html.extend_from_slice(&[0x5A, 0x61, 0xBF, 0xF3, 0xB3, 0xE6]);
    html.extend_from_slice(b"</body></html>");
    m.props.insert(pid::BODY_HTML, b(&html));
    let out = eml(&m);
    assert!(out.contains(
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<html><head><meta charset=3Dutf-8></head><body>Za=C5=BC=C3=B3=C5=82=C4=87</b=\r\nody></html>\r\n"
    ), "{out}");
}

/// [MS-OXRTFEX] 3: the encapsulated-HTML example, stored compressed.
const SPEC_HTML_RTF: &str = include_str!("testdata/oxrtfex_example.rtf");
/// The HTML it encapsulates, as [MS-OXRTFEX] 3 gives it.
const SPEC_HTML: &str = "<HTML><head>\r\n<style>\r\n<!--\r\n /* Style Definitions */\r\n p.MsoNormal, li.MsoNormal {font-family:Arial;}\r\n-->\r\n</style>\r\n\t<!-- This is a HTML comment.\r\nThere is a horizontal tab (%x09) character before the comment, \r\nand some new lines inside the comment. -->\r\n</head>\r\n<body>\r\n<p\r\nclass=\"MsoNormal\">Note the line break inside a P tag. <b>This is a bold text</b> </p>\r\n<p class=\"MsoNormal\">\r\nThis is a normal text with a character references:&nbsp; &lt; &uml;<br>\r\ncharacters which have special meaning in RTF: {}\\<br>\r\n</p>\r\n<ol>\r\n    <li class=\"MsoNormal\">This is a list item\r\n</ol>\r\n</body>\r\n</HTML>\r\n";
/// [MS-OXRTFCP] 3.1.1: "Simple Compressed RTF".
const SPEC1_COMPRESSED: &[u8] = &[
    0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5, 0xc7, 0xa7,
    0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a, 0xf3, 0x20,
    0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f,
    0xa0,
];

#[test]
fn rtf_encapsulated_html_becomes_the_html_body() {
    let mut m = Message::default();
    m.props.insert(pid::SUBJECT, s("rtf"));
    m.props.insert(
        pid::RTF_COMPRESSED,
        b(&rtf::compress(SPEC_HTML_RTF.as_bytes())),
    );
    let mut w = Vec::new();
    let body = body::bodies(&m, &mut w);
    assert_eq!(body.html.as_deref(), Some(SPEC_HTML));
    assert_eq!(body.rtf, None);
    let out = eml(&m);
    assert!(
        out.contains("Content-Type: text/html; charset=utf-8\r\n"),
        "{out}"
    );
}

#[test]
fn plain_rtf_gives_text_and_an_rtf_part() {
    let mut m = Message::default();
    m.props.insert(pid::SUBJECT, s("rtf"));
    m.props.insert(pid::RTF_COMPRESSED, b(SPEC1_COMPRESSED));
    let mut w = Vec::new();
    let body = body::bodies(&m, &mut w);
    assert_eq!(
        body.rtf.as_deref(),
        Some(&b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"[..])
    );
    assert!(
        body.text.as_deref().unwrap_or("").contains("hello world"),
        "{body:?}"
    );
    let out = eml(&m);
    assert!(out.contains("Content-Type: application/rtf\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=message.rtf\r\n\r\ne1xydGYxXGFuc2lcYW5zaWNwZzEyNTJccGFyZCBoZWxsbyB3b3JsZH0NCg==\r\n"), "{out}");
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

#[test]
fn attachments_of_every_method() {
    let mut m = sent_item();
    m.props
        .insert(pid::BODY_HTML, b(b"<p>see <img src=\"cid:img1@x\"></p>"));
    m.props
        .insert(pid::INTERNET_CODEPAGE, PropValue::Integer32(65001));
    let mut img = by_value("pixel.png", Some("image/png"), &[0x89, b'P', b'N', b'G']);
    img.props.insert(pid::ATTACH_CONTENT_ID, s("img1@x"));
    img.props
        .insert(pid::ATTACHMENT_HIDDEN, PropValue::Boolean(true));
    m.attachments.push(img);
    m.attachments
        .push(by_value("zażółć gęślą jaźń.txt", None, b"abc"));
    let mut link = Attachment::default();
    link.props
        .insert(pid::ATTACH_METHOD, PropValue::Integer32(2));
    link.props.insert(pid::ATTACH_LONG_FILENAME, s("plan.docx"));
    link.props
        .insert(pid::ATTACH_LONG_PATHNAME, s("\\\\server\\share\\plan.docx"));
    m.attachments.push(link);
    let mut ole = by_value("", None, &[0xD0, 0xCF, 0x11, 0xE0]);
    ole.props
        .insert(pid::ATTACH_METHOD, PropValue::Integer32(6));
    m.attachments.push(ole);
    let mut level2 = Message::default();
    level2.props.insert(pid::SUBJECT, s("level two"));
    level2.props.insert(pid::BODY, s("From the depths\r\n"));
    level2.attachments.push(by_value(
        "deep.bin",
        Some("application/octet-stream"),
        &[1, 2, 3],
    ));
    let mut level1 = Message::default();
    level1.props.insert(pid::SUBJECT, s("level one"));
    level1.props.insert(pid::BODY, s("one"));
    level1.attachments.push(embedded(level2));
    m.attachments.push(embedded(level1));

    let mut w = Vec::new();
    let out = String::from_utf8(message_to_eml(&m, &mut w)).unwrap();
    assert!(w.is_empty(), "{w:?}");
    // Structure: mixed[alternative[text, related[html, image]], attachments...].
    let cts: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("Content-Type: "))
        .map(|l| l.split(';').next().unwrap())
        .collect();
    assert_eq!(
        cts,
        [
            "Content-Type: multipart/mixed",
            "Content-Type: multipart/alternative",
            "Content-Type: text/plain",
            "Content-Type: multipart/related",
            "Content-Type: text/html",
            "Content-Type: image/png",
            "Content-Type: text/plain",
            "Content-Type: text/plain",
            "Content-Type: application/octet-stream",
            "Content-Type: message/rfc822",
            "Content-Type: multipart/mixed",
            "Content-Type: text/plain",
            "Content-Type: message/rfc822",
            "Content-Type: multipart/mixed",
            "Content-Type: text/plain",
            "Content-Type: application/octet-stream",
        ]
    );
    assert!(out.contains("Content-Type: image/png; name=pixel.png\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: inline; filename=pixel.png\r\nContent-ID: <img1@x>\r\nX-MS-Attachment-Hidden: true\r\n\r\niVBORw==\r\n"), "{out}");
    assert!(out.contains("Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment;\r\n filename*0*=UTF-8''za%C5%BC%C3%B3%C5%82%C4%87%20g%C4%99%C5%9Bl;\r\n filename*1*=%C4%85%20ja%C5%BA%C5%84.txt\r\n\r\nYWJj\r\n"), "{out}");
    assert!(out.contains("Content-Disposition: attachment; filename=\"plan.docx (link).txt\"\r\n\r\nThis attachment was stored as a link, not as data.\r\nName: plan.docx\r\nLink: \\\\server\\share\\plan.docx\r\n"), "{out}");
    assert!(out.contains("Content-Type: application/octet-stream; name=\"OLE object 4.bin\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"OLE object 4.bin\"\r\n\r\n0M8R4A==\r\n"), "{out}");
    assert!(out.contains("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 7bit\r\nContent-Disposition: attachment; filename=\"level one.eml\"\r\n\r\n"), "{out}");
    assert!(out.contains("\r\nSubject: level two\r\n"));
    assert!(out.contains("\r\n\r\nAQID\r\n"), "deep attachment bytes");
}

#[test]
fn mbox_quotes_from_lines_inside_embedded_messages() {
    let mut m = sent_item();
    m.props.insert(pid::BODY, s("From me\r\n>From you\r\n"));
    let mut inner = Message::default();
    inner.props.insert(pid::SUBJECT, s("inner"));
    inner.props.insert(pid::BODY, s("From the inside\n"));
    // Binary content in both messages: written in base64 with LF when rendered straight
    // into the entry, CRLF in the EML.
    let data: Vec<u8> = (0..1000u32).map(|i| (i * 37 % 251) as u8).collect();
    inner.attachments.push(by_value("inner.bin", None, &data));
    m.attachments.push(embedded(inner));
    m.attachments.push(by_value("outer.bin", None, &data));
    let mut w = Vec::new();
    let e = message_to_eml(&m, &mut w);
    let mut out = Vec::new();
    write_mbox_entry(&mut out, &m, &e).unwrap();
    let mut direct_w = Vec::new();
    assert_eq!(message_to_mbox_entry(&m, &mut direct_w), out);
    assert_eq!(direct_w, w);
    let text = String::from_utf8(out).unwrap();
    let first_line = base64_simd::STANDARD.encode_to_string(&data[..57]);
    assert_eq!(text.matches(&format!("\n{first_line}\n")).count(), 2);
    assert!(
        text.starts_with("From lukasz@example.pl Tue Jun 15 12:30:00 2010\nDate: "),
        "{text}"
    );
    assert!(text.contains("\n>From me\n>>From you\n"), "{text}");
    assert!(text.contains("\n>From the inside\n"), "{text}");
    assert!(!text.contains('\r'));
    assert_eq!(text.lines().filter(|l| l.starts_with("From ")).count(), 1);
    assert!(text.ends_with("\n\n"));
}

#[test]
fn report_without_body_gets_readable_text() {
    let mut m = Message::default();
    m.props.insert(pid::MESSAGE_CLASS, s("REPORT.IPM.Note.NDR"));
    m.props.insert(pid::SUBJECT, s("Undeliverable: hi"));
    m.recipients.push(recipient(1, "Bob", "bob@example.com"));
    let out = eml(&m);
    assert!(out.contains("X-MS-Message-Class: REPORT.IPM.Note.NDR\r\n"));
    assert!(out.contains("\r\n\r\nNon-delivery report (REPORT.IPM.Note.NDR)\r\nSubject: Undeliverable: hi\r\nRecipient: Bob <bob@example.com>\r\n"), "{out}");
}

#[test]
fn embedded_nesting_is_bounded() {
    let mut m = Message::default();
    m.props.insert(pid::SUBJECT, s("0"));
    for i in 1..40 {
        let mut outer = Message::default();
        outer.props.insert(pid::SUBJECT, s(&i.to_string()));
        outer.attachments.push(embedded(m));
        m = outer;
    }
    let mut w = Vec::new();
    let out = message_to_eml(&m, &mut w);
    assert!(!out.is_empty());
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].what.contains("nested deeper than 24"), "{w:?}");
}
