//! Everything as one Unicode PST, `<input stem>.pst` in the input's output folder (and
//! `<stem>-2.pst`, `-3.pst` ... past the size limit): the file that Outlook's Import/Export
//! wizard, the Microsoft 365 PST import service and Google Workspace Migration for Microsoft
//! Outlook take.
//!
//! The PST's top folder (its IPM subtree) takes the name of the source's; the folders below
//! the source's IPM subtree keep their names and container classes; the
//! source's special folders (Inbox, Sent Items, Deleted Items, Drafts, Outbox, Calendar,
//! Contacts, Tasks, Notes, Journal) become the PST's own; folders outside the IPM subtree that
//! hold items, and `--recover-deleted`'s "Recovered items", become ordinary folders below the
//! top. Every item goes in with every property ([`pstkit::write::PstWriter`]) as the other
//! outputs get it: with the SMTP address the store's address book has for a party that had
//! none (sender, representing sender, recipients, a contact's Exchange e-mail slots), so that
//! the PST needs no Exchange directory. Each folder's associated (hidden) items go in too. A new part starts between items when the next would take the
//! file past the limit.
//!
//! The PST has a record key of its own, and the ids by which items name other objects of the
//! source store (a distribution list's members, a contact's own entry id, the folder a sent
//! message goes to, recipients from the Contacts address book...) are rewritten to name the
//! same objects in the PST ([`pstkit::write::Relink`] lists which): messages keep their
//! source node ids where they can (each is kept for its own message in every part), folders
//! are named by their new node ids. A member in another part of a split PST is named by its
//! node id there.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pstkit::ltp::PropValue;
use pstkit::messaging::{pid, Message};
use pstkit::write::{FolderId, PstWriter, SpecialFolder};
use pstkit::NodeId;

use crate::convert::fs::{temp_name, werr, WriteError};
use crate::convert::plan::{FolderRole, PlannedFolder};
use crate::convert::report::{ItemWarning, Kind};
use crate::convert::sink::{FolderSink, Item, Log, Sink, StoreCtx};

/// Microsoft's recommended largest PST for its import service: 20 GiB.
pub const DEFAULT_MAX_SIZE: u64 = 20 << 30;

/// Room kept below the limit for what a part gets when it is finished (folders, tables,
/// B-trees, maps): 1% of the limit and 1 MiB.
fn reserve(max: u64) -> u64 {
    max / 100 + (1 << 20)
}

/// The stem of the PST files written for `input`: the input's own.
pub fn stem(input: &Path) -> String {
    input
        .file_stem()
        .map_or_else(|| "store".into(), |s| s.to_string_lossy().into_owned())
}

/// The file name of part `part` (from 1) of the PST named `stem`: `stem.pst`, then
/// `stem-2.pst`, `stem-3.pst`...
pub fn part_name(stem: &str, part: u32) -> String {
    if part <= 1 {
        format!("{stem}.pst")
    } else {
        format!("{stem}-{part}.pst")
    }
}

/// One folder of the PST, as it is made again in every part.
#[derive(Debug, Clone)]
struct Shape {
    /// Index of the parent shape; `None`: directly below "Top of Personal Folders".
    parent: Option<usize>,
    name: String,
    class: Option<String>,
    special: Option<SpecialFolder>,
}

/// Writes the PST; see the module documentation.
pub struct PstFile {
    dir: PathBuf,
    max_size: u64,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    stem: String,
    display_name: String,
    /// The source's IPM subtree name, which the PST's top folder takes.
    top_name: Option<String>,
    record_key: [u8; 16],
    /// The source's record key, when it has one: its entry ids are rewritten for the PST.
    source_key: Option<[u8; 16]>,
    /// Every message's source node id, kept for it in each part.
    reserved: Vec<NodeId>,
    shapes: Vec<Shape>,
    /// Planned folder (by its source node, `None` for recovered items) -> shape; the IPM
    /// subtree itself maps to `None` (the top).
    by_source: HashMap<Option<NodeId>, Option<usize>>,
    part: Option<Part>,
    parts: u32,
    done: Vec<PathBuf>,
    notes: Vec<String>,
}

