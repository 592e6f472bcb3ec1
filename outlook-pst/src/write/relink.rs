//! Store-relative ids of a copied item, made to name the same objects in the new store.
//!
//! An entry id of a PST or OST object is 4 flag bytes, the store's record key and the
//! object's node id ([MS-PST] 2.4.3.2). Items carry such ids of other objects of their store;
//! copied into another store as they are, they would name objects of the old one. [`Relink`]
//! rewrites them: the old record key becomes the new store's, and the node id becomes the one
//! the object got in the new store (a folder's is always new, a message's only when it could
//! not keep its own). It recognises three forms of value:
//! - the entry id itself, 24 bytes;
//! - a WrappedEntryId ([MS-OXOCNTC] 2.2.2.2.4.1.1) of a contact's address or of a personal
//!   distribution list (`Type` 3 or 4 in its low bits), around such an entry id;
//! - a Contact Address EntryID or Personal Distribution List EntryID of the Contacts address
//!   book ([MS-OXCDATA] 2.2.5.3, 2.2.5.4), around such an entry id.
//!
//! and rewrites them in these properties, where the specifications put store-relative ids on
//! items (values in other properties are copied as they are):
//! - of a message: `PidTagSentMailEntryId` (the folder a sent message goes to),
//!   `PidTagParentEntryId`, `PidTagSenderEntryId`, `PidTagSentRepresentingEntryId`,
//!   `PidTagReceivedByEntryId`, `PidTagReceivedRepresentingEntryId`, `PidTagWlinkEntryId`
//!   (a navigation-pane shortcut's folder, [MS-OXOCFG] 2.2.9), and of contacts and lists
//!   `PidLidDistributionListMembers` ([MS-OXOCNTC] 2.2.2.2.1), `PidLidReferenceEntryId`,
//!   `PidLidBirthdayEventEntryId`, `PidLidWeddingAnniversaryEventEntryId` and
//!   `PidLidEmail1OriginalEntryId` to `PidLidEmail3OriginalEntryId`;
//! - of a recipient row: `PidTagEntryId` and `PidTagRecipientEntryId`;
//!
//! in embedded messages too. When a list's members change, `PidLidDistributionListChecksum`
//! ([MS-OXOCNTC] 2.2.2.2.3: the CRC of [MS-PST] 5.3 over the members' bytes one after the
//! other) is computed again, if it matched the old members.
//!
//! Not rewritten: one-off entry ids (`PidLidDistributionListOneOffMembers`; they name no
//! object), address-book entry ids of the Exchange directory, ids that name an object of
//! another store (another record key), conversation, reminder and global object ids (not
//! store-relative), Exchange long-term ids in OSTs (they name items by source key, not node
//! id), and the entry ids inside streams (`PidLidDistributionListStream`, the autocomplete
//! stream `PidTagRoamingBinary`). An id whose object has no node of its own in the new store
//! (a folder left out) keeps its node id and takes the new record key only when that node is
//! a message's.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::ltp::prop::{PropId, PropValue};
use crate::messaging::entryid::{CONTAB_UID, WRAPPED_UID};
use crate::messaging::{pid, NamedProp, PropertyBag};
use crate::ndb::crc::crc32;
use crate::ndb::{NodeId, NodeType};

/// Length of a PST/OST entry id: flags, record key, node id.
const ENTRY_ID_LEN: usize = 24;

/// Tagged properties of messages and recipient rows that hold store-relative entry ids.
const TAGGED: [PropId; 9] = [
    pid::SENT_MAIL_ENTRY_ID,
    pid::PARENT_ENTRY_ID,
    pid::SENDER_ENTRY_ID,
    pid::SENT_REPRESENTING_ENTRY_ID,
    pid::RECEIVED_BY_ENTRY_ID,
    pid::RECEIVED_REPRESENTING_ENTRY_ID,
    pid::WLINK_ENTRY_ID,
    pid::RECIPIENT_ENTRY_ID,
    pid::RECIPIENT_OWN_ENTRY_ID,
];

/// Named properties of contacts and lists that hold store-relative entry ids.
const NAMED: [NamedProp; 7] = [
    pid::LID_DISTRIBUTION_LIST_MEMBERS,
    pid::LID_REFERENCE_ENTRY_ID,
    pid::LID_BIRTHDAY_EVENT_ENTRY_ID,
    pid::LID_WEDDING_ANNIVERSARY_EVENT_ENTRY_ID,
    pid::LID_EMAIL1_ORIGINAL_ENTRY_ID,
    pid::LID_EMAIL2_ORIGINAL_ENTRY_ID,
    pid::LID_EMAIL3_ORIGINAL_ENTRY_ID,
];

