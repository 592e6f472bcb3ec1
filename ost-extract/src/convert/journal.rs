//! Resuming inside an input: the folders already written, and what their conversion reported.
//!
//! While an input is converted, each folder whose files are all in place is appended, as one
//! JSON line with its counts, failures, warnings and skipped items, to `.resume.jsonl` in the
//! input's output folder; the first line says which input and options the run was for. An
//! interrupted conversion (Ctrl-C stops starting folders, lets those in flight finish) leaves
//! the journal and no `report.json`; `--resume` converts only the folders the journal does not
//! list, and takes the others' outcomes from it, so that its `report.json` is the one an
//! uninterrupted run writes. A folder cut off in the middle (the process killed) is not in the
//! journal and is converted again from its start: its files get the same names and each is
//! replaced atomically. The journal is removed before `report.json` is written.
//!
//! Only outputs that are complete folder by folder ([`Sink::resumes_by_folder`]) can resume
//! this way; with any other (the PST, one file for the whole input) an input is the unit.
//!
//! [`Sink::resumes_by_folder`]: super::Sink::resumes_by_folder

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::fs::{werr, WriteError};
use super::report::{Counts, Failure, ItemWarning, Kind, Skipped};
use super::sink::Log;

/// The journal's file name in an input's output folder.
pub const FILE_NAME: &str = ".resume.jsonl";

/// The run a journal belongs to: the same input, unchanged, converted with the same options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Header {
    /// The input file.
    pub input: String,
    /// Its size.
    pub size: u64,
    /// Its modification time (nanoseconds since the Unix epoch), when known.
    pub modified: Option<u128>,
    /// The options and outputs, as text.
    pub options: String,
}

impl Header {
    /// The header of `input` converted with options described by `options`.
    pub fn of(input: &Path, options: String) -> Self {
        let meta = fs::metadata(input).ok();
        Self {
            input: input.display().to_string(),
            size: meta.as_ref().map_or(0, |m| m.len()),
            modified: meta
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos()),
            options,
        }
    }
}

/// What one folder's conversion reported: what `report.json` needs of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FolderOutcome {
    /// The folder's position in the plan.
    pub index: usize,
    /// Its path as reports show it.
    pub folder: String,
    /// Items it held (for progress, and to say how many a resumed run did not convert again).
    pub items: u64,
    /// Counts by kind.
    pub counts: BTreeMap<Kind, Counts>,
    /// Items and parts lost.
    pub failures: Vec<Failure>,
    /// Notes.
    pub warnings: Vec<ItemWarning>,
    /// Items an output left out on purpose.
    pub skipped: Vec<Skipped>,
    /// Items every output left out, by reason.
    pub left_out: BTreeMap<String, u64>,
    /// What resolving its items' addresses counted, for the address report.
    pub addresses: crate::addressbook::Tally,
}

impl FolderOutcome {
    /// The outcome of the folder at `index` (holding `items` items), from its log.
    pub fn of(index: usize, items: u64, log: Log, addresses: crate::addressbook::Tally) -> Self {
        Self {
            index,
            folder: log.folder().to_owned(),
            items,
            counts: log.counts,
            failures: log.failures,
            warnings: log.warnings,
            skipped: log.skipped,
            left_out: log.left_out,
            addresses,
        }
    }
}

/// An open journal, appended to from the folders' threads.
pub(crate) struct Journal {
    path: PathBuf,
    file: Mutex<File>,
}

/// The folders an earlier, interrupted run finished, by their position in the plan.
pub(crate) type Finished = HashMap<usize, FolderOutcome>;

/// Whether `out` holds a journal.
pub fn exists(out: &Path) -> bool {
    out.join(FILE_NAME).is_file()
}

