//! An IMAP client for uploading ([RFC 3501], [RFC 9051]): connect (TLS, STARTTLS), log in
//! (password, SASL XOAUTH2 / OAUTHBEARER), list and create mailboxes, APPEND (with
//! [LITERAL+] and [MULTIAPPEND] where the server offers them) and look messages up by
//! Message-ID.
//!
//! Server responses are parsed by the `imap-proto` crate. The commands are written here:
//! the `imap` crate's APPEND waits for a continuation before every message and cannot batch
//! (no LITERAL+, no MULTIAPPEND), and it neither quotes mailbox names nor shows the SASL
//! error challenge that says why a token was refused.
//!
//! [RFC 3501]: https://www.rfc-editor.org/rfc/rfc3501
//! [RFC 9051]: https://www.rfc-editor.org/rfc/rfc9051
//! [LITERAL+]: https://www.rfc-editor.org/rfc/rfc7888
//! [MULTIAPPEND]: https://www.rfc-editor.org/rfc/rfc3502

use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use imap_proto::{AttributeValue, MailboxDatum, NameAttribute, Response};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use super::{Auth, UploadError};

/// How long a read or write may block before the connection counts as dropped.
const IO_TIMEOUT: Duration = Duration::from_secs(120);
/// The longest response line or literal accepted from a server (a fetched message in tests).
const MAX_RESPONSE: u64 = 256 << 20;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (`imaps://`, port 993).
    Tls,
    /// STARTTLS before logging in (`imap://`, port 143); refused when the server does not
    /// offer it, unless plaintext is allowed.
    StartTls,
}

/// Where to upload: `imaps://USER@HOST[:PORT]` or `imap://USER@HOST[:PORT]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapUrl {
    /// TLS or STARTTLS.
    pub security: Security,
    /// The server's host name or address.
    pub host: String,
    /// The port (993 for imaps, 143 for imap unless given).
    pub port: u16,
    /// The login name (percent-decoded).
    pub user: String,
}

impl ImapUrl {
    /// Parses an `imaps://` or `imap://` URL. The user part is required; a password in the
    /// URL is refused (it would be on the command line).
    pub fn parse(url: &str) -> Result<Self, UploadError> {
        let bad = |why: &str| UploadError::Usage(format!("--imap {url:?}: {why}"));
        let (security, rest, default_port) = if let Some(r) = url.strip_prefix("imaps://") {
            (Security::Tls, r, 993)
        } else if let Some(r) = url.strip_prefix("imap://") {
            (Security::StartTls, r, 143)
        } else {
            return Err(bad("must start with imaps:// or imap://"));
        };
        let rest = rest.trim_end_matches('/');
        let (user, hostport) = rest
            .rsplit_once('@')
            .ok_or_else(|| bad("name the user: imaps://USER@HOST"))?;
        if user.contains(':') {
            return Err(bad(
                "no password in the URL: use OST_EXTRACT_PASSWORD, --password-file or the prompt",
            ));
        }
        let user = percent_decode(user);
        let (host, port) = split_host_port(hostport).ok_or_else(|| bad("bad host or port"))?;
        if user.is_empty() || host.is_empty() {
            return Err(bad("name the user and the host: imaps://USER@HOST"));
        }
        Ok(Self {
            security,
            host,
            port: port.unwrap_or(default_port),
            user,
        })
    }

    /// The URL without secrets, as the ledger and the report name the target.
    pub fn display(&self) -> String {
        let scheme = match self.security {
            Security::Tls => "imaps",
            Security::StartTls => "imap",
        };
        format!("{scheme}://{}@{}:{}", self.user, self.host, self.port)
    }
}

/// `host`, `host:port` or `[v6]:port`.
pub(crate) fn split_host_port(s: &str) -> Option<(String, Option<u16>)> {
    if let Some(r) = s.strip_prefix('[') {
        let (h, after) = r.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        return Some((h.to_owned(), port));
    }
    match s.rsplit_once(':') {
        Some((h, p)) => Some((h.to_owned(), Some(p.parse().ok()?))),
        None => Some((s.to_owned(), None)),
    }
}

