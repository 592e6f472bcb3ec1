//! Upload throughput: `ost-extract upload` of the 1 GiB writer-built OST (`scale-1g.ost`,
//! the scale benchmark's) to a local Dovecot (`scripts/test-servers`), with 1 and 4 IMAP
//! connections: messages per second and the command's peak RSS, under `/usr/bin/time -v`.
//!
//! ```text
//! cargo build --release -p ost-extract-cli -p ost-extract-benches
//! target/release/upload [--dir DIR] [--servers DIR/servers.env] [--connections 1,4] [--keep]
//! ```
//!
//! The OST is built into `--dir` unless it is there (and deleted at the end unless `--keep`);
//! the servers are started in `--dir/servers` unless `--servers` names running ones. Each
//! run goes to a mailbox of its own, deleted after it, with a fresh ledger.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use pst_fixtures::{build_file, BuildOptions};
use pstkit::ndb::CryptMethod;
use pstkit::{Client, Layout};

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

struct Args {
    dir: PathBuf,
    servers: Option<PathBuf>,
    connections: Vec<usize>,
    keep: bool,
}

fn args() -> Result<Args> {
    let mut a = Args {
        dir: std::env::temp_dir().join("ost-upload-bench"),
        servers: None,
        connections: vec![1, 4],
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--dir" => a.dir = it.next().context("--dir DIR")?.into(),
            "--servers" => a.servers = Some(it.next().context("--servers FILE")?.into()),
            "--connections" => {
                a.connections = it
                    .next()
                    .context("--connections 1,4")?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?
            }
            "--keep" => a.keep = true,
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

/// `KEY=VALUE` of a servers.env file.
fn env_value(text: &str, key: &str) -> Result<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .map(str::to_owned)
        .with_context(|| format!("{key} missing in servers.env"))
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `ost-extract` built beside this program.
fn command() -> Result<PathBuf> {
    let me = std::env::current_exe()?;
    let p = me.with_file_name("ost-extract");
    if !p.exists() {
        bail!(
            "{} missing: cargo build --release -p ost-extract-cli",
            p.display()
        );
    }
    Ok(p)
}

fn main() -> Result<()> {
    let args = args()?;
    fs::create_dir_all(&args.dir)?;
    let input = args.dir.join("scale-1g.ost");
    let built = !input.exists();
    if built {
        eprintln!("building {}...", input.display());
        let t = Instant::now();
        let mut o = BuildOptions::new(Layout::Unicode4k, Client::Ost, CryptMethod::None);
        o.size = Some(1 << 30);
        let m = build_file(&input, &o)?;
        eprintln!(
            "  built in {:.0} s: {} messages",
            t.elapsed().as_secs_f64(),
            m.totals.messages
        );
    }
    let mut started_servers = None;
    let env_file = match &args.servers {
        Some(f) => f.clone(),
        None => {
            let d = args.dir.join("servers");
            let ok = Command::new(repo_root().join("scripts/test-servers"))
                .arg("start")
                .arg(&d)
                .stdout(Stdio::null())
                .status()?
                .success();
            if !ok {
                bail!("the test servers did not start");
            }
            started_servers = Some(d.clone());
            d.join("servers.env")
        }
    };
    let env = fs::read_to_string(&env_file)?;
    let port = env_value(&env, "IMAPS_PORT")?;
    let password = env_value(&env, "PASSWORD")?;
    let ca = env_value(&env, "CA_FILE")?;
    let conf = env_value(&env, "DOVECOT_CONF")?;
    let mail = env_value(&env, "DOVECOT_MAIL")?;
    let exe = command()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "input {} ({} bytes), {cores} cores, Dovecot on this host",
        input.display(),
        fs::metadata(&input)?.len()
    );
    println!("| connections | messages | wall s | messages/s | user s | sys s | peak RSS MiB |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    let result = (|| -> Result<()> {
        for &n in &args.connections {
            let user = format!("bench-{n}-{}@example.test", std::process::id());
            let run = args.dir.join(format!("run-{n}"));
            let _ = fs::remove_dir_all(&run);
            fs::create_dir_all(&run)?;
            let report = run.join("report.json");
            let time_log = run.join("time.txt");
            let t = Instant::now();
            let status = Command::new("/usr/bin/time")
                .arg("-v")
                .arg("-o")
                .arg(&time_log)
                .arg(&exe)
                .arg("upload")
                .arg(&input)
                .arg("--imap")
                .arg(format!("imaps://{user}@127.0.0.1:{port}"))
                .arg("--ca-file")
                .arg(&ca)
                .arg("--connections")
                .arg(n.to_string())
                .arg("--ledger-dir")
                .arg(run.join("ledger"))
                .arg("--report")
                .arg(&report)
                .arg("--quiet")
                .env("OST_EXTRACT_PASSWORD", &password)
                .status()?;
            let wall = t.elapsed().as_secs_f64();
            let time = fs::read_to_string(&time_log).unwrap_or_default();
            let reports: serde_json::Value = serde_json::from_slice(&fs::read(&report)?)?;
            let uploaded: u64 = reports
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|r| {
                    r["upload"]["folders"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                })
                .filter_map(|f| f["uploaded"].as_u64())
                .sum();
            println!(
                "| {n} | {uploaded} | {wall:.1} | {:.0} | {:.1} | {:.1} | {:.0} |",
                uploaded as f64 / wall,
                ost_extract_benches::time_field(&time, "User time (seconds):"),
                ost_extract_benches::time_field(&time, "System time (seconds):"),
                ost_extract_benches::time_field(&time, "Maximum resident set size (kbytes):")
                    / 1024.0
            );
            if !status.success() {
                eprintln!("upload with {n} connections exited with {status}");
            }
            // The mailbox goes, so that the disk holds one copy at a time.
            let _ = Command::new("doveadm")
                .args(["-c", &conf, "kick", &user])
                .output();
            remove_mailbox(Path::new(&mail), &user);
            let _ = fs::remove_dir_all(&run);
        }
        Ok(())
    })();
    if let Some(d) = started_servers {
        let _ = Command::new(repo_root().join("scripts/test-servers"))
            .arg("stop")
            .arg(&d)
            .status();
    }
    if built && !args.keep {
        let _ = fs::remove_file(&input);
    }
    result
}

fn remove_mailbox(mail: &Path, user: &str) {
    let _ = fs::remove_dir_all(mail.join(user));
}
