//! Header field text: RFC 5322 folding, RFC 2047 encoded words, RFC 2231 parameters,
//! addresses, dates, and the stored transport headers ([MS-OXCMAIL] 2.2.3, 2.5.1).
//!
//! Every function here produces 7-bit ASCII, so that a written message needs no 8-bit
//! transport and parses the same everywhere.

use chrono::{DateTime, Utc};
use mail_builder::encoders::base64::base64_encode;

use crate::addressbook::AddressBook;

/// Longest line we aim for when folding (RFC 5322 2.1.1 recommends 78).
const FOLD_AT: usize = 78;
/// Longest encoded word (RFC 2047 2).
const MAX_ENCODED_WORD: usize = 75;

/// One header field, ready to write: its name and its (already encoded, unfolded or folded)
/// value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The field name, e.g. `Subject`.
    pub name: String,
    /// The field body, ASCII, without the trailing CRLF. May contain `CRLF WSP` folds.
    pub value: String,
}

impl Field {
    /// A field from a name and a value.
    pub fn new(name: &str, value: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            value: value.into(),
        }
    }
}

/// Writes `name: value` with folding at whitespace so lines stay near 78 columns, ending with
/// CRLF. Values that already carry folds (stored headers) are written as they are.
pub fn write_field(out: &mut Vec<u8>, field: &Field) {
    out.extend_from_slice(field.name.as_bytes());
    out.extend_from_slice(b":");
    if field.value.contains("\r\n") {
        if !field.value.starts_with([' ', '\t']) {
            out.push(b' ');
        }
        out.extend_from_slice(field.value.as_bytes());
        out.extend_from_slice(b"\r\n");
        return;
    }
    out.push(b' ');
    let mut col = field.name.len() + 2;
    let mut first = true;
    // Split before each run of whitespace; a fold may only be placed before whitespace.
    for word in split_keep_leading_space(&field.value) {
        if !first && col + word.len() > FOLD_AT && !word.trim().is_empty() {
            out.extend_from_slice(b"\r\n");
            col = 0;
        }
        out.extend_from_slice(word.as_bytes());
        col += word.len();
        first = false;
    }
    out.extend_from_slice(b"\r\n");
}

/// Splits `s` into pieces that each begin with the whitespace preceding a word.
fn split_keep_leading_space(s: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut in_word = false;
    for (i, c) in s.char_indices() {
        let ws = c == ' ' || c == '\t';
        if ws && in_word {
            pieces.push(&s[start..i]);
            start = i;
            in_word = false;
        } else if !ws {
            in_word = true;
        }
    }
    if start < s.len() {
        pieces.push(&s[start..]);
    }
    pieces
}

/// Whether `s` can go into a header as it is: printable ASCII (and tab/space), and nothing
/// that a reader would take for an encoded word.
fn is_plain_header_text(s: &str) -> bool {
    s.bytes()
        .all(|b| b == b' ' || b == b'\t' || (0x21..0x7F).contains(&b))
        && !s.contains("=?")
}

/// Removes line breaks and other control characters, which cannot appear in a header value.
pub fn clean_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\r' || c == '\n' || c == '\t' {
            out.push(' ');
        } else if !c.is_control() {
            out.push(c);
        }
    }
    out
}

