//! One input file to an import-ready tree: `Mail/` (EML and/or mbox), `Calendar/*.ics`,
//! `Tasks/*.ics`, `Contacts/*.vcf` and `report.json`.
//!
//! The pipeline, in the order an item meets it:
//!
//! 1. [`inputs`]: which files a run converts and the output folder each gets;
//! 2. [`plan`]: the folder tree, each folder's safe, distinct output path and special role;
//! 3. loading and [`render`]: each item read once and rendered once per format some sink
//!    needs, on the worker threads;
//! 4. [`sink`] and [`sinks`]: the outputs (EML files, mbox, iCalendar, vCard), each a
//!    [`Sink`] that takes the kinds it writes;
//! 5. [`report`]: counts, failures and warnings per input, `report.json`;
//! 6. [`fs`]: atomic writes and write errors; [`batch`]: a run's output-folder decisions,
//!    summary and exit code.
//!
//! Items go by their class, not by their folder: a contact filed in the Inbox still lands
//! in `Contacts/Inbox.vcf`. Folders are converted in parallel (rayon); each folder's output
//! depends only on that folder, so the tree is the same whatever the number of threads; the
//! PST sink, one file for the whole input, takes messages as folders finish, so its content
//! is the same but its byte layout can vary from run to run.
//! Every file is written under a temporary name and renamed into place, so an interrupted
//! run never leaves a half-written file behind, and `report.json` is written last: its
//! presence with `"finished": true` marks a finished input (used by `--resume`);
//! `"complete": true` says nothing was lost.

pub mod batch;
pub mod dry_run;
pub mod fs;
pub mod inputs;
pub mod journal;
pub mod plan;
pub mod render;
pub mod report;
pub mod select;
pub mod sink;
pub mod sinks;

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use pstkit::messaging::Message;
use pstkit::{NodeId, Store};
use rayon::prelude::*;

use crate::addressbook::AddressBook;
use crate::contacts::VcardVersion;

pub use fs::{write_atomic, WriteError};
pub use inputs::{find_inputs, output_names};
pub use plan::{FolderRole, Plan, PlannedFolder};
pub use render::{Needs, Rendered};
pub use report::{
    finished_report, write_report, write_run_report, Counts, Failure, FailureKind, FolderCounts,
    InputReport, ItemWarning, Kind, Skipped,
};
pub use select::DateRange;
pub use sink::{FolderSink, Item, Log, Sink, StoreCtx};

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
#[derive(Debug, Clone)]
pub struct Options {
    /// Mail as EML, mbox or both.
    pub mail: MailFormat,
    /// vCard version for contacts.
    pub vcard: VcardVersion,
    /// Also convert messages that are still in the file but in no folder (deleted, not yet
    /// purged, or cut off by damage), into `Recovered items`.
    pub recover_deleted: bool,
    /// The kinds of item to convert; the others are neither counted nor written.
    pub only: Only,
    /// The folders to convert (all when empty).
    pub folders: FolderFilter,
    /// `--since`/`--until`: the items that took place in this range, each kind judged by its
    /// own date ([`select`]); the others are neither counted nor written.
    pub dates: DateRange,
    /// Convert the system folders and items too (free/busy data, sync logs, configuration
    /// and view items, search folders); by default they are left out, counted per folder as
    /// skipped ([`select`]). Outputs that copy the mailbox whole take them anyway.
    pub include_system: bool,
    /// Exchange DNs the store cannot pair with an SMTP address are written as their last
    /// `CN=` alias at this domain, reported as guesses (`--domain`; off by default).
    pub guess_domain: Option<String>,
    /// Offline Address Book records (from `udetails.oab`, `--oab`) added to every store's
    /// address book.
    pub oab: Option<Arc<Vec<crate::addressbook::oab::Record>>>,
    /// Carve the file even when its B-trees work (see [`pstkit::Carving::Force`]): finds
    /// deleted items whose blocks are still in free space, written to `Recovered items`.
    /// Files whose B-trees are unusable are carved anyway.
    pub carve: bool,
    /// Also write everything as a PST (`<input stem>.pst`), split into parts of at most this
    /// many bytes ([`sinks::pst`]).
    pub pst: Option<u64>,
    /// Write the open formats (EML/mbox, ICS, vCard); `false` with `pst` gives only the PST.
    pub open_formats: bool,
    /// Also upload: mail to IMAP, calendars and tasks to CalDAV, contacts to CardDAV
    /// ([`sinks::ImapUpload`], [`sinks::DavUpload`]).
    pub upload: Option<crate::upload::Upload>,
}

