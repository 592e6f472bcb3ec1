//! One message to MIME ([MS-OXCMAIL] 2.2: MAPI to MIME): header fields kept from the stored
//! transport headers or synthesised from properties, the body tree, the attachments, and
//! embedded messages as `message/rfc822` parts.

use std::borrow::Cow;

use pstkit::messaging::{pid, Attachment, Message, PropertyBag};
use pstkit::{Location, Warning};
use sha2::{Digest, Sha256};

use super::envelope::{message_date, resolve_addr, sender_addr, RECIPIENT, SENDER};
use super::headers::{self, write_field, Field};
use super::mboxrd::EntryForm;
use super::mime::{Body, Part};
use crate::addressbook::AddressBook;
use crate::body::{bodies, Bodies};
use crate::class::{Meeting, MessageClass};

/// Deepest nesting of embedded messages rendered; deeper ones are noted and left out
/// (a damaged file could otherwise loop).
const MAX_DEPTH: usize = 24;

/// `PidTagRecipientType` values ([MS-OXOMSG] 2.2.3.1), in the low bits.
const MAPI_TO: i32 = 1;
const MAPI_CC: i32 = 2;
const MAPI_BCC: i32 = 3;
/// `PidTagMessageFlags` bits ([MS-OXCMSG] 2.2.1.6).
const MSGFLAG_READ: i32 = 0x1;
const MSGFLAG_UNSENT: i32 = 0x8;
/// `PidTagAttachFlags`: `attRenderedInBody` / `ATT_MHTML_REF` ([MS-OXCMSG] 2.2.2.18).
const ATT_MHTML_REF: i32 = 0x4;

/// Builds the RFC 5322 message (bytes, CRLF) for one Message, recursively for embedded
/// ones. Never fails: what cannot be rendered is noted in `warnings` and the rest is written.
pub fn message_to_eml(msg: &Message, warnings: &mut Vec<Warning>) -> Vec<u8> {
    message_to_eml_with(msg, &AddressBook::new(), warnings)
}

/// [`message_to_eml`] with the store's address book: Exchange addresses the store pairs
/// with an SMTP address are written as that address.
pub fn message_to_eml_with(
    msg: &Message,
    book: &AddressBook,
    warnings: &mut Vec<Warning>,
) -> Vec<u8> {
    render(msg, book, 0, warnings)
}

/// The message's mbox entry (as [`super::mbox_entry`] makes from its EML), rendered straight
/// into the entry: base64 lines are written with LF at once, and the text between them is
/// converted in place as it is written. Embedded messages are rendered as for EML, so the
/// output is the same byte for byte.
pub fn message_to_mbox_entry(msg: &Message, warnings: &mut Vec<Warning>) -> Vec<u8> {
    message_to_mbox_entry_with(msg, &AddressBook::new(), warnings)
}

/// [`message_to_mbox_entry`] with the store's address book (see [`message_to_eml_with`]).
pub fn message_to_mbox_entry_with(
    msg: &Message,
    book: &AddressBook,
    warnings: &mut Vec<Warning>,
) -> Vec<u8> {
    let mut out = super::mbox::start_entry(msg, book, estimated_size(msg, 0));
    let mut form = EntryForm::new(out.len());
    render_into(&mut out, msg, book, 0, warnings, Some(&mut form));
    super::mboxrd::finish_entry(out, form.done())
}

fn render(msg: &Message, book: &AddressBook, depth: usize, warnings: &mut Vec<Warning>) -> Vec<u8> {
    let mut out = Vec::with_capacity(estimated_size(msg, depth));
    render_into(&mut out, msg, book, depth, warnings, None);
    out
}

/// Appends the rendered message to `out`: an EML, or with `form` the message of an mbox
/// entry (see [`Part::write_with`]).
fn render_into(
    out: &mut Vec<u8>,
    msg: &Message,
    book: &AddressBook,
    depth: usize,
    warnings: &mut Vec<Warning>,
    form: Option<&mut EntryForm>,
) {
    let fields = header_fields(msg, book, warnings);
    let part = body_tree(msg, book, depth, warnings);
    for f in &fields {
        write_field(out, f);
    }
    out.extend_from_slice(b"MIME-Version: 1.0\r\n");
    part.write_with(out, form);
}

