//! Calendars and tasks to iCalendar ([MS-OXOCAL], [MS-OXCICAL], [MS-OXOTASK]).

mod bytes;
mod ical;
pub mod recurrence;
pub mod timezone;
pub mod windows_zones;

pub use bytes::Truncated;
