//! Where converted items go. Every output (EML files, mbox, iCalendar, vCard) is a [`Sink`];
//! the pipeline hands each sink the items of the kinds it takes, folder by folder, with the
//! renderings it asked for, and collects what it reports into `report.json`.

use std::path::Path;
use std::sync::Arc;

use pstkit::messaging::{LossKind, Message};
use pstkit::{NodeId, Store, Warning};

use super::fs::WriteError;
use super::plan::{Plan, PlannedFolder};
use super::render::{Needs, Rendered};
use super::report::{Counts, Failure, FailureKind, InputReport, ItemWarning, Kind, Place, Skipped};

/// One output of a conversion.
///
/// The pipeline loads every item of a folder once (in parallel), renders it once per
/// rendering some sink [`needs`](Sink::needs), and hands it, in contents-table order, to the
/// [`FolderSink`] of each sink that [`takes`](Sink::takes) its kind. Folders are converted in
/// parallel, so `folder` is called from several threads at once.
///
/// A **per-folder** output (one `.ics` per folder) keeps its state in the [`FolderSink`]. A
/// **store-wide** output (one PST for the whole input, an upload connection) keeps it in the
/// sink itself behind a lock or a channel, receives the planned folder tree in
/// [`start`](Sink::start), and returns from [`folder`](Sink::folder) a [`FolderSink`] that
/// forwards to it; it completes in [`finish`](Sink::finish).
///
/// Every item a sink is handed must get an outcome in the [`Log`] (written, skipped or
/// failed) by the time its `FolderSink` finishes; one without counts as failed.
///
/// To add an output: write `sinks/NAME.rs` with a type implementing `Sink` (and a
/// `FolderSink`), add one field to [`Options`](super::Options) and one line to
/// [`Options::sinks`](super::Options::sinks), and one flag in the command. No other sink
/// changes. See ARCHITECTURE.md.
pub trait Sink: Sync {
    /// A short name for reports ("eml", "mbox", "ics", "vcard").
    fn name(&self) -> &'static str;
    /// Whether this output writes items of `kind`.
    fn takes(&self, kind: Kind) -> bool;
    /// Whether it also takes the system folders' and items' (free/busy data, sync logs,
    /// configuration, search folders) when the conversion leaves them out
    /// ([`select`](super::select)): an output that copies the mailbox whole does.
    fn takes_system(&self) -> bool {
        false
    }
    /// Whether a folder's output is complete once its [`FolderSink`] has finished and
    /// depends on no other folder, so that an interrupted conversion can resume at the
    /// folders not yet done ([`journal`](super::journal)). A store-wide output (one file for
    /// the whole input) is not: with it, an input is converted again from its start.
    fn resumes_by_folder(&self) -> bool {
        false
    }
    /// The renderings it reads from [`Item`] (none: it works from the message).
    fn needs(&self) -> Needs {
        Needs::NONE
    }
    /// Called once before any folder, with the store and the whole planned folder tree.
    fn start(&mut self, _store: &StoreCtx<'_>) -> Result<(), WriteError> {
        Ok(())
    }
    /// The writer of one folder's items.
    fn folder<'s>(&'s self, folder: &'s PlannedFolder) -> Box<dyn FolderSink + 's>;
    /// Called once after every folder has finished; notes go to the input's warnings.
    fn finish(&mut self, _notes: &mut Vec<ItemWarning>) -> Result<(), WriteError> {
        Ok(())
    }
    /// Whether this output already holds item `nid` from an earlier run (an upload's
    /// ledger): the pipeline then renders nothing for it on this output's behalf. The item
    /// is still handed to [`FolderSink::items`], which reports it skipped.
    fn already_has(&self, _nid: NodeId) -> bool {
        false
    }
    /// Called after [`finish`](Sink::finish): adds what this output has to say to the
    /// input's report (an upload: where each folder went).
    fn annotate(&self, _report: &mut InputReport) {}
}

