//! Contacts and distribution lists as one vCard file per folder, `Contacts/<folder path>.vcf`.

use std::path::{Path, PathBuf};

use pstkit::messaging::Message;
use pstkit::Warning;

use super::gathered::{FolderFile, Gathered};
use crate::contacts;
use crate::contacts::VcardVersion;
use crate::convert::plan::PlannedFolder;
use crate::convert::report::Kind;
use crate::convert::sink::{FolderSink, Sink};

/// Writes one `.vcf` per folder under `<out>/Contacts/`; a folder's cards are gathered, since
/// list members point at cards of the same folder.
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

    fn resumes_by_folder(&self) -> bool {
        true
    }

    fn folder<'s>(&'s self, folder: &'s PlannedFolder) -> Box<dyn FolderSink + 's> {
        Box::new(Gathered::new(self, folder))
    }
}

impl FolderFile for VcardFiles {
    fn dir(&self) -> &Path {
        &self.dir
    }

    fn extension(&self) -> &'static str {
        "vcf"
    }

    fn render(&self, msgs: &[&Message], notes: &mut Vec<Warning>) -> String {
        contacts::contacts_to_vcf(msgs, self.version, notes)
    }
}
