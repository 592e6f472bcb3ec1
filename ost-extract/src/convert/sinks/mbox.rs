//! Mail as one mboxrd file per folder, `Mail/<folder path>.mbox`.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::convert::fs::{temp_name, werr, with_suffix, WriteError};
use crate::convert::plan::PlannedFolder;
use crate::convert::render::Needs;
use crate::convert::report::Kind;
use crate::convert::sink::{FolderSink, Item, Log, Sink};

/// Writes one `.mbox` per folder under `<out>/Mail/`.
pub struct MboxFiles {
    mail: PathBuf,
}

impl MboxFiles {
    /// mbox files under `out/Mail/`.
    pub fn new(out: &Path) -> Self {
        Self {
            mail: out.join("Mail"),
        }
    }
}

impl Sink for MboxFiles {
    fn name(&self) -> &'static str {
        "mbox"
    }

    fn takes(&self, kind: Kind) -> bool {
        kind == Kind::Mail
    }

    fn resumes_by_folder(&self) -> bool {
        true
    }

    fn needs(&self) -> Needs {
        Needs::MBOX_ENTRY
    }

    fn folder<'s>(&'s self, folder: &'s PlannedFolder) -> Box<dyn FolderSink + 's> {
        Box::new(MboxFolder {
            path: with_suffix(&self.mail, &folder.output, "mbox"),
            file: None,
        })
    }
}

struct MboxFolder {
    path: PathBuf,
    /// The temporary file, opened at the first entry.
    file: Option<BufWriter<fs::File>>,
}

impl FolderSink for MboxFolder {
    fn items(&mut self, items: &[Item<'_>], log: &mut Log) -> Result<(), WriteError> {
        for item in items {
            let Some(entry) = item.mbox_entry() else {
                log.failed(item.index, item.message, "not rendered");
                continue;
            };
            let w = match &mut self.file {
                Some(w) => w,
                None => {
                    if let Some(dir) = self.path.parent() {
                        fs::create_dir_all(dir).map_err(werr(dir))?;
                    }
                    let tmp = temp_name(&self.path);
                    let f = fs::File::create(&tmp).map_err(werr(&tmp))?;
                    // Small entries are gathered; an entry larger than the buffer (most of
                    // the bytes: those with attachments) goes to the file as it is, not
                    // copied through the buffer first.
                    self.file.insert(BufWriter::with_capacity(64 << 10, f))
                }
            };
            w.write_all(entry).map_err(werr(&self.path))?;
            log.written(item.index);
        }
        Ok(())
    }

    fn finish(self: Box<Self>, _log: &mut Log) -> Result<(), WriteError> {
        let Some(w) = self.file else {
            return Ok(());
        };
        let tmp = temp_name(&self.path);
        // Flushed to the OS, not forced to disk: no other output file is either, and an
        // fsync here made every run wait for the disk (README, "Many caches at once").
        w.into_inner().map_err(|e| WriteError {
            path: tmp.clone(),
            source: e.into_error(),
        })?;
        fs::rename(&tmp, &self.path).map_err(werr(&self.path))
    }
}
