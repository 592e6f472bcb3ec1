//! `ost-extract upload`: caches straight into the new account (IMAP, CalDAV, CardDAV).

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use ost_extract::contacts::VcardVersion;
use ost_extract::convert;
use ost_extract::upload::{self, dav::DavUrl, imap::ImapUrl, Auth, Secret, TokenCommand};
use pstkit::Store;

use crate::progress::{Display, Reporter};

pub const UPLOAD_EXAMPLES: &str = "\
Examples:
  # Any IMAP host (password from the environment, never on the command line)
  OST_EXTRACT_PASSWORD=app-password ost-extract upload ana.ost --imap imaps://ana@example.com@imap.example.com

  # Google Workspace: mail, calendars and contacts, OAuth 2.0 token from a helper
  ost-extract upload ana.ost --imap imaps://ana@example.com@imap.gmail.com \\
      --caldav https://ana@example.com@apidata.googleusercontent.com/caldav/v2/ \\
      --carddav https://ana@example.com@www.googleapis.com/.well-known/carddav \\
      --oauth2-token-cmd 'oama access ana@example.com'

  # Microsoft 365 mail over IMAP with OAuth 2.0
  ost-extract upload ana.ost --imap imaps://ana@contoso.com@outlook.office365.com \\
      --oauth2-token-cmd 'oama access ana@contoso.com'

Run it again after an interruption: the ledger (--ledger-dir) says what is already there,
and nothing is sent twice.";

/// Where and how to upload: `upload`'s targets, also taken by `convert` (one pass writes
/// files and uploads).
#[derive(clap::Args, Default)]
pub struct TargetArgs {
    /// Mail to this IMAP account: imaps://USER@HOST[:PORT] (TLS) or imap://USER@HOST[:PORT]
    /// (STARTTLS, required unless --allow-plaintext).
    #[arg(long, value_name = "URL")]
    imap: Option<String>,
    /// Calendars and tasks to this CalDAV server: https://USER@HOST/PATH (a base URL, found by
    /// discovery, or one calendar's URL to put everything there).
    #[arg(long, value_name = "URL")]
    caldav: Option<String>,
    /// Contacts to this CardDAV server: https://USER@HOST/PATH.
    #[arg(long, value_name = "URL")]
    carddav: Option<String>,
    /// Read the password from the first line of FILE (else OST_EXTRACT_PASSWORD, else a
    /// prompt).
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Log in with an OAuth 2.0 access token printed by this command (run for every
    /// connection): SASL XOAUTH2/OAUTHBEARER for IMAP, Bearer for DAV.
    #[arg(long, value_name = "COMMAND")]
    oauth2_token_cmd: Option<String>,
    /// Parallel IMAP connections.
    #[arg(long, default_value_t = 2, value_name = "N")]
    connections: usize,
    /// Also skip messages whose Message-ID the target folder already holds ("server").
    #[arg(long, value_name = "WHERE", value_parser = ["server"])]
    dedupe: Option<String>,
    /// Overwrite calendar objects and cards that exist on the server (default: keep them).
    #[arg(long)]
    update: bool,
    /// Allow imap:// without STARTTLS and http:// DAV URLs.
    #[arg(long)]
    allow_plaintext: bool,
    /// Trust the certificate authorities in this PEM file too (a private CA).
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Where the upload ledgers are kept (what went where, for resuming); `upload`'s default
    /// is ./ost-extract-upload-ledger, `convert`'s OUTDIR/upload-ledger.
    #[arg(long, value_name = "DIR")]
    ledger_dir: Option<PathBuf>,
}

impl TargetArgs {
    /// Whether a target is named.
    pub fn any(&self) -> bool {
        self.imap.is_some() || self.caldav.is_some() || self.carddav.is_some()
    }

