//! What an item is, from its message class: the one router every converter asks.
//!
//! A message class is a string of dot-separated components ([MS-OXCMSG] 2.2.1.3); a class
//! derived from another appends components (`IPM.Note.SMIME` is a kind of `IPM.Note`).
//! Classes compare without regard to ASCII case, and [`MessageClass::is`] matches whole
//! components: `IPM.Task.Custom` is a task, `IPM.TaskRequest` is not.
//!
//! | class (and classes derived from it) | [`ClassKind`] | written as |
//! | --- | --- | --- |
//! | `IPM.Appointment` ([MS-OXOCAL] 2.2.1) | `Appointment` | VEVENT |
//! | `IPM.Task` ([MS-OXOTASK] 2.2.1) | `Task` | VTODO |
//! | `IPM.Contact` ([MS-OXOCNTC] 2.2.1) | `Contact` | vCard |
//! | `IPM.DistList` ([MS-OXOCNTC] 2.2.2) | `DistributionList` | group vCard |
//! | `IPM.TaskRequest` ([MS-OXOTASK] 2.2.3) | `Message` | mail carrying the task |
//! | `IPM.Schedule.Meeting.*` ([MS-OXOCAL] 2.2.6) | `Message` | mail with a text/calendar part |
//! | `IPM.Note`, `IPM.Post`, `IPM.StickyNote`, `IPM.Outlook.Recall`, `REPORT.*`, `IPM`, an empty class, any other `IPM.*` | `Message` | mail |
//! | `IPM.Activity` (journal entries, [MS-OXOJRNL]) | `Journal` | mail (no open format imports journals) |
//! | `IPM.Configuration.*`, `IPM.Microsoft.*` (free/busy, schedule data), classes outside `IPM` and `REPORT` (`IPF.*`, `IPC.*`) | `System` | mail (kept: nothing is left out silently) |
//!
//! Journal and system items are written as mail today, so nothing in the file is lost; they
//! are told apart so that an output (an upload, a filter) can leave them out.

/// A message class, compared by whole components and without case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageClass<'a>(&'a str);

/// What kind of item a message class stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClassKind {
    /// A message a person reads: mail, posts, sticky notes, meeting and task requests and
    /// responses, reports, recalls, and unknown `IPM.*` classes.
    Message,
    /// An appointment or meeting (`IPM.Appointment`).
    Appointment,
    /// A task (`IPM.Task`).
    Task,
    /// A contact (`IPM.Contact`).
    Contact,
    /// A personal distribution list (`IPM.DistList`).
    DistributionList,
    /// A journal entry (`IPM.Activity`).
    Journal,
    /// Not user content: configuration, free/busy and other `IPM.Microsoft.*` data, classes
    /// outside `IPM` and `REPORT`.
    System,
}

impl<'a> MessageClass<'a> {
    /// The class `s`, surrounding white space ignored.
    pub fn new(s: &'a str) -> Self {
        Self(s.trim())
    }

    /// The class as stored (trimmed).
    pub fn as_str(&self) -> &'a str {
        self.0
    }

    /// Whether this class is `base` or derived from it: equal to it, or starting with it and
    /// a `.`, without regard to ASCII case.
    pub fn is(&self, base: &str) -> bool {
        let Some(head) = self.0.get(..base.len()) else {
            return false;
        };
        head.eq_ignore_ascii_case(base)
            && matches!(self.0.as_bytes().get(base.len()), None | Some(b'.'))
    }

    /// What kind of item this is.
    pub fn kind(&self) -> ClassKind {
        let c = *self;
        if c.0.is_empty() || c.is("IPM.Note") || c.is("IPM.TaskRequest") {
            ClassKind::Message
        } else if c.is("IPM.Appointment") {
            ClassKind::Appointment
        } else if c.is("IPM.Task") {
            ClassKind::Task
        } else if c.is("IPM.Contact") {
            ClassKind::Contact
        } else if c.is("IPM.DistList") {
            ClassKind::DistributionList
        } else if c.is("IPM.Activity") {
            ClassKind::Journal
        } else if c.is("IPM.Configuration") || c.is("IPM.Microsoft") {
            ClassKind::System
        } else if c.is("IPM") || c.is("REPORT") {
            ClassKind::Message
        } else {
            ClassKind::System
        }
    }

    /// The iTIP method of a meeting message (`IPM.Schedule.Meeting.Request`, `.Canceled`,
    /// `.Resp.Pos`/`.Neg`/`.Tent`), and for responses the attendee's answer
    /// ([MS-OXOCAL] 2.2.6, [MS-OXCICAL] 2.1.3.1.1.1).
    pub fn meeting(&self) -> Option<Meeting> {
        if self.is("IPM.Schedule.Meeting.Request") {
            Some(Meeting::Request)
        } else if self.is("IPM.Schedule.Meeting.Canceled") {
            Some(Meeting::Cancel)
        } else if self.is("IPM.Schedule.Meeting.Resp.Pos") {
            Some(Meeting::Reply("ACCEPTED"))
        } else if self.is("IPM.Schedule.Meeting.Resp.Neg") {
            Some(Meeting::Reply("DECLINED"))
        } else if self.is("IPM.Schedule.Meeting.Resp.Tent") {
            Some(Meeting::Reply("TENTATIVE"))
        } else {
            None
        }
    }

    /// A delivery, non-delivery or read report (`REPORT.*`, [MS-OXOMSG] 2.2.2.1).
    pub fn is_report(&self) -> bool {
        self.is("REPORT")
    }
}