/// Decodes `%XX` escapes (an `@` in a user name is often written `%40`).
pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b.get(i), b.get(i + 1), b.get(i + 2)) {
            (Some(b'%'), Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let v = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(v as u8);
                i += 3;
            }
            (Some(&c), _, _) => {
                out.push(c);
                i += 1;
            }
            (None, _, _) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// The result of a tagged command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// OK.
    Ok,
    /// NO: the command failed.
    No,
    /// BAD: the server did not understand it.
    Bad,
}

/// A command's completion and the untagged responses that came with it.
#[derive(Debug)]
pub struct Reply {
    /// OK, NO or BAD.
    pub status: Status,
    /// The response code in brackets (`APPENDUID 38505 3955`, `THROTTLED`), if any.
    pub code: Option<String>,
    /// The human-readable text.
    pub text: String,
    /// The untagged responses, raw (each with its literals), in order.
    pub untagged: Vec<Vec<u8>>,
}

impl Reply {
    /// The first word of the response code, upper-cased (`APPENDUID`, `TOOBIG`).
    pub fn code_name(&self) -> Option<String> {
        self.code
            .as_deref()
            .and_then(|c| c.split_whitespace().next())
            .map(str::to_ascii_uppercase)
    }

    fn into_error(self, command: &str) -> UploadError {
        UploadError::Server {
            command: command.to_owned(),
            code: self.code_name(),
            text: self.text,
        }
    }
}

/// One argument of a command: text written as it is, or a literal.
pub enum Arg<'a> {
    /// Command text (atoms, quoted strings, parentheses, spaces).
    Text(&'a str),
    /// A literal: `{n}` and the bytes.
    Literal(&'a [u8]),
}

/// A mailbox as LIST shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxInfo {
    /// The name as the server spells it (modified UTF-7).
    pub name: String,
    /// The hierarchy delimiter.
    pub delimiter: Option<char>,
    /// Its SPECIAL-USE attribute ([RFC 6154]), if any: `\Sent`, `\Drafts`, `\Trash`,
    /// `\Junk`, `\Archive`, `\All`, `\Flagged`.
    ///
    /// [RFC 6154]: https://www.rfc-editor.org/rfc/rfc6154
    pub special_use: Option<&'static str>,
    /// Whether the name cannot be selected (`\Noselect`).
    pub no_select: bool,
}

/// A message as FETCH shows it (for checking what arrived).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// Its UID.
    pub uid: u32,
    /// Its flags, as the server spells them.
    pub flags: Vec<String>,
    /// Its INTERNALDATE.
    pub internal_date: Option<DateTime<Utc>>,
    /// The whole message.
    pub body: Vec<u8>,
}

/// One message to APPEND.
#[derive(Debug, Clone)]
pub struct Appendable<'a> {
    /// Flags (`\Seen`, `$Forwarded`...).
    pub flags: &'a [&'a str],
    /// The INTERNALDATE to set.
    pub date: Option<DateTime<Utc>>,
    /// The message.
    pub bytes: &'a [u8],
}

/// A logged-in (or not yet logged-in) IMAP connection.
pub struct Session {
    reader: BufReader<Stream>,
    tag: u32,
    caps: HashSet<String>,
    host: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("host", &self.host)
            .field("caps", &self.caps)
            .finish()
    }
}

fn io_err(host: &str, e: io::Error) -> UploadError {
    UploadError::Connection {
        host: host.to_owned(),
        what: e.to_string(),
    }
}

