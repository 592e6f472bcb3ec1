//! Appointments and tasks as one iCalendar file per folder: `Calendar/<folder path>.ics`
//! (VEVENTs) and `Tasks/<folder path>.ics` (VTODOs).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pstkit::messaging::Message;

use crate::calendar;
use crate::convert::fs::{with_suffix, write_file, WriteError};
use crate::convert::plan::PlannedFolder;
use crate::convert::report::Kind;
use crate::convert::sink::{FolderSink, Item, Log, Sink};

/// Which items an [`IcsFiles`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Events,
    Todos,
}

/// Writes one `.ics` per folder: appointments under `Calendar/`, or tasks under `Tasks/`.
pub struct IcsFiles {
    dir: PathBuf,
    which: Which,
}

impl IcsFiles {
    /// Appointments as VEVENTs under `out/Calendar/`.
    pub fn calendar(out: &Path) -> Self {
        Self {
            dir: out.join("Calendar"),
            which: Which::Events,
        }
    }

    /// Tasks as VTODOs under `out/Tasks/`.
    pub fn tasks(out: &Path) -> Self {
        Self {
            dir: out.join("Tasks"),
            which: Which::Todos,
        }
    }
}

impl Sink for IcsFiles {
    fn name(&self) -> &'static str {
        match self.which {
            Which::Events => "ics",
            Which::Todos => "ics-tasks",
        }
    }

    fn takes(&self, kind: Kind) -> bool {
        match self.which {
            Which::Events => kind == Kind::Appointment,
            Which::Todos => kind == Kind::Task,
        }
    }

    fn folder<'s>(&'s self, folder: &'s PlannedFolder) -> Box<dyn FolderSink + 's> {
        Box::new(IcsFolder {
            sink: self,
            folder,
            items: Vec::new(),
        })
    }
}

/// A folder's items, gathered: a series and its exceptions are written together.
struct IcsFolder<'s> {
    sink: &'s IcsFiles,
    folder: &'s PlannedFolder,
    items: Vec<(usize, Arc<Message>)>,
}

impl FolderSink for IcsFolder<'_> {
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
        let ics = match self.sink.which {
            Which::Events => calendar::calendar_to_ics(&msgs, &mut notes),
            Which::Todos => calendar::tasks_to_ics(&msgs, &mut notes),
        };
        write_file(
            &with_suffix(&self.sink.dir, &self.folder.output, "ics"),
            ics.as_bytes(),
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