/// `--folder GLOB`: the folders to convert, by their path as in the output tree (`Inbox`,
/// `Inbox/Projects`: relative to the folders a user sees), without regard to case. `*` and
/// `?` stay within one folder name; `**` spans any number of them (`Inbox/**`: every folder
/// below the Inbox). No pattern: every folder.
#[derive(Debug, Clone, Default)]
pub struct FolderFilter(Vec<glob::Pattern>);

impl FolderFilter {
    /// The filter of these patterns.
    pub fn new<S: AsRef<str>>(globs: &[S]) -> Result<Self, glob::PatternError> {
        globs
            .iter()
            .map(|g| glob::Pattern::new(g.as_ref()))
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether the folder is converted.
    pub fn keeps(&self, folder: &PlannedFolder) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let path = folder.output.join("/");
        let how = glob::MatchOptions {
            case_sensitive: false,
            require_literal_separator: true,
            require_literal_leading_dot: false,
        };
        self.0.iter().any(|p| p.matches_with(&path, how))
    }

    /// Leaves in `plan` only the items of the folders kept.
    pub fn apply(&self, plan: &mut Plan) {
        for f in &mut plan.folders {
            if !self.keeps(f) {
                f.items.clear();
            }
        }
    }
}

/// The kinds of item a conversion keeps (`--only mail,calendar,contacts,tasks,notes`).
/// Unreadable items are always kept, so that they are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Only {
    /// Mail and everything written as mail but sticky notes.
    pub mail: bool,
    /// Appointments and meetings.
    pub calendar: bool,
    /// Contacts and distribution lists.
    pub contacts: bool,
    /// Tasks.
    pub tasks: bool,
    /// Sticky notes (`IPM.StickyNote`, written as mail).
    pub notes: bool,
}

impl Only {
    /// Every kind.
    pub const ALL: Self = Self {
        mail: true,
        calendar: true,
        contacts: true,
        tasks: true,
        notes: true,
    };

    /// Whether an item of `kind` and `class` is kept.
    pub fn keeps(&self, kind: Kind, class: &str) -> bool {
        match kind {
            Kind::Mail if crate::class::MessageClass::new(class).is("IPM.StickyNote") => self.notes,
            Kind::Mail => self.mail,
            Kind::Appointment => self.calendar,
            Kind::Task => self.tasks,
            Kind::Contact | Kind::DistributionList => self.contacts,
            Kind::Unreadable => true,
        }
    }
}

/// An `--only` list that names something other than mail, calendar, contacts, tasks, notes.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not one of mail, calendar, contacts, tasks, notes")]
pub struct BadOnly(String);

impl std::str::FromStr for Only {
    type Err = BadOnly;

    fn from_str(s: &str) -> Result<Self, BadOnly> {
        let mut only = Self {
            mail: false,
            calendar: false,
            contacts: false,
            tasks: false,
            notes: false,
        };
        for word in s.split(',').map(str::trim) {
            match word.to_ascii_lowercase().as_str() {
                "mail" => only.mail = true,
                "calendar" => only.calendar = true,
                "contacts" => only.contacts = true,
                "tasks" => only.tasks = true,
                "notes" => only.notes = true,
                _ => return Err(BadOnly(word.to_owned())),
            }
        }
        Ok(only)
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            mail: MailFormat::Eml,
            vcard: VcardVersion::V3,
            recover_deleted: false,
            only: Only::ALL,
            folders: FolderFilter::default(),
            dates: DateRange::default(),
            include_system: false,
            guess_domain: None,
            oab: None,
            carve: false,
            pst: None,
            open_formats: true,
            upload: None,
        }
    }
}

