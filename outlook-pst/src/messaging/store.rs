//! The message store ([MS-PST] 2.4.3), the folder tree (2.4.4) and messages (2.4.5).

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::error::{Error, Location, Result, Warning};
use crate::ltp::{LtpNode, PropId, PropValue, PropertyContext, TableContext};
use crate::messaging::item::{Attachment, Loss, LossKind, Message};
use crate::messaging::props::{NameMap, NamedProp, PropName, PropertyBag};
use crate::messaging::{pid, psets};
use crate::ndb::bytes::ReadLe;
use crate::ndb::{block, BlockId, Header, Ndb, NodeEntry, NodeId, NodeOrigin, NodeType};

/// `NID_RECIPIENT_TABLE`: a message's recipient table subnode.
const NID_RECIPIENT_TABLE: NodeId = NodeId(0x692);
/// `NID_ATTACHMENT_TABLE`: a message's attachment table subnode.
const NID_ATTACHMENT_TABLE: NodeId = NodeId(0x671);
/// Embedded messages nest at most this deep; deeper is taken as a loop.
const MAX_EMBEDDING: usize = 32;
/// Folder trees deeper than this are taken as a loop.
const MAX_FOLDER_DEPTH: usize = 256;
/// Attachments and embedded messages one message may hold, all levels together; damage
/// that makes tables point at each other cannot multiply work past this.
const MAX_PARTS: usize = 100_000;

/// What loading one top-level message has used so far.
#[derive(Default)]
struct Budget {
    parts: usize,
}

/// Code page for 8-bit strings when neither the item nor the store names one.
const DEFAULT_CODEPAGE: u32 = 1252;

/// When [`Store::open_with`] rebuilds the file's indexes by carving ([`crate::ndb::carve`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Carving {
    /// When the B-trees cannot be used: an unreadable header, an unreadable B-tree page, a
    /// folder or message whose blocks the block B-tree does not list, no root folder or no
    /// message store node.
    #[default]
    Auto,
    /// Always: also finds deleted items whose blocks are still in free space.
    Force,
    /// Never: a file whose B-trees are unusable is refused.
    Off,
}

/// What carving recovered, when the store was opened by carving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CarveSummary {
    /// What the scan found.
    pub stats: crate::ndb::CarveStats,
    /// Whether it was asked for ([`Carving::Force`]) rather than needed.
    pub forced: bool,
    /// Messages recognised by their property contexts alone (no node entry survived).
    pub found_messages: usize,
}

/// A folder's property context found by carving with no node entry referring to it: its
/// node is lost, so nothing can be placed in it, but it still says what it held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarvedFolder {
    /// `PidTagDisplayName`.
    pub name: String,
    /// `PidTagContentCount`: how many messages the folder held.
    pub content_count: Option<i32>,
}

/// Subnode trees tried, nearest block id first, for each message found by its heap.
const SUBTREE_CANDIDATES: usize = 8;

/// Index of the first node id given to items found by carving; above anything a real file
/// allocates, so that the ids cannot clash.
const FOUND_NID_BASE: u32 = 0x07F0_0000;

/// An open PST or OST file. `Send + Sync`: folders and messages can be read from many threads.
#[derive(Debug)]
pub struct Store {
    ndb: Ndb,
    names: Arc<NameMap>,
    props: PropertyBag,
    codepage: u32,
    root: NodeId,
    /// Which folder the node B-tree names as each message's parent, built on first use.
    placement: OnceLock<NodeTreePlacement>,
    /// Set when the indexes were rebuilt by carving.
    carve: Option<CarveSummary>,
    /// Folder property contexts carving found without a node.
    carved_folders: Vec<CarvedFolder>,
}

/// Every message and folder node of the node B-tree with the parent folder its entry records
/// (`nidParent`, [MS-PST] 2.2.2.7.7.4), kept as two sorted lists of id pairs (8 bytes per
/// message) so that the index stays small on large files.
#[derive(Debug, Default)]
struct NodeTreePlacement {
    /// (parent, message or folder), sorted.
    by_parent: Vec<(NodeId, NodeId)>,
    /// (message, parent), sorted.
    by_message: Vec<(NodeId, NodeId)>,
}

impl NodeTreePlacement {
    /// The nodes of type `ty` whose parent is `parent`, in NID order.
    fn children(&self, parent: NodeId, ty: NodeType) -> impl Iterator<Item = NodeId> + '_ {
        let start = self.by_parent.partition_point(|&(p, _)| p < parent);
        self.by_parent
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(move |&&(p, _)| p == parent)
            .map(|&(_, m)| m)
            .filter(move |m| m.node_type() == ty && *m != parent)
    }

    fn parent(&self, message: NodeId) -> Option<NodeId> {
        self.by_message
            .binary_search_by_key(&message, |&(m, _)| m)
            .ok()
            .and_then(|i| self.by_message.get(i))
            .map(|&(_, p)| p)
    }
}

/// How a folder's contents table fared when its messages were listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableListing {
    /// Every row the table declares was read.
    Complete {
        /// Rows read.
        rows: usize,
    },
    /// The table's row index declares more rows than its row matrix holds.
    Truncated {
        /// Rows read.
        rows: usize,
        /// Rows the row index declares.
        declared: usize,
    },
    /// The folder has no contents table node.
    Missing,
    /// The contents table could not be read.
    Unreadable(String),
}

/// A folder's messages, listed from its contents table and from the node tree (the parent
/// each message's node records), with how the two compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderContents {
    /// Table rows first, in table order, then the messages only the node tree places in this
    /// folder, in NID order. Each message once.
    pub items: Vec<NodeId>,
    /// What the contents table gave.
    pub table: TableListing,
    /// How many of `items` only the node tree lists (the table is missing, cut short, or
    /// stale).
    pub from_node_tree: usize,
    /// Table rows whose node the node tree does not hold or places in another folder.
    pub disagreeing_rows: usize,
}

