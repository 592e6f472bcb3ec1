//! The judges: a PST counts as good only when four independent readers open it and list every
//! item our own reader (`pstkit`) lists, in the same folders.
//!
//! | judge | what it is | what it exposes |
//! |---|---|---|
//! | [`Judge::Libpff`] | libpff's Python binding `pypff` (PyPI `libpff-python`), `python/pypff_list.py` | folders, subjects, classes, attachment names and bytes (not the attachments of items whose class it does not type as a message, e.g. free/busy data: counted as not exposed) |
//! | [`Judge::Readpst`] | libpst's `readpst` (Debian `pst-utils`) | folders with items, item counts (it skips tasks and notes: counted, not written; it lists folder-associated items too, finding items by their parent node), subjects of what it writes as mail, attachment bytes |
//! | [`Judge::OutlookPst`] | Microsoft's `outlook-pst` crate (crates.io) | folders, subjects, classes, attachment names and bytes; Unicode and ANSI PSTs with 512-byte pages only |
//! | [`Judge::PstExtractor`] | `pst-extractor` (npm), `node/list.js` | folders, subjects, classes, attachment names and bytes |
//!
//! Our own listing is [`ours`] (the `ls --json` manifest of `ost_extract::manifest`).
//! Each judge's [`Listing`] is compared with it by [`compare`], which returns every
//! [`Difference`]: a folder missing or extra, an item missing or extra (by subject, class and
//! attachments, as far as the judge exposes them). Only the IPM subtree is compared (what
//! Outlook shows and imports); folder paths are taken relative to it.
//!
//! # How to call it
//!
//! From any test (add `pst-judges` to the crate's `[dev-dependencies]`):
//!
//! ```no_run
//! let verdicts = pst_judges::judge_file(std::path::Path::new("out.pst"), &pst_judges::Options::default());
//! pst_judges::assert_clean(&verdicts); // panics with every difference of every judge
//! ```
//!
//! [`judge_file`] runs every judge; a judge that is not installed gives
//! [`JudgeError::Missing`], which [`assert_clean`] skips with a note on stderr, unless the
//! environment sets `REQUIRE_READERS=1` (as `.ci/run` does), when it fails. For ANSI files
//! set [`Options::codepage`] to the file's code page. Install: `apt-get install pst-utils`,
//! `pip install libpff-python`, `npm ci --prefix judges/node` (all done by `.ci/run`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod outlook;
mod readpst;

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One of the independent readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Judge {
    /// libpff through `pypff`.
    Libpff,
    /// libpst's `readpst`.
    Readpst,
    /// Microsoft's `outlook-pst` crate.
    OutlookPst,
    /// `pst-extractor` on node.
    PstExtractor,
}

impl Judge {
    /// All four.
    pub const ALL: [Judge; 4] = [
        Judge::Libpff,
        Judge::Readpst,
        Judge::OutlookPst,
        Judge::PstExtractor,
    ];

    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Judge::Libpff => "libpff (pypff)",
            Judge::Readpst => "readpst",
            Judge::OutlookPst => "outlook-pst (crates.io)",
            Judge::PstExtractor => "pst-extractor (npm)",
        }
    }

    /// Lists `path` with this judge.
    pub fn list(self, path: &Path, opts: &Options) -> Result<Listing, JudgeError> {
        match self {
            Judge::Libpff => libpff(path, opts),
            Judge::Readpst => readpst::list(path, opts),
            Judge::OutlookPst => outlook::list(path),
            Judge::PstExtractor => pst_extractor(path),
        }
    }

    /// What the judge's listing can be compared on.
    pub fn exposes(self) -> Exposes {
        match self {
            Judge::Readpst => Exposes {
                classes: false,
                subjects: SubjectRule::WrittenOnly,
                attachments: AttachmentRule::FolderBytes,
                associated: true,
            },
            _ => Exposes {
                classes: true,
                subjects: SubjectRule::All,
                attachments: AttachmentRule::PerItem,
                associated: false,
            },
        }
    }
}

impl fmt::Display for Judge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the judges are run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The code page of 8-bit strings, for ANSI files (e.g. 1251); `None`: the judge's default.
    pub codepage: Option<u32>,
}

/// Why a judge gave no listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JudgeError {
    /// The judge is not installed; says how to install it.
    Missing(String),
    /// The judge ran and could not open or list the file.
    Failed(String),
}

impl fmt::Display for JudgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JudgeError::Missing(m) => write!(f, "not installed: {m}"),
            JudgeError::Failed(m) => write!(f, "failed: {m}"),
        }
    }
}

