//! README's sample sessions are real: every ```text block of README.md that shows
//! `$ ost-extract ...` commands is run here on the demo files, and its text must equal what the
//! commands print. `UPDATE_README=1 cargo test -p ost-extract-cli --test readme`
//! rewrites the blocks from the output instead (review the diff before committing).
//!
//! The paths in README are a technician's (`/mnt/laptop/...`, `/srv/...`); here they are
//! folders of a temporary directory, and the output is mapped back before comparing.

use std::path::{Path, PathBuf};
use std::process::Command;

/// README paths and where they are made here (relative to the temporary directory).
const PLACES: &[(&str, &str)] = &[
    (
        "/mnt/laptop/Users/ana/AppData/Local/Microsoft/Outlook",
        "laptop",
    ),
    ("/srv/caches", "caches"),
    ("/srv/converted", "converted"),
    ("/srv/recovered", "recovered"),
];

/// The files the sessions find there: (README path, demo file).
const FILES: &[(&str, &str)] = &[
    (
        "/mnt/laptop/Users/ana/AppData/Local/Microsoft/Outlook/ana@example.com.ost",
        "demo-2013.ost",
    ),
    ("/srv/caches/ana/ana@example.com.ost", "demo-2013.ost"),
    ("/srv/caches/ben/ben.pst", "demo-unicode.pst"),
    ("/srv/caches/old/archive-2001.pst", "demo-ansi.pst"),
    ("/srv/caches/carla/carla.ost", "demo-unicode.ost"),
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A text block of README: where its body starts and ends (byte offsets) and the body.
struct Block {
    start: usize,
    end: usize,
    body: String,
}

fn session_blocks(readme: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut rest = 0;
    while let Some(open) = readme[rest..].find("```text\n") {
        let start = rest + open + "```text\n".len();
        let Some(close) = readme[start..].find("```\n") else {
            break;
        };
        let end = start + close;
        let body = &readme[start..end];
        if body.lines().any(|l| l.starts_with("$ ost-extract ")) {
            blocks.push(Block {
                start,
                end,
                body: body.to_owned(),
            });
        }
        rest = end + 3;
    }
    blocks
}

struct Session {
    tmp: PathBuf,
    cwd: PathBuf,
}

impl Session {
    fn to_here(&self, text: &str) -> String {
        PLACES.iter().fold(text.to_owned(), |t, (readme, here)| {
            t.replace(readme, &self.tmp.join(here).display().to_string())
        })
    }

    fn to_readme(&self, text: &str) -> String {
        PLACES.iter().fold(text.to_owned(), |t, (readme, here)| {
            t.replace(&self.tmp.join(here).display().to_string(), readme)
        })
    }

    /// Runs one `$` line; returns what it prints on standard output.
    fn run(&mut self, line: &str) -> String {
        let words: Vec<String> = self
            .to_here(line)
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        match words.first().map(String::as_str) {
            Some("cd") => {
                self.cwd = self.cwd.join(&words[1]);
                String::new()
            }
            Some("ost-extract") => {
                let o = Command::new(env!("CARGO_BIN_EXE_ost-extract"))
                    .args(&words[1..])
                    .current_dir(&self.cwd)
                    .output()
                    .unwrap();
                assert!(
                    o.status.code().is_some_and(|c| c < 2),
                    "`{line}` failed: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                self.to_readme(&String::from_utf8(o.stdout).unwrap())
            }
            _ => panic!("README session line not understood: {line}"),
        }
    }
}

/// Runs a block's commands in a fresh session and writes the block as it should read.
fn regenerate(body: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let demo = repo().join("fixtures/demo");
    for (readme, file) in FILES {
        let here = PathBuf::from(PLACES.iter().fold(readme.to_string(), |t, (r, h)| {
            t.replace(r, &tmp.path().join(h).display().to_string())
        }));
        std::fs::create_dir_all(here.parent().unwrap()).unwrap();
        std::fs::copy(demo.join(file), &here).unwrap();
    }
    let mut session = Session {
        tmp: tmp.path().to_owned(),
        cwd: tmp.path().join("home"),
    };
    std::fs::create_dir_all(&session.cwd).unwrap();
    let commands: Vec<&str> = body.lines().filter_map(|l| l.strip_prefix("$ ")).collect();
    let mut out = String::new();
    for (i, cmd) in commands.iter().enumerate() {
        out.push_str("$ ");
        out.push_str(cmd);
        out.push('\n');
        let printed = session.run(cmd);
        out.push_str(&printed);
        if !printed.is_empty() && i + 1 < commands.len() {
            out.push('\n');
        }
    }
    out
}

#[test]
fn readme_sessions_show_what_the_commands_print() {
    let path = repo().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let blocks = session_blocks(&readme);
    assert!(
        !blocks.is_empty(),
        "README shows no `$ ost-extract` session"
    );
    let update = std::env::var_os("UPDATE_README").is_some();
    let mut new_readme = String::new();
    let mut at = 0;
    for b in &blocks {
        let expected = regenerate(&b.body);
        if update {
            new_readme.push_str(&readme[at..b.start]);
            new_readme.push_str(&expected);
            at = b.end;
        } else {
            assert_eq!(
                b.body, expected,
                "README's session differs from what the commands print; \
                 UPDATE_README=1 rewrites it"
            );
        }
    }
    if update {
        new_readme.push_str(&readme[at..]);
        std::fs::write(Path::new(&path), new_readme).unwrap();
    }
}
