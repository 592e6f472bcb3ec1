//! Where each folder's items go: the folder tree relative to the IPM subtree, names made
//! safe for every file system and distinct among siblings, and each folder's special role.

use std::collections::{HashMap, HashSet};

use pstkit::messaging::pid;
use pstkit::{FolderInfo, NodeId, Store};

use super::report::ItemWarning;
use crate::mail;

/// A special folder of the store ([MS-OXOSFLD] 2.2), found by the entry ids the store and
/// its root folder hold for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FolderRole {
    /// The top of the folders a user sees (`PidTagIpmSubtreeEntryId`).
    IpmSubtree,
    /// Inbox: the folder that, like the root, holds the other special folders' entry ids.
    Inbox,
    /// `PidTagIpmOutboxEntryId`.
    Outbox,
    /// `PidTagIpmSentMailEntryId`.
    SentItems,
    /// `PidTagIpmWastebasketEntryId`.
    DeletedItems,
    /// `PidTagIpmDraftsEntryId`.
    Drafts,
    /// `PidTagIpmAppointmentEntryId`.
    Calendar,
    /// `PidTagIpmContactEntryId`.
    Contacts,
    /// `PidTagIpmTaskEntryId`.
    Tasks,
    /// `PidTagIpmNoteEntryId`.
    Notes,
    /// `PidTagIpmJournalEntryId`.
    Journal,
    /// Messages in no folder, gathered by `--recover-deleted`.
    RecoveredItems,
}

/// One folder as planned.
#[derive(Debug, Clone)]
pub struct PlannedFolder {
    /// The folder's node id (`None` for the recovered-items folder, which the file lacks).
    pub nid: Option<NodeId>,
    /// Its names from the root folder down, as the file has them.
    pub source_path: Vec<String>,
    /// Its path as shown in reports.
    pub label: String,
    /// Where its items go: path components under `Mail/`, `Calendar/`, ... (safe, distinct).
    pub output: Vec<String>,
    /// Its special role, if it has one.
    pub role: Option<FolderRole>,
    /// Its items, in contents-table order.
    pub items: Vec<NodeId>,
}

/// Every folder of a store, parents before children, and what planning noted.
#[derive(Debug, Default)]
pub struct Plan {
    /// The folders, depth-first (with the recovered-items folder last, when asked for).
    pub folders: Vec<PlannedFolder>,
    /// Contents tables that could not be read.
    pub warnings: Vec<ItemWarning>,
}

impl Plan {
    /// The folders that have items: the units of conversion.
    pub fn with_items(&self) -> impl Iterator<Item = &PlannedFolder> {
        self.folders.iter().filter(|f| !f.items.is_empty())
    }

    /// Number of items in all folders.
    pub fn item_count(&self) -> u64 {
        self.folders.iter().map(|f| f.items.len() as u64).sum()
    }
}

/// The entry id's NID: the last four bytes of a PST entry id ([MS-PST] 2.4.3.2).
fn entry_id_nid(b: &[u8]) -> Option<NodeId> {
    let tail: [u8; 4] = b.get(b.len().checked_sub(4)?..)?.try_into().ok()?;
    Some(NodeId(u32::from_le_bytes(tail)))
}

/// Plans the folders of `store`. Paths are taken relative to the IPM subtree (the folders a
/// user sees: "Inbox", not "Top of Personal Folders/Inbox"); folders outside it go under
/// "Other". With `recover_deleted`, messages in no folder get a "Recovered items" folder.
pub fn plan(store: &Store, folders: &[FolderInfo], recover_deleted: bool) -> Plan {
    let mut plan = plan_folders(store, folders);
    if recover_deleted {
        let listed: HashSet<NodeId> = plan
            .folders
            .iter()
            .flat_map(|u| u.items.iter().copied())
            .collect();
        let orphans = store.orphans(&listed);
        if !orphans.is_empty() {
            plan.folders.push(PlannedFolder {
                nid: None,
                source_path: Vec::new(),
                label: "(recovered items)".into(),
                output: vec!["Recovered items".into()],
                role: Some(FolderRole::RecoveredItems),
                items: orphans,
            });
        }
    }
    plan
}

