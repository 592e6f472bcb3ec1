//! The damage benchmark: damages files in the ways a dying disk does and counts, for each
//! damage, the items `ost-extract convert`, `readpst` and `pffexport` get back.
//!
//! ```text
//! cargo build --release -p ost-extract-cli -p ost-extract-benches --bin ost-extract --bin damage
//! target/release/damage [--dir /tmp/ost-damage] [--corpus ../shared/fixtures/corpus]
//!                       [--only NAME-PART]... [--seed 7]
//! ```
//!
//! Inputs: writer-built files of every layout (ANSI PST, Unicode PST, Outlook 2013+ OST; 60
//! mails with attachments each) and three corpus files (an ANSI PST, a Unicode PST, a real
//! OST); `--only` keeps the inputs whose name contains one of its arguments (to run the
//! table in parts). Damages ([`pst_fixtures::damage::cells`], seeded by `--seed` plus the
//! input's position): truncation at 90/75/50/25%, 10 and 100 bit flips, three zeroed 4 KiB
//! regions, a zeroed node-B-tree root page, a zeroed header (first 1 KiB) and an XBLOCK that
//! says it lists half its children.
//!
//! Items counted: ours, every item written (report.json), with `--include-system` since the
//! peers export system items (sync logs, configuration items) too; readpst (`-D -S`, deleted items
//! too), one file per item; pffexport (`-m all`: allocated, orphan and recovered items), one
//! folder per item. For every input the table also says how many of its messages have every
//! block intact (what carving can get back), how many of those our library gives back when it
//! opens the damaged file as the command does, and how many of those byte for byte (subject,
//! bodies, attachments), and how many of the items ours wrote were read from a block whose
//! CRC fails (`part_damaged`). A row is marked when ours wrote fewer items than a peer, or
//! exited 0 with fewer items than the intact file gave or with items from damaged blocks.
//! Prints a Markdown table.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use pst_fixtures::damage::{cells, recovery};
use pst_fixtures::{build_file, BuildOptions};
use pstkit::ndb::CryptMethod;
use pstkit::{Carving, Client, Layout, Store};

/// What our command did (with `extra` flags).
struct Ours {
    /// Items written.
    written: u64,
    /// Of those, items written from a block whose CRC fails (`part_damaged`).
    damaged: u64,
    /// Its exit code.
    code: i32,
}

/// Runs our command on `input` (with `extra` flags).
fn ours(bin: &Path, input: &Path, out: &Path, extra: &[&str]) -> Result<Ours> {
    let _ = fs::remove_dir_all(out);
    let status = Command::new(bin)
        // System items (sync logs, configuration) too: the peers export them.
        .args(["convert", "--quiet", "--force", "--include-system", "-o"])
        .arg(out)
        .args(extra)
        .arg(input)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    let code = status.code().unwrap_or(-1);
    let run: serde_json::Value = match fs::read(out.join("report.json")) {
        Ok(b) => serde_json::from_slice(&b)?,
        Err(_) => {
            return Ok(Ours {
                written: 0,
                damaged: 0,
                code,
            })
        }
    };
    let written = run["totals"].as_object().map_or(0, |t| {
        t.values().map(|c| c["written"].as_u64().unwrap_or(0)).sum()
    });
    // The input's own report lists the items written from damaged blocks.
    let name = input.file_name().context("input without a name")?;
    let report: serde_json::Value = match fs::read(out.join(name).join("report.json")) {
        Ok(b) => serde_json::from_slice(&b)?,
        Err(_) => serde_json::Value::Null,
    };
    let mut damaged: Vec<(Option<u64>, &str)> = report["failures"]
        .as_array()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .filter(|f| f["kind"] == "part_damaged")
        .map(|f| (f["nid"].as_u64(), f["folder"].as_str().unwrap_or("")))
        .collect();
    damaged.sort_unstable();
    damaged.dedup();
    Ok(Ours {
        written,
        damaged: damaged.len() as u64,
        code,
    })
}

/// Files under `dir` whose name satisfies `keep`, recursively.
fn count_files(dir: &Path, keep: &dyn Fn(&Path) -> bool, dirs: bool) -> u64 {
    let Ok(rd) = fs::read_dir(dir) else { return 0 };
    let mut n = 0;
    for e in rd.flatten() {
        let p = e.path();
        let is_dir = p.is_dir();
        if is_dir == dirs && keep(&p) {
            n += 1;
        }
        if is_dir {
            n += count_files(&p, keep, dirs);
        }
    }
    n
}

/// Items readpst writes (`-S`: one file per item, named by number; attachments are
/// `N-name`).
fn readpst(input: &Path, out: &Path) -> u64 {
    let _ = fs::remove_dir_all(out);
    let _ = fs::create_dir_all(out);
    let _ = Command::new("readpst")
        .args(["-q", "-D", "-S", "-j", "1", "-o"])
        .arg(out)
        .arg(input)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let numbered = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    count_files(out, &numbered, false)
}