/// RFC 2047 encoded words (UTF-8, base64) for `s`, separated by spaces; whole characters
/// only in each word so every word decodes on its own.
pub fn encoded_words(s: &str) -> String {
    // "=?UTF-8?B?" + "?=" is 12 characters; 63 left for base64 = 47 bytes of text.
    let max_bytes = (MAX_ENCODED_WORD - 12) / 4 * 3;
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in s.chars() {
        if chunk.len() + c.len_utf8() > max_bytes && !chunk.is_empty() {
            words.push(encode_word(&chunk));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(encode_word(&chunk));
    }
    words.join(" ")
}

fn encode_word(s: &str) -> String {
    let b64 = base64_encode(s.as_bytes()).unwrap_or_default();
    format!("=?UTF-8?B?{}?=", String::from_utf8_lossy(&b64))
}

/// An unstructured field value (Subject, Comments...): as it is when it is plain ASCII,
/// else RFC 2047 encoded words.
pub fn unstructured(s: &str) -> String {
    let s = clean_text(s);
    let trimmed = s.trim();
    if is_plain_header_text(trimmed) {
        trimmed.to_owned()
    } else {
        encoded_words(trimmed)
    }
}

/// Characters allowed in an RFC 5322 `atom` besides letters and digits.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

/// A display name as an RFC 5322 `phrase`: atoms when it is made of them, a quoted string
/// when it is other ASCII, encoded words when it is not ASCII.
pub fn phrase(name: &str) -> String {
    let name = clean_text(name);
    let name = name.trim();
    if name
        .split(' ')
        .all(|w| !w.is_empty() && w.chars().all(is_atext))
    {
        return name.to_owned();
    }
    if is_plain_header_text(name) {
        let mut q = String::with_capacity(name.len() + 2);
        q.push('"');
        for c in name.chars() {
            if c == '"' || c == '\\' {
                q.push('\\');
            }
            q.push(c);
        }
        q.push('"');
        return q;
    }
    encoded_words(name)
}

/// An RFC 5322 `addr-spec` for `addr`, or `None` when it is not an Internet address (an
/// Exchange distinguished name, a fax number, non-ASCII, an IMCEA-encapsulated address of
/// another type: see [`crate::addressbook::imcea`]).
pub fn addr_spec(addr: &str) -> Option<String> {
    if crate::addressbook::imcea::is_encapsulated(addr) {
        return None;
    }
    let addr = addr
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    let addr = addr
        .strip_prefix("mailto:")
        .or_else(|| addr.strip_prefix("SMTP:"))
        .unwrap_or(addr);
    // Outlook quotes typed addresses it could not resolve: 'jo@example.com'.
    let addr = addr
        .strip_prefix('\'')
        .and_then(|a| a.strip_suffix('\''))
        .unwrap_or(addr);
    let at = addr.rfind('@')?;
    let (local, domain) = (addr.get(..at)?, addr.get(at + 1..)?);
    if local.is_empty() || domain.is_empty() {
        return None;
    }
    let domain_ok = domain.split('.').all(|l| {
        !l.is_empty()
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }) || (domain.starts_with('[')
        && domain.ends_with(']')
        && domain
            .bytes()
            .all(|b| (0x21..0x7F).contains(&b) && b != b'\\'));
    if !domain_ok {
        return None;
    }
    let dot_atom = local
        .split('.')
        .all(|w| !w.is_empty() && w.chars().all(is_atext));
    if dot_atom {
        return Some(format!("{local}@{domain}"));
    }
    if local.bytes().all(|b| (0x20..0x7F).contains(&b)) {
        let inner = local.trim_matches('"');
        let mut q = String::from("\"");
        for c in inner.chars() {
            if c == '"' || c == '\\' {
                q.push('\\');
            }
            q.push(c);
        }
        q.push('"');
        return Some(format!("{q}@{domain}"));
    }
    None
}

/// A made-up but valid address for someone known only by name or by a non-SMTP address,
/// in the reserved `.invalid` domain (RFC 2606) so it can never reach anyone.
pub fn placeholder_addr(name: &str, addrtype: Option<&str>) -> String {
    let mut local = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            local.push(c.to_ascii_lowercase());
        } else if (c == ' ' || c == '.') && !local.is_empty() && !local.ends_with('.') {
            local.push('.');
        }
        if local.len() >= 48 {
            break;
        }
    }
    let local = local.trim_end_matches('.');
    let local = if local.is_empty() { "unknown" } else { local };
    let domain = match addrtype.map(str::to_ascii_uppercase).as_deref() {
        Some("EX") => "exchange.invalid",
        _ => "unknown.invalid",
    };
    format!("{local}@{domain}")
}

/// One mailbox (`phrase <addr-spec>` or a bare addr-spec when there is no name).
pub fn mailbox(name: Option<&str>, addr: &str) -> String {
    match name.map(str::trim).filter(|n| !n.is_empty() && *n != addr) {
        Some(n) => format!("{} <{}>", phrase(n), addr),
        None => addr.to_owned(),
    }
}

