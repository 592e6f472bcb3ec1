//! The per-target ledger: which source item went where.
//!
//! One JSON object per line, appended and flushed as the server confirms each item, so an
//! upload that is killed loses at most the line being written. Before an item is sent a
//! `pending` line names it; if the run dies between that line and the server's answer, the
//! next run asks the server (by Message-ID) whether it arrived before sending it again.
//! A line cut short by the kill is ignored when the ledger is read back.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// `pending` (about to be sent) or `done` (the server accepted it, or already had it).
    pub state: State,
    /// The source item's node id.
    pub nid: u32,
    /// Where it went: the IMAP mailbox name (as sent, modified UTF-7) or the DAV resource URL.
    pub place: String,
    /// The message's Message-ID, or the calendar object's / card's UID.
    pub id: String,
    /// The UID the IMAP server gave the message (UIDPLUS), when it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// Why the item was not sent, when it was skipped as already there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The state of a ledger entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// About to be sent; not known to have arrived.
    Pending,
    /// On the server.
    Done,
}

/// The kind of upload a ledger key belongs to (an item can go to IMAP and to CalDAV).
pub type Channel = &'static str;

/// An open ledger file and what it already records.
#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    file: File,
    done: HashSet<(String, u32)>,
    pending: HashMap<(String, u32), Entry>,
    /// Places (DAV resource URLs) recorded as done.
    done_places: HashSet<String>,
    /// How many done entries each (place, id) has.
    done_ids: HashMap<(String, String), usize>,
}

impl Ledger {
    /// The ledger of `input` going to `target`, in `dir`: one file per pair, named by a digest
    /// of the target and the input's file name and size (so a copy of the same file moved
    /// elsewhere resumes too).
    pub fn open(dir: &Path, target: &str, input: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        let size = fs::metadata(input).map(|m| m.len()).unwrap_or(0);
        let name = input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut h = Sha256::new();
        h.update(target.as_bytes());
        h.update([0]);
        h.update(name.as_bytes());
        h.update([0]);
        h.update(size.to_le_bytes());
        let digest = hex::encode(h.finalize());
        let path = dir.join(format!("{}.jsonl", digest.get(..24).unwrap_or(&digest)));
        Self::open_file(path)
    }

    /// Opens (or creates) the ledger at `path`.
    pub fn open_file(path: PathBuf) -> io::Result<Self> {
        let mut ledger = Self {
            path: path.clone(),
            file: OpenOptions::new().create(true).append(true).open(&path)?,
            done: HashSet::new(),
            pending: HashMap::new(),
            done_places: HashSet::new(),
            done_ids: HashMap::new(),
        };
        if let Ok(f) = File::open(&path) {
            for line in BufReader::new(f).lines() {
                let line = line?;
                // A line cut short by a kill does not parse: it is ignored.
                let Ok(e) = serde_json::from_str::<Entry>(&line) else {
                    continue;
                };
                ledger.note(e);
            }
        }
        // A kill mid-line leaves a fragment: end it so the next entry starts on its own line.
        if ledger.file.metadata()?.len() > 0 {
            ledger.file.write_all(b"\n")?;
        }
        Ok(ledger)
    }

    fn note(&mut self, e: Entry) {
        let key = (channel_of(&e.place).to_owned(), e.nid);
        match e.state {
            State::Done => {
                self.pending.remove(&key);
                self.done.insert(key);
                *self
                    .done_ids
                    .entry((e.place.clone(), e.id.clone()))
                    .or_default() += 1;
                self.done_places.insert(e.place);
            }
            State::Pending => {
                if !self.done.contains(&key) {
                    self.pending.insert(key, e);
                }
            }
        }
    }

    /// Whether something is recorded as done at `place` (a DAV resource URL).
    pub fn is_done_place(&self, place: &str) -> bool {
        self.done_places.contains(place)
    }

    /// How many items with `id` are recorded as done at `place` (an IMAP mailbox).
    pub fn done_with(&self, place: &str, id: &str) -> usize {
        self.done_ids
            .get(&(place.to_owned(), id.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// Where the ledger is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether item `nid` is recorded as done on `channel`.
    pub fn is_done(&self, channel: Channel, nid: u32) -> bool {
        self.done.contains(&(channel.to_owned(), nid))
    }

    /// The pending entry of item `nid` on `channel` from an earlier run, if it never finished.
    pub fn pending(&self, channel: Channel, nid: u32) -> Option<&Entry> {
        self.pending.get(&(channel.to_owned(), nid))
    }

    /// How many items are recorded as done.
    pub fn done_count(&self) -> usize {
        self.done.len()
    }

    /// Records an entry and flushes it to the operating system.
    pub fn record(&mut self, e: &Entry) -> io::Result<()> {
        let mut line = serde_json::to_vec(e)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.flush()?;
        self.note(e.clone());
        Ok(())
    }
}

/// The channel a place belongs to: DAV resources are URLs, everything else is an IMAP mailbox.
pub fn channel_of(place: &str) -> Channel {
    if place.starts_with("https://") || place.starts_with("http://") {
        "dav"
    } else {
        "imap"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(state: State, nid: u32, place: &str) -> Entry {
        Entry {
            state,
            nid,
            place: place.into(),
            id: format!("<{nid}@x>"),
            uid: None,
            note: None,
        }
    }

    #[test]
    fn resumes_done_and_pending_and_ignores_a_cut_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.jsonl");
        {
            let mut l = Ledger::open_file(path.clone()).unwrap();
            l.record(&entry(State::Pending, 1, "INBOX")).unwrap();
            l.record(&entry(State::Done, 1, "INBOX")).unwrap();
            l.record(&entry(State::Pending, 2, "INBOX")).unwrap();
            l.record(&entry(State::Done, 3, "https://h/c/x.ics"))
                .unwrap();
        }
        // A kill in the middle of a line.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"state":"done","nid":2,"pla"#).unwrap();
        drop(f);
        let mut l = Ledger::open_file(path.clone()).unwrap();
        assert!(l.is_done("imap", 1));
        assert!(!l.is_done("imap", 2));
        assert_eq!(l.pending("imap", 2).map(|e| e.nid), Some(2));
        assert!(l.is_done("dav", 3));
        assert!(!l.is_done("imap", 3));
        l.record(&entry(State::Done, 2, "INBOX")).unwrap();
        drop(l);
        let l = Ledger::open_file(path).unwrap();
        assert!(l.is_done("imap", 2));
        assert!(l.pending("imap", 2).is_none());
        assert_eq!(l.done_count(), 3);
    }
}