impl FolderContents {
    /// Whether the contents table was read whole and agrees with the node tree.
    pub fn table_agrees(&self) -> bool {
        matches!(self.table, TableListing::Complete { .. })
            && self.from_node_tree == 0
            && self.disagreeing_rows == 0
    }
}

/// What [`Store::message_envelope`] reads of a message.
#[derive(Debug, Clone, Default)]
pub struct Envelope {
    /// The properties asked for and the recipients (no attachments).
    pub message: Message,
    /// The ids of every property the message holds, asked for or not, sorted.
    pub present: Vec<PropId>,
    /// The rows of its attachment table.
    pub attachments: usize,
}

impl Envelope {
    /// Whether the message holds property `id` (read or not).
    pub fn has(&self, id: PropId) -> bool {
        self.present.binary_search(&id).is_ok()
    }
}

/// A folder as listed in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderInfo {
    /// The folder's node id.
    pub nid: NodeId,
    /// Display names from the root folder down (empty for the root itself).
    pub path: Vec<String>,
    /// `PidTagContainerClass` (e.g. `IPF.Appointment`), if set.
    pub container_class: Option<String>,
    /// `PidTagContentCount` as the folder records it.
    pub content_count: Option<i32>,
}

impl FolderInfo {
    /// The folder's own name (the last path element; empty for the root).
    pub fn name(&self) -> &str {
        self.path.last().map_or("", String::as_str)
    }
}

/// The folder tree with what could not be read of it.
#[derive(Debug, Clone, Default)]
pub struct FolderTree {
    /// Every reachable folder, depth first, in hierarchy-table order; the root first.
    pub folders: Vec<FolderInfo>,
    /// Folders or tables that could not be read (the rest of the tree is still listed).
    pub warnings: Vec<Warning>,
}