struct Part {
    writer: PstWriter<BufWriter<File>>,
    /// Shape index -> folder of this part.
    folders: Vec<FolderId>,
    tmp: PathBuf,
    path: PathBuf,
}

impl PstFile {
    /// A PST in `out` (the input's output folder), split past `max_size` bytes.
    pub fn new(out: &Path, max_size: u64) -> Self {
        Self {
            dir: out.to_owned(),
            max_size: max_size.max(4 << 20),
            state: Mutex::new(State::default()),
        }
    }
}

impl State {
    /// Starts the next part, with every folder.
    fn open_part(&mut self, dir: &Path) -> Result<(), WriteError> {
        self.parts += 1;
        let path = dir.join(part_name(&self.stem, self.parts));
        let tmp = temp_name(&path);
        let file = File::create(&tmp).map_err(werr(&tmp))?;
        let mut writer = PstWriter::new(
            BufWriter::with_capacity(1 << 20, file),
            &self.display_name,
            self.record_key,
        )
        .map_err(werr(&tmp))?;
        if let Some(name) = &self.top_name {
            writer.name_top(name);
        }
        let mut folders: Vec<FolderId> = Vec::with_capacity(self.shapes.len());
        for s in &self.shapes {
            let parent = s
                .parent
                .and_then(|p| folders.get(p).copied())
                .unwrap_or_else(|| writer.top());
            let f = writer.add_folder(parent, &s.name, s.class.as_deref());
            if let Some(which) = s.special {
                writer.set_special(which, f);
            }
            folders.push(f);
        }
        if let Some(key) = self.source_key {
            writer.relink_from(key);
            for (source, shape) in &self.by_source {
                let (Some(source), target) = (source, shape) else {
                    continue;
                };
                let f = match target {
                    Some(i) => folders.get(*i).copied(),
                    None => Some(writer.top()),
                };
                if let Some(f) = f {
                    writer.map_folder(*source, f);
                }
            }
            // The root folder's items go to the top, but ids naming it name the PST's root.
            let root = writer.root();
            writer.map_folder(NodeId::ROOT_FOLDER, root);
        }
        writer.reserve_message_nids(self.reserved.iter().copied());
        self.part = Some(Part {
            writer,
            folders,
            tmp,
            path,
        });
        Ok(())
    }

    /// Finishes the current part and renames it into place.
    fn close_part(&mut self) -> Result<(), WriteError> {
        if let Some(p) = self.part.take() {
            let out = p.writer.finish().map_err(werr(&p.tmp))?;
            out.into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| f.sync_data().or(Ok(())))
                .map_err(werr(&p.tmp))?;
            fs::rename(&p.tmp, &p.path).map_err(werr(&p.path))?;
            self.done.push(p.path);
        }
        Ok(())
    }

    /// The folder of the current part for a planned folder.
    fn folder_of(&self, source: Option<NodeId>) -> Option<FolderId> {
        let part = self.part.as_ref()?;
        match self.by_source.get(&source)? {
            Some(shape) => part.folders.get(*shape).copied(),
            None => Some(part.writer.top()),
        }
    }

    /// Writes one item, starting a new part first when it would not fit.
    fn write(
        &mut self,
        dir: &Path,
        max: u64,
        source: Option<NodeId>,
        msg: &Message,
        associated: bool,
    ) -> Result<Result<(), String>, WriteError> {
        let full = self.part.as_ref().is_some_and(|p| {
            p.writer.message_count() > 0
                && p.writer.bytes_written() + approx_size(msg) + reserve(max) > max
        });
        if full {
            self.close_part()?;
        }
        if self.part.is_none() {
            self.open_part(dir)?;
        }
        let Some(folder) = self.folder_of(source) else {
            return Ok(Err("no folder for it in the PST".into()));
        };
        let Some(part) = self.part.as_mut() else {
            return Ok(Err("no PST open".into()));
        };
        let r = if associated {
            part.writer.add_associated_message(folder, msg)
        } else {
            part.writer.add_message(folder, msg)
        };
        match r {
            Ok(_) => Ok(Ok(())),
            // What the format cannot hold loses that item; a failing disk stops the run.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => Ok(Err(e.to_string())),
            Err(e) => Err(werr(&part.tmp)(e)),
        }
    }
}

