//! Appointments and tasks as one iCalendar file per folder: `Calendar/<folder path>.ics`
//! (VEVENTs) and `Tasks/<folder path>.ics` (VTODOs).

use std::path::{Path, PathBuf};

use pstkit::messaging::Message;
use pstkit::Warning;

use super::gathered::{FolderFile, Gathered};
use crate::calendar;
use crate::convert::plan::PlannedFolder;
use crate::convert::report::Kind;
use crate::convert::sink::{FolderSink, Sink};

/// Which items an [`IcsFiles`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Events,
    Todos,
}

/// Writes one `.ics` per folder: appointments under `Calendar/`, or tasks under `Tasks/`; a
/// folder's items are gathered so that a series and its exceptions are written together.
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

    fn resumes_by_folder(&self) -> bool {
        true
    }

    fn folder<'s>(&'s self, folder: &'s PlannedFolder) -> Box<dyn FolderSink + 's> {
        Box::new(Gathered::new(self, folder))
    }
}

impl FolderFile for IcsFiles {
    fn dir(&self) -> &Path {
        &self.dir
    }

    fn extension(&self) -> &'static str {
        "ics"
    }

    fn render(&self, msgs: &[&Message], notes: &mut Vec<Warning>) -> String {
        match self.which {
            Which::Events => calendar::calendar_to_ics(msgs, notes),
            Which::Todos => calendar::tasks_to_ics(msgs, notes),
        }
    }
}
