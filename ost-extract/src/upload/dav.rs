//! CalDAV ([RFC 4791]) and CardDAV ([RFC 6352]) uploading over `ureq` (rustls): discovery
//! from a base URL (the well-known URIs of [RFC 6764], `current-user-principal`, the home
//! set), a collection per source folder (MKCALENDAR, extended MKCOL of [RFC 5689]) unless the
//! URL names one collection, and one resource per UID, PUT with `If-None-Match: *`.
//!
//! [RFC 4791]: https://www.rfc-editor.org/rfc/rfc4791
//! [RFC 6352]: https://www.rfc-editor.org/rfc/rfc6352
//! [RFC 6764]: https://www.rfc-editor.org/rfc/rfc6764
//! [RFC 5689]: https://www.rfc-editor.org/rfc/rfc5689

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use quick_xml::events::Event;
use quick_xml::Reader;
use rustls::ClientConfig;

use super::imap::{percent_decode, split_host_port};
use super::{Auth, UploadError};

/// Calendars or address books.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DavKind {
    /// CalDAV: events and tasks.
    CalDav,
    /// CardDAV: contacts and lists.
    CardDav,
}

/// A CalDAV or CardDAV URL: `https://USER@HOST[:PORT]/PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DavUrl {
    /// The URL without the user (`https://host:port/path`).
    pub url: String,
    /// The login name.
    pub user: String,
}

impl DavUrl {
    /// Parses the URL; `http://` only when plaintext is allowed; a password in it is refused.
    pub fn parse(url: &str, option: &str, allow_plaintext: bool) -> Result<Self, UploadError> {
        let bad = |why: &str| UploadError::Usage(format!("{option} {url:?}: {why}"));
        let (scheme, rest) = if let Some(r) = url.strip_prefix("https://") {
            ("https", r)
        } else if let Some(r) = url.strip_prefix("http://") {
            if !allow_plaintext {
                return Err(bad(
                    "http:// sends the password in clear: use https:// or --allow-plaintext",
                ));
            }
            ("http", r)
        } else {
            return Err(bad("must start with https://"));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, "/"),
        };
        let (user, hostport) = authority
            .rsplit_once('@')
            .ok_or_else(|| bad("name the user: https://USER@HOST/"))?;
        if user.contains(':') {
            return Err(bad(
                "no password in the URL: use OST_EXTRACT_PASSWORD, --password-file or the prompt",
            ));
        }
        split_host_port(hostport).ok_or_else(|| bad("bad host or port"))?;
        let path = if path.ends_with('/') {
            path.to_owned()
        } else {
            format!("{path}/")
        };
        Ok(Self {
            url: format!("{scheme}://{hostport}{path}"),
            user: percent_decode(user),
        })
    }

    fn origin(&self) -> &str {
        let after = self.url.find("://").map_or(0, |i| i + 3);
        match self.url.get(after..).and_then(|r| r.find('/')) {
            Some(i) => self.url.get(..after + i).unwrap_or(&self.url),
            None => &self.url,
        }
    }
}

/// One response of a multistatus.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DavResponse {
    /// The resource.
    pub href: String,
    /// The local names of its resource types (`collection`, `calendar`, `addressbook`).
    pub resource_types: Vec<String>,
    /// `current-user-principal`.
    pub principal: Option<String>,
    /// `calendar-home-set` or `addressbook-home-set`.
    pub home: Option<String>,
    /// `supported-calendar-component-set`: `VEVENT`, `VTODO`...
    pub components: Vec<String>,
}

