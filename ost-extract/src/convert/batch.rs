//! A run over many inputs: whether the output folder may be used, what `--resume` skips,
//! the summary table and the exit code. The command prints; these decide.

use std::path::{Path, PathBuf};

use super::fs::WriteError;
use super::report::{finished_report, InputReport, Kind};

/// Parses a size as a user writes it on the command line (`--pst-max-size 20GiB`, the
/// fixtures' `--size 512MiB`): digits, then an optional unit, `B`, `k`/`kB`, `KiB`, `M`/`MB`,
/// `MiB`, `G`/`GB` or `GiB`, without regard to case.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("bad size {s:?}"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => return Err(format!("unknown size unit {other:?}")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| "size too large".to_owned())
}

/// Why a run does not start.
#[derive(Debug, thiserror::Error)]
pub enum RefusedOutput {
    /// The output folder holds files and neither `--force` nor `--resume` was given.
    #[error("{} is not empty; use --resume to finish an interrupted run, or --force to overwrite", .0.display())]
    NotEmpty(PathBuf),
    /// The output folder cannot be created.
    #[error("cannot create {}: {source}", .path.display())]
    Create {
        /// The folder.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// Checks that `out` may receive a run and creates it: a folder that is not empty is used
/// only with `force` (overwrite) or `resume` (finish an earlier run).
pub fn prepare_output(out: &Path, force: bool, resume: bool) -> Result<(), RefusedOutput> {
    let non_empty = std::fs::read_dir(out)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if non_empty && !force && !resume {
        return Err(RefusedOutput::NotEmpty(out.to_owned()));
    }
    std::fs::create_dir_all(out).map_err(|source| RefusedOutput::Create {
        path: out.to_owned(),
        source,
    })
}

/// Readies one input's output folder `dir`: with `resume`, a finished input's report is
/// returned and the input is skipped, and an input stopped part-way keeps the folders it
/// finished (its [journal](super::journal)); otherwise whatever `dir` holds is removed.
pub fn prepare_input(dir: &Path, resume: bool) -> Result<Option<InputReport>, WriteError> {
    if resume {
        if let Some(done) = finished_report(dir) {
            return Ok(Some(done));
        }
        if super::journal::exists(dir) {
            return Ok(None);
        }
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|source| WriteError {
            path: dir.to_owned(),
            source,
        })?;
    }
    Ok(None)
}

/// The exit code of a run: 0 everything written, nothing lost; 1 something was lost (an item
/// not written, part of one, an item written from a damaged block, a folder not listed
/// whole, an input unreadable; the rest written); 2 nothing could be read.
pub fn exit_code(reports: &[InputReport]) -> u8 {
    let unreadable = reports.iter().filter(|r| r.error.is_some()).count();
    let failed: u64 = reports.iter().map(|r| r.totals().failed).sum();
    let losses = reports.iter().any(|r| !r.failures.is_empty());
    if unreadable == reports.len() {
        2
    } else if unreadable > 0 || failed > 0 || losses {
        1
    } else {
        0
    }
}

/// Written and found items of a summary cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    /// Items written.
    pub written: u64,
    /// Items found.
    pub found: u64,
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.written, self.found)
    }
}

/// One input's line of the summary table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// The input's file name, at most 40 characters.
    pub name: String,
    /// Why the input could not be read at all (the rest of the row is then empty).
    pub unreadable: Option<String>,
    /// Mail.
    pub mail: Cell,
    /// Appointments.
    pub calendar: Cell,
    /// Tasks.
    pub tasks: Cell,
    /// Contacts and distribution lists.
    pub contacts: Cell,
    /// Items lost, of every kind: not written, or missing from a folder's listing.
    pub failed: u64,
}