/// About how many bytes a message takes in the file: its values, recipients and attachments.
fn approx_size(msg: &Message) -> u64 {
    fn bag(b: &pstkit::PropertyBag) -> u64 {
        b.iter()
            .map(|(_, v)| match v {
                PropValue::Binary(x) => x.len() as u64 + 16,
                PropValue::String(x) => 2 * x.len() as u64 + 16,
                PropValue::MultipleBinary(x) => x.iter().map(|y| y.len() as u64 + 8).sum(),
                PropValue::MultipleString(x) => x.iter().map(|y| 2 * y.len() as u64 + 8).sum(),
                _ => 16,
            })
            .sum()
    }
    bag(&msg.props)
        + msg.recipients.iter().map(bag).sum::<u64>()
        + msg
            .attachments
            .iter()
            .map(|a| bag(&a.props) + a.embedded.as_deref().map_or(0, approx_size))
            .sum::<u64>()
        + 4096
}

/// The PST's special folder for a planned folder's role.
fn special(role: Option<FolderRole>) -> Option<SpecialFolder> {
    Some(match role? {
        FolderRole::Inbox => SpecialFolder::Inbox,
        FolderRole::Outbox => SpecialFolder::Outbox,
        FolderRole::SentItems => SpecialFolder::SentItems,
        FolderRole::DeletedItems => SpecialFolder::Wastebasket,
        FolderRole::Drafts => SpecialFolder::Drafts,
        FolderRole::Calendar => SpecialFolder::Calendar,
        FolderRole::Contacts => SpecialFolder::Contacts,
        FolderRole::Tasks => SpecialFolder::Tasks,
        FolderRole::Notes => SpecialFolder::Notes,
        FolderRole::Journal => SpecialFolder::Journal,
        FolderRole::IpmSubtree
        | FolderRole::RecoveredItems
        | FolderRole::Junk
        | FolderRole::SyncIssues => return None,
    })
}

