//! Straight into the new account: a store's mail APPENDed to an IMAP server, its calendars and
//! tasks PUT to a CalDAV server and its contacts to a CardDAV server.
//!
//! What is uploaded is what `convert` writes: the same EML bytes
//! ([`mail::message_to_eml`]), the same iCalendar and vCard text, split into one resource per
//! UID. Folders mirror the source tree under the IPM subtree (the folders a user sees); the
//! source's Inbox, Sent Items, Drafts, Deleted Items, Junk and Archive go to the server's
//! `INBOX` and SPECIAL-USE mailboxes ([RFC 6154]) instead of new folders beside them. Messages
//! keep their read, flagged, answered, forwarded and draft state as IMAP flags and their
//! delivery time as INTERNALDATE. Items that are not mail (free/busy data, configuration
//! items, sync logs in Sync Issues) are never uploaded as mail.
//!
//! A ledger per target ([`ledger`]) records every item sent, so an interrupted upload resumes
//! where it stopped and a second run sends nothing; with [`Options::dedupe_server`] messages
//! whose Message-ID the target folder already holds are skipped too.
//!
//! [RFC 6154]: https://www.rfc-editor.org/rfc/rfc6154

pub mod dav;
pub mod imap;
pub mod ledger;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use pstkit::messaging::{pid, Message};
use pstkit::{FolderInfo, NodeId, Store};
use rayon::prelude::*;
use rustls::ClientConfig;
use serde::{Deserialize, Serialize};

use crate::contacts::{self, VcardVersion};
use crate::convert::{Counts, Failure, FailureKind, ItemWarning, Kind, Progress};
use crate::{calendar, mail};
use dav::{DavClient, DavKind, DavUrl};
use imap::{Appendable, ImapUrl, Session};
use ledger::{Entry, Ledger, State};

/// What went wrong, where.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// A bad option or URL.
    #[error("{0}")]
    Usage(String),
    /// The server could not be reached, or the connection dropped.
    #[error("connection to {host}: {what}")]
    Connection {
        /// The server.
        host: String,
        /// What happened.
        what: String,
    },
    /// TLS failed (a certificate the system does not trust, a name that does not match).
    #[error("TLS: {0}")]
    Tls(String),
    /// The server refused the login or the token.
    #[error("authentication: {0}")]
    Auth(String),
    /// An IMAP command failed.
    #[error("{command}: {}{text}", code.as_ref().map(|c| format!("[{c}] ")).unwrap_or_default())]
    Server {
        /// The command.
        command: String,
        /// The response code (`TOOBIG`, `THROTTLED`...), if any.
        code: Option<String>,
        /// The server's words.
        text: String,
    },
    /// A DAV request failed.
    #[error("{url}: HTTP {status}: {what}")]
    Dav {
        /// The resource.
        url: String,
        /// The HTTP status.
        status: u16,
        /// What the server said.
        what: String,
    },
    /// The server said something this client does not understand.
    #[error("protocol: {0}")]
    Protocol(String),
    /// The ledger could not be read or written.
    #[error("ledger {path}: {source}")]
    Ledger {
        /// The ledger file or folder.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

impl UploadError {
    /// Whether trying again later may succeed: a dropped connection, a server that is busy
    /// or throttling (`[THROTTLED]`, `[UNAVAILABLE]`, `[INUSE]`).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Connection { .. } | Self::Protocol(_) => true,
            Self::Server { code, .. } => code
                .as_deref()
                .is_some_and(|c| matches!(c, "THROTTLED" | "UNAVAILABLE" | "INUSE" | "LIMIT")),
            Self::Dav { status, .. } => matches!(status, 429 | 503),
            _ => false,
        }
    }
}

/// A password or token: never printed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    /// The secret itself, for the wire only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// A command that prints an OAuth 2.0 access token (as mail clients call token helpers:
/// `oama access ana@example.com`, `gcloud auth print-access-token`...). It is run for every
/// new connection, so a helper that refreshes tokens keeps a long upload going.
#[derive(Debug, Clone)]
pub struct TokenCommand {
    /// The command line, run by the shell.
    pub command: String,
}

impl TokenCommand {
    /// Runs the command and returns the token (its trimmed standard output).
    pub fn token(&self) -> Result<Secret, UploadError> {
        let out = if cfg!(windows) {
            Command::new("cmd").args(["/C", &self.command]).output()
        } else {
            Command::new("sh").args(["-c", &self.command]).output()
        }
        .map_err(|e| UploadError::Auth(format!("cannot run the token command: {e}")))?;
        if !out.status.success() {
            return Err(UploadError::Auth(format!(
                "the token command failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if token.is_empty() || token.contains(char::is_whitespace) {
            return Err(UploadError::Auth(
                "the token command printed no token (one line, no spaces, expected)".into(),
            ));
        }
        Ok(Secret(token))
    }
}

/// How to log in.
#[derive(Debug, Clone)]
pub enum Auth {
    /// A password or app password.
    Password(Secret),
    /// An OAuth 2.0 bearer token from a command (SASL XOAUTH2 / OAUTHBEARER, HTTP Bearer).
    OAuth2(TokenCommand),
}

/// Where to upload.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// Mail.
    pub imap: Option<ImapUrl>,
    /// Calendars and tasks.
    pub caldav: Option<DavUrl>,
    /// Contacts and distribution lists.
    pub carddav: Option<DavUrl>,
}

impl Targets {
    /// The targets as the report names them (no secrets).
    pub fn display(&self) -> String {
        let mut v = Vec::new();
        if let Some(i) = &self.imap {
            v.push(i.display());
        }
        if let Some(c) = &self.caldav {
            v.push(format!("caldav {} as {}", c.url, c.user));
        }
        if let Some(c) = &self.carddav {
            v.push(format!("carddav {} as {}", c.url, c.user));
        }
        v.join(", ")
    }
}

/// How to upload.
#[derive(Debug, Clone)]
pub struct Options {
    /// The credentials.
    pub auth: Auth,
    /// Parallel IMAP connections.
    pub connections: usize,
    /// Skip messages whose Message-ID the target folder already holds.
    pub dedupe_server: bool,
    /// Overwrite calendar objects and cards that exist (default: keep them).
    pub update: bool,
    /// Allow `imap://` without STARTTLS and `http://` DAV URLs.
    pub allow_plaintext: bool,
    /// Extra certificate authorities to trust (PEM), besides the built-in roots.
    pub ca_file: Option<PathBuf>,
    /// Where the ledgers are kept.
    pub ledger_dir: PathBuf,
    /// vCard version for contacts.
    pub vcard: VcardVersion,
    /// How many times an item is tried when the connection drops or the server throttles.
    pub attempts: u32,
    /// The first wait before trying again (doubled each time, at most 30 s).
    pub backoff: Duration,
}

impl Options {
    /// Defaults: 2 connections, no dedupe, no overwrite, TLS only, vCard 3.0, 8 attempts.
    pub fn new(auth: Auth, ledger_dir: PathBuf) -> Self {
        Self {
            auth,
            connections: 2,
            dedupe_server: false,
            update: false,
            allow_plaintext: false,
            ca_file: None,
            ledger_dir,
            vcard: VcardVersion::V3,
            attempts: 8,
            backoff: Duration::from_millis(500),
        }
    }
}

/// An item not sent, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The item's node id.
    pub nid: Option<u32>,
    /// Its folder's path.
    pub folder: String,
    /// Its subject, when loaded.
    pub subject: Option<String>,
    /// Why.
    pub reason: String,
}

/// Where a source folder went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placed {
    /// The source folder's path.
    pub source: String,
    /// The IMAP mailbox (as the server names it), if it holds mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mailbox: Option<String>,
    /// The calendar, task list or address book URLs its items went to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<String>,
    /// Items uploaded by this run.
    pub uploaded: u64,
    /// Items skipped (see `skipped`).
    pub skipped: u64,
}