impl std::error::Error for JudgeError {}

/// Where a listing's folder paths start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Root {
    /// At the store's root folder (`[]` is the root).
    #[default]
    Store,
    /// At the IPM subtree (`[]` is the IPM subtree).
    Ipm,
}

/// What a reader lists of a file.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Listing {
    /// Where `path`s start.
    #[serde(default)]
    pub root: Root,
    /// The IPM subtree's path from the store root, when the reader knows it.
    #[serde(default)]
    pub ipm: Option<Vec<String>>,
    /// Every folder the reader found.
    pub folders: Vec<Folder>,
}

/// A folder and its (normal, not associated) items.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Folder {
    /// Display names from the listing's root down.
    pub path: Vec<String>,
    /// The items, in the reader's order.
    pub items: Vec<Item>,
    /// The folder-associated (hidden) items, when the reader lists them apart (ours does).
    #[serde(default)]
    pub associated: Vec<Item>,
}

/// One item (message, appointment, contact, …).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Item {
    /// `PidTagSubject` without its prefix marker; `None` when the reader does not say.
    #[serde(default)]
    pub subject: Option<String>,
    /// `PidTagMessageClass`.
    #[serde(default)]
    pub class: Option<String>,
    /// The attachments the reader found.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Set when the reader listed the item but could not read it.
    #[serde(default)]
    pub error: Option<String>,
    /// Set when the reader listed the item but does not expose its attachments (libpff for
    /// items it does not type as messages); such an item is matched without them.
    #[serde(default)]
    pub attachments_unknown: bool,
}

/// One attachment.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Attachment {
    /// The long file name, else the short one.
    #[serde(default)]
    pub name: Option<String>,
    /// `PidTagAttachMethod` (1 by value, 5 embedded message, 6 OLE).
    #[serde(default)]
    pub method: Option<i32>,
    /// Size of the by-value data.
    #[serde(default)]
    pub size: Option<u64>,
    /// SHA-256 (hex) of the by-value data.
    #[serde(default)]
    pub sha256: Option<String>,
}

/// How a judge's subjects are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectRule {
    /// Every item has its subject.
    All,
    /// Only some items carry a subject (those the judge writes out); each must be one of the
    /// reference folder's subjects.
    WrittenOnly,
}

/// How a judge's attachments are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentRule {
    /// Per item: count, method, and name, size and bytes of by-value attachments.
    PerItem,
    /// Per folder: the bytes of every non-empty by-value attachment of mail items
    /// (`IPM.Note*`) must be among the judge's attachment files of that folder.
    FolderBytes,
}

/// What a judge's listing is compared on.
#[derive(Debug, Clone, Copy)]
pub struct Exposes {
    /// Message classes.
    pub classes: bool,
    /// Subjects.
    pub subjects: SubjectRule,
    /// Attachments.
    pub attachments: AttachmentRule,
    /// Whether the judge lists folder-associated items among a folder's items.
    pub associated: bool,
}

/// One way a judge's listing differs from the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The folder, relative to the IPM subtree.
    pub folder: Vec<String>,
    /// What differs.
    pub what: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}: {}", self.folder.join("/"), self.what)
    }
}

/// A judge's result on one file.
#[derive(Debug)]
pub struct Verdict {
    /// The file.
    pub file: PathBuf,
    /// The judge.
    pub judge: Judge,
    /// Its differences from our listing (empty: it agrees), or why it gave no listing.
    pub result: Result<Vec<Difference>, JudgeError>,
}

/// Our own reader's listing of `path`: `ost_extract::manifest::build` over `pstkit`.
pub fn ours(path: &Path) -> Result<Listing, JudgeError> {
    let store = pstkit::Store::open(path).map_err(|e| JudgeError::Failed(e.to_string()))?;
    let manifest = ost_extract::manifest::build(&store, "", true);
    let ipm_nid = store
        .properties()
        .binary(pstkit::messaging::pid::IPM_SUBTREE_ENTRY_ID)
        .and_then(|b| b.get(20..24))
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes);
    let mut listing = from_manifest(&manifest);
    for (folder, mf) in listing.folders.iter_mut().zip(&manifest.folders) {
        let nids = store
            .associated_contents(pstkit::NodeId(mf.nid))
            .unwrap_or_default();
        folder.associated = nids
            .into_iter()
            .map(|n| match store.message(n) {
                Ok(m) => item_of(&m),
                Err(e) => Item {
                    error: Some(e.to_string()),
                    ..Item::default()
                },
            })
            .collect();
    }
    // By PidTagIpmSubtreeEntryId; else the first folder below the root named "Top of …".
    listing.ipm = manifest
        .folders
        .iter()
        .find(|f| Some(f.nid) == ipm_nid)
        .or_else(|| {
            manifest
                .folders
                .iter()
                .find(|f| f.path.len() == 1 && f.path[0].starts_with("Top of"))
        })
        .map(|f| f.path.clone());
    Ok(listing)
}

