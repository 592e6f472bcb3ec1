//! What a conversion reports: counts by kind, failures and warnings per input
//! (`<output>/report.json`, written last: `"complete": true` marks a finished input) and the
//! run's summary (`OUTDIR/report.json`).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

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
    /// Wall time in milliseconds (the only field that differs between identical runs).
    pub elapsed_ms: u64,
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
            error: None,
            counts: BTreeMap::new(),
            folders: Vec::new(),
            failures: Vec::new(),
            warnings: Vec::new(),
            skipped: Vec::new(),
            addresses: None,
            coverage: None,
            elapsed_ms: 0,
        }
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
        .filter(|r| r.complete)
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