impl Journal {
    /// Opens the journal of `out` for a run described by `header`. A journal of the same run
    /// gives the folders it finished (a last line cut short is ignored: that folder is done
    /// again); a journal of another run is stale: `false` is returned with no folders, and
    /// the caller clears the output folder before anything is written.
    pub fn open(out: &Path, header: &Header) -> Result<(Self, Finished, bool), WriteError> {
        let path = out.join(FILE_NAME);
        let mut finished = Finished::new();
        let mut same_run = true;
        if let Ok(f) = File::open(&path) {
            let mut lines = BufReader::new(f).lines();
            let first = lines.next().and_then(Result::ok);
            let theirs = first.and_then(|l| serde_json::from_str::<Header>(&l).ok());
            if theirs.as_ref() == Some(header) {
                // A line cut short (the process killed while writing it) is no folder done.
                for line in lines {
                    let Ok(line) = line else { break };
                    if let Ok(done) = serde_json::from_str::<FolderOutcome>(&line) {
                        finished.insert(done.index, done);
                    }
                }
            } else {
                same_run = false;
            }
        }
        let file = if same_run && path.is_file() {
            let mut f = OpenOptions::new()
                .append(true)
                .open(&path)
                .map_err(werr(&path))?;
            // A line cut short is ended, so that the next entry starts on a line of its own.
            f.write_all(b"\n").map_err(werr(&path))?;
            f
        } else {
            if !same_run {
                fs::remove_dir_all(out).map_err(werr(out))?;
                fs::create_dir_all(out).map_err(werr(out))?;
            }
            let mut f = File::create(&path).map_err(werr(&path))?;
            let line = serde_json::to_string(header).map_err(|e| WriteError {
                path: path.clone(),
                source: e.into(),
            })?;
            writeln!(f, "{line}").map_err(werr(&path))?;
            f
        };
        Ok((
            Self {
                path,
                file: Mutex::new(file),
            },
            finished,
            same_run,
        ))
    }

    /// Records a folder whose files are all in place.
    pub fn record(&self, done: &FolderOutcome) -> Result<(), WriteError> {
        let line = serde_json::to_string(done).map_err(|e| WriteError {
            path: self.path.clone(),
            source: e.into(),
        })?;
        let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
        writeln!(f, "{line}").map_err(werr(&self.path))?;
        f.flush().map_err(werr(&self.path))
    }

    /// The input is finished: the journal goes (before `report.json` is written).
    pub fn remove(self) -> Result<(), WriteError> {
        drop(self.file);
        fs::remove_file(&self.path).map_err(werr(&self.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(index: usize) -> FolderOutcome {
        FolderOutcome {
            index,
            folder: format!("Folder {index}"),
            items: 3,
            counts: BTreeMap::from([(
                Kind::Mail,
                Counts {
                    found: 3,
                    written: 3,
                    failed: 0,
                },
            )]),
            failures: Vec::new(),
            warnings: Vec::new(),
            skipped: Vec::new(),
            left_out: BTreeMap::from([("free/busy data".to_owned(), 1)]),
            addresses: Default::default(),
        }
    }

    #[test]
    fn a_journal_gives_back_the_folders_of_its_own_run_only() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("in.pst");
        fs::create_dir_all(&out).unwrap();
        let header = Header {
            input: "/in.pst".into(),
            size: 10,
            modified: Some(1),
            options: "eml".into(),
        };
        let (j, done, same) = Journal::open(&out, &header).unwrap();
        assert!(done.is_empty() && same);
        j.record(&outcome(0)).unwrap();
        j.record(&outcome(2)).unwrap();
        drop(j);
        // A last line cut short (the process killed while writing it) is not a folder done.
        let mut f = OpenOptions::new()
            .append(true)
            .open(out.join(FILE_NAME))
            .unwrap();
        f.write_all(br#"{"index":5,"folder":"#).unwrap();
        drop(f);
        let (j, done, same) = Journal::open(&out, &header).unwrap();
        assert!(same);
        assert_eq!(done.len(), 2);
        assert_eq!(done[&2], outcome(2));
        j.record(&outcome(5)).unwrap();
        drop(j);
        let (j, done, _) = Journal::open(&out, &header).unwrap();
        assert_eq!(done.len(), 3, "{done:?}");
        drop(j);

        // Another run's journal: the folder is cleared and nothing is taken from it.
        fs::write(out.join("stale.eml"), b"x").unwrap();
        let other = Header {
            options: "mbox".into(),
            ..header
        };
        let (j, done, same) = Journal::open(&out, &other).unwrap();
        assert!(done.is_empty() && !same);
        assert!(!out.join("stale.eml").exists());
        j.remove().unwrap();
        assert!(!exists(&out));
    }
}
