//! Calendars and tasks to iCalendar ([MS-OXOCAL], [MS-OXCICAL], [MS-OXOTASK]).
