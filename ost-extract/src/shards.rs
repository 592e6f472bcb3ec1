//! One run split over many machines: `convert --shard I/N` converts the I-th of N slices of
//! the inputs, and [`merge`] puts the per-input reports of all shards back together.
//!
//! An input's shard is a hash of its path relative to the folder it was found in (its file
//! name when it was named directly), so it does not depend on where each machine mounts the
//! inputs, nor on which other inputs there are: adding caches to a folder moves none of the
//! others to another shard. Every shard lists all the inputs and their shards in
//! `OUTDIR/report-shard-I-of-N.json` when it starts and again when it ends, so the merged
//! report can name the inputs of a shard that never ran.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::convert::{self, InputReport, WriteError};

/// The I-th of N slices (I from 0 to N-1, as Kubernetes' completion index counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which slice, from 0.
    pub index: u32,
    /// How many slices.
    pub count: u32,
}

/// A `--shard` value that is not `I/N` with `0 <= I < N`.
#[derive(Debug, thiserror::Error)]
#[error("shard {0:?}: expected I/N with 0 <= I < N, e.g. 0/3, 1/3, 2/3")]
pub struct BadShard(String);

impl FromStr for Shard {
    type Err = BadShard;

    fn from_str(s: &str) -> Result<Self, BadShard> {
        let bad = || BadShard(s.to_owned());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index >= count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The name of this shard's report in the output folder.
    pub fn report_name(&self) -> String {
        format!("report-shard-{}-of-{}.json", self.index, self.count)
    }
}

/// The text an input's shard is computed from: its path relative to the folder among `roots`
/// that holds it, with `/` between components; its file name when no root holds it.
pub fn shard_key(input: &Path, roots: &[PathBuf]) -> String {
    let rel = roots
        .iter()
        .filter(|r| r.as_path() != input)
        .find_map(|r| input.strip_prefix(r).ok())
        .filter(|rel| rel.components().next().is_some());
    let rel = rel.unwrap_or_else(|| input.file_name().map_or(input, Path::new));
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The shard (0 to `count - 1`) of an input with this key: the first eight bytes of the key's
/// SHA-256, modulo `count`; the same on every machine and every version.
pub fn shard_of(key: &str, count: u32) -> u32 {
    let digest = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let n = u64::from(count.max(1));
    // The remainder is below `count`, a u32.
    u32::try_from(u64::from_be_bytes(first) % n).unwrap_or(0)
}

/// One input of a sharded run, as every shard's report lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedInput {
    /// The input file.
    pub input: String,
    /// Its output folder's name.
    pub output: String,
    /// The shard that converts it.
    pub shard: u32,
}

/// A shard's report (`OUTDIR/report-shard-I-of-N.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardReport {
    /// Which shard.
    pub shard: Shard,
    /// Whether it ran to its end.
    pub complete: bool,
    /// Every input of the run (all shards'), in the run's order.
    pub inputs: Vec<PlannedInput>,
    /// Wall time of this shard in milliseconds.
    pub elapsed_ms: u64,
}

impl ShardReport {
    /// Writes the report into `out` (atomically).
    pub fn write(&self, out: &Path) -> Result<(), WriteError> {
        let path = out.join(self.shard.report_name());
        let json = serde_json::to_vec_pretty(self).map_err(|e| WriteError {
            path: path.clone(),
            source: e.into(),
        })?;
        convert::write_atomic(&path, &json)
    }
}

/// The state of one input across the output folders.
#[derive(Debug, Clone, PartialEq)]
pub enum InputState {
    /// Its report says it was converted to the end.
    Complete(Box<InputReport>),
    /// Its folder exists but holds no finished report (stopped, or still running).
    Incomplete,
    /// Nothing of it was found.
    Missing,
}

/// One input of the merged run.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedInput {
    /// The input file.
    pub input: String,
    /// Its output folder's name.
    pub output: String,
    /// Its shard, in a sharded run.
    pub shard: Option<u32>,
    /// Where its output was found (the output folder it is in), when it was.
    pub found_in: Option<PathBuf>,
    /// What became of it.
    pub state: InputState,
}

/// The runs found in some output folders, put together.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// Every input, in the run's order.
    pub inputs: Vec<MergedInput>,
    /// How many shards the run had (none for a run that was not sharded).
    pub shard_count: Option<u32>,
    /// Shards whose report was not found at all.
    pub shards_missing: Vec<u32>,
    /// Shards whose report says they did not finish.
    pub shards_incomplete: Vec<u32>,
    /// The longest wall time among the shards (or the run's), in milliseconds.
    pub elapsed_ms: u64,
}

impl Merged {
    /// The reports of the inputs that are complete, in the run's order.
    pub fn reports(&self) -> Vec<&InputReport> {
        self.inputs
            .iter()
            .filter_map(|i| match &i.state {
                InputState::Complete(r) => Some(r.as_ref()),
                _ => None,
            })
            .collect()
    }

    /// Whether every input is complete and every shard finished.
    pub fn is_complete(&self) -> bool {
        self.shards_missing.is_empty()
            && self.shards_incomplete.is_empty()
            && self
                .inputs
                .iter()
                .all(|i| matches!(i.state, InputState::Complete(_)))
    }
}

/// Why output folders could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// No run report of any kind in the folders.
    #[error("no run report (report.json or report-shard-*.json) in {0}")]
    NoReport(String),
    /// A report could not be read.
    #[error("cannot read {path}: {reason}")]
    Unreadable {
        /// The report.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The shard reports disagree on the run (different shard counts or input lists).
    #[error("the shard reports are not of one run: {0}")]
    Mismatch(String),
}

