//! `convert --dry-run`: what a conversion would write and where, without writing anything.
//!
//! The plan is the real one ([`plan::plan`](super::plan::plan)) and every item is loaded and
//! classified as the conversion does it, so the counts per folder and kind are the `found`
//! counts a real run reports (`folders` in its `report.json`).

use std::collections::BTreeMap;
use std::path::Path;

use pstkit::Store;
use serde::Serialize;

use super::fs::{join, with_suffix};
use super::sinks::pst;
use super::{fate, folder_left_out, plan, Fate, Kind, MailFormat, Options};

/// One folder of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DryFolder {
    /// The folder's path, as reports show it.
    pub folder: String,
    /// Items by kind.
    pub counts: BTreeMap<Kind, u64>,
    /// Items left out on purpose, by reason (system data; what a real run reports as
    /// `skipped`).
    pub skipped: BTreeMap<String, u64>,
    /// The files and folders its items would go to, relative to the input's output folder:
    /// those of the open formats, and the PST with `--pst` / `--pst-only`.
    pub writes: Vec<String>,
}

/// The plan for one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DryRun {
    /// The input file.
    pub input: String,
    /// Its size in bytes.
    pub size: u64,
    /// Why it cannot be read, when it cannot.
    pub error: Option<String>,
    /// The folders that hold items, in the order a conversion takes them.
    pub folders: Vec<DryFolder>,
}

impl DryRun {
    /// Items left out on purpose over all folders.
    pub fn skipped(&self) -> u64 {
        self.folders.iter().flat_map(|f| f.skipped.values()).sum()
    }

    /// Items by kind over all folders.
    pub fn totals(&self) -> BTreeMap<Kind, u64> {
        let mut t = BTreeMap::new();
        for f in &self.folders {
            for (k, n) in &f.counts {
                *t.entry(*k).or_insert(0) += n;
            }
        }
        t
    }
}

/// Plans the conversion of `input` with `opts`, reading every item's class; writes nothing.
pub fn dry_run(input: &Path, opts: &Options) -> DryRun {
    let size = std::fs::metadata(input).map_or(0, |m| m.len());
    let mut run = DryRun {
        input: input.display().to_string(),
        size,
        error: None,
        folders: Vec::new(),
    };
    let store = match Store::open(input) {
        Ok(s) => s,
        Err(e) => {
            run.error = Some(e.to_string());
            return run;
        }
    };
    let tree = store.folders();
    let mut plan = plan::plan(&store, &tree.folders, opts.recover_deleted);
    opts.folders.apply(&mut plan);
    let out = Path::new("");
    // The PST every item goes to (`--pst`): a file larger than the limit may go on in later
    // parts, which only the real run can tell.
    let pst = opts.pst.map(|max| {
        let stem = pst::stem(input);
        let first = pst::part_name(&stem, 1);
        if size > max {
            format!(
                "{first} (then {} … past {max} bytes)",
                pst::part_name(&stem, 2)
            )
        } else {
            first
        }
    });
    // The PST is the one output that takes system items.
    let system_sinks = opts.pst.is_some();
    for f in plan.with_items() {
        let mut counts: BTreeMap<Kind, u64> = BTreeMap::new();
        let mut skipped: BTreeMap<String, u64> = BTreeMap::new();
        // The kinds the open formats write (not the system items only the PST takes).
        let mut open_kinds = std::collections::BTreeSet::new();
        if let Some(why) = folder_left_out(opts, system_sinks, f) {
            skipped.insert(why.to_owned(), f.items.len() as u64);
        } else {
            for nid in &f.items {
                let kind = match store.message(*nid) {
                    Ok(m) => {
                        let kind = Kind::of_class(m.class());
                        match fate(opts, system_sinks, f, kind, &m) {
                            Fate::All => {
                                open_kinds.insert(kind);
                                Some(kind)
                            }
                            Fate::SystemOnly => Some(kind),
                            Fate::LeftOut(why) => {
                                *skipped.entry(why.to_owned()).or_insert(0) += 1;
                                None
                            }
                            Fate::Dropped => None,
                        }
                    }
                    Err(_) => Some(Kind::Unreadable),
                };
                if let Some(kind) = kind {
                    *counts.entry(kind).or_insert(0) += 1;
                }
            }
        }
        if counts.is_empty() && skipped.is_empty() {
            continue;
        }
        let mut writes = Vec::new();
        // Without the open formats (`--pst-only`) only the PST is written.
        let has =
            |kinds: &[Kind]| opts.open_formats && kinds.iter().any(|k| open_kinds.contains(k));
        let shown = |p: std::path::PathBuf| p.display().to_string();
        if has(&[Kind::Mail]) {
            if matches!(opts.mail, MailFormat::Eml | MailFormat::Both) {
                writes.push(shown(join(&out.join("Mail"), &f.output)) + "/");
            }
            if matches!(opts.mail, MailFormat::Mbox | MailFormat::Both) {
                writes.push(shown(with_suffix(&out.join("Mail"), &f.output, "mbox")));
            }
        }
        if has(&[Kind::Appointment]) {
            writes.push(shown(with_suffix(&out.join("Calendar"), &f.output, "ics")));
        }
        if has(&[Kind::Task]) {
            writes.push(shown(with_suffix(&out.join("Tasks"), &f.output, "ics")));
        }
        if has(&[Kind::Contact, Kind::DistributionList]) {
            writes.push(shown(with_suffix(&out.join("Contacts"), &f.output, "vcf")));
        }
        if let Some(p) = &pst {
            writes.push(p.clone());
        }
        run.folders.push(DryFolder {
            folder: f.label.clone(),
            counts,
            skipped,
            writes,
        });
    }
    run
}