fn plan_folders(store: &Store, folders: &[FolderInfo]) -> Plan {
    let roles = roles(store, folders);
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
    let mut plan = Plan::default();
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
        let items = match store.contents(f.nid) {
            Ok(n) => n,
            Err(e) => {
                plan.warnings.push(ItemWarning {
                    nid: Some(f.nid.0),
                    folder: f.path.join("/"),
                    subject: None,
                    what: format!("contents table unreadable, its items are lost unless --recover-deleted finds them: {e}"),
                });
                Vec::new()
            }
        };
        // Items filed in the top folder itself go under that folder's own name.
        let output = if rel.is_empty() {
            let own = mail::safe_path_component(f.name());
            vec![if own.is_empty() {
                "Top of Personal Folders".to_owned()
            } else {
                own
            }]
        } else {
            rel
        };
        let role = if Some(f.nid) == ipm {
            Some(FolderRole::IpmSubtree)
        } else {
            roles.get(&f.nid).copied()
        };
        plan.folders.push(PlannedFolder {
            nid: Some(f.nid),
            source_path: f.path.clone(),
            label: f.path.join("/"),
            output,
            role,
            items,
        });
    }
    plan
}

/// The special folders named by entry ids: on the store object (outbox, sent items, deleted
/// items) and on the root folder (drafts, calendar, contacts, tasks, notes, journal). The
/// Inbox is the folder that holds those same ids besides the root ([MS-OXOSFLD] 2.2.3).
fn roles(store: &Store, folders: &[FolderInfo]) -> HashMap<NodeId, FolderRole> {
    const ON_STORE: [(u16, FolderRole); 3] = [
        (pid::IPM_OUTBOX_ENTRY_ID, FolderRole::Outbox),
        (pid::IPM_SENTMAIL_ENTRY_ID, FolderRole::SentItems),
        (pid::IPM_WASTEBASKET_ENTRY_ID, FolderRole::DeletedItems),
    ];
    const ON_ROOT: [(u16, FolderRole); 6] = [
        (pid::IPM_DRAFTS_ENTRY_ID, FolderRole::Drafts),
        (pid::IPM_APPOINTMENT_ENTRY_ID, FolderRole::Calendar),
        (pid::IPM_CONTACT_ENTRY_ID, FolderRole::Contacts),
        (pid::IPM_TASK_ENTRY_ID, FolderRole::Tasks),
        (pid::IPM_NOTE_ENTRY_ID, FolderRole::Notes),
        (pid::IPM_JOURNAL_ENTRY_ID, FolderRole::Journal),
    ];
    let known: HashSet<NodeId> = folders.iter().map(|f| f.nid).collect();
    let mut roles = HashMap::new();
    let mut put = |eid: Option<&[u8]>, role| {
        if let Some(nid) = eid.and_then(entry_id_nid).filter(|n| known.contains(n)) {
            roles.entry(nid).or_insert(role);
        }
    };
    for (id, role) in ON_STORE {
        put(store.properties().binary(id), role);
    }
    let root = store.root_folder();
    if let Ok(props) = store.folder_properties(root) {
        for (id, role) in ON_ROOT {
            put(props.binary(id), role);
        }
        if let Some(cal) = props.binary(pid::IPM_APPOINTMENT_ENTRY_ID) {
            // The Inbox repeats the root's special-folder ids; look among the folders below
            // the IPM subtree's level only (a handful), never below.
            for f in folders
                .iter()
                .filter(|f| f.nid != root && f.path.len() <= 2)
            {
                let same = store
                    .folder_properties(f.nid)
                    .ok()
                    .and_then(|p| p.binary(pid::IPM_APPOINTMENT_ENTRY_ID).map(|b| b == cal));
                if same == Some(true) {
                    roles.entry(f.nid).or_insert(FolderRole::Inbox);
                    break;
                }
            }
        }
    }
    roles
}
