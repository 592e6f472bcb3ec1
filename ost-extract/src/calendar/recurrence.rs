//! Recurrence blobs: `RecurrencePattern` ([MS-OXOCAL] 2.2.1.44.1) and its appointment
//! extension `AppointmentRecurrencePattern` with `ExceptionInfo` and `ExtendedException`
//! ([MS-OXOCAL] 2.2.1.44.2-2.2.1.44.5), their expansion into occurrences with Outlook's
//! semantics, and their RRULE form ([MS-OXCICAL] 2.1.3.2.2).
//!
//! All times in the blob are local times of the series' time zone, in minutes since
//! 1601-01-01 00:00.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime};

use super::bytes::{Reader, Truncated};
use super::timezone::weekday_code;

/// Why a recurrence blob could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RecurrenceError {
    /// The blob is shorter than its structure.
    #[error(transparent)]
    Truncated(#[from] Truncated),
    /// A value no writer produces.
    #[error("invalid recurrence pattern: {0}")]
    Invalid(String),
}

/// `RecurFrequency` ([MS-OXOCAL] 2.2.1.44.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    /// 0x200A.
    Daily,
    /// 0x200B.
    Weekly,
    /// 0x200C.
    Monthly,
    /// 0x200D.
    Yearly,
}

/// `PatternType` ([MS-OXOCAL] 2.2.1.44.1) with its `PatternTypeSpecific` data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternKind {
    /// 0x0000: every `period` minutes (whole days).
    Day,
    /// 0x0001: the given weekdays (bit 0 = Sunday) every `period` weeks.
    Week {
        /// Weekday bit mask, bit 0 = Sunday .. bit 6 = Saturday.
        days: u32,
    },
    /// 0x0002 (0x000A Hijri): day `day` of the month, every `period` months; a day past the
    /// end of a month means its last day.
    Month {
        /// Day of month, 1-31.
        day: u32,
    },
    /// 0x0004 (0x000C Hijri): the last day of the month.
    MonthEnd,
    /// 0x0003 (0x000B Hijri): the `nth` (1-4, 5 = last) of the days in `days` in the month.
    MonthNth {
        /// Weekday bit mask, bit 0 = Sunday.
        days: u32,
        /// 1-4, or 5 for the last.
        nth: u32,
    },
}

/// `EndType` ([MS-OXOCAL] 2.2.1.44.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndType {
    /// 0x2021: ends on `end_date`.
    AfterDate,
    /// 0x2022: ends after `occurrence_count` occurrences.
    AfterCount,
    /// 0x2023 or 0xFFFFFFFF: never ends.
    Never,
}

/// One `ExceptionInfo` ([MS-OXOCAL] 2.2.1.44.2), merged with its `ExtendedException`
/// (2.2.1.44.3): a modified occurrence. Times are local minutes since 1601.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExceptionInfo {
    /// New start.
    pub start: u32,
    /// New end.
    pub end: u32,
    /// Start of the occurrence it replaces.
    pub original_start: u32,
    /// `OverrideFlags` (ARO_* bits).
    pub override_flags: u16,
    /// Changed subject (Unicode from the ExtendedException when present, else the 8-bit one).
    pub subject: Option<String>,
    /// Changed meeting type.
    pub meeting_type: Option<u32>,
    /// Changed reminder lead time in minutes.
    pub reminder_delta: Option<u32>,
    /// Changed reminder on/off.
    pub reminder_set: Option<bool>,
    /// Changed location.
    pub location: Option<String>,
    /// Changed busy status (0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere).
    pub busy_status: Option<u32>,
    /// Changed "has attachments".
    pub attachment: Option<bool>,
    /// Changed all-day flag.
    pub subtype: Option<bool>,
    /// Changed colour.
    pub appointment_color: Option<u32>,
    /// `ChangeHighlight` value, when written.
    pub change_highlight: Option<u32>,
}

impl ExceptionInfo {
    /// `ARO_SUBJECT`.
    pub const ARO_SUBJECT: u16 = 0x0001;
    /// `ARO_MEETINGTYPE`.
    pub const ARO_MEETINGTYPE: u16 = 0x0002;
    /// `ARO_REMINDERDELTA`.
    pub const ARO_REMINDERDELTA: u16 = 0x0004;
    /// `ARO_REMINDER`.
    pub const ARO_REMINDER: u16 = 0x0008;
    /// `ARO_LOCATION`.
    pub const ARO_LOCATION: u16 = 0x0010;
    /// `ARO_BUSYSTATUS`.
    pub const ARO_BUSYSTATUS: u16 = 0x0020;
    /// `ARO_ATTACHMENT`.
    pub const ARO_ATTACHMENT: u16 = 0x0040;
    /// `ARO_SUBTYPE`.
    pub const ARO_SUBTYPE: u16 = 0x0080;
    /// `ARO_APPTCOLOR`.
    pub const ARO_APPTCOLOR: u16 = 0x0100;
    /// `ARO_EXCEPTIONAL_BODY`: the exception's body differs (kept in its attachment).
    pub const ARO_EXCEPTIONAL_BODY: u16 = 0x0200;

    /// New start as a local date-time.
    pub fn start_time(&self) -> Option<NaiveDateTime> {
        minutes_to_datetime(self.start)
    }
    /// New end as a local date-time.
    pub fn end_time(&self) -> Option<NaiveDateTime> {
        minutes_to_datetime(self.end)
    }
    /// Original start as a local date-time.
    pub fn original_time(&self) -> Option<NaiveDateTime> {
        minutes_to_datetime(self.original_start)
    }
}

/// The appointment part of an `AppointmentRecurrencePattern` ([MS-OXOCAL] 2.2.1.44.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppointmentPart {
    /// `ReaderVersion2` (0x3006).
    pub reader_version2: u32,
    /// `WriterVersion2` (0x3006-0x3009; ChangeHighlight exists from 0x3009).
    pub writer_version2: u32,
    /// Minutes from midnight to each occurrence's start.
    pub start_time_offset: u32,
    /// Minutes from midnight (of the start day) to each occurrence's end.
    pub end_time_offset: u32,
    /// Modified occurrences.
    pub exceptions: Vec<ExceptionInfo>,
}