/// The iTIP method a meeting message stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meeting {
    /// A request (or an update of one).
    Request,
    /// A cancellation.
    Cancel,
    /// A response, with the attendee's `PARTSTAT`.
    Reply(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(c: &str) -> ClassKind {
        MessageClass::new(c).kind()
    }

    #[test]
    fn whole_components_without_case() {
        let c = MessageClass::new(" ipm.TASK.custom ");
        assert!(c.is("IPM.Task"));
        assert!(c.is("IPM"));
        assert!(!c.is("IPM.Tas"));
        assert!(!MessageClass::new("IPM.TaskRequest").is("IPM.Task"));
        assert!(!MessageClass::new("IPM.ContactX").is("IPM.Contact"));
        assert!(!MessageClass::new("").is("IPM"));
        assert_eq!(c.as_str(), "ipm.TASK.custom");
    }

    #[test]
    fn every_converter_sees_the_same_kind() {
        for (class, want) in [
            ("IPM.Note", ClassKind::Message),
            ("ipm.note.smime.multipartsigned", ClassKind::Message),
            ("", ClassKind::Message),
            ("IPM", ClassKind::Message),
            ("IPM.Post", ClassKind::Message),
            ("IPM.StickyNote", ClassKind::Message),
            ("IPM.Outlook.Recall", ClassKind::Message),
            ("IPM.Schedule.Meeting.Request", ClassKind::Message),
            ("IPM.Schedule.Meeting.Resp.Pos", ClassKind::Message),
            ("REPORT.IPM.Note.NDR", ClassKind::Message),
            ("Report.IPM.Note.IPNRN", ClassKind::Message),
            ("IPM.Document.Word.Document.8", ClassKind::Message),
            ("IPM.TaskRequest", ClassKind::Message),
            ("IPM.TaskRequest.Accept", ClassKind::Message),
            ("IPM.Appointment", ClassKind::Appointment),
            ("ipm.appointment.Occurrence", ClassKind::Appointment),
            ("IPM.Task", ClassKind::Task),
            ("IPM.TASK.custom", ClassKind::Task),
            ("IPM.Contact", ClassKind::Contact),
            ("IPM.Contact.Custom", ClassKind::Contact),
            ("IPM.DistList", ClassKind::DistributionList),
            ("IPM.Activity", ClassKind::Journal),
            ("IPM.Configuration.Autocomplete", ClassKind::System),
            ("IPM.Microsoft.ScheduleData.FreeBusy", ClassKind::System),
            ("IPF.Note", ClassKind::System),
            // Not derived from a known class by a whole component: a message.
            ("IPM.AppointmentX", ClassKind::Message),
            ("IPM.Tasks", ClassKind::Message),
        ] {
            assert_eq!(kind(class), want, "{class}");
        }
    }

    #[test]
    fn meeting_methods() {
        let m = |c: &str| MessageClass::new(c).meeting();
        assert_eq!(m("IPM.Schedule.Meeting.Request"), Some(Meeting::Request));
        assert_eq!(m("ipm.schedule.meeting.canceled"), Some(Meeting::Cancel));
        assert_eq!(
            m("IPM.Schedule.Meeting.Resp.Tent"),
            Some(Meeting::Reply("TENTATIVE"))
        );
        assert_eq!(m("IPM.Schedule.Meeting.Notification.Forward"), None);
        assert_eq!(m("IPM.Appointment"), None);
        assert!(MessageClass::new("REPORT.IPM.Note.DR").is_report());
        assert!(!MessageClass::new("IPM.Note").is_report());
    }
}