/// RFC 5322 3.3 date-time in UTC.
pub fn rfc5322_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// Whether a stored message id is usable as it is: one `<…>` token (or a bare one, which
/// gets its brackets) of printable ASCII with no whitespace, control character or angle
/// bracket inside. Outlook's own ids (`<…$…$@user@domain>`) are usable: importers and
/// de-duplicators compare ids as opaque tokens, so they are written byte for byte.
fn usable_id_token(token: &str) -> Option<&str> {
    let inner = token
        .strip_prefix('<')
        .and_then(|x| x.strip_suffix('>'))
        .unwrap_or(token);
    let ok = !inner.is_empty()
        && inner
            .bytes()
            .all(|b| (0x21..0x7F).contains(&b) && b != b'<' && b != b'>');
    ok.then_some(inner)
}

/// The `msg-id` to write for a stored id: the stored token itself when usable (bracketed
/// when it was stored bare), else a repair that depends only on the stored text (so an
/// In-Reply-To or References of another item naming the same id is repaired the same way).
/// `None` when nothing usable is left.
pub fn msg_id(s: &str) -> Option<String> {
    let token = s.trim();
    match usable_id_token(token) {
        Some(inner) => Some(format!("<{inner}>")),
        None => sanitize_msg_id(token),
    }
}

/// Splits a stored id list (In-Reply-To, References) into its tokens: each `<…>` whole
/// (whitespace inside included, so a damaged id stays one token), bare ids at whitespace
/// and commas.
fn id_tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        if rest.is_empty() {
            break;
        }
        let end = if rest.starts_with('<') {
            rest.find('>').map_or(rest.len(), |i| i + 1)
        } else {
            rest.find(|c: char| c.is_whitespace() || c == ',' || c == '<')
                .unwrap_or(rest.len())
        };
        let (token, tail) = rest.split_at(end);
        out.push(token);
        rest = tail;
    }
    out
}

/// A list of msg-ids (References, In-Reply-To): every token as [`msg_id`] writes it.
pub fn msg_id_list(s: &str) -> Option<String> {
    let ids: Vec<String> = id_tokens(s).into_iter().filter_map(msg_id).collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// A parameter (`; key=value`) of a Content-Type or Content-Disposition field: a token or
/// quoted string when the value is short ASCII, else RFC 2231 extended (and continued when
/// long) UTF-8 percent-encoding, which every modern reader understands for file names.
pub fn param(key: &str, value: &str) -> String {
    let value = clean_text(value);
    let ascii = value.bytes().all(|b| (0x20..0x7F).contains(&b));
    if ascii && value.len() + key.len() < 60 {
        let token = !value.is_empty()
            && value
                .bytes()
                .all(|b| b > 0x20 && !b"()<>@,;:\\\"/[]?=".contains(&b));
        if token {
            return format!("; {key}={value}");
        }
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
        return format!("; {key}=\"{escaped}\"");
    }
    // RFC 2231 3-4: charset'language'pct-encoded, split into numbered sections.
    let mut sections: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in value.chars() {
        let mut enc = String::new();
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                enc.push(char::from(b));
            } else {
                enc.push_str(&format!("%{b:02X}"));
            }
        }
        if cur.len() + enc.len() > 48 && !cur.is_empty() {
            sections.push(std::mem::take(&mut cur));
        }
        cur.push_str(&enc);
    }
    if !cur.is_empty() || sections.is_empty() {
        sections.push(cur);
    }
    if sections.len() == 1 {
        return format!(
            "; {key}*=UTF-8''{}",
            sections.first().map(String::as_str).unwrap_or("")
        );
    }
    let mut out = String::new();
    for (i, s) in sections.iter().enumerate() {
        if i == 0 {
            out.push_str(&format!("; {key}*0*=UTF-8''{s}"));
        } else {
            out.push_str(&format!("; {key}*{i}*={s}"));
        }
    }
    out
}

/// Header fields whose stored form is dropped because the rebuilt body brings its own.
const MIME_FIELDS: [&str; 4] = [
    "content-type",
    "content-transfer-encoding",
    "mime-version",
    "content-disposition",
];