/// A parsed recurrence blob: `RecurrencePattern` ([MS-OXOCAL] 2.2.1.44.1), with the
/// `AppointmentRecurrencePattern` part (2.2.1.44.2) when the blob has one (appointments do;
/// task recurrences, [MS-OXOTASK] 2.2.2.2.15, do not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecurrencePattern {
    /// `RecurFrequency`.
    pub frequency: Frequency,
    /// `PatternType` and its specific data.
    pub kind: PatternKind,
    /// `CalendarType` (0 or 1 Gregorian; others are non-Gregorian calendars).
    pub calendar_type: u16,
    /// `FirstDateTime`.
    pub first_date_time: u32,
    /// `Period`: minutes (daily), weeks (weekly) or months (monthly, yearly).
    pub period: u32,
    /// `SlidingFlag` (tasks that regenerate).
    pub sliding: bool,
    /// `EndType`.
    pub end_type: EndType,
    /// `OccurrenceCount`.
    pub occurrence_count: u32,
    /// `FirstDOW` (0 = Sunday).
    pub first_dow: u32,
    /// `DeletedInstanceDates`: midnights of the original dates of deleted *and* modified
    /// occurrences.
    pub deleted_instance_dates: Vec<u32>,
    /// `ModifiedInstanceDates`: midnights of the new dates of modified occurrences.
    pub modified_instance_dates: Vec<u32>,
    /// `StartDate`: midnight of the first occurrence.
    pub start_date: u32,
    /// `EndDate`: midnight of the last occurrence (0x5AE980DF for "never").
    pub end_date: u32,
    /// The appointment part, if present.
    pub appointment: Option<AppointmentPart>,
    /// Parts of the blob that were damaged but skipped, as text: the converter of the item
    /// that holds the blob says where (see [`pstkit::Message::note`]).
    pub warnings: Vec<String>,
}

/// One occurrence of a series, in local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// The start the pattern gives it (the RECURRENCE-ID).
    pub original_start: NaiveDateTime,
    /// Actual start.
    pub start: NaiveDateTime,
    /// Actual end.
    pub end: NaiveDateTime,
    /// Index into `AppointmentPart::exceptions` when modified.
    pub exception: Option<usize>,
}

/// Local minutes since 1601-01-01 to a date-time.
pub fn minutes_to_datetime(minutes: u32) -> Option<NaiveDateTime> {
    let base = NaiveDate::from_ymd_opt(1601, 1, 1)?.and_hms_opt(0, 0, 0)?;
    base.checked_add_signed(Duration::minutes(i64::from(minutes)))
}

/// A date-time to local minutes since 1601-01-01.
pub fn datetime_to_minutes(t: NaiveDateTime) -> Option<u32> {
    let base = NaiveDate::from_ymd_opt(1601, 1, 1)?.and_hms_opt(0, 0, 0)?;
    u32::try_from((t - base).num_minutes()).ok()
}

fn minutes_to_date(minutes: u32) -> Option<NaiveDate> {
    minutes_to_datetime(minutes).map(|t| t.date())
}

/// Decodes an 8-bit string of the blob (Windows-1252; the blob names no code page).
fn decode_8bit(b: &[u8]) -> String {
    let (s, _, _) = encoding_rs::WINDOWS_1252.decode(b);
    s.trim_end_matches('\0').to_owned()
}

impl RecurrencePattern {
    /// Parses a recurrence blob. Damage in the optional trailing parts (exceptions'
    /// extended data) is recorded in `warnings`; damage in the pattern itself is an error.
    pub fn parse(blob: &[u8]) -> Result<Self, RecurrenceError> {
        let mut r = Reader::new(blob);
        let reader_version = r.u16("ReaderVersion")?;
        let _writer_version = r.u16("WriterVersion")?;
        if reader_version != 0x3004 {
            return Err(RecurrenceError::Invalid(format!(
                "ReaderVersion {reader_version:#06x}"
            )));
        }
        let freq_raw = r.u16("RecurFrequency")?;
        let frequency = match freq_raw {
            0x200A => Frequency::Daily,
            0x200B => Frequency::Weekly,
            0x200C => Frequency::Monthly,
            0x200D => Frequency::Yearly,
            v => return Err(RecurrenceError::Invalid(format!("RecurFrequency {v:#06x}"))),
        };
        let pattern_type = r.u16("PatternType")?;
        let calendar_type = r.u16("CalendarType")?;
        let first_date_time = r.u32("FirstDateTime")?;
        let period = r.u32("Period")?;
        let sliding = r.u32("SlidingFlag")? != 0;
        let kind = match pattern_type {
            0x0000 => PatternKind::Day,
            0x0001 => PatternKind::Week {
                days: r.u32("PatternTypeSpecific")? & 0x7F,
            },
            0x0002 | 0x000A => PatternKind::Month {
                day: r.u32("PatternTypeSpecific")?,
            },
            0x0004 | 0x000C => {
                r.u32("PatternTypeSpecific")?;
                PatternKind::MonthEnd
            }
            0x0003 | 0x000B => {
                let days = r.u32("PatternTypeSpecific")? & 0x7F;
                let nth = r.u32("PatternTypeSpecific")?;
                PatternKind::MonthNth { days, nth }
            }
            v => return Err(RecurrenceError::Invalid(format!("PatternType {v:#06x}"))),
        };
        let end_type = match r.u32("EndType")? {
            0x2021 => EndType::AfterDate,
            0x2022 => EndType::AfterCount,
            _ => EndType::Never,
        };
        let occurrence_count = r.u32("OccurrenceCount")?;
        let first_dow = r.u32("FirstDOW")? % 7;
        let n = r.u32("DeletedInstanceCount")?;
        let n = r.count(n, 4, "DeletedInstanceDates")?;
        let mut deleted_instance_dates = Vec::with_capacity(n);
        for _ in 0..n {
            deleted_instance_dates.push(r.u32("DeletedInstanceDates")?);
        }
        let n = r.u32("ModifiedInstanceCount")?;
        let n = r.count(n, 4, "ModifiedInstanceDates")?;
        let mut modified_instance_dates = Vec::with_capacity(n);
        for _ in 0..n {
            modified_instance_dates.push(r.u32("ModifiedInstanceDates")?);
        }
        let start_date = r.u32("StartDate")?;
        let end_date = r.u32("EndDate")?;
        let mut warnings = Vec::new();
        if period == 0 {
            warnings.push("recurrence period 0 read as 1".to_owned());
        }
        if !matches!(calendar_type, 0 | 1) || matches!(pattern_type, 0x000A..=0x000C) {
            warnings.push(format!(
                "non-Gregorian recurrence (calendar type {calendar_type}, pattern {pattern_type:#x}) expanded as Gregorian"
            ));
        }
        let mut pattern = Self {
            frequency,
            kind,
            calendar_type,
            first_date_time,
            period,
            sliding,
            end_type,
            occurrence_count,
            first_dow,
            deleted_instance_dates,
            modified_instance_dates,
            start_date,
            end_date,
            appointment: None,
            warnings,
        };
        if r.remaining() >= 4 {
            pattern.appointment = Some(parse_appointment_part(&mut r, &mut pattern.warnings)?);
        }
        Ok(pattern)
    }

