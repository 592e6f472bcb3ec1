//! A new personal folders file to copy a store into: the Unicode PST ([MS-PST] 2.2.2.6,
//! `wVer` 23) that Outlook writes today, permute-encrypted ("compressible", [MS-PST] 5.1) as
//! Outlook encrypts new files, with the skeleton every PST has: the root folder, "Top of
//! Personal Folders" (the IPM subtree) and "Search Root".
//!
//! Messages read from any store (an OST, another PST) go in with every property they carry:
//! tagged properties with their types, multi-valued and large values, named properties by
//! property set and name or LID (given this file's own ids, [MS-PST] 2.4.7), the recipient table
//! with all its columns, attachments by value, by reference and OLE (their object data as
//! `PidTagAttachDataBinary`, as the reader returns it), and embedded messages to any depth.
//! The writer streams: each message goes to the file when it is added.

use std::io::{self, Seek, Write};

use crate::messaging::{psets, Message, NamedProp};
use crate::ndb::{Client, CryptMethod, Layout, NodeId};
use crate::write::messaging::{FolderId, SpecialFolder, StoreOptions, StoreWriter};
use crate::write::ndb::NdbWriter;
use crate::write::relink::Relink;

/// Named properties every store Outlook creates maps before it holds any item (Microsoft's
/// empty PST has these among its first): the message headers' `content-class`, the
/// categories (`Keywords`) and the reminder flag and time. With them the name-to-id map's
/// GUID, entry and string streams are never empty, as in every file Outlook writes; readers
/// (`pst-extractor`) take an empty stream for a reference to a subnode that is not there.
fn base_names() -> [NamedProp; 4] {
    [
        NamedProp::string(psets::PS_INTERNET_HEADERS, "content-class"),
        NamedProp::string(psets::PS_PUBLIC_STRINGS, "Keywords"),
        // PidLidReminderSet, PidLidReminderTime.
        NamedProp::lid(psets::PSETID_COMMON, 0x8503),
        NamedProp::lid(psets::PSETID_COMMON, 0x8502),
    ]
}

/// A PST being written; see the module documentation.
pub struct PstWriter<W: Write + Seek> {
    store: StoreWriter<NdbWriter<W>>,
    top: FolderId,
    messages: u64,
    record_key: [u8; 16],
}

impl<W: Write + Seek> PstWriter<W> {
    /// Starts a PST on `out` whose store is named `display_name`, with `record_key` as the
    /// store's record key (the provider part of its entry ids).
    pub fn new(out: W, display_name: &str, record_key: [u8; 16]) -> io::Result<Self> {
        let ndb = NdbWriter::new(out, Layout::Unicode, Client::Pst, CryptMethod::Permute)?;
        let mut store = StoreWriter::new(
            ndb,
            StoreOptions {
                display_name: display_name.to_owned(),
                omit_ipm_subtree_entry_id: false,
                record_key,
                ansi_encoding: None,
                ansi_codepage: 0,
            },
        );
        for name in base_names() {
            store.register_name(&name);
        }
        let root = store.root();
        let top = store.add_folder(root, "Top of Personal Folders", None);
        store.set_special(SpecialFolder::IpmSubtree, top);
        let search = store.add_folder(root, "Search Root", None);
        store.set_special(SpecialFolder::Finder, search);
        Ok(Self {
            store,
            top,
            messages: 0,
            record_key,
        })
    }

    /// Rewrites the store-relative ids (entry ids of folders and messages, list members) of
    /// the messages added from now on, which come from the store whose record key is
    /// `source`, to name the same objects in this file ([`Relink`] says which). Map the
    /// source's folders with [`Self::map_folder`].
    pub fn relink_from(&mut self, source: [u8; 16]) {
        self.store.set_relink(Relink::new(source, self.record_key));
    }

    /// Records that the source's folder `source` is `folder` of this file, for the ids that
    /// name it ([`Self::relink_from`]).
    pub fn map_folder(&mut self, source: NodeId, folder: FolderId) {
        let nid = self.store.folder_nid(folder);
        if let Some(r) = self.store.relink_mut() {
            r.map_node(source, nid);
        }
    }

    /// Keeps the node ids `nids` for the messages of the source that have them (see
    /// [`StoreWriter::reserve_message_nids`]): pass every message still to be added.
    pub fn reserve_message_nids(&mut self, nids: impl IntoIterator<Item = NodeId>) {
        self.store.reserve_message_nids(nids);
    }

    /// The root folder, above "Top of Personal Folders" and "Search Root".
    pub fn root(&self) -> FolderId {
        self.store.root()
    }

    /// "Top of Personal Folders": the folder the user's folders go under.
    pub fn top(&self) -> FolderId {
        self.top
    }

    /// Names "Top of Personal Folders" `name` (the source's own IPM subtree name, e.g. a
    /// localized one).
    pub fn name_top(&mut self, name: &str) {
        self.store.rename_folder(self.top, name);
    }

