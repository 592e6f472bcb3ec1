//! What a conversion reports: counts by kind, failures and warnings per input
//! (`<output>/report.json`, written last: `"finished": true` marks a finished input,
//! `"complete": true` one where nothing was lost) and the
//! run's summary (`OUTDIR/report.json`).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use pstkit::{Location, Warning};

use super::fs::{write_atomic, WriteError};
use crate::class::{ClassKind, MessageClass};

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
    /// Every kind, in report order.
    pub const ALL: [Kind; 6] = [
        Kind::Mail,
        Kind::Appointment,
        Kind::Task,
        Kind::Contact,
        Kind::DistributionList,
        Kind::Unreadable,
    ];

    /// The kind of a message class, as the [class router](crate::class) sees it. Journal
    /// entries and system items have no output of their own and are written as mail.
    pub fn of_class(class: &str) -> Self {
        match MessageClass::new(class).kind() {
            ClassKind::Appointment => Self::Appointment,
            ClassKind::Task => Self::Task,
            ClassKind::Contact => Self::Contact,
            ClassKind::DistributionList => Self::DistributionList,
            ClassKind::Message | ClassKind::Journal | ClassKind::System => Self::Mail,
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

impl Counts {
    fn add(&mut self, c: &Counts) {
        self.found += c.found;
        self.written += c.written;
        self.failed += c.failed;
    }
}

/// Adds every kind's counts of `from` into `into`.
pub(crate) fn add_counts(into: &mut BTreeMap<Kind, Counts>, from: &BTreeMap<Kind, Counts>) {
    for (k, c) in from {
        into.entry(*k).or_default().add(c);
    }
}

/// What was lost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// An item was read but an output could not write it.
    #[default]
    ItemNotWritten,
    /// An item could not be read at all.
    ItemUnreadable,
    /// An item was written without part of its content: an attachment cut short or
    /// skipped, an unreadable recipient or attachment table.
    PartLost,
    /// A folder's messages could not all be listed: its contents table held more than was
    /// found.
    FolderIncomplete,
    /// The file is shorter than its header records: what its missing end held is lost
    /// (`bytes` says how much).
    FileCutShort,
    /// An item was written from a block whose CRC does not match: its bytes were used as
    /// read (better a message with a few flipped bits than none), but part of it may be
    /// wrong. `block` and `offset` say which block, `bytes` its size. Only blocks read for
    /// the item count (see [`pstkit::Store::message`]), not damaged B-tree pages.
    PartDamaged,
}

/// Something that could not be recovered: an item, part of one, or a folder's listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// What was lost.
    #[serde(default)]
    pub kind: FailureKind,
    /// The item's node id (the folder's, for a folder).
    pub nid: Option<u32>,
    /// Its folder's path.
    pub folder: String,
    /// Its subject, when it could be read.
    pub subject: Option<String>,
    /// What went wrong (and, for a part, which part).
    pub reason: String,
    /// Items lost: 1 for an item, the shortfall for a folder, 0 for a part.
    #[serde(default)]
    pub items: u64,
    /// Bytes lost, when known (0 when not).
    #[serde(default)]
    pub bytes: u64,
    /// Where in the file, as far as known.
    #[serde(flatten)]
    pub at: Place,
}

impl Failure {
    /// One item lost: `kind` is [`FailureKind::ItemNotWritten`] or
    /// [`FailureKind::ItemUnreadable`].
    pub fn item(
        kind: FailureKind,
        nid: Option<u32>,
        folder: &str,
        subject: Option<String>,
        reason: String,
    ) -> Self {
        Self {
            kind,
            nid,
            folder: folder.to_owned(),
            subject,
            reason,
            items: 1,
            bytes: 0,
            at: Place::default(),
        }
    }
}

/// Where in the file a warning or failure was found, as far as known: the node, block and
/// file offset of what was being read (each left out of `report.json` when unknown).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// The node being read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<u32>,
    /// The block being read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<u64>,
    /// The file offset of the block or page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl From<Location> for Place {
    fn from(at: Location) -> Self {
        Self {
            node: at.node.map(|n| n.0),
            block: at.block.map(|b| b.0),
            offset: at.offset,
        }
    }
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
    /// Where in the file, as far as known.
    #[serde(flatten)]
    pub at: Place,
}

impl ItemWarning {
    /// A note of the reader about the file or a folder (no item's): its node, if any, is
    /// also given as `nid`.
    pub fn file(w: &Warning) -> Self {
        Self {
            nid: w.at.node.map(|n| n.0),
            folder: String::new(),
            subject: None,
            what: w.what.clone(),
            at: w.at.into(),
        }
    }
}

/// An item an output left out on purpose (already uploaded, not for that output), and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The item's node id.
    pub nid: Option<u32>,
    /// Its folder's path.
    pub folder: String,
    /// The output that skipped it (a [`Sink`](super::Sink)'s name).
    pub output: String,
    /// Why.
    pub reason: String,
}

