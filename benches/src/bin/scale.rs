//! The scale benchmark: builds large files with the fixtures writer, then on each file, in
//! the same run and on a warm page cache, times `ost-extract convert` (mbox and EML) against
//! `readpst` (mbox and `-e`, `-j` on all cores) and `pffexport`, and measures the floors:
//! reading the file once and inflating every block once. It also times the conversion to a
//! PST (`--pst-only`) against its own floor, reading the input once plus writing as many bytes
//! as the PST has, and runs `ost-extract check` on every PST written.
//!
//! ```text
//! cargo build --release -p ost-extract-cli -p ost-extract-benches
//! target/release/scale [--dir /tmp/ost-scale] [--only ost1g,ost4g,pst1g] [--skip TOOL,...]
//!                       [--runs N] [--out OUTPUT_DIR] [--no-pretouch] [--delete-each]
//! ```
//!
//! Before every timed run it writes once into as much free memory as the run may need (see
//! [`pretouch_free_memory`]; `--no-pretouch` skips it).
//! Files are kept in `--dir` and reused when present (their build is the slow part). Every
//! tool runs `--runs` times (default 3), in rounds (each round runs every tool once, starting
//! one tool later than the round before), and the median wall time is reported with the
//! range; the floors are the best of as many tries.
//! Output trees are written under `--out` (default `--dir/out`), one folder per input, tool
//! and round, and deleted when the run ends. Results go to stdout as a Markdown table and to
//! `--dir/results.json`.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use pst_fixtures::{build_file, BuildOptions};
use pstkit::ndb::{BlockEntry, CryptMethod, Ndb};
use pstkit::{Client, Layout};
use rayon::prelude::*;

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// One input of the benchmark.
struct Input {
    name: &'static str,
    file: &'static str,
    layout: Layout,
    client: Client,
    size: u64,
}

const INPUTS: [Input; 3] = [
    Input {
        name: "ost1g",
        file: "scale-1g.ost",
        layout: Layout::Unicode4k,
        client: Client::Ost,
        size: 1 << 30,
    },
    Input {
        name: "ost4g",
        file: "scale-4g.ost",
        layout: Layout::Unicode4k,
        client: Client::Ost,
        size: 4 << 30,
    },
    Input {
        name: "pst1g",
        file: "scale-1g.pst",
        layout: Layout::Unicode,
        client: Client::Pst,
        size: 1 << 30,
    },
];

/// What one timed run gave.
#[derive(Debug, Clone, serde::Serialize)]
struct Run {
    input: String,
    tool: String,
    round: usize,
    wall_s: f64,
    user_s: f64,
    sys_s: f64,
    mb_s: f64,
    peak_rss_mib: f64,
    ok: bool,
    output_files: u64,
    output_mib: f64,
}

struct Args {
    dir: PathBuf,
    only: Vec<String>,
    skip: Vec<String>,
    bin: PathBuf,
    out: Option<PathBuf>,
    runs: usize,
    pretouch: bool,
    /// Delete each run's output as soon as it is measured (for disks too small for all).
    delete_each: bool,
}

