//! The damage benchmark: damages files in the ways a dying disk does and counts, for each
//! damage, the items `ost-extract convert`, `readpst` and `pffexport` get back.
//!
//! ```text
//! cargo build --release -p ost-extract-cli -p ost-extract-benches
//! target/release/damage [--dir /tmp/ost-damage] [--corpus ../shared/fixtures/corpus]
//! ```
//!
//! Inputs: writer-built files of every layout (ANSI PST, Unicode PST, Outlook 2013+ OST; 60
//! mails with attachments each) and three corpus files (an ANSI PST, a Unicode PST, a real
//! OST). Damages, seeded: truncation at 90/75/50/25%, 10 and 100 bit flips, three zeroed
//! 4 KiB regions, a zeroed node-B-tree root page, a zeroed header (first 1 KiB) and an XBLOCK
//! that says it lists half its children. Items counted: ours, every item written (report.json);
//! readpst (`-D -S`, deleted items too), one file per item; pffexport (`-m all`: allocated,
//! orphan and recovered items), one folder per item. For the writer-built files the table also
//! says how many of their messages have every block intact (what carving can get back).
//! Prints a Markdown table.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use pst_fixtures::{build_file, BuildOptions};
use pstkit::ndb::{BlockId, CryptMethod, Ndb, NodeType};
use pstkit::{Carving, Client, Layout, Store};

/// splitmix64: seeded, so every run damages the same places.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One damaged copy: what was done, its bytes, and which byte ranges survived unchanged.
struct Cell {
    what: String,
    bytes: Vec<u8>,
    /// Byte ranges changed or removed.
    damaged: Vec<(u64, u64)>,
}

fn cells(bytes: &[u8], seed: u64) -> Vec<Cell> {
    let len = bytes.len();
    let mut rng = Rng(seed);
    let mut out = vec![Cell {
        what: "intact".into(),
        bytes: bytes.to_vec(),
        damaged: Vec::new(),
    }];
    for pct in [90, 75, 50, 25] {
        let cut = len * pct / 100;
        out.push(Cell {
            what: format!("cut at {pct}%"),
            bytes: bytes[..cut].to_vec(),
            damaged: vec![(cut as u64, len as u64)],
        });
    }
    for flips in [10, 100] {
        let mut b = bytes.to_vec();
        let mut damaged = Vec::new();
        for _ in 0..flips {
            let at = rng.below(len);
            b[at] ^= 1 << rng.below(8);
            damaged.push((at as u64, at as u64 + 1));
        }
        out.push(Cell {
            what: format!("{flips} bit flips"),
            bytes: b,
            damaged,
        });
    }
    let mut b = bytes.to_vec();
    let mut damaged = Vec::new();
    for _ in 0..3 {
        let at = rng.below(len / 4096) * 4096;
        let end = (at + 4096).min(len);
        b[at..end].fill(0);
        damaged.push((at as u64, end as u64));
    }
    out.push(Cell {
        what: "3 zeroed 4 KiB regions".into(),
        bytes: b,
        damaged,
    });
    if let Ok(store) = Store::from_bytes_with(bytes.to_vec(), Carving::Off) {
        let h = store.header();
        let at = usize::try_from(h.nbt.ib).unwrap_or(0);
        let end = (at + h.layout.page_size()).min(len);
        let mut b = bytes.to_vec();
        b[at..end].fill(0);
        out.push(Cell {
            what: "zeroed NBT root".into(),
            bytes: b,
            damaged: vec![(at as u64, end as u64)],
        });
        // The largest XBLOCK says it lists half its children.
        let mut best: Option<(usize, u32)> = None;
        store.ndb().for_each_block(&mut |e| {
            let at = e.bref.ib as usize;
            let Some(raw) = bytes.get(at..at + usize::from(e.size)) else {
                return;
            };
            if e.bref.bid.is_internal() && raw.len() >= 8 && raw[0] == 1 && raw[1] == 1 {
                let total = u32::from_le_bytes([raw[4], raw[5], raw[6], raw[7]]);
                if !matches!(best, Some((_, t)) if t >= total) {
                    best = Some((at, total));
                }
            }
        });
        if let Some((at, _)) = best {
            let mut b = bytes.to_vec();
            let n = u16::from_le_bytes([b[at + 2], b[at + 3]]);
            b[at + 2..at + 4].copy_from_slice(&(n / 2).to_le_bytes());
            out.push(Cell {
                what: "XBLOCK lists half".into(),
                bytes: b,
                damaged: vec![(at as u64, at as u64 + 4)],
            });
        }
    }
    let mut b = bytes.to_vec();
    b[..1024.min(len)].fill(0);
    out.push(Cell {
        what: "zeroed header".into(),
        bytes: b,
        damaged: vec![(0, 1024)],
    });
    out
}