/// One sink's writer for one folder.
pub trait FolderSink: Send {
    /// The next items of the folder that this sink takes, in order (a few at a time).
    fn items(&mut self, items: &[Item<'_>], log: &mut Log) -> Result<(), WriteError>;
    /// The folder is done: write what was gathered, report the remaining outcomes.
    fn finish(self: Box<Self>, log: &mut Log) -> Result<(), WriteError>;
}

/// The store being converted, for [`Sink::start`].
pub struct StoreCtx<'a> {
    /// The open store.
    pub store: &'a Store,
    /// The input file.
    pub input: &'a Path,
    /// The input's output folder.
    pub out: &'a Path,
    /// Every folder, as planned, parents first.
    pub plan: &'a Plan,
}

/// One item, as a sink receives it.
#[derive(Clone, Copy)]
pub struct Item<'a> {
    /// Its position in its folder (how the [`Log`] names it).
    pub index: usize,
    /// Its node id.
    pub nid: NodeId,
    /// What it is.
    pub kind: Kind,
    /// The message as read (a sink that keeps items past `items` clones the `Arc`).
    pub message: &'a Arc<Message>,
    /// The renderings that the sinks taking this kind need.
    pub rendered: Option<&'a Rendered>,
}

impl Item<'_> {
    /// The `.eml` bytes, when some sink needed [`Needs::EML`].
    pub fn eml(&self) -> Option<&[u8]> {
        self.rendered.and_then(|r| r.eml.as_deref())
    }

    /// The mbox entry, when some sink needed [`Needs::MBOX_ENTRY`].
    pub fn mbox_entry(&self) -> Option<&[u8]> {
        self.rendered.and_then(|r| r.mbox_entry.as_deref())
    }
}

/// What happened to each item of one folder, kept by the pipeline and filled in by sinks.
pub struct Log {
    folder: String,
    sink: usize,
    names: Vec<&'static str>,
    items: Vec<ItemState>,
    pub(super) counts: std::collections::BTreeMap<Kind, Counts>,
    pub(super) failures: Vec<Failure>,
    pub(super) warnings: Vec<ItemWarning>,
    pub(super) skipped: Vec<Skipped>,
    /// Items left out on purpose by every output, by reason (system data).
    pub(super) left_out: std::collections::BTreeMap<String, u64>,
}

/// One item: its kind (none when unreadable) and which sinks took it, answered and failed.
struct ItemState {
    nid: NodeId,
    kind: Option<Kind>,
    taken: u64,
    answered: u64,
    failed: bool,
}

impl Log {
    pub(super) fn new(folder: &str, names: Vec<&'static str>) -> Self {
        Self {
            folder: folder.to_owned(),
            sink: 0,
            names,
            items: Vec::new(),
            counts: Default::default(),
            failures: Vec::new(),
            warnings: Vec::new(),
            skipped: Vec::new(),
            left_out: Default::default(),
        }
    }

    /// `items` items were left out by every output, for `reason`.
    pub(super) fn left_out(&mut self, reason: &str, items: u64) {
        *self.left_out.entry(reason.to_owned()).or_insert(0) += items;
    }

    /// The folder's path as shown in reports.
    pub fn folder(&self) -> &str {
        &self.folder
    }

    /// `sink` writes next.
    pub(super) fn set_sink(&mut self, sink: usize) {
        self.sink = sink;
    }

    /// Records a new item (`None`: unreadable); returns its index.
    pub(super) fn add(&mut self, nid: NodeId, kind: Option<Kind>) -> usize {
        self.counts
            .entry(kind.unwrap_or(Kind::Unreadable))
            .or_default()
            .found += 1;
        self.items.push(ItemState {
            nid,
            kind,
            taken: 0,
            answered: 0,
            failed: false,
        });
        self.items.len() - 1
    }

    /// The current sink takes item `index`.
    pub(super) fn take(&mut self, index: usize) {
        let bit = self.bit();
        if let Some(s) = self.items.get_mut(index) {
            s.taken |= bit;
        }
    }

    fn bit(&self) -> u64 {
        1u64.checked_shl(self.sink as u32).unwrap_or(0)
    }

    fn answer(&mut self, index: usize, failed: bool) -> Option<NodeId> {
        let bit = self.bit();
        let s = self.items.get_mut(index)?;
        s.answered |= bit;
        s.failed |= failed;
        Some(s.nid)
    }

    /// Item `index` was written.
    pub fn written(&mut self, index: usize) {
        self.answer(index, false);
    }

    /// Item `index` was left out on purpose (already there, not for this output).
    pub fn skipped(&mut self, index: usize, reason: impl Into<String>) {
        if let Some(nid) = self.answer(index, false) {
            self.skipped.push(Skipped {
                nid: Some(nid.0),
                folder: self.folder.clone(),
                output: self.names.get(self.sink).copied().unwrap_or("").to_owned(),
                reason: reason.into(),
            });
        }
    }