/// How the ids of one source store become ids of the new store; see the module documentation.
#[derive(Debug, Clone)]
pub struct Relink {
    source: [u8; 16],
    target: [u8; 16],
    /// Source node id -> node id in the new store: every folder that has one, and the
    /// messages that were renumbered.
    nodes: HashMap<u32, u32>,
}

impl Relink {
    /// Ids of the store whose record key is `source` become ids of the store whose record
    /// key is `target`.
    pub fn new(source: [u8; 16], target: [u8; 16]) -> Self {
        Self {
            source,
            target,
            nodes: HashMap::new(),
        }
    }

    /// Records that the source's node `source` is `new` in the new store.
    pub fn map_node(&mut self, source: NodeId, new: NodeId) {
        self.nodes.insert(source.0, new.0);
    }

    /// Whether the source's node `nid` is known to have a node in the new store: a folder
    /// only when [`Self::map_node`] gave it one, other nodes (messages) always.
    fn new_nid(&self, nid: u32) -> Option<u32> {
        match self.nodes.get(&nid) {
            Some(n) => Some(*n),
            None if matches!(
                NodeId(nid).node_type(),
                NodeType::NORMAL_FOLDER | NodeType::SEARCH_FOLDER
            ) =>
            {
                None
            }
            None => Some(nid),
        }
    }

    /// `bytes` rewritten for the new store when they are a store-relative id of the source
    /// store in one of the forms of the module documentation; `None` otherwise.
    pub fn entry_id(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        // The embedded entry id's offset.
        let at = if bytes.len() == ENTRY_ID_LEN {
            0
        } else if bytes.get(4..20)? == WRAPPED_UID {
            // Contact (3) or personal distribution list (4): a message of the store.
            if !matches!(bytes.get(20)? & 0x0F, 3 | 4) || bytes.len() != 21 + ENTRY_ID_LEN {
                return None;
            }
            21
        } else if bytes.get(4..20)? == CONTAB_UID {
            let version = u32::from_le_bytes(bytes.get(20..24)?.try_into().ok()?);
            let count = u32::from_le_bytes(bytes.get(32..36)?.try_into().ok()?);
            if version != 3 || count as usize != ENTRY_ID_LEN {
                return None;
            }
            36
        } else {
            return None;
        };
        let inner = bytes.get(at..at + ENTRY_ID_LEN)?;
        if inner.get(4..20)? != self.source {
            return None;
        }
        let nid = u32::from_le_bytes(inner.get(20..24)?.try_into().ok()?);
        let new = self.new_nid(nid)?;
        let mut out = bytes.to_vec();
        out.get_mut(at + 4..at + 20)?.copy_from_slice(&self.target);
        out.get_mut(at + 20..at + 24)?
            .copy_from_slice(&new.to_le_bytes());
        Some(out)
    }