impl Store {
    /// Opens a file read-only (memory-mapped); carves it when its B-trees cannot be used
    /// ([`Carving::Auto`]).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, Carving::Auto)
    }

    /// Reads a file held in memory; carves it when its B-trees cannot be used.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
        Self::from_bytes_with(bytes, Carving::Auto)
    }

    /// Opens a file read-only, carving as `carving` says.
    pub fn open_with(path: impl AsRef<Path>, carving: Carving) -> Result<Self> {
        let path = path.as_ref();
        match carving {
            Carving::Off => Self::from_ndb(Ndb::open(path)?, None),
            _ => Self::recovering(Ndb::open_for_carving(path)?, carving),
        }
    }

    /// Reads a file held in memory, carving as `carving` says.
    pub fn from_bytes_with(bytes: Vec<u8>, carving: Carving) -> Result<Self> {
        match carving {
            Carving::Off => Self::from_ndb(Ndb::from_bytes(bytes)?, None),
            _ => Self::recovering(Ndb::from_bytes_for_carving(bytes)?, carving),
        }
    }

    /// Opens the store from its B-trees when they can be used (and carving is not forced),
    /// else by carving.
    fn recovering(ndb: Ndb, carving: Carving) -> Result<Self> {
        let roots = !ndb.header_guessed() && ndb.btrees_usable();
        let usable = roots
            && find_root(&ndb).is_ok()
            && ndb.node(NodeId::MESSAGE_STORE).is_ok()
            && (carving == Carving::Force || (ndb.btrees_whole() && ndb.node_blocks_listed()));
        if usable && carving == Carving::Auto {
            return Self::from_ndb(ndb, None);
        }
        // Where the live tree's roots read, what only carved pages hold (older copies in
        // free space, deleted nodes) is recovered apart, not put back in folders.
        let forced = carving == Carving::Force;
        let mut ndb = ndb.carved(roots);
        let (found, codepage_hint, carved_folders) = find_lost_nodes(&ndb);
        let found_messages = found
            .iter()
            .filter(|n| n.nid.node_type() == NodeType::NORMAL_MESSAGE)
            .count();
        ndb.add_found_nodes(found);
        let summary = CarveSummary {
            stats: ndb.carve_stats().unwrap_or_default(),
            forced,
            found_messages,
        };
        let mut store = Self::from_ndb(ndb, Some(summary))?;
        store.carved_folders = carved_folders;
        if store.props.get(pid::MESSAGE_CODEPAGE).is_none() {
            // The store's own code page is lost with its node: the one most found messages
            // name stands in, so that 8-bit strings of items that name none still decode.
            if let Some(cp) = codepage_hint {
                store.codepage = cp;
            }
        }
        Ok(store)
    }

    /// What carving recovered, if the store was opened by carving.
    pub fn carving(&self) -> Option<CarveSummary> {
        self.carve
    }

    /// Folders whose property contexts carving found but whose nodes are lost (older copies
    /// of live folders included), with the message counts they record.
    pub fn carved_folders(&self) -> &[CarvedFolder] {
        &self.carved_folders
    }

    fn from_ndb(ndb: Ndb, carve: Option<CarveSummary>) -> Result<Self> {
        let mut warnings = Vec::new();
        let names = Arc::new(read_name_map(&ndb, &mut warnings));
        let mut props = PropertyBag::with_names(names.clone());
        let mut codepage = DEFAULT_CODEPAGE;
        match LtpNode::open_node(&ndb, NodeId::MESSAGE_STORE).and_then(|n| {
            let pc = PropertyContext::new(&n)?;
            if let Some(cp) = pc
                .get(pid::MESSAGE_CODEPAGE, DEFAULT_CODEPAGE)?
                .and_then(|v| v.as_i32())
            {
                codepage = u32::try_from(cp).unwrap_or(DEFAULT_CODEPAGE);
            }
            Ok(pc.all(codepage, &mut warnings))
        }) {
            Ok(all) => all.into_iter().for_each(|(id, v)| props.insert(id, v)),
            Err(e) => warnings.push(Warning {
                what: format!("message store properties unreadable: {e}"),
                at: Location::node(NodeId::MESSAGE_STORE),
            }),
        }
        let root = match find_root(&ndb) {
            Ok(r) => r,
            // A carved store without a root folder still gives its messages.
            Err(e) if carve.is_some() => {
                warnings.push(Warning::from(e));
                NodeId::ROOT_FOLDER
            }
            Err(e) => return Err(e),
        };
        ndb.note(warnings);
        Ok(Self {
            ndb,
            names,
            props,
            codepage,
            root,
            placement: OnceLock::new(),
            carve,
            carved_folders: Vec::new(),
        })
    }

    /// The node database underneath, for raw access.
    pub fn ndb(&self) -> &Ndb {
        &self.ndb
    }

    /// The file header.
    pub fn header(&self) -> &Header {
        self.ndb.header()
    }

    /// The message store's own properties.
    pub fn properties(&self) -> &PropertyBag {
        &self.props
    }

    /// The store's display name.
    pub fn display_name(&self) -> Option<&str> {
        self.props.str(pid::DISPLAY_NAME)
    }

    /// The named-property map.
    pub fn names(&self) -> &Arc<NameMap> {
        &self.names
    }

    /// The root folder (`NID_ROOT_FOLDER`, or for stores that lack it, the folder that is its
    /// own parent).
    pub fn root_folder(&self) -> NodeId {
        self.root
    }

    /// Everything tolerated so far while reading (bad CRCs, damaged pages and tables...).
    pub fn warnings(&self) -> Vec<Warning> {
        self.ndb.warnings()
    }

    /// A folder's properties.
    pub fn folder_properties(&self, nid: NodeId) -> Result<PropertyBag> {
        let node = LtpNode::open_node(&self.ndb, nid)?;
        let pc = PropertyContext::new(&node)?;
        let mut w = Vec::new();
        let mut bag = PropertyBag::with_names(self.names.clone());
        for (id, v) in pc.all(self.codepage, &mut w) {
            bag.insert(id, v);
        }
        self.ndb.note(w);
        Ok(bag)
    }

    /// The subfolders of a folder, in hierarchy-table order.
    pub fn subfolders(&self, folder: NodeId) -> Result<Vec<NodeId>> {
        self.table_row_ids(folder.with_type(NodeType::HIERARCHY_TABLE))
    }

    /// The messages of a folder (its contents table), in table order.
    pub fn contents(&self, folder: NodeId) -> Result<Vec<NodeId>> {
        self.table_row_ids(folder.with_type(NodeType::CONTENTS_TABLE))
    }

    /// The messages whose node-B-tree entry names `folder` as parent (`nidParent`), in NID
    /// order. This needs neither the folder's node nor its contents table: it is how items
    /// are placed when those are damaged.
    pub fn node_tree_messages(&self, folder: NodeId) -> Vec<NodeId> {
        self.placement()
            .children(folder, NodeType::NORMAL_MESSAGE)
            .collect()
    }

    /// The folder the node B-tree names as a message's parent, if the message has an entry.
    pub fn node_tree_parent(&self, message: NodeId) -> Option<NodeId> {
        self.placement().parent(message)
    }

    fn placement(&self) -> &NodeTreePlacement {
        self.placement.get_or_init(|| {
            let mut by_parent = Vec::new();
            // Nodes found only by carving a file whose B-trees work were deleted from them:
            // they are recovered items, not placed back in a folder.
            let forced = self.ndb.carving_forced();
            self.ndb.for_each_node(&mut |e| {
                let ty = e.nid.node_type();
                let live = !forced || self.ndb.node_origin(e.nid) == Some(NodeOrigin::Live);
                if live && (ty == NodeType::NORMAL_MESSAGE || ty == NodeType::NORMAL_FOLDER) {
                    by_parent.push((e.parent, e.nid));
                }
            });
            let mut by_message: Vec<(NodeId, NodeId)> = by_parent
                .iter()
                .filter(|(_, m)| m.node_type() == NodeType::NORMAL_MESSAGE)
                .map(|&(p, m)| (m, p))
                .collect();
            by_parent.sort_unstable();
            by_message.sort_unstable();
            // A damaged B-tree can list a node twice; the first entry stands.
            by_message.dedup_by_key(|&mut (m, _)| m);
            NodeTreePlacement {
                by_parent,
                by_message,
            }
        })
    }

    /// A folder's messages from its contents table merged with those the node tree places in
    /// it (see [`FolderContents`]): a missing, unreadable, truncated or stale table loses no
    /// message whose node survives.
    pub fn folder_contents(&self, folder: NodeId) -> FolderContents {
        let table_nid = folder.with_type(NodeType::CONTENTS_TABLE);
        let (rows, table) = match LtpNode::open_node(&self.ndb, table_nid) {
            Err(Error::NotFound { tree: "node", .. }) => (Vec::new(), TableListing::Missing),
            Err(e) => (Vec::new(), TableListing::Unreadable(e.to_string())),
            Ok(node) => match TableContext::new(&node) {
                Err(e) => (Vec::new(), TableListing::Unreadable(e.to_string())),
                Ok(tc) => {
                    let rows: Vec<NodeId> = (0..tc.len())
                        .filter_map(|i| tc.row_id(i))
                        .map(NodeId)
                        .collect();
                    let declared = tc.declared_len();
                    let listing = if rows.len() < declared {
                        TableListing::Truncated {
                            rows: rows.len(),
                            declared,
                        }
                    } else {
                        TableListing::Complete { rows: rows.len() }
                    };
                    (rows, listing)
                }
            },
        };
        let placement = self.placement();
        let mut seen: HashSet<NodeId> = HashSet::with_capacity(rows.len());
        let mut items = Vec::with_capacity(rows.len());
        let mut disagreeing_rows = 0;
        for nid in rows {
            if !seen.insert(nid) {
                continue;
            }
            if placement.parent(nid) != Some(folder) {
                disagreeing_rows += 1;
            }
            items.push(nid);
        }
        let listed = items.len();
        items.extend(
            placement
                .children(folder, NodeType::NORMAL_MESSAGE)
                .filter(|m| seen.insert(*m)),
        );
        FolderContents {
            from_node_tree: items.len() - listed,
            items,
            table,
            disagreeing_rows,
        }
    }

    /// The folder-associated messages (views, rules, forms) of a folder.
    pub fn associated_contents(&self, folder: NodeId) -> Result<Vec<NodeId>> {
        self.table_row_ids(folder.with_type(NodeType::ASSOC_CONTENTS_TABLE))
    }

    fn table_row_ids(&self, table: NodeId) -> Result<Vec<NodeId>> {
        let node = match LtpNode::open_node(&self.ndb, table) {
            // No table node: no rows. A table whose blocks are missing is an error.
            Err(Error::NotFound { tree: "node", .. }) => return Ok(Vec::new()),
            other => other?,
        };
        let tc = TableContext::new(&node)?;
        Ok((0..tc.len())
            .filter_map(|i| tc.row_id(i))
            .map(NodeId)
            .collect())
    }

    /// Walks the folder tree from the root, depth first. A folder whose properties or
    /// hierarchy table cannot be read is reported and its siblings are still listed.
    pub fn folders(&self) -> FolderTree {
        let mut tree = FolderTree::default();
        let mut seen = HashSet::new();
        self.walk_folder(self.root, Vec::new(), &mut seen, &mut tree);
        tree
    }

    fn walk_folder(
        &self,
        nid: NodeId,
        path: Vec<String>,
        seen: &mut HashSet<NodeId>,
        tree: &mut FolderTree,
    ) {
        if !seen.insert(nid) || path.len() > MAX_FOLDER_DEPTH {
            tree.warnings.push(Warning {
                at: Location::node(nid),
                what: "folder appears twice in the tree (loop); skipped".into(),
            });
            return;
        }
        let (class, count) = match self.folder_properties(nid) {
            Ok(p) => (
                p.str(pid::CONTAINER_CLASS).map(str::to_owned),
                p.i32(pid::CONTENT_COUNT),
            ),
            Err(e) => {
                tree.warnings.push(Warning {
                    at: Location::node(nid),
                    what: format!("folder properties unreadable: {e}"),
                });
                (None, None)
            }
        };
        tree.folders.push(FolderInfo {
            nid,
            path: path.clone(),
            container_class: class,
            content_count: count,
        });
        let mut children = match self.subfolders(nid) {
            Ok(c) => c,
            Err(e) => {
                tree.warnings.push(Warning {
                    at: Location::node(nid),
                    what: format!(
                        "subfolders unreadable, those the node tree places here are listed: {e}"
                    ),
                });
                Vec::new()
            }
        };
        // Folders the node tree places here that the hierarchy table does not list (it is
        // damaged, cut short or stale) follow the table's, in NID order.
        let listed: HashSet<NodeId> = children.iter().copied().collect();
        children.extend(
            self.placement()
                .children(nid, NodeType::NORMAL_FOLDER)
                .filter(|c| !listed.contains(c) && !seen.contains(c)),
        );
        let row_names = self.hierarchy_names(nid);
        for child in children {
            // A folder whose own node is unreadable keeps the name its parent's hierarchy
            // table gives it: what the node tree places in it still has somewhere to go.
            let name = match self.folder_properties(child) {
                Ok(p) => p.str(pid::DISPLAY_NAME).unwrap_or("").to_owned(),
                Err(_) => row_names
                    .iter()
                    .find(|(n, _)| *n == child)
                    .map(|(_, name)| name.clone())
                    .unwrap_or_else(|| format!("Folder {child}")),
            };
            let mut child_path = path.clone();
            child_path.push(name);
            self.walk_folder(child, child_path, seen, tree);
        }
    }

    /// The display names a folder's hierarchy table gives its subfolders (empty when the
    /// table or the column is unreadable).
    fn hierarchy_names(&self, folder: NodeId) -> Vec<(NodeId, String)> {
        let Ok(node) = LtpNode::open_node(&self.ndb, folder.with_type(NodeType::HIERARCHY_TABLE))
        else {
            return Vec::new();
        };
        let Ok(tc) = TableContext::new(&node) else {
            return Vec::new();
        };
        let Some(col) = tc
            .columns()
            .iter()
            .find(|c| c.tag.id() == pid::DISPLAY_NAME)
            .copied()
        else {
            return Vec::new();
        };
        (0..tc.len())
            .filter_map(|i| {
                let nid = NodeId(tc.row_id(i)?);
                let name = tc.cell(i, &col, self.codepage).ok()??;
                Some((nid, name.as_str()?.to_owned()))
            })
            .collect()
    }

    /// Visits every message of every folder, depth first, loading each in turn (one at a time,
    /// so memory stays at one message). A folder's messages are those of
    /// [`Store::folder_contents`]: its contents table, then what the node tree adds.
    pub fn for_each_message(
        &self,
        visit: &mut dyn FnMut(&FolderInfo, NodeId, Result<Message>),
    ) -> FolderTree {
        let tree = self.folders();
        for f in &tree.folders {
            for id in self.folder_contents(f.nid).items {
                visit(f, id, self.message(id));
            }
        }
        tree
    }

    /// Loads a message with its recipients and attachments, embedded messages included.
    /// Parts that cannot be read are [`Message::losses`]; only a message whose own
    /// properties are unreadable is an error.
    ///
    /// A block read for the message whose CRC does not match is used as read (a few flipped
    /// bits are better than no item) and is a loss of kind [`LossKind::Damaged`], with the
    /// block's id, offset and size. What counts: every block this call reads, on its
    /// thread — the message's data tree (XBLOCKs and data blocks), its subnode tree
    /// (SLBLOCKs, SIBLOCKs) and the blocks of its recipient and attachment tables,
    /// attachments and embedded messages. What does not: B-tree pages (a page whose CRC
    /// fails is a warning of the file, [`Store::warnings`]; the entries it gives are checked
    /// where they are used), the blocks of folders and their tables, of the name-to-id map
    /// and of the message store, and a block whose trailer lies beyond the end of the file
    /// (there is no CRC to compare).
    pub fn message(&self, nid: NodeId) -> Result<Message> {
        let (msg, damaged) = block::recording_damage(|| {
            let node = LtpNode::open_node(&self.ndb, nid)?;
            self.load_message(&node, 0, &mut Budget::default())
        });
        let mut msg = msg.map_err(|e| e.in_node(nid))?;
        msg.nid = Some(nid);
        // Every block read for the message whose CRC fails damaged it (see the doc above).
        msg.losses.extend(damaged.into_iter().map(|b| Loss {
            part: "block".into(),
            why: format!(
                "block CRC does not match; its {} bytes were used as read",
                b.size
            ),
            at: Location {
                node: Some(nid),
                block: Some(b.bid),
                offset: Some(b.ib),
            },
            bytes: u64::from(b.size),
            kind: LossKind::Damaged,
        }));
        // Where in the file is the message's node (the subnode a part came from is local to
        // it); the block and offset, when known, are the part's own.
        for w in &mut msg.warnings {
            w.at.node = Some(nid);
        }
        for l in &mut msg.losses {
            l.at.node = Some(nid);
        }
        Ok(msg)
    }

    /// A message's own properties whose ids `wanted` accepts, and its recipients, without
    /// its attachments (whose count is in [`Envelope::attachments`]): what an index of the
    /// whole store (an address book, a coverage count) needs, at a fraction of the cost of
    /// [`Store::message`]. Unread properties are not decoded at all.
    pub fn message_envelope(
        &self,
        nid: NodeId,
        wanted: &dyn Fn(PropId) -> bool,
    ) -> Result<Envelope> {
        let node = LtpNode::open_node(&self.ndb, nid)?;
        let pc = PropertyContext::new(&node).map_err(|e| e.in_node(nid))?;
        let cp = self.item_codepage(&pc);
        let mut warnings = Vec::new();
        let mut values = Vec::new();
        let mut present = Vec::with_capacity(pc.records().len());
        for rec in pc.records() {
            let id = rec.tag.id();
            present.push(id);
            if !wanted(id) {
                continue;
            }
            match pc.value(*rec, cp) {
                Ok(v) => values.push((id, v.into_owned())),
                Err(e) => warnings.push(Warning::new(
                    e.location().in_node(nid),
                    format!("property {:#010x} skipped: {e}", rec.tag.0),
                )),
            }
        }
        let mut msg = Message {
            nid: Some(nid),
            props: self.bag(values),
            ..Message::default()
        };
        if node.subnode(NID_RECIPIENT_TABLE).is_some() {
            match self.recipients(&node, cp, &mut warnings) {
                Ok(r) => msg.recipients = r,
                Err(e) => warnings.push(Warning::new(
                    e.location().in_node(nid),
                    format!("recipients unreadable: {e}"),
                )),
            }
        }
        let attachments = match node.subnode(NID_ATTACHMENT_TABLE) {
            None => 0,
            Some(_) => node
                .open_subnode(NID_ATTACHMENT_TABLE)
                .and_then(|n| TableContext::new(&n).map(|tc| tc.len()))
                .unwrap_or(0),
        };
        msg.warnings = warnings;
        present.sort_unstable();
        Ok(Envelope {
            message: msg,
            present,
            attachments,
        })
    }

    /// One bag per row of a message's recipient table; cells that cannot be read are skipped
    /// and noted in `warnings`.
    fn recipients(
        &self,
        node: &LtpNode<'_>,
        cp: u32,
        warnings: &mut Vec<Warning>,
    ) -> Result<Vec<PropertyBag>> {
        let n = node.open_subnode(NID_RECIPIENT_TABLE)?;
        let tc = TableContext::new(&n)?;
        Ok((0..tc.len())
            .map(|i| {
                let row = tc.row_values(i, cp, warnings);
                self.bag(row.into_iter().map(|(t, v)| (t.id(), v)).collect())
            })
            .collect())
    }

    fn bag(&self, values: Vec<(PropId, PropValue<'static>)>) -> PropertyBag {
        PropertyBag::from_values(self.names.clone(), values)
    }

    fn load_message(
        &self,
        node: &LtpNode<'_>,
        depth: usize,
        budget: &mut Budget,
    ) -> Result<Message> {
        let pc = PropertyContext::new(node)?;
        let cp = self.item_codepage(&pc);
        let mut unreadable = Vec::new();
        let props = self.bag(pc.all(cp, &mut unreadable));
        let mut msg = Message {
            nid: None,
            props,
            ..Message::default()
        };
        // A value the file holds but that cannot be read (its subnode or heap block is
        // gone) is content lost, not merely tolerated.
        msg.losses.extend(unreadable.into_iter().map(|w| Loss {
            part: "properties".into(),
            why: w.what,
            at: w.at,
            bytes: 0,
            kind: LossKind::Missing,
        }));

        if node.subnode(NID_RECIPIENT_TABLE).is_some() {
            match self.recipients(node, cp, &mut msg.warnings) {
                Ok(r) => msg.recipients = r,
                Err(e) => msg.losses.push(Loss {
                    part: "recipients".into(),
                    at: e.location(),
                    why: e.to_string(),
                    bytes: 0,
                    kind: LossKind::Missing,
                }),
            }
        }

        if node.subnode(NID_ATTACHMENT_TABLE).is_some() {
            let rows = node.open_subnode(NID_ATTACHMENT_TABLE).and_then(|n| {
                let tc = TableContext::new(&n)?;
                Ok((0..tc.len())
                    .filter_map(|i| tc.row_id(i))
                    .map(NodeId)
                    .collect::<Vec<_>>())
            });
            match rows {
                Ok(ids) => {
                    for id in ids {
                        budget.parts += 1;
                        if budget.parts > MAX_PARTS {
                            msg.warnings.push(Warning::new(
                                Location::default(),
                                format!(
                                    "more than {MAX_PARTS} attachments in all; the rest skipped"
                                ),
                            ));
                            break;
                        }
                        let number = msg.attachments.len() + 1;
                        match self.load_attachment(node, id, depth, budget) {
                            Ok((a, losses)) => {
                                let part = match a.filename() {
                                    Some(n) => format!("attachment {number} ({n:?})"),
                                    None => format!("attachment {number}"),
                                };
                                msg.losses.extend(losses.into_iter().map(|l| Loss {
                                    part: format!("{part}: {}", l.part),
                                    ..l
                                }));
                                if let Some(inner) = &a.embedded {
                                    msg.losses.extend(inner.losses.iter().map(|l| Loss {
                                        part: format!("{part}, embedded message: {}", l.part),
                                        ..l.clone()
                                    }));
                                    msg.warnings.extend(inner.warnings.iter().map(|w| {
                                        Warning::new(
                                            w.at,
                                            format!("{part}, embedded message: {}", w.what),
                                        )
                                    }));
                                }
                                msg.attachments.push(a)
                            }
                            Err(e) => msg.losses.push(Loss {
                                part: format!("attachment {number} (node {id})"),
                                at: e.location(),
                                why: format!("skipped: {e}"),
                                bytes: 0,
                                kind: LossKind::Missing,
                            }),
                        }
                    }
                }
                Err(e) => msg.losses.push(Loss {
                    part: "attachments".into(),
                    at: e.location(),
                    why: format!("attachment table unreadable: {e}"),
                    bytes: 0,
                    kind: LossKind::Missing,
                }),
            }
        }
        Ok(msg)
    }

    /// Loads one attachment, with what of its data was lost (an unreadable value, a data
    /// tree cut short): its `part` is `data`.
    fn load_attachment(
        &self,
        message: &LtpNode<'_>,
        nid: NodeId,
        depth: usize,
        budget: &mut Budget,
    ) -> Result<(Attachment, Vec<Loss>)> {
        let node = message.open_subnode(nid)?;
        let pc = PropertyContext::new(&node)?;
        let cp = self.item_codepage(&pc);
        let mut warnings = Vec::new();
        let mut props = self.bag(pc.all(cp, &mut warnings));
        let mut losses = Vec::new();
        if let Some(rec) = pc.record(pid::ATTACH_DATA_BINARY) {
            if rec.tag.ty() == crate::ltp::PropType::BINARY {
                let got = props.binary(pid::ATTACH_DATA_BINARY).map(<[u8]>::len);
                let tree = node
                    .subnode(NodeId(rec.value))
                    .filter(|_| rec.value & 0x1F != 0)
                    .map(|e| e.data);
                let declared = tree.and_then(|b| self.ndb.declared_data_size(b).ok());
                let at = tree.map_or_else(Location::default, Location::block);
                match (got, declared) {
                    (None, d) => losses.push(Loss {
                        part: "data".into(),
                        why: "attachment data unreadable".into(),
                        at,
                        bytes: d.unwrap_or(0),
                        kind: LossKind::Missing,
                    }),
                    (Some(n), Some(d)) if (n as u64) < d => losses.push(Loss {
                        part: "data".into(),
                        why: format!("attachment data cut short: {n} of {d} bytes read"),
                        at,
                        bytes: d - n as u64,
                        kind: LossKind::Missing,
                    }),
                    _ => {}
                }
            }
        }
        let mut att = Attachment {
            props: PropertyBag::new(),
            embedded: None,
        };
        // PidTagAttachDataObject shares its id with PidTagAttachDataBinary: only an object
        // reference is taken here, never the (possibly large) binary value copied.
        let object = match props.get(pid::ATTACH_DATA_OBJECT) {
            Some(PropValue::Object(obj)) => Some(*obj),
            _ => None,
        };
        if let Some(obj) = object {
            let method = props.i32(pid::ATTACH_METHOD).unwrap_or(0);
            if method == 5 {
                if depth >= MAX_EMBEDDING {
                    return Err(Error::corrupt(
                        Location::node(nid),
                        "embedded messages nest too deep",
                    ));
                }
                let sub = node.open_subnode(NodeId(obj.nid))?;
                let inner = self.load_message(&sub, depth + 1, budget)?;
                att.embedded = Some(Box::new(inner));
            } else {
                // OLE attachments: the object's storage bytes are the attachment's data.
                let e = node.subnode(NodeId(obj.nid)).ok_or_else(|| {
                    Error::corrupt(Location::node(nid), "attachment object subnode missing")
                })?;
                let data = self.ndb.read_data(e.data)?.into_owned();
                props.insert(pid::ATTACH_DATA_BINARY, PropValue::Binary(data.into()));
            }
        }
        self.ndb.note(warnings);
        att.props = props;
        Ok((att, losses))
    }

    /// The code page for an item's 8-bit strings: its own, else the store's.
    fn item_codepage(&self, pc: &PropertyContext<'_, '_>) -> u32 {
        [pid::MESSAGE_CODEPAGE, pid::INTERNET_CODEPAGE]
            .iter()
            .find_map(|&id| {
                pc.get(id, self.codepage)
                    .ok()
                    .flatten()
                    .and_then(|v| v.as_i32())
            })
            .and_then(|cp| u32::try_from(cp).ok())
            .filter(|cp| crate::ltp::codepage::encoding_for_codepage(*cp).is_some())
            .unwrap_or(self.codepage)
    }

    /// The folder a message's node entry names as its parent, with that folder's display
    /// name, when the folder's own node can still be read: where a recovered item came from.
    pub fn recorded_folder(&self, message: NodeId) -> Option<(NodeId, String)> {
        let parent = self.ndb.node(message).ok()?.parent;
        if parent.node_type() != NodeType::NORMAL_FOLDER {
            return None;
        }
        let props = self.folder_properties(parent).ok()?;
        Some((parent, props.str(pid::DISPLAY_NAME)?.to_owned()))
    }

    /// Messages still in the file that no reachable contents table lists: deleted items not
    /// yet purged and items whose folder is damaged. `listed` is what the folder walk found.
    pub fn orphans(&self, listed: &HashSet<NodeId>) -> Vec<NodeId> {
        let mut out = Vec::new();
        self.ndb.for_each_node(&mut |e| {
            if e.nid.node_type() == NodeType::NORMAL_MESSAGE && !listed.contains(&e.nid) {
                out.push(e.nid);
            }
        });
        out
    }
}