impl Sink for PstFile {
    fn name(&self) -> &'static str {
        "pst"
    }

    fn takes(&self, kind: Kind) -> bool {
        kind != Kind::Unreadable
    }

    /// A full-fidelity copy of the mailbox: sync logs, free/busy data and configuration
    /// items go in too, whatever the open formats leave out.
    fn takes_system(&self) -> bool {
        true
    }

    fn start(&mut self, ctx: &StoreCtx<'_>) -> Result<(), WriteError> {
        let state = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        state.stem = stem(ctx.input);
        state.display_name = state.stem.clone();
        // A record key of its own (entry ids of this file must not look like the source's),
        // derived from the source's so that the same input gives the same file.
        let source_key = ctx
            .store
            .properties()
            .binary(pid::RECORD_KEY)
            .unwrap_or(&[]);
        for (i, k) in state.record_key.iter_mut().enumerate() {
            *k = source_key.get(i).copied().unwrap_or(i as u8) ^ 0xA5;
        }
        state.source_key = source_key.try_into().ok();
        let classes: HashMap<NodeId, Option<String>> = ctx
            .store
            .folders()
            .folders
            .into_iter()
            .map(|f| (f.nid, f.container_class))
            .collect();
        let ipm: Option<&PlannedFolder> = ctx
            .plan
            .folders
            .iter()
            .find(|f| f.role == Some(FolderRole::IpmSubtree));
        let ipm_path = ipm.map(|f| f.source_path.clone());
        state.top_name = ipm_path
            .as_ref()
            .and_then(|p| p.last())
            .filter(|n| !n.trim().is_empty())
            .cloned();
        // Folders by source path, for parents.
        let mut by_path: HashMap<Vec<String>, Option<usize>> = HashMap::new();
        if let Some(p) = &ipm_path {
            by_path.insert(p.clone(), None);
        }
        for f in &ctx.plan.folders {
            let inside = ipm_path
                .as_ref()
                .is_some_and(|p| f.source_path.len() > p.len() && f.source_path.starts_with(p));
            if f.role == Some(FolderRole::IpmSubtree) {
                state.by_source.insert(f.nid, None);
                continue;
            }
            if f.source_path.is_empty() && f.nid.is_some() {
                // The root folder: its few items (if any) go to the top.
                state.by_source.insert(f.nid, None);
                continue;
            }
            if !inside && f.items.is_empty() && f.nid.is_some() {
                // Outside the IPM subtree (search folders, sync state): only folders with
                // items are kept.
                continue;
            }
            let parent = if inside {
                f.source_path
                    .get(..f.source_path.len() - 1)
                    .and_then(|p| by_path.get(p).copied())
                    .flatten()
            } else {
                None
            };
            let name = if inside {
                f.source_path.last().cloned().unwrap_or_default()
            } else if f.nid.is_none() {
                "Recovered items".to_owned()
            } else {
                f.label.clone()
            };
            let class = f.nid.and_then(|n| classes.get(&n).cloned().flatten());
            let index = state.shapes.len();
            state.shapes.push(Shape {
                parent,
                name,
                class,
                special: if inside { special(f.role) } else { None },
            });
            state.by_source.insert(f.nid, Some(index));
            if inside {
                by_path.insert(f.source_path.clone(), Some(index));
            }
        }
        // Associated (hidden) items: views, rules, forms, settings.
        let associated: Vec<(&PlannedFolder, NodeId, Vec<NodeId>)> = ctx
            .plan
            .folders
            .iter()
            .filter_map(|f| {
                let nid = f.nid.filter(|n| state.by_source.contains_key(&Some(*n)))?;
                Some((
                    f,
                    nid,
                    ctx.store.associated_contents(nid).unwrap_or_default(),
                ))
            })
            .collect();
        state.reserved = ctx
            .plan
            .folders
            .iter()
            .flat_map(|f| f.items.iter().copied())
            .chain(associated.iter().flat_map(|(_, _, a)| a.iter().copied()))
            .collect();
        fs::create_dir_all(&self.dir).map_err(werr(&self.dir))?;
        state.open_part(&self.dir)?;
        let mut notes = Vec::new();
        for (f, nid, items) in associated {
            for a in items {
                let r = match ctx.store.message(a) {
                    Ok(m) => state.write(&self.dir, self.max_size, Some(nid), &m, true)?,
                    Err(e) => Err(e.to_string()),
                };
                if let Err(why) = r {
                    notes.push(format!(
                        "associated item {a} of {}: not in the PST: {why}",
                        f.label
                    ));
                }
            }
        }
        // Reported at the end, with the other notes of this output.
        state.notes.extend(notes);
        Ok(())
    }

    fn folder<'s>(&'s self, folder: &'s PlannedFolder) -> Box<dyn FolderSink + 's> {
        Box::new(PstFolder {
            sink: self,
            source: folder.nid,
        })
    }

    fn finish(&mut self, notes: &mut Vec<ItemWarning>) -> Result<(), WriteError> {
        let state = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        state.close_part()?;
        for what in std::mem::take(&mut state.notes) {
            notes.push(ItemWarning {
                nid: None,
                folder: String::new(),
                subject: None,
                what,
                at: Default::default(),
            });
        }
        Ok(())
    }
}

struct PstFolder<'s> {
    sink: &'s PstFile,
    source: Option<NodeId>,
}

impl FolderSink for PstFolder<'_> {
    fn items(&mut self, items: &[Item<'_>], log: &mut Log) -> Result<(), WriteError> {
        let mut state = self.sink.state.lock().unwrap_or_else(|e| e.into_inner());
        for item in items {
            match state.write(
                &self.sink.dir,
                self.sink.max_size,
                self.source,
                item.message,
                false,
            )? {
                Ok(()) => log.written(item.index),
                Err(why) => log.failed(item.index, item.message, why),
            }
        }
        Ok(())
    }

    fn finish(self: Box<Self>, _log: &mut Log) -> Result<(), WriteError> {
        Ok(())
    }
}