/// The counts of one folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderCounts {
    /// The folder's path, as in failures and warnings.
    pub folder: String,
    /// Its counts by kind.
    pub counts: BTreeMap<Kind, Counts>,
    /// Items left out on purpose, by reason (system data such as free/busy, sync logs,
    /// configuration items; see [`select`](super::select)); not in `counts`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub skipped: BTreeMap<String, u64>,
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
    /// Whether the conversion ran to the end and nothing was lost: every item found written
    /// whole, every folder listed whole (`failures` is empty).
    pub complete: bool,
    /// Whether the conversion ran to the end (every item written or reported); what
    /// `--resume` looks for.
    #[serde(default)]
    pub finished: bool,
    /// Why nothing could be read, when the file could not be opened.
    pub error: Option<String>,
    /// Counts by kind.
    pub counts: BTreeMap<Kind, Counts>,
    /// Counts by folder and kind, for the folders that hold items, in the order converted
    /// (to check an import folder by folder against the server).
    #[serde(default)]
    pub folders: Vec<FolderCounts>,
    /// Every item that could not be recovered.
    pub failures: Vec<Failure>,
    /// Damage and oddities that did not stop an item from being written.
    pub warnings: Vec<ItemWarning>,
    /// Items an output left out on purpose (absent from the file when there are none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    /// The store's address book: the Exchange DNs it paired with SMTP addresses and by
    /// what, the addresses written from it, the guesses made (`--domain`), and every address
    /// that stayed a placeholder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addresses: Option<crate::addressbook::AddressReport>,
    /// What the cache covers: per folder, items, oldest and newest item dates, and items
    /// cached as headers only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<crate::coverage::Coverage>,
    /// Where an upload ([`crate::upload`]) sent each folder, and its ledgers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<crate::upload::UploadSummary>,
    /// Wall time in milliseconds (the only field that differs between identical runs).
    pub elapsed_ms: u64,
    /// Items of the folders an interrupted run had finished, which this one took from its
    /// journal instead of converting again (not in `report.json`: a resumed run's report is
    /// an uninterrupted run's).
    #[serde(skip)]
    pub resumed_items: u64,
}

impl InputReport {
    /// An empty, incomplete report for `input` converted into `output`.
    pub fn new(input: &Path, output: &Path) -> Self {
        Self {
            input: input.display().to_string(),
            output: output.file_name().map_or_else(
                || output.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            format: String::new(),
            complete: false,
            finished: false,
            error: None,
            counts: BTreeMap::new(),
            folders: Vec::new(),
            failures: Vec::new(),
            warnings: Vec::new(),
            skipped: Vec::new(),
            addresses: None,
            coverage: None,
            upload: None,
            elapsed_ms: 0,
            resumed_items: 0,
        }
    }

    /// Items lost: those not written (or not by every output), and the shortfall of folders
    /// not listed whole.
    pub fn lost_items(&self) -> u64 {
        let unlisted: u64 = self
            .failures
            .iter()
            .filter(|f| f.kind == FailureKind::FolderIncomplete)
            .map(|f| f.items)
            .sum();
        self.totals().failed + unlisted
    }

    /// Bytes missing from the end of a file cut short (0 for a whole file).
    pub fn bytes_cut_off(&self) -> u64 {
        self.failures
            .iter()
            .filter(|f| f.kind == FailureKind::FileCutShort)
            .map(|f| f.bytes)
            .sum()
    }

    /// Items left out on purpose (system data), over all folders.
    pub fn skipped_items(&self) -> u64 {
        self.folders.iter().flat_map(|f| f.skipped.values()).sum()
    }

    /// Items written without part of their content.
    pub fn items_with_lost_parts(&self) -> u64 {
        self.items_with(FailureKind::PartLost)
    }

    /// Items written from damaged blocks (see [`FailureKind::PartDamaged`]).
    pub fn items_damaged(&self) -> u64 {
        self.items_with(FailureKind::PartDamaged)
    }

    /// Items with at least one failure of `kind`.
    fn items_with(&self, kind: FailureKind) -> u64 {
        let mut seen = std::collections::HashSet::new();
        self.failures
            .iter()
            .filter(|f| f.kind == kind)
            .filter(|f| seen.insert((f.nid, f.folder.as_str())))
            .count() as u64
    }

    /// Marks the conversion as run to the end; complete when nothing was lost.
    pub fn finish(&mut self) {
        self.finished = true;
        self.complete = self.error.is_none() && self.failures.is_empty();
    }

    /// Totals over all kinds.
    pub fn totals(&self) -> Counts {
        self.counts.values().fold(Counts::default(), |mut a, c| {
            a.add(c);
            a
        })
    }
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
        .filter(|r| r.finished)
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
        complete: bool,
        failures: usize,
        lost_items: u64,
        warnings: usize,
    }
    let mut totals: BTreeMap<Kind, Counts> = BTreeMap::new();
    for r in reports {
        add_counts(&mut totals, &r.counts);
    }
    let run = Run {
        inputs: reports
            .iter()
            .map(|r| RunInput {
                input: &r.input,
                output: &r.output,
                error: r.error.as_deref(),
                counts: &r.counts,
                complete: r.complete,
                failures: r.failures.len(),
                lost_items: r.lost_items(),
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