/// About how many bytes the message renders to, so that its buffer is allocated once and
/// not copied as it grows: bodies as text and HTML with some quoting, attachments in base64
/// lines, embedded messages likewise, and room for the header sections.
fn estimated_size(msg: &Message, depth: usize) -> usize {
    let p = &msg.props;
    let text = p.str(pid::BODY).map_or(0, str::len);
    let html =
        p.binary(pid::BODY_HTML).map_or(0, <[u8]>::len) + p.str(pid::BODY_HTML).map_or(0, str::len);
    let mut size = 8192usize
        .saturating_add(text.saturating_mul(11) / 10)
        .saturating_add(html.saturating_mul(11) / 10);
    for a in &msg.attachments {
        let part = match (&a.embedded, a.data()) {
            (Some(inner), _) if depth < MAX_DEPTH => estimated_size(inner, depth + 1),
            (_, Some(d)) => d.len() / 57 * 78 + 80,
            _ => 0,
        };
        size = size.saturating_add(part).saturating_add(512);
    }
    size
}

/// Everything the header section says, in writing order.
fn header_fields(msg: &Message, book: &AddressBook, warnings: &mut Vec<Warning>) -> Vec<Field> {
    let p = &msg.props;
    let stored = p
        .str(pid::TRANSPORT_MESSAGE_HEADERS)
        .map(|block| {
            let mut notes = Vec::new();
            let fields = headers::parse_transport_headers(block, book, &mut notes);
            warnings.extend(notes.into_iter().map(|n| msg.note(n)));
            fields
        })
        .filter(|f| {
            f.iter().any(|f| {
                f.name.eq_ignore_ascii_case("from") || f.name.eq_ignore_ascii_case("received")
            })
        })
        .unwrap_or_default();
    if stored.is_empty() {
        let mut out = synthesised(msg, book);
        out.extend(state_fields(msg, &[]));
        return out;
    }
    let state = state_fields(msg, &stored);
    let mut out = stored;
    // The stored block lacks what MAPI knows (rare, but seen in trimmed headers).
    const REQUIRED: [&str; 4] = ["Date", "From", "Subject", "Message-ID"];
    let has =
        |fields: &[Field], name: &str| fields.iter().any(|f| f.name.eq_ignore_ascii_case(name));
    if REQUIRED.iter().any(|n| !has(&out, n)) {
        for f in synthesised(msg, book) {
            if REQUIRED.iter().any(|n| f.name.eq_ignore_ascii_case(n)) && !has(&out, &f.name) {
                out.push(f);
            }
        }
    }
    out.extend(state);
    out
}

