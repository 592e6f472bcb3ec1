//! The shape shared by the outputs that write one file per folder from all its items at once
//! (iCalendar: a series and its exceptions together; vCard: list members point at cards of
//! the same folder): gather the folder's messages, then render and write them in one go.

use std::path::Path;
use std::sync::Arc;

use pstkit::messaging::Message;
use pstkit::Warning;

use crate::convert::fs::{with_suffix, write_file, WriteError};
use crate::convert::plan::PlannedFolder;
use crate::convert::sink::{FolderSink, Item, Log};

/// An output that renders a whole folder into one file `<dir>/<folder path>.<extension>`.
pub(super) trait FolderFile: Sync {
    /// The folder under the input's output folder (`Calendar/`, `Contacts/`...).
    fn dir(&self) -> &Path;
    /// The file's extension, without the dot.
    fn extension(&self) -> &'static str;
    /// The file's text for the folder's messages, in table order; notes taken go to `notes`.
    fn render(&self, msgs: &[&Message], notes: &mut Vec<Warning>) -> String;
}

/// A folder's items, gathered until [`FolderSink::finish`] writes them.
pub(super) struct Gathered<'s, F: FolderFile> {
    file: &'s F,
    folder: &'s PlannedFolder,
    items: Vec<(usize, Arc<Message>)>,
}

impl<'s, F: FolderFile> Gathered<'s, F> {
    /// Starts gathering `folder`'s items for `file`.
    pub(super) fn new(file: &'s F, folder: &'s PlannedFolder) -> Self {
        Self {
            file,
            folder,
            items: Vec::new(),
        }
    }
}

impl<F: FolderFile> FolderSink for Gathered<'_, F> {
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
        let text = self.file.render(&msgs, &mut notes);
        write_file(
            &with_suffix(self.file.dir(), &self.folder.output, self.file.extension()),
            text.as_bytes(),
        )?;
        for (index, _) in &self.items {
            log.written(*index);
        }
        for n in &notes {
            log.warning(n);
        }
        Ok(())
    }
}