/// Items pffexport writes (`-m all`): one folder per item (`Message00001`, `Contact00002`...),
/// attachments' embedded items and recovered folders (`Folder00001`) not counted. Returns
/// the items of the folder tree and orphans, and those it recovered from free space.
fn pffexport(input: &Path, target: &Path) -> (u64, u64) {
    for ext in ["export", "recovered", "orphans"] {
        let _ = fs::remove_dir_all(target.with_extension(ext));
    }
    let _ = Command::new("pffexport")
        .args(["-q", "-m", "all", "-t"])
        .arg(target)
        .arg(input)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let item = |p: &Path| {
        let in_attachment = p.components().any(|c| c.as_os_str() == "Attachments");
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let digits = name.bytes().rev().take_while(u8::is_ascii_digit).count();
        !in_attachment
            && digits == 5
            && name.len() > 5
            && !name.starts_with("Folder")
            && name.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
    };
    let count = |ext: &str| count_files(&target.with_extension(ext), &item, true);
    (count("export") + count("orphans"), count("recovered"))
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut dir = PathBuf::from("/tmp/ost-damage");
    let mut corpus = PathBuf::from("../shared/fixtures/corpus");
    let mut only: Vec<String> = Vec::new();
    let mut seed = 7u64;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--dir" => dir = args.next().context("--dir needs a path")?.into(),
            "--corpus" => corpus = args.next().context("--corpus needs a path")?.into(),
            "--only" => only.push(args.next().context("--only needs a name part")?),
            "--seed" => seed = args.next().context("--seed needs a number")?.parse()?,
            other => bail!("unknown argument {other}"),
        }
    }
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| name.contains(o.as_str()));
    let exe = std::env::current_exe()?;
    let bin = exe.parent().context("no folder")?.join("ost-extract");
    if !bin.exists() {
        bail!(
            "{} missing: cargo build --release -p ost-extract-cli",
            bin.display()
        );
    }
    fs::create_dir_all(&dir)?;

    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for (layout, client, crypt) in [
        (Layout::Ansi, Client::Pst, CryptMethod::Cyclic),
        (Layout::Unicode, Client::Pst, CryptMethod::Permute),
        (Layout::Unicode4k, Client::Ost, CryptMethod::Permute),
    ] {
        let name = format!("writer {} {}", layout.name(), client.name());
        if !wanted(&name) {
            continue;
        }
        let path = dir.join(format!("writer-{}.{}", layout.name(), client.name()));
        let mut opts = BuildOptions::new(layout, client, crypt);
        opts.messages = 60;
        opts.big_attachment = 512 << 10;
        build_file(&path, &opts)?;
        inputs.push((name, fs::read(&path)?));
    }
    for name in [
        "simiden__2k_outlook_qwerty1234.pst",
        "hughbe__2003_compressable-encryption_quickbrownfox.pst",
        "aspose-email__SampleOstFile.ost",
    ] {
        if !wanted(name) {
            continue;
        }
        let p = corpus.join(name);
        inputs.push((
            name.to_owned(),
            fs::read(&p).with_context(|| p.display().to_string())?,
        ));
    }

    println!(
        "| input | damage | messages with blocks intact | of those, ours (library) | byte-exact | ours (items written) | of those, from damaged blocks | exit | ours --carve | readpst | pffexport | pffexport recovered |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let input = dir.join("damaged.pst");
    for (i, (name, bytes)) in inputs.iter().enumerate() {
        let intact = Store::from_bytes_with(bytes.clone(), Carving::Off)?;
        let mut whole = None;
        for cell in cells(bytes, seed + i as u64) {
            fs::write(&input, &cell.bytes)?;
            let Ours {
                written: o,
                damaged,
                code,
            } = ours(&bin, &input, &dir.join("ours"), &[])?;
            let c = ours(&bin, &input, &dir.join("ours"), &["--carve"])?.written;
            let r = readpst(&input, &dir.join("readpst"));
            let (p, pr) = pffexport(&input, &dir.join("pff"));
            let got = recovery(&intact, &cell);
            let whole = *whole.get_or_insert(o);
            let mut mark = String::new();
            // What pffexport recovers from free space, ours gives with --carve (or by
            // itself, when it had to carve).
            if o < r.max(p) || o.max(c) < r.max(p + pr) {
                mark.push_str(" ✗ fewer than a peer");
            }
            if (o < whole || damaged > 0) && code == 0 {
                mark.push_str(" ✗ exit 0 with a loss");
            }
            println!(
                "| {name} | {} | {} | {} | {} | **{o}**{mark} | {damaged} | {code} | {c} | {r} | {p} | {pr} |",
                cell.what, got.surviving, got.recovered, got.exact
            );
        }
    }
    Ok(())
}
