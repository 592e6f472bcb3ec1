//! Which files a run converts, and the output folder each one gets.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::mail;

/// Finds the OST and PST files among `inputs` (files as given; folders searched
/// recursively), sorted, each once.
pub fn find_inputs(inputs: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for p in inputs {
        if p.is_dir() {
            walk_dir(p, &mut found)?;
        } else if p.exists() {
            found.push(p.clone());
        } else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} does not exist", p.display()),
            ));
        }
    }
    let mut seen = HashSet::new();
    found.retain(|p| seen.insert(p.clone()));
    Ok(found)
}

fn walk_dir(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk_dir(&p, out)?;
        } else if p
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("ost") || e.eq_ignore_ascii_case("pst"))
        {
            out.push(p);
        }
    }
    Ok(())
}

/// Output folder names for the inputs: each input's file name, made distinct.
pub fn output_names(inputs: &[PathBuf]) -> Vec<String> {
    let mut taken = HashSet::new();
    inputs
        .iter()
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "input".into());
            mail::dedupe_name(&mail::safe_path_component(&name), &mut taken)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_searched_sorted_and_names_kept_apart() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("b");
        fs::create_dir_all(&sub).unwrap();
        for p in [
            sub.join("x.OST"),
            dir.path().join("a.pst"),
            dir.path().join("n.txt"),
        ] {
            fs::write(p, b"").unwrap();
        }
        let again = dir.path().join("a.pst");
        let found = find_inputs(&[dir.path().to_owned(), again]).unwrap();
        assert_eq!(found, vec![dir.path().join("a.pst"), sub.join("x.OST")]);
        let names = output_names(&[PathBuf::from("/1/a.pst"), PathBuf::from("/2/A.pst")]);
        assert_eq!(names[0], "a.pst");
        assert_ne!(names[1].to_lowercase(), "a.pst");
        let missing = find_inputs(&[dir.path().join("nope")]).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }
}