impl Session {
    /// Connects and secures the connection as the URL says: TLS, or STARTTLS (required
    /// unless `allow_plaintext`). Does not log in.
    pub fn connect(
        url: &ImapUrl,
        tls: &Arc<ClientConfig>,
        allow_plaintext: bool,
    ) -> Result<Self, UploadError> {
        let host = url.host.clone();
        let addr = (url.host.as_str(), url.port)
            .to_socket_addrs()
            .map_err(|e| io_err(&host, e))?
            .next()
            .ok_or_else(|| UploadError::Connection {
                host: host.clone(),
                what: "the name has no address".into(),
            })?;
        let tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(30))
            .map_err(|e| io_err(&host, e))?;
        tcp.set_read_timeout(Some(IO_TIMEOUT))
            .and_then(|_| tcp.set_write_timeout(Some(IO_TIMEOUT)))
            .and_then(|_| tcp.set_nodelay(true))
            .map_err(|e| io_err(&host, e))?;
        let stream = match url.security {
            Security::Tls => Stream::Tls(Box::new(tls_stream(tcp, &url.host, tls)?)),
            Security::StartTls => Stream::Plain(tcp),
        };
        let mut s = Self {
            reader: BufReader::with_capacity(64 << 10, stream),
            tag: 0,
            caps: HashSet::new(),
            host,
        };
        let greeting = s.read_response()?;
        if greeting.starts_with(b"* BYE") {
            return Err(UploadError::Connection {
                host: s.host.clone(),
                what: format!(
                    "the server refused: {}",
                    String::from_utf8_lossy(&greeting).trim()
                ),
            });
        }
        s.refresh_capabilities()?;
        if url.security == Security::StartTls {
            if s.has("STARTTLS") {
                let r = s.command(&[Arg::Text("STARTTLS")])?;
                if r.status != Status::Ok {
                    return Err(r.into_error("STARTTLS"));
                }
                // Nothing may follow the OK before the handshake (RFC 3501 6.2.1).
                if !s.reader.buffer().is_empty() {
                    return Err(UploadError::Protocol(
                        "the server sent data after STARTTLS's OK".into(),
                    ));
                }
                let Stream::Plain(tcp) = s.reader.into_inner() else {
                    return Err(UploadError::Protocol("STARTTLS on a TLS connection".into()));
                };
                let tls = tls_stream(tcp, &url.host, tls)?;
                s.reader = BufReader::with_capacity(64 << 10, Stream::Tls(Box::new(tls)));
                s.refresh_capabilities()?;
            } else if !allow_plaintext {
                return Err(UploadError::Usage(format!(
                    "{} offers no STARTTLS: the password would go in clear; use imaps:// or --allow-plaintext",
                    url.host
                )));
            }
        }
        Ok(s)
    }

    /// Logs in: with a password (AUTHENTICATE PLAIN where offered, else LOGIN) or an OAuth 2.0
    /// token (XOAUTH2 where offered, else OAUTHBEARER).
    pub fn login(&mut self, url: &ImapUrl, auth: &Auth) -> Result<(), UploadError> {
        let reply = match auth {
            Auth::Password(pw) => {
                if self.has("AUTH=PLAIN") {
                    let mut ir = Vec::new();
                    ir.push(0);
                    ir.extend_from_slice(url.user.as_bytes());
                    ir.push(0);
                    ir.extend_from_slice(pw.expose().as_bytes());
                    self.authenticate("PLAIN", &ir)?
                } else if self.has("LOGINDISABLED") {
                    return Err(UploadError::Auth(format!(
                        "{} does not take a password here (LOGINDISABLED)",
                        self.host
                    )));
                } else {
                    self.command(&[
                        Arg::Text("LOGIN "),
                        Arg::Literal(url.user.as_bytes()),
                        Arg::Text(" "),
                        Arg::Literal(pw.expose().as_bytes()),
                    ])?
                }
            }
            Auth::OAuth2(source) => {
                let token = source.token()?;
                if self.has("AUTH=XOAUTH2") || !self.has("AUTH=OAUTHBEARER") {
                    let ir = format!(
                        "user={}\x01auth=Bearer {}\x01\x01",
                        url.user,
                        token.expose()
                    );
                    self.authenticate("XOAUTH2", ir.as_bytes())?
                } else {
                    let ir = format!(
                        "n,a={},\x01host={}\x01port={}\x01auth=Bearer {}\x01\x01",
                        url.user.replace('=', "=3D").replace(',', "=2C"),
                        url.host,
                        url.port,
                        token.expose()
                    );
                    self.authenticate("OAUTHBEARER", ir.as_bytes())?
                }
            }
        };
        if reply.status != Status::Ok {
            let why = match (&reply.code, auth) {
                (_, Auth::OAuth2(_)) => format!(
                    "the server refused the OAuth 2.0 token for {} (expired, revoked, or without the IMAP scope): {}",
                    url.user, reply.text
                ),
                _ => format!("login as {} failed: {}", url.user, reply.text),
            };
            return Err(UploadError::Auth(why));
        }
        self.refresh_capabilities()?;
        Ok(())
    }

    /// SASL with an initial response (RFC 4959 where offered, else after the first `+`). A
    /// second challenge is the server's error report (XOAUTH2, OAUTHBEARER): it is answered
    /// with an empty line, as the mechanisms require, and its text kept for the error.
    fn authenticate(&mut self, mech: &str, initial: &[u8]) -> Result<Reply, UploadError> {
        let ir = base64_simd::STANDARD.encode_to_string(initial);
        self.tag += 1;
        let tag = format!("A{}", self.tag);
        let sasl_ir = self.has("SASL-IR");
        let line = if sasl_ir {
            format!("{tag} AUTHENTICATE {mech} {ir}\r\n")
        } else {
            format!("{tag} AUTHENTICATE {mech}\r\n")
        };
        self.write_all(line.as_bytes())?;
        let mut sent_ir = sasl_ir;
        let mut server_error = None;
        loop {
            let resp = self.read_response()?;
            if resp.starts_with(b"+") {
                if !sent_ir {
                    self.write_all(format!("{ir}\r\n").as_bytes())?;
                    sent_ir = true;
                } else {
                    let challenge = String::from_utf8_lossy(resp.get(1..).unwrap_or(&[]))
                        .trim()
                        .to_owned();
                    server_error = base64_simd::STANDARD
                        .decode_to_vec(challenge.as_bytes())
                        .ok()
                        .map(|b| String::from_utf8_lossy(&b).into_owned());
                    self.write_all(b"\r\n")?;
                }
            } else if let Some(mut reply) = parse_tagged(&resp, &tag) {
                if let Some(e) = server_error {
                    reply.text = format!("{} ({e})", reply.text);
                }
                return Ok(reply);
            }
        }
    }

    /// Whether the server offers a capability (`LITERAL+`, `AUTH=PLAIN`...).
    pub fn has(&self, cap: &str) -> bool {
        self.caps.contains(&cap.to_ascii_uppercase())
    }

    /// The value of a capability of the form `NAME=VALUE` (`APPENDLIMIT=35651584`).
    pub fn cap_value(&self, name: &str) -> Option<String> {
        let prefix = format!("{}=", name.to_ascii_uppercase());
        self.caps
            .iter()
            .find_map(|c| c.strip_prefix(&prefix).map(str::to_owned))
    }

    fn refresh_capabilities(&mut self) -> Result<(), UploadError> {
        let r = self.command(&[Arg::Text("CAPABILITY")])?;
        if r.status != Status::Ok {
            return Err(r.into_error("CAPABILITY"));
        }
        let mut caps = HashSet::new();
        for u in &r.untagged {
            if let Ok((_, Response::Capabilities(list))) = Response::parse(u) {
                for c in list {
                    caps.insert(match c {
                        imap_proto::Capability::Imap4rev1 => "IMAP4REV1".to_owned(),
                        imap_proto::Capability::Auth(a) => {
                            format!("AUTH={}", a.to_ascii_uppercase())
                        }
                        imap_proto::Capability::Atom(a) => a.to_ascii_uppercase(),
                    });
                }
            }
        }
        self.caps = caps;
        Ok(())
    }

    fn write_all(&mut self, b: &[u8]) -> Result<(), UploadError> {
        let host = self.host.clone();
        let s = self.reader.get_mut();
        s.write_all(b)
            .and_then(|_| s.flush())
            .map_err(|e| io_err(&host, e))
    }

    /// Reads one response: a line and the literals it announces.
    fn read_response(&mut self) -> Result<Vec<u8>, UploadError> {
        let mut buf = Vec::new();
        loop {
            let before = buf.len();
            let limit = MAX_RESPONSE.saturating_sub(before as u64);
            let n = (&mut self.reader)
                .take(limit)
                .read_until(b'\n', &mut buf)
                .map_err(|e| io_err(&self.host, e))?;
            if n == 0 {
                return Err(UploadError::Connection {
                    host: self.host.clone(),
                    what: "the server closed the connection".into(),
                });
            }
            if !buf.ends_with(b"\n") {
                return Err(UploadError::Protocol(
                    "a response longer than 256 MiB".into(),
                ));
            }
            match trailing_literal(&buf[before..]) {
                Some(len) if (buf.len() as u64).saturating_add(len) <= MAX_RESPONSE => {
                    let start = buf.len();
                    buf.resize(start + len as usize, 0);
                    let dst = buf.get_mut(start..).unwrap_or_default();
                    self.reader
                        .read_exact(dst)
                        .map_err(|e| io_err(&self.host, e))?;
                }
                Some(_) => {
                    return Err(UploadError::Protocol(
                        "a literal longer than 256 MiB".into(),
                    ))
                }
                None => return Ok(buf),
            }
        }
    }

    /// Sends a command and reads to its completion. Literals go as LITERAL+ (no wait) when the
    /// server offers it, otherwise each waits for the server's `+`; a command the server
    /// refuses before a literal (`NO [TOOBIG]`) returns that refusal.
    pub fn command(&mut self, args: &[Arg<'_>]) -> Result<Reply, UploadError> {
        self.tag += 1;
        let tag = format!("A{}", self.tag);
        let literal_plus = self.has("LITERAL+");
        let literal_minus = self.has("LITERAL-");
        let mut untagged = Vec::new();
        let mut out: Vec<u8> = Vec::with_capacity(256);
        out.extend_from_slice(tag.as_bytes());
        out.push(b' ');
        for a in args {
            match a {
                Arg::Text(t) => out.extend_from_slice(t.as_bytes()),
                Arg::Literal(b) => {
                    let plus = literal_plus || (literal_minus && b.len() <= 4096);
                    out.extend_from_slice(
                        format!("{{{}{}}}\r\n", b.len(), if plus { "+" } else { "" }).as_bytes(),
                    );
                    if !plus {
                        self.write_all(&out)?;
                        out.clear();
                        loop {
                            let r = self.read_response()?;
                            if r.starts_with(b"+") {
                                break;
                            }
                            if let Some(reply) = parse_tagged(&r, &tag) {
                                return Ok(Reply { untagged, ..reply });
                            }
                            self.note_bye(&r)?;
                            untagged.push(r);
                        }
                    }
                    // Large literals go straight to the socket, not through `out`.
                    if b.len() > 64 << 10 {
                        self.write_all(&out)?;
                        out.clear();
                        self.write_all(b)?;
                    } else {
                        out.extend_from_slice(b);
                    }
                }
            }
        }
        out.extend_from_slice(b"\r\n");
        self.write_all(&out)?;
        loop {
            let r = self.read_response()?;
            if let Some(reply) = parse_tagged(&r, &tag) {
                return Ok(Reply { untagged, ..reply });
            }
            self.note_bye(&r)?;
            untagged.push(r);
        }
    }

    fn note_bye(&mut self, r: &[u8]) -> Result<(), UploadError> {
        if r.len() >= 5 && r[..5].eq_ignore_ascii_case(b"* BYE") {
            return Err(UploadError::Connection {
                host: self.host.clone(),
                what: format!(
                    "the server closed the session: {}",
                    String::from_utf8_lossy(r).trim()
                ),
            });
        }
        Ok(())
    }

    /// Every mailbox, with its SPECIAL-USE attribute (asked for with LIST-EXTENDED where
    /// offered; servers with SPECIAL-USE but not LIST-EXTENDED show it in plain LIST).
    pub fn list(&mut self) -> Result<Vec<MailboxInfo>, UploadError> {
        let cmd = if self.has("LIST-EXTENDED") && self.has("SPECIAL-USE") {
            "LIST \"\" \"*\" RETURN (SPECIAL-USE)"
        } else {
            "LIST \"\" \"*\""
        };
        let r = self.command(&[Arg::Text(cmd)])?;
        if r.status != Status::Ok {
            return Err(r.into_error("LIST"));
        }
        Ok(r.untagged.iter().filter_map(|u| parse_list(u)).collect())
    }

    /// The hierarchy delimiter of the personal namespace (`LIST "" ""`).
    pub fn delimiter(&mut self) -> Result<Option<char>, UploadError> {
        let r = self.command(&[Arg::Text("LIST \"\" \"\"")])?;
        if r.status != Status::Ok {
            return Err(r.into_error("LIST"));
        }
        Ok(r.untagged
            .iter()
            .filter_map(|u| parse_list(u))
            .find_map(|m| m.delimiter))
    }

    /// Creates a mailbox (one that exists already is fine) and subscribes to it.
    pub fn create(&mut self, name: &str) -> Result<(), UploadError> {
        let q = quote(name);
        let r = self.command(&[Arg::Text(&format!("CREATE {q}"))])?;
        if r.status != Status::Ok && r.code_name().as_deref() != Some("ALREADYEXISTS") {
            // Servers without RFC 5530 codes say it in words; a later LIST tells.
            let exists = self.list()?.iter().any(|m| {
                m.name == name || (name.eq_ignore_ascii_case("INBOX") && m.name == "INBOX")
            });
            if !exists {
                return Err(r.into_error(&format!("CREATE {q}")));
            }
        }
        // Subscribing only makes the folder show in clients that list subscribed ones.
        let _ = self.command(&[Arg::Text(&format!("SUBSCRIBE {q}"))])?;
        Ok(())
    }

    /// APPENDs messages to `mailbox`: all in one MULTIAPPEND command when there are several
    /// and the server offers it, else one. Returns the UIDs the server gave (UIDPLUS), in
    /// order, when it said.
    pub fn append(
        &mut self,
        mailbox: &str,
        messages: &[Appendable<'_>],
    ) -> Result<Result<Vec<Option<u32>>, Reply>, UploadError> {
        let q = quote(mailbox);
        let mut args = vec![Arg::Text("APPEND "), Arg::Text(&q)];
        let mut texts = Vec::with_capacity(messages.len());
        for m in messages {
            let mut t = format!(" ({})", m.flags.join(" "));
            if let Some(d) = m.date.and_then(internal_date) {
                t.push_str(&format!(" \"{d}\""));
            }
            t.push(' ');
            texts.push(t);
        }
        for (m, t) in messages.iter().zip(&texts) {
            args.push(Arg::Text(t));
            args.push(Arg::Literal(m.bytes));
        }
        let r = self.command(&args)?;
        if r.status != Status::Ok {
            return Ok(Err(r));
        }
        let mut uids = vec![None; messages.len()];
        if let Some(code) = &r.code {
            let mut it = code.split_whitespace();
            if it
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("APPENDUID"))
            {
                let _validity = it.next();
                if let Some(set) = it.next() {
                    for (slot, uid) in uids.iter_mut().zip(expand_uid_set(set)) {
                        *slot = Some(uid);
                    }
                }
            }
        }
        Ok(Ok(uids))
    }

    /// Opens `mailbox` read-only (EXAMINE).
    pub fn examine(&mut self, mailbox: &str) -> Result<(), UploadError> {
        let q = quote(mailbox);
        let r = self.command(&[Arg::Text(&format!("EXAMINE {q}"))])?;
        if r.status != Status::Ok {
            return Err(r.into_error(&format!("EXAMINE {q}")));
        }
        Ok(())
    }

    /// The UIDs of the messages of the examined mailbox whose Message-ID header holds `id`.
    pub fn search_message_id(&mut self, id: &str) -> Result<Vec<u32>, UploadError> {
        let cmd = format!("UID SEARCH HEADER Message-ID {}", quote(id));
        let r = self.command(&[Arg::Text(&cmd)])?;
        if r.status != Status::Ok {
            return Err(r.into_error("UID SEARCH"));
        }
        let mut uids = Vec::new();
        for u in &r.untagged {
            if let Ok((_, Response::MailboxData(MailboxDatum::Search(ids)))) = Response::parse(u) {
                uids.extend(ids);
            }
        }
        Ok(uids)
    }

    /// Every message of `mailbox` with its flags, INTERNALDATE and bytes (for checking an
    /// upload; it holds the whole mailbox in memory).
    pub fn fetch_all(&mut self, mailbox: &str) -> Result<Vec<Fetched>, UploadError> {
        self.examine(mailbox)?;
        let r = self.command(&[Arg::Text(
            "UID FETCH 1:* (UID FLAGS INTERNALDATE BODY.PEEK[])",
        )])?;
        if r.status != Status::Ok {
            return Err(r.into_error("UID FETCH"));
        }
        let mut out = Vec::new();
        for u in &r.untagged {
            let Ok((_, Response::Fetch(_, attrs))) = Response::parse(u) else {
                continue;
            };
            let mut f = Fetched {
                uid: 0,
                flags: Vec::new(),
                internal_date: None,
                body: Vec::new(),
            };
            for a in attrs {
                match a {
                    AttributeValue::Uid(u) => f.uid = u,
                    AttributeValue::Flags(fl) => {
                        f.flags = fl.iter().map(|s| s.to_string()).collect()
                    }
                    AttributeValue::InternalDate(d) => {
                        f.internal_date = DateTime::parse_from_str(&d, "%d-%b-%Y %H:%M:%S %z")
                            .ok()
                            .map(|d| d.with_timezone(&Utc))
                    }
                    AttributeValue::BodySection { data: Some(d), .. } => f.body = d.into_owned(),
                    _ => {}
                }
            }
            out.push(f);
        }
        out.sort_by_key(|f| f.uid);
        Ok(out)
    }

    /// Says goodbye; errors are of no interest then.
    pub fn logout(mut self) {
        let _ = self.command(&[Arg::Text("LOGOUT")]);
    }
}