/// The inputs listed by a run report (`OUTDIR/report.json` of a run that was not sharded).
#[derive(Deserialize)]
struct RunReport {
    inputs: Vec<RunInput>,
    #[serde(default)]
    elapsed_ms: u64,
}

#[derive(Deserialize)]
struct RunInput {
    input: String,
    output: String,
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, MergeError> {
    let bytes = fs::read(path).map_err(|e| MergeError::Unreadable {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| MergeError::Unreadable {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

/// Reads the shard reports (or, for a run that was not sharded, the run report) and every
/// input's report in `outdirs`, and says for each input of the run whether it is complete.
/// An input's output may be in any of the folders (N machines writing N trees).
pub fn merge(outdirs: &[PathBuf]) -> Result<Merged, MergeError> {
    let mut shard_reports: Vec<ShardReport> = Vec::new();
    let mut run_reports: Vec<RunReport> = Vec::new();
    for dir in outdirs {
        let mut names: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(|e| MergeError::Unreadable {
                path: dir.clone(),
                reason: e.to_string(),
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("report-shard-") && n.ends_with(".json"))
            })
            .collect();
        names.sort();
        for p in names {
            shard_reports.push(read_json(&p)?);
        }
        let run = dir.join("report.json");
        if run.exists() {
            run_reports.push(read_json(&run)?);
        }
    }

    let mut merged = Merged {
        inputs: Vec::new(),
        shard_count: None,
        shards_missing: Vec::new(),
        shards_incomplete: Vec::new(),
        elapsed_ms: 0,
    };
    let planned: Vec<PlannedInput> = if let Some(first) = shard_reports.first() {
        let count = first.shard.count;
        for s in &shard_reports {
            if s.shard.count != count {
                return Err(MergeError::Mismatch(format!(
                    "shard {} and shard {}",
                    first.shard, s.shard
                )));
            }
            if s.inputs != first.inputs {
                return Err(MergeError::Mismatch(format!(
                    "shards {} and {} list different inputs (all shards must be given the same inputs)",
                    first.shard, s.shard
                )));
            }
        }
        merged.shard_count = Some(count);
        for i in 0..count {
            let mine: Vec<&ShardReport> = shard_reports
                .iter()
                .filter(|s| s.shard.index == i)
                .collect();
            if mine.is_empty() {
                merged.shards_missing.push(i);
            } else if !mine.iter().any(|s| s.complete) {
                merged.shards_incomplete.push(i);
            }
        }
        merged.elapsed_ms = shard_reports
            .iter()
            .map(|s| s.elapsed_ms)
            .max()
            .unwrap_or(0);
        first.inputs.clone()
    } else if !run_reports.is_empty() {
        let mut seen = HashMap::new();
        let mut inputs = Vec::new();
        for r in &run_reports {
            merged.elapsed_ms = merged.elapsed_ms.max(r.elapsed_ms);
            for i in &r.inputs {
                if seen.insert(i.output.clone(), ()).is_none() {
                    inputs.push(PlannedInput {
                        input: i.input.clone(),
                        output: i.output.clone(),
                        shard: 0,
                    });
                }
            }
        }
        inputs
    } else {
        let dirs: Vec<String> = outdirs.iter().map(|d| d.display().to_string()).collect();
        return Err(MergeError::NoReport(dirs.join(", ")));
    };

    for p in planned {
        let mut state = InputState::Missing;
        let mut found_in = None;
        for dir in outdirs {
            let folder = dir.join(&p.output);
            if let Some(r) = convert::finished_report(&folder) {
                state = InputState::Complete(Box::new(r));
                found_in = Some(dir.clone());
                break;
            }
            if folder.is_dir() && found_in.is_none() {
                state = InputState::Incomplete;
                found_in = Some(dir.clone());
            }
        }
        merged.inputs.push(MergedInput {
            input: p.input,
            output: p.output,
            shard: merged.shard_count.map(|_| p.shard),
            found_in,
            state,
        });
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_values_parse_and_are_checked() {
        assert_eq!(
            "2/3".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 3 }
        );
        for bad in ["3/3", "1", "a/3", "1/0", "-1/3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_do_not_depend_on_where_the_inputs_are_mounted() {
        let a = shard_key(
            Path::new("/mnt/share/caches/ana/ana.ost"),
            &[PathBuf::from("/mnt/share/caches")],
        );
        let b = shard_key(
            Path::new("/data/caches/ana/ana.ost"),
            &[PathBuf::from("/data/caches/")],
        );
        assert_eq!(a, "ana/ana.ost");
        assert_eq!(a, b);
        // A file named directly is keyed by its name.
        assert_eq!(
            shard_key(Path::new("/x/y/ben.pst"), &[PathBuf::from("/x/y/ben.pst")]),
            "ben.pst"
        );
    }

    #[test]
    fn shards_are_stable_and_spread() {
        // SHA-256("ana/ana.ost") starts 2e b0 10 55 3e 57 8d 0d (Python's hashlib); that
        // number is 2 modulo 3 and 5 modulo 7.
        assert_eq!(shard_of("ana/ana.ost", 3), 2);
        assert_eq!(shard_of("ana/ana.ost", 7), 5);
        assert_eq!(shard_of("ben.pst", 3), 0);
        assert_eq!(shard_of("old/archive-2001.pst", 3), 1);
        assert_eq!(shard_of("ana/ana.ost", 1), 0);
        // 300 keys over 3 shards: none empty, none with more than half.
        let mut per = [0usize; 3];
        for i in 0..300 {
            per[shard_of(&format!("user{i}/mailbox.ost"), 3) as usize] += 1;
        }
        assert!(per.iter().all(|&n| n > 50 && n < 150), "{per:?}");
    }
}
