//! One input file to an import-ready tree: `Mail/` (EML and/or mbox), `Calendar/*.ics`,
//! `Tasks/*.ics`, `Contacts/*.vcf` and `report.json`.
//!
//! Items go by their class, not by their folder: a contact filed in the Inbox still lands
//! in `Contacts/Inbox.vcf`. Folders are converted in parallel (rayon); each folder's output
//! depends only on that folder, so the tree is the same whatever the number of threads.
//! Every file is written under a temporary name and renamed into place, so an interrupted
//! run never leaves a half-written file behind, and `report.json` is written last: its
//! presence with `"complete": true` marks a finished input (used by `--resume`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use pstkit::messaging::{pid, Message};
use pstkit::{FolderInfo, NodeId, Store};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::contacts::{self, VcardVersion};
use crate::{calendar, mail};

/// How mail is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailFormat {
    /// One `.eml` file per message under `Mail/<folder path>/`.
    Eml,
    /// One `Mail/<folder path>.mbox` per folder (mboxrd).
    Mbox,
    /// Both.
    Both,
}

/// What to write.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Mail as EML, mbox or both.
    pub mail: MailFormat,
    /// vCard version for contacts.
    pub vcard: VcardVersion,
    /// Also convert messages that are still in the file but in no folder (deleted, not yet
    /// purged, or cut off by damage), into `Recovered items`.
    pub recover_deleted: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            mail: MailFormat::Eml,
            vcard: VcardVersion::V3,
            recover_deleted: false,
        }
    }
}

/// The kinds of item, as counted in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Mail and everything rendered as a message (meeting requests, reports, posts, notes).
    Mail,
    /// Appointments and meetings.
    Appointment,
    /// Tasks.
    Task,
    /// Contacts.
    Contact,
    /// Distribution lists.
    DistributionList,
    /// Items that could not be read at all (their class is unknown).
    Unreadable,
}

impl Kind {
    /// The kind of a message class.
    pub fn of_class(class: &str) -> Self {
        // Task requests are messages carrying a task; they read as mail.
        let task_request = class
            .get(..15)
            .is_some_and(|p| p.eq_ignore_ascii_case("IPM.TaskRequest"));
        if task_request {
            Self::Mail
        } else if calendar::is_appointment(class) {
            Self::Appointment
        } else if calendar::is_task(class) {
            Self::Task
        } else if contacts::is_contact(class) {
            Self::Contact
        } else if contacts::is_distribution_list(class) {
            Self::DistributionList
        } else {
            Self::Mail
        }
    }
}

/// Found / written / failed counts of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Items the file holds.
    pub found: u64,
    /// Items written out.
    pub written: u64,
    /// Items that could not be written.
    pub failed: u64,
}

/// An item that could not be recovered, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The item's node id.
    pub nid: Option<u32>,
    /// Its folder's path.
    pub folder: String,
    /// Its subject, when it could be read.
    pub subject: Option<String>,
    /// What went wrong.
    pub reason: String,
}

/// Where the item came from and what was noted while converting it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemWarning {
    /// The item's node id (none for folder- or file-level notes).
    pub nid: Option<u32>,
    /// Its folder's path.
    pub folder: String,
    /// Its subject.
    pub subject: Option<String>,
    /// What was noted.
    pub what: String,
}

/// The report of one input, written as `<output>/report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputReport {
    /// The input file.
    pub input: String,
    /// The output folder's name (within the run's output folder).
    pub output: String,
    /// `pst` or `ost`, layout and encryption; empty when the file could not be opened.
    pub format: String,
    /// Whether the conversion ran to the end (every item written or reported).
    pub complete: bool,
    /// Why nothing could be read, when the file could not be opened.
    pub error: Option<String>,
    /// Counts by kind.
    pub counts: BTreeMap<Kind, Counts>,
    /// Every item that could not be recovered.
    pub failures: Vec<Failure>,
    /// Damage and oddities that did not stop an item from being written.
    pub warnings: Vec<ItemWarning>,
    /// Wall time in milliseconds (the only field that differs between identical runs).
    pub elapsed_ms: u64,
}