impl Options {
    /// The outputs these options ask for, writing under `out` (one input's folder).
    pub fn sinks(&self, out: &Path) -> Vec<Box<dyn Sink>> {
        let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
        if self.open_formats {
            if matches!(self.mail, MailFormat::Eml | MailFormat::Both) {
                sinks.push(Box::new(sinks::EmlFiles::new(out)));
            }
            if matches!(self.mail, MailFormat::Mbox | MailFormat::Both) {
                sinks.push(Box::new(sinks::MboxFiles::new(out)));
            }
            sinks.push(Box::new(sinks::IcsFiles::calendar(out)));
            sinks.push(Box::new(sinks::IcsFiles::tasks(out)));
            sinks.push(Box::new(sinks::VcardFiles::new(out, self.vcard)));
        }
        if let Some(max) = self.pst {
            sinks.push(Box::new(sinks::PstFile::new(out, max)));
        }
        if let Some(u) = &self.upload {
            sinks.extend(sinks::ImapUpload::new(u).map(|s| Box::new(s) as Box<dyn Sink>));
            sinks.extend(sinks::DavUpload::new(u).map(|s| Box::new(s) as Box<dyn Sink>));
        }
        sinks
    }
}

/// Progress notifications, for the command's progress bars or log lines.
pub trait Progress: Sync {
    /// Conversion of `input` starts; it holds about `items` items.
    fn started(&self, input: &str, items: u64);
    /// One item of `input` is done (written or failed).
    fn item(&self, input: &str);
    /// Whether the run is to stop: an input whose outputs can resume folder by folder then
    /// starts no more folders, and is left for `--resume` ([`journal`]).
    fn stop_requested(&self) -> bool {
        false
    }
}

/// A progress sink that ignores everything.
pub struct NoProgress;

impl Progress for NoProgress {
    fn started(&self, _: &str, _: u64) {}
    fn item(&self, _: &str) {}
}

/// Converts one open store into `out` (which must exist) with the outputs `opts` asks for.
/// Returns the report, also written to `out/report.json`. Only a failed write is an error;
/// unreadable items are reported.
pub fn convert_store(
    store: &Store,
    input: &Path,
    out: &Path,
    opts: &Options,
    progress: &dyn Progress,
) -> Result<InputReport, WriteError> {
    convert_store_with(store, input, out, opts, opts.sinks(out), progress)
}

/// [`convert_store`] with the given outputs instead of those of `opts` (whose
/// `recover_deleted` still applies).
pub fn convert_store_with(
    store: &Store,
    input: &Path,
    out: &Path,
    opts: &Options,
    sinks: Vec<Box<dyn Sink>>,
    progress: &dyn Progress,
) -> Result<InputReport, WriteError> {
    let (mut report, journal) = run_pipeline(store, input, Some(out), opts, sinks, progress)?;
    report.output = InputReport::new(input, out).output;
    // Stopped part-way: no report.json; the journal says which folders are done.
    if report.finished {
        if let Some(j) = journal {
            j.remove()?;
        }
        write_report(out, &report)?;
    }
    Ok(report)
}

/// The pipeline itself: `store` through `sinks`, returning the report without writing it
/// anywhere (outputs that write no files, such as an upload, use it directly).
pub fn run_store(
    store: &Store,
    input: &Path,
    opts: &Options,
    sinks: Vec<Box<dyn Sink>>,
    progress: &dyn Progress,
) -> Result<InputReport, WriteError> {
    run_pipeline(store, input, None, opts, sinks, progress).map(|(report, _)| report)
}

