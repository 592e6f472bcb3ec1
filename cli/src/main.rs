//! The `ost-extract` command: recover mail, calendars, contacts and tasks from Outlook OST and
//! PST files.

/// `println!` for the command's output: when stdout is a closed pipe (`ost-extract info F |
/// head -1`), the command ends at once and quietly, with the status a shell shows for a
/// tool that SIGPIPE ended (141), as Unix tools do; `println!` would panic.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            crate::stdout_failed(e)
        }
    }};
}

/// `print!` with [`outln!`]'s handling of a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = write!(std::io::stdout().lock(), $($arg)*) {
            crate::stdout_failed(e)
        }
    }};
}

/// Stdout could not be written: a closed pipe ends the command quietly (status 141, 128 +
/// SIGPIPE); any other error is said, and ends it with status 2.
fn stdout_failed(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(141);
    }
    eprintln!("ost-extract: cannot write the output: {e}");
    std::process::exit(2);
}

mod progress;
mod upload;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Parser, Subcommand};
use ost_extract::{manifest, shards};
use pstkit::Store;

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const EXAMPLES: &str = "\
Examples:
  One OST from a dead laptop, mail as EML and as mbox:
    ost-extract convert /mnt/laptop/Users/ana/AppData/Local/Microsoft/Outlook/ana@example.com.ost \\
        -o recovered/ --mail both

  A folder of caches from many users, four threads, mbox mail, deleted items too:
    ost-extract convert /srv/caches/ -o /srv/converted/ --mail mbox --jobs 4 --recover-deleted

  See what would be written where, writing nothing:
    ost-extract convert /srv/caches/ -o /srv/converted/ --dry-run

  An Exchange cache: addresses the cache cannot resolve taken from the Offline Address Book
  copied beside it, the rest guessed as alias@example.com (report.json lists the guesses):
    ost-extract convert ana.ost -o recovered/ --oab \"Offline Address Books\" --domain example.com

  Continue a run that was interrupted:
    ost-extract convert /srv/caches/ -o /srv/converted/ --resume

  Machine 1 of 3 (shards 0, 1 and 2) sharing the work, then the merged report:
    ost-extract convert /srv/caches/ -o /srv/converted/ --shard 1/3
    ost-extract report /srv/converted/

  Only a PST of everything, to import into Microsoft 365, Google Workspace or Outlook:
    ost-extract convert mailbox.ost -o converted/ --pst-only

  Look inside a file first (--json for scripts):
    ost-extract info mailbox.ost
    ost-extract ls mailbox.ost

  Check a file's structure as Outlook's repair tool does (exit 1 when anything is found):
    ost-extract check mailbox.pst

  A damaged cache: files whose B-trees are gone are carved automatically; --carve also
  scans an intact file for deleted items still in free space:
    ost-extract convert damaged.pst -o recovered/ --carve

