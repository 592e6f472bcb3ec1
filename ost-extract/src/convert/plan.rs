//! Where each folder's items go: the folder tree relative to the IPM subtree, names made
//! safe for every file system and distinct among siblings, and each folder's special role.

use std::collections::{BTreeMap, HashMap, HashSet};

use pstkit::messaging::{pid, PropId, TableListing};
use pstkit::ndb::NodeType;
use pstkit::{FolderInfo, NodeId, Store};

use super::report::{Failure, FailureKind, ItemWarning, Place};
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
    /// Junk E-mail: index 4 of the Inbox's `PidTagAdditionalRenEntryIds` ([MS-OXOSFLD] 2.2.4).
    Junk,
    /// Sync Issues (and Conflicts, Local Failures, Server Failures): indexes 0 to 3 of the
    /// Inbox's `PidTagAdditionalRenEntryIds`; Outlook's logs of its own synchronisation.
    SyncIssues,
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
    /// Why it holds no user content, when it does not (outside the IPM subtree, the sync
    /// logs, a search folder): its items are left out unless system items are asked for
    /// ([`select`](super::select)).
    pub system: Option<&'static str>,
}

/// Every folder of a store, parents before children, and what planning noted.
#[derive(Debug, Default)]
pub struct Plan {
    /// The folders, depth-first (with the recovered-items folders last, when asked for).
    pub folders: Vec<PlannedFolder>,
    /// Contents tables that were damaged, cut short or stale, where the node tree made up
    /// for them.
    pub warnings: Vec<ItemWarning>,
    /// Folders whose messages could not all be listed (how many are missing).
    pub failures: Vec<Failure>,
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
/// "Other". A folder's items are its contents table's and those the node tree places in it.
/// With `recover_deleted`, messages in no folder go to "Recovered items", under the name of
/// the folder their node records when that folder's own node survives.
pub fn plan(store: &Store, folders: &[FolderInfo], recover_deleted: bool) -> Plan {
    let mut plan = plan_folders(store, folders);
    if recover_deleted {
        let listed: HashSet<NodeId> = plan
            .folders
            .iter()
            .flat_map(|u| u.items.iter().copied())
            .collect();
        let orphans = store.orphans(&listed);
        // By the folder each came from; those whose folder is unknown first.
        let mut groups: BTreeMap<Option<String>, Vec<NodeId>> = BTreeMap::new();
        for nid in orphans {
            let from = store.recorded_folder(nid).map(|(_, name)| name);
            groups.entry(from).or_default().push(nid);
        }
        let mut taken = HashSet::new();
        for (from, items) in groups {
            let (output, label) = match &from {
                None => (
                    vec!["Recovered items".to_owned()],
                    "(recovered items)".to_owned(),
                ),
                Some(name) => (
                    vec![
                        "Recovered items".to_owned(),
                        mail::dedupe_folder_name(&mail::safe_path_component(name), &mut taken),
                    ],
                    format!("(recovered items)/{name}"),
                ),
            };
            plan.folders.push(PlannedFolder {
                nid: None,
                source_path: Vec::new(),
                label,
                output,
                role: Some(FolderRole::RecoveredItems),
                items,
                system: None,
            });
        }
    }
    account_for_carving(store, folders, &mut plan);
    account_for_truncation(store, &mut plan);
    plan
}

/// A file shorter than its header records lost whatever its missing end held: a failure,
/// even when every item the rest of the file lists was found (what the lost bytes held
/// cannot be counted).
fn account_for_truncation(store: &Store, plan: &mut Plan) {
    let missing = store.ndb().missing_bytes();
    if missing == 0 {
        return;
    }
    plan.failures.push(Failure {
        kind: FailureKind::FileCutShort,
        nid: None,
        folder: String::new(),
        subject: None,
        reason: format!(
            "the file ends {missing} bytes before the size its header records ({} bytes): whatever those bytes held is lost",
            store.header().file_eof
        ),
        items: 0,
        bytes: missing,
        at: Place::default(),
    });
}

/// When the store had to be carved (its B-trees were unusable), what carving recovered
/// outside the folder tree is held against what the folders carving found say they held.
/// With nothing to count against, completeness cannot be shown: that is a failure too, so
/// that a carved file never passes for a whole one.
fn account_for_carving(store: &Store, folders: &[FolderInfo], plan: &mut Plan) {
    let Some(carving) = store.carving().filter(|c| !c.forced) else {
        return;
    };
    let recovered: u64 = plan
        .folders
        .iter()
        .filter(|f| f.role == Some(FolderRole::RecoveredItems))
        .map(|f| f.items.len() as u64)
        .sum();
    let in_tree: HashSet<&str> = folders.iter().map(FolderInfo::name).collect();
    let counted: Vec<_> = store
        .carved_folders()
        .iter()
        .filter(|f| !in_tree.contains(f.name.as_str()))
        .collect();
    let expected: u64 = counted
        .iter()
        .filter_map(|f| f.content_count)
        .map(|n| u64::try_from(n).unwrap_or(0))
        .sum();
    let stats = carving.stats;
    let what = format!(
        "the B-trees were unusable; carving found {} blocks and {} B-tree leaf pages, and recovered {recovered} messages outside the folder tree",
        stats.blocks, stats.leaf_pages
    );
    // Folders in the tree account for their own messages (see folder_items).
    let tree_accounts = folders.len() > 1;
    let failure = |reason: String, items: u64| Failure {
        kind: FailureKind::FolderIncomplete,
        nid: None,
        folder: "(recovered items)".into(),
        subject: None,
        reason,
        items,
        bytes: 0,
        at: Place::default(),
    };
    if expected > recovered {
        plan.failures.push(failure(
            format!(
                "{what}; the {} folders found without their nodes say they held {expected}",
                counted.len()
            ),
            expected - recovered,
        ));
    } else if counted.is_empty() && !tree_accounts {
        plan.failures.push(failure(
            format!(
                "{what}; no folder survived to say how many the file held, so items may be missing"
            ),
            0,
        ));
    } else {
        plan.warnings.push(ItemWarning {
            nid: None,
            folder: "(recovered items)".into(),
            subject: None,
            what,
            at: Place::default(),
        });
    }
}

/// A folder's items from its contents table and the node tree, with a warning when the node
/// tree had to make up for the table and a failure when messages are known to be missing.
fn folder_items(store: &Store, f: &FolderInfo, plan: &mut Plan) -> Vec<NodeId> {
    let fc = store.folder_contents(f.nid);
    // A search folder holds no messages of its own (its results live in a search contents
    // table, and its content count counts them): nothing to account for.
    if fc.table_agrees() || f.nid.node_type() == NodeType::SEARCH_FOLDER {
        return fc.items;
    }
    let found = fc.items.len() as u64;
    let (state, declared) = match &fc.table {
        TableListing::Complete { rows } => (format!("lists {rows} messages"), Some(*rows as u64)),
        TableListing::Truncated { rows, declared } => (
            format!("is cut short ({rows} of {declared} rows)"),
            Some(*declared as u64),
        ),
        TableListing::Missing => ("is missing".to_owned(), None),
        TableListing::Unreadable(e) => (format!("is unreadable ({e})"), None),
    };
    // The folder's own count stands in when the table cannot say.
    let expected = declared
        .or_else(|| f.content_count.and_then(|n| u64::try_from(n).ok()))
        .unwrap_or(0);
    let mut what = format!("contents table {state}");
    if fc.from_node_tree > 0 {
        what.push_str(&format!(
            "; {} messages listed from the node tree",
            fc.from_node_tree
        ));
    }
    if fc.disagreeing_rows > 0 {
        what.push_str(&format!(
            "; {} rows name messages the node tree does not place here",
            fc.disagreeing_rows
        ));
    }
    if expected > found {
        plan.failures.push(Failure {
            kind: FailureKind::FolderIncomplete,
            nid: Some(f.nid.0),
            folder: f.path.join("/"),
            subject: None,
            reason: format!("{what}; the folder held {expected} messages, {found} were found"),
            items: expected - found,
            bytes: 0,
            at: Place::default(),
        });
    } else {
        plan.warnings.push(ItemWarning {
            nid: Some(f.nid.0),
            folder: f.path.join("/"),
            subject: None,
            what,
            at: Place::default(),
        });
    }
    fc.items
}

fn plan_folders(store: &Store, folders: &[FolderInfo]) -> Plan {
    let roles = roles(store, folders);
    // The IPM subtree: named by the store. Outlook 2013+ OSTs omit that entry id (and often
    // Deleted Items' too), so fall back to the parent of Deleted Items, then to the node Outlook
    // gives the IPM subtree (0x2142 in OSTs, below "Root - Mailbox"; 0x8022 in PSTs, below the
    // root), then to a folder named IPM_SUBTREE, then to one below the root named as Outlook
    // names the top of the folders.
    let folder_of = |id: PropId| {
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
        .or_else(|| conventional_ipm_subtree(store, folders))
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
        })
        .or_else(|| {
            folders
                .iter()
                .find(|f| f.path.len() == 1 && TOP_NAMES.contains(&f.name()))
                .map(|f| f.nid)
        });
    let mut names_by_parent: HashMap<Vec<String>, HashSet<String>> = HashMap::new();
    if ipm.is_some() {
        names_by_parent
            .entry(Vec::new())
            .or_default()
            .extend(["other".to_owned(), "other.mbox".to_owned()]);
    }
    let mut out_path: HashMap<NodeId, Vec<String>> = HashMap::new();
    let mut plan = Plan::default();
    let ipm_path: Option<Vec<String>> = ipm
        .and_then(|n| folders.iter().find(|f| f.nid == n))
        .map(|f| f.path.clone());
    let mut system_folders = SystemFolders::new(&roles);
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
                    // The folder's directory and its mbox file are siblings: planned
                    // together, so `X` and `X.mbox` cannot collide.
                    r.push(mail::dedupe_folder_name(
                        &mail::safe_path_component(f.name()),
                        taken,
                    ));
                    r
                }
            }
        };
        out_path.insert(f.nid, rel.clone());
        let system = system_folders.reason(f, ipm_path.as_deref(), &rel);
        let items = folder_items(store, f, &mut plan);
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
            system,
        });
    }
    plan
}