/// Header fields built from the properties ([MS-OXCMAIL] 2.2.3).
fn synthesised(msg: &Message, book: &AddressBook) -> Vec<Field> {
    let p = &msg.props;
    let mut out = Vec::new();
    if let Some(d) = message_date(msg) {
        out.push(Field::new("Date", headers::rfc5322_date(d)));
    }
    let author = sender_addr(msg, book);
    let from = author.as_ref().map_or_else(
        || "undisclosed-sender:;".to_owned(),
        |(n, a)| headers::mailbox(n.as_deref(), a),
    );
    out.push(Field::new("From", from));
    // Sender: only when someone sent on behalf of the author.
    let sender = resolve_addr(p, &SENDER, book);
    if let (Some((_, a)), Some((sn, sa))) = (&author, &sender) {
        if !a.eq_ignore_ascii_case(sa) {
            out.push(Field::new("Sender", headers::mailbox(sn.as_deref(), sa)));
        }
    }
    out.push(Field::new("Subject", headers::unstructured(msg.subject())));
    let mut to = Vec::new();
    let mut cc = Vec::new();
    let mut bcc = Vec::new();
    for r in &msg.recipients {
        let Some((name, addr)) = recipient_addr(r, book) else {
            continue;
        };
        let mb = headers::mailbox(name.as_deref(), &addr);
        match r.i32(pid::RECIPIENT_TYPE).unwrap_or(MAPI_TO) & 0xF {
            MAPI_CC => cc.push(mb),
            MAPI_BCC => bcc.push(mb),
            _ => to.push(mb),
        }
    }
    if to.is_empty() {
        to.push("undisclosed-recipients:;".to_owned());
    }
    out.push(Field::new("To", to.join(", ")));
    if !cc.is_empty() {
        out.push(Field::new("Cc", cc.join(", ")));
    }
    if !bcc.is_empty() {
        out.push(Field::new("Bcc", bcc.join(", ")));
    }
    let id = p
        .str(pid::INTERNET_MESSAGE_ID)
        .and_then(headers::msg_id)
        .unwrap_or_else(|| generated_id(msg));
    out.push(Field::new("Message-ID", id));
    if let Some(v) = p.str(pid::IN_REPLY_TO_ID).and_then(headers::msg_id_list) {
        out.push(Field::new("In-Reply-To", v));
    }
    if let Some(v) = p
        .str(pid::INTERNET_REFERENCES)
        .and_then(headers::msg_id_list)
    {
        out.push(Field::new("References", v));
    }
    if let Some(t) = p.str(pid::CONVERSATION_TOPIC) {
        if t != msg.subject() {
            out.push(Field::new("Thread-Topic", headers::unstructured(t)));
        }
    }
    match p.i32(pid::IMPORTANCE) {
        Some(0) => {
            out.push(Field::new("Importance", "low"));
            out.push(Field::new("X-Priority", "5 (Lowest)"));
        }
        Some(2) => {
            out.push(Field::new("Importance", "high"));
            out.push(Field::new("X-Priority", "1 (Highest)"));
        }
        _ => {}
    }
    match p.i32(pid::SENSITIVITY) {
        Some(1) => out.push(Field::new("Sensitivity", "Personal")),
        Some(2) => out.push(Field::new("Sensitivity", "Private")),
        Some(3) => out.push(Field::new("Sensitivity", "Company-Confidential")),
        _ => {}
    }
    out
}

/// Fields that record the item's state in the store, added whether or not transport
/// headers are kept: read state (`Status`, as mbox readers use it), drafts (`X-Unsent`), and
/// the message class when it is not a plain note.
fn state_fields(msg: &Message, stored: &[Field]) -> Vec<Field> {
    let mut out = Vec::new();
    let has = |name: &str| stored.iter().any(|f| f.name.eq_ignore_ascii_case(name));
    if let Some(flags) = msg.props.i32(pid::MESSAGE_FLAGS) {
        if !has("Status") {
            out.push(Field::new(
                "Status",
                if flags & MSGFLAG_READ != 0 { "RO" } else { "O" },
            ));
        }
        if flags & MSGFLAG_UNSENT != 0 {
            out.push(Field::new("X-Unsent", "1"));
        }
    }
    let class = msg.class();
    if !class.is_empty() && !class.eq_ignore_ascii_case("IPM.Note") && !has("X-MS-Message-Class") {
        out.push(Field::new(
            "X-MS-Message-Class",
            headers::unstructured(class),
        ));
    }
    out
}

/// A recipient's name and address: SMTP address first, then an Internet-form email
/// address, else a placeholder ([MS-OXCMAIL] 2.2.3.2.4).
fn recipient_addr(r: &PropertyBag, book: &AddressBook) -> Option<(Option<String>, String)> {
    let (name, addr) = resolve_addr(r, &RECIPIENT, book)?;
    let name = name.or_else(|| r.str(pid::RECIPIENT_DISPLAY_NAME).map(str::to_owned));
    Some((name, addr))
}