/// [`run_store`], resumable folder by folder when the input's output folder `resume_in` is
/// given and every sink can ([`journal`]): the report (unfinished when a stop was requested
/// part-way) and the journal, to remove once the report is written.
fn run_pipeline(
    store: &Store,
    input: &Path,
    resume_in: Option<&Path>,
    opts: &Options,
    mut sinks: Vec<Box<dyn Sink>>,
    progress: &dyn Progress,
) -> Result<(InputReport, Option<journal::Journal>), WriteError> {
    let started = Instant::now();
    let out = Path::new("");
    let mut report = InputReport::new(input, out);
    let h = store.header();
    report.format = format!("{} {} {:?}", h.client.name(), h.layout.name(), h.crypt).to_lowercase();

    let tree = store.folders();
    report
        .warnings
        .extend(tree.warnings.iter().map(ItemWarning::file));
    // A carved store's items in no folder are what carving recovered: always written.
    let recover = opts.recover_deleted || store.carving().is_some();
    let mut plan = plan::plan(store, &tree.folders, recover);
    opts.folders.apply(&mut plan);
    report.warnings.append(&mut plan.warnings);
    report.failures.append(&mut plan.failures);
    // Resuming inside the input: the folders an interrupted run of the same input and
    // options finished are taken from its journal (see [`journal`]).
    let resumable = !sinks.is_empty() && sinks.iter().all(|s| s.resumes_by_folder());
    let (journal, finished) = match resume_in {
        Some(dir) if resumable => {
            let header = journal::Header::of(input, options_text(opts, &sinks));
            let (j, finished, _) = journal::Journal::open(dir, &header)?;
            (Some(j), finished)
        }
        Some(dir) if journal::exists(dir) => {
            // Another run's partial output; this one cannot resume it.
            std::fs::remove_dir_all(dir).map_err(fs::werr(dir))?;
            std::fs::create_dir_all(dir).map_err(fs::werr(dir))?;
            (None, journal::Finished::new())
        }
        _ => (None, journal::Finished::new()),
    };
    let ctx = StoreCtx {
        store,
        input,
        out,
        plan: &plan,
    };
    for s in &mut sinks {
        s.start(&ctx)?;
    }
    let name = input.display().to_string();
    progress.started(&name, plan.item_count());

    // The address book first: every item's addresses are resolved against the whole store.
    let mut book = AddressBook::from_store(store);
    if let Some(records) = &opts.oab {
        book.add_oab(records);
        book.finish();
    }
    let book = book.with_guess_domain(opts.guess_domain.as_deref());
    let folders: Vec<(usize, &PlannedFolder)> = plan
        .folders
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.items.is_empty())
        .collect();
    let pipeline = Pipeline::new(store, &book, &sinks, opts);
    let tick = || progress.item(&name);
    let results: Vec<Result<Option<journal::FolderOutcome>, WriteError>> = folders
        .par_iter()
        .map(|&(index, f)| {
            if let Some(done) = finished.get(&index).filter(|d| d.folder == f.label) {
                f.items.iter().for_each(|_| tick());
                return Ok(Some(done.clone()));
            }
            // Stopped: the folders not started are left for --resume (only when it can
            // take up from them; otherwise the input is finished).
            if journal.is_some() && progress.stop_requested() {
                return Ok(None);
            }
            let log = pipeline.folder(index, f, &tick)?;
            let outcome = journal::FolderOutcome::of(
                index,
                f.items.len() as u64,
                log,
                book.take_scope(index),
            );
            if let Some(j) = &journal {
                j.record(&outcome)?;
            }
            Ok(Some(outcome))
        })
        .collect();
    let mut stopped = false;
    for r in results {
        let Some(done) = r? else {
            stopped = true;
            continue;
        };
        if finished.contains_key(&done.index) {
            report.resumed_items += done.items;
            // The addresses its items' conversion counted, as if converted again.
            book.add_tally(&done.addresses);
        }
        report::add_counts(&mut report.counts, &done.counts);
        // A folder whose items --only left out is not listed.
        if !done.counts.is_empty() || !done.left_out.is_empty() {
            report.folders.push(report::FolderCounts {
                folder: done.folder,
                counts: done.counts,
                skipped: done.left_out,
            });
        }
        report.failures.extend(done.failures);
        report.warnings.extend(done.warnings);
        report.skipped.extend(done.skipped);
    }
    if stopped {
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        return Ok((report, journal));
    }
    for s in &mut sinks {
        s.finish(&mut report.warnings)?;
    }
    for s in &sinks {
        s.annotate(&mut report);
    }
    // A block an item was written from is reported once, as that item's part_damaged
    // failure: not again as the file's CRC warning.
    let damaged: HashSet<u64> = report
        .failures
        .iter()
        .filter(|f| f.kind == FailureKind::PartDamaged)
        .filter_map(|f| f.at.block)
        .collect();
    report.warnings.extend(
        store
            .warnings()
            .iter()
            .filter(|w| {
                w.what != pstkit::ndb::block::CRC_MISMATCH
                    || !w.at.block.is_some_and(|b| damaged.contains(&b.0))
            })
            .map(ItemWarning::file),
    );
    report.addresses = Some(book.report());
    report.coverage = Some(crate::coverage::coverage(store));
    report.finish();
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok((report, journal))
}

