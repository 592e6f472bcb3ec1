//! Contacts and distribution lists as one vCard file per folder, `Contacts/<folder path>.vcf`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pstkit::messaging::Message;

use crate::contacts::{self, VcardVersion};
use crate::convert::fs::{with_suffix, write_file, WriteError};
use crate::convert::plan::PlannedFolder;
use crate::convert::report::Kind;
use crate::convert::sink::{FolderSink, Item, Log, Sink};

/// Writes one `.vcf` per folder under `<out>/Contacts/`.
pub struct VcardFiles {
    dir: PathBuf,
    version: VcardVersion,
}

impl VcardFiles {
    /// vCards of `version` under `out/Contacts/`.
    pub fn new(out: &Path, version: VcardVersion) -> Self {
        Self {
            dir: out.join("Contacts"),
            version,
        }
    }
}

impl Sink for VcardFiles {
    fn name(&self) -> &'static str {
        "vcard"
    }

    fn takes(&self, kind: Kind) -> bool {
        matches!(kind, Kind::Contact | Kind::DistributionList)
    }

    fn folder<'s>(&'s self, folder: &'s PlannedFolder) -> Box<dyn FolderSink + 's> {
        Box::new(VcardFolder {
            sink: self,
            folder,
            items: Vec::new(),
        })
    }
}

/// A folder's cards, gathered: list members point at cards of the same folder.
struct VcardFolder<'s> {
    sink: &'s VcardFiles,
    folder: &'s PlannedFolder,
    items: Vec<(usize, Arc<Message>)>,
}

impl FolderSink for VcardFolder<'_> {
    fn items(&mut self, items: &[Item<'_>], _log: &mut Log) -> Result<(), WriteError> {
        self.items
            .extend(items.iter().map(|i| (i.index, Arc::clone(i.message))));
        Ok(())
    }

    fn finish(self: Box<Self>, log: &mut Log) -> Result<(), WriteError> {
        if self.items.is_empty() {
            return Ok(());
        }
        let msgs: Vec<&Message> = self.items.iter().map(|(_, m)| m.as_ref()).collect();
        let mut notes = Vec::new();
        let vcf = contacts::contacts_to_vcf(&msgs, self.sink.version, &mut notes);
        write_file(
            &with_suffix(&self.sink.dir, &self.folder.output, "vcf"),
            vcf.as_bytes(),
        )?;
        for (index, _) in &self.items {
            log.written(*index);
        }
        for n in notes {
            log.note(n);
        }
        Ok(())
    }
}