impl SummaryRow {
    /// The row of `r`.
    pub fn of(r: &InputReport) -> Self {
        let cell = |kinds: &[Kind]| {
            kinds
                .iter()
                .filter_map(|k| r.counts.get(k))
                .fold(Cell::default(), |a, c| Cell {
                    written: a.written + c.written,
                    found: a.found + c.found,
                })
        };
        let name = Path::new(&r.input)
            .file_name()
            .map_or(r.input.clone(), |n| n.to_string_lossy().into_owned());
        Self {
            name: name.chars().take(40).collect(),
            unreadable: r.error.clone(),
            mail: cell(&[Kind::Mail]),
            calendar: cell(&[Kind::Appointment]),
            tasks: cell(&[Kind::Task]),
            contacts: cell(&[Kind::Contact, Kind::DistributionList]),
            failed: r.lost_items(),
        }
    }
}

/// The one-line outcome of an input, for its progress line.
pub fn outcome_line(r: &InputReport) -> String {
    let t = r.totals();
    match &r.error {
        Some(e) => format!("unreadable: {e}"),
        None => {
            let mut line = format!(
                "{} of {} items written, {} failed",
                t.written, t.found, t.failed
            );
            let unlisted = r.lost_items().saturating_sub(t.failed);
            if unlisted > 0 {
                line.push_str(&format!(
                    ", {unlisted} more lost with their folders' listings"
                ));
            }
            if r.resumed_items > 0 {
                line.push_str(&format!(
                    " ({} of them in folders finished before the interruption, not converted again)",
                    r.resumed_items
                ));
            }
            let skipped = r.skipped_items();
            if skipped > 0 {
                line.push_str(&format!(", {skipped} system items skipped"));
            }
            let parts = r.items_with_lost_parts();
            if parts > 0 {
                line.push_str(&format!(", {parts} written incomplete"));
            }
            let damaged = r.items_damaged();
            if damaged > 0 {
                line.push_str(&format!(", {damaged} written from damaged blocks"));
            }
            let cut = r.bytes_cut_off();
            if cut > 0 {
                line.push_str(&format!(
                    ", the file is cut short ({cut} bytes missing at its end)"
                ));
            }
            line
        }
    }
}