/// Gives node entries to the property contexts that carving found without one: messages
/// (with the subnode tree that fits them best), and the message store and named-property
/// map when their nodes are missing. A message's subnode tree is chosen among the unclaimed
/// ones nearest in block id (writers allocate a node's blocks together) that hold every
/// subnode its properties refer to, and a recipient table (or, when no such tree is left,
/// without one: a message without recipients has none).
///
/// Also returns the code page most of the messages found name, if any, and the folder
/// property contexts found.
fn find_lost_nodes(ndb: &Ndb) -> (Vec<NodeEntry>, Option<u32>, Vec<CarvedFolder>) {
    struct Candidate {
        data: BlockId,
        needs: Vec<NodeId>,
    }
    let mut messages = Vec::new();
    let mut found = Vec::new();
    let mut codepages: std::collections::BTreeMap<u32, usize> = Default::default();
    let mut folders = Vec::new();
    let mut store_found = ndb.node(NodeId::MESSAGE_STORE).is_ok();
    let mut names_found = ndb.node(NodeId::NAME_TO_ID_MAP).is_ok();
    for &data in ndb.unreferenced_heaps() {
        let probe = NodeId::from_parts(NodeType::NORMAL_MESSAGE, FOUND_NID_BASE);
        let Ok(node) = LtpNode::open(ndb, probe, data, None) else {
            continue;
        };
        let Ok(pc) = PropertyContext::new(&node) else {
            continue;
        };
        let has = |id: PropId| pc.record(id).is_some();
        if has(pid::MESSAGE_CLASS) {
            if let Some(cp) = [pid::MESSAGE_CODEPAGE, pid::INTERNET_CODEPAGE]
                .iter()
                .find_map(|&id| pc.get(id, DEFAULT_CODEPAGE).ok().flatten()?.as_i32())
                .and_then(|cp| u32::try_from(cp).ok())
                .filter(|cp| crate::ltp::codepage::encoding_for_codepage(*cp).is_some())
            {
                *codepages.entry(cp).or_insert(0usize) += 1;
            }
            let mut needs: Vec<NodeId> = pc
                .records()
                .iter()
                .filter(|r| !r.tag.ty().fixed_size().is_some_and(|n| n <= 4))
                .filter(|r| r.value & 0x1F != 0)
                .map(|r| NodeId(r.value))
                .collect();
            needs.sort_unstable();
            needs.dedup();
            messages.push(Candidate { data, needs });
        } else if has(pid::CONTENT_COUNT) && has(pid::DISPLAY_NAME) {
            let cp = DEFAULT_CODEPAGE;
            let name = pc
                .get(pid::DISPLAY_NAME, cp)
                .ok()
                .flatten()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let content_count = pc
                .get(pid::CONTENT_COUNT, cp)
                .ok()
                .flatten()
                .and_then(|v| v.as_i32());
            folders.push(CarvedFolder {
                name,
                content_count,
            });
        } else if !names_found && has(pid::NAMEID_STREAM_GUID) && has(pid::NAMEID_STREAM_ENTRY) {
            names_found = true;
            found.push(NodeEntry {
                nid: NodeId::NAME_TO_ID_MAP,
                data,
                sub: None,
                parent: NodeId(0),
            });
        } else if !store_found && has(pid::RECORD_KEY) && has(pid::IPM_SUBTREE_ENTRY_ID) {
            store_found = true;
            found.push(NodeEntry {
                nid: NodeId::MESSAGE_STORE,
                data,
                sub: None,
                parent: NodeId(0),
            });
        }
    }

    // The subnode trees no node claims, by block id, with the subnodes each holds.
    let mut trees: Vec<(BlockId, Vec<NodeId>)> = ndb
        .unreferenced_subnode_trees()
        .iter()
        .filter_map(|&b| {
            let nids = ndb.subnodes(b).ok()?.into_iter().map(|e| e.nid).collect();
            Some((b, nids))
        })
        .collect();
    trees.sort_unstable_by_key(|(b, _)| b.key());
    // Every fitting pair among the nearest trees, closest first, then taken greedily: first
    // the trees that also hold a recipient table (most messages have one), then, for the
    // messages still without a tree, those that hold every subnode their properties name
    // (a message with no recipients has no recipient table).
    let mut tree_of: Vec<Option<BlockId>> = vec![None; messages.len()];
    let mut taken = vec![false; trees.len()];
    for with_recipients in [true, false] {
        let mut pairs: Vec<(u64, usize, usize)> = Vec::new();
        for (mi, m) in messages.iter().enumerate() {
            if tree_of.get(mi).is_some_and(Option::is_some)
                || (!with_recipients && m.needs.is_empty())
            {
                continue;
            }
            let at = trees.partition_point(|(b, _)| b.key() < m.data.key());
            let lo = at.saturating_sub(SUBTREE_CANDIDATES);
            let hi = at.saturating_add(SUBTREE_CANDIDATES).min(trees.len());
            for (ti, (b, nids)) in trees.iter().enumerate().take(hi).skip(lo) {
                let fits = m.needs.iter().all(|n| nids.binary_search(n).is_ok())
                    && (!with_recipients || nids.binary_search(&NID_RECIPIENT_TABLE).is_ok());
                if fits {
                    pairs.push((b.key().abs_diff(m.data.key()), mi, ti));
                }
            }
        }
        pairs.sort_unstable();
        for (_, mi, ti) in pairs {
            let (Some(slot), Some(t)) = (tree_of.get_mut(mi), taken.get_mut(ti)) else {
                continue;
            };
            if slot.is_none() && !*t {
                *t = true;
                *slot = trees.get(ti).map(|(b, _)| *b);
            }
        }
    }
    // Ids above any the file uses, in file order of the messages' blocks.
    let mut next = FOUND_NID_BASE;
    ndb.for_each_node(&mut |e| next = next.max(e.nid.index().saturating_add(1)));
    for (m, sub) in messages.iter().zip(tree_of) {
        found.push(NodeEntry {
            nid: NodeId::from_parts(NodeType::NORMAL_MESSAGE, next),
            data: m.data,
            sub,
            parent: NodeId(0),
        });
        next = next.saturating_add(1);
    }
    let codepage = codepages
        .into_iter()
        .max_by_key(|&(_, n)| n)
        .map(|(cp, _)| cp);
    (found, codepage, folders)
}

