//! Benchmarks of ost-extract: criterion benches of the hot paths in `benches/` and the scale
//! benchmark against readpst and pffexport in `src/bin/scale.rs` (see `RESULTS.md`).
//!
//! This library gives the benches their input files and reads `/usr/bin/time -v`'s figures.
#![warn(missing_docs)]

use std::path::PathBuf;

use pst_fixtures::{build_file, BuildOptions};
use pstkit::ndb::CryptMethod;
use pstkit::{Client, Layout};

/// A file of about `size` bytes in `layout`, built with the fixtures writer's realistic size
/// mode (seed 1) into the temporary folder, or reused when an earlier run built it.
pub fn fixture(layout: Layout, client: Client, crypt: CryptMethod, size: u64) -> PathBuf {
    let name = format!(
        "ost-extract-bench-{}-{}-{}-{size}.{}",
        layout.name(),
        crypt.name(),
        env!("CARGO_PKG_VERSION"),
        if client == Client::Ost { "ost" } else { "pst" }
    );
    let path = std::env::temp_dir().join(name);
    if !path.exists() {
        let mut opts = BuildOptions::new(layout, client, crypt);
        opts.size = Some(size);
        let tmp = path.with_extension("partial");
        if let Err(e) = build_file(&tmp, &opts).and_then(|_| std::fs::rename(&tmp, &path)) {
            panic!("cannot build the bench fixture {}: {e}", path.display());
        }
    }
    path
}

/// The figure named `name` (e.g. `"Maximum resident set size (kbytes):"`) in the text that
/// `/usr/bin/time -v` wrote, or 0 when it is not there.
pub fn time_field(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix(name)
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0.0)
}
