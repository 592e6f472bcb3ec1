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
//! Uploading is two outputs of the `convert` pipeline ([`convert::Sink`]s):
//! [`convert::sinks::ImapUpload`] and [`convert::sinks::DavUpload`]. They take convert's
//! folder plan, its rendered EML and its iCalendar and vCard, and report into the same
//! `report.json`; `convert --imap URL` writes files and uploads in one pass, and
//! [`upload_store`] runs the pipeline with only these outputs. This module holds what they
//! share: targets, credentials, TLS, the protocols ([`imap`], [`dav`]), the ledger, the
//! mapping of folders to the server's.
//!
//! [RFC 6154]: https://www.rfc-editor.org/rfc/rfc6154

pub mod dav;
pub mod imap;
pub mod ledger;

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use pstkit::messaging::{pid, Message};
use pstkit::{NodeId, Store};
use rustls::ClientConfig;
use serde::{Deserialize, Serialize};

use crate::contacts::VcardVersion;
use crate::convert::{self, FolderRole, InputReport, Plan, Progress, WriteError};
use crate::mail;
use dav::DavUrl;
use imap::ImapUrl;

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
                .is_some_and(|c| matches!(c, "THROTTLED" | "UNAVAILABLE" | "INUSE")),
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

/// Where to upload and how: the upload outputs of a conversion
/// ([`convert::Options::upload`]).
#[derive(Debug, Clone)]
pub struct Upload {
    /// The targets.
    pub targets: Targets,
    /// The credentials and settings.
    pub options: Options,
}

/// What an upload adds to an input's report: the targets, the ledgers, and where each
/// folder went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadSummary {
    /// The targets (no secrets).
    pub targets: String,
    /// The ledger files.
    pub ledgers: Vec<String>,
    /// Where each folder went.
    pub folders: Vec<Placed>,
}

impl UploadSummary {
    /// Adds a target and its ledger.
    pub fn add_target(&mut self, target: &str, ledger: &Path) {
        if !self.targets.is_empty() {
            self.targets.push_str(", ");
        }
        self.targets.push_str(target);
        self.ledgers.push(ledger.display().to_string());
    }

    /// Items uploaded by this run, over all folders.
    pub fn uploaded(&self) -> u64 {
        self.folders.iter().map(|p| p.uploaded).sum()
    }

    /// Items skipped by this run (already there, not mail), over all folders.
    pub fn skipped(&self) -> u64 {
        self.folders.iter().map(|p| p.skipped).sum()
    }

    /// The entry of folder `source`, made when missing.
    pub fn folder(&mut self, source: &str) -> &mut Placed {
        let i = match self.folders.iter().position(|p| p.source == source) {
            Some(i) => i,
            None => {
                self.folders.push(Placed {
                    source: source.to_owned(),
                    ..Placed::default()
                });
                self.folders.len() - 1
            }
        };
        &mut self.folders[i]
    }
}

/// Where a source folder went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placed {
    /// The source folder's path.
    pub source: String,
    /// The IMAP mailbox (as the server names it), if it holds mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox: Option<String>,
    /// The calendar, task list or address book URLs its items went to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<String>,
    /// Items uploaded by this run.
    pub uploaded: u64,
    /// Items skipped (see the report's `skipped`).
    pub skipped: u64,
}

/// An upload error as the pipeline carries it (a [`WriteError`] naming the target).
pub(crate) fn to_write_error(target: &str, e: UploadError) -> WriteError {
    WriteError {
        path: PathBuf::from(target),
        source: io::Error::other(e),
    }
}

/// The upload error inside a pipeline error, when it is one.
pub fn from_write_error(e: WriteError) -> UploadError {
    let text = e.to_string();
    match e.source.into_inner().map(|b| b.downcast::<UploadError>()) {
        Some(Ok(u)) => *u,
        _ => UploadError::Ledger {
            path: e.path,
            source: io::Error::other(text),
        },
    }
}

/// Uploads one open store to the targets: the `convert` pipeline with only the upload
/// outputs. Items already in the ledger are not sent again. A failed login, an unusable
/// ledger or a target that cannot be reached stops the run (the error is returned); an
/// item the server refuses is reported and the run goes on. The report is `convert`'s, with
/// [`InputReport::upload`] saying where each folder went.
pub fn upload_store(
    store: &Store,
    input: &Path,
    upload: &Upload,
    progress: &dyn Progress,
) -> Result<InputReport, UploadError> {
    upload_store_selected(
        store,
        input,
        upload,
        convert::DateRange::default(),
        false,
        progress,
    )
}