/// The byte ranges of every block a node uses: its data tree and subnode trees, nested.
fn node_ranges(ndb: &Ndb, data: BlockId, sub: Option<BlockId>, out: &mut Vec<(u64, u64)>) {
    let mut stack = vec![data];
    if let Some(s) = sub {
        stack.push(s);
        if let Ok(entries) = ndb.subnodes(s) {
            for e in entries {
                node_ranges(ndb, e.data, e.sub, out);
            }
        }
    }
    let w = ndb.layout().id_size();
    while let Some(b) = stack.pop() {
        let Ok(e) = ndb.block_entry(b) else { continue };
        out.push((e.bref.ib, e.bref.ib + u64::from(e.size)));
        if !b.is_internal() {
            continue;
        }
        let Ok(raw) = ndb.read_block(b) else { continue };
        let count = usize::from(u16::from_le_bytes([raw[2], raw[3]]));
        let (first, step, off) = match (raw[0], raw[1]) {
            (1, _) => (8, w, 0),
            (2, 1) => (if w == 4 { 4 } else { 8 }, 2 * w, w),
            _ => continue,
        };
        for i in 0..count {
            let at = first + i * step + off;
            if let Some(c) = raw.get(at..at + w) {
                let mut v = [0u8; 8];
                v[..w].copy_from_slice(c);
                stack.push(BlockId(u64::from_le_bytes(v)));
            }
        }
    }
}

/// How many messages of the intact file have none of their blocks in a damaged range.
fn surviving(intact: &Store, damaged: &[(u64, u64)]) -> usize {
    let mut n = 0;
    intact.ndb().for_each_node(&mut |e| {
        if e.nid.node_type() != NodeType::NORMAL_MESSAGE {
            return;
        }
        let mut ranges = Vec::new();
        node_ranges(intact.ndb(), e.data, e.sub, &mut ranges);
        let hit = ranges
            .iter()
            .any(|&(a, b)| damaged.iter().any(|&(x, y)| a < y && x < b));
        if !hit {
            n += 1;
        }
    });
    n
}

/// Items our command writes, and its exit code.
fn ours(bin: &Path, input: &Path, out: &Path) -> Result<(u64, i32)> {
    let _ = fs::remove_dir_all(out);
    let status = Command::new(bin)
        .args(["convert", "--quiet", "--force", "-o"])
        .arg(out)
        .arg(input)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    let code = status.code().unwrap_or(-1);
    let run: serde_json::Value = match fs::read(out.join("report.json")) {
        Ok(b) => serde_json::from_slice(&b)?,
        Err(_) => return Ok((0, code)),
    };
    let written = run["totals"].as_object().map_or(0, |t| {
        t.values().map(|c| c["written"].as_u64().unwrap_or(0)).sum()
    });
    Ok((written, code))
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
/// attachments' embedded items not counted.
fn pffexport(input: &Path, target: &Path) -> u64 {
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
            && name.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
    };
    ["export", "recovered", "orphans"]
        .iter()
        .map(|ext| count_files(&target.with_extension(ext), &item, true))
        .sum()
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut dir = PathBuf::from("/tmp/ost-damage");
    let mut corpus = PathBuf::from("../shared/fixtures/corpus");
    while let Some(a) = args.next() {
        match a.as_str() {
            "--dir" => dir = args.next().context("--dir needs a path")?.into(),
            "--corpus" => corpus = args.next().context("--corpus needs a path")?.into(),
            other => bail!("unknown argument {other}"),
        }
    }
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
        let path = dir.join(format!("writer-{}.{}", layout.name(), client.name()));
        let mut opts = BuildOptions::new(layout, client, crypt);
        opts.messages = 60;
        opts.big_attachment = 512 << 10;
        build_file(&path, &opts)?;
        inputs.push((
            format!("writer {} {}", layout.name(), client.name()),
            fs::read(&path)?,
        ));
    }
    for name in [
        "simiden__2k_outlook_qwerty1234.pst",
        "hughbe__2003_compressable-encryption_quickbrownfox.pst",
        "aspose-email__SampleOstFile.ost",
    ] {
        let p = corpus.join(name);
        inputs.push((
            name.to_owned(),
            fs::read(&p).with_context(|| p.display().to_string())?,
        ));
    }

    println!("| input | damage | blocks intact | ours | exit | readpst | pffexport |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    let input = dir.join("damaged.pst");
    for (i, (name, bytes)) in inputs.iter().enumerate() {
        let intact = Store::from_bytes_with(bytes.clone(), Carving::Off)?;
        for cell in cells(bytes, 7 + i as u64) {
            fs::write(&input, &cell.bytes)?;
            let (o, code) = ours(&bin, &input, &dir.join("ours"))?;
            let r = readpst(&input, &dir.join("readpst"));
            let p = pffexport(&input, &dir.join("pff"));
            let survive = surviving(&intact, &cell.damaged);
            let best = r.max(p);
            let mark = if o >= best { "" } else { " ✗" };
            println!(
                "| {name} | {} | {survive} | **{o}**{mark} | {code} | {r} | {p} |",
                cell.what
            );
        }
    }
    Ok(())
}