impl InputReport {
    fn new(input: &Path, output: &Path) -> Self {
        Self {
            input: input.display().to_string(),
            output: output.file_name().map_or_else(
                || output.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            format: String::new(),
            complete: false,
            error: None,
            counts: BTreeMap::new(),
            failures: Vec::new(),
            warnings: Vec::new(),
            elapsed_ms: 0,
        }
    }

    /// Totals over all kinds.
    pub fn totals(&self) -> Counts {
        self.counts.values().fold(Counts::default(), |a, c| Counts {
            found: a.found + c.found,
            written: a.written + c.written,
            failed: a.failed + c.failed,
        })
    }
}

/// Progress notifications, for the command's progress bars or log lines.
pub trait Progress: Sync {
    /// Conversion of `input` starts; it holds about `items` items.
    fn started(&self, input: &str, items: u64);
    /// One item of `input` is done (written or failed).
    fn item(&self, input: &str);
}

/// A progress sink that ignores everything.
pub struct NoProgress;

impl Progress for NoProgress {
    fn started(&self, _: &str, _: u64) {}
    fn item(&self, _: &str) {}
}

/// A write that failed: the run stops, naming the path (a full disk, a read-only folder).
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct WriteError {
    /// The file or folder.
    pub path: PathBuf,
    /// The error.
    pub source: io::Error,
}

fn werr(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError {
        path: path.to_owned(),
        source,
    }
}

/// Writes `data` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<(), WriteError> {
    let tmp = temp_name(path);
    fs::write(&tmp, data).map_err(werr(&tmp))?;
    fs::rename(&tmp, path).map_err(werr(path))
}

fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.partial"))
}

/// One folder to convert: where its items come from and where they go.
struct Unit {
    /// The folder's path as shown in reports.
    label: String,
    /// Output path components under `Mail/`, `Calendar/`...
    rel: Vec<String>,
    /// The items.
    nids: Vec<NodeId>,
}

/// What one folder produced.
#[derive(Default)]
struct UnitResult {
    counts: BTreeMap<Kind, Counts>,
    failures: Vec<Failure>,
    warnings: Vec<ItemWarning>,
}

impl UnitResult {
    fn count(&mut self, kind: Kind, f: impl FnOnce(&mut Counts)) {
        f(self.counts.entry(kind).or_default())
    }
}

/// Converts one open store into `out` (which must exist). Returns the report, also written
/// to `out/report.json`. Only a failed write is an error; unreadable items are reported.
pub fn convert_store(
    store: &Store,
    input: &Path,
    out: &Path,
    opts: &Options,
    progress: &dyn Progress,
) -> Result<InputReport, WriteError> {
    let started = Instant::now();
    let mut report = InputReport::new(input, out);
    let h = store.header();
    report.format = format!("{} {} {:?}", h.client.name(), h.layout.name(), h.crypt).to_lowercase();

    let tree = store.folders();
    for w in &tree.warnings {
        report.warnings.push(ItemWarning {
            nid: w.at.node.map(|n| n.0),
            folder: String::new(),
            subject: None,
            what: w.what.clone(),
        });
    }
    let mut units = plan_units(store, &tree.folders, &mut report);
    if opts.recover_deleted {
        let listed: HashSet<NodeId> = units.iter().flat_map(|u| u.nids.iter().copied()).collect();
        let orphans = store.orphans(&listed);
        if !orphans.is_empty() {
            units.push(Unit {
                label: "(recovered items)".into(),
                rel: vec!["Recovered items".into()],
                nids: orphans,
            });
        }
    }
    let name = input.display().to_string();
    progress.started(&name, units.iter().map(|u| u.nids.len() as u64).sum());

    let results: Vec<Result<UnitResult, WriteError>> = units
        .par_iter()
        .map(|u| convert_unit(store, u, out, opts, &|| progress.item(&name)))
        .collect();
    for r in results {
        let r = r?;
        for (k, c) in r.counts {
            let e = report.counts.entry(k).or_default();
            e.found += c.found;
            e.written += c.written;
            e.failed += c.failed;
        }
        report.failures.extend(r.failures);
        report.warnings.extend(r.warnings);
    }
    for w in store.warnings() {
        report.warnings.push(ItemWarning {
            nid: w.at.node.map(|n| n.0),
            folder: String::new(),
            subject: None,
            what: w.to_string(),
        });
    }
    report.complete = true;
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    write_report(out, &report)?;
    Ok(report)
}