/// Splits a stored transport header block (PidTagTransportMessageHeaders) into fields,
/// keeping each field's folded text as it was. Lines that are neither a field nor a
/// continuation are dropped with a note in `notes` (text: the caller, which knows the
/// message, locates it); the MIME fields are left out (the body is rebuilt from the
/// properties). Non-ASCII in a value is re-encoded.
pub fn parse_transport_headers(
    block: &str,
    book: &AddressBook,
    notes: &mut Vec<String>,
) -> Vec<Field> {
    let mut fields: Vec<Field> = Vec::new();
    let mut dropped = 0usize;
    let mut last_dropped = false;
    for line in block.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            // End of the header section (some stores keep a body or a second block after).
            if !fields.is_empty() {
                break;
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if last_dropped {
                continue;
            }
            if let Some(f) = fields.last_mut() {
                f.value.push_str("\r\n");
                f.value.push_str(line);
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            dropped += 1;
            last_dropped = true;
            continue;
        };
        let name_ok =
            !name.is_empty() && name.bytes().all(|b| (0x21..0x7F).contains(&b) && b != b':');
        if !name_ok {
            dropped += 1;
            last_dropped = true;
            continue;
        }
        last_dropped = false;
        let value = value.strip_prefix(' ').unwrap_or(value);
        fields.push(Field::new(name, value));
    }
    if dropped > 0 {
        notes.push(format!(
            "{dropped} malformed line(s) of the stored transport headers left out"
        ));
    }
    let mut out = Vec::with_capacity(fields.len());
    for mut f in fields {
        if name_in(&f.name, &MIME_FIELDS) {
            continue;
        }
        let all_blank = f.value.split("\r\n").all(|l| l.trim().is_empty());
        // Address fields are rebuilt from their parts below (names decoded and re-encoded
        // on their own), so raw 8-bit names there keep their address outside the encoding.
        let address = name_in(&f.name, &ADDRESS_FIELDS) && !all_blank;
        // Message ids are checked token by token below, and repaired there when unusable.
        let ids = name_in(&f.name, &ID_FIELDS) && !all_blank;
        if !ids
            && (!address && !f.value.is_ascii()
                || f.value
                    .bytes()
                    .any(|b| b < 0x20 && b != b'\t' && b != b'\r' && b != b'\n')
                || all_blank)
        {
            // An 8-bit or control-laden value: unfold and re-encode (the value's meaning as
            // text survives; its exact bytes could not be carried in a 7-bit header).
            let unfolded = f.value.replace("\r\n", "");
            if unfolded.trim().is_empty() {
                continue;
            }
            f.value = unstructured(&unfolded);
        }
        // A folded line that is empty (only whitespace) ends the header section early in
        // some parsers; drop such continuation lines.
        if f.value.contains("\r\n") {
            let parts: Vec<&str> = f
                .value
                .split("\r\n")
                .filter(|l| !l.trim().is_empty())
                .collect();
            f.value = parts.join("\r\n");
        }
        out.extend(repair_stored_field(f, book));
    }
    out
}

/// Decodes the RFC 2047 encoded words of a header text (any charset `encoding_rs` knows,
/// so `gb2312` is read as its superset GBK), dropping whitespace between adjacent words.
pub fn decode_words(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    let mut pending_ws = String::new();
    let mut last_was_word = false;
    while !rest.is_empty() {
        if let Some((decoded, used)) = rest.strip_prefix("=?").and_then(|_| decode_one_word(rest)) {
            if !last_was_word {
                out.push_str(&pending_ws);
            }
            pending_ws.clear();
            out.push_str(&decoded);
            rest = rest.get(used..).unwrap_or("");
            last_was_word = true;
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        if c == ' ' || c == '\t' {
            pending_ws.push(c);
        } else {
            out.push_str(&pending_ws);
            pending_ws.clear();
            out.push(c);
            last_was_word = false;
        }
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    out.push_str(&pending_ws);
    out
}

/// One encoded word at the start of `s`: its text and the bytes it took.
fn decode_one_word(s: &str) -> Option<(String, usize)> {
    let body = s.get(2..)?;
    let (charset, rest) = body.split_once('?')?;
    let (enc, rest) = rest.split_once('?')?;
    let end = rest.find("?=")?;
    let text = rest.get(..end)?;
    if text.contains(' ') || charset.is_empty() {
        return None;
    }
    let used = 2 + charset.len() + 1 + enc.len() + 1 + end + 2;
    let charset = charset.split('*').next().unwrap_or(charset);
    let bytes = match enc {
        "B" | "b" => base64_decode(text)?,
        "Q" | "q" => {
            let mut v = Vec::new();
            let b = text.as_bytes();
            let mut i = 0;
            while let Some(&c) = b.get(i) {
                if c == b'_' {
                    v.push(b' ');
                } else if c == b'=' {
                    let hexs = b
                        .get(i + 1..i + 3)
                        .and_then(|h| std::str::from_utf8(h).ok());
                    match hexs.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        Some(x) => {
                            v.push(x);
                            i += 2;
                        }
                        None => v.push(c),
                    }
                } else {
                    v.push(c);
                }
                i += 1;
            }
            v
        }
        _ => return None,
    };
    let encoding =
        encoding_rs::Encoding::for_label(charset.as_bytes()).unwrap_or(encoding_rs::WINDOWS_1252);
    let (text, _, _) = encoding.decode(&bytes);
    Some((text.into_owned(), used))
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
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
            out.push(((acc >> bits) & 0xFF) as u8);
        }
    }
    Some(out)
}