/// Reads the responses of a `207 Multi-Status` body (namespaces ignored: only local names).
pub fn parse_multistatus(xml: &[u8]) -> Vec<DavResponse> {
    let mut reader = Reader::from_reader(xml);
    let mut out = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut cur = DavResponse::default();
    let mut buf = Vec::new();
    while let Ok(ev) = reader.read_event_into(&mut buf) {
        match ev {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "response" {
                    cur = DavResponse::default();
                }
                path.push(name);
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let parent = path.last().map(String::as_str);
                if parent == Some("resourcetype") {
                    cur.resource_types.push(name);
                } else if parent == Some("supported-calendar-component-set") && name == "comp" {
                    for a in e.attributes().flatten() {
                        if a.key.local_name().as_ref() == b"name" {
                            cur.components
                                .push(String::from_utf8_lossy(&a.value).into_owned());
                        }
                    }
                }
            }
            Event::Text(t) => {
                let text = t
                    .unescape()
                    .map(|s| s.trim().to_owned())
                    .unwrap_or_default();
                if text.is_empty() || path.last().map(String::as_str) != Some("href") {
                    buf.clear();
                    continue;
                }
                let parent = path
                    .len()
                    .checked_sub(2)
                    .and_then(|i| path.get(i))
                    .map(String::as_str);
                match parent {
                    Some("response") => cur.href = text,
                    Some("current-user-principal") => cur.principal = Some(text),
                    Some("calendar-home-set" | "addressbook-home-set") => cur.home = Some(text),
                    _ => {}
                }
            }
            Event::End(_) if path.pop().as_deref() == Some("response") => {
                out.push(std::mem::take(&mut cur));
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// A DAV client: one agent (connection pool), the credentials, the retry policy.
pub struct DavClient {
    agent: ureq::Agent,
    user: String,
    auth: Auth,
    /// How many times a request is tried when the server is busy or the connection drops.
    pub attempts: u32,
}

impl std::fmt::Debug for DavClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DavClient")
            .field("user", &self.user)
            .finish()
    }
}

/// The answer to a request: status and body.
#[derive(Debug)]
pub struct DavReply {
    /// The HTTP status.
    pub status: u16,
    /// `Location`, for redirects.
    pub location: Option<String>,
    /// The body (at most 16 MiB read).
    pub body: Vec<u8>,
}

impl DavClient {
    /// A client for `user` with `auth`, trusting `tls`'s roots.
    pub fn new(user: &str, auth: Auth, tls: Arc<ClientConfig>) -> Self {
        let agent = ureq::AgentBuilder::new()
            .tls_config(tls)
            .redirects(0)
            .timeout_connect(Duration::from_secs(30))
            .timeout_read(Duration::from_secs(120))
            .timeout_write(Duration::from_secs(120))
            .build();
        Self {
            agent,
            user: user.to_owned(),
            auth,
            attempts: 6,
        }
    }

    fn authorization(&self) -> Result<String, UploadError> {
        Ok(match &self.auth {
            Auth::Password(pw) => format!(
                "Basic {}",
                base64_simd::STANDARD.encode_to_string(format!("{}:{}", self.user, pw.expose()))
            ),
            Auth::OAuth2(src) => format!("Bearer {}", src.token()?.expose()),
        })
    }

    /// Sends a request, retrying with backoff on dropped connections, 429 and 503 (waiting
    /// as `Retry-After` says, at most five minutes). 401 is an authentication error.
    pub fn request(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<DavReply, UploadError> {
        let auth = self.authorization()?;
        let mut delay = Duration::from_millis(500);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = self.agent.request(method, url).set("Authorization", &auth);
            for (k, v) in headers {
                req = req.set(k, v);
            }
            let result = req.send_bytes(body);
            let (resp, transient) = match result {
                Ok(r) => (r, false),
                Err(ureq::Error::Status(code, r)) => (r, code == 429 || code == 503),
                Err(ureq::Error::Transport(t)) => {
                    if attempt >= self.attempts {
                        return Err(UploadError::Connection {
                            host: url.to_owned(),
                            what: t.to_string(),
                        });
                    }
                    thread::sleep(delay);
                    delay = (delay * 2).min(Duration::from_secs(30));
                    continue;
                }
            };
            let status = resp.status();
            if transient && attempt < self.attempts {
                let wait = resp
                    .header("Retry-After")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map_or(delay, |s| Duration::from_secs(s.min(300)));
                thread::sleep(wait);
                delay = (delay * 2).min(Duration::from_secs(30));
                continue;
            }
            if status == 401 {
                return Err(UploadError::Auth(match self.auth {
                    Auth::OAuth2(_) => format!(
                        "{url} refused the OAuth 2.0 token for {} (expired, revoked, or without the calendar/contacts scope)",
                        self.user
                    ),
                    Auth::Password(_) => format!("{url} refused the password for {}", self.user),
                }));
            }
            let location = resp.header("Location").map(str::to_owned);
            let mut body = Vec::new();
            let _ = std::io::Read::read_to_end(
                &mut std::io::Read::take(resp.into_reader(), 16 << 20),
                &mut body,
            );
            return Ok(DavReply {
                status,
                location,
                body,
            });
        }
    }

    fn propfind(&self, url: &str, depth: &str, props: &str) -> Result<DavReply, UploadError> {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:propfind xmlns:d=\"DAV:\" \
             xmlns:c=\"urn:ietf:params:xml:ns:caldav\" xmlns:a=\"urn:ietf:params:xml:ns:carddav\">\
             <d:prop>{props}</d:prop></d:propfind>"
        );
        let mut url = url.to_owned();
        // Well-known URIs redirect; follow a few (ureq follows redirects of GET only).
        for _ in 0..5 {
            let r = self.request(
                "PROPFIND",
                &url,
                &[
                    ("Depth", depth),
                    ("Content-Type", "application/xml; charset=utf-8"),
                ],
                body.as_bytes(),
            )?;
            match (r.status, &r.location) {
                (301 | 302 | 307 | 308, Some(loc)) => url = resolve(&url, loc),
                _ => return Ok(r),
            }
        }
        Err(UploadError::Protocol(format!("{url}: too many redirects")))
    }

    /// Finds where collections go: the URL itself when it is a collection of the right kind
    /// (`Target::Collection`), else the user's home set, through the principal.
    pub fn discover(&self, base: &DavUrl, kind: DavKind) -> Result<Target, UploadError> {
        let (home_prop, well_known, collection_type) = match kind {
            DavKind::CalDav => ("<c:calendar-home-set/>", "/.well-known/caldav", "calendar"),
            DavKind::CardDav => (
                "<a:addressbook-home-set/>",
                "/.well-known/carddav",
                "addressbook",
            ),
        };
        let props = format!("<d:resourcetype/><d:current-user-principal/>{home_prop}");
        let mut url = base.url.clone();
        let mut r = self.propfind(&url, "0", &props)?;
        if r.status != 207 {
            url = format!("{}{well_known}", base.origin());
            r = self.propfind(&url, "0", &props)?;
        }
        if r.status != 207 {
            return Err(UploadError::Dav {
                url,
                status: r.status,
                what: "no DAV service here (PROPFIND)".into(),
            });
        }
        let resp = parse_multistatus(&r.body);
        let first = resp.first().cloned().unwrap_or_default();
        if first.resource_types.iter().any(|t| t == collection_type) {
            return Ok(Target::Collection(url));
        }
        if let Some(home) = first.home {
            return Ok(Target::Home(resolve(&url, &home)));
        }
        let principal = first.principal.ok_or_else(|| UploadError::Dav {
            url: url.clone(),
            status: 207,
            what: "the server names no current-user-principal".into(),
        })?;
        let purl = resolve(&url, &principal);
        let r = self.propfind(&purl, "0", home_prop)?;
        let home = parse_multistatus(&r.body).into_iter().find_map(|x| x.home);
        Ok(Target::Home(resolve(&purl, &home.unwrap_or(principal))))
    }

    /// Makes sure collection `url` exists: creates it (MKCALENDAR for `component` VEVENT or
    /// VTODO, extended MKCOL for an address book) when PROPFIND does not find it.
    pub fn ensure_collection(
        &self,
        url: &str,
        kind: DavKind,
        component: &str,
        display_name: &str,
    ) -> Result<(), UploadError> {
        let r = self.propfind(url, "0", "<d:resourcetype/>")?;
        if r.status == 207 {
            return Ok(());
        }
        let name = xml_escape(display_name);
        let (method, body) = match kind {
            DavKind::CalDav => (
                "MKCALENDAR",
                format!(
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<c:mkcalendar xmlns:d=\"DAV:\" \
                     xmlns:c=\"urn:ietf:params:xml:ns:caldav\"><d:set><d:prop>\
                     <d:displayname>{name}</d:displayname><c:supported-calendar-component-set>\
                     <c:comp name=\"{component}\"/></c:supported-calendar-component-set>\
                     </d:prop></d:set></c:mkcalendar>"
                ),
            ),
            DavKind::CardDav => (
                "MKCOL",
                format!(
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:mkcol xmlns:d=\"DAV:\" \
                     xmlns:a=\"urn:ietf:params:xml:ns:carddav\"><d:set><d:prop><d:resourcetype>\
                     <d:collection/><a:addressbook/></d:resourcetype>\
                     <d:displayname>{name}</d:displayname></d:prop></d:set></d:mkcol>"
                ),
            ),
        };
        let r = self.request(
            method,
            url,
            &[("Content-Type", "application/xml; charset=utf-8")],
            body.as_bytes(),
        )?;
        if matches!(r.status, 200 | 201 | 204) {
            Ok(())
        } else {
            Err(UploadError::Dav {
                url: url.to_owned(),
                status: r.status,
                what: format!(
                    "{method} refused (the server may not let clients create collections: name one with the URL): {}",
                    String::from_utf8_lossy(&r.body).chars().take(200).collect::<String>()
                ),
            })
        }
    }

    /// PUTs one resource. `Ok(true)`: stored; `Ok(false)`: one with that name exists and
    /// `overwrite` is off (412 to `If-None-Match: *`).
    pub fn put(
        &self,
        url: &str,
        content_type: &str,
        body: &[u8],
        overwrite: bool,
    ) -> Result<bool, UploadError> {
        let mut headers = vec![("Content-Type", content_type)];
        if !overwrite {
            headers.push(("If-None-Match", "*"));
        }
        let r = self.request("PUT", url, &headers, body)?;
        match r.status {
            200 | 201 | 204 => Ok(true),
            412 => Ok(false),
            s => Err(UploadError::Dav {
                url: url.to_owned(),
                status: s,
                what: String::from_utf8_lossy(&r.body).chars().take(300).collect(),
            }),
        }
    }

    /// GETs a resource's body (for checking an upload).
    pub fn get(&self, url: &str) -> Result<Option<Vec<u8>>, UploadError> {
        let r = self.request("GET", url, &[], &[])?;
        Ok((r.status == 200).then_some(r.body))
    }

    /// The resources directly in a collection (PROPFIND depth 1), without the collection.
    pub fn list(&self, url: &str) -> Result<Vec<String>, UploadError> {
        let r = self.propfind(url, "1", "<d:resourcetype/>")?;
        let own = url_path(url);
        Ok(parse_multistatus(&r.body)
            .into_iter()
            .map(|x| resolve(url, &x.href))
            .filter(|h| url_path(h) != own)
            .collect())
    }
}