    /// A value rewritten: a binary one, or each value of a multi-valued binary one.
    fn value(&self, v: &PropValue<'_>) -> Option<PropValue<'static>> {
        match v {
            PropValue::Binary(b) => self.entry_id(b).map(|n| PropValue::Binary(Cow::Owned(n))),
            PropValue::MultipleBinary(list) => {
                let new: Vec<Option<Vec<u8>>> = list.iter().map(|b| self.entry_id(b)).collect();
                if new.iter().all(Option::is_none) {
                    return None;
                }
                Some(PropValue::MultipleBinary(
                    new.into_iter()
                        .zip(list)
                        .map(|(n, b)| n.unwrap_or_else(|| b.clone()))
                        .collect(),
                ))
            }
            _ => None,
        }
    }

    /// The properties of `bag` (a message's or a recipient row's) that change in the new
    /// store, by their id in `bag`, with their new values.
    pub fn changes(&self, bag: &PropertyBag) -> Vec<(PropId, PropValue<'static>)> {
        let mut out = Vec::new();
        for id in TAGGED {
            if let Some(n) = bag.get(id).and_then(|v| self.value(v)) {
                out.push((id, n));
            }
        }
        for name in &NAMED {
            let Some(id) = bag.names().id(name) else {
                continue;
            };
            let Some(old) = bag.get(id) else { continue };
            let Some(new) = self.value(old) else { continue };
            if *name == pid::LID_DISTRIBUTION_LIST_MEMBERS {
                if let Some(sum) = checksum_change(bag, old, &new) {
                    out.push(sum);
                }
            }
            out.push((id, new));
        }
        out
    }
}

/// `PidLidDistributionListChecksum` for the members `new`, when `bag` has one that matched
/// the members `old`.
fn checksum_change(
    bag: &PropertyBag,
    old: &PropValue<'_>,
    new: &PropValue<'_>,
) -> Option<(PropId, PropValue<'static>)> {
    let id = bag.names().id(&pid::LID_DISTRIBUTION_LIST_CHECKSUM)?;
    let stored = bag.get(id)?.as_i32()? as u32;
    (members_crc(old)? == stored).then_some(())?;
    Some((id, PropValue::Integer32(members_crc(new)? as i32)))
}

/// The CRC of a list's members' bytes, one member after the other.
pub fn members_crc(v: &PropValue<'_>) -> Option<u32> {
    match v {
        PropValue::MultipleBinary(list) => Some(crc32(&list.concat())),
        PropValue::Binary(b) => Some(crc32(b)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: [u8; 16] = [0x11; 16];
    const NEW: [u8; 16] = [0x22; 16];

    fn eid(key: [u8; 16], nid: u32) -> Vec<u8> {
        let mut e = vec![0u8; 4];
        e.extend_from_slice(&key);
        e.extend_from_slice(&nid.to_le_bytes());
        e
    }

    fn wrapped(ty: u8, key: [u8; 16], nid: u32) -> Vec<u8> {
        let mut e = vec![0u8; 4];
        e.extend_from_slice(&WRAPPED_UID);
        e.push(ty);
        e.extend_from_slice(&eid(key, nid));
        e
    }

    #[test]
    fn entry_ids_of_messages_and_folders() {
        let mut r = Relink::new(OLD, NEW);
        let folder = NodeId::from_parts(NodeType::NORMAL_FOLDER, 0x404);
        // A folder without a node in the new store stays as it is.
        assert_eq!(r.entry_id(&eid(OLD, folder.0)), None);
        r.map_node(folder, NodeId(0x8022));
        assert_eq!(r.entry_id(&eid(OLD, folder.0)), Some(eid(NEW, 0x8022)));
        // A message keeps its node unless it was renumbered.
        assert_eq!(r.entry_id(&eid(OLD, 0x20_0064)), Some(eid(NEW, 0x20_0064)));
        r.map_node(NodeId(0x20_0064), NodeId(0x20_0084));
        assert_eq!(r.entry_id(&eid(OLD, 0x20_0064)), Some(eid(NEW, 0x20_0084)));
        // Another store's, or no entry id at all.
        assert_eq!(r.entry_id(&eid([0x33; 16], 0x20_0064)), None);
        assert_eq!(r.entry_id(&[0u8; 23]), None);
        assert_eq!(r.entry_id(&[]), None);
    }

    #[test]
    fn wrapped_and_contab_forms() {
        let r = Relink::new(OLD, NEW);
        // 0xC3: a contact's Email1, as Outlook writes it.
        assert_eq!(
            r.entry_id(&wrapped(0xC3, OLD, 0x20_0064)),
            Some(wrapped(0xC3, NEW, 0x20_0064))
        );
        assert_eq!(
            r.entry_id(&wrapped(0x84, OLD, 0x20_0024)),
            Some(wrapped(0x84, NEW, 0x20_0024))
        );
        // A GAL user (5) holds an address-book entry id: not the store's.
        assert_eq!(r.entry_id(&wrapped(0x85, OLD, 0x20_0064)), None);
        let contab = |key| {
            let mut e = vec![0u8; 4];
            e.extend_from_slice(&CONTAB_UID);
            for x in [3u32, 4, 0, 24] {
                e.extend_from_slice(&x.to_le_bytes());
            }
            e.extend_from_slice(&eid(key, 0x20_00A4));
            e.extend_from_slice(&[0, 0, 0]);
            e
        };
        assert_eq!(r.entry_id(&contab(OLD)), Some(contab(NEW)));
    }

    #[test]
    fn members_and_their_checksum() {
        let names = std::sync::Arc::new(crate::messaging::NameMap::default());
        let mut bag = PropertyBag::with_names(names);
        let one_off = vec![7u8; 40];
        let old = vec![wrapped(0xC3, OLD, 0x20_0064), one_off.clone()];
        let sum = crc32(&old.concat());
        bag.insert_named(
            &pid::LID_DISTRIBUTION_LIST_MEMBERS,
            PropValue::MultipleBinary(old),
        );
        bag.insert_named(
            &pid::LID_DISTRIBUTION_LIST_CHECKSUM,
            PropValue::Integer32(sum as i32),
        );
        let r = Relink::new(OLD, NEW);
        let changes = r.changes(&bag);
        let new = vec![wrapped(0xC3, NEW, 0x20_0064), one_off];
        let members = bag.names().id(&pid::LID_DISTRIBUTION_LIST_MEMBERS).unwrap();
        let check = bag
            .names()
            .id(&pid::LID_DISTRIBUTION_LIST_CHECKSUM)
            .unwrap();
        assert!(changes.contains(&(members, PropValue::MultipleBinary(new.clone()))));
        assert!(changes.contains(&(check, PropValue::Integer32(crc32(&new.concat()) as i32))));
        // A stale checksum stays stale.
        bag.insert(check, PropValue::Integer32(5));
        assert!(r.changes(&bag).iter().all(|(id, _)| *id != check));
    }
}