/// The report of one input's upload: `convert`'s report fields, plus what was skipped and
/// where each folder went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadReport {
    /// The input file.
    pub input: String,
    /// The targets.
    pub output: String,
    /// `pst` or `ost`, layout and encryption.
    pub format: String,
    /// Whether the upload ran to the end (every item sent, skipped or reported).
    pub complete: bool,
    /// Why it stopped, when it did.
    pub error: Option<String>,
    /// Counts by kind: found, written (uploaded now), failed.
    pub counts: BTreeMap<Kind, Counts>,
    /// Items that could not be uploaded.
    pub failures: Vec<Failure>,
    /// Damage and oddities noted while rendering.
    pub warnings: Vec<ItemWarning>,
    /// Items not sent, and why (already there, not mail, no target for them).
    pub skipped: Vec<Skipped>,
    /// Where each folder went.
    pub folders: Vec<Placed>,
    /// The ledger files.
    pub ledgers: Vec<String>,
    /// Wall time in milliseconds.
    pub elapsed_ms: u64,
}

impl UploadReport {
    /// Totals over all kinds.
    pub fn totals(&self) -> Counts {
        self.counts.values().fold(Counts::default(), |a, c| Counts {
            found: a.found + c.found,
            written: a.written + c.written,
            failed: a.failed + c.failed,
        })
    }
}

/// The TLS settings: the built-in web roots plus the certificates of `ca_file`.
pub fn tls_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, UploadError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| UploadError::Tls(format!("{}: {e}", path.display())))?;
        for c in certs {
            let c = c.map_err(|e| UploadError::Tls(format!("{}: {e}", path.display())))?;
            roots
                .add(c)
                .map_err(|e| UploadError::Tls(format!("{}: {e}", path.display())))?;
        }
    }
    // ring, not aws-lc-rs: it builds without cmake on every platform the command ships for.
    // rustls marks the constructor deprecated only because ring lacks post-quantum key
    // exchange; the classical suites it offers are what mail and DAV servers use today.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| UploadError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A source folder that has a role the server knows by SPECIAL-USE (or, for the Inbox, by
/// the name INBOX).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Special {
    /// Inbox → `INBOX`.
    Inbox,
    /// Sent Items → `\Sent`.
    Sent,
    /// Drafts → `\Drafts`.
    Drafts,
    /// Deleted Items → `\Trash`.
    Trash,
    /// Junk E-mail → `\Junk`.
    Junk,
    /// Archive → `\Archive`.
    Archive,
}

impl Special {
    fn attribute(self) -> &'static str {
        match self {
            Special::Inbox => "INBOX",
            Special::Sent => "\\Sent",
            Special::Drafts => "\\Drafts",
            Special::Trash => "\\Trash",
            Special::Junk => "\\Junk",
            Special::Archive => "\\Archive",
        }
    }

    /// Common names of the folder, for servers that do not advertise SPECIAL-USE.
    fn server_names(self) -> &'static [&'static str] {
        match self {
            Special::Inbox => &["INBOX"],
            Special::Sent => &["Sent", "Sent Items", "Sent Messages", "Sent Mail"],
            Special::Drafts => &["Drafts"],
            Special::Trash => &["Trash", "Deleted Items", "Deleted Messages"],
            Special::Junk => &["Junk", "Spam", "Junk E-mail", "Junk Email"],
            Special::Archive => &["Archive"],
        }
    }

    /// The source folder names that mean this role, when the store's entry ids do not say.
    fn source_names(self) -> &'static [&'static str] {
        match self {
            Special::Inbox => &[
                "Inbox",
                "Posteingang",
                "Boîte de réception",
                "Bandeja de entrada",
            ],
            Special::Sent => &[
                "Sent Items",
                "Sent",
                "Gesendete Elemente",
                "Éléments envoyés",
            ],
            Special::Drafts => &["Drafts", "Entwürfe", "Brouillons", "Borradores"],
            Special::Trash => &[
                "Deleted Items",
                "Trash",
                "Gelöschte Elemente",
                "Éléments supprimés",
            ],
            Special::Junk => &["Junk E-mail", "Junk Email", "Junk", "Junk-E-Mail", "Spam"],
            Special::Archive => &["Archive", "Archiv"],
        }
    }
}

/// One source folder and what to do with its items.
#[derive(Debug, Clone)]
pub struct FolderPlan {
    /// The folder's node id.
    pub nid: NodeId,
    /// Its path in the source, as reports show it.
    pub label: String,
    /// Its path under the IPM subtree (names as they are); empty for the subtree itself.
    pub rel: Vec<String>,
    /// Its role, when it has one.
    pub special: Option<Special>,
    /// Why its items are not uploaded, when they are not.
    pub skip: Option<&'static str>,
    /// Whether it is a mail folder (no container class, or `IPF.Note` / `IPF.Imap`).
    pub mail_folder: bool,
}

/// `PidTagIpmSentMailEntryId` on the message store.
const IPM_SENTMAIL_ENTRY_ID: u16 = 0x35E4;
/// `PidTagIpmOutboxEntryId` on the message store.
const IPM_OUTBOX_ENTRY_ID: u16 = 0x35E2;
/// `PidTagIpmDraftsEntryId` on the root folder ([MS-OXOSFLD] 2.2.4).
const IPM_DRAFTS_ENTRY_ID: u16 = 0x36D7;
/// `PidTagMessageFlags` bits ([MS-OXCMSG] 2.2.1.6).
const MSGFLAG_READ: i32 = 0x1;
const MSGFLAG_UNSENT: i32 = 0x8;
/// `PidTagFlagStatus` ([MS-OXOFLAG] 2.2.1.1): 2 is flagged for follow-up.
const FLAG_STATUS: u16 = 0x1090;
/// `PidTagLastVerbExecuted` ([MS-OXOMSG] 2.2.1.29): 102 reply, 103 reply all, 104 forward.
const LAST_VERB_EXECUTED: u16 = 0x1081;

fn entry_id_nid(b: &[u8]) -> Option<NodeId> {
    let tail: [u8; 4] = b.get(b.len().checked_sub(4)?..)?.try_into().ok()?;
    Some(NodeId(u32::from_le_bytes(tail)))
}