/// Where DAV resources go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The user's home set: one collection per source folder is made there.
    Home(String),
    /// One named collection: everything goes there.
    Collection(String),
}

fn url_path(url: &str) -> String {
    let after = url.find("://").map_or(0, |i| i + 3);
    let path = url
        .get(after..)
        .and_then(|r| r.find('/').map(|i| &r[i..]))
        .unwrap_or("/");
    percent_decode(path.trim_end_matches('/'))
}

/// Resolves `href` (absolute URL or absolute path) against `base`.
pub fn resolve(base: &str, href: &str) -> String {
    if href.starts_with("http://") || href.starts_with("https://") {
        return href.to_owned();
    }
    let after = base.find("://").map_or(0, |i| i + 3);
    let origin = match base.get(after..).and_then(|r| r.find('/')) {
        Some(i) => base.get(..after + i).unwrap_or(base),
        None => base,
    };
    if href.starts_with('/') {
        format!("{origin}{href}")
    } else {
        let dir = base.rsplit_once('/').map_or(base, |(d, _)| d);
        format!("{dir}/{href}")
    }
}

/// A path segment: unreserved characters as they are, everything else percent-encoded.
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One iCalendar or vCard object to PUT: its UID and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// The UID.
    pub uid: String,
    /// The whole resource (a VCALENDAR, or one vCard).
    pub text: String,
}

