//! The `ost-extract` command: recover mail, calendars, contacts and tasks from Outlook OST and
//! PST files.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ost_extract::manifest;
use pstkit::Store;

#[derive(Parser)]
#[command(
    name = "ost-extract",
    version,
    about = "Recover mail, calendars, contacts and tasks from Outlook OST and PST files"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show the file's format, encryption, size, folder and item counts, and any damage found.
    Info {
        /// The OST or PST file.
        file: PathBuf,
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ost-extract: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Info { file } => {
            let store = Store::open(&file)?;
            let m = manifest::build(&store, &file_name(&file), false);
            let h = store.header();
            println!("file:        {}", file.display());
            println!(
                "format:      {} ({}, wVer {})",
                h.client.name().to_uppercase(),
                h.layout.name(),
                h.version
            );
            println!("encryption:  {}", m.format.crypt);
            println!("size:        {} bytes", m.size);
            if let Some(name) = store.display_name() {
                println!("store name:  {name}");
            }
            println!("folders:     {}", m.totals.folders);
            println!("items:       {}", m.totals.messages);
            println!(
                "orphans:     {} (items outside any folder; recoverable)",
                m.totals.orphans
            );
            println!("warnings:    {}", m.warnings.len());
            for w in m.warnings.iter().take(50) {
                println!("  - {w}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Ls { file, json } => {
            let store = Store::open(&file)?;
            let m = manifest::build(&store, &file_name(&file), json);
            if json {
                println!("{}", serde_json::to_string_pretty(&m)?);
            } else {
                for f in &m.folders {
                    let depth = f.path.len();
                    let name = f.path.last().map_or("(root)", String::as_str);
                    println!(
                        "{:indent$}{name}  [{}]",
                        "",
                        f.message_count,
                        indent = depth.saturating_sub(1) * 2
                    );
                }
                for w in &m.warnings {
                    eprintln!("warning: {w}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