/// Decides what happens to each folder: its path under the IPM subtree, its role, and
/// whether its items are uploaded (folders outside the subtree and the Sync Issues tree are
/// not).
pub fn plan_folders(store: &Store, folders: &[FolderInfo]) -> Vec<FolderPlan> {
    let known = |nid: Option<NodeId>| nid.filter(|n| folders.iter().any(|f| f.nid == *n));
    let store_folder = |id: u16| known(store.properties().binary(id).and_then(entry_id_nid));
    let parent_of = |nid: NodeId| {
        let f = folders.iter().find(|f| f.nid == nid)?;
        let n = f.path.len().checked_sub(1)?;
        folders
            .iter()
            .find(|g| g.path == f.path[..n])
            .map(|g| g.nid)
    };
    let wastebasket = store_folder(pid::IPM_WASTEBASKET_ENTRY_ID);
    let ipm = store_folder(pid::IPM_SUBTREE_ENTRY_ID)
        .or_else(|| {
            wastebasket
                .and_then(parent_of)
                .filter(|p| *p != store.root_folder())
        })
        .or_else(|| {
            let size = |f: &FolderInfo| {
                folders
                    .iter()
                    .filter(|g| g.path.starts_with(&f.path))
                    .count()
            };
            folders
                .iter()
                .filter(|f| f.name() == "IPM_SUBTREE")
                .max_by_key(|f| size(f))
                .map(|f| f.nid)
        });
    let ipm_path = ipm
        .and_then(|n| folders.iter().find(|f| f.nid == n))
        .map(|f| f.path.clone());
    let drafts = store
        .folder_properties(store.root_folder())
        .ok()
        .and_then(|p| known(p.binary(IPM_DRAFTS_ENTRY_ID).and_then(entry_id_nid)));
    let by_id: [(Option<NodeId>, Special); 3] = [
        (store_folder(IPM_SENTMAIL_ENTRY_ID), Special::Sent),
        (wastebasket, Special::Trash),
        (drafts, Special::Drafts),
    ];
    let outbox = store_folder(IPM_OUTBOX_ENTRY_ID);
    let mut taken: HashSet<Special> = by_id
        .iter()
        .filter(|(n, _)| n.is_some())
        .map(|(_, s)| *s)
        .collect();
    let mut plans = Vec::new();
    for f in folders {
        let label = f.path.join("/");
        let mail_folder = f.container_class.as_deref().map_or(true, |c| {
            let c = c.to_ascii_lowercase();
            c.is_empty() || c.starts_with("ipf.note") || c.starts_with("ipf.imap")
        });
        let Some(base) = &ipm_path else {
            // No IPM subtree: every folder below the root, as it is.
            plans.push(FolderPlan {
                nid: f.nid,
                label,
                rel: f.path.clone(),
                special: None,
                skip: None,
                mail_folder,
            });
            continue;
        };
        let Some(rel) = f.path.strip_prefix(base.as_slice()) else {
            plans.push(FolderPlan {
                nid: f.nid,
                label,
                rel: Vec::new(),
                special: None,
                skip: Some("outside the user's folders (system data such as free/busy)"),
                mail_folder,
            });
            continue;
        };
        let rel = rel.to_vec();
        let mut special = by_id
            .iter()
            .find(|(n, _)| *n == Some(f.nid))
            .map(|(_, s)| *s);
        if special.is_none() && rel.len() == 1 && Some(f.nid) != outbox && mail_folder {
            let name = f.name();
            for s in [
                Special::Inbox,
                Special::Sent,
                Special::Drafts,
                Special::Trash,
                Special::Junk,
                Special::Archive,
            ] {
                if !taken.contains(&s)
                    && s.source_names()
                        .iter()
                        .any(|n| n.eq_ignore_ascii_case(name))
                {
                    special = Some(s);
                    taken.insert(s);
                    break;
                }
            }
        }
        let sync = rel.first().is_some_and(|top| {
            [
                "Sync Issues",
                "Conflicts",
                "Local Failures",
                "Server Failures",
            ]
            .iter()
            .any(|n| n.eq_ignore_ascii_case(top))
        });
        plans.push(FolderPlan {
            nid: f.nid,
            label,
            rel,
            special,
            skip: sync.then_some("sync logs and conflicts (Sync Issues) are not mail"),
            mail_folder,
        });
    }
    plans
}

/// The server's mailboxes and hierarchy delimiter, and the names chosen so far.
#[derive(Debug)]
pub struct ServerLayout {
    /// The hierarchy delimiter.
    pub delimiter: char,
    /// Special-use attribute → mailbox name.
    pub special: HashMap<&'static str, String>,
    /// Every existing mailbox name.
    pub existing: HashSet<String>,
    chosen: HashMap<Vec<String>, String>,
    taken_by_parent: HashMap<String, HashSet<String>>,
}

impl ServerLayout {
    /// From LIST's answer.
    pub fn new(list: &[imap::MailboxInfo], delimiter: Option<char>) -> Self {
        let delimiter = delimiter
            .or_else(|| list.iter().find_map(|m| m.delimiter))
            .unwrap_or('/');
        let mut special = HashMap::new();
        for m in list {
            if let Some(s) = m.special_use {
                special.entry(s).or_insert_with(|| m.name.clone());
            }
        }
        special.insert("INBOX", "INBOX".to_owned());
        let existing: HashSet<String> = list.iter().map(|m| m.name.clone()).collect();
        // Servers without SPECIAL-USE: the usual names at the top level.
        for s in [
            Special::Sent,
            Special::Drafts,
            Special::Trash,
            Special::Junk,
            Special::Archive,
        ] {
            if !special.contains_key(s.attribute()) {
                if let Some(n) = list.iter().find(|m| {
                    s.server_names()
                        .iter()
                        .any(|x| x.eq_ignore_ascii_case(&m.name))
                }) {
                    special.insert(s.attribute(), n.name.clone());
                }
            }
        }
        Self {
            delimiter,
            special,
            existing,
            chosen: HashMap::new(),
            taken_by_parent: HashMap::new(),
        }
    }

    /// The mailbox for a folder: its special-use mailbox, or its path joined with the
    /// server's delimiter (each name in modified UTF-7, the delimiter itself replaced by
    /// `_`, siblings that would collide made distinct), under the special mailbox of its
    /// top folder when that has one. Also returns the ancestors to create first.
    pub fn mailbox_for(
        &mut self,
        plans: &[FolderPlan],
        folder: &FolderPlan,
    ) -> (String, Vec<String>) {
        if let Some(n) = self.chosen.get(&folder.rel) {
            return (n.clone(), Vec::new());
        }
        let mut ancestors = Vec::new();
        let mut name = String::new();
        for depth in 1..=folder.rel.len().max(1) {
            let prefix: Vec<String> = folder.rel.iter().take(depth).cloned().collect();
            if let Some(n) = self.chosen.get(&prefix) {
                name = n.clone();
                ancestors.push(name.clone());
                continue;
            }
            let plan = plans.iter().find(|p| p.rel == prefix && p.skip.is_none());
            let special = plan.and_then(|p| p.special).filter(|_| depth == 1);
            let this = match special.and_then(|s| self.special.get(s.attribute()).cloned()) {
                Some(n) => n,
                None => {
                    let raw = prefix.last().map(String::as_str).unwrap_or("");
                    let clean: String = raw
                        .chars()
                        .map(|c| {
                            if c == self.delimiter || c.is_control() {
                                '_'
                            } else {
                                c
                            }
                        })
                        .collect();
                    let clean = clean.trim();
                    let clean = if clean.is_empty() { "(no name)" } else { clean };
                    let parent = name.clone();
                    let taken = self.taken_by_parent.entry(parent.clone()).or_default();
                    let distinct = mail::dedupe_name(clean, taken);
                    let enc = imap::modified_utf7(&distinct);
                    if parent.is_empty() {
                        // At the top, a name equal to INBOX (in any case) would be the Inbox.
                        if enc.eq_ignore_ascii_case("INBOX") {
                            format!("{enc}_")
                        } else {
                            enc
                        }
                    } else {
                        format!("{parent}{}{enc}", self.delimiter)
                    }
                }
            };
            self.chosen.insert(prefix, this.clone());
            name = this;
            ancestors.push(name.clone());
        }
        ancestors.pop();
        (name, ancestors)
    }
}