/// A message as a listing's item: subject, class, attachments (by-value ones with their bytes).
fn item_of(m: &pstkit::Message) -> Item {
    Item {
        subject: Some(m.subject().to_owned()),
        class: Some(m.class().to_owned()),
        attachments: m
            .attachments
            .iter()
            .map(|a| {
                let method = a.method();
                let data = a.data().filter(|_| method == 1);
                Attachment {
                    name: a.filename().map(str::to_owned),
                    method: Some(method),
                    size: data.map(|d| d.len() as u64),
                    sha256: data.map(|d| hex::encode(Sha256::digest(d))),
                }
            })
            .collect(),
        ..Item::default()
    }
}

/// A listing from an `ls --json` manifest (ours, or the corpus' `expected/*.json`). The IPM
/// subtree is not known from the manifest: set [`Listing::ipm`] if needed.
pub fn from_manifest(m: &ost_extract::manifest::Manifest) -> Listing {
    Listing {
        root: Root::Store,
        ipm: None,
        folders: m
            .folders
            .iter()
            .map(|f| Folder {
                path: f.path.clone(),
                items: f
                    .messages
                    .iter()
                    .map(|msg| Item {
                        subject: msg.subject.clone(),
                        class: msg.class.clone(),
                        attachments: msg
                            .attachments
                            .iter()
                            .flatten()
                            .map(|a| Attachment {
                                name: a.name.clone(),
                                method: Some(a.method),
                                size: (a.method == 1).then_some(a.size),
                                sha256: if a.method == 1 {
                                    a.sha256.clone()
                                } else {
                                    None
                                },
                            })
                            .collect(),
                        error: msg.error.clone(),
                        attachments_unknown: false,
                    })
                    .collect(),
                associated: Vec::new(),
            })
            .collect(),
    }
}

/// The folders of `l` at or below its IPM subtree, keyed by the path relative to it. `ipm`
/// is the IPM subtree's path from the store root, used when `l` has none of its own.
fn ipm_folders<'a>(l: &'a Listing, ipm: &[String]) -> BTreeMap<Vec<String>, &'a Folder> {
    let prefix: &[String] = match l.root {
        Root::Ipm => &[],
        Root::Store => l.ipm.as_deref().unwrap_or(ipm),
    };
    l.folders
        .iter()
        .filter(|f| f.path.starts_with(prefix))
        .map(|f| (f.path[prefix.len()..].to_vec(), f))
        .collect()
}

/// An item as far as the judge exposes it, for comparing multisets.
fn item_key(item: &Item, ex: Exposes) -> String {
    item_key_with(item, ex, !item.attachments_unknown)
}

/// [`item_key`], with or without the attachments.
fn item_key_with(item: &Item, ex: Exposes, with_attachments: bool) -> String {
    let mut k = String::new();
    if ex.subjects == SubjectRule::All {
        k.push_str(&format!(
            "subject {:?}",
            item.subject.as_deref().unwrap_or("")
        ));
    }
    if ex.classes {
        k.push_str(&format!(" class {:?}", item.class.as_deref().unwrap_or("")));
    }
    if with_attachments && ex.attachments == AttachmentRule::PerItem {
        let mut atts: Vec<String> = item
            .attachments
            .iter()
            .map(|a| {
                if a.method == Some(1) {
                    format!(
                        "[by value {:?} {} bytes {}]",
                        a.name.as_deref().unwrap_or(""),
                        a.size.unwrap_or(0),
                        a.sha256.as_deref().unwrap_or("-")
                    )
                } else {
                    format!("[method {}]", a.method.unwrap_or(-1))
                }
            })
            .collect();
        atts.sort();
        k.push_str(&format!(" attachments {}", atts.join(" ")));
    }
    if k.is_empty() {
        k.push_str("item");
    }
    k
}