/// [`upload_store`] of the items `dates` keeps (as `convert --since/--until` selects them),
/// with the system folders and items too when `include_system` (else they are left out and
/// counted as skipped, as by `convert`).
pub fn upload_store_selected(
    store: &Store,
    input: &Path,
    upload: &Upload,
    dates: convert::DateRange,
    include_system: bool,
    progress: &dyn Progress,
) -> Result<InputReport, UploadError> {
    let opts = convert::Options {
        open_formats: false,
        vcard: upload.options.vcard,
        upload: Some(upload.clone()),
        dates,
        include_system,
        ..convert::Options::default()
    };
    let sinks = opts.sinks(Path::new(""));
    let mut report =
        convert::run_store(store, input, &opts, sinks, progress).map_err(from_write_error)?;
    report.output = upload.targets.display();
    Ok(report)
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

/// A folder of convert's plan as the IMAP upload sees it: its place under the IPM subtree,
/// the server role it maps to, and whether its mail is uploaded. Derived from
/// [`convert::Plan`](crate::convert::Plan): the upload has no folder plan of its own.
#[derive(Debug, Clone)]
pub struct MailFolder {
    /// The planned folder's node id (`None` for recovered items).
    pub nid: Option<NodeId>,
    /// Its path as reports show it (the plan's label).
    pub label: String,
    /// Its path under the IPM subtree (names as they are); empty for the subtree itself.
    pub rel: Vec<String>,
    /// Its role on the server, when it has one.
    pub special: Option<Special>,
    /// Why its items are not uploaded, when they are not.
    pub skip: Option<&'static str>,
    /// Whether it is a mail folder (no container class, or `IPF.Note` / `IPF.Imap`).
    pub mail_folder: bool,
    /// Whether the plan gives it items.
    pub has_items: bool,
}

/// The IMAP view of convert's plan: folders under the IPM subtree keep their path; the
/// special folders the plan found by entry id (Inbox, Sent Items, Drafts, Deleted Items,
/// Junk E-mail) map to the server's, and those it did not find are recognised by their
/// usual names at the top; folders outside the subtree and Sync Issues are not uploaded;
/// recovered items go to `Recovered items`.
pub fn mail_folders(store: &Store, plan: &Plan) -> Vec<MailFolder> {
    let classes: HashMap<NodeId, Option<String>> = store
        .folders()
        .folders
        .into_iter()
        .map(|f| (f.nid, f.container_class))
        .collect();
    let ipm_path = plan
        .folders
        .iter()
        .find(|f| f.role == Some(FolderRole::IpmSubtree))
        .map(|f| f.source_path.clone());
    let by_role = |role: Option<FolderRole>| match role? {
        FolderRole::Inbox => Some(Special::Inbox),
        FolderRole::SentItems => Some(Special::Sent),
        FolderRole::Drafts => Some(Special::Drafts),
        FolderRole::DeletedItems => Some(Special::Trash),
        FolderRole::Junk => Some(Special::Junk),
        _ => None,
    };
    let mut taken: HashSet<Special> = plan
        .folders
        .iter()
        .filter_map(|f| by_role(f.role))
        .collect();
    let mut out = Vec::with_capacity(plan.folders.len());
    for f in &plan.folders {
        let mail_folder = f
            .nid
            .and_then(|n| classes.get(&n).cloned().flatten())
            .map_or(true, |c| {
                let c = c.to_ascii_lowercase();
                c.is_empty() || c.starts_with("ipf.note") || c.starts_with("ipf.imap")
            });
        let mut m = MailFolder {
            nid: f.nid,
            label: f.label.clone(),
            rel: Vec::new(),
            special: None,
            skip: None,
            mail_folder,
            has_items: !f.items.is_empty(),
        };
        if f.role == Some(FolderRole::RecoveredItems) {
            m.rel = f.output.clone();
            out.push(m);
            continue;
        }
        let rel = match &ipm_path {
            // No IPM subtree: every folder below the root, as it is.
            None => Some(f.source_path.clone()),
            Some(base) => f
                .source_path
                .strip_prefix(base.as_slice())
                .map(<[_]>::to_vec),
        };
        let Some(rel) = rel else {
            m.skip = Some("outside the user's folders (system data such as free/busy)");
            out.push(m);
            continue;
        };
        m.special = by_role(f.role);
        if m.special.is_none()
            && rel.len() == 1
            && f.role != Some(FolderRole::Outbox)
            && mail_folder
        {
            let name = f.source_path.last().map(String::as_str).unwrap_or("");
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
                    m.special = Some(s);
                    taken.insert(s);
                    break;
                }
            }
        }
        let sync = f.role == Some(FolderRole::SyncIssues)
            || rel.first().is_some_and(|top| {
                [
                    "Sync Issues",
                    "Conflicts",
                    "Local Failures",
                    "Server Failures",
                ]
                .iter()
                .any(|n| n.eq_ignore_ascii_case(top))
            });
        if sync {
            m.skip = Some("sync logs and conflicts (Sync Issues) are not mail");
        }
        m.rel = rel;
        out.push(m);
    }
    // Below a Sync Issues folder found by entry id, whatever its name.
    let sync_paths: Vec<Vec<String>> = out
        .iter()
        .filter(|m| m.skip.is_some_and(|s| s.starts_with("sync")))
        .map(|m| m.rel.clone())
        .collect();
    for m in &mut out {
        if m.skip.is_none() && sync_paths.iter().any(|p| m.rel.starts_with(p)) {
            m.skip = Some("sync logs and conflicts (Sync Issues) are not mail");
        }
    }
    out
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
        plans: &[MailFolder],
        folder: &MailFolder,
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

/// `PidTagMessageFlags` bits ([MS-OXCMSG] 2.2.1.6).
const MSGFLAG_READ: i32 = 0x1;
const MSGFLAG_UNSENT: i32 = 0x8;

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
    if p.i32(pid::FLAG_STATUS) == Some(2) {
        flags.push("\\Flagged");
    }
    match p.i32(pid::LAST_VERB_EXECUTED) {
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