/// The line under the summary table that says what was lost and where to look, if anything
/// was.
pub fn loss_line(reports: &[InputReport]) -> Option<String> {
    let lost: u64 = reports.iter().map(InputReport::lost_items).sum();
    let parts: u64 = reports.iter().map(InputReport::items_with_lost_parts).sum();
    let damaged: u64 = reports.iter().map(InputReport::items_damaged).sum();
    let unreadable = reports.iter().filter(|r| r.error.is_some()).count();
    let cut = reports.iter().filter(|r| r.bytes_cut_off() > 0).count();
    let inputs = reports.iter().filter(|r| !r.complete).count();
    if lost == 0 && parts == 0 && damaged == 0 && unreadable == 0 && cut == 0 {
        return None;
    }
    let mut what = Vec::new();
    if lost > 0 {
        what.push(format!("{lost} items lost"));
    }
    if parts > 0 {
        what.push(format!("{parts} items written incomplete"));
    }
    if damaged > 0 {
        what.push(format!("{damaged} items written from damaged blocks"));
    }
    if unreadable > 0 {
        what.push(format!("{unreadable} inputs unreadable"));
    }
    if cut > 0 {
        what.push(format!(
            "{cut} inputs cut short (what their missing ends held is lost)"
        ));
    }
    Some(format!(
        "LOSS: {} in {inputs} of {} inputs; each is listed under \"failures\" in that input's report.json",
        what.join(", "),
        reports.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_decimal_and_binary_units() {
        assert_eq!(parse_size("20GiB"), Ok(20 << 30));
        assert_eq!(parse_size(" 500 mb "), Ok(500_000_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("GiB").is_err());
        assert!(parse_size("99999999999GiB").is_err());
    }
    use crate::convert::report::Counts;

    fn report(input: &str, error: Option<&str>, failed: u64) -> InputReport {
        let mut r = InputReport::new(Path::new(input), Path::new("/o/x"));
        r.error = error.map(str::to_owned);
        r.counts.insert(
            Kind::Mail,
            Counts {
                found: 5,
                written: 5 - failed,
                failed,
            },
        );
        r.counts.insert(
            Kind::Contact,
            Counts {
                found: 2,
                written: 2,
                failed: 0,
            },
        );
        r.counts.insert(
            Kind::DistributionList,
            Counts {
                found: 1,
                written: 1,
                failed: 0,
            },
        );
        r
    }

    #[test]
    fn exit_codes_follow_the_worst_input() {
        let ok = report("/a.pst", None, 0);
        let some_failed = report("/b.pst", None, 2);
        let unreadable = report("/c.pst", Some("not a PST"), 0);
        assert_eq!(exit_code(std::slice::from_ref(&ok)), 0);
        assert_eq!(exit_code(&[ok.clone(), some_failed]), 1);
        assert_eq!(exit_code(&[ok, unreadable.clone()]), 1);
        assert_eq!(exit_code(&[unreadable]), 2);
    }

    #[test]
    fn summary_row_adds_contacts_and_lists() {
        let row = SummaryRow::of(&report("/in/some.ost", None, 1));
        assert_eq!(row.name, "some.ost");
        assert_eq!(row.mail.to_string(), "4/5");
        assert_eq!(row.contacts.to_string(), "3/3");
        assert_eq!(row.calendar.to_string(), "0/0");
        assert_eq!(row.failed, 1);
        assert_eq!(
            outcome_line(&report("/x", None, 1)),
            "7 of 8 items written, 1 failed"
        );
        let long = format!("/{}.pst", "n".repeat(50));
        assert_eq!(SummaryRow::of(&report(&long, None, 0)).name.len(), 40);
    }

    #[test]
    fn an_item_written_from_a_damaged_block_is_a_loss() {
        use crate::convert::report::{Failure, FailureKind, Place};
        let mut r = report("/d.pst", None, 0);
        for block in [0x40, 0x44] {
            r.failures.push(Failure {
                kind: FailureKind::PartDamaged,
                nid: Some(0x20_0024),
                folder: "Inbox".into(),
                subject: None,
                reason: "block: block CRC does not match".into(),
                items: 0,
                bytes: 512,
                at: Place {
                    node: Some(0x20_0024),
                    block: Some(block),
                    offset: Some(0x4400),
                },
            });
        }
        r.finish();
        assert!(!r.complete);
        assert_eq!(r.items_damaged(), 1);
        assert_eq!(exit_code(std::slice::from_ref(&r)), 1);
        assert_eq!(
            outcome_line(&r),
            "8 of 8 items written, 0 failed, 1 written from damaged blocks"
        );
        let line = loss_line(std::slice::from_ref(&r)).unwrap();
        assert!(
            line.starts_with("LOSS: 1 items written from damaged blocks in 1 of 1 inputs"),
            "{line}"
        );
    }

    #[test]
    fn non_empty_output_needs_force_or_resume() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        prepare_output(&out, false, false).unwrap();
        assert!(out.is_dir());
        std::fs::write(out.join("f"), b"x").unwrap();
        let refused = prepare_output(&out, false, false).unwrap_err();
        assert!(matches!(refused, RefusedOutput::NotEmpty(_)));
        assert!(refused.to_string().ends_with(
            "is not empty; use --resume to finish an interrupted run, or --force to overwrite"
        ));
        prepare_output(&out, true, false).unwrap();
        prepare_output(&out, false, true).unwrap();
    }

    #[test]
    fn resume_skips_finished_inputs_and_clears_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let done = dir.path().join("done");
        std::fs::create_dir_all(&done).unwrap();
        let mut r = report("/a.pst", None, 0);
        r.finish();
        crate::convert::write_report(&done, &r).unwrap();
        assert_eq!(prepare_input(&done, true).unwrap(), Some(r));
        // Without --resume, or when the report is missing, the folder is cleared.
        assert_eq!(prepare_input(&done, false).unwrap(), None);
        assert!(!done.exists());
        let half = dir.path().join("half");
        std::fs::create_dir_all(half.join("Mail")).unwrap();
        assert_eq!(prepare_input(&half, true).unwrap(), None);
        assert!(!half.exists());
    }
}