/// The names Outlook gives the top of the folders a user sees, in English.
const TOP_NAMES: [&str; 3] = [
    "Top of Information Store",
    "Top of Personal Folders",
    "Top of Outlook data file",
];

/// The IPM subtree at the node Outlook gives it: `0x2142` in OSTs (where it sits below
/// "Root - Mailbox", or below the root), `0x8022` in PSTs (the first folder below the root).
/// Neither is in [MS-PST]; every store of the corpus that names its IPM subtree keeps it there.
fn conventional_ipm_subtree(store: &Store, folders: &[FolderInfo]) -> Option<NodeId> {
    let (nid, max_depth) = match store.header().client {
        pstkit::Client::Ost => (NodeId(0x2142), 2),
        _ => (NodeId(0x8022), 1),
    };
    folders
        .iter()
        .find(|f| f.nid == nid && (1..=max_depth).contains(&f.path.len()))
        .map(|f| f.nid)
}

/// The sync-log folders' names, for stores that do not name them by entry id.
const SYNC_FOLDER_NAMES: [&str; 4] = [
    "Sync Issues",
    "Conflicts",
    "Local Failures",
    "Server Failures",
];

/// Tells the system folders apart, parents before children.
struct SystemFolders {
    /// The sync-log folders named by the Inbox's entry ids.
    sync: HashSet<NodeId>,
    /// Source paths of the sync-log folders found so far (their subfolders are too).
    sync_paths: HashSet<Vec<String>>,
}