/// Writes `report.json` (atomically, last: it marks the input complete).
pub fn write_report(out: &Path, report: &InputReport) -> Result<(), WriteError> {
    let json = serde_json::to_vec_pretty(report).map_err(|e| WriteError {
        path: out.join("report.json"),
        source: e.into(),
    })?;
    write_atomic(&out.join("report.json"), &json)
}

/// Reads back a finished input's report, if `out` holds one.
pub fn finished_report(out: &Path) -> Option<InputReport> {
    let bytes = fs::read(out.join("report.json")).ok()?;
    serde_json::from_slice::<InputReport>(&bytes)
        .ok()
        .filter(|r| r.complete)
}

/// The entry id's NID: the last four bytes of a PST entry id ([MS-PST] 2.4.3.2).
fn entry_id_nid(b: &[u8]) -> Option<NodeId> {
    let tail: [u8; 4] = b.get(b.len().checked_sub(4)?..)?.try_into().ok()?;
    Some(NodeId(u32::from_le_bytes(tail)))
}

/// Decides where each folder's items go. Paths are taken relative to the IPM subtree (the
/// folders a user sees: "Inbox", not "Top of Personal Folders/Inbox"); folders outside it
/// go under "Other". Names are made safe for every file system and kept distinct among
/// siblings.
fn plan_units(store: &Store, folders: &[FolderInfo], report: &mut InputReport) -> Vec<Unit> {
    // The IPM subtree: named by the store; Outlook 2013+ OSTs omit that entry id, so fall back
    // to the parent of Deleted Items (whose id they keep), then to a folder named IPM_SUBTREE.
    let folder_of = |id: u16| {
        store
            .properties()
            .binary(id)
            .and_then(entry_id_nid)
            .filter(|nid| folders.iter().any(|f| f.nid == *nid))
    };
    let parent_of = |nid: NodeId| {
        let f = folders.iter().find(|f| f.nid == nid)?;
        let n = f.path.len().checked_sub(1)?;
        folders
            .iter()
            .find(|g| g.path == f.path[..n])
            .map(|g| g.nid)
    };
    let ipm = folder_of(pid::IPM_SUBTREE_ENTRY_ID)
        .or_else(|| {
            folder_of(pid::IPM_WASTEBASKET_ENTRY_ID)
                .and_then(parent_of)
                .filter(|p| *p != store.root_folder())
        })
        .or_else(|| {
            // OSTs of Exchange mailboxes hold a public and a mailbox IPM_SUBTREE: take the fuller.
            let subtree_size = |f: &FolderInfo| {
                folders
                    .iter()
                    .filter(|g| g.path.starts_with(&f.path))
                    .count()
            };
            folders
                .iter()
                .filter(|f| f.name() == "IPM_SUBTREE")
                .max_by_key(|f| subtree_size(f))
                .map(|f| f.nid)
        });
    let mut names_by_parent: HashMap<Vec<String>, HashSet<String>> = HashMap::new();
    if ipm.is_some() {
        names_by_parent
            .entry(Vec::new())
            .or_default()
            .insert("Other".to_owned());
    }
    let mut out_path: HashMap<NodeId, Vec<String>> = HashMap::new();
    let mut units = Vec::new();
    for f in folders {
        // Depth-first order: a folder's parent has been placed before it.
        let parent = f
            .path
            .len()
            .checked_sub(1)
            .and_then(|n| folders.iter().find(|g| g.path == f.path[..n]));
        let rel: Vec<String> = if Some(f.nid) == ipm {
            Vec::new()
        } else {
            match parent.and_then(|p| out_path.get(&p.nid)) {
                None if ipm.is_some() => vec!["Other".to_owned()],
                None => Vec::new(),
                Some(parent_rel) => {
                    let mut r = parent_rel.clone();
                    let taken = names_by_parent.entry(r.clone()).or_default();
                    r.push(mail::dedupe_name(
                        &mail::safe_path_component(f.name()),
                        taken,
                    ));
                    r
                }
            }
        };
        out_path.insert(f.nid, rel.clone());
        let nids = match store.contents(f.nid) {
            Ok(n) => n,
            Err(e) => {
                report.warnings.push(ItemWarning {
                    nid: Some(f.nid.0),
                    folder: f.path.join("/"),
                    subject: None,
                    what: format!("contents table unreadable, its items are lost unless --recover-deleted finds them: {e}"),
                });
                Vec::new()
            }
        };
        if !nids.is_empty() {
            // Items filed in the top folder itself go under that folder's own name.
            let rel = if rel.is_empty() {
                let own = mail::safe_path_component(f.name());
                vec![if own.is_empty() {
                    "Top of Personal Folders".to_owned()
                } else {
                    own
                }]
            } else {
                rel
            };
            units.push(Unit {
                label: f.path.join("/"),
                rel,
                nids,
            });
        }
    }
    units
}