/// A Message-ID that is the same on every run and in every copy of the message (another
/// store, another export of the same mailbox), so importers and later merges can
/// de-duplicate: a digest of what the message says, never of where this store keeps it
/// (node and entry ids differ between copies; the search key is kept by copies,
/// [MS-OXCPRPT] 2.2.1.9), in the reserved `.invalid` domain.
fn generated_id(msg: &Message) -> String {
    let p = &msg.props;
    let mut h = Sha256::new();
    let mut field = |b: &[u8]| {
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    };
    field(p.binary(pid::SEARCH_KEY).unwrap_or(&[]));
    field(msg.class().as_bytes());
    field(msg.subject().as_bytes());
    field(&message_date(msg).map_or(0, |d| d.timestamp()).to_le_bytes());
    // Addresses as stored (not as resolved, which depends on what else the store holds),
    // without case (Exchange writes the same DN in either case).
    let stored = |v: Option<&str>| v.unwrap_or("").to_ascii_lowercase();
    field(stored(p.str(pid::SENDER_EMAIL_ADDRESS)).as_bytes());
    for r in &msg.recipients {
        field(stored(r.str(pid::EMAIL_ADDRESS)).as_bytes());
    }
    field(p.str(pid::BODY).unwrap_or("").as_bytes());
    for a in &msg.attachments {
        field(a.filename().unwrap_or("").as_bytes());
        field(&(a.data().map_or(0, <[u8]>::len) as u64).to_le_bytes());
    }
    let digest = h.finalize();
    format!(
        "<{}@ost-extract.invalid>",
        hex::encode(digest.get(..16).unwrap_or(&[]))
    )
}

/// Where an attachment goes in the tree.
enum Placement {
    /// Inline content the HTML body refers to (multipart/related).
    Related,
    /// An ordinary attachment (multipart/mixed).
    Mixed,
}

/// The MIME body tree: alternatives (text, HTML with its related parts, calendar) inside
/// multipart/mixed when there are attachments ([MS-OXCMAIL] 2.1.3.1).
fn body_tree<'a>(
    msg: &'a Message,
    book: &AddressBook,
    depth: usize,
    warnings: &mut Vec<Warning>,
) -> Part<'a> {
    let Bodies {
        mut text,
        html,
        rtf,
    } = bodies(msg, warnings);
    if text.is_none() && html.is_none() {
        text = fallback_text(msg, book);
    }
    let mut related = Vec::new();
    let mut mixed = Vec::new();
    for (i, att) in msg.attachments.iter().enumerate() {
        match attachment_part(
            att,
            i,
            msg.location(),
            html.as_deref(),
            book,
            depth,
            warnings,
        ) {
            Some((part, Placement::Related)) => related.push(part),
            Some((part, Placement::Mixed)) => mixed.push(part),
            None => {}
        }
    }
    let mut alternatives = Vec::new();
    if let Some(t) = text {
        alternatives.push(Part::text("plain", t));
    }
    if let Some(h) = html {
        let html_part = Part::text("html", h);
        if related.is_empty() {
            alternatives.push(html_part);
        } else {
            let mut parts = vec![html_part];
            parts.append(&mut related);
            let mut rel = Part::multipart("related", parts);
            rel.content_type.push_str("; type=\"text/html\"");
            alternatives.push(rel);
        }
    }
    // Related parts with no HTML to hold them are ordinary attachments.
    mixed.splice(0..0, related);
    if let Some((ics, method)) = meeting_calendar(msg) {
        alternatives.push(Part {
            content_type: format!("text/calendar; charset=utf-8; method={method}"),
            fields: Vec::new(),
            body: Body::Text(ics),
        });
    }
    if let Some(raw) = rtf {
        mixed.push(Part {
            content_type: "application/rtf".into(),
            fields: vec![Field::new(
                "Content-Disposition",
                format!("attachment{}", headers::param("filename", "message.rtf")),
            )],
            body: Body::Binary(Cow::Owned(raw)),
        });
    }
    let main = match alternatives.len() {
        0 => Part::text("plain", String::new()),
        1 => alternatives.remove(0),
        _ => Part::multipart("alternative", alternatives),
    };
    if mixed.is_empty() {
        main
    } else {
        mixed.insert(0, main);
        Part::multipart("mixed", mixed)
    }
}