/// Splits a VCALENDAR into one per UID: each holds the calendar's own properties, every
/// component with that UID (a series and its exceptions) and the VTIMEZONEs they use, in
/// the order of the input. Components without a UID are left out.
pub fn split_calendar(ics: &str) -> Vec<Resource> {
    struct Comp {
        uid: Option<String>,
        tzid: Option<String>,
        uses: Vec<String>,
        text: String,
    }
    let mut header = String::new();
    let mut comps: Vec<Comp> = Vec::new();
    let mut depth = 0usize;
    let mut current: Option<Comp> = None;
    for line in unfolded_lines(ics) {
        let (raw, logical) = line;
        let upper = logical.to_ascii_uppercase();
        if upper.starts_with("BEGIN:") {
            depth += 1;
            if depth == 2 {
                current = Some(Comp {
                    uid: None,
                    tzid: None,
                    uses: Vec::new(),
                    text: String::new(),
                });
            }
        }
        match (&mut current, depth) {
            (Some(c), d) if d >= 2 => {
                c.text.push_str(&raw);
                if d == 2 {
                    if let Some(v) = prop_value(&logical, "UID") {
                        c.uid = Some(v.to_owned());
                    }
                    if let Some(v) = prop_value(&logical, "TZID") {
                        c.tzid = Some(v.to_owned());
                    }
                }
                if let Some(t) = tzid_param(&logical) {
                    if !c.uses.contains(&t) {
                        c.uses.push(t);
                    }
                }
            }
            _ if depth == 1 && !upper.starts_with("END:VCALENDAR") => header.push_str(&raw),
            _ => {}
        }
        if upper.starts_with("END:") {
            if depth == 2 {
                if let Some(c) = current.take() {
                    comps.push(c);
                }
            }
            depth = depth.saturating_sub(1);
        }
    }
    let mut uids: Vec<String> = Vec::new();
    for c in &comps {
        if let Some(u) = &c.uid {
            if !uids.contains(u) {
                uids.push(u.clone());
            }
        }
    }
    uids.into_iter()
        .map(|uid| {
            let mine: Vec<&Comp> = comps
                .iter()
                .filter(|c| c.uid.as_ref() == Some(&uid))
                .collect();
            let used: Vec<&String> = mine.iter().flat_map(|c| c.uses.iter()).collect();
            let mut text = header.clone();
            for tz in comps
                .iter()
                .filter(|c| c.tzid.as_ref().is_some_and(|t| used.contains(&t)) && c.uid.is_none())
            {
                text.push_str(&tz.text);
            }
            for c in &mine {
                text.push_str(&c.text);
            }
            text.push_str("END:VCALENDAR\r\n");
            Resource { uid, text }
        })
        .collect()
}

