//! Mail as one `.eml` file per message, under `Mail/<folder path>/`.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::convert::fs::{join, werr, write_atomic, WriteError};
use crate::convert::plan::PlannedFolder;
use crate::convert::render::Needs;
use crate::convert::report::Kind;
use crate::convert::sink::{FolderSink, Item, Log, Sink};
use crate::mail;

/// Writes `.eml` files under `<out>/Mail/`.
pub struct EmlFiles {
    mail: PathBuf,
}

impl EmlFiles {
    /// EML files under `out/Mail/`.
    pub fn new(out: &Path) -> Self {
        Self {
            mail: out.join("Mail"),
        }
    }
}

impl Sink for EmlFiles {
    fn name(&self) -> &'static str {
        "eml"
    }

    fn takes(&self, kind: Kind) -> bool {
        kind == Kind::Mail
    }

    fn resumes_by_folder(&self) -> bool {
        true
    }

    fn needs(&self) -> Needs {
        Needs::EML
    }

    fn folder<'s>(&'s self, folder: &'s PlannedFolder) -> Box<dyn FolderSink + 's> {
        Box::new(EmlFolder {
            dir: join(&self.mail, &folder.output),
            made: false,
            names: HashSet::new(),
        })
    }
}

struct EmlFolder {
    dir: PathBuf,
    made: bool,
    /// Names given so far (lower case), so that two messages never share a file.
    names: HashSet<String>,
}

impl FolderSink for EmlFolder {
    fn items(&mut self, items: &[Item<'_>], log: &mut Log) -> Result<(), WriteError> {
        // Named here in order, written below on the worker threads.
        let mut files: Vec<(PathBuf, &[u8])> = Vec::with_capacity(items.len());
        for item in items {
            let Some(eml) = item.eml() else {
                log.failed(item.index, item.message, "not rendered");
                continue;
            };
            if !self.made {
                fs::create_dir_all(&self.dir).map_err(werr(&self.dir))?;
                self.made = true;
            }
            let name = mail::dedupe_name(&mail::eml_file_name(item.message), &mut self.names);
            files.push((self.dir.join(name), eml));
        }
        // Creating files is mostly file-system time: overlap it across threads. The first
        // failure in order stops the run.
        files
            .par_iter()
            .map(|(path, eml)| write_atomic(path, eml))
            .collect::<Vec<_>>()
            .into_iter()
            .collect::<Result<(), WriteError>>()?;
        for item in items.iter().filter(|i| i.eml().is_some()) {
            log.written(item.index);
        }
        Ok(())
    }

    fn finish(self: Box<Self>, _log: &mut Log) -> Result<(), WriteError> {
        Ok(())
    }
}