/// The options and outputs of a conversion as text, for the journal: a run resumes only
/// what a run with the same text began.
fn options_text(opts: &Options, sinks: &[Box<dyn Sink>]) -> String {
    let names: Vec<&str> = sinks.iter().map(|s| s.name()).collect();
    format!(
        "{:?} {:?}",
        (
            names,
            opts.mail,
            opts.vcard,
            opts.recover_deleted,
            opts.only,
            &opts.folders,
        ),
        (
            opts.dates,
            opts.include_system,
            &opts.guess_domain,
            opts.oab.as_ref().map(|o| o.len()),
            opts.carve,
            opts.pst,
            opts.open_formats,
        )
    )
}

/// Opens `input` and converts it into `out`; a file that cannot be opened gives a report
/// with `error` set and nothing else written but that report.
pub fn convert_file(
    input: &Path,
    out: &Path,
    opts: &Options,
    progress: &dyn Progress,
) -> Result<InputReport, WriteError> {
    std::fs::create_dir_all(out).map_err(fs::werr(out))?;
    let carving = if opts.carve {
        pstkit::Carving::Force
    } else {
        pstkit::Carving::Auto
    };
    match Store::open_with(input, carving) {
        Ok(store) => convert_store(&store, input, out, opts, progress),
        Err(e) => {
            let mut report = InputReport::new(input, out);
            report.error = Some(e.to_string());
            report.finish();
            write_report(out, &report)?;
            Ok(report)
        }
    }
}

/// Messages loaded and rendered at once, in parallel, per folder.
const CHUNK: usize = 8;

/// What becomes of one readable item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Every output that takes its kind gets it.
    All,
    /// A system item: only the outputs that take system items get it.
    SystemOnly,
    /// A system item no output takes: counted as skipped, for this reason.
    LeftOut(&'static str),
    /// Outside `--only` or the date range: neither counted nor written.
    Dropped,
}

/// The fate of an item of `kind` (`msg`) in `folder`, when some output takes system items
/// (`system_sinks`) or none does. System items are told apart first, so that they are
/// counted as skipped whatever the other filters say.
pub(crate) fn fate(
    opts: &Options,
    system_sinks: bool,
    folder: &PlannedFolder,
    kind: Kind,
    msg: &Message,
) -> Fate {
    let system = if opts.include_system {
        None
    } else {
        select::system_item(folder, msg.class())
    };
    match system {
        Some(why) if !system_sinks => Fate::LeftOut(why),
        _ if !opts.only.keeps(kind, msg.class()) || !opts.dates.keeps(kind, msg) => Fate::Dropped,
        Some(_) => Fate::SystemOnly,
        None => Fate::All,
    }
}