/// Splits a vCard file into its cards, each with its UID (cards without one are left out).
pub fn split_vcards(vcf: &str) -> Vec<Resource> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut uid = None;
    let mut inside = false;
    for (raw, logical) in unfolded_lines(vcf) {
        let upper = logical.to_ascii_uppercase();
        if upper.starts_with("BEGIN:VCARD") {
            inside = true;
            text.clear();
            uid = None;
        }
        if inside {
            text.push_str(&raw);
            if let Some(v) = prop_value(&logical, "UID") {
                uid = Some(v.to_owned());
            }
        }
        if upper.starts_with("END:VCARD") {
            inside = false;
            if let Some(u) = uid.take() {
                out.push(Resource {
                    uid: u,
                    text: std::mem::take(&mut text),
                });
            }
        }
    }
    out
}

/// The lines of a content-line text as (raw text with its folds and line end, unfolded).
fn unfolded_lines(s: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for piece in s.split_inclusive('\n') {
        let content = piece.trim_end_matches(['\r', '\n']);
        if (piece.starts_with(' ') || piece.starts_with('\t')) && !out.is_empty() {
            if let Some(last) = out.last_mut() {
                last.0.push_str(piece);
                last.1.push_str(content.get(1..).unwrap_or(""));
            }
        } else {
            out.push((piece.to_owned(), content.to_owned()));
        }
    }
    out
}