    /// Adds a folder under `parent` with its name and `PidTagContainerClass`.
    pub fn add_folder(&mut self, parent: FolderId, name: &str, class: Option<&str>) -> FolderId {
        self.store.add_folder(parent, name, class)
    }

    /// Makes `folder` the PST's own special folder `which` (Inbox, Sent Items, Calendar...), so
    /// that an import "into the same folder" puts its items there.
    pub fn set_special(&mut self, which: SpecialFolder, folder: FolderId) {
        self.store.set_special(which, folder);
    }

    /// Writes `msg` into `folder`.
    pub fn add_message(&mut self, folder: FolderId, msg: &Message) -> io::Result<NodeId> {
        let nid = self.store.add_message(folder, msg)?;
        self.messages += 1;
        Ok(nid)
    }

    /// Writes `msg` as a folder-associated (hidden) item of `folder`.
    pub fn add_associated_message(
        &mut self,
        folder: FolderId,
        msg: &Message,
    ) -> io::Result<NodeId> {
        let nid = self.store.add_associated_message(folder, msg)?;
        self.messages += 1;
        Ok(nid)
    }

    /// Messages (of both kinds) written so far.
    pub fn message_count(&self) -> u64 {
        self.messages
    }

    /// Bytes written so far; the finished file is this plus its folders, B-trees and maps.
    pub fn bytes_written(&self) -> u64 {
        self.store.sink().position()
    }

    /// Writes the folders, the message store, the name-to-id map, both B-trees, the maps and
    /// the header; returns the output.
    pub fn finish(self) -> io::Result<W> {
        let (ndb, _) = self.store.finish()?;
        ndb.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check_bytes;
    use crate::ltp::tc::TableContext;
    use crate::ltp::{LtpNode, PropValue};
    use crate::messaging::pid;
    use crate::ndb::NodeType;
    use crate::Store;
    use std::borrow::Cow;
    use std::io::Cursor;

    fn subject(i: usize) -> String {
        format!("message {i:05} {}", "é".repeat(i % 400))
    }

    /// A folder of 4,000 messages: its contents table's heap (1.6 MB of subjects, about 200
    /// pages, HNBITMAPHDR pages among them) and its row matrix go to the file as rows come.
    /// The file checks clean, and the table lists every message in order with its values.
    #[test]
    fn a_large_folder_s_contents_table_is_written_as_messages_come() {
        let mut w = PstWriter::new(Cursor::new(Vec::new()), "big", [7; 16]).unwrap();
        let folder = w.add_folder(w.top(), "Big", Some("IPF.Note"));
        let n = 4000;
        for i in 0..n {
            let mut m = Message::default();
            m.props
                .insert(pid::SUBJECT, PropValue::String(Cow::Owned(subject(i))));
            m.props.insert(
                pid::MESSAGE_CLASS,
                PropValue::String(Cow::Borrowed("IPM.Note")),
            );
            m.props
                .insert(pid::MESSAGE_FLAGS, PropValue::Integer32((i % 2) as i32));
            w.add_message(folder, &m).unwrap();
        }
        let bytes = w.finish().unwrap().into_inner();
        let report = check_bytes(bytes.clone()).unwrap();
        assert!(report.is_clean(), "{:?}", report.findings);

        let store = Store::from_bytes(bytes).unwrap();
        let tree = store.folders();
        let big = tree.folders.iter().find(|f| f.name() == "Big").unwrap();
        let props = store.folder_properties(big.nid).unwrap();
        assert_eq!(props.i32(pid::CONTENT_COUNT), Some(n as i32));
        assert_eq!(props.i32(pid::CONTENT_UNREAD_COUNT), Some((n / 2) as i32));
        let rows = store.contents(big.nid).unwrap();
        assert_eq!(rows.len(), n);

        let table = big.nid.with_type(NodeType::CONTENTS_TABLE);
        let node = LtpNode::open_node(store.ndb(), table).unwrap();
        let heap_bytes = store
            .ndb()
            .read_data(store.ndb().node(table).unwrap().data)
            .unwrap()
            .len();
        assert!(heap_bytes > 140 * 8000, "heap of {heap_bytes} bytes");
        let tc = TableContext::new(&node).unwrap();
        let col = tc
            .columns()
            .iter()
            .find(|c| c.tag.id() == pid::SUBJECT)
            .copied()
            .unwrap();
        for (i, nid) in rows.iter().enumerate() {
            let cell = tc.cell(i, &col, 0).unwrap();
            assert_eq!(
                cell,
                Some(PropValue::String(Cow::Owned(subject(i)))),
                "row {i}"
            );
            let msg = store.message(*nid).unwrap();
            assert_eq!(msg.props.str(pid::SUBJECT), Some(subject(i).as_str()));
        }
    }
}