/// The text/calendar body of a meeting request, response or cancellation, from the calendar
/// converter, and its iTIP method ([MS-OXCICAL] 2.1.3.1.1.1).
fn meeting_calendar(msg: &Message) -> Option<(String, &'static str)> {
    let method = match MessageClass::new(msg.class()).meeting()? {
        Meeting::Request => "REQUEST",
        Meeting::Cancel => "CANCEL",
        Meeting::Reply(_) => "REPLY",
    };
    Some((crate::calendar::meeting_ics(msg)?, method))
}

/// A readable text body for items that carry none (reports, empty notes): what the item is
/// and whom it concerns.
fn fallback_text(msg: &Message, book: &AddressBook) -> Option<String> {
    let class = msg.class();
    if !MessageClass::new(class).is_report() {
        return None;
    }
    let lower = class.to_ascii_lowercase();
    let kind = if lower.ends_with(".ndr") {
        "Non-delivery report"
    } else if lower.ends_with(".dr") {
        "Delivery report"
    } else if lower.ends_with(".ipnrn") {
        "Read receipt"
    } else if lower.ends_with(".ipnnrn") {
        "Not-read notification"
    } else {
        "Report"
    };
    let mut s = format!("{kind} ({class})\nSubject: {}\n", msg.subject());
    for r in &msg.recipients {
        if let Some((name, addr)) = recipient_addr(r, book) {
            s.push_str(&format!(
                "Recipient: {} <{addr}>\n",
                name.unwrap_or_default()
            ));
        }
    }
    Some(s)
}

/// Whether an attachment's content id or location is used by the HTML.
fn referenced(html: Option<&str>, cid: Option<&str>, location: Option<&str>) -> bool {
    let Some(html) = html else { return false };
    let has = |needle: &[u8]| memchr::memmem::find(html.as_bytes(), needle).is_some();
    cid.is_some_and(|c| has(format!("cid:{c}").as_bytes()))
        || location.is_some_and(|l| !l.is_empty() && has(l.as_bytes()))
}