fn join(base: &Path, rel: &[String]) -> PathBuf {
    rel.iter().fold(base.to_path_buf(), |p, c| p.join(c))
}

/// A path with an extension added to its last component ("Inbox" -> "Inbox.mbox").
fn with_suffix(base: &Path, rel: &[String], ext: &str) -> PathBuf {
    let mut p = join(base, rel);
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Top".into());
    p.set_file_name(format!("{name}.{ext}"));
    p
}

fn convert_unit(
    store: &Store,
    unit: &Unit,
    out: &Path,
    opts: &Options,
    tick: &(dyn Fn() + Sync),
) -> Result<UnitResult, WriteError> {
    let mut res = UnitResult::default();
    let mail_dir = join(&out.join("Mail"), &unit.rel);
    let mut eml_names = HashSet::new();
    let mut mbox: Option<(PathBuf, BufWriter<fs::File>)> = None;
    let mut appointments = Vec::new();
    let mut tasks = Vec::new();
    let mut cards = Vec::new();

    let mut mail_dir_made = false;
    // Writes one loaded chunk in table order: counts, reports, EML files, mbox entries.
    let mut handle = |loaded: Vec<Loaded>| -> Result<(), WriteError> {
        // EML files of the chunk: named here in order, written below on the worker threads.
        let mut eml_files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
        for Loaded { nid, msg, rendered } in loaded {
            let msg = match msg {
                Ok(m) => m,
                Err(e) => {
                    res.count(Kind::Unreadable, |c| {
                        c.found += 1;
                        c.failed += 1;
                    });
                    res.failures.push(Failure {
                        nid: Some(nid.0),
                        folder: unit.label.clone(),
                        subject: None,
                        reason: e.to_string(),
                    });
                    tick();
                    continue;
                }
            };
            let kind = Kind::of_class(msg.class());
            res.count(kind, |c| c.found += 1);
            for w in &msg.warnings {
                res.warnings.push(item_warning(&msg, unit, w));
            }
            match (kind, rendered) {
                (Kind::Appointment, _) => appointments.push(msg),
                (Kind::Task, _) => tasks.push(msg),
                (Kind::Contact | Kind::DistributionList, _) => cards.push(msg),
                (Kind::Mail | Kind::Unreadable, Some(r)) => {
                    for w in r.notes {
                        res.warnings.push(item_warning(&msg, unit, &w));
                    }
                    if let Some(eml) = r.eml {
                        if !mail_dir_made {
                            fs::create_dir_all(&mail_dir).map_err(werr(&mail_dir))?;
                            mail_dir_made = true;
                        }
                        let name = mail::dedupe_name(&mail::eml_file_name(&msg), &mut eml_names);
                        eml_files.push((mail_dir.join(name), eml));
                    }
                    if let Some(entry) = r.mbox_entry {
                        if mbox.is_none() {
                            let path = with_suffix(&out.join("Mail"), &unit.rel, "mbox");
                            if let Some(dir) = path.parent() {
                                fs::create_dir_all(dir).map_err(werr(dir))?;
                            }
                            let tmp = temp_name(&path);
                            let f = fs::File::create(&tmp).map_err(werr(&tmp))?;
                            // Small entries are gathered; an entry larger than the buffer
                            // (most of the bytes: those with attachments) goes to the file
                            // as it is, not copied through the buffer first.
                            mbox = Some((path, BufWriter::with_capacity(64 << 10, f)));
                        }
                        if let Some((path, w)) = mbox.as_mut() {
                            w.write_all(&entry).map_err(werr(path))?;
                        }
                    }
                    res.count(kind, |c| c.written += 1);
                    tick();
                }
                // Mail is always rendered by load_and_render.
                (Kind::Mail | Kind::Unreadable, None) => tick(),
            }
        }
        // Creating files is mostly file-system time: overlap it across threads. The first
        // failure in table order stops the run.
        eml_files
            .par_iter()
            .map(|(path, eml)| write_atomic(path, eml))
            .collect::<Vec<_>>()
            .into_iter()
            .collect::<Result<(), WriteError>>()?;
        Ok(())
    };
    // Messages are loaded and rendered in parallel a chunk at a time and written in table
    // order, so the output does not depend on the number of threads. Each chunk is written
    // while the next one loads; memory holds two chunks per folder in flight.
    let mut pending: Option<Vec<Loaded>> = None;
    for chunk in unit.nids.chunks(CHUNK) {
        let prev = pending.take();
        let (loaded, written) = rayon::join(
            || {
                chunk
                    .par_iter()
                    .map(|&nid| load_and_render(store, nid, opts))
                    .collect::<Vec<_>>()
            },
            || prev.map_or(Ok(()), &mut handle),
        );
        written?;
        pending = Some(loaded);
    }
    if let Some(last) = pending {
        handle(last)?;
    }
    if let Some((path, w)) = mbox {
        let tmp = temp_name(&path);
        // Flushed to the OS, not forced to disk: no other output file is either, and an
        // fsync here made every run wait for the disk (README, "Many caches at once").
        w.into_inner().map_err(|e| WriteError {
            path: tmp.clone(),
            source: e.into_error(),
        })?;
        fs::rename(&tmp, &path).map_err(werr(&path))?;
    }
    let mut notes = Vec::new();
    if !appointments.is_empty() {
        let ics = calendar::calendar_to_ics(&appointments, &mut notes);
        write_file(
            &with_suffix(&out.join("Calendar"), &unit.rel, "ics"),
            ics.as_bytes(),
        )?;
        res.count(Kind::Appointment, |c| {
            c.written += appointments.len() as u64
        });
        appointments.iter().for_each(|_| tick());
    }
    if !tasks.is_empty() {
        let ics = calendar::tasks_to_ics(&tasks, &mut notes);
        write_file(
            &with_suffix(&out.join("Tasks"), &unit.rel, "ics"),
            ics.as_bytes(),
        )?;
        res.count(Kind::Task, |c| c.written += tasks.len() as u64);
        tasks.iter().for_each(|_| tick());
    }
    if !cards.is_empty() {
        let vcf = contacts::contacts_to_vcf(&cards, opts.vcard, &mut notes);
        write_file(
            &with_suffix(&out.join("Contacts"), &unit.rel, "vcf"),
            vcf.as_bytes(),
        )?;
        for m in &cards {
            res.count(Kind::of_class(m.class()), |c| c.written += 1);
            tick();
        }
    }
    for w in notes {
        res.warnings.push(ItemWarning {
            nid: None,
            folder: unit.label.clone(),
            subject: None,
            what: w,
        });
    }
    Ok(res)
}