/// Why an item of `kind` that no output takes is skipped (only uploads to some targets
/// leave kinds untaken: the file outputs take every kind).
fn no_output_for(kind: Kind) -> &'static str {
    match kind {
        Kind::Mail => "no output for mail (upload: --imap)",
        Kind::Appointment | Kind::Task => {
            "no output for calendar items and tasks (upload: --caldav)"
        }
        Kind::Contact | Kind::DistributionList => {
            "no output for contacts and lists (upload: --carddav)"
        }
        Kind::Unreadable => "no output for unreadable items",
    }
}

/// Why every item of `folder` is left out unread, when it is: a system folder that no
/// output takes.
pub(crate) fn folder_left_out(
    opts: &Options,
    system_sinks: bool,
    folder: &PlannedFolder,
) -> Option<&'static str> {
    folder
        .system
        .filter(|_| !opts.include_system && !system_sinks)
}

/// A message as loaded, with the renderings its kind's sinks need.
struct Loaded {
    nid: NodeId,
    msg: pstkit::Result<(Kind, Arc<Message>)>,
    fate: Fate,
    rendered: Option<Rendered>,
}

/// The store and its outputs, with what each kind of item needs rendered.
struct Pipeline<'a> {
    store: &'a Store,
    book: &'a AddressBook,
    sinks: &'a [Box<dyn Sink>],
    opts: &'a Options,
    /// Whether some output takes system items.
    system_sinks: bool,
    /// Per kind: what the outputs taking it need, and what those taking system items need.
    needs: [(Needs, Needs); Kind::ALL.len()],
}

impl<'a> Pipeline<'a> {
    fn new(
        store: &'a Store,
        book: &'a AddressBook,
        sinks: &'a [Box<dyn Sink>],
        opts: &'a Options,
    ) -> Self {
        let needs = Kind::ALL.map(|k| {
            let of = |system: bool| {
                sinks
                    .iter()
                    .filter(|s| s.takes(k) && (!system || s.takes_system()))
                    .fold(Needs::NONE, |n, s| n | s.needs())
            };
            (of(false), of(true))
        });
        Self {
            store,
            book,
            sinks,
            opts,
            system_sinks: sinks.iter().any(|s| s.takes_system()),
            needs,
        }
    }

    fn needs(&self, kind: Kind, fate: Fate) -> Needs {
        let (all, system) = Kind::ALL
            .iter()
            .position(|k| *k == kind)
            .and_then(|i| self.needs.get(i).copied())
            .unwrap_or_default();
        match fate {
            Fate::All => all,
            Fate::SystemOnly => system,
            Fate::LeftOut(_) | Fate::Dropped => Needs::NONE,
        }
    }

    /// Whether some output takes an item of `kind` with this fate.
    fn taken(&self, kind: Kind, fate: Fate) -> bool {
        self.sinks
            .iter()
            .any(|s| s.takes(kind) && (fate != Fate::SystemOnly || s.takes_system()))
    }

    /// Loads one message of `folder` and renders what its kind's sinks need (the costly
    /// part, done on the worker threads).
    fn load(&self, folder: &PlannedFolder, nid: NodeId) -> Loaded {
        match self.store.message(nid) {
            Ok(mut m) => {
                // Every party gets the SMTP address the store's book has for it, before any
                // output (mail, calendar, vCard) reads the message.
                self.book.enrich(&mut m);
                let kind = Kind::of_class(m.class());
                let fate = fate(self.opts, self.system_sinks, folder, kind, &m);
                // Outputs that already hold the item (an upload resuming) need nothing.
                let needs = if self.sinks.iter().any(|s| s.already_has(nid)) {
                    self.sinks
                        .iter()
                        .filter(|s| {
                            let wanted = match fate {
                                Fate::All => true,
                                Fate::SystemOnly => s.takes_system(),
                                Fate::LeftOut(_) | Fate::Dropped => false,
                            };
                            wanted && s.takes(kind) && !s.already_has(nid)
                        })
                        .fold(Needs::NONE, |n, s| n | s.needs())
                } else {
                    self.needs(kind, fate)
                };
                let rendered = render::render(&m, self.book, needs);
                Loaded {
                    nid,
                    msg: Ok((kind, Arc::new(m))),
                    fate,
                    rendered,
                }
            }
            Err(e) => Loaded {
                nid,
                msg: Err(e),
                fate: Fate::All,
                rendered: None,
            },
        }
    }