fn tls_stream(
    tcp: TcpStream,
    host: &str,
    config: &Arc<ClientConfig>,
) -> Result<StreamOwned<ClientConnection, TcpStream>, UploadError> {
    let name = ServerName::try_from(host.to_owned())
        .map_err(|e| UploadError::Tls(format!("{host}: {e}")))?;
    let conn = ClientConnection::new(Arc::clone(config), name)
        .map_err(|e| UploadError::Tls(format!("{host}: {e}")))?;
    let mut s = StreamOwned::new(conn, tcp);
    // Handshake now, so a certificate problem is reported as one.
    while s.conn.is_handshaking() {
        s.conn
            .complete_io(&mut s.sock)
            .map_err(|e| UploadError::Tls(format!("{host}: {e}")))?;
    }
    Ok(s)
}

/// The length of the literal a response line announces at its end (`{123}\r\n`).
fn trailing_literal(line: &[u8]) -> Option<u64> {
    let body = line.strip_suffix(b"}\r\n")?;
    let open = body.iter().rposition(|&c| c == b'{')?;
    let digits = body.get(open + 1..)?;
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Parses `TAG OK|NO|BAD [CODE] text` when the response is the completion of `tag`.
fn parse_tagged(resp: &[u8], tag: &str) -> Option<Reply> {
    let rest = resp.strip_prefix(tag.as_bytes())?.strip_prefix(b" ")?;
    let text = String::from_utf8_lossy(rest);
    let text = text.trim_end();
    let (word, rest) = text.split_once(' ').unwrap_or((text, ""));
    let status = match word.to_ascii_uppercase().as_str() {
        "OK" => Status::Ok,
        "NO" => Status::No,
        _ => Status::Bad,
    };
    let (code, text) = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((c, t)) => (Some(c.to_owned()), t.trim_start().to_owned()),
        None => (None, rest.to_owned()),
    };
    Some(Reply {
        status,
        code,
        text,
        untagged: Vec::new(),
    })
}