/// The value of property `name` (without parameters) on a logical line.
fn prop_value<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let head = line.get(..name.len())?;
    if !head.eq_ignore_ascii_case(name) {
        return None;
    }
    let rest = line.get(name.len()..)?;
    if rest.starts_with(':') {
        rest.get(1..)
    } else if rest.starts_with(';') {
        rest.split_once(':').map(|(_, v)| v)
    } else {
        None
    }
}

/// The TZID parameter of a property line (`DTSTART;TZID=W. Europe Standard Time:...`).
fn tzid_param(line: &str) -> Option<String> {
    let upper = line.to_ascii_uppercase();
    let colon = line.find(':')?;
    let i = upper.get(..colon)?.find(";TZID=")?;
    let v = line.get(i + 6..colon)?;
    let v = v.split(';').next()?;
    Some(v.trim_matches('"').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_keeps_its_exception_and_time_zone() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n\
BEGIN:VTIMEZONE\r\nTZID:A\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n\
BEGIN:VTIMEZONE\r\nTZID:B\r\nEND:VTIMEZONE\r\n\
BEGIN:VEVENT\r\nUID:one\r\nDTSTART;TZID=A:20240101T100000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:two\r\nDTSTART;TZID=B:20240101T100000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:one\r\nRECURRENCE-ID;TZID=A:20240108T100000\r\nSUMMARY:long su\r\n mmary\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";
        let r = split_calendar(ics);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].uid, "one");
        assert_eq!(
            r[0].text,
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n\
BEGIN:VTIMEZONE\r\nTZID:A\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n\
BEGIN:VEVENT\r\nUID:one\r\nDTSTART;TZID=A:20240101T100000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:one\r\nRECURRENCE-ID;TZID=A:20240108T100000\r\nSUMMARY:long su\r\n mmary\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n"
        );
        assert!(r[1].text.contains("TZID:B") && !r[1].text.contains("TZID:A"));
    }

    #[test]
    fn cards_split_by_uid() {
        let vcf = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a\r\nFN:A\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nUI\r\n D:b\r\nEND:VCARD\r\n";
        let r = split_vcards(vcf);
        assert_eq!(
            r.iter().map(|c| c.uid.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(
            r[0].text,
            "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a\r\nFN:A\r\nEND:VCARD\r\n"
        );
    }

    #[test]
    fn multistatus_and_urls() {
        let xml = br#"<?xml version='1.0' encoding='utf-8'?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><response><href>/</href><propstat><prop><resourcetype><collection/></resourcetype><current-user-principal><href>/ana%40example.test/</href></current-user-principal></prop><status>HTTP/1.1 200 OK</status></propstat></response>
<response><href>/ana%40example.test/</href><propstat><prop><C:calendar-home-set><href>/ana%40example.test/</href></C:calendar-home-set></prop></propstat></response></multistatus>"#;
        let r = parse_multistatus(xml);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].principal.as_deref(), Some("/ana%40example.test/"));
        assert_eq!(r[0].resource_types, ["collection"]);
        assert_eq!(r[1].home.as_deref(), Some("/ana%40example.test/"));
        assert_eq!(resolve("https://h:1/a/b/", "/c/"), "https://h:1/c/");
        let u = DavUrl::parse("https://ana@example.test@h:8443/dav", "--caldav", false).unwrap();
        assert_eq!(
            (u.url.as_str(), u.user.as_str()),
            ("https://h:8443/dav/", "ana@example.test")
        );
        assert_eq!(u.origin(), "https://h:8443");
        assert!(DavUrl::parse("http://ana@h/", "--caldav", false).is_err());
        assert_eq!(segment("Kalender Ü/1"), "Kalender%20%C3%9C%2F1");
    }
}