    /// The upload these arguments ask for (the password read or prompted for now), with
    /// `default_ledger` when --ledger-dir is not given.
    pub fn upload(
        &self,
        vcard: VcardVersion,
        default_ledger: PathBuf,
    ) -> anyhow::Result<upload::Upload> {
        let targets = upload::Targets {
            imap: self.imap.as_deref().map(ImapUrl::parse).transpose()?,
            caldav: self
                .caldav
                .as_deref()
                .map(|u| DavUrl::parse(u, "--caldav", self.allow_plaintext))
                .transpose()?,
            carddav: self
                .carddav
                .as_deref()
                .map(|u| DavUrl::parse(u, "--carddav", self.allow_plaintext))
                .transpose()?,
        };
        let first_url = self
            .imap
            .as_deref()
            .or(self.caldav.as_deref())
            .or(self.carddav.as_deref())
            .unwrap_or("");
        let auth = auth(self, &user_of(first_url))?;
        let mut opts =
            upload::Options::new(auth, self.ledger_dir.clone().unwrap_or(default_ledger));
        opts.connections = self.connections.max(1);
        opts.dedupe_server = self.dedupe.is_some();
        opts.update = self.update;
        opts.allow_plaintext = self.allow_plaintext;
        opts.ca_file = self.ca_file.clone();
        opts.vcard = vcard;
        opts.backoff = Duration::from_millis(500);
        Ok(upload::Upload {
            targets,
            options: opts,
        })
    }
}

/// Options of `upload`.
#[derive(clap::Args)]
pub struct UploadArgs {
    /// OST/PST files, or folders to search for them.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    select: crate::SelectArgs,
    /// Write the report (the upload of every input: counts, failures, skips, where each
    /// folder went; the shape of convert's report.json) to this JSON file.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// vCard version of the cards uploaded.
    #[arg(long, value_parser = ["3.0", "4.0"], default_value = "3.0")]
    vcard: String,
    /// No progress display and no summary; only errors.
    #[arg(long, short)]
    quiet: bool,
}

fn user_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    authority
        .rsplit_once('@')
        .map(|(u, _)| u.to_owned())
        .unwrap_or_default()
}

fn auth(args: &TargetArgs, user: &str) -> anyhow::Result<Auth> {
    if let Some(cmd) = &args.oauth2_token_cmd {
        return Ok(Auth::OAuth2(TokenCommand {
            command: cmd.clone(),
        }));
    }
    if let Some(p) = upload::password_from(args.password_file.as_deref())? {
        return Ok(Auth::Password(p));
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "no password: set OST_EXTRACT_PASSWORD, or use --password-file or --oauth2-token-cmd"
        );
    }
    let p = rpassword::prompt_password(format!("Password for {user}: "))
        .context("reading the password")?;
    Ok(Auth::Password(Secret::new(p)))
}

/// Runs `upload`: the convert pipeline with only the upload outputs.
pub fn run(args: UploadArgs) -> anyhow::Result<ExitCode> {
    if !args.target.any() {
        bail!("name a target: --imap, --caldav and/or --carddav");
    }
    let vcard = if args.vcard == "4.0" {
        VcardVersion::V4
    } else {
        VcardVersion::V3
    };
    let up = args
        .target
        .upload(vcard, PathBuf::from("ost-extract-upload-ledger"))?;
    let inputs = convert::find_inputs(&args.inputs)?;
    if inputs.is_empty() {
        bail!("no .ost or .pst files found");
    }
    let sizes: HashMap<String, u64> = inputs
        .iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::metadata(p).map_or(0, |m| m.len()),
            )
        })
        .collect();
    let display = Display::new(args.quiet, sizes.values().sum());
    let reporter = Reporter {
        display: &display,
        sizes: sizes.clone(),
        verb: "uploading",
    };
    let mut reports = Vec::new();
    for input in &inputs {
        let key = input.display().to_string();
        let store = match Store::open(input) {
            Ok(s) => s,
            Err(e) => {
                display.add_bytes(sizes.get(&key).copied().unwrap_or(0));
                display.finished(&key, &format!("unreadable: {e}"));
                let mut r = convert::InputReport::new(input, Path::new(""));
                r.output = up.targets.display();
                r.error = Some(e.to_string());
                r.finish();
                reports.push(r);
                continue;
            }
        };
        let r = match upload::upload_store_selected(
            &store,
            input,
            &up,
            args.select.dates(),
            args.select.include_system(),
            &reporter,
        ) {
            Ok(r) => r,
            Err(e) => {
                // Login, TLS, ledger and unreachable servers stop the run: the next input
                // would fail the same way.
                display.clear();
                write_report(&args, &reports)?;
                return Err(e).with_context(|| format!("{}", input.display()));
            }
        };
        let summary = r.upload.clone().unwrap_or_default();
        display.finished(
            &key,
            &format!(
                "{} uploaded, {} skipped, {} failed (ledger {})",
                summary.uploaded(),
                summary.skipped(),
                r.totals().failed,
                summary.ledgers.join(", ")
            ),
        );
        reports.push(r);
    }
    display.clear();
    if !args.quiet {
        for r in &reports {
            for f in r.failures.iter().take(20) {
                println!(
                    "{}: failed: {} {:?}: {}",
                    r.input,
                    f.folder,
                    f.subject.as_deref().unwrap_or(""),
                    f.reason
                );
            }
        }
    }
    write_report(&args, &reports)?;
    Ok(ExitCode::from(convert::batch::exit_code(&reports)))
}

fn write_report(args: &UploadArgs, reports: &[convert::InputReport]) -> anyhow::Result<()> {
    if let Some(path) = &args.report {
        let json = serde_json::to_vec_pretty(reports)?;
        let mut f = std::fs::File::create(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        f.write_all(&json)?;
    }
    Ok(())
}