fn parse_list(u: &[u8]) -> Option<MailboxInfo> {
    let Ok((_, Response::MailboxData(MailboxDatum::List(l)))) = Response::parse(u) else {
        return None;
    };
    let mut special_use = None;
    let mut no_select = false;
    for a in &l.name_attributes {
        match a {
            NameAttribute::Sent => special_use = Some("\\Sent"),
            NameAttribute::Drafts => special_use = Some("\\Drafts"),
            NameAttribute::Trash => special_use = Some("\\Trash"),
            NameAttribute::Junk => special_use = Some("\\Junk"),
            NameAttribute::Archive => special_use = Some("\\Archive"),
            NameAttribute::All => special_use = special_use.or(Some("\\All")),
            NameAttribute::Flagged => special_use = special_use.or(Some("\\Flagged")),
            NameAttribute::NoSelect => no_select = true,
            NameAttribute::Extension(e) if e.eq_ignore_ascii_case("\\NonExistent") => {
                no_select = true
            }
            _ => {}
        }
    }
    Some(MailboxInfo {
        name: l.name.into_owned(),
        delimiter: l.delimiter.and_then(|d| d.chars().next()),
        special_use,
        no_select,
    })
}

/// A quoted string: `"` and `\` escaped. Mailbox names here are modified UTF-7 (ASCII) and
/// Message-IDs are ASCII; control characters cannot be quoted and are dropped.
pub fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                q.push('\\');
                q.push(c);
            }
            c if c.is_ascii_control() => {}
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// The INTERNALDATE form of a time (`06-Dec-2026 11:58:49 +0000`), for years IMAP servers
/// take (1970 to 9999); None outside them.
pub fn internal_date(t: DateTime<Utc>) -> Option<String> {
    use chrono::Datelike;
    if !(1970..=9999).contains(&t.year()) {
        return None;
    }
    Some(t.format("%d-%b-%Y %H:%M:%S +0000").to_string())
}