    /// Item `index` (`msg`) could not be written.
    pub fn failed(&mut self, index: usize, msg: &Message, reason: impl Into<String>) {
        if let Some(nid) = self.answer(index, true) {
            let name = self.names.get(self.sink).copied().unwrap_or("");
            self.failures.push(Failure::item(
                FailureKind::ItemNotWritten,
                Some(nid.0),
                &self.folder,
                Some(msg.subject().to_owned()).filter(|s| !s.is_empty()),
                format!("{name}: {}", reason.into()),
            ));
        }
    }

    /// Records the parts of item `msg` that were in the file but are missing from what was
    /// written, or were written from damaged blocks (each of [`Message::losses`]).
    pub(super) fn parts_lost(&mut self, msg: &Message) {
        for l in &msg.losses {
            self.failures.push(Failure {
                kind: match l.kind {
                    LossKind::Missing => FailureKind::PartLost,
                    LossKind::Damaged => FailureKind::PartDamaged,
                },
                nid: msg.nid.map(|n| n.0),
                folder: self.folder.clone(),
                subject: Some(msg.subject().to_owned()).filter(|s| !s.is_empty()),
                reason: format!("{}: {}", l.part, l.why),
                items: 0,
                bytes: l.bytes,
                at: l.at.into(),
            });
        }
    }

    /// Notes something about one item that did not stop it from being written.
    pub fn item_note(&mut self, msg: &Message, what: impl Into<String>) {
        self.item_warning(msg, &msg.note(what));
    }

    /// Records a warning of the reader or a converter about item `msg` (what was noticed
    /// and lost nothing), with where in the file it was found.
    pub fn item_warning(&mut self, msg: &Message, w: &Warning) {
        self.warnings.push(ItemWarning {
            nid: msg.nid.map(|n| n.0),
            folder: self.folder.clone(),
            subject: Some(msg.subject().to_owned()).filter(|s| !s.is_empty()),
            what: w.what.clone(),
            at: w.at.into(),
        });
    }

    /// Records a warning about the folder's items (a converter's, over the whole folder):
    /// the item is the one at the node it names, if any.
    pub fn warning(&mut self, w: &Warning) {
        self.warnings.push(ItemWarning {
            nid: w.at.node.map(|n| n.0),
            folder: self.folder.clone(),
            subject: None,
            what: w.what.clone(),
            at: w.at.into(),
        });
    }

    /// Notes something about the folder's output as a whole.
    pub fn note(&mut self, what: impl Into<String>) {
        self.warnings.push(ItemWarning {
            nid: None,
            folder: self.folder.clone(),
            subject: None,
            what: what.into(),
            at: Place::default(),
        });
    }

    /// Records an item that could not be read at all.
    pub(super) fn unreadable(&mut self, nid: NodeId, reason: String) {
        self.add(nid, None);
        self.counts.entry(Kind::Unreadable).or_default().failed += 1;
        self.failures.push(Failure::item(
            FailureKind::ItemUnreadable,
            Some(nid.0),
            &self.folder,
            None,
            reason,
        ));
    }

    /// Counts every item as written (all its sinks wrote or skipped it) or failed.
    pub(super) fn settle(&mut self) {
        for i in 0..self.items.len() {
            let Some(s) = self.items.get(i) else { break };
            let (Some(kind), taken, answered, failed, nid) =
                (s.kind, s.taken, s.answered, s.failed, s.nid)
            else {
                continue;
            };
            if taken == 0 {
                continue;
            }
            let c = self.counts.entry(kind).or_default();
            if failed {
                c.failed += 1;
            } else if answered & taken == taken {
                c.written += 1;
            } else {
                c.failed += 1;
                let silent: Vec<&str> = (0..self.names.len())
                    .filter(|&b| taken & !answered & 1u64.checked_shl(b as u32).unwrap_or(0) != 0)
                    .filter_map(|b| self.names.get(b).copied())
                    .collect();
                self.failures.push(Failure::item(
                    FailureKind::ItemNotWritten,
                    Some(nid.0),
                    &self.folder,
                    None,
                    format!("not written by {}", silent.join(", ")),
                ));
            }
        }
    }
}