/// Splits an address list at the commas that separate its members (not those inside
/// quotes, angle brackets or comments).
fn split_address_list(s: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut escaped, mut angle, mut paren) = (false, false, 0i32, 0i32);
    for c in s.chars() {
        if escaped {
            escaped = false;
            cur.push(c);
            continue;
        }
        match c {
            '\\' if quoted || paren > 0 => escaped = true,
            '"' if paren == 0 => quoted = !quoted,
            '<' if !quoted && paren == 0 => angle += 1,
            '>' if !quoted && paren == 0 => angle = (angle - 1).max(0),
            '(' if !quoted => paren += 1,
            ')' if !quoted => paren = (paren - 1).max(0),
            ',' if !quoted && angle == 0 && paren == 0 => {
                items.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    items.push(cur);
    items
        .into_iter()
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty())
        .collect()
}

/// One stored mailbox (`name <addr>`, `addr (name)` or a bare address) split into its
/// display name (as written: encoded words not yet decoded) and its address.
fn split_mailbox(item: &str) -> (String, String) {
    let unquote = |n: &str| {
        let n = n.trim();
        let n = n
            .strip_prefix('"')
            .and_then(|x| x.strip_suffix('"'))
            .unwrap_or(n);
        n.replace("\\\"", "\"").replace("\\\\", "\\")
    };
    match (item.find('<'), item.rfind('>')) {
        (Some(a), Some(b)) if a < b => (
            unquote(item.get(..a).unwrap_or("")),
            item.get(a + 1..b).unwrap_or("").trim().to_owned(),
        ),
        _ => match (item.find('('), item.rfind(')')) {
            (Some(a), Some(b)) if a < b => (
                item.get(a + 1..b).unwrap_or("").to_owned(),
                item.get(..a).unwrap_or("").trim().to_owned(),
            ),
            _ => (String::new(), item.trim().to_owned()),
        },
    }
}

/// The mailboxes of a stored address list: each one's display name (encoded words as
/// written) and address (as written: an Internet address, an Exchange DN, a bare name).
pub fn address_list(s: &str) -> Vec<(String, String)> {
    split_address_list(s)
        .iter()
        .filter(|i| !(i.ends_with(';') && i.contains(':') && !i.contains('<')))
        .map(|i| split_mailbox(i))
        .collect()
}

/// Rebuilds one stored address in a form every parser reads: the name decoded and
/// re-encoded, the address checked. An Exchange DN (bare or IMCEAEX-encapsulated) is looked
/// up in the store's address book, another encapsulated address gives the SMTP address it
/// holds; what is not an Internet address after that becomes a placeholder in `.invalid`.
/// Returns the mailbox and whether the address itself had to be replaced.
fn rebuild_mailbox(item: &str, book: &AddressBook) -> (String, bool) {
    let (name, addr) = split_mailbox(item);
    let name = decode_words(&name);
    let name = name.trim();
    match addr_spec(&addr) {
        Some(a) => (mailbox(Some(name), &a), false),
        None => {
            let shown = if name.is_empty() { addr.trim() } else { name };
            if let Some(r) = book.resolve_address(&addr, shown) {
                return (mailbox(Some(shown), r.address()), true);
            }
            let basis = if name.is_empty() { addr.as_str() } else { name };
            let kind = crate::addressbook::dn_key(&addr).map(|_| "EX");
            (mailbox(Some(shown), &placeholder_addr(basis, kind)), true)
        }
    }
}

/// Whether a field name is one of `names` (given in lower case; names compare without case).
fn name_in(name: &str, names: &[&str]) -> bool {
    names.iter().any(|n| name.eq_ignore_ascii_case(n))
}

/// Stored fields whose syntax is checked and, when a reader would find a defect, rebuilt.
const ADDRESS_FIELDS: [&str; 8] = [
    "from",
    "to",
    "cc",
    "bcc",
    "reply-to",
    "sender",
    "resent-from",
    "resent-to",
];

/// Makes a stored header field valid for strict parsers: address fields get their names
/// re-encoded (as UTF-8 encoded words) and unusable addresses replaced by placeholders;
/// message ids that are not `<left@right>` are sanitised. Where an address or id had to be
/// changed, the original text is kept in an `X-Original-*` field.
pub fn repair_stored_field(f: Field, book: &AddressBook) -> Vec<Field> {
    if name_in(&f.name, &ADDRESS_FIELDS) {
        let unfolded = f.value.replace("\r\n", "");
        let unfolded = unfolded.trim();
        let mut changed = false;
        let mut out = Vec::new();
        for item in split_address_list(unfolded) {
            let is_group = item.ends_with(';') && item.contains(':') && !item.contains('<');
            if is_group && item.is_ascii() {
                out.push(item);
                continue;
            }
            let (mb, replaced) = rebuild_mailbox(&item, book);
            changed |= replaced;
            out.push(mb);
        }
        if out.is_empty() {
            return vec![f];
        }
        let mut fields = vec![Field::new(&f.name, out.join(", "))];
        if changed {
            fields.push(Field::new(
                &format!("X-Original-{}", f.name),
                unstructured(unfolded),
            ));
        }
        return fields;
    }
    if name_in(&f.name, &ID_FIELDS) {
        let unfolded = f.value.replace("\r\n", "");
        let tokens = id_tokens(&unfolded);
        if !tokens.is_empty() && tokens.iter().all(|t| usable_id_token(t).is_some()) {
            // Usable as stored, and separated by whitespace: the field is kept byte for
            // byte, folds included. Other separators (`<a>,<b>`) become spaces; the ids
            // themselves are still as stored.
            let separated = unfolded.split_whitespace().count() == tokens.len();
            if separated {
                return vec![f];
            }
            return vec![Field::new(&f.name, tokens.join(" "))];
        }
        let fixed: Vec<String> = tokens.iter().filter_map(|t| msg_id(t)).collect();
        let mut fields = Vec::new();
        if !fixed.is_empty() {
            let v = if f.name.eq_ignore_ascii_case("message-id") {
                fixed.first().cloned().unwrap_or_default()
            } else {
                fixed.join(" ")
            };
            fields.push(Field::new(&f.name, v));
        }
        fields.push(Field::new(
            &format!("X-Original-{}", f.name),
            unstructured(unfolded.trim()),
        ));
        return fields;
    }
    vec![f]
}

/// Stored fields that hold message ids.
const ID_FIELDS: [&str; 3] = ["message-id", "in-reply-to", "references"];

/// A valid `<left@right>` made from a damaged one: characters that cannot appear in either
/// side become `_` (an extra `@` on the left included).
fn sanitize_msg_id(s: &str) -> Option<String> {
    let inner = s.trim().trim_start_matches('<').trim_end_matches('>');
    let (left, right) = inner.rsplit_once('@').unwrap_or((inner, "unknown.invalid"));
    let clean = |p: &str| -> String {
        p.chars()
            .map(|c| {
                if c.is_ascii() && (is_atext(c) || c == '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
            .trim_matches('.')
            .replace("..", "._")
    };
    let (l, r) = (clean(left), clean(right));
    if l.is_empty() || r.is_empty() {
        return None;
    }
    Some(format!("<{l}@{r}>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_subject_is_plain_and_folded() {
        let mut out = Vec::new();
        write_field(
            &mut out,
            &Field::new("Subject", unstructured("Hello world")),
        );
        assert_eq!(out, b"Subject: Hello world\r\n");
        let long = "word ".repeat(20);
        let mut out = Vec::new();
        write_field(&mut out, &Field::new("Subject", unstructured(&long)));
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().all(|l| l.len() <= 78), "{text}");
        assert_eq!(
            text.replace("\r\n", ""),
            format!("Subject: {}\r\n", long.trim()).replace("\r\n", "")
        );
    }

    #[test]
    fn non_ascii_subject_becomes_encoded_words() {
        assert_eq!(
            unstructured("Zażółć gęślą jaźń"),
            "=?UTF-8?B?WmHFvMOzxYLEhyBnxJnFm2zEhSBqYcW6xYQ=?="
        );
        // 47 bytes per word at most, split on character boundaries.
        let long = "ż".repeat(40);
        let enc = unstructured(&long);
        let words: Vec<&str> = enc.split(' ').collect();
        assert_eq!(words.len(), 2);
        assert!(words.iter().all(|w| w.len() <= 75));
        // Something that looks like an encoded word is itself encoded.
        assert!(unstructured("=?x?Q?y?=").starts_with("=?UTF-8?B?"));
    }

    #[test]
    fn phrases_and_addresses() {
        assert_eq!(phrase("John Doe"), "John Doe");
        assert_eq!(phrase("Doe, John"), "\"Doe, John\"");
        assert_eq!(phrase("Łukasz"), "=?UTF-8?B?xYF1a2Fzeg==?=");
        assert_eq!(
            addr_spec("john@example.com").as_deref(),
            Some("john@example.com")
        );
        assert_eq!(
            addr_spec("<john@example.com>").as_deref(),
            Some("john@example.com")
        );
        assert_eq!(
            addr_spec("john doe@example.com").as_deref(),
            Some("\"john doe\"@example.com")
        );
        assert_eq!(addr_spec("/O=ORG/OU=SITE/CN=RECIPIENTS/CN=JDOE"), None);
        assert_eq!(
            addr_spec("'jo@example.com'").as_deref(),
            Some("jo@example.com")
        );
        assert_eq!(
            placeholder_addr("John Doe", Some("EX")),
            "john.doe@exchange.invalid"
        );
        assert_eq!(placeholder_addr("Żółw", None), "w@unknown.invalid");
        assert_eq!(
            mailbox(Some("Doe, John"), "j@x.org"),
            "\"Doe, John\" <j@x.org>"
        );
        assert_eq!(mailbox(None, "j@x.org"), "j@x.org");
    }

    #[test]
    fn rfc2231_parameters() {
        assert_eq!(param("filename", "report.pdf"), "; filename=report.pdf");
        assert_eq!(
            param("filename", "my report.pdf"),
            "; filename=\"my report.pdf\""
        );
        assert_eq!(
            param("filename", "zażółć.txt"),
            "; filename*=UTF-8''za%C5%BC%C3%B3%C5%82%C4%87.txt"
        );
        let long = param("filename", &"é".repeat(20));
        assert!(long.starts_with("; filename*0*=UTF-8''%C3%A9"), "{long}");
        assert!(long.contains("; filename*1*=%C3%A9"), "{long}");
    }

    #[test]
    fn stored_fields_are_repaired() {
        let book = AddressBook::new();
        let f = |n: &str, v: &str| repair_stored_field(Field::new(n, v), &book);
        assert_eq!(
            f("To", "a@b.org, \"Doe, J\" <j@x.org>"),
            vec![Field::new("To", "a@b.org, \"Doe, J\" <j@x.org>")]
        );
        assert_eq!(
            f("To", "asposeemail.test4 <t4@aspose.com>"),
            vec![Field::new("To", "\"asposeemail.test4\" <t4@aspose.com>")]
        );
        // GB2312 that is really GBK, re-encoded as UTF-8.
        let name = decode_words("=?GB2312?B?uN+K7dOo?=");
        assert_eq!(name.chars().count(), 3);
        assert!(!name.contains('\u{fffd}'), "{name}");
        assert_eq!(
            f("From", "=?GB2312?B?uN+K7dOo?= <y@f.com>"),
            vec![Field::new("From", format!("{} <y@f.com>", phrase(&name)))]
        );
        assert_eq!(
            f("Reply-To", "<Rolf Petersson>"),
            vec![
                Field::new(
                    "Reply-To",
                    "Rolf Petersson <rolf.petersson@unknown.invalid>"
                ),
                Field::new("X-Original-Reply-To", "<Rolf Petersson>")
            ]
        );
        // Outlook's own ids are kept byte for byte, folds included.
        assert_eq!(
            f("Message-ID", "<1$a$@razzaq@xp.local>"),
            vec![Field::new("Message-ID", "<1$a$@razzaq@xp.local>")]
        );
        assert_eq!(
            f("References", "<a@x>\r\n <1$a$@razzaq@xp.local>"),
            vec![Field::new("References", "<a@x>\r\n <1$a$@razzaq@xp.local>")]
        );
        // An id with a space is one damaged token, repaired as the property would be.
        assert_eq!(
            f("In-Reply-To", "<a b@x> <ok@y>"),
            vec![
                Field::new("In-Reply-To", "<a_b@x> <ok@y>"),
                Field::new("X-Original-In-Reply-To", "<a b@x> <ok@y>")
            ]
        );
        assert_eq!(msg_id("<a b@x>").as_deref(), Some("<a_b@x>"));
        assert_eq!(
            f("References", "<a@x>,<b@y>"),
            vec![Field::new("References", "<a@x> <b@y>")]
        );
        assert_eq!(
            f("Message-ID", "<ok@x>"),
            vec![Field::new("Message-ID", "<ok@x>")]
        );
        assert_eq!(
            decode_words("=?utf-8?q?Ren=C3=A9?= =?utf-8?b?IMOg?= x"),
            "René à x"
        );
    }

    #[test]
    fn message_ids() {
        assert_eq!(msg_id("abc@x").as_deref(), Some("<abc@x>"));
        assert_eq!(msg_id("<abc@x>").as_deref(), Some("<abc@x>"));
        assert_eq!(msg_id("<1$a$@u@d.org>").as_deref(), Some("<1$a$@u@d.org>"));
        assert_eq!(msg_id("<12345>").as_deref(), Some("<12345>"));
        assert_eq!(msg_id("a b").as_deref(), Some("<a_b@unknown.invalid>"));
        assert_eq!(msg_id("<>"), None);
        assert_eq!(msg_id("<caf\u{e9}@x>").as_deref(), Some("<caf_@x>"));
        assert_eq!(
            msg_id_list("<a@x> <b@y>\r\n <c@z>").as_deref(),
            Some("<a@x> <b@y> <c@z>")
        );
    }

    #[test]
    fn transport_headers_keep_fields_and_drop_mime_ones() {
        let block = "Received: from a\r\n\tby b; Mon, 1 Jan 2007 10:00:00 +0000\r\nMessage-ID: <1@x>\r\nContent-Type: text/plain;\r\n charset=us-ascii\r\nMIME-Version: 1.0\r\nSubject: caf\u{e9}\r\n\r\n";
        let mut w = Vec::new();
        let f = parse_transport_headers(block, &AddressBook::new(), &mut w);
        assert!(w.is_empty());
        let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Received", "Message-ID", "Subject"]);
        assert_eq!(
            f[0].value,
            "from a\r\n\tby b; Mon, 1 Jan 2007 10:00:00 +0000"
        );
        assert_eq!(f[2].value, "=?UTF-8?B?Y2Fmw6k=?=");
        let mut out = Vec::new();
        write_field(&mut out, &f[0]);
        assert_eq!(
            out,
            b"Received: from a\r\n\tby b; Mon, 1 Jan 2007 10:00:00 +0000\r\n"
        );
    }
}

#[cfg(test)]
mod raw_8bit_tests {
    use super::*;

    #[test]
    fn raw_utf8_names_in_stored_address_fields_keep_their_address() {
        let raw = "Received: from a by b; Tue, 12 Mar 2024 05:18:00 +0000\r\nFrom: Дмитрий Иванов <dmitry@example.ru>\r\nTo: alice@example.com\r\n\r\n";
        let mut w = Vec::new();
        let fields = parse_transport_headers(raw, &AddressBook::new(), &mut w);
        let from = fields.iter().find(|f| f.name == "From").unwrap();
        assert!(from.value.is_ascii());
        assert!(
            from.value.ends_with("<dmitry@example.ru>"),
            "{}",
            from.value
        );
        assert_eq!(
            decode_words(from.value.trim_end_matches("<dmitry@example.ru>").trim()),
            "Дмитрий Иванов"
        );
        assert!(!fields.iter().any(|f| f.name == "X-Original-From"));
    }
}