fn count<I: IntoIterator<Item = String>>(it: I) -> BTreeMap<String, isize> {
    let mut m = BTreeMap::new();
    for k in it {
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

/// Every difference between a judge's listing and the reference (ours), below the IPM
/// subtree. `reference.ipm` must be set (as [`ours`] does) unless both listings start there.
pub fn compare(reference: &Listing, judged: &Listing, ex: Exposes) -> Vec<Difference> {
    let ipm = reference.ipm.clone().unwrap_or_default();
    let want = ipm_folders(reference, &ipm);
    let got = ipm_folders(judged, &ipm);
    let mut diffs = Vec::new();
    let mut diff = |folder: &[String], what: String| {
        diffs.push(Difference {
            folder: folder.to_vec(),
            what,
        })
    };
    for (path, f) in &want {
        // What the judge should list: the items, and the associated ones if it lists those.
        let items: Vec<&Item> = if ex.associated {
            f.items.iter().chain(&f.associated).collect()
        } else {
            f.items.iter().collect()
        };
        let Some(g) = got.get(path) else {
            // readpst writes no directory for a folder without items.
            if !(ex.subjects == SubjectRule::WrittenOnly && items.is_empty()) {
                diff(path, format!("folder missing ({} items)", items.len()));
            }
            continue;
        };
        let mut keys = count(items.iter().map(|i| item_key(i, ex)));
        for k in g
            .items
            .iter()
            .filter(|i| !i.attachments_unknown)
            .map(|i| item_key(i, ex))
        {
            *keys.entry(k).or_insert(0) -= 1;
        }
        // Items whose attachments the judge does not expose match what is left by the rest.
        let reduced: BTreeMap<String, String> = items
            .iter()
            .map(|i| (item_key(i, ex), item_key_with(i, ex, false)))
            .collect();
        for i in g.items.iter().filter(|i| i.attachments_unknown) {
            let k = item_key(i, ex);
            let full = keys
                .iter()
                .find(|(full, n)| **n > 0 && reduced.get(*full) == Some(&k))
                .map(|(full, _)| full.clone())
                .unwrap_or(k);
            *keys.entry(full).or_insert(0) -= 1;
        }
        for (k, n) in keys {
            match n {
                0 => {}
                n if n > 0 => diff(path, format!("{n} item(s) missing: {k}")),
                n => diff(path, format!("{} extra item(s): {k}", -n)),
            }
        }
        for i in g.items.iter().filter(|i| i.error.is_some()) {
            diff(
                path,
                format!("item unreadable: {}", i.error.as_deref().unwrap_or("")),
            );
        }
        if ex.subjects == SubjectRule::WrittenOnly {
            // An item without a subject is written with an empty one.
            let subjects: Vec<&str> = items
                .iter()
                .map(|i| i.subject.as_deref().unwrap_or(""))
                .collect();
            for s in g.items.iter().filter_map(|i| i.subject.as_deref()) {
                if !subjects.contains(&s) {
                    diff(path, format!("unknown subject {s:?}"));
                }
            }
        }
        if ex.attachments == AttachmentRule::FolderBytes {
            let mut have = count(
                g.items
                    .iter()
                    .flat_map(|i| &i.attachments)
                    .filter_map(|a| a.sha256.clone()),
            );
            for a in f
                .items
                .iter()
                .filter(|i| {
                    i.class
                        .as_deref()
                        .is_some_and(|c| c.starts_with("IPM.Note"))
                })
                .flat_map(|i| &i.attachments)
                .filter(|a| a.method == Some(1) && a.size.unwrap_or(0) > 0)
            {
                let sha = a.sha256.clone().unwrap_or_default();
                match have.get_mut(&sha) {
                    Some(n) if *n > 0 => *n -= 1,
                    _ => diff(
                        path,
                        format!(
                            "attachment {:?} ({} bytes) missing",
                            a.name.as_deref().unwrap_or(""),
                            a.size.unwrap_or(0)
                        ),
                    ),
                }
            }
        }
    }
    for (path, g) in &got {
        if !want.contains_key(path) {
            diff(path, format!("extra folder ({} items)", g.items.len()));
        }
    }
    diffs
}

/// Runs every judge on `path` and compares each with [`ours`]. Panics if our own reader
/// cannot open the file (the judges are only meaningful on a file we read).
pub fn judge_file(path: &Path, opts: &Options) -> Vec<Verdict> {
    judge_file_with(path, opts, &Judge::ALL)
}

/// [`judge_file`] with only the given judges.
pub fn judge_file_with(path: &Path, opts: &Options, judges: &[Judge]) -> Vec<Verdict> {
    let reference = match ours(path) {
        Ok(l) => l,
        Err(e) => panic!("{}: our reader cannot list it: {e}", path.display()),
    };
    judges
        .iter()
        .map(|&judge| Verdict {
            file: path.to_owned(),
            judge,
            result: judge
                .list(path, opts)
                .map(|l| compare(&reference, &l, judge.exposes())),
        })
        .collect()
}

/// Whether `REQUIRE_READERS=1`: a missing judge is then a failure, not a skip.
pub fn judges_required() -> bool {
    std::env::var("REQUIRE_READERS").as_deref() == Ok("1")
}

/// Panics with every difference and failure in `verdicts`. A missing judge is skipped with a
/// note on stderr, or is a failure when [`judges_required`].
pub fn assert_clean(verdicts: &[Verdict]) {
    let mut problems = Vec::new();
    for v in verdicts {
        match &v.result {
            Ok(diffs) => {
                for d in diffs.iter().take(20) {
                    problems.push(format!("{}: {}: {d}", v.file.display(), v.judge));
                }
                if diffs.len() > 20 {
                    problems.push(format!(
                        "{}: {}: … {} more differences",
                        v.file.display(),
                        v.judge,
                        diffs.len() - 20
                    ));
                }
            }
            Err(JudgeError::Missing(m)) if !judges_required() => {
                eprintln!(
                    "skipping judge {} ({m}); REQUIRE_READERS=1 makes this a failure",
                    v.judge
                );
            }
            Err(e) => problems.push(format!("{}: {}: {e}", v.file.display(), v.judge)),
        }
    }
    assert!(
        problems.is_empty(),
        "the judges disagree:\n{}",
        problems.join("\n")
    );
}

/// The directory of this crate (where `python/` and `node/` are).
fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// How long a judge may take on one file before it counts as hung (pst-extractor loops
/// forever on some 4 KiB-page files), unless `PST_JUDGE_TIMEOUT` gives another number of
/// seconds (for files of gigabytes).
pub const JUDGE_TIMEOUT: Duration = Duration::from_secs(120);

/// [`JUDGE_TIMEOUT`], or `PST_JUDGE_TIMEOUT` seconds when set.
fn judge_timeout() -> Duration {
    std::env::var("PST_JUDGE_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(JUDGE_TIMEOUT, Duration::from_secs)
}

/// Runs `cmd` to completion with its output captured, killing it after [`JUDGE_TIMEOUT`]
/// (or `PST_JUDGE_TIMEOUT`).
/// `Err(None)`: it could not be started; `Err(Some(_))`: it timed out.
pub(crate) fn run_with_timeout(
    mut cmd: Command,
    what: &str,
) -> Result<std::process::Output, Option<String>> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|_| None)?;
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut buf);
        }
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.read_to_end(&mut buf);
        }
        buf
    });
    let timeout = judge_timeout();
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Some(format!(
                    "{what}: still running after {} s, killed",
                    timeout.as_secs()
                )));
            }
        }
    };
    Ok(std::process::Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    })
}

