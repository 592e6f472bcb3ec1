//! `ost-extract`: turns what [`pstkit`] reads out of a PST or OST into open formats: mail as
//! EML and mbox, calendars and tasks as iCalendar, contacts as vCard.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod addressbook;
pub mod body;
pub mod calendar;
pub mod class;
pub mod contacts;
mod contentline;
pub mod convert;
pub mod coverage;
pub mod mail;
pub mod manifest;
pub mod rtf;
pub mod shards;
pub mod upload;