/// The IMAP flags of a message ([MS-OXCMSG], [MS-OXOFLAG], [MS-OXOMSG]): `\Seen` when read,
/// `\Flagged` when flagged for follow-up, `\Answered` after a reply, `$Forwarded` after a
/// forward, `\Draft` when unsent or in Drafts.
pub fn message_flags(msg: &Message, in_drafts: bool) -> Vec<&'static str> {
    let p = &msg.props;
    let mut flags = Vec::new();
    let mf = p.i32(pid::MESSAGE_FLAGS).unwrap_or(0);
    if mf & MSGFLAG_READ != 0 {
        flags.push("\\Seen");
    }
    if p.i32(FLAG_STATUS) == Some(2) {
        flags.push("\\Flagged");
    }
    match p.i32(LAST_VERB_EXECUTED) {
        Some(102 | 103) => flags.push("\\Answered"),
        Some(104) => flags.push("$Forwarded"),
        _ => {}
    }
    if mf & MSGFLAG_UNSENT != 0 || in_drafts {
        flags.push("\\Draft");
    }
    flags
}

/// The INTERNALDATE to give a message: when it was delivered, else sent, else created.
pub fn delivery_time(msg: &Message) -> Option<DateTime<Utc>> {
    let p = &msg.props;
    p.time(pid::MESSAGE_DELIVERY_TIME)
        .or_else(|| p.time(pid::CLIENT_SUBMIT_TIME))
        .or_else(|| p.time(pid::CREATION_TIME))
}

/// The Message-ID of an EML (the value of its first Message-ID field, unfolded and trimmed).
pub fn eml_message_id(eml: &[u8]) -> Option<String> {
    let end = memchr::memmem::find(eml, b"\r\n\r\n").unwrap_or(eml.len());
    let head = eml.get(..end)?;
    let mut lines = head.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        if !line.get(..colon)?.eq_ignore_ascii_case(b"Message-ID") {
            continue;
        }
        let mut value = String::from_utf8_lossy(line.get(colon + 1..)?).into_owned();
        while let Some(next) = lines.peek() {
            if next.first().is_some_and(|&b| b == b' ' || b == b'\t') {
                value.push_str(&String::from_utf8_lossy(next));
                lines.next();
            } else {
                break;
            }
        }
        let v = value.split_whitespace().collect::<String>();
        return (!v.is_empty()).then_some(v);
    }
    None
}

/// One message for the IMAP workers.
struct Job {
    nid: u32,
    folder: String,
    subject: Option<String>,
    message_id: String,
    flags: Vec<&'static str>,
    date: Option<DateTime<Utc>>,
    eml: Vec<u8>,
    /// An earlier run may have sent it: look before sending.
    check_first: bool,
}

/// Messages for one mailbox, sent together (MULTIAPPEND) where the server allows.
struct Batch {
    mailbox: String,
    jobs: Vec<Job>,
}

/// Messages per batch and bytes per batch (a larger message goes alone).
const BATCH_MESSAGES: usize = 16;
const BATCH_BYTES: usize = 8 << 20;
/// Messages loaded and rendered at once, in parallel.
const CHUNK: usize = 32;

/// What the workers and the reader share.
struct Shared {
    ledger: Ledger,
    counts: BTreeMap<Kind, Counts>,
    failures: Vec<Failure>,
    skipped: Vec<Skipped>,
    warnings: Vec<ItemWarning>,
    per_folder: HashMap<String, (u64, u64)>,
}

impl Shared {
    fn uploaded(&mut self, kind: Kind, folder: &str) {
        self.counts.entry(kind).or_default().written += 1;
        self.per_folder.entry(folder.to_owned()).or_default().0 += 1;
    }
    fn skip(&mut self, nid: Option<u32>, folder: &str, subject: Option<String>, reason: String) {
        self.per_folder.entry(folder.to_owned()).or_default().1 += 1;
        self.skipped.push(Skipped {
            nid,
            folder: folder.to_owned(),
            subject,
            reason,
        });
    }
    fn fail(
        &mut self,
        kind: Kind,
        nid: Option<u32>,
        folder: &str,
        subject: Option<String>,
        reason: String,
    ) {
        self.counts.entry(kind).or_default().failed += 1;
        self.failures.push(Failure::item(
            FailureKind::ItemNotWritten,
            nid,
            folder,
            subject,
            reason,
        ));
    }
    fn record(&mut self, e: &Entry) -> Result<(), UploadError> {
        let path = self.ledger.path().to_owned();
        self.ledger
            .record(e)
            .map_err(|source| UploadError::Ledger { path, source })
    }
}