/// Messages loaded and rendered at once, in parallel, per folder.
const CHUNK: usize = 8;

/// A message as loaded, with its mail rendering when it is mail.
struct Loaded {
    nid: NodeId,
    msg: pstkit::Result<Message>,
    rendered: Option<Rendered>,
}

/// The EML bytes of a mail and its mbox entry, each when written, and the notes taken.
struct Rendered {
    eml: Option<Vec<u8>>,
    mbox_entry: Option<Vec<u8>>,
    notes: Vec<String>,
}

/// Loads one message and, for mail, renders its EML and mbox entry (the costly part, done on
/// the worker threads).
fn load_and_render(store: &Store, nid: NodeId, opts: &Options) -> Loaded {
    let msg = store.message(nid);
    let rendered = match &msg {
        Ok(m) if matches!(Kind::of_class(m.class()), Kind::Mail | Kind::Unreadable) => {
            let mut notes = Vec::new();
            // mbox alone is rendered straight into its entry; with EML too, the entry is
            // made from the EML (one rendering, converted).
            let (eml, mbox_entry) = match opts.mail {
                MailFormat::Both => {
                    let eml = mail::message_to_eml(m, &mut notes);
                    let entry = mail::mbox_entry(m, &eml);
                    (Some(eml), Some(entry))
                }
                MailFormat::Mbox => (None, Some(mail::message_to_mbox_entry(m, &mut notes))),
                MailFormat::Eml => (Some(mail::message_to_eml(m, &mut notes)), None),
            };
            Some(Rendered {
                eml,
                mbox_entry,
                notes,
            })
        }
        _ => None,
    };
    Loaded { nid, msg, rendered }
}