impl SystemFolders {
    /// The sync-log folders are those the Inbox names ([`FolderRole::SyncIssues`]).
    fn new(roles: &HashMap<NodeId, FolderRole>) -> Self {
        Self {
            sync: roles
                .iter()
                .filter(|(_, r)| **r == FolderRole::SyncIssues)
                .map(|(n, _)| *n)
                .collect(),
            sync_paths: HashSet::new(),
        }
    }

    /// Why `f` (at `rel` below the IPM subtree at `ipm`) is a system folder, if it is.
    fn reason(
        &mut self,
        f: &FolderInfo,
        ipm: Option<&[String]>,
        rel: &[String],
    ) -> Option<&'static str> {
        if f.nid.node_type() == NodeType::SEARCH_FOLDER {
            return Some("search folder");
        }
        if let Some(ipm) = ipm {
            if !f.path.starts_with(ipm) {
                return Some(
                    "outside the folders a user sees (free/busy data, views, search roots)",
                );
            }
        }
        let parent_is_sync = f
            .path
            .len()
            .checked_sub(1)
            .and_then(|n| f.path.get(..n))
            .is_some_and(|p| self.sync_paths.contains(p));
        let named = rel.len() == 1
            && ipm.is_some()
            && SYNC_FOLDER_NAMES
                .iter()
                .any(|n| n.eq_ignore_ascii_case(f.name()));
        if parent_is_sync || named || self.sync.contains(&f.nid) {
            self.sync_paths.insert(f.path.clone());
            return Some("sync issues (Outlook's sync logs and conflict copies)");
        }
        None
    }
}

/// The special folders named by entry ids: on the store object (outbox, sent items, deleted
/// items) and on the root folder (drafts, calendar, contacts, tasks, notes, journal). The
/// Inbox is the folder that holds those same ids besides the root ([MS-OXOSFLD] 2.2.3).
fn roles(store: &Store, folders: &[FolderInfo]) -> HashMap<NodeId, FolderRole> {
    const ON_STORE: [(PropId, FolderRole); 3] = [
        (pid::IPM_OUTBOX_ENTRY_ID, FolderRole::Outbox),
        (pid::IPM_SENTMAIL_ENTRY_ID, FolderRole::SentItems),
        (pid::IPM_WASTEBASKET_ENTRY_ID, FolderRole::DeletedItems),
    ];
    const ON_ROOT: [(PropId, FolderRole); 6] = [
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
    // The Inbox names Junk E-mail and the Sync Issues folders.
    let inbox = roles
        .iter()
        .find(|(_, r)| **r == FolderRole::Inbox)
        .map(|(n, _)| *n);
    let ren = inbox
        .and_then(|n| store.folder_properties(n).ok())
        .and_then(|p| match p.get(pid::ADDITIONAL_REN_ENTRY_IDS) {
            Some(pstkit::ltp::PropValue::MultipleBinary(ids)) => Some(ids.clone()),
            _ => None,
        });
    for (i, eid) in ren.iter().flatten().enumerate().take(5) {
        let role = if i == 4 {
            FolderRole::Junk
        } else {
            FolderRole::SyncIssues
        };
        if let Some(nid) = entry_id_nid(eid).filter(|n| known.contains(n)) {
            roles.entry(nid).or_insert(role);
        }
    }
    roles
}