    /// Start offset from midnight (0 without an appointment part).
    pub fn start_offset(&self) -> u32 {
        self.appointment.as_ref().map_or(0, |a| a.start_time_offset)
    }

    /// Occurrence length in minutes.
    pub fn duration_minutes(&self) -> i64 {
        self.appointment.as_ref().map_or(0, |a| {
            i64::from(a.end_time_offset) - i64::from(a.start_time_offset)
        })
    }

    /// First date of the series.
    pub fn start(&self) -> Option<NaiveDate> {
        minutes_to_date(self.start_date)
    }

    /// Last date of the series for `EndType::AfterDate` and `AfterCount`.
    pub fn end(&self) -> Option<NaiveDate> {
        match self.end_type {
            EndType::Never => None,
            _ => minutes_to_date(self.end_date),
        }
    }

    /// The dates the pattern produces (before deletions), from `StartDate` up to the end of
    /// the series or `until` (inclusive), at most `max`.
    pub fn pattern_dates(&self, until: NaiveDate, max: usize) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let Some(start) = self.start() else {
            return out;
        };
        let mut last = until;
        if self.end_type == EndType::AfterDate {
            if let Some(end) = self.end() {
                last = last.min(end);
            }
        }
        let max = if self.end_type == EndType::AfterCount {
            max.min(self.occurrence_count as usize)
        } else {
            max
        };
        let period = self.period.max(1);
        let push = |d: NaiveDate, out: &mut Vec<NaiveDate>| -> bool {
            if d > last || out.len() >= max {
                return false;
            }
            if d >= start {
                out.push(d);
            }
            true
        };
        match self.kind {
            PatternKind::Day => {
                let step = i64::from((period / 1440).max(1));
                let mut d = start;
                while push(d, &mut out) {
                    match d.checked_add_signed(Duration::days(step)) {
                        Some(n) => d = n,
                        None => break,
                    }
                }
            }
            PatternKind::Week { days } => {
                let days = if days == 0 {
                    1 << start.weekday().num_days_from_sunday()
                } else {
                    days
                };
                // The week (starting on FirstDOW) that holds the start date.
                let back = (start.weekday().num_days_from_sunday() + 7 - self.first_dow) % 7;
                let Some(mut week) = start.checked_sub_signed(Duration::days(i64::from(back)))
                else {
                    return out;
                };
                'weeks: loop {
                    for i in 0..7u32 {
                        let Some(d) = week.checked_add_signed(Duration::days(i64::from(i))) else {
                            break 'weeks;
                        };
                        let dow = d.weekday().num_days_from_sunday();
                        if days & (1 << dow) != 0 && !push(d, &mut out) {
                            break 'weeks;
                        }
                    }
                    match week.checked_add_signed(Duration::weeks(i64::from(period))) {
                        Some(n) => week = n,
                        None => break,
                    }
                }
            }
            PatternKind::Month { .. } | PatternKind::MonthEnd | PatternKind::MonthNth { .. } => {
                let Some(first_month) = NaiveDate::from_ymd_opt(start.year(), start.month(), 1)
                else {
                    return out;
                };
                let mut k: u32 = 0;
                while let Some(month) = k
                    .checked_mul(period)
                    .and_then(|m| first_month.checked_add_months(Months::new(m)))
                {
                    if month > last {
                        break;
                    }
                    if let Some(d) = self.day_in_month(month) {
                        if !push(d, &mut out) {
                            break;
                        }
                    }
                    k = k.saturating_add(1);
                    if k == u32::MAX {
                        break;
                    }
                }
            }
        }
        out
    }

    /// The date a monthly pattern gives in the month starting at `month`.
    fn day_in_month(&self, month: NaiveDate) -> Option<NaiveDate> {
        let (y, m) = (month.year(), month.month());
        let last_day = last_day_of_month(y, m)?;
        match self.kind {
            PatternKind::Month { day } => NaiveDate::from_ymd_opt(y, m, day.clamp(1, last_day)),
            PatternKind::MonthEnd => NaiveDate::from_ymd_opt(y, m, last_day),
            PatternKind::MonthNth { days, nth } => {
                let days = if days == 0 { 0x7F } else { days };
                let matching: Vec<NaiveDate> = (1..=last_day)
                    .filter_map(|d| NaiveDate::from_ymd_opt(y, m, d))
                    .filter(|d| days & (1 << d.weekday().num_days_from_sunday()) != 0)
                    .collect();
                if nth >= 5 {
                    matching.last().copied()
                } else {
                    matching.get(nth.max(1) as usize - 1).copied()
                }
            }
            _ => None,
        }
    }

    /// The series' occurrences up to `until` (at most `max` pattern dates): the pattern's
    /// dates at the start offset, without deleted ones, with modified ones moved as their
    /// exception says; sorted by actual start.
    pub fn occurrences(&self, until: NaiveDate, max: usize) -> Vec<Occurrence> {
        let deleted: BTreeSet<u32> = self.deleted_instance_dates.iter().copied().collect();
        let exceptions: &[ExceptionInfo] = self.appointment.as_ref().map_or(&[], |a| &a.exceptions);
        let offset = Duration::minutes(i64::from(self.start_offset()));
        let length = Duration::minutes(self.duration_minutes());
        let mut out = Vec::new();
        for d in self.pattern_dates(until, max) {
            let Some(original_start) = d
                .and_hms_opt(0, 0, 0)
                .and_then(|t| t.checked_add_signed(offset))
            else {
                continue;
            };
            let midnight = d.and_hms_opt(0, 0, 0).and_then(datetime_to_minutes);
            let exception = exceptions
                .iter()
                .position(|e| e.original_time().map(|t| t.date()) == Some(d));
            if let Some((i, e)) = exception.and_then(|i| exceptions.get(i).map(|e| (i, e))) {
                if let (Some(start), Some(end)) = (e.start_time(), e.end_time()) {
                    out.push(Occurrence {
                        original_start,
                        start,
                        end,
                        exception: Some(i),
                    });
                }
                continue;
            }
            if midnight.is_some_and(|m| deleted.contains(&m)) {
                continue;
            }
            let end = original_start
                .checked_add_signed(length)
                .unwrap_or(original_start);
            out.push(Occurrence {
                original_start,
                start: original_start,
                end,
                exception: None,
            });
        }
        out.sort_by_key(|o| o.start);
        out
    }

    /// Original dates of occurrences that were deleted outright (not modified).
    pub fn deleted_dates(&self) -> Vec<NaiveDate> {
        let exceptions: &[ExceptionInfo] = self.appointment.as_ref().map_or(&[], |a| &a.exceptions);
        let modified: BTreeSet<NaiveDate> = exceptions
            .iter()
            .filter_map(|e| e.original_time().map(|t| t.date()))
            .collect();
        let mut out: Vec<NaiveDate> = self
            .deleted_instance_dates
            .iter()
            .filter_map(|m| minutes_to_date(*m))
            .filter(|d| !modified.contains(d))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The RRULE value ([MS-OXCICAL] 2.1.3.2.2) for this pattern, without the series end.
    /// Outlook's "day 29-31 of a month means its last day in shorter months" is written with
    /// BYSETPOS so that the rule gives the same dates.
    pub fn rrule_body(&self) -> String {
        let period = self.period.max(1);
        let mut parts: Vec<String> = Vec::new();
        let month_of_start = self.start().map_or(1, |d| d.month());
        let yearly = matches!(
            self.kind,
            PatternKind::Month { .. } | PatternKind::MonthEnd | PatternKind::MonthNth { .. }
        ) && period % 12 == 0;
        match self.kind {
            PatternKind::Day => {
                parts.push("FREQ=DAILY".into());
                let n = (period / 1440).max(1);
                if n > 1 {
                    parts.push(format!("INTERVAL={n}"));
                }
            }
            PatternKind::Week { days } => {
                parts.push("FREQ=WEEKLY".into());
                if period > 1 {
                    parts.push(format!("INTERVAL={period}"));
                }
                parts.push(format!(
                    "BYDAY={}",
                    byday_list(days, self.first_dow, self.start())
                ));
                parts.push(format!("WKST={}", weekday_code(self.first_dow)));
            }
            PatternKind::Month { .. } | PatternKind::MonthEnd | PatternKind::MonthNth { .. } => {
                if yearly {
                    parts.push("FREQ=YEARLY".into());
                    if period / 12 > 1 {
                        parts.push(format!("INTERVAL={}", period / 12));
                    }
                    parts.push(format!("BYMONTH={month_of_start}"));
                } else {
                    parts.push("FREQ=MONTHLY".into());
                    if period > 1 {
                        parts.push(format!("INTERVAL={period}"));
                    }
                }
                match self.kind {
                    PatternKind::Month { day } if day >= 31 => parts.push("BYMONTHDAY=-1".into()),
                    PatternKind::Month { day } if day >= 29 => {
                        let list: Vec<String> = (28..=day).map(|d| d.to_string()).collect();
                        parts.push(format!("BYMONTHDAY={};BYSETPOS=-1", list.join(",")));
                    }
                    PatternKind::Month { day } => parts.push(format!("BYMONTHDAY={}", day.max(1))),
                    PatternKind::MonthEnd => parts.push("BYMONTHDAY=-1".into()),
                    PatternKind::MonthNth { days, nth } => {
                        let pos = if nth >= 5 { -1 } else { nth.max(1) as i32 };
                        parts.push(format!(
                            "BYDAY={};BYSETPOS={pos}",
                            byday_list(days, 0, None)
                        ));
                    }
                    _ => {}
                }
            }
        }
        parts.join(";")
    }
}