/// Uploads one open store to the targets. Items already in the ledger are not sent again.
/// A failed login, an unusable ledger or a target that cannot be reached stops the run (the
/// error is returned); an item the server refuses is reported and the run goes on.
pub fn upload_store(
    store: &Store,
    input: &Path,
    targets: &Targets,
    opts: &Options,
    progress: &dyn Progress,
) -> Result<UploadReport, UploadError> {
    let started = Instant::now();
    let tls = tls_config(opts.ca_file.as_deref())?;
    let h = store.header();
    let mut report = UploadReport {
        input: input.display().to_string(),
        output: targets.display(),
        format: format!("{} {} {:?}", h.client.name(), h.layout.name(), h.crypt).to_lowercase(),
        complete: false,
        error: None,
        counts: BTreeMap::new(),
        failures: Vec::new(),
        warnings: Vec::new(),
        skipped: Vec::new(),
        folders: Vec::new(),
        ledgers: Vec::new(),
        elapsed_ms: 0,
    };
    let tree = store.folders();
    let plans = plan_folders(store, &tree.folders);
    // The store's address book, as convert builds it: what is uploaded equals what convert
    // writes, Exchange senders and recipients with their SMTP addresses.
    let book = crate::addressbook::AddressBook::from_store(store);
    let ledger_err = |source| UploadError::Ledger {
        path: opts.ledger_dir.clone(),
        source,
    };
    // One ledger per target kind: the IMAP one and the DAV one.
    let imap_ledger = match &targets.imap {
        Some(u) => Some(Ledger::open(&opts.ledger_dir, &u.display(), input).map_err(ledger_err)?),
        None => None,
    };
    let dav_key = format!(
        "{}|{}",
        targets.caldav.as_ref().map_or("", |u| u.url.as_str()),
        targets.carddav.as_ref().map_or("", |u| u.url.as_str())
    );
    let dav_ledger = if targets.caldav.is_some() || targets.carddav.is_some() {
        Some(Ledger::open(&opts.ledger_dir, &dav_key, input).map_err(ledger_err)?)
    } else {
        None
    };
    report.ledgers = imap_ledger
        .iter()
        .chain(dav_ledger.iter())
        .map(|l| l.path().display().to_string())
        .collect();

    let contents: Vec<(usize, Vec<NodeId>)> = plans
        .iter()
        .enumerate()
        .map(|(i, p)| match store.contents(p.nid) {
            Ok(n) => (i, n),
            Err(e) => {
                report.warnings.push(ItemWarning {
                    nid: Some(p.nid.0),
                    folder: p.label.clone(),
                    subject: None,
                    what: format!("contents table unreadable, its items are not uploaded: {e}"),
                });
                (i, Vec::new())
            }
        })
        .collect();
    let name = input.display().to_string();
    progress.started(&name, contents.iter().map(|(_, n)| n.len() as u64).sum());

    let shared = Mutex::new(Shared {
        ledger: match imap_ledger {
            Some(l) => l,
            None => Ledger::open_file(opts.ledger_dir.join(".unused.jsonl")).map_err(ledger_err)?,
        },
        counts: BTreeMap::new(),
        failures: Vec::new(),
        skipped: Vec::new(),
        warnings: Vec::new(),
        per_folder: HashMap::new(),
    });
    let mut dav_work: Vec<DavFolder> = Vec::new();
    let mut mailboxes: HashMap<usize, String> = HashMap::new();
    let mut warnings = Vec::new();

    let result = run_imap(
        store,
        &book,
        targets,
        opts,
        &tls,
        &plans,
        &contents,
        &shared,
        &mut dav_work,
        &mut mailboxes,
        &mut warnings,
        &|| progress.item(&name),
    );
    report.warnings.extend(warnings);
    let mut shared = shared.into_inner().unwrap_or_else(|p| p.into_inner());
    if let Err(e) = result {
        report.error = Some(e.to_string());
        fill_report(
            &mut report,
            &plans,
            &mailboxes,
            &mut shared,
            &HashMap::new(),
        );
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        return Err(e);
    }
    let mut collections: HashMap<usize, Vec<String>> = HashMap::new();
    if let Some(mut ledger) = dav_ledger {
        let r = run_dav(
            targets,
            opts,
            &tls,
            &plans,
            dav_work,
            &mut ledger,
            &mut shared,
            &mut collections,
            &|| progress.item(&name),
        );
        if let Err(e) = r {
            report.error = Some(e.to_string());
            fill_report(&mut report, &plans, &mailboxes, &mut shared, &collections);
            return Err(e);
        }
    } else {
        for f in dav_work {
            let plan = plans.get(f.plan);
            let label = plan.map(|p| p.label.clone()).unwrap_or_default();
            for (kind, items) in [
                (Kind::Appointment, &f.appointments),
                (Kind::Task, &f.tasks),
                (Kind::Contact, &f.cards),
            ] {
                for m in items {
                    let reason = match kind {
                        Kind::Contact => "no CardDAV target (--carddav)",
                        _ => "no CalDAV target (--caldav)",
                    };
                    shared.skip(
                        m.nid.map(|n| n.0),
                        &label,
                        Some(m.subject().to_owned()),
                        reason.into(),
                    );
                    progress.item(&name);
                }
            }
        }
    }
    fill_report(&mut report, &plans, &mailboxes, &mut shared, &collections);
    report.complete = true;
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

fn fill_report(
    report: &mut UploadReport,
    plans: &[FolderPlan],
    mailboxes: &HashMap<usize, String>,
    shared: &mut Shared,
    collections: &HashMap<usize, Vec<String>>,
) {
    for (k, c) in &shared.counts {
        let e = report.counts.entry(*k).or_default();
        e.found += c.found;
        e.written += c.written;
        e.failed += c.failed;
    }
    report.failures.append(&mut shared.failures);
    report.warnings.append(&mut shared.warnings);
    report.skipped.append(&mut shared.skipped);
    for (i, p) in plans.iter().enumerate() {
        let (uploaded, skipped) = shared.per_folder.get(&p.label).copied().unwrap_or_default();
        let mailbox = mailboxes.get(&i).cloned();
        let cols = collections.get(&i).cloned().unwrap_or_default();
        if mailbox.is_some() || !cols.is_empty() || uploaded + skipped > 0 {
            report.folders.push(Placed {
                source: p.label.clone(),
                mailbox,
                collections: cols,
                uploaded,
                skipped,
            });
        }
    }
}

/// The calendar items, tasks and cards of one folder, for the DAV upload.
struct DavFolder {
    plan: usize,
    appointments: Vec<Message>,
    tasks: Vec<Message>,
    cards: Vec<Message>,
}

/// A loaded message with its EML when it is mail to upload.
struct Loaded {
    nid: NodeId,
    msg: pstkit::Result<Message>,
    eml: Option<(Vec<u8>, Vec<String>)>,
}

fn connect_login(
    url: &ImapUrl,
    opts: &Options,
    tls: &Arc<ClientConfig>,
) -> Result<Session, UploadError> {
    let mut s = Session::connect(url, tls, opts.allow_plaintext)?;
    s.login(url, &opts.auth)?;
    Ok(s)
}

#[allow(clippy::too_many_arguments)]
fn run_imap(
    store: &Store,
    book: &crate::addressbook::AddressBook,
    targets: &Targets,
    opts: &Options,
    tls: &Arc<ClientConfig>,
    plans: &[FolderPlan],
    contents: &[(usize, Vec<NodeId>)],
    shared: &Mutex<Shared>,
    dav_work: &mut Vec<DavFolder>,
    mailboxes: &mut HashMap<usize, String>,
    warnings: &mut Vec<ItemWarning>,
    tick: &(dyn Fn() + Sync),
) -> Result<(), UploadError> {
    let lock = || shared.lock().unwrap_or_else(|p| p.into_inner());
    let mut control = match &targets.imap {
        Some(u) => Some(connect_login(u, opts, tls)?),
        None => None,
    };
    let mut layout = match control.as_mut() {
        Some(s) => {
            let list = s.list()?;
            let delim = s.delimiter()?;
            Some(ServerLayout::new(&list, delim))
        }
        None => None,
    };
    let append_limit: Option<usize> = control
        .as_ref()
        .and_then(|s| s.cap_value("APPENDLIMIT"))
        .and_then(|v| v.parse().ok());
    // Every mail folder is created, empty ones too, so the tree is mirrored.
    if let (Some(s), Some(layout)) = (control.as_mut(), layout.as_mut()) {
        for (i, p) in plans.iter().enumerate() {
            if p.skip.is_some() || !p.mail_folder || (p.rel.is_empty() && !has_items(contents, i)) {
                continue;
            }
            let (mb, ancestors) = layout.mailbox_for(plans, p);
            for a in ancestors.iter().chain(std::iter::once(&mb)) {
                if !layout.existing.contains(a) {
                    s.create(a)?;
                    layout.existing.insert(a.clone());
                }
            }
            mailboxes.insert(i, mb);
        }
    }
    let abort = AtomicBool::new(false);
    let connections = opts.connections.max(1);
    let (tx, rx) = sync_channel::<Batch>(connections * 2);
    let rx = Mutex::new(rx);
    thread::scope(|scope| -> Result<(), UploadError> {
        let mut workers = Vec::new();
        if let Some(url) = &targets.imap {
            for _ in 0..connections {
                let rx = &rx;
                let abort = &abort;
                workers.push(
                    scope.spawn(move || {
                        worker(url, opts, tls, rx, shared, abort, append_limit, tick)
                    }),
                );
            }
        }
        let mut produce = || -> Result<(), UploadError> {
            for (i, nids) in contents {
                let Some(plan) = plans.get(*i) else { continue };
                let mut dav = DavFolder {
                    plan: *i,
                    appointments: Vec::new(),
                    tasks: Vec::new(),
                    cards: Vec::new(),
                };
                let mut batch: Option<Batch> = None;
                for chunk in nids.chunks(CHUNK) {
                    if abort.load(Ordering::Relaxed) {
                        return Ok(());
                    }
                    // Messages already uploaded are not even loaded.
                    let (done, todo): (Vec<NodeId>, Vec<NodeId>) = {
                        let s = lock();
                        chunk
                            .iter()
                            .partition(|n| targets.imap.is_some() && s.ledger.is_done("imap", n.0))
                    };
                    for n in &done {
                        let mut s = lock();
                        s.counts.entry(Kind::Mail).or_default().found += 1;
                        s.skip(
                            Some(n.0),
                            &plan.label,
                            None,
                            "already uploaded (ledger)".into(),
                        );
                        tick();
                    }
                    let loaded: Vec<Loaded> = todo
                        .par_iter()
                        .map(|&nid| {
                            let msg = store.message(nid).map(|mut m| {
                                book.enrich(&mut m);
                                m
                            });
                            let eml = match &msg {
                                Ok(m)
                                    if plan.skip.is_none()
                                        && Kind::of_class(m.class()) == Kind::Mail
                                        && mail::is_mail_like(m.class())
                                        && targets.imap.is_some() =>
                                {
                                    let mut notes = Vec::new();
                                    Some((mail::message_to_eml_with(m, book, &mut notes), notes))
                                }
                                _ => None,
                            };
                            Loaded { nid, msg, eml }
                        })
                        .collect();
                    for l in loaded {
                        let msg = match l.msg {
                            Ok(m) => m,
                            Err(e) => {
                                let mut s = lock();
                                s.counts.entry(Kind::Unreadable).or_default().found += 1;
                                s.fail(
                                    Kind::Unreadable,
                                    Some(l.nid.0),
                                    &plan.label,
                                    None,
                                    e.to_string(),
                                );
                                tick();
                                continue;
                            }
                        };
                        let kind = Kind::of_class(msg.class());
                        let subject = Some(msg.subject().to_owned()).filter(|s| !s.is_empty());
                        lock().counts.entry(kind).or_default().found += 1;
                        if let Some(why) = plan.skip {
                            lock().skip(Some(l.nid.0), &plan.label, subject, why.into());
                            tick();
                            continue;
                        }
                        match kind {
                            Kind::Appointment => dav.appointments.push(msg),
                            Kind::Task => dav.tasks.push(msg),
                            Kind::Contact | Kind::DistributionList => dav.cards.push(msg),
                            Kind::Mail | Kind::Unreadable => {
                                let Some((eml, notes)) = l.eml else {
                                    let why = if targets.imap.is_none() {
                                        "no IMAP target (--imap)".to_owned()
                                    } else {
                                        format!(
                                            "not mail ({}): never uploaded as a message",
                                            msg.class()
                                        )
                                    };
                                    lock().skip(Some(l.nid.0), &plan.label, subject, why);
                                    tick();
                                    continue;
                                };
                                for w in msg.warnings.iter().chain(notes.iter()) {
                                    warnings.push(ItemWarning {
                                        nid: Some(l.nid.0),
                                        folder: plan.label.clone(),
                                        subject: subject.clone(),
                                        what: w.clone(),
                                    });
                                }
                                let mailbox = match mailboxes.get(i) {
                                    Some(m) => m.clone(),
                                    None => {
                                        // Mail in a calendar or contacts folder: its own mailbox.
                                        let (Some(s), Some(layout)) =
                                            (control.as_mut(), layout.as_mut())
                                        else {
                                            continue;
                                        };
                                        let (mb, ancestors) = layout.mailbox_for(plans, plan);
                                        for a in ancestors.iter().chain(std::iter::once(&mb)) {
                                            if !layout.existing.contains(a) {
                                                s.create(a)?;
                                                layout.existing.insert(a.clone());
                                            }
                                        }
                                        mailboxes.insert(*i, mb.clone());
                                        mb
                                    }
                                };
                                let message_id = eml_message_id(&eml).unwrap_or_default();
                                let check_first = lock().ledger.pending("imap", l.nid.0).is_some();
                                let job = Job {
                                    nid: l.nid.0,
                                    folder: plan.label.clone(),
                                    subject,
                                    message_id,
                                    flags: message_flags(
                                        &msg,
                                        plan.special == Some(Special::Drafts),
                                    ),
                                    date: delivery_time(&msg),
                                    eml,
                                    check_first,
                                };
                                let b = batch.get_or_insert_with(|| Batch {
                                    mailbox: mailbox.clone(),
                                    jobs: Vec::new(),
                                });
                                let bytes: usize = b.jobs.iter().map(|j| j.eml.len()).sum();
                                if !b.jobs.is_empty()
                                    && (b.jobs.len() >= BATCH_MESSAGES
                                        || bytes + job.eml.len() > BATCH_BYTES)
                                {
                                    if let Some(full) = batch.take() {
                                        if tx.send(full).is_err() {
                                            return Ok(());
                                        }
                                    }
                                }
                                batch
                                    .get_or_insert_with(|| Batch {
                                        mailbox,
                                        jobs: Vec::new(),
                                    })
                                    .jobs
                                    .push(job);
                            }
                        }
                    }
                }
                if let Some(full) = batch.take() {
                    if tx.send(full).is_err() {
                        return Ok(());
                    }
                }
                if !(dav.appointments.is_empty() && dav.tasks.is_empty() && dav.cards.is_empty()) {
                    dav_work.push(dav);
                }
            }
            Ok(())
        };
        let produced = produce();
        drop(tx);
        let mut first_err = produced.err();
        for w in workers {
            match w.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    first_err.get_or_insert(e);
                }
                Err(_) => {
                    first_err
                        .get_or_insert(UploadError::Protocol("an upload thread panicked".into()));
                }
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    })?;
    if let Some(s) = control {
        s.logout();
    }
    Ok(())
}

fn has_items(contents: &[(usize, Vec<NodeId>)], i: usize) -> bool {
    contents.iter().any(|(j, n)| *j == i && !n.is_empty())
}

/// One IMAP connection's loop: takes batches until there are none, reconnecting with
/// backoff when the connection drops or the server throttles.
#[allow(clippy::too_many_arguments)]
fn worker(
    url: &ImapUrl,
    opts: &Options,
    tls: &Arc<ClientConfig>,
    rx: &Mutex<Receiver<Batch>>,
    shared: &Mutex<Shared>,
    abort: &AtomicBool,
    append_limit: Option<usize>,
    tick: &(dyn Fn() + Sync),
) -> Result<(), UploadError> {
    let mut session: Option<Session> = None;
    let mut fatal: Option<UploadError> = None;
    loop {
        let batch = {
            let rx = rx.lock().unwrap_or_else(|p| p.into_inner());
            rx.recv()
        };
        let Ok(batch) = batch else { break };
        if abort.load(Ordering::Relaxed) {
            continue;
        }
        let mut todo: VecDeque<Job> = batch.jobs.into();
        let mut attempt = 0u32;
        let mut delay = opts.backoff;
        loop {
            match send_batch(
                &mut session,
                url,
                opts,
                tls,
                &batch.mailbox,
                &mut todo,
                shared,
                append_limit,
                tick,
            ) {
                Ok(()) => break,
                Err(e) if e.is_transient() && attempt + 1 < opts.attempts => {
                    attempt += 1;
                    session = None;
                    // The batch may have arrived before the connection dropped: look first.
                    for j in todo.iter_mut() {
                        j.check_first = true;
                    }
                    thread::sleep(delay);
                    delay = (delay * 2).min(Duration::from_secs(30));
                }
                Err(
                    e @ (UploadError::Auth(_) | UploadError::Ledger { .. } | UploadError::Tls(_)),
                ) => {
                    // Stop the reader, and keep taking batches so it is never left waiting
                    // on a full channel.
                    abort.store(true, Ordering::Relaxed);
                    fatal.get_or_insert(e);
                    break;
                }
                Err(e) => {
                    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
                    for j in todo.drain(..) {
                        s.fail(Kind::Mail, Some(j.nid), &j.folder, j.subject, e.to_string());
                        tick();
                    }
                    session = None;
                    break;
                }
            }
        }
    }
    if let Some(s) = session {
        s.logout();
    }
    match fatal {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Sends what is left of a batch, removing each message from `todo` as its fate is known.
#[allow(clippy::too_many_arguments)]
fn send_batch(
    session: &mut Option<Session>,
    url: &ImapUrl,
    opts: &Options,
    tls: &Arc<ClientConfig>,
    mailbox: &str,
    todo: &mut VecDeque<Job>,
    shared: &Mutex<Shared>,
    append_limit: Option<usize>,
    tick: &(dyn Fn() + Sync),
) -> Result<(), UploadError> {
    let lock = || shared.lock().unwrap_or_else(|p| p.into_inner());
    if session.is_none() {
        *session = Some(connect_login(url, opts, tls)?);
    }
    let Some(s) = session.as_mut() else {
        return Ok(());
    };
    // Look on the server first: after a drop or an earlier run's kill (is it there more often
    // than the ledger says?), and with --dedupe server (is it there at all?).
    if opts.dedupe_server || todo.iter().any(|j| j.check_first) {
        s.examine(mailbox)?;
        let mut keep = VecDeque::with_capacity(todo.len());
        while let Some(j) = todo.pop_front() {
            if (!opts.dedupe_server && !j.check_first) || j.message_id.is_empty() {
                keep.push_back(j);
                continue;
            }
            let on_server = s.search_message_id(&j.message_id)?;
            let recorded = lock().ledger.done_with(mailbox, &j.message_id);
            let reason = if opts.dedupe_server && !on_server.is_empty() && !j.check_first {
                Some("Message-ID already in the folder (--dedupe server)")
            } else if on_server.len() > recorded {
                Some("found on the server after an interrupted upload")
            } else {
                None
            };
            match reason {
                Some(r) => {
                    let mut sh = lock();
                    sh.record(&Entry {
                        state: State::Done,
                        nid: j.nid,
                        place: mailbox.to_owned(),
                        id: j.message_id.clone(),
                        uid: on_server.last().copied(),
                        note: Some(r.to_owned()),
                    })?;
                    if r.starts_with("found") {
                        sh.uploaded(Kind::Mail, &j.folder);
                    } else {
                        sh.skip(Some(j.nid), &j.folder, j.subject.clone(), r.into());
                    }
                    tick();
                }
                None => keep.push_back(Job {
                    check_first: false,
                    ..j
                }),
            }
        }
        *todo = keep;
    }
    if let Some(limit) = append_limit {
        let mut keep = VecDeque::with_capacity(todo.len());
        for j in todo.drain(..) {
            if j.eml.len() > limit {
                lock().fail(
                    Kind::Mail,
                    Some(j.nid),
                    &j.folder,
                    j.subject.clone(),
                    format!(
                        "{} bytes: larger than the server takes (APPENDLIMIT={limit})",
                        j.eml.len()
                    ),
                );
                tick();
            } else {
                keep.push_back(j);
            }
        }
        *todo = keep;
    }
    if todo.is_empty() {
        return Ok(());
    }
    {
        let mut sh = lock();
        for j in todo.iter() {
            sh.record(&Entry {
                state: State::Pending,
                nid: j.nid,
                place: mailbox.to_owned(),
                id: j.message_id.clone(),
                uid: None,
                note: None,
            })?;
        }
    }
    let done = |j: &Job, uid: Option<u32>| -> Result<(), UploadError> {
        let mut sh = lock();
        sh.record(&Entry {
            state: State::Done,
            nid: j.nid,
            place: mailbox.to_owned(),
            id: j.message_id.clone(),
            uid,
            note: None,
        })?;
        sh.uploaded(Kind::Mail, &j.folder);
        tick();
        Ok(())
    };
    if todo.len() > 1 && s.has("MULTIAPPEND") {
        let msgs: Vec<Appendable<'_>> = todo
            .iter()
            .map(|j| Appendable {
                flags: &j.flags,
                date: j.date,
                bytes: &j.eml,
            })
            .collect();
        match s.append(mailbox, &msgs)? {
            Ok(uids) => {
                for (j, uid) in todo.iter().zip(uids) {
                    done(j, uid)?;
                }
                todo.clear();
                return Ok(());
            }
            Err(reply) => {
                let err = reply_error(reply, mailbox);
                if err.is_transient() {
                    return Err(err);
                }
                // One message spoiled the batch (too large, refused): send one by one.
            }
        }
    }
    while let Some(j) = todo.front() {
        let one = [Appendable {
            flags: &j.flags,
            date: j.date,
            bytes: &j.eml,
        }];
        match s.append(mailbox, &one)? {
            Ok(uids) => done(j, uids.first().copied().flatten())?,
            Err(reply) => {
                let err = reply_error(reply, mailbox);
                if err.is_transient() {
                    return Err(err);
                }
                lock().fail(
                    Kind::Mail,
                    Some(j.nid),
                    &j.folder,
                    j.subject.clone(),
                    err.to_string(),
                );
                tick();
            }
        }
        todo.pop_front();
    }
    Ok(())
}

fn reply_error(reply: imap::Reply, mailbox: &str) -> UploadError {
    UploadError::Server {
        command: format!("APPEND to {mailbox}"),
        code: reply.code_name(),
        text: reply.text,
    }
}

/// Uploads the calendar items, tasks and cards.
#[allow(clippy::too_many_arguments)]
fn run_dav(
    targets: &Targets,
    opts: &Options,
    tls: &Arc<ClientConfig>,
    plans: &[FolderPlan],
    work: Vec<DavFolder>,
    ledger: &mut Ledger,
    shared: &mut Shared,
    collections: &mut HashMap<usize, Vec<String>>,
    tick: &dyn Fn(),
) -> Result<(), UploadError> {
    let cal = match &targets.caldav {
        Some(u) => {
            let c = DavClient::new(&u.user, opts.auth.clone(), Arc::clone(tls));
            let t = c.discover(u, DavKind::CalDav)?;
            Some((c, t))
        }
        None => None,
    };
    let card = match &targets.carddav {
        Some(u) => {
            let c = DavClient::new(&u.user, opts.auth.clone(), Arc::clone(tls));
            let t = c.discover(u, DavKind::CardDav)?;
            Some((c, t))
        }
        None => None,
    };
    let mut used_slugs: HashSet<String> = HashSet::new();
    for f in work {
        let Some(plan) = plans.get(f.plan) else {
            continue;
        };
        let display = plan
            .rel
            .last()
            .cloned()
            .unwrap_or_else(|| plan.label.clone());
        let slug_base = {
            let joined = plan.rel.join("-");
            let s = dav::segment(if joined.is_empty() { "items" } else { &joined });
            if s.len() > 120 {
                format!("folder-{}", plan.nid.0)
            } else {
                s
            }
        };
        let mut notes = Vec::new();
        let groups: [(Kind, &Vec<Message>); 3] = [
            (Kind::Appointment, &f.appointments),
            (Kind::Task, &f.tasks),
            (Kind::Contact, &f.cards),
        ];
        for (kind, items) in groups {
            if items.is_empty() {
                continue;
            }
            let (client, target, dkind, component, ctype) = match kind {
                Kind::Contact => match &card {
                    Some((c, t)) => (c, t, DavKind::CardDav, "", "text/vcard; charset=utf-8"),
                    None => {
                        skip_all(
                            shared,
                            items,
                            &plan.label,
                            "no CardDAV target (--carddav)",
                            tick,
                        );
                        continue;
                    }
                },
                _ => match &cal {
                    Some((c, t)) => (
                        c,
                        t,
                        DavKind::CalDav,
                        if kind == Kind::Task {
                            "VTODO"
                        } else {
                            "VEVENT"
                        },
                        "text/calendar; charset=utf-8",
                    ),
                    None => {
                        skip_all(
                            shared,
                            items,
                            &plan.label,
                            "no CalDAV target (--caldav)",
                            tick,
                        );
                        continue;
                    }
                },
            };
            let collection = match target {
                dav::Target::Collection(u) => u.clone(),
                dav::Target::Home(home) => {
                    let mut slug = slug_base.clone();
                    if !used_slugs.insert(format!("{dkind:?}{slug}")) {
                        slug = format!("{slug}-{}", component.to_ascii_lowercase());
                        used_slugs.insert(format!("{dkind:?}{slug}"));
                    }
                    let url = format!(
                        "{}{slug}/",
                        if home.ends_with('/') {
                            home.clone()
                        } else {
                            format!("{home}/")
                        }
                    );
                    client.ensure_collection(&url, dkind, component, &display)?;
                    url
                }
            };
            collections
                .entry(f.plan)
                .or_default()
                .push(collection.clone());
            let (text, ext) = match kind {
                Kind::Appointment => (calendar::calendar_to_ics(items, &mut notes), "ics"),
                Kind::Task => (calendar::tasks_to_ics(items, &mut notes), "ics"),
                _ => (
                    contacts::contacts_to_vcf(items, opts.vcard, &mut notes),
                    "vcf",
                ),
            };
            let resources = match kind {
                Kind::Contact => dav::split_vcards(&text),
                _ => dav::split_calendar(&text),
            };
            for m in items.iter() {
                let k = Kind::of_class(m.class());
                shared.counts.entry(k).or_default();
            }
            for r in &resources {
                let name = if r.uid.len() > 100 || r.uid.is_empty() {
                    use sha2::{Digest, Sha256};
                    hex::encode(Sha256::digest(r.uid.as_bytes()))
                } else {
                    dav::segment(&r.uid)
                };
                let url = format!("{collection}{name}.{ext}");
                // The ledger keys DAV items by resource (a series and its exceptions are one).
                if ledger.is_done_place(&url) {
                    shared.skip(
                        None,
                        &plan.label,
                        Some(r.uid.clone()),
                        "already uploaded (ledger)".into(),
                    );
                    continue;
                }
                let entry = |state, note: Option<String>| Entry {
                    state,
                    nid: 0,
                    place: url.clone(),
                    id: r.uid.clone(),
                    uid: None,
                    note,
                };
                match client.put(&url, ctype, r.text.as_bytes(), opts.update) {
                    Ok(true) => {
                        ledger.record(&entry(State::Done, None)).map_err(|source| {
                            UploadError::Ledger {
                                path: ledger.path().to_owned(),
                                source,
                            }
                        })?;
                        shared.counts.entry(kind).or_default().written += 1;
                        shared.per_folder.entry(plan.label.clone()).or_default().0 += 1;
                    }
                    Ok(false) => {
                        ledger
                            .record(&entry(State::Done, Some("already on the server".into())))
                            .map_err(|source| UploadError::Ledger {
                                path: ledger.path().to_owned(),
                                source,
                            })?;
                        shared.skip(
                            None,
                            &plan.label,
                            Some(r.uid.clone()),
                            "already on the server (If-None-Match)".into(),
                        );
                    }
                    Err(e @ UploadError::Auth(_)) => return Err(e),
                    Err(e) => {
                        shared.fail(kind, None, &plan.label, Some(r.uid.clone()), e.to_string())
                    }
                }
            }
            for _ in items.iter() {
                tick();
            }
        }
        for w in notes {
            shared.warnings.push(ItemWarning {
                nid: None,
                folder: plan.label.clone(),
                subject: None,
                what: w,
            });
        }
    }
    Ok(())
}

fn skip_all(shared: &mut Shared, items: &[Message], folder: &str, why: &str, tick: &dyn Fn()) {
    for m in items {
        shared.skip(
            m.nid.map(|n| n.0),
            folder,
            Some(m.subject().to_owned()),
            why.into(),
        );
        tick();
    }
}

/// Reads the password for `user`: the `OST_EXTRACT_PASSWORD` environment variable, else the
/// first line of `file`; `None` when neither is given (the caller prompts).
pub fn password_from(file: Option<&Path>) -> Result<Option<Secret>, UploadError> {
    if let Ok(p) = std::env::var("OST_EXTRACT_PASSWORD") {
        if !p.is_empty() {
            return Ok(Some(Secret(p)));
        }
    }
    match file {
        Some(f) => {
            let text = fs::read_to_string(f)
                .map_err(|e| UploadError::Usage(format!("--password-file {}: {e}", f.display())))?;
            let line = text.lines().next().unwrap_or("").to_owned();
            if line.is_empty() {
                return Err(UploadError::Usage(format!(
                    "--password-file {}: empty",
                    f.display()
                )));
            }
            Ok(Some(Secret(line)))
        }
        None => Ok(None),
    }
}