fn parse_args() -> Result<Args> {
    let exe = std::env::current_exe()?;
    let mut a = Args {
        dir: PathBuf::from("/tmp/ost-scale"),
        only: Vec::new(),
        skip: Vec::new(),
        bin: exe.with_file_name("ost-extract"),
        out: None,
        runs: 3,
        pretouch: true,
        delete_each: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().with_context(|| format!("{k} needs a value"));
        match k.as_str() {
            "--dir" => a.dir = PathBuf::from(v()?),
            "--only" => a.only = v()?.split(',').map(str::to_owned).collect(),
            "--skip" => a.skip = v()?.split(',').map(str::to_owned).collect(),
            "--bin" => a.bin = PathBuf::from(v()?),
            "--out" => a.out = Some(PathBuf::from(v()?)),
            "--runs" => a.runs = v()?.parse::<usize>()?.max(1),
            "--no-pretouch" => a.pretouch = false,
            "--delete-each" => a.delete_each = true,
            "-h" | "--help" => {
                println!(
                    "scale [--dir DIR] [--only ost1g,ost4g,pst1g] \
                     [--skip ours-pst,ours-mbox,ours-eml,readpst-mbox,readpst-e,pffexport,ls] [--bin OST_EXTRACT] \
                     [--runs N (default 3; outputs of every run stay on disk until the end)] \
                     [--no-pretouch (do not write into free memory before each run)] \
                     [--delete-each (delete each output once measured; not for EML runs, see below)] \
                     [--out OUTPUT_DIR (default DIR/out; e.g. /dev/shm/out to take the disk out)]"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

/// Reads the whole file once in 4 MiB chunks (also warms the page cache).
fn read_once(path: &Path) -> Result<f64> {
    let t = Instant::now();
    let mut f = fs::File::open(path)?;
    let mut buf = vec![0u8; 4 << 20];
    let mut sum = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        // Touch the data so the read cannot be skipped.
        sum = sum.wrapping_add(u64::from(buf[n - 1]));
    }
    std::hint::black_box(sum);
    Ok(t.elapsed().as_secs_f64())
}

/// Writes once into up to `want` bytes of free memory, then frees it. On a virtual machine
/// whose host backs its memory only once written, and takes back what the guest leaves free
/// for a while, writing into such memory is many times slower than into memory just used
/// (here 1.5 GB of page cache took 3.95 s instead of 0.34 s), and whichever tool runs when
/// the host has taken memory back pays for it. Done right before every timed run, so that
/// every tool writes its output into memory the machine holds, as on a physical machine.
fn pretouch_free_memory(want: u64) -> Result<u64> {
    let meminfo = fs::read_to_string("/proc/meminfo")?;
    let free_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemFree:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no MemFree in /proc/meminfo")?;
    // Leave 1 GiB free for everything else.
    let target = (free_kib * 1024).saturating_sub(1 << 30).min(want);
    let chunk = 256usize << 20;
    let mut held: Vec<Vec<u8>> = Vec::new();
    let mut total = 0u64;
    while total + chunk as u64 <= target {
        let mut v: Vec<u8> = Vec::with_capacity(chunk);
        // One write per page makes the page real; the zeroed allocation alone would not.
        v.resize(chunk, 1);
        held.push(v);
        total += chunk as u64;
    }
    drop(held);
    Ok(total)
}

/// The same start for every timed run: earlier output flushed to disk, a warm cache (the
/// input read in full), and, when `pretouch` says how much, that much free memory written
/// into once.
fn same_start(input: &Path, pretouch: Option<u64>) -> Result<()> {
    let _ = Command::new("sync").status();
    read_once(input)?;
    if let Some(n) = pretouch {
        pretouch_free_memory(n)?;
    }
    Ok(())
}

/// Writes `bytes` bytes to a new file at `path` in 1 MiB writes, as the converter writes an
/// mbox (through the page cache, no `fsync`). Returns the seconds taken.
fn write_once(path: &Path, bytes: u64) -> Result<f64> {
    use std::io::Write;
    let chunk: Vec<u8> = (0..1u32 << 20).map(|i| b'A' + (i % 26) as u8).collect();
    let t = Instant::now();
    let mut f = fs::File::create(path)?;
    let mut left = bytes;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        f.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    drop(f);
    Ok(t.elapsed().as_secs_f64())
}

/// Reads and decodes (CRC, inflate, decrypt) every block of the block B-tree once: on one
/// thread, and on all cores. Returns (seconds one thread, seconds all cores, blocks, MiB
/// inflated).
fn inflate_once(path: &Path) -> Result<(f64, f64, usize, f64)> {
    let ndb = Ndb::open(path)?;
    let mut blocks: Vec<BlockEntry> = Vec::new();
    ndb.for_each_block(&mut |b| blocks.push(b));
    let t = Instant::now();
    let mut bytes = 0usize;
    for b in &blocks {
        if let Ok(d) = ndb.read_block(b.bref.bid) {
            bytes += d.len();
        }
    }
    let one = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let par: usize = blocks
        .par_iter()
        .map(|b| ndb.read_block(b.bref.bid).map_or(0, |d| d.len()))
        .sum();
    let all = t.elapsed().as_secs_f64();
    std::hint::black_box(par);
    Ok((one, all, blocks.len(), bytes as f64 / 1048576.0))
}

/// Files and bytes under `dir`.
fn tree_size(dir: &Path) -> (u64, u64) {
    let mut files = 0;
    let mut bytes = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(_) => {
                    files += 1;
                    bytes += e.metadata().map_or(0, |m| m.len());
                }
                Err(_) => {}
            }
        }
    }
    (files, bytes)
}

/// The files under `dir` whose name ends in `.ext`, sorted.
fn files_with_extension(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let path = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == ext) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// What `/usr/bin/time -v` says about one command.
struct Timed {
    wall: f64,
    user: f64,
    sys: f64,
    rss_mib: f64,
    ok: bool,
}

/// Runs `cmd` under `/usr/bin/time -v`.
fn timed(cmd: &[String], quiet_out: &Path) -> Result<Timed> {
    let log = quiet_out.with_extension("time");
    let t = Instant::now();
    let status = Command::new("/usr/bin/time")
        .arg("-v")
        .arg("-o")
        .arg(&log)
        .args(cmd)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .with_context(|| format!("running {}", cmd.join(" ")))?;
    let wall = t.elapsed().as_secs_f64();
    let text = fs::read_to_string(&log).unwrap_or_default();
    let _ = fs::remove_file(&log);
    let field = |name: &str| ost_extract_benches::time_field(&text, name);
    Ok(Timed {
        wall,
        user: field("User time (seconds):"),
        sys: field("System time (seconds):"),
        rss_mib: field("Maximum resident set size (kbytes):") / 1024.0,
        ok: status.success(),
    })
}

/// The median of some numbers (the mean of the middle two for an even count).
fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// One tool on one input over all its runs: medians, the wall-time range, the highest peak.
#[derive(Debug, Clone, serde::Serialize)]
struct Summary {
    input: String,
    tool: String,
    runs: usize,
    wall_s: f64,
    min_s: f64,
    max_s: f64,
    mb_s: f64,
    user_s: f64,
    sys_s: f64,
    peak_rss_mib: f64,
    /// Every run succeeded.
    ok: bool,
    output_files: u64,
    output_mib: f64,
}

/// Groups runs by input and tool, in the order they first ran.
fn summarise(runs: &[Run]) -> Vec<Summary> {
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for r in runs {
        if !keys.contains(&(r.input.as_str(), r.tool.as_str())) {
            keys.push((&r.input, &r.tool));
        }
    }
    keys.into_iter()
        .map(|(input, tool)| {
            let these: Vec<&Run> = runs
                .iter()
                .filter(|r| r.input == input && r.tool == tool)
                .collect();
            let of = |f: fn(&Run) -> f64| these.iter().map(|r| f(r)).collect::<Vec<f64>>();
            let walls = of(|r| r.wall_s);
            let wall = median(&walls);
            let last = these.last();
            Summary {
                input: input.into(),
                tool: tool.into(),
                runs: these.len(),
                wall_s: wall,
                min_s: walls.iter().copied().fold(f64::INFINITY, f64::min),
                max_s: walls.iter().copied().fold(0.0, f64::max),
                mb_s: these.first().map_or(0.0, |r| r.mb_s * r.wall_s) / wall,
                user_s: median(&of(|r| r.user_s)),
                sys_s: median(&of(|r| r.sys_s)),
                peak_rss_mib: of(|r| r.peak_rss_mib).into_iter().fold(0.0, f64::max),
                ok: these.iter().all(|r| r.ok),
                output_files: last.map_or(0, |r| r.output_files),
                output_mib: last.map_or(0.0, |r| r.output_mib),
            }
        })
        .collect()
}

/// Stands for a tool's output folder in the command lines below.
const OUT: &str = "{out}";

fn main() -> Result<()> {
    let args = parse_args()?;
    fs::create_dir_all(&args.dir)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if !args.bin.exists() {
        bail!(
            "{} not found: cargo build --release -p ost-extract-cli",
            args.bin.display()
        );
    }
    let mut runs: Vec<Run> = Vec::new();
    let mut floors = Vec::new();
    let out_root = args.out.clone().unwrap_or_else(|| args.dir.join("out"));
    for input in INPUTS
        .iter()
        .filter(|i| args.only.is_empty() || args.only.iter().any(|o| o == i.name))
    {
        let path = args.dir.join(input.file);
        if !path.exists() {
            eprintln!("building {} ({} bytes)...", path.display(), input.size);
            let t = Instant::now();
            let mut opts = BuildOptions::new(input.layout, input.client, CryptMethod::None);
            opts.size = Some(input.size);
            let m = build_file(&path, &opts)?;
            eprintln!(
                "  built in {:.0} s: {} folders, {} messages, {} attachments",
                t.elapsed().as_secs_f64(),
                m.totals.folders,
                m.totals.messages,
                m.totals.attachments
            );
        }
        let len = fs::metadata(&path)?.len();
        let mb = len as f64 / 1e6;
        // Warm the cache, then measure the floors on the warm cache, best of `runs` tries.
        read_once(&path)?;
        let mut read_s = f64::INFINITY;
        let (mut inflate_1t, mut inflate_all) = (f64::INFINITY, f64::INFINITY);
        let (mut nblocks, mut inflated_mib) = (0, 0.0);
        for _ in 0..args.runs {
            read_s = read_s.min(read_once(&path)?);
            let (one, all, n, mib) = inflate_once(&path)?;
            inflate_1t = inflate_1t.min(one);
            inflate_all = inflate_all.min(all);
            (nblocks, inflated_mib) = (n, mib);
        }
        eprintln!(
            "{}: {:.0} MB, read {:.2} s, inflate {} blocks ({:.0} MiB) {:.2} s on one core, {:.2} s on {cores}",
            input.name, mb, read_s, nblocks, inflated_mib, inflate_1t, inflate_all
        );
        floors.push(serde_json::json!({
            "input": input.name, "bytes": len, "read_s": read_s,
            "inflate_1t_s": inflate_1t, "inflate_all_s": inflate_all,
            "blocks": nblocks, "inflated_mib": inflated_mib,
            "floor_s": read_s + inflate_all,
        }));

        let p = path.display().to_string();
        let bin = args.bin.display().to_string();
        let j = cores.to_string();
        let export = format!("{OUT}/export");
        let tools: [(&str, Vec<&str>); 7] = [
            (
                "ours-pst",
                vec![&bin, "convert", &p, "-o", OUT, "--pst-only", "--jobs", &j],
            ),
            (
                "ours-mbox",
                vec![
                    &bin, "convert", &p, "-o", OUT, "--mail", "mbox", "--jobs", &j,
                ],
            ),
            (
                "ours-eml",
                vec![
                    &bin, "convert", &p, "-o", OUT, "--mail", "eml", "--jobs", &j,
                ],
            ),
            (
                "readpst-mbox",
                vec!["readpst", "-q", "-j", &j, "-o", OUT, &p],
            ),
            (
                "readpst-e",
                vec!["readpst", "-q", "-e", "-j", &j, "-o", OUT, &p],
            ),
            ("pffexport", vec!["pffexport", "-q", "-t", &export, &p]),
            ("ls", vec![&bin, "ls", &p]),
        ];
        // In rounds, so that a drift of the machine's state over the run (page cache, the
        // host) is spread over every tool alike. Right after our mbox run, as many bytes as
        // it wrote are written once more by a plain loop: what writing the output costs on
        // this machine at that moment, whatever the tool.
        let mut writes: Vec<f64> = Vec::new();
        let mut pst_writes: Vec<f64> = Vec::new();
        let mut pst_bytes = 0u64;
        let mut pst_checks: Vec<serde_json::Value> = Vec::new();
        // More than any tool writes: output is at most about 1.5 times the input.
        let touch = len.saturating_mul(2).saturating_add(1 << 30);
        for round in 1..=args.runs {
            // Each round starts one tool later, so that no tool always goes first: on this
            // kind of VM a run right after another can pay for memory the host takes back.
            for (tool, cmd) in tools.iter().cycle().skip(round - 1).take(tools.len()) {
                if args.skip.iter().any(|s| s == tool) {
                    continue;
                }
                let out = out_root.join(format!("{}-{tool}-{round}", input.name));
                let cmd: Vec<String> = cmd
                    .iter()
                    .map(|a| a.replace(OUT, &out.display().to_string()))
                    .collect();
                let _ = fs::remove_dir_all(&out);
                fs::create_dir_all(&out)?;
                same_start(&path, args.pretouch.then_some(touch))?;
                let t = timed(&cmd, &args.dir.join("run"))?;
                let (files, bytes) = tree_size(&out);
                let run = Run {
                    input: input.name.into(),
                    tool: (*tool).into(),
                    round,
                    wall_s: t.wall,
                    user_s: t.user,
                    sys_s: t.sys,
                    mb_s: mb / t.wall,
                    peak_rss_mib: t.rss_mib,
                    ok: t.ok,
                    output_files: files,
                    output_mib: bytes as f64 / 1048576.0,
                };
                eprintln!(
                    "  {tool:13} #{round} {:8.2} s (user {:.2}, sys {:.2}) {:8.1} MB/s {:8.1} MiB peak{} ({files} files, {:.0} MiB out)",
                    t.wall,
                    t.user,
                    t.sys,
                    run.mb_s,
                    t.rss_mib,
                    if t.ok { "" } else { " FAILED" },
                    run.output_mib
                );
                if *tool == "ours-mbox" {
                    same_start(&path, args.pretouch.then_some(touch))?;
                    let sink = out_root.join(format!("{}-write-{round}", input.name));
                    let w = write_once(&sink, bytes)?;
                    if args.delete_each {
                        let _ = fs::remove_file(&sink);
                    }
                    eprintln!(
                        "  write output  #{round} {w:8.2} s ({:.0} MiB)",
                        run.output_mib
                    );
                    writes.push(w);
                }
                if *tool == "ours-pst" {
                    // The PST's floor: writing as many bytes with a plain loop, then
                    // (untimed for the ratio) the validator over what was written.
                    let psts = files_with_extension(&out, "pst");
                    let size: u64 = psts
                        .iter()
                        .map(|p| fs::metadata(p).map_or(0, |m| m.len()))
                        .sum();
                    same_start(&path, args.pretouch.then_some(touch))?;
                    let sink = out_root.join(format!("{}-pstwrite-{round}", input.name));
                    let w = write_once(&sink, size)?;
                    let _ = fs::remove_file(&sink);
                    eprintln!("  write PST     #{round} {w:8.2} s ({size} bytes)");
                    pst_writes.push(w);
                    pst_bytes = size;
                    for pst in psts {
                        let c = timed(
                            &[
                                args.bin.display().to_string(),
                                "check".into(),
                                pst.display().to_string(),
                            ],
                            &args.dir.join("run"),
                        )?;
                        eprintln!(
                            "  check {}  {:.2} s, {:.1} MiB peak, {}",
                            pst.display(),
                            c.wall,
                            c.rss_mib,
                            if c.ok { "no findings" } else { "FINDINGS" }
                        );
                        pst_checks.push(serde_json::json!({
                            "round": round, "file": pst.display().to_string(),
                            "clean": c.ok, "wall_s": c.wall, "peak_rss_mib": c.rss_mib,
                        }));
                    }
                }
                if args.delete_each {
                    let _ = fs::remove_dir_all(&out);
                }
                runs.push(run);
            }
        }
        if let Some(f) = floors.last_mut() {
            f["write_output_s"] = serde_json::json!(median(&writes));
            if !pst_writes.is_empty() {
                let read = f["read_s"].as_f64().unwrap_or(0.0);
                let w = median(&pst_writes);
                f["pst_bytes"] = serde_json::json!(pst_bytes);
                f["write_pst_s"] = serde_json::json!(w);
                f["pst_floor_s"] = serde_json::json!(read + w);
                f["pst_checks"] = serde_json::json!(pst_checks);
            }
        }
    }
    // Outputs are deleted only now: deleting many files just before creating many (the EML
    // and pffexport runs) makes ext4 skip the recently freed inodes one by one, which slowed
    // file creation several times over and made the tool that ran next look slow.
    let _ = fs::remove_dir_all(&out_root);

    let summary = summarise(&runs);
    println!(
        "| input | tool | wall s (median of {}) | range s | MB/s | user s | sys s | peak RSS MiB | output |",
        args.runs
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---|");
    for t in &summary {
        println!(
            "| {} | {} | {:.2} | {:.2}-{:.2} | {:.1} | {:.2} | {:.2} | {:.1} | {} files, {:.0} MiB{} |",
            t.input,
            t.tool,
            t.wall_s,
            t.min_s,
            t.max_s,
            t.mb_s,
            t.user_s,
            t.sys_s,
            t.peak_rss_mib,
            t.output_files,
            t.output_mib,
            if t.ok { "" } else { " (FAILED)" }
        );
    }
    println!();
    println!(
        "| input | read once s | inflate once s (1 core / all) | floor s (read + inflate all cores) | writing our mbox output once s (median) |"
    );
    println!("|---|---:|---:|---:|---:|");
    for f in &floors {
        println!(
            "| {} | {:.2} | {:.2} / {:.2} | {:.2} | {} |",
            f["input"].as_str().unwrap_or(""),
            f["read_s"].as_f64().unwrap_or(0.0),
            f["inflate_1t_s"].as_f64().unwrap_or(0.0),
            f["inflate_all_s"].as_f64().unwrap_or(0.0),
            f["floor_s"].as_f64().unwrap_or(0.0),
            f["write_output_s"]
                .as_f64()
                .map_or("-".to_owned(), |w| format!("{w:.2}")),
        );
    }
    println!();
    for f in &floors {
        let name = f["input"].as_str().unwrap_or("");
        let floor = f["floor_s"].as_f64().unwrap_or(0.0);
        let get = |t: &str| summary.iter().find(|r| r.input == name && r.tool == t);
        // mbox against every other tool; EML against the tools that also write a file per
        // item (readpst -e, pffexport).
        let others: [(&str, &[&str]); 2] = [
            ("ours-mbox", &["readpst-mbox", "readpst-e", "pffexport"]),
            ("ours-eml", &["readpst-e", "pffexport"]),
        ];
        if let (Some(r), Some(pf)) = (get("ours-pst"), f["pst_floor_s"].as_f64()) {
            let clean = f["pst_checks"]
                .as_array()
                .is_some_and(|c| !c.is_empty() && c.iter().all(|x| x["clean"] == true));
            println!(
                "{name} ours-pst: {:.2} s, {:.2}x the PST floor ({:.2} s: read the input once + write {} bytes once); peak RSS {:.0} MiB; check: {}",
                r.wall_s,
                r.wall_s / pf,
                pf,
                f["pst_bytes"],
                r.peak_rss_mib,
                if clean { "no findings" } else { "FINDINGS or not run" }
            );
        }
        for (ours, against) in others {
            let competitor = against
                .iter()
                .filter_map(|t| get(t).filter(|r| r.ok))
                .map(|r| r.wall_s)
                .fold(f64::INFINITY, f64::min);
            if let Some(r) = get(ours) {
                let vs_others = if competitor.is_finite() {
                    format!(
                        "{:.1}x faster than the fastest of {} that finished, ",
                        competitor / r.wall_s,
                        against.join(", ")
                    )
                } else {
                    String::new()
                };
                println!(
                    "{name} {ours}: {vs_others}{:.2}x the floor",
                    r.wall_s / floor
                );
            }
        }
    }
    let json = serde_json::json!({
        "cores": cores, "runs": runs, "summary": summary, "floors": floors,
    });
    fs::write(
        args.dir.join("results.json"),
        serde_json::to_vec_pretty(&json)?,
    )?;
    Ok(())
}