    /// Converts one folder's items through every sink.
    /// Converts the folder at `index` of the plan; what resolving addresses counts is kept
    /// under that index too (the journal's share of it).
    fn folder(
        &self,
        index: usize,
        folder: &PlannedFolder,
        tick: &(dyn Fn() + Sync),
    ) -> Result<Log, WriteError> {
        let mut log = Log::new(&folder.label, self.sinks.iter().map(|s| s.name()).collect());
        if let Some(why) = folder_left_out(self.opts, self.system_sinks, folder) {
            log.left_out(why, folder.items.len() as u64);
            folder.items.iter().for_each(|_| tick());
            return Ok(log);
        }
        let mut outs: Vec<Box<dyn FolderSink + '_>> =
            self.sinks.iter().map(|s| s.folder(folder)).collect();
        // Hands one loaded chunk, in table order, to the sinks.
        let mut handle = |loaded: Vec<Loaded>| -> Result<(), WriteError> {
            let mut items = Vec::with_capacity(loaded.len());
            let mut system_only = Vec::with_capacity(loaded.len());
            for l in &loaded {
                match (&l.msg, l.fate) {
                    (Err(e), _) => log.unreadable(l.nid, e.to_string()),
                    (Ok(_), Fate::Dropped) => {}
                    (Ok(_), Fate::LeftOut(why)) => log.left_out(why, 1),
                    // An upload to some targets only (--imap without --caldav, say): what no
                    // output takes is skipped, and the report says which target would.
                    (Ok((kind, _)), fate) if !self.taken(*kind, fate) => {
                        log.left_out(no_output_for(*kind), 1)
                    }
                    (Ok((kind, msg)), fate) => {
                        let index = log.add(l.nid, Some(*kind));
                        // What lost content is a failure; what was only noticed, a warning.
                        log.parts_lost(msg);
                        for w in &msg.warnings {
                            log.item_warning(msg, w);
                        }
                        for w in l.rendered.iter().flat_map(|r| &r.notes) {
                            log.item_warning(msg, w);
                        }
                        items.push(Item {
                            index,
                            nid: l.nid,
                            kind: *kind,
                            message: msg,
                            rendered: l.rendered.as_ref(),
                        });
                        system_only.push(fate == Fate::SystemOnly);
                    }
                }
            }
            for (i, (sink, out)) in self.sinks.iter().zip(outs.iter_mut()).enumerate() {
                let mine: Vec<Item<'_>> = items
                    .iter()
                    .zip(&system_only)
                    .filter(|(it, system)| {
                        sink.takes(it.kind) && (!**system || sink.takes_system())
                    })
                    .map(|(it, _)| *it)
                    .collect();
                if mine.is_empty() {
                    continue;
                }
                log.set_sink(i);
                for it in &mine {
                    log.take(it.index);
                }
                out.items(&mine, &mut log)?;
            }
            loaded.iter().for_each(|_| tick());
            Ok(())
        };
        // Messages are loaded and rendered in parallel a chunk at a time and handed on in
        // table order, so the output does not depend on the number of threads. Each chunk is
        // written while the next one loads; memory holds two chunks per folder in flight.
        let mut pending: Option<Vec<Loaded>> = None;
        for chunk in folder.items.chunks(CHUNK) {
            let prev = pending.take();
            let (loaded, written) = rayon::join(
                || {
                    chunk
                        .par_iter()
                        .map(|&nid| self.book.in_scope(index, || self.load(folder, nid)))
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
        for (i, out) in outs.into_iter().enumerate() {
            log.set_sink(i);
            out.finish(&mut log)?;
        }
        log.settle();
        Ok(log)
    }
}