/// One attachment as a MIME part ([MS-OXCMAIL] 2.2.6), or `None` (with a warning) when
/// there is nothing to write.
fn attachment_part<'a>(
    att: &'a Attachment,
    index: usize,
    at: Location,
    html: Option<&str>,
    book: &AddressBook,
    depth: usize,
    warnings: &mut Vec<Warning>,
) -> Option<(Part<'a>, Placement)> {
    let p = &att.props;
    let method = att.method();
    let cid = p
        .str(pid::ATTACH_CONTENT_ID)
        .map(|c| {
            c.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
        .filter(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| (0x21..0x7F).contains(&b) && b != b'<' && b != b'>')
        });
    let location = p.str(pid::ATTACH_CONTENT_LOCATION).map(headers::clean_text);
    let is_related = referenced(html, cid.as_deref(), location.as_deref());
    let flags = p.i32(pid::ATTACH_FLAGS).unwrap_or(0);
    let hidden = p.bool(pid::ATTACHMENT_HIDDEN).unwrap_or(false);
    let placement = if is_related {
        Placement::Related
    } else {
        Placement::Mixed
    };
    let inline = is_related || (flags & ATT_MHTML_REF != 0 && cid.is_some());

    let (content_type, body, name) = if method == 5 {
        let Some(embedded) = att.embedded.as_deref() else {
            warnings.push(Warning::new(
                at,
                format!("attachment {index}: embedded message could not be read"),
            ));
            return None;
        };
        if depth + 1 > MAX_DEPTH {
            warnings.push(Warning::new(
                at,
                format!(
                    "attachment {index}: embedded messages nested deeper than {MAX_DEPTH}; left out"
                ),
            ));
            return None;
        }
        let mut inner_warnings = Vec::new();
        let eml = render(embedded, book, depth + 1, &mut inner_warnings);
        // The embedded message has no node of its own: its notes are its container's.
        warnings.extend(
            inner_warnings
                .into_iter()
                .map(|w| Warning::new(at, format!("embedded message {index}: {}", w.what))),
        );
        let base = att
            .filename()
            .map(str::to_owned)
            .or_else(|| Some(embedded.subject().to_owned()).filter(|s| !s.is_empty()))
            .unwrap_or_else(|| "message".to_owned());
        let name = if base.to_ascii_lowercase().ends_with(".eml")
            || base.to_ascii_lowercase().ends_with(".msg")
        {
            base
        } else {
            format!("{base}.eml")
        };
        ("message/rfc822".to_owned(), Body::Message(eml), Some(name))
    } else if let Some(data) = att.data() {
        let name = att
            .filename()
            .map(str::to_owned)
            .or_else(|| (method == 6).then(|| format!("OLE object {}.bin", index + 1)));
        let ct = content_type_for(
            p.str(pid::ATTACH_MIME_TAG),
            name.as_deref().or(p.str(pid::ATTACH_EXTENSION)),
        );
        (ct, Body::Binary(Cow::Borrowed(data)), name)
    } else if matches!(method, 2..=4 | 7) {
        let target = p
            .str(pid::ATTACH_LONG_PATHNAME)
            .or_else(|| p.str(pid::ATTACH_PATHNAME))
            .unwrap_or("(no path stored)");
        let shown = att.filename().unwrap_or("attachment");
        let note = format!(
            "This attachment was stored as a link, not as data.\nName: {shown}\nLink: {target}\n"
        );
        let ct = "text/plain; charset=utf-8".to_owned();
        (ct, Body::Text(note), Some(format!("{shown} (link).txt")))
    } else if method == 6 {
        warnings.push(Warning::new(
            at,
            format!("attachment {index}: OLE object data not available"),
        ));
        return None;
    } else {
        // A by-value attachment with no data: keep it, empty, so its name is not lost.
        if method == 1 {
            warnings.push(Warning::new(
                at,
                format!("attachment {index}: no data stored"),
            ));
        }
        let name = att.filename().map(str::to_owned);
        if name.is_none() && method != 1 {
            return None;
        }
        let ct = content_type_for(p.str(pid::ATTACH_MIME_TAG), name.as_deref());
        (ct, Body::Binary(Cow::Borrowed(&[])), name)
    };

    let mut fields = Vec::new();
    let disposition = if inline { "inline" } else { "attachment" };
    let mut disp = disposition.to_owned();
    if let Some(n) = &name {
        disp.push_str(&headers::param("filename", n));
    }
    fields.push(Field::new("Content-Disposition", disp));
    if let Some(c) = &cid {
        fields.push(Field::new("Content-ID", format!("<{c}>")));
    }
    if let Some(l) = location.filter(|l| l.is_ascii() && !l.is_empty()) {
        fields.push(Field::new("Content-Location", l));
    }
    if hidden {
        // No MIME equivalent; recorded so a round trip can restore it.
        fields.push(Field::new("X-MS-Attachment-Hidden", "true"));
    }
    let mut content_type = content_type;
    if let (Some(n), false) = (
        &name,
        content_type.starts_with("message/") || content_type.starts_with("text/plain; charset"),
    ) {
        content_type.push_str(&headers::param("name", n));
    }
    Some((
        Part {
            content_type,
            fields,
            body,
        },
        placement,
    ))
}

/// A content type for an attachment: the stored MIME tag when it is a valid `type/subtype`
/// that can carry base64 data, else a guess from the file extension.
fn content_type_for(tag: Option<&str>, name: Option<&str>) -> String {
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    if let Some(t) = tag {
        let t = t
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if let Some((ty, sub)) = t.split_once('/') {
            // message/* and multipart/* may not be base64-encoded (RFC 2046 5), and the
            // exact bytes must be kept, so those go as opaque data.
            if token(ty) && token(sub) && ty != "message" && ty != "multipart" {
                return t;
            }
        }
    }
    let ext = name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.trim_start_matches('.') {
        "txt" | "log" | "csv" => "text/plain",
        "htm" | "html" => "text/html",
        "xml" => "text/xml",
        "rtf" => "application/rtf",
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "ics" => "text/calendar",
        "vcf" => "text/vcard",
        "zip" => "application/zip",
        "doc" => "application/msword",
        "xls" => "application/vnd.ms-excel",
        "ppt" => "application/vnd.ms-powerpoint",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "msg" => "application/vnd.ms-outlook",
        _ => "application/octet-stream",
    }
    .to_owned()
}
