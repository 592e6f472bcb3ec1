//! Writing files: every output file goes under a temporary name and is renamed into place,
//! so an interrupted run never leaves a half-written file; a failed write names its path.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A write that failed: the run stops, naming the path (a full disk, a read-only folder).
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct WriteError {
    /// The file or folder.
    pub path: PathBuf,
    /// The error.
    pub source: io::Error,
}

/// Maps an I/O error on `path` to a [`WriteError`].
pub fn werr(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError {
        path: path.to_owned(),
        source,
    }
}

/// Writes `data` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<(), WriteError> {
    let tmp = temp_name(path);
    fs::write(&tmp, data).map_err(werr(&tmp))?;
    fs::rename(&tmp, path).map_err(werr(path))
}

/// Creates `path`'s folder if needed, then writes `data` to it atomically.
pub fn write_file(path: &Path, data: &[u8]) -> Result<(), WriteError> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(werr(dir))?;
    }
    write_atomic(path, data)
}

/// The hidden name a file is written under before it is renamed into place.
pub fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.partial"))
}

/// `base` with the planned path components appended.
pub fn join(base: &Path, rel: &[String]) -> PathBuf {
    rel.iter().fold(base.to_path_buf(), |p, c| p.join(c))
}

/// A path with an extension added to its last component ("Inbox" -> "Inbox.mbox").
pub fn with_suffix(base: &Path, rel: &[String], ext: &str) -> PathBuf {
    let mut p = join(base, rel);
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Top".into());
    p.set_file_name(format!("{name}.{ext}"));
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("a.eml");
        write_file(&path, b"hello").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"hello");
        assert!(!temp_name(&path).exists());
        assert_eq!(temp_name(&path).file_name().unwrap(), ".a.eml.partial");
    }

    #[test]
    fn suffix_goes_on_the_last_component() {
        let p = with_suffix(
            Path::new("/o/Mail"),
            &["Inbox".into(), "Sub".into()],
            "mbox",
        );
        assert_eq!(p, Path::new("/o/Mail/Inbox/Sub.mbox"));
        let err = write_atomic(Path::new("/nonexistent-dir/x"), b"").unwrap_err();
        assert!(err
            .to_string()
            .starts_with("cannot write /nonexistent-dir/.x.partial"));
    }
}