Exit codes: 0 everything written, nothing lost; 1 something was lost (an item, part of one,
an item written from a block whose CRC fails, a folder not listed whole, an unreadable input:
each under \"failures\" in report.json; the rest written); 2 usage error, unwritable output, or nothing could be read; 130 interrupted
(Ctrl-C: the folders in progress are finished and the reports written; --resume continues
each input at the folders not yet written).";

#[derive(Parser)]
#[command(
    name = "ost-extract",
    version,
    about = "Recover mail, calendars, contacts and tasks from Outlook OST and PST files",
    after_help = EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Upload caches straight into the new account: mail to IMAP (folders, flags, dates),
    /// calendars and tasks to CalDAV, contacts to CardDAV; resumable, nothing sent twice.
    #[command(after_help = upload::UPLOAD_EXAMPLES)]
    Upload(upload::UploadArgs),
    /// Show the file's format, encryption, size, folder and item counts, and any damage found.
    Info {
        /// The OST or PST file.
        file: PathBuf,
        /// Print the same facts as one JSON object (warnings as a list).
        #[arg(long)]
        json: bool,
    },
    /// Convert caches into an import-ready tree: Mail/ (EML or mbox), Calendar/*.ics,
    /// Tasks/*.ics, Contacts/*.vcf and report.json, one folder per input.
    #[command(after_help = EXAMPLES)]
    Convert(ConvertArgs),
    /// Merge the reports of a run (of all its shards, in one output folder or several) into
    /// OUTDIR/report.json (the first OUTDIR given) and print the summary, the inputs missing or
    /// incomplete, and with --failures every item that failed and why.
    Report {
        /// Output folders of the run (the shards' folders, if they wrote to several).
        #[arg(required = true)]
        outdirs: Vec<PathBuf>,
        /// Print every failed item and unreadable input, and why, instead of the summary.
        #[arg(long)]
        failures: bool,
    },
    /// Check the files' structure as Outlook's repair tool does (header and page CRCs, B-trees,
    /// block references and counts, allocation maps, heaps and tables, folder counts) and print
    /// every finding. Exit 0 when clean, 1 when anything was found, 2 when a file is unreadable.
    Check {
        /// The PST or OST files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the findings as JSON, one object per file.
        #[arg(long)]
        json: bool,
    },
    /// List the folder tree with item counts.
    Ls {
        /// The OST or PST file.
        file: PathBuf,
        /// Print the full manifest (folders, messages, attachments with SHA-256) as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
struct ConvertArgs {
    /// OST/PST files, or folders to search for them.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output folder; each input gets OUTDIR/<input file name>/.
    #[arg(short, long)]
    output: PathBuf,
    /// How to write mail.
    #[arg(long, value_enum, default_value_t = MailArg::Eml)]
    mail: MailArg,
    /// vCard version for contacts (3 imports most widely).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(3..=4))]
    vcard: u8,
    /// Threads to use (default: all cores). The open formats are the same whatever this is; a
    /// PST's content is too, its byte layout can vary from run to run.
    #[arg(short, long)]
    jobs: Option<usize>,
    /// Skip inputs already converted completely in OUTDIR; continue the others at the folders
    /// they had not finished.
    #[arg(long)]
    resume: bool,
    /// Overwrite an output folder that is not empty.
    #[arg(long, conflicts_with = "resume")]
    force: bool,
    /// Also recover items still in the file but in no folder (deleted, or cut off by damage).
    #[arg(long)]
    recover_deleted: bool,
    /// Convert only the I-th of N slices of the inputs (I from 0 to N-1), for N machines or
    /// pods sharing the work: every shard must be given the same inputs. An input's shard
    /// depends on its path within the folder given (not on the other inputs). Merge the
    /// results with `ost-extract report OUTDIR...`.
    #[arg(long, value_name = "I/N")]
    shard: Option<ost_extract::shards::Shard>,
    /// Convert only the folders whose path (as in the output: Inbox, Inbox/Projects) matches
    /// GLOB, without regard to case; repeatable. `*` stays within a name, `Inbox/**` is every
    /// folder below the Inbox.
    #[arg(long = "folder", value_name = "GLOB")]
    folders: Vec<String>,
    /// Convert only these kinds of item (comma-separated): mail, calendar, contacts, tasks,
    /// notes. The others are neither counted nor written.
    #[arg(long, value_name = "KINDS")]
    only: Option<ost_extract::convert::Only>,
    #[command(flatten)]
    select: SelectArgs,
    /// Write nothing: print, for each input, its folders with their items by kind and the
    /// files they would go to, the PST included with --pst or --pst-only (the counts a real
    /// run reports as found).
    #[arg(long)]
    dry_run: bool,
    /// Write the Exchange addresses the cache cannot resolve as their alias at this domain
    /// (/O=ORG/.../CN=JDOE -> jdoe@DOMAIN), reported in report.json as guesses. Off by default:
    /// unresolved addresses stay placeholders in the .invalid domain.
    #[arg(long, value_name = "DOMAIN")]
    domain: Option<String>,
    /// Offline Address Book to resolve Exchange addresses with: udetails.oab (OAB version 4
    /// full details) or a folder holding one, e.g. a copy of
    /// ...\AppData\Local\Microsoft\Outlook\Offline Address Books\.
    #[arg(long, value_name = "DIR")]
    oab: Option<PathBuf>,
    /// Scan the whole file for blocks even when its B-trees work, to find deleted items whose
    /// blocks are still in free space (written to "Recovered items"). Files whose B-trees
    /// are unusable (a zeroed header or root page, a file cut short) are carved anyway.
    #[arg(long)]
    carve: bool,
    /// Also write everything as a Unicode PST, OUTDIR/<input name>/<input stem>.pst, for
    /// Outlook's Import/Export wizard, the Microsoft 365 PST import service or Google Workspace
    /// Migration for Microsoft Outlook.
    #[arg(long)]
    pst: bool,
    /// Write only the PST (no EML/mbox, ICS or vCard).
    #[arg(long)]
    pst_only: bool,
    /// Start <stem>-2.pst, -3.pst ... between items past this size (e.g. 20GiB, 500MB).
    #[arg(long, default_value = "20GiB", value_parser = ost_extract::convert::batch::parse_size)]
    pst_max_size: u64,
    /// Also upload as the files are written: --imap, --caldav, --carddav and the other
    /// target options of `upload` (see `ost-extract upload --help`).
    #[command(flatten)]
    upload: upload::TargetArgs,
    /// No progress display and no summary.
    #[arg(short, long)]
    quiet: bool,
}

/// Which items a run takes, by date and system status: shared by `convert` and `upload`.
#[derive(clap::Args, Debug, Default)]
pub(crate) struct SelectArgs {
    /// Take only the items from DATE on (YYYY-MM-DD, a day in UTC, or an RFC 3339 date and
    /// time). Mail is judged by when it arrived (else was sent, else created), appointments
    /// by when they take place (a series is kept whole when any occurrence is in the range),
    /// tasks by their due date (else last change); contacts are not filtered. Items without
    /// such a date are kept; the others are neither counted nor written nor uploaded.
    #[arg(long, value_name = "DATE", value_parser = since_date)]
    since: Option<chrono::DateTime<chrono::Utc>>,
    /// Take only the items up to DATE, that day included (as for --since).
    #[arg(long, value_name = "DATE", value_parser = until_date)]
    until: Option<chrono::DateTime<chrono::Utc>>,
    /// Also take the system folders and items, left out by default and counted as skipped
    /// in report.json: free/busy data, sync logs (Sync Issues, Conflicts, Local Failures,
    /// Server Failures), configuration and view items, search folders, folders outside the
    /// ones a user sees; they are written and uploaded as mail (convert's PST, --pst, holds
    /// them either way).
    #[arg(long)]
    include_system: bool,
}

impl SelectArgs {
    /// `--since` / `--until` as the pipeline takes them.
    pub(crate) fn dates(&self) -> ost_extract::convert::DateRange {
        ost_extract::convert::DateRange {
            since: self.since,
            until: self.until,
        }
    }

    /// `--include-system`.
    pub(crate) fn include_system(&self) -> bool {
        self.include_system
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum MailArg {
    /// One .eml file per message.
    Eml,
    /// One .mbox file per folder.
    Mbox,
    /// Both.
    Both,
}

fn since_date(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    use ost_extract::convert::select::{parse_bound, Bound};
    parse_bound(s, Bound::Since).map_err(|e| e.to_string())
}

fn until_date(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    use ost_extract::convert::select::{parse_bound, Bound};
    parse_bound(s, Bound::Until).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ost-extract: {}", error_text(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, each said once: our errors already show their cause in their own
/// text ("cannot read X: No such file..."), so a cause is added only when it is not there yet.
fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let cause = cause.to_string();
        if text.is_empty() {
            text = cause;
        } else if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `check`: every file's findings; the worst outcome decides the exit code.
fn check(files: &[PathBuf], json: bool) -> ExitCode {
    let mut code = 0u8;
    let mut out = Vec::new();
    for file in files {
        match pstkit::check::check_file(file) {
            Ok(r) => {
                if !r.is_clean() {
                    code = code.max(1);
                }
                if json {
                    out.push(serde_json::json!({
                        "file": file.display().to_string(),
                        "pages": r.pages,
                        "blocks": r.blocks,
                        "nodes": r.nodes,
                        "skipped": r.skipped,
                        "findings": r.findings.iter().map(|f| serde_json::json!({
                            "severity": f.severity.to_string(),
                            "check": f.check,
                            "node": f.at.node.map(|n| n.0),
                            "block": f.at.block.map(|b| b.0),
                            "offset": f.at.offset,
                            "what": f.what,
                        })).collect::<Vec<_>>(),
                    }));
                    continue;
                }
                let verdict = if r.is_clean() {
                    "no findings".to_owned()
                } else {
                    format!("{} findings", r.findings.len())
                };
                outln!(
                    "{}: {verdict} ({} B-tree pages, {} blocks, {} nodes)",
                    file.display(),
                    r.pages,
                    r.blocks,
                    r.nodes
                );
                for f in &r.findings {
                    outln!("  {f}");
                }
                for s in &r.skipped {
                    outln!("  (not checked: {s})");
                }
            }
            Err(e) => {
                code = 2;
                if json {
                    out.push(serde_json::json!({
                        "file": file.display().to_string(),
                        "error": e.to_string(),
                    }));
                } else {
                    eprintln!("ost-extract: {}: {e}", file.display());
                }
            }
        }
    }
    if json {
        match serde_json::to_string_pretty(&out) {
            Ok(s) => outln!("{s}"),
            Err(_) => code = 2,
        }
    }
    ExitCode::from(code)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check { files, json } => Ok(check(&files, json)),
        Command::Info { file, json } => {
            let store = Store::open(&file)?;
            let m = manifest::build(&store, &file_name(&file), false);
            let h = store.header();
            if json {
                let info = serde_json::json!({
                    "file": file.display().to_string(),
                    "client": h.client.name(),
                    "layout": h.layout.name(),
                    "wVer": h.version,
                    "encryption": m.format.crypt,
                    "size": m.size,
                    "store_name": store.display_name(),
                    "folders": m.totals.folders,
                    "items": m.totals.messages,
                    "orphans": m.totals.orphans,
                    "warnings": m.warnings,
                    "losses": m.losses,
                    "coverage": ost_extract::coverage::coverage(&store),
                });
                outln!("{}", serde_json::to_string_pretty(&info)?);
                return Ok(ExitCode::SUCCESS);
            }
            outln!("file:        {}", file.display());
            outln!(
                "format:      {} ({}, wVer {})",
                h.client.name().to_uppercase(),
                h.layout.name(),
                h.version
            );
            outln!("encryption:  {}", m.format.crypt);
            outln!("size:        {} bytes", m.size);
            if let Some(name) = store.display_name() {
                outln!("store name:  {name}");
            }
            outln!("folders:     {}", m.totals.folders);
            outln!("items:       {}", m.totals.messages);
            outln!(
                "orphans:     {} (items outside any folder; recoverable)",
                m.totals.orphans
            );
            if !m.losses.is_empty() {
                outln!("losses:      {}", m.losses.len());
                for l in m.losses.iter().take(50) {
                    outln!("  - {l}");
                }
            }
            outln!("warnings:    {}", m.warnings.len());
            for w in m.warnings.iter().take(50) {
                outln!("  - {w}");
            }
            // What the cache holds, folder by folder (the sync window is not in the file).
            let c = ost_extract::coverage::coverage(&store);
            if !c.folders.is_empty() {
                outln!();
                out!("{}", ost_extract::coverage::table(&c));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Convert(args) => convert(args),
        Command::Upload(args) => upload::run(args),
        Command::Report { outdirs, failures } => report(&outdirs, failures),
        Command::Ls { file, json } => {
            let store = Store::open(&file)?;
            let m = manifest::build(&store, &file_name(&file), json);
            if json {
                outln!("{}", serde_json::to_string_pretty(&m)?);
                for l in &m.losses {
                    eprintln!("lost: {l}");
                }
                for w in &m.warnings {
                    eprintln!("warning: {w}");
                }
            } else {
                for f in &m.folders {
                    let depth = f.path.len();
                    let name = f.path.last().map_or("(root)", String::as_str);
                    outln!(
                        "{:indent$}{name}  [{}]",
                        "",
                        f.message_count,
                        indent = depth.saturating_sub(1) * 2
                    );
                }
                for l in &m.losses {
                    eprintln!("lost: {l}");
                }
                for w in &m.warnings {
                    eprintln!("warning: {w}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Set by the first Ctrl-C (SIGINT) or SIGTERM: start no more inputs.
static STOP: AtomicBool = AtomicBool::new(false);

fn convert(args: ConvertArgs) -> anyhow::Result<ExitCode> {
    use ost_extract::convert::{self, batch, MailFormat, Options};
    use rayon::prelude::*;

    // The first signal lets the inputs in progress finish (so no output is left half-made)
    // and writes the reports; a second one quits at once.
    ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!(
            "ost-extract: stopping once the folders in progress are written (again to quit now)"
        );
    })?;

    let mut inputs = convert::find_inputs(&args.inputs)?;
    if inputs.is_empty() {
        let given: Vec<String> = args
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        eprintln!(
            "ost-extract: no .ost or .pst files found in {}",
            given.join(", ")
        );
        return Ok(ExitCode::from(2));
    }
    let out = &args.output;
    // Output names are given over all the inputs, so every shard names an input alike.
    let mut names = convert::output_names(&inputs);
    let shard_plan = args.shard.map(|shard| {
        let planned: Vec<shards::PlannedInput> = inputs
            .iter()
            .zip(&names)
            .map(|(p, name)| shards::PlannedInput {
                input: p.display().to_string(),
                output: name.clone(),
                shard: shards::shard_of(&shards::shard_key(p, &args.inputs), shard.count),
            })
            .collect();
        (shard, planned)
    });
    if let Some((shard, planned)) = &shard_plan {
        let mine: Vec<bool> = planned.iter().map(|p| p.shard == shard.index).collect();
        let mut keep = mine.iter();
        inputs.retain(|_| keep.next() == Some(&true));
        let mut keep = mine.iter();
        names.retain(|_| keep.next() == Some(&true));
    }
    let opts = Options {
        mail: match args.mail {
            MailArg::Eml => MailFormat::Eml,
            MailArg::Mbox => MailFormat::Mbox,
            MailArg::Both => MailFormat::Both,
        },
        vcard: if args.vcard == 4 {
            ost_extract::contacts::VcardVersion::V4
        } else {
            ost_extract::contacts::VcardVersion::V3
        },
        recover_deleted: args.recover_deleted,
        carve: args.carve,
        only: args.only.unwrap_or(ost_extract::convert::Only::ALL),
        folders: ost_extract::convert::FolderFilter::new(&args.folders)
            .map_err(|e| anyhow::anyhow!("--folder: {e}"))?,
        dates: args.select.dates(),
        include_system: args.select.include_system(),
        guess_domain: args.domain.clone(),
        oab: match &args.oab {
            None => None,
            Some(dir) => {
                let oab = match ost_extract::addressbook::oab::read(dir) {
                    Ok(o) => o,
                    Err(e) => {
                        eprintln!("ost-extract: --oab: {e}");
                        return Ok(ExitCode::from(2));
                    }
                };
                if let Some(e) = &oab.error {
                    eprintln!(
                        "ost-extract: --oab: the address book is damaged; {} records read before: {e}",
                        oab.records.len()
                    );
                }
                Some(std::sync::Arc::new(oab.records))
            }
        },
        pst: (args.pst || args.pst_only).then_some(args.pst_max_size),
        open_formats: !args.pst_only,
        upload: None,
    };
    let mut opts = opts;
    if args.upload.any() && !args.dry_run {
        opts.upload = Some(
            args.upload
                .upload(opts.vcard, args.output.join("upload-ledger"))?,
        );
    }
    if args.dry_run {
        print_dry_run(&inputs, &names, out, &opts);
        return Ok(ExitCode::SUCCESS);
    }
    let prepared = match &shard_plan {
        // Shards share an output folder: each minds only its own inputs' folders and report.
        Some((shard, _)) => {
            let mine_there = out.join(shard.report_name()).exists()
                || names.iter().any(|n| out.join(n).exists());
            if mine_there && !args.force && !args.resume {
                Err(batch::RefusedOutput::NotEmpty(out.clone()))
            } else {
                std::fs::create_dir_all(out).map_err(|source| batch::RefusedOutput::Create {
                    path: out.clone(),
                    source,
                })
            }
        }
        None => batch::prepare_output(out, args.force, args.resume),
    };
    match prepared {
        Ok(()) => {}
        Err(e @ batch::RefusedOutput::NotEmpty(_)) => {
            eprintln!("ost-extract: {e}");
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e.into()),
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build()?;
    let mut shard_report = shard_plan.map(|(shard, inputs)| shards::ShardReport {
        shard,
        complete: false,
        inputs,
        elapsed_ms: 0,
    });
    if let Some(r) = &shard_report {
        r.write(out)?;
    }
    let sizes: std::collections::HashMap<String, u64> = inputs
        .iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::metadata(p).map_or(0, |m| m.len()),
            )
        })
        .collect();
    let display = progress::Display::new(args.quiet, sizes.values().sum());
    let reporter = progress::Reporter {
        display: &display,
        sizes: sizes.clone(),
        verb: "converting",
    };
    let started = std::time::Instant::now();

    let results: Vec<Result<_, convert::WriteError>> = pool.install(|| {
        inputs
            .par_iter()
            .zip(names.par_iter())
            .map(|(input, name)| {
                // Interrupted: inputs not yet started are left for --resume.
                if STOP.load(Ordering::SeqCst) {
                    return Ok(None);
                }
                let dir = out.join(name);
                let key = input.display().to_string();
                if let Some(done) = batch::prepare_input(&dir, args.resume)? {
                    display.add_bytes(sizes.get(&key).copied().unwrap_or(0));
                    display.finished(&key, "already complete, skipped");
                    return Ok(Some(done));
                }
                let r = convert::convert_file(input, &dir, &opts, &reporter)?;
                if r.finished || r.error.is_some() {
                    display.finished(&key, &batch::outcome_line(&r));
                } else {
                    display.finished(
                        &key,
                        "stopped part-way; the folders written are kept for --resume",
                    );
                }
                Ok(Some(r))
            })
            .collect()
    });
    display.clear();
    let mut reports = Vec::with_capacity(results.len());
    let mut not_started = 0;
    let mut part_way = 0;
    for r in results {
        match r {
            // Stopped part-way: left for --resume, in no run report yet.
            Ok(Some(r)) if !r.finished => part_way += 1,
            Ok(Some(r)) => reports.push(r),
            Ok(None) => not_started += 1,
            Err(e) => {
                eprintln!("ost-extract: {e}");
                eprintln!(
                    "ost-extract: stopped; fix this (free space, permissions, the upload target), then rerun with --resume"
                );
                return Ok(ExitCode::from(2));
            }
        }
    }
    let elapsed_ms = started.elapsed().as_millis() as u64;
    match &mut shard_report {
        // An interrupted shard's report stays as written at its start: incomplete.
        Some(_) if not_started + part_way > 0 => {}
        Some(r) => {
            r.complete = true;
            r.elapsed_ms = elapsed_ms;
            r.write(out)?;
        }
        None => {
            // With --resume, the inputs of the earlier run that this one was not given stay in
            // the run's report: their output is still there.
            let mut run = Vec::new();
            if args.resume {
                if let Ok(earlier) = shards::merge(std::slice::from_ref(out)) {
                    for i in earlier.inputs {
                        if let shards::InputState::Complete(r) = i.state {
                            if !names.contains(&i.output) {
                                run.push(*r);
                            }
                        }
                    }
                }
            }
            run.extend(reports.iter().cloned());
            convert::write_run_report(out, &run, elapsed_ms)?
        }
    }
    if not_started + part_way > 0 {
        eprintln!(
            "ost-extract: interrupted: {} of {} inputs written, {part_way} stopped part-way, \
             {not_started} not started; to finish, run the same command with --resume",
            reports.len(),
            reports.len() + part_way + not_started
        );
        return Ok(ExitCode::from(130));
    }
    if !args.quiet {
        print_summary(&reports, out);
        if let Some(r) = &shard_report {
            outln!(
                "shard {}: {} of the run's {} inputs; when every shard is done: ost-extract report {}",
                r.shard,
                reports.len(),
                r.inputs.len(),
                out.display()
            );
        }
    }
    if reports.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    Ok(ExitCode::from(batch::exit_code(&reports)))
}

fn print_dry_run(
    inputs: &[PathBuf],
    names: &[String],
    out: &std::path::Path,
    opts: &ost_extract::convert::Options,
) {
    use ost_extract::convert::dry_run;
    let counted = |counts: &std::collections::BTreeMap<ost_extract::convert::Kind, u64>| {
        counts
            .iter()
            .map(|(k, n)| {
                let kind = serde_json::to_value(k)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                format!("{n} {kind}")
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut size = 0;
    for (input, name) in inputs.iter().zip(names) {
        let plan = dry_run::dry_run(input, opts);
        size += plan.size;
        outln!(
            "{} ({} bytes) -> {}",
            plan.input,
            plan.size,
            out.join(name).display()
        );
        if let Some(e) = &plan.error {
            outln!("  unreadable: {e}");
            continue;
        }
        for f in &plan.folders {
            if !f.counts.is_empty() {
                outln!(
                    "  {}: {} -> {}",
                    f.folder,
                    counted(&f.counts),
                    f.writes.join(", ")
                );
            }
            if !f.skipped.is_empty() {
                let why: Vec<String> = f
                    .skipped
                    .iter()
                    .map(|(reason, n)| format!("{n} {reason}"))
                    .collect();
                outln!("  {}: skipped {}", f.folder, why.join(", "));
            }
        }
        outln!("  total: {}", counted(&plan.totals()));
        let skipped = plan.skipped();
        if skipped > 0 {
            outln!("  skipped: {skipped} system items (--include-system to convert them)");
        }
    }
    outln!(
        "(dry run: nothing written; {} inputs, {size} bytes)",
        inputs.len()
    );
}

fn report(outdirs: &[PathBuf], failures: bool) -> anyhow::Result<ExitCode> {
    use ost_extract::convert::InputReport;
    use shards::InputState;

    let merged = shards::merge(outdirs)?;
    let reports: Vec<InputReport> = merged.reports().into_iter().cloned().collect();
    let Some(first) = outdirs.first() else {
        return Ok(ExitCode::from(2));
    };
    if failures {
        for r in &reports {
            if let Some(e) = &r.error {
                outln!("{}: unreadable: {e}", r.input);
            }
            for f in &r.failures {
                let subject = f.subject.as_deref().unwrap_or("(subject unreadable)");
                let nid = f.nid.map(|n| format!(" (node {n:#x})")).unwrap_or_default();
                outln!("{}: {}: {subject}{nid}: {}", r.input, f.folder, f.reason);
            }
        }
    } else {
        ost_extract::convert::write_run_report(first, &reports, merged.elapsed_ms)?;
        print_summary(&reports, first);
    }
    let count = merged.shard_count;
    let shard_of = |s: Option<u32>| match (s, count) {
        (Some(i), Some(n)) => format!(" (shard {i}/{n})"),
        _ => String::new(),
    };
    for i in &merged.inputs {
        match i.state {
            InputState::Complete(_) => {}
            InputState::Incomplete => {
                outln!("incomplete: {}{}", i.input, shard_of(i.shard));
            }
            InputState::Missing => {
                outln!("missing: {}{}", i.input, shard_of(i.shard));
            }
        }
    }
    if let Some(n) = count {
        for i in &merged.shards_missing {
            outln!("shard {i}/{n}: no report (not started, or its output folder not given)");
        }
        for i in &merged.shards_incomplete {
            outln!("shard {i}/{n}: did not finish; run it again with --resume");
        }
    }
    // The same rule as a single run's, and never 0 while an input or shard is missing.
    let code = ost_extract::convert::batch::exit_code(&reports);
    Ok(ExitCode::from(if merged.is_complete() || code != 0 {
        code
    } else {
        1
    }))
}

fn print_summary(reports: &[ost_extract::convert::InputReport], out: &std::path::Path) {
    use ost_extract::convert::batch::SummaryRow;
    outln!();
    outln!(
        "{:<40} {:>11} {:>11} {:>9} {:>11} {:>7}",
        "input",
        "mail",
        "calendar",
        "tasks",
        "contacts",
        "failed"
    );
    for r in reports {
        let row = SummaryRow::of(r);
        let name = &row.name;
        if let Some(e) = &row.unreadable {
            outln!("{name:<40} unreadable: {e}");
            continue;
        }
        outln!(
            "{name:<40} {:>11} {:>11} {:>9} {:>11} {:>7}",
            row.mail.to_string(),
            row.calendar.to_string(),
            row.tasks.to_string(),
            row.contacts.to_string(),
            row.failed
        );
    }
    outln!(
        "(written/found)  output: {}  reports: report.json in each input's folder",
        out.display()
    );
    if let Some(line) = ost_extract::convert::batch::loss_line(reports) {
        outln!("{line}");
    }
}