fn last_day_of_month(y: i32, m: u32) -> Option<u32> {
    let first = NaiveDate::from_ymd_opt(y, m, 1)?;
    let next = first.checked_add_months(Months::new(1))?;
    Some((next - first).num_days() as u32)
}

/// `MO,TU,...` from a weekday mask (bit 0 = Sunday), starting at `first_dow`; an empty mask
/// means the start date's weekday.
fn byday_list(days: u32, first_dow: u32, start: Option<NaiveDate>) -> String {
    let days = if days & 0x7F == 0 {
        start.map_or(1, |d| 1 << d.weekday().num_days_from_sunday())
    } else {
        days
    };
    (0..7u32)
        .map(|i| (first_dow + i) % 7)
        .filter(|d| days & (1 << d) != 0)
        .map(weekday_code)
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads the AppointmentRecurrencePattern fields after the RecurrencePattern.
fn parse_appointment_part(
    r: &mut Reader<'_>,
    warnings: &mut Vec<String>,
) -> Result<AppointmentPart, RecurrenceError> {
    let reader_version2 = r.u32("ReaderVersion2")?;
    let writer_version2 = r.u32("WriterVersion2")?;
    let start_time_offset = r.u32("StartTimeOffset")?;
    let end_time_offset = r.u32("EndTimeOffset")?;
    let count = r.u16("ExceptionCount")?;
    // Each ExceptionInfo is at least 14 bytes.
    let count = r.count(u32::from(count), 14, "ExceptionInfo")?;
    let mut exceptions = Vec::with_capacity(count);
    for _ in 0..count {
        exceptions.push(parse_exception_info(r)?);
    }
    let mut part = AppointmentPart {
        reader_version2,
        writer_version2,
        start_time_offset,
        end_time_offset,
        exceptions,
    };
    // The rest is optional for reading: keep what was read if it is damaged.
    if let Err(e) = parse_extended(r, &mut part) {
        warnings.push(format!("extended exception data skipped: {e}"));
    }
    Ok(part)
}

fn parse_exception_info(r: &mut Reader<'_>) -> Result<ExceptionInfo, RecurrenceError> {
    let mut e = ExceptionInfo {
        start: r.u32("ExceptionInfo StartDateTime")?,
        end: r.u32("ExceptionInfo EndDateTime")?,
        original_start: r.u32("ExceptionInfo OriginalStartDate")?,
        override_flags: r.u16("OverrideFlags")?,
        ..ExceptionInfo::default()
    };
    let f = e.override_flags;
    if f & ExceptionInfo::ARO_SUBJECT != 0 {
        let _len = r.u16("SubjectLength")?;
        let len2 = r.u16("SubjectLength2")?;
        e.subject = Some(decode_8bit(r.bytes(usize::from(len2), "Subject")?));
    }
    if f & ExceptionInfo::ARO_MEETINGTYPE != 0 {
        e.meeting_type = Some(r.u32("MeetingType")?);
    }
    if f & ExceptionInfo::ARO_REMINDERDELTA != 0 {
        e.reminder_delta = Some(r.u32("ReminderDelta")?);
    }
    if f & ExceptionInfo::ARO_REMINDER != 0 {
        e.reminder_set = Some(r.u32("ReminderSet")? != 0);
    }
    if f & ExceptionInfo::ARO_LOCATION != 0 {
        let _len = r.u16("LocationLength")?;
        let len2 = r.u16("LocationLength2")?;
        e.location = Some(decode_8bit(r.bytes(usize::from(len2), "Location")?));
    }
    if f & ExceptionInfo::ARO_BUSYSTATUS != 0 {
        e.busy_status = Some(r.u32("BusyStatus")?);
    }
    if f & ExceptionInfo::ARO_ATTACHMENT != 0 {
        e.attachment = Some(r.u32("Attachment")? != 0);
    }
    if f & ExceptionInfo::ARO_SUBTYPE != 0 {
        e.subtype = Some(r.u32("SubType")? != 0);
    }
    if f & ExceptionInfo::ARO_APPTCOLOR != 0 {
        e.appointment_color = Some(r.u32("AppointmentColor")?);
    }
    Ok(e)
}

/// ReservedBlock1, one ExtendedException per exception, ReservedBlock2.
fn parse_extended(r: &mut Reader<'_>, part: &mut AppointmentPart) -> Result<(), RecurrenceError> {
    let n = r.u32("ReservedBlock1Size")?;
    let n = r.count(n, 1, "ReservedBlock1")?;
    r.bytes(n, "ReservedBlock1")?;
    for e in &mut part.exceptions {
        if part.writer_version2 >= 0x3009 {
            let size = r.u32("ChangeHighlightSize")?;
            let size = r.count(size, 1, "ChangeHighlight")?;
            let hl = r.bytes(size, "ChangeHighlight")?;
            if let Some(v) = hl.get(..4) {
                e.change_highlight = Some(u32::from_le_bytes([v[0], v[1], v[2], v[3]]));
            }
        }
        let n = r.u32("ReservedBlockEE1Size")?;
        let n = r.count(n, 1, "ReservedBlockEE1")?;
        r.bytes(n, "ReservedBlockEE1")?;
        let f = e.override_flags;
        if f & (ExceptionInfo::ARO_SUBJECT | ExceptionInfo::ARO_LOCATION) != 0 {
            r.u32("ExtendedException StartDateTime")?;
            r.u32("ExtendedException EndDateTime")?;
            r.u32("ExtendedException OriginalStartDate")?;
            if f & ExceptionInfo::ARO_SUBJECT != 0 {
                let len = r.u16("WideCharSubjectLength")?;
                e.subject = Some(r.utf16(usize::from(len), "WideCharSubject")?);
            }
            if f & ExceptionInfo::ARO_LOCATION != 0 {
                let len = r.u16("WideCharLocationLength")?;
                e.location = Some(r.utf16(usize::from(len), "WideCharLocation")?);
            }
            let n = r.u32("ReservedBlockEE2Size")?;
            let n = r.count(n, 1, "ReservedBlockEE2")?;
            r.bytes(n, "ReservedBlockEE2")?;
        }
    }
    let n = r.u32("ReservedBlock2Size")?;
    let n = r.count(n, 1, "ReservedBlock2")?;
    r.bytes(n, "ReservedBlock2")?;
    Ok(())
}

/// Builds recurrence blobs ([MS-OXOCAL] 2.2.1.44): the inverse of [`RecurrencePattern::parse`],
/// used by the fixtures writer and tests.
pub mod build {
    use super::*;

    fn u16(b: &mut Vec<u8>, v: u16) {
        b.extend_from_slice(&v.to_le_bytes());
    }

    /// An ExceptionInfo 8-bit string: length + 1, length, then the text in `enc`, with `?` for
    /// what it cannot hold in one byte (as Windows' WideCharToMultiByte does); the Unicode text
    /// goes in the ExtendedException.
    fn eight_bit(b: &mut Vec<u8>, s: &str, enc: &'static encoding_rs::Encoding) {
        let mut bytes = Vec::new();
        let mut buf = [0u8; 4];
        for c in s.chars() {
            let (out, _, bad) = enc.encode(c.encode_utf8(&mut buf));
            match &out[..] {
                [one] if !bad => bytes.push(*one),
                _ => bytes.push(b'?'),
            }
        }
        u16(b, bytes.len() as u16 + 1);
        u16(b, bytes.len() as u16);
        b.extend_from_slice(&bytes);
    }
    fn u32(b: &mut Vec<u8>, v: u32) {
        b.extend_from_slice(&v.to_le_bytes());
    }

    /// Serialises `p` as an (Appointment)RecurrencePattern blob, WriterVersion2 0x3009, with
    /// 8-bit strings in Windows-1252 (the code page the parser assumes).
    pub fn to_blob(p: &RecurrencePattern) -> Vec<u8> {
        to_blob_in(p, encoding_rs::WINDOWS_1252)
    }

    /// Like [`to_blob`], with the ExceptionInfo's 8-bit strings in `enc` (the message's code
    /// page, as Outlook writes them).
    pub fn to_blob_in(p: &RecurrencePattern, enc: &'static encoding_rs::Encoding) -> Vec<u8> {
        let mut b = Vec::new();
        u16(&mut b, 0x3004);
        u16(&mut b, 0x3004);
        u16(
            &mut b,
            match p.frequency {
                Frequency::Daily => 0x200A,
                Frequency::Weekly => 0x200B,
                Frequency::Monthly => 0x200C,
                Frequency::Yearly => 0x200D,
            },
        );
        let pattern_type = match p.kind {
            PatternKind::Day => 0,
            PatternKind::Week { .. } => 1,
            PatternKind::Month { .. } => 2,
            PatternKind::MonthNth { .. } => 3,
            PatternKind::MonthEnd => 4,
        };
        u16(&mut b, pattern_type);
        u16(&mut b, p.calendar_type);
        u32(&mut b, p.first_date_time);
        u32(&mut b, p.period);
        u32(&mut b, u32::from(p.sliding));
        match p.kind {
            PatternKind::Day => {}
            PatternKind::Week { days } => u32(&mut b, days),
            PatternKind::Month { day } => u32(&mut b, day),
            PatternKind::MonthEnd => u32(&mut b, 31),
            PatternKind::MonthNth { days, nth } => {
                u32(&mut b, days);
                u32(&mut b, nth);
            }
        }
        u32(
            &mut b,
            match p.end_type {
                EndType::AfterDate => 0x2021,
                EndType::AfterCount => 0x2022,
                EndType::Never => 0x2023,
            },
        );
        u32(&mut b, p.occurrence_count);
        u32(&mut b, p.first_dow);
        u32(&mut b, p.deleted_instance_dates.len() as u32);
        for d in &p.deleted_instance_dates {
            u32(&mut b, *d);
        }
        u32(&mut b, p.modified_instance_dates.len() as u32);
        for d in &p.modified_instance_dates {
            u32(&mut b, *d);
        }
        u32(&mut b, p.start_date);
        u32(&mut b, p.end_date);
        let Some(a) = &p.appointment else { return b };
        u32(&mut b, 0x3006);
        u32(&mut b, 0x3009);
        u32(&mut b, a.start_time_offset);
        u32(&mut b, a.end_time_offset);
        u16(&mut b, a.exceptions.len() as u16);
        for e in &a.exceptions {
            u32(&mut b, e.start);
            u32(&mut b, e.end);
            u32(&mut b, e.original_start);
            u16(&mut b, e.override_flags);
            let f = e.override_flags;
            if f & ExceptionInfo::ARO_SUBJECT != 0 {
                eight_bit(&mut b, e.subject.as_deref().unwrap_or(""), enc);
            }
            if f & ExceptionInfo::ARO_MEETINGTYPE != 0 {
                u32(&mut b, e.meeting_type.unwrap_or(0));
            }
            if f & ExceptionInfo::ARO_REMINDERDELTA != 0 {
                u32(&mut b, e.reminder_delta.unwrap_or(0));
            }
            if f & ExceptionInfo::ARO_REMINDER != 0 {
                u32(&mut b, u32::from(e.reminder_set.unwrap_or(false)));
            }
            if f & ExceptionInfo::ARO_LOCATION != 0 {
                eight_bit(&mut b, e.location.as_deref().unwrap_or(""), enc);
            }
            if f & ExceptionInfo::ARO_BUSYSTATUS != 0 {
                u32(&mut b, e.busy_status.unwrap_or(0));
            }
            if f & ExceptionInfo::ARO_ATTACHMENT != 0 {
                u32(&mut b, u32::from(e.attachment.unwrap_or(false)));
            }
            if f & ExceptionInfo::ARO_SUBTYPE != 0 {
                u32(&mut b, u32::from(e.subtype.unwrap_or(false)));
            }
            if f & ExceptionInfo::ARO_APPTCOLOR != 0 {
                u32(&mut b, e.appointment_color.unwrap_or(0));
            }
        }
        u32(&mut b, 0);
        for e in &a.exceptions {
            u32(&mut b, 4);
            u32(&mut b, e.change_highlight.unwrap_or(0));
            u32(&mut b, 0);
            let f = e.override_flags;
            if f & (ExceptionInfo::ARO_SUBJECT | ExceptionInfo::ARO_LOCATION) != 0 {
                u32(&mut b, e.start);
                u32(&mut b, e.end);
                u32(&mut b, e.original_start);
                for (flag, s) in [
                    (ExceptionInfo::ARO_SUBJECT, &e.subject),
                    (ExceptionInfo::ARO_LOCATION, &e.location),
                ] {
                    if f & flag != 0 {
                        let units: Vec<u16> =
                            s.clone().unwrap_or_default().encode_utf16().collect();
                        u16(&mut b, units.len() as u16);
                        for u in units {
                            u16(&mut b, u);
                        }
                    }
                }
                u32(&mut b, 0);
            }
        }
        u32(&mut b, 0);
        b
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// [MS-OXOCAL] 4.1.1.2: every Monday, Thursday and Friday 10:00-10:30, 12 occurrences,
    /// with the 4/16/2007 occurrence moved to 11:00-11:30 with a new subject and location.
    pub(crate) const OXOCAL_WEEKLY_WITH_EXCEPTION: &str = "043004300B2001000000C0210000010000000000000032000000222000000C0000000000000001000000A096BC0C01000000A096BC0C8020BC0C20ADBC0C0630000009300000580200007602000001003499BC0C5299BC0CF898BC0C11002200210053696D706C6520526563757272656E6365207769746820657863657074696F6E730800070033342F34313431000000000400000000000000000000003499BC0C5299BC0CF898BC0C2100530069006D0070006C006500200052006500630075007200720065006E006300650020007700690074006800200065007800630065007000740069006F006E0073000700330034002F0034003100340031000000000000000000";

    /// [MS-OXOCAL] 4.1.1.3: every three days from 4/7/2011 until 5/4/2011, 8:00-8:30, with
    /// 4/19/2011 and 4/22/2011 deleted.
    pub(crate) const OXOCAL_DAILY_WITH_DELETIONS: &str = "043004300A2000000000A0050000E010000000000000212000000A0000000000000002000000A0C1DC0C80D2DC0C00000000207EDC0C0016DD0C0630000009300000E0010000FE01000000000000000000000000";

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn t(y: i32, m: u32, day: u32, h: u32, mi: u32) -> NaiveDateTime {
        d(y, m, day).and_hms_opt(h, mi, 0).unwrap()
    }

    #[test]
    fn oxocal_weekly_example_with_exception() {
        let blob = hex(OXOCAL_WEEKLY_WITH_EXCEPTION);
        assert_eq!(blob.len(), 0x106);
        let p = RecurrencePattern::parse(&blob).unwrap();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.frequency, Frequency::Weekly);
        assert_eq!(p.kind, PatternKind::Week { days: 0x32 });
        assert_eq!(p.period, 1);
        assert_eq!(p.end_type, EndType::AfterCount);
        assert_eq!(p.occurrence_count, 12);
        assert_eq!(p.first_dow, 0);
        assert_eq!(p.start(), Some(d(2007, 3, 26)));
        assert_eq!(p.end(), Some(d(2007, 4, 20)));
        assert_eq!(p.deleted_instance_dates.len(), 1);
        assert_eq!(
            minutes_to_date(p.deleted_instance_dates[0]),
            Some(d(2007, 4, 16))
        );
        let a = p.appointment.as_ref().unwrap();
        assert_eq!((a.reader_version2, a.writer_version2), (0x3006, 0x3009));
        assert_eq!((a.start_time_offset, a.end_time_offset), (600, 630));
        assert_eq!(a.exceptions.len(), 1);
        let e = &a.exceptions[0];
        assert_eq!(e.start_time(), Some(t(2007, 4, 16, 11, 0)));
        assert_eq!(e.end_time(), Some(t(2007, 4, 16, 11, 30)));
        assert_eq!(e.original_time(), Some(t(2007, 4, 16, 10, 0)));
        assert_eq!(e.override_flags, 0x0011);
        assert_eq!(
            e.subject.as_deref(),
            Some("Simple Recurrence with exceptions")
        );
        assert_eq!(e.location.as_deref(), Some("34/4141"));
        assert_eq!(e.change_highlight, Some(0));
        assert_eq!(p.rrule_body(), "FREQ=WEEKLY;BYDAY=MO,TH,FR;WKST=SU");

        let occ = p.occurrences(d(2030, 1, 1), 10_000);
        let starts: Vec<NaiveDateTime> = occ.iter().map(|o| o.start).collect();
        assert_eq!(
            starts,
            vec![
                t(2007, 3, 26, 10, 0),
                t(2007, 3, 29, 10, 0),
                t(2007, 3, 30, 10, 0),
                t(2007, 4, 2, 10, 0),
                t(2007, 4, 5, 10, 0),
                t(2007, 4, 6, 10, 0),
                t(2007, 4, 9, 10, 0),
                t(2007, 4, 12, 10, 0),
                t(2007, 4, 13, 10, 0),
                t(2007, 4, 16, 11, 0),
                t(2007, 4, 19, 10, 0),
                t(2007, 4, 20, 10, 0),
            ]
        );
        assert_eq!(occ[9].exception, Some(0));
        assert_eq!(occ[9].original_start, t(2007, 4, 16, 10, 0));
        assert!(p.deleted_dates().is_empty());
        // The serialiser gives the same bytes back.
        assert_eq!(build::to_blob(&p), blob);
    }

    #[test]
    fn exception_strings_are_written_in_the_code_page() {
        let mut p = RecurrencePattern::parse(&hex(OXOCAL_WEEKLY_WITH_EXCEPTION)).unwrap();
        let e = &mut p.appointment.as_mut().unwrap().exceptions[0];
        e.override_flags = ExceptionInfo::ARO_SUBJECT;
        e.subject = Some("Обзор ☕".into());
        let find = |blob: &[u8], needle: &[u8]| blob.windows(needle.len()).any(|w| w == needle);
        // Length + 1, length, the text; what the code page cannot hold becomes `?`.
        let cyrillic = build::to_blob_in(&p, encoding_rs::WINDOWS_1251);
        assert!(find(
            &cyrillic,
            &[8, 0, 7, 0, 0xCE, 0xE1, 0xE7, 0xEE, 0xF0, b' ', b'?']
        ));
        e_subject(&mut p, "déjà");
        assert!(find(
            &build::to_blob(&p),
            &[5, 0, 4, 0, b'd', 0xE9, b'j', 0xE0]
        ));
        // The Unicode subject of the ExtendedException comes back on parsing.
        let back = RecurrencePattern::parse(&cyrillic).unwrap();
        assert_eq!(
            back.appointment.unwrap().exceptions[0].subject.as_deref(),
            Some("Обзор ☕")
        );
    }

    fn e_subject(p: &mut RecurrencePattern, s: &str) {
        p.appointment.as_mut().unwrap().exceptions[0].subject = Some(s.into());
    }

    #[test]
    fn oxocal_daily_example_with_deletions() {
        let blob = hex(OXOCAL_DAILY_WITH_DELETIONS);
        assert_eq!(blob.len(), 0x54);
        let p = RecurrencePattern::parse(&blob).unwrap();
        assert_eq!(p.frequency, Frequency::Daily);
        assert_eq!(p.kind, PatternKind::Day);
        assert_eq!(p.period, 4320);
        assert_eq!(p.first_date_time, 1440);
        assert_eq!(p.end_type, EndType::AfterDate);
        assert_eq!(p.occurrence_count, 10);
        assert_eq!(p.start(), Some(d(2011, 4, 7)));
        assert_eq!(p.end(), Some(d(2011, 5, 4)));
        assert_eq!(p.deleted_dates(), vec![d(2011, 4, 19), d(2011, 4, 22)]);
        let a = p.appointment.as_ref().unwrap();
        assert_eq!((a.start_time_offset, a.end_time_offset), (480, 510));
        assert_eq!(a.writer_version2, 0x3009);
        assert!(a.exceptions.is_empty());
        assert_eq!(p.rrule_body(), "FREQ=DAILY;INTERVAL=3");
        let starts: Vec<NaiveDateTime> = p
            .occurrences(d(2030, 1, 1), 1000)
            .iter()
            .map(|o| o.start)
            .collect();
        assert_eq!(
            starts,
            vec![
                t(2011, 4, 7, 8, 0),
                t(2011, 4, 10, 8, 0),
                t(2011, 4, 13, 8, 0),
                t(2011, 4, 16, 8, 0),
                t(2011, 4, 25, 8, 0),
                t(2011, 4, 28, 8, 0),
                t(2011, 5, 1, 8, 0),
                t(2011, 5, 4, 8, 0),
            ]
        );
        assert_eq!(build::to_blob(&p), blob);
    }

    #[test]
    fn truncated_and_garbage_blobs_are_errors_not_panics() {
        let blob = hex(OXOCAL_WEEKLY_WITH_EXCEPTION);
        for n in 0..blob.len() {
            let _ = RecurrencePattern::parse(&blob[..n]);
        }
        assert!(RecurrencePattern::parse(&blob[..20]).is_err());
        // Cut inside the extended exceptions: the pattern survives with a warning.
        let p = RecurrencePattern::parse(&blob[..0xA0]).unwrap();
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(
            p.appointment.unwrap().exceptions[0].subject.as_deref(),
            Some("Simple Recurrence with exceptions")
        );
        let mut huge = blob.clone();
        huge[46..50].copy_from_slice(&u32::MAX.to_le_bytes()); // ModifiedInstanceCount
        assert!(RecurrencePattern::parse(&huge).is_err());
    }

    fn pattern(
        kind: PatternKind,
        freq: Frequency,
        period: u32,
        start: NaiveDate,
    ) -> RecurrencePattern {
        RecurrencePattern {
            frequency: freq,
            kind,
            calendar_type: 0,
            first_date_time: 0,
            period,
            sliding: false,
            end_type: EndType::Never,
            occurrence_count: 10,
            first_dow: 0,
            deleted_instance_dates: vec![],
            modified_instance_dates: vec![],
            start_date: datetime_to_minutes(start.and_hms_opt(0, 0, 0).unwrap()).unwrap(),
            end_date: 0x5AE9_80DF,
            appointment: None,
            warnings: vec![],
        }
    }

    /// The rule's parts without WKST, sorted, with BYDAY's days sorted.
    fn parts(rule: &str) -> Vec<String> {
        let mut v: Vec<String> = rule
            .split(';')
            .filter(|p| !p.starts_with("WKST="))
            .map(|p| match p.strip_prefix("BYDAY=") {
                Some(days) => {
                    let mut d: Vec<&str> = days.split(',').collect();
                    d.sort();
                    format!("BYDAY={}", d.join(","))
                }
                None => p.to_owned(),
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn oxcical_weekly_template_examples() {
        // [MS-OXCICAL] 2.1.3.2.2.2: "The Monday and Tuesday of every two weeks, for 7
        // occurrences" is FREQ=WEEKLY;BYDAY=MO,TU;INTERVAL=2;COUNT=7.
        let mut p = pattern(
            PatternKind::Week { days: 0b110 },
            Frequency::Weekly,
            2,
            d(2024, 1, 1),
        );
        p.end_type = EndType::AfterCount;
        p.occurrence_count = 7;
        let rule = format!("{};COUNT={}", p.rrule_body(), p.occurrence_count);
        assert_eq!(
            parts(&rule),
            parts("FREQ=WEEKLY;BYDAY=MO,TU;INTERVAL=2;COUNT=7")
        );
        assert_eq!(
            p.pattern_dates(d(2030, 1, 1), 100),
            [
                d(2024, 1, 1),
                d(2024, 1, 2),
                d(2024, 1, 15),
                d(2024, 1, 16),
                d(2024, 1, 29),
                d(2024, 1, 30),
                d(2024, 2, 12)
            ]
        );
        // "The Sunday and Monday of every two weeks, for someone whose week starts on Monday":
        // FREQ=WEEKLY;BYDAY=SU,MO;INTERVAL=2;WKST=MO. After a Sunday comes a 7-day gap.
        let mut p = pattern(
            PatternKind::Week { days: 0b11 },
            Frequency::Weekly,
            2,
            d(2024, 1, 1),
        );
        p.first_dow = 1;
        assert_eq!(p.rrule_body(), "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SU;WKST=MO");
        assert_eq!(
            parts(&p.rrule_body()),
            parts("FREQ=WEEKLY;BYDAY=SU,MO;INTERVAL=2;WKST=MO")
        );
        assert_eq!(
            p.pattern_dates(d(2024, 1, 31), 100),
            [
                d(2024, 1, 1),
                d(2024, 1, 7),
                d(2024, 1, 15),
                d(2024, 1, 21),
                d(2024, 1, 29)
            ]
        );
    }

    #[test]
    fn monthly_day_31_falls_on_last_day() {
        let p = pattern(
            PatternKind::Month { day: 31 },
            Frequency::Monthly,
            1,
            d(2021, 1, 31),
        );
        assert_eq!(
            p.pattern_dates(d(2021, 5, 1), 100),
            vec![
                d(2021, 1, 31),
                d(2021, 2, 28),
                d(2021, 3, 31),
                d(2021, 4, 30)
            ]
        );
        assert_eq!(p.rrule_body(), "FREQ=MONTHLY;BYMONTHDAY=-1");
        let p = pattern(
            PatternKind::Month { day: 30 },
            Frequency::Yearly,
            12,
            d(2020, 2, 29),
        );
        assert_eq!(
            p.pattern_dates(d(2022, 12, 1), 100),
            vec![d(2020, 2, 29), d(2021, 2, 28), d(2022, 2, 28)]
        );
        assert_eq!(
            p.rrule_body(),
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28,29,30;BYSETPOS=-1"
        );
    }

    #[test]
    fn nth_weekday_and_last() {
        // Last Friday, every 2 months.
        let p = pattern(
            PatternKind::MonthNth {
                days: 1 << 5,
                nth: 5,
            },
            Frequency::Monthly,
            2,
            d(2021, 1, 29),
        );
        assert_eq!(
            p.pattern_dates(d(2021, 7, 31), 100),
            vec![
                d(2021, 1, 29),
                d(2021, 3, 26),
                d(2021, 5, 28),
                d(2021, 7, 30)
            ]
        );
        assert_eq!(
            p.rrule_body(),
            "FREQ=MONTHLY;INTERVAL=2;BYDAY=FR;BYSETPOS=-1"
        );
        // Second weekday (Mon-Fri) of every month.
        let p = pattern(
            PatternKind::MonthNth { days: 0x3E, nth: 2 },
            Frequency::Monthly,
            1,
            d(2021, 5, 4),
        );
        assert_eq!(
            p.pattern_dates(d(2021, 8, 31), 100),
            vec![d(2021, 5, 4), d(2021, 6, 2), d(2021, 7, 2), d(2021, 8, 3)]
        );
        // Every other week on Tuesday and Sunday, weeks starting Monday.
        let mut p = pattern(
            PatternKind::Week { days: 0b101 },
            Frequency::Weekly,
            2,
            d(2021, 6, 1),
        );
        p.first_dow = 1;
        assert_eq!(
            p.pattern_dates(d(2021, 6, 30), 100),
            vec![
                d(2021, 6, 1),
                d(2021, 6, 6),
                d(2021, 6, 15),
                d(2021, 6, 20),
                d(2021, 6, 29)
            ]
        );
        assert_eq!(p.rrule_body(), "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=MO");
        p.end_type = EndType::AfterCount;
        p.occurrence_count = 3;
        assert_eq!(p.pattern_dates(d(2030, 1, 1), 100).len(), 3);
    }
}
