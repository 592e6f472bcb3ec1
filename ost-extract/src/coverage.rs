//! What a cache covers: per folder, how many items it holds, the oldest and newest item
//! dates, and how many items are only headers (cached without their body or attachments, as
//! Outlook does in "download headers" mode or for items outside the sync window it fetched
//! the headers of). So the technician can tell the customer what the cache held and what
//! only the old server had.
//!
//! The sync window itself ("Mail to keep offline") is not recorded in the cache: Outlook keeps
//! it in the profile. The oldest date of each mail folder shows how far back the cache
//! reaches.

use chrono::{DateTime, Utc};
use pstkit::messaging::{pid, PropId};
use pstkit::{NodeId, Store};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// `mfHasAttach` of `PidTagMessageFlags` ([MS-OXCMSG] 2.2.1.6).
const MF_HAS_ATTACH: i32 = 0x10;

/// One folder's coverage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderCoverage {
    /// The folder's path from the root, `/`-separated.
    pub folder: String,
    /// Items in the folder (its contents table).
    pub items: u64,
    /// The oldest item date (sent, else received, else created or modified), RFC 3339 UTC.
    pub oldest: Option<String>,
    /// The newest item date, RFC 3339 UTC.
    pub newest: Option<String>,
    /// Mail items cached as headers only: no body (text, HTML or RTF) and no attachments, or
    /// flagged as having attachments while holding none.
    pub headers_only: u64,
    /// Items that could not be read at all.
    pub unreadable: u64,
}

/// A store's coverage: every folder that holds items, and the totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Folders holding items, in tree order.
    pub folders: Vec<FolderCoverage>,
    /// Items in all folders.
    pub items: u64,
    /// Headers-only items in all folders.
    pub headers_only: u64,
    /// The oldest item date of the store, RFC 3339 UTC.
    pub oldest: Option<String>,
    /// The newest item date of the store, RFC 3339 UTC.
    pub newest: Option<String>,
}

/// An item date as written in the report: RFC 3339 in UTC, to the second (sorts as text).
fn stamp(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The date an item stands for, as [`crate::mail::message_date`] takes it.
const DATE_IDS: [PropId; 4] = [
    pid::CLIENT_SUBMIT_TIME,
    pid::MESSAGE_DELIVERY_TIME,
    pid::CREATION_TIME,
    pid::LAST_MODIFICATION_TIME,
];

fn wanted(id: PropId) -> bool {
    DATE_IDS.contains(&id) || id == pid::MESSAGE_CLASS || id == pid::MESSAGE_FLAGS
}

/// One item: its date and whether it is only headers; `None` when it cannot be read.
fn item(store: &Store, nid: NodeId) -> Option<(Option<DateTime<Utc>>, bool)> {
    let env = store.message_envelope(nid, &wanted).ok()?;
    let p = &env.message.props;
    let date = DATE_IDS.iter().find_map(|&id| p.time(id));
    // Messages that carry a body when downloaded in full (not reports, sticky notes...).
    let class = env.message.class().to_ascii_lowercase();
    let mail = ["ipm.note", "ipm.schedule.meeting", "ipm.post"]
        .iter()
        .any(|c| class == *c || class.starts_with(&format!("{c}.")));
    let no_body = !env.has(pid::BODY) && !env.has(pid::BODY_HTML) && !env.has(pid::RTF_COMPRESSED);
    let flagged_attachments = p.i32(pid::MESSAGE_FLAGS).unwrap_or(0) & MF_HAS_ATTACH != 0;
    // No body and no attachment, or attachments flagged that are not there.
    let headers_only = mail && env.attachments == 0 && (no_body || flagged_attachments);
    Some((date, headers_only))
}

/// Measures a store's coverage (folders in parallel).
pub fn coverage(store: &Store) -> Coverage {
    let tree = store.folders();
    let folders: Vec<FolderCoverage> = tree
        .folders
        .par_iter()
        .filter_map(|f| {
            let nids = store.contents(f.nid).ok()?;
            if nids.is_empty() {
                return None;
            }
            let mut c = FolderCoverage {
                folder: f.path.join("/"),
                items: nids.len() as u64,
                ..FolderCoverage::default()
            };
            let (mut oldest, mut newest): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) =
                (None, None);
            for nid in nids {
                match item(store, nid) {
                    None => c.unreadable += 1,
                    Some((date, headers_only)) => {
                        if let Some(d) = date {
                            oldest = Some(oldest.map_or(d, |o| o.min(d)));
                            newest = Some(newest.map_or(d, |n| n.max(d)));
                        }
                        c.headers_only += u64::from(headers_only);
                    }
                }
            }
            c.oldest = oldest.map(stamp);
            c.newest = newest.map(stamp);
            Some(c)
        })
        .collect();
    let mut out = Coverage::default();
    for f in &folders {
        out.items += f.items;
        out.headers_only += f.headers_only;
        // RFC 3339 UTC stamps of one width compare as text.
        out.oldest = match (out.oldest.take(), &f.oldest) {
            (Some(a), Some(b)) => Some(a.min(b.clone())),
            (a, b) => a.or_else(|| b.clone()),
        };
        out.newest = match (out.newest.take(), &f.newest) {
            (Some(a), Some(b)) => Some(a.max(b.clone())),
            (a, b) => a.or_else(|| b.clone()),
        };
    }
    out.folders = folders;
    out
}

/// The coverage as a text table: folder, items, oldest and newest dates, headers only.
pub fn table(c: &Coverage) -> String {
    let day = |d: &Option<String>| {
        d.as_deref()
            .and_then(|d| d.get(..10))
            .unwrap_or("-")
            .to_owned()
    };
    let width = c
        .folders
        .iter()
        .map(|f| f.folder.chars().count())
        .max()
        .unwrap_or(6)
        .clamp(6, 44);
    let mut s = format!(
        "{:<width$}  {:>6}  {:<10}  {:<10}  {:>12}\n",
        "folder", "items", "oldest", "newest", "headers only"
    );
    for f in &c.folders {
        // A long path keeps its end, where the folder's own name is.
        let n = f.folder.chars().count();
        let name: String = if n > width {
            let tail: String = f.folder.chars().skip(n + 1 - width).collect();
            format!("…{tail}")
        } else {
            f.folder.clone()
        };
        s.push_str(&format!(
            "{:<width$}  {:>6}  {:<10}  {:<10}  {:>12}\n",
            name,
            f.items,
            day(&f.oldest),
            day(&f.newest),
            f.headers_only
        ));
    }
    s.push_str(&format!(
        "{:<width$}  {:>6}  {:<10}  {:<10}  {:>12}\n",
        "(all)",
        c.items,
        day(&c.oldest),
        day(&c.newest),
        c.headers_only
    ));
    s
}