/// Runs a helper script that prints a [`Listing`] as JSON.
fn run_json(cmd: Command, what: &str) -> Result<Listing, JudgeError> {
    let out = run_with_timeout(cmd, what).map_err(|e| match e {
        None => JudgeError::Missing(format!("{what}: cannot start")),
        Some(m) => JudgeError::Failed(m),
    })?;
    if !out.status.success() {
        return Err(JudgeError::Failed(format!(
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| JudgeError::Failed(format!("{what}: unreadable output: {e}")))
}

/// libpff through pypff (`python/pypff_list.py`).
fn libpff(path: &Path, opts: &Options) -> Result<Listing, JudgeError> {
    let probe = Command::new("python3")
        .args(["-c", "import pypff"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        return Err(JudgeError::Missing(
            "python3 with pypff (pip install libpff-python)".into(),
        ));
    }
    let mut cmd = Command::new("python3");
    cmd.arg(crate_dir().join("python/pypff_list.py")).arg(path);
    if let Some(cp) = opts.codepage {
        cmd.arg(format!("windows-{cp}"));
    }
    run_json(cmd, "pypff")
}

/// pst-extractor on node (`node/list.js`).
fn pst_extractor(path: &Path) -> Result<Listing, JudgeError> {
    let dir = crate_dir().join("node");
    if !dir.join("node_modules/pst-extractor").is_dir() {
        return Err(JudgeError::Missing(format!(
            "pst-extractor (npm ci --prefix {})",
            dir.display()
        )));
    }
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("list.js")).arg(path);
    run_json(cmd, "pst-extractor")
}
