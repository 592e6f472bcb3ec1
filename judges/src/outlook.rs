//! The outlook-pst judge: Microsoft's `outlook-pst` crate (crates.io), which reads Unicode and
//! ANSI PSTs with 512-byte pages. From the root folder down, through each folder's hierarchy
//! and contents tables, every message with its attachment table and attachments.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use outlook_pst::ltp::prop_context::PropertyValue;
use outlook_pst::messaging::attachment::{Attachment as _, AttachmentData};
use outlook_pst::messaging::message::Message as _;
use outlook_pst::messaging::store::Store as _;
use outlook_pst::ndb::node_id::{NodeId, NID_ROOT_FOLDER};
use sha2::{Digest, Sha256};

use crate::{Attachment, Folder, Item, JudgeError, Listing, Root};

const SUBJECT: u16 = 0x0037;
const MESSAGE_CLASS: u16 = 0x001A;
const DISPLAY_NAME: u16 = 0x3001;
const ATTACH_LONG_FILENAME: u16 = 0x3707;
const ATTACH_FILENAME: u16 = 0x3704;
const ATTACH_METHOD: u16 = 0x3705;

fn text(v: Option<&PropertyValue>) -> Option<String> {
    match v? {
        PropertyValue::String8(s) => Some(s.to_string()),
        PropertyValue::Unicode(s) => Some(s.to_string()),
        _ => None,
    }
}

fn int(v: Option<&PropertyValue>) -> Option<i32> {
    match v? {
        PropertyValue::Integer32(i) => Some(*i),
        _ => None,
    }
}

/// `PidTagSubject` without its prefix marker (0x01 and a length character).
fn subject(s: String) -> String {
    let mut chars = s.chars();
    if chars.next() == Some('\u{1}') {
        chars.next();
        chars.as_str().to_owned()
    } else {
        s
    }
}

fn err(e: impl std::fmt::Debug) -> String {
    format!("{e:?}")
}

/// Walks a store of one flavour (Unicode or ANSI): the same code over each set of types.
macro_rules! walk_store {
    ($file:ty, $store:ty, $message:ty, $attachment:ty, $path:expr) => {
        (|| -> Result<Vec<Folder>, String> {
            let pst = <$file>::open($path).map_err(err)?;
            let store = <$store>::read(Rc::new(pst)).map_err(err)?;
            let mut folders = Vec::new();
            // (node id, path), depth first in hierarchy-table order.
            let mut stack: Vec<(NodeId, Vec<String>)> = vec![(NID_ROOT_FOLDER, Vec::new())];
            while let Some((nid, path)) = stack.pop() {
                let entry = store.properties().make_entry_id(nid).map_err(err)?;
                let folder = store.open_folder(&entry).map_err(err)?;
                let mut items = Vec::new();
                if let Some(contents) = folder.contents_table() {
                    for row in contents.rows_matrix() {
                        let id = NodeId::from(u32::from(row.id()));
                        items.push(
                            (|| -> Result<Item, String> {
                                let entry = store.properties().make_entry_id(id).map_err(err)?;
                                let msg =
                                    <$message>::read(store.clone(), &entry, None).map_err(err)?;
                                let props = msg.properties();
                                let mut attachments = Vec::new();
                                if let Some(table) = msg.attachment_table() {
                                    let context = table.context();
                                    for arow in table.rows_matrix() {
                                        // The attachment table's columns give method and name.
                                        let mut cols = HashMap::new();
                                        for (column, value) in context
                                            .columns()
                                            .iter()
                                            .zip(arow.columns(context).map_err(err)?)
                                        {
                                            if let Some(value) = value {
                                                let v = table
                                                    .read_column(&value, column.prop_type())
                                                    .map_err(err)?;
                                                cols.insert(column.prop_id(), v);
                                            }
                                        }
                                        let method = int(cols.get(&ATTACH_METHOD));
                                        let mut name = text(cols.get(&ATTACH_LONG_FILENAME))
                                            .or_else(|| text(cols.get(&ATTACH_FILENAME)));
                                        let (mut size, mut sha256) = (None, None);
                                        // Only by-value attachments are opened: outlook-pst 1.2
                                        // looks an embedded message up among the parent
                                        // message's subnodes, not the attachment's, and fails.
                                        if method == Some(1) {
                                            let aid = NodeId::from(u32::from(arow.id()));
                                            let att = <$attachment>::read(msg.clone(), aid, None)
                                                .map_err(err)?;
                                            let ap = att.properties();
                                            name = text(ap.get(ATTACH_LONG_FILENAME))
                                                .or_else(|| text(ap.get(ATTACH_FILENAME)));
                                            if let Some(AttachmentData::Binary(b)) = att.data() {
                                                size = Some(b.buffer().len() as u64);
                                                sha256 =
                                                    Some(hex::encode(Sha256::digest(b.buffer())));
                                            }
                                        }
                                        attachments.push(Attachment {
                                            name,
                                            method,
                                            size,
                                            sha256,
                                        });
                                    }
                                }
                                Ok(Item {
                                    subject: text(props.get(SUBJECT)).map(subject),
                                    class: text(props.get(MESSAGE_CLASS)),
                                    attachments,
                                    ..Item::default()
                                })
                            })()
                            .unwrap_or_else(|e| Item {
                                error: Some(e),
                                ..Item::default()
                            }),
                        );
                    }
                }
                let mut subs = Vec::new();
                if let Some(hierarchy) = folder.hierarchy_table() {
                    for row in hierarchy.rows_matrix() {
                        let id = NodeId::from(u32::from(row.id()));
                        let entry = store.properties().make_entry_id(id).map_err(err)?;
                        let sub = store.open_folder(&entry).map_err(err)?;
                        let name = text(sub.properties().get(DISPLAY_NAME)).unwrap_or_default();
                        let mut p = path.clone();
                        p.push(name);
                        subs.push((id, p));
                    }
                }
                stack.extend(subs.into_iter().rev());
                folders.push(Folder {
                    path,
                    items,
                    associated: Vec::new(),
                });
            }
            Ok(folders)
        })()
    };
}

/// Lists `path` with outlook-pst.
pub(crate) fn list(path: &Path) -> Result<Listing, JudgeError> {
    use outlook_pst::messaging::attachment::{AnsiAttachment, UnicodeAttachment};
    use outlook_pst::messaging::message::{AnsiMessage, UnicodeMessage};
    use outlook_pst::messaging::store::{AnsiStore, UnicodeStore};
    use outlook_pst::{AnsiPstFile, UnicodePstFile};

    let unicode = walk_store!(
        UnicodePstFile,
        UnicodeStore,
        UnicodeMessage,
        UnicodeAttachment,
        path
    );
    let folders = match unicode {
        Ok(f) => f,
        Err(u) => walk_store!(AnsiPstFile, AnsiStore, AnsiMessage, AnsiAttachment, path)
            .map_err(|a| JudgeError::Failed(format!("as Unicode: {u}; as ANSI: {a}")))?,
    };
    Ok(Listing {
        root: Root::Store,
        ipm: None,
        folders,
    })
}