/// Finds the root folder: `NID_ROOT_FOLDER` when present, else the folder that is its own
/// parent (OST files written by Outlook 2013 and later).
fn find_root(ndb: &Ndb) -> Result<NodeId> {
    if ndb.node(NodeId::ROOT_FOLDER).is_ok() {
        return Ok(NodeId::ROOT_FOLDER);
    }
    let mut found = None;
    ndb.for_each_node(&mut |e| {
        if found.is_none() && e.nid.node_type() == NodeType::NORMAL_FOLDER && e.parent == e.nid {
            found = Some(e.nid);
        }
    });
    found.ok_or_else(|| {
        Error::corrupt(
            Location::node(NodeId::ROOT_FOLDER),
            "the file has no root folder",
        )
    })
}

/// Reads the name-to-id map ([MS-PST] 2.4.7): NAMEID entries mapping property ids 0x8000+
/// to (property set, LID or name).
fn read_name_map(ndb: &Ndb, warnings: &mut Vec<Warning>) -> NameMap {
    let mut map = NameMap::default();
    let at = Location::node(NodeId::NAME_TO_ID_MAP);
    let node = match LtpNode::open_node(ndb, NodeId::NAME_TO_ID_MAP) {
        Ok(n) => n,
        Err(e) => {
            warnings.push(Warning {
                at,
                what: format!(
                    "named-property map unreadable, named properties will be missing: {e}"
                ),
            });
            return map;
        }
    };
    let pc = match PropertyContext::new(&node) {
        Ok(pc) => pc,
        Err(e) => {
            warnings.push(Warning {
                at,
                what: format!("named-property map unreadable: {e}"),
            });
            return map;
        }
    };
    let stream = |id: PropId| -> Vec<u8> {
        match pc.get(id, DEFAULT_CODEPAGE) {
            Ok(Some(PropValue::Binary(b))) => b.into_owned(),
            _ => Vec::new(),
        }
    };
    let guids = stream(pid::NAMEID_STREAM_GUID);
    let entries = stream(pid::NAMEID_STREAM_ENTRY);
    let strings = stream(pid::NAMEID_STREAM_STRING);
    for e in entries.chunks_exact(8) {
        let (Some(value), Some(wguid), Some(idx)) = (e.u32_at(0), e.u16_at(4), e.u16_at(6)) else {
            continue;
        };
        let is_string = wguid & 1 != 0;
        let set = match wguid >> 1 {
            0 => continue,
            1 => psets::PS_MAPI,
            2 => psets::PS_PUBLIC_STRINGS,
            n => match guids
                .bytes_at(usize::from(n - 3) * 16, 16)
                .and_then(crate::ltp::Guid::from_slice)
            {
                Some(g) => g,
                None => continue,
            },
        };
        let name = if is_string {
            let off = value as usize;
            let Some(len) = strings.u32_at(off) else {
                continue;
            };
            match strings.bytes_at(off + 4, len as usize) {
                Some(b) => PropName::String(crate::ltp::codepage::decode_utf16(b).into()),
                None => continue,
            }
        } else {
            PropName::Id(value)
        };
        let Some(id) = 0x8000u16.checked_add(idx) else {
            continue;
        };
        map.insert(PropId(id), NamedProp { set, name });
    }
    map
}