/// The UIDs of a UID set (`3955`, `3955:3957`, `1,4:5`), at most 100,000 of them.
fn expand_uid_set(set: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for part in set.split(',') {
        let (a, b) = part.split_once(':').unwrap_or((part, part));
        let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) else {
            continue;
        };
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        for u in lo..=hi {
            if out.len() >= 100_000 {
                return out;
            }
            out.push(u);
        }
    }
    out
}

/// A mailbox name in modified UTF-7 ([RFC 3501] 5.1.3): printable ASCII as it is (`&` as
/// `&-`), everything else as UTF-16 in modified base64 between `&` and `-`.
///
/// [RFC 3501]: https://www.rfc-editor.org/rfc/rfc3501#section-5.1.3
pub fn modified_utf7(name: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if pending.is_empty() {
            return;
        }
        let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
        out.push('&');
        for chunk in bytes.chunks(3) {
            let b = [
                chunk.first().copied().unwrap_or(0),
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            let chars = chunk.len() + 1;
            for i in 0..chars {
                let idx = (n >> (18 - 6 * i)) & 63;
                out.push(char::from(ALPHABET[idx as usize]));
            }
        }
        out.push('-');
        pending.clear();
    };
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut pending, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_utf7_matches_rfc3501_examples() {
        // RFC 3501 5.1.3: "~peter/mail/台北/日本語".
        assert_eq!(
            modified_utf7("~peter/mail/\u{53F0}\u{5317}/\u{65E5}\u{672C}\u{8A9E}"),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
        assert_eq!(modified_utf7("Tom & Jerry"), "Tom &- Jerry");
        // RFC 2152-style check with an umlaut and a non-BMP character.
        assert_eq!(modified_utf7("Übersicht"), "&ANw-bersicht");
        assert_eq!(modified_utf7("\u{1F600}"), "&2D3eAA-");
    }

    #[test]
    fn urls_parse_with_an_at_in_the_user() {
        let u = ImapUrl::parse("imaps://ana@example.com@mail.example.com").unwrap();
        assert_eq!(u.user, "ana@example.com");
        assert_eq!(u.host, "mail.example.com");
        assert_eq!(u.port, 993);
        let u = ImapUrl::parse("imap://ana%40example.com@127.0.0.1:1143").unwrap();
        assert_eq!(
            (u.user.as_str(), u.port, u.security),
            ("ana@example.com", 1143, Security::StartTls)
        );
        assert!(ImapUrl::parse("imaps://ana:secret@host").is_err());
        assert!(ImapUrl::parse("https://ana@host").is_err());
    }

    #[test]
    fn tagged_replies_and_literals() {
        let r = parse_tagged(
            b"A7 OK [APPENDUID 38505 3955:3956] APPEND completed\r\n",
            "A7",
        )
        .unwrap();
        assert_eq!(r.status, Status::Ok);
        assert_eq!(r.code_name().as_deref(), Some("APPENDUID"));
        assert_eq!(r.text, "APPEND completed");
        assert!(parse_tagged(b"A71 OK x\r\n", "A7").is_none());
        assert_eq!(trailing_literal(b"* 1 FETCH (BODY[] {42}\r\n"), Some(42));
        assert_eq!(trailing_literal(b"* OK {x}\r\n"), None);
        assert_eq!(
            expand_uid_set("3955:3957,4000"),
            vec![3955, 3956, 3957, 4000]
        );
        let d = DateTime::parse_from_rfc3339("2024-03-11T10:42:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            internal_date(d).as_deref(),
            Some("11-Mar-2024 10:42:00 +0000")
        );
    }
}