fn write_file(path: &Path, data: &[u8]) -> Result<(), WriteError> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(werr(dir))?;
    }
    write_atomic(path, data)
}

fn item_warning(msg: &Message, unit: &Unit, what: &str) -> ItemWarning {
    ItemWarning {
        nid: msg.nid.map(|n| n.0),
        folder: unit.label.clone(),
        subject: Some(msg.subject().to_owned()).filter(|s| !s.is_empty()),
        what: what.to_owned(),
    }
}

/// Opens `input` and converts it into `out`; a file that cannot be opened gives a report
/// with `error` set and nothing else written but that report.
pub fn convert_file(
    input: &Path,
    out: &Path,
    opts: &Options,
    progress: &dyn Progress,
) -> Result<InputReport, WriteError> {
    fs::create_dir_all(out).map_err(werr(out))?;
    match Store::open(input) {
        Ok(store) => convert_store(&store, input, out, opts, progress),
        Err(e) => {
            let mut report = InputReport::new(input, out);
            report.error = Some(e.to_string());
            report.complete = true;
            write_report(out, &report)?;
            Ok(report)
        }
    }
}

/// Finds the OST and PST files among `inputs` (files as given; folders searched
/// recursively), sorted, each once.
pub fn find_inputs(inputs: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for p in inputs {
        if p.is_dir() {
            walk_dir(p, &mut found)?;
        } else if p.exists() {
            found.push(p.clone());
        } else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} does not exist", p.display()),
            ));
        }
    }
    let mut seen = HashSet::new();
    found.retain(|p| seen.insert(p.clone()));
    Ok(found)
}

fn walk_dir(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk_dir(&p, out)?;
        } else if p
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("ost") || e.eq_ignore_ascii_case("pst"))
        {
            out.push(p);
        }
    }
    Ok(())
}

/// Output folder names for the inputs: each input's file name, made distinct.
pub fn output_names(inputs: &[PathBuf]) -> Vec<String> {
    let mut taken = HashSet::new();
    inputs
        .iter()
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "input".into());
            mail::dedupe_name(&mail::safe_path_component(&name), &mut taken)
        })
        .collect()
}

/// Writes the run's report (`OUTDIR/report.json`): every input's summary.
pub fn write_run_report(
    out: &Path,
    reports: &[InputReport],
    elapsed_ms: u64,
) -> Result<(), WriteError> {
    #[derive(Serialize)]
    struct Run<'a> {
        inputs: Vec<RunInput<'a>>,
        totals: BTreeMap<Kind, Counts>,
        elapsed_ms: u64,
    }
    #[derive(Serialize)]
    struct RunInput<'a> {
        input: &'a str,
        output: &'a str,
        error: Option<&'a str>,
        counts: &'a BTreeMap<Kind, Counts>,
        failures: usize,
        warnings: usize,
    }
    let mut totals: BTreeMap<Kind, Counts> = BTreeMap::new();
    for r in reports {
        for (k, c) in &r.counts {
            let e = totals.entry(*k).or_default();
            e.found += c.found;
            e.written += c.written;
            e.failed += c.failed;
        }
    }
    let run = Run {
        inputs: reports
            .iter()
            .map(|r| RunInput {
                input: &r.input,
                output: &r.output,
                error: r.error.as_deref(),
                counts: &r.counts,
                failures: r.failures.len(),
                warnings: r.warnings.len(),
            })
            .collect(),
        totals,
        elapsed_ms,
    };
    let json = serde_json::to_vec_pretty(&run).map_err(|e| WriteError {
        path: out.join("report.json"),
        source: e.into(),
    })?;
    write_atomic(&out.join("report.json"), &json)
}
