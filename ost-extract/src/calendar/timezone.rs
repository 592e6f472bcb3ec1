//! Stored time-zone definitions: `PidLidTimeZoneStruct` ([MS-OXOCAL] 2.2.1.39) and the
//! `TZDEFINITION` stream of `PidLidAppointmentTimeZoneDefinition*` ([MS-OXOCAL] 2.2.1.41),
//! local/UTC conversion with their rules, and VTIMEZONE output ([MS-OXCICAL] 2.1.3.1.1.19).

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};

use super::bytes::{Reader, Truncated};
use super::ical::{fmt_local, fmt_offset, IcsWriter};
use super::windows_zones::windows_to_iana;

/// A Windows `SYSTEMTIME` used as a transition rule ([MS-OXOCAL] 2.2.1.39): with `year == 0`
/// it means "the `day`-th (5 = last) `day_of_week` of `month`" every year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SystemTime {
    /// `wYear` (0 for a yearly rule).
    pub year: u16,
    /// `wMonth`, 1-12; 0 when the zone has no daylight saving time.
    pub month: u16,
    /// `wDayOfWeek`, 0 = Sunday.
    pub day_of_week: u16,
    /// `wDay`: occurrence 1-5 of the weekday (5 = last), or day of month for absolute dates.
    pub day: u16,
    /// `wHour`.
    pub hour: u16,
    /// `wMinute`.
    pub minute: u16,
    /// `wSecond`.
    pub second: u16,
    /// `wMilliseconds`.
    pub millis: u16,
}

impl SystemTime {
    fn read(r: &mut Reader<'_>) -> Result<Self, Truncated> {
        Ok(Self {
            year: r.u16("SYSTEMTIME")?,
            month: r.u16("SYSTEMTIME")?,
            day_of_week: r.u16("SYSTEMTIME")?,
            day: r.u16("SYSTEMTIME")?,
            hour: r.u16("SYSTEMTIME")?,
            minute: r.u16("SYSTEMTIME")?,
            second: r.u16("SYSTEMTIME")?,
            millis: r.u16("SYSTEMTIME")?,
        })
    }

    /// The local date and time this rule names in `year` (None for an invalid rule).
    pub fn resolve(&self, year: i32) -> Option<NaiveDateTime> {
        let month = u32::from(self.month);
        let date = if self.year != 0 {
            NaiveDate::from_ymd_opt(year, month, u32::from(self.day))?
        } else {
            nth_weekday(
                year,
                month,
                u32::from(self.day_of_week),
                u32::from(self.day),
            )?
        };
        let time = NaiveTime::from_hms_opt(
            u32::from(self.hour.min(23)),
            u32::from(self.minute.min(59)),
            u32::from(self.second.min(59)),
        )?;
        Some(date.and_time(time))
    }
}

/// The `n`-th (1-4; 5 or more = last) weekday `dow` (0 = Sunday) of a month.
pub(crate) fn nth_weekday(year: i32, month: u32, dow: u32, n: u32) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let first_dow = first.weekday().num_days_from_sunday();
    let offset = (dow % 7 + 7 - first_dow) % 7;
    let mut day = first + Duration::days(i64::from(offset));
    let n = n.clamp(1, 5);
    for _ in 1..n {
        let next = day + Duration::days(7);
        if next.month() != month {
            break;
        }
        day = next;
    }
    Some(day)
}

/// One rule of a time zone, in force from `year` on ([MS-OXOCAL] 2.2.1.41.1 TZRule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TzRule {
    /// First year the rule applies to (0 when unknown: always).
    pub year: u16,
    /// `TZRule Flags` (0x0002 marks the effective rule).
    pub flags: u16,
    /// `lBias`: UTC = local + bias, in minutes.
    pub bias: i32,
    /// `lStandardBias`, added to `bias` in standard time.
    pub standard_bias: i32,
    /// `lDaylightBias`, added to `bias` in daylight time.
    pub daylight_bias: i32,
    /// When daylight time ends (local daylight time).
    pub standard_date: SystemTime,
    /// When daylight time starts (local standard time).
    pub daylight_date: SystemTime,
}

impl TzRule {
    /// Whether the rule has daylight saving time at all.
    pub fn has_dst(&self) -> bool {
        self.standard_date.month != 0 && self.daylight_date.month != 0
    }
    /// UTC offset in standard time, minutes east of UTC.
    pub fn standard_offset(&self) -> i32 {
        -(self.bias.saturating_add(self.standard_bias))
    }
    /// UTC offset in daylight time, minutes east of UTC.
    pub fn daylight_offset(&self) -> i32 {
        -(self.bias.saturating_add(self.daylight_bias))
    }

    /// The offset at `t` given this year's daylight-time window `[start, end)`, both in the
    /// same clock as `t`; on the southern hemisphere the window wraps over the new year.
    fn offset_in_window(&self, t: NaiveDateTime, start: NaiveDateTime, end: NaiveDateTime) -> i32 {
        let in_dst = if start < end {
            t >= start && t < end
        } else {
            t >= start || t < end
        };
        if in_dst {
            self.daylight_offset()
        } else {
            self.standard_offset()
        }
    }
}

/// A time zone as Outlook stores it: an optional name and its rules by year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZone {
    /// The Windows key name (TZDEFINITION) or display name (`PidLidTimeZoneDescription`).
    pub name: Option<String>,
    /// Rules sorted by first year; never empty.
    pub rules: Vec<TzRule>,
}

/// Why a time-zone blob could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TzError {
    /// The blob is shorter than its structure.
    #[error(transparent)]
    Truncated(#[from] Truncated),
    /// A version or count that cannot be right.
    #[error("invalid time-zone definition: {0}")]
    Invalid(&'static str),
}

impl TimeZone {
    /// Reads a `PidLidTimeZoneStruct` ([MS-OXOCAL] 2.2.1.39): lBias, lStandardBias,
    /// lDaylightBias, wStandardYear, stStandardDate, wDaylightYear, stDaylightDate.
    pub fn from_struct(blob: &[u8], name: Option<&str>) -> Result<Self, TzError> {
        let mut r = Reader::new(blob);
        let bias = clamp_bias(r.i32("lBias")?);
        let standard_bias = clamp_bias(r.i32("lStandardBias")?);
        let daylight_bias = clamp_bias(r.i32("lDaylightBias")?);
        let _standard_year = r.u16("wStandardYear")?;
        let standard_date = SystemTime::read(&mut r)?;
        let _daylight_year = r.u16("wDaylightYear")?;
        let daylight_date = SystemTime::read(&mut r)?;
        let rule = TzRule {
            year: 0,
            flags: 0,
            bias,
            standard_bias,
            daylight_bias,
            standard_date,
            daylight_date,
        };
        Ok(Self {
            name: name.map(str::to_owned),
            rules: vec![rule],
        })
    }

    /// Reads a TZDEFINITION stream ([MS-OXOCAL] 2.2.1.41): header with the key name, then
    /// `cRules` TZRule structures of 66 bytes each.
    pub fn from_definition(blob: &[u8]) -> Result<Self, TzError> {
        let mut r = Reader::new(blob);
        let major = r.u8("TZDEFINITION version")?;
        let _minor = r.u8("TZDEFINITION version")?;
        if major != 2 {
            return Err(TzError::Invalid("TZDEFINITION major version is not 2"));
        }
        let cb_header = usize::from(r.u16("cbHeader")?);
        let header_end = 4usize.saturating_add(cb_header);
        let flags = r.u16("TZDEFINITION flags")?;
        if flags & 0x0001 != 0 {
            r.bytes(16, "guidTZID")?;
        }
        let mut name = None;
        if flags & 0x0002 != 0 || flags == 0 {
            let cch = usize::from(r.u16("cchKeyName")?);
            let key = r.utf16(cch, "KeyName")?;
            let key = key.trim_end_matches('\0').trim().to_owned();
            if !key.is_empty() {
                name = Some(key);
            }
        }
        let c_rules = r.u16("cRules")?;
        // Rules start right after the header as cbHeader gives it, which may hold more fields.
        if header_end > r.pos() {
            r.bytes(header_end - r.pos(), "TZDEFINITION header")?;
        }
        let n = r.count(u32::from(c_rules), 66, "TZRules")?;
        let mut rules = Vec::with_capacity(n);
        for _ in 0..n {
            let _major = r.u8("TZRule")?;
            let _minor = r.u8("TZRule")?;
            let _reserved = r.u16("TZRule")?;
            let flags = r.u16("TZRule flags")?;
            let year = r.u16("TZRule wYear")?;
            r.bytes(14, "TZRule X")?;
            let bias = clamp_bias(r.i32("lBias")?);
            let standard_bias = clamp_bias(r.i32("lStandardBias")?);
            let daylight_bias = clamp_bias(r.i32("lDaylightBias")?);
            let standard_date = SystemTime::read(&mut r)?;
            let daylight_date = SystemTime::read(&mut r)?;
            rules.push(TzRule {
                year,
                flags,
                bias,
                standard_bias,
                daylight_bias,
                standard_date,
                daylight_date,
            });
        }
        if rules.is_empty() {
            return Err(TzError::Invalid("TZDEFINITION has no rules"));
        }
        rules.sort_by_key(|r| r.year);
        Ok(Self { name, rules })
    }

    /// A fixed-offset zone (no daylight time) named `name`.
    pub fn fixed(name: &str, offset_minutes: i32) -> Self {
        let rule = TzRule {
            bias: clamp_bias(offset_minutes.saturating_neg()),
            ..TzRule::default()
        };
        Self {
            name: Some(name.to_owned()),
            rules: vec![rule],
        }
    }

    /// The TZID to write: the IANA name when the Windows name maps to one, else the Windows
    /// name, else a name made from the standard offset.
    pub fn tzid(&self) -> String {
        if let Some(name) = &self.name {
            if let Some(iana) = windows_to_iana(name) {
                return iana.to_owned();
            }
            return name.clone();
        }
        let rule = self.rules.last().copied().unwrap_or_default();
        format!("UTC{}", fmt_offset(rule.standard_offset()))
    }

    /// The rule in force in `year`.
    pub fn rule_for_year(&self, year: i32) -> TzRule {
        let mut found = self.rules.first().copied().unwrap_or_default();
        for r in &self.rules {
            if i32::from(r.year) <= year {
                found = *r;
            }
        }
        found
    }

    /// UTC offset (minutes east) in force at local time `t`. In the hour that a transition
    /// repeats, standard time is chosen; in the hour that it skips, standard time too.
    pub fn offset_at_local(&self, t: NaiveDateTime) -> i32 {
        let rule = self.rule_for_year(t.year());
        if !rule.has_dst() {
            return rule.standard_offset();
        }
        let (Some(dst_start), Some(dst_end)) = (
            rule.daylight_date.resolve(t.year()),
            rule.standard_date.resolve(t.year()),
        ) else {
            return rule.standard_offset();
        };
        // dst_end is in daylight wall time; the repeated hour before it counts as standard.
        let dst_end_std =
            dst_end + Duration::minutes(i64::from(rule.standard_offset() - rule.daylight_offset()));
        rule.offset_in_window(t, dst_start, dst_end_std)
    }

    /// Local time to UTC.
    pub fn local_to_utc(&self, t: NaiveDateTime) -> NaiveDateTime {
        t - Duration::minutes(i64::from(self.offset_at_local(t)))
    }

    /// UTC offset (minutes east) in force at UTC instant `t`.
    pub fn offset_at_utc(&self, t: NaiveDateTime) -> i32 {
        let rule = self.rule_for_year(t.year());
        if !rule.has_dst() {
            return rule.standard_offset();
        }
        let (Some(dst_start), Some(dst_end)) = (
            rule.daylight_date.resolve(t.year()),
            rule.standard_date.resolve(t.year()),
        ) else {
            return rule.standard_offset();
        };
        let start_utc = dst_start - Duration::minutes(i64::from(rule.standard_offset()));
        let end_utc = dst_end - Duration::minutes(i64::from(rule.daylight_offset()));
        rule.offset_in_window(t, start_utc, end_utc)
    }

    /// UTC to local time.
    pub fn utc_to_local(&self, t: NaiveDateTime) -> NaiveDateTime {
        t + Duration::minutes(i64::from(self.offset_at_utc(t)))
    }

    /// Writes a VTIMEZONE for this zone under `tzid`: one STANDARD (and DAYLIGHT) component
    /// per rule, each with a yearly RRULE built from the SYSTEMTIME transition rule and an
    /// UNTIL where a later rule takes over.
    pub(crate) fn write_vtimezone(&self, tzid: &str, w: &mut IcsWriter) {
        w.begin("VTIMEZONE");
        w.text("TZID", &[], tzid);
        let mut emitted = false;
        for (i, rule) in self.rules.iter().enumerate() {
            // The first rule written covers everything before it too.
            let start_year = if emitted {
                i32::from(rule.year).max(1601)
            } else {
                1601
            };
            let next_year = self.rules.get(i + 1).map(|r| i32::from(r.year));
            if next_year.is_some_and(|ny| ny <= start_year) {
                // A later rule takes over from the same year: this one never applies.
                continue;
            }
            emitted = true;
            if !rule.has_dst() {
                let prev = i
                    .checked_sub(1)
                    .and_then(|j| self.rules.get(j))
                    .map_or(rule.standard_offset(), prev_offset);
                w.begin("STANDARD");
                let start = NaiveDate::from_ymd_opt(start_year, 1, 1)
                    .unwrap_or_default()
                    .and_time(NaiveTime::MIN);
                w.raw("DTSTART", &[], &fmt_local(start));
                w.raw("TZOFFSETFROM", &[], &fmt_offset(prev));
                w.raw("TZOFFSETTO", &[], &fmt_offset(rule.standard_offset()));
                w.end("STANDARD");
                continue;
            }
            for (comp, st, from, to) in [
                (
                    "STANDARD",
                    rule.standard_date,
                    rule.daylight_offset(),
                    rule.standard_offset(),
                ),
                (
                    "DAYLIGHT",
                    rule.daylight_date,
                    rule.standard_offset(),
                    rule.daylight_offset(),
                ),
            ] {
                let Some(first) = st.resolve(start_year) else {
                    continue;
                };
                w.begin(comp);
                w.raw("DTSTART", &[], &fmt_local(first));
                let mut rrule = if st.year != 0 {
                    format!("FREQ=YEARLY;BYMONTH={};BYMONTHDAY={}", st.month, st.day)
                } else {
                    let nth = if st.day >= 5 {
                        -1
                    } else {
                        i32::from(st.day.max(1))
                    };
                    format!(
                        "FREQ=YEARLY;BYMONTH={};BYDAY={}{}",
                        st.month,
                        nth,
                        weekday_code(u32::from(st.day_of_week))
                    )
                };
                if let Some(ny) = next_year {
                    if let Some(last) = st.resolve(ny - 1) {
                        let until = last - Duration::minutes(i64::from(from));
                        rrule.push_str(&format!(";UNTIL={}Z", fmt_local(until)));
                    }
                }
                w.raw("RRULE", &[], &rrule);
                w.raw("TZOFFSETFROM", &[], &fmt_offset(from));
                w.raw("TZOFFSETTO", &[], &fmt_offset(to));
                w.end(comp);
            }
        }
        w.end("VTIMEZONE");
    }
}

/// The offset a rule leaves in force at the end of its years (its standard offset unless it
/// is a southern-hemisphere rule that ends the year in daylight time).
fn prev_offset(rule: &TzRule) -> i32 {
    if rule.has_dst() && rule.daylight_date.month > rule.standard_date.month {
        rule.daylight_offset()
    } else {
        rule.standard_offset()
    }
}

/// Real biases are within a day; clamping keeps the offset arithmetic of damaged values
/// from overflowing.
fn clamp_bias(b: i32) -> i32 {
    b.clamp(-1440, 1440)
}

/// RFC 5545 weekday code for 0 = Sunday .. 6 = Saturday.
pub(crate) fn weekday_code(dow: u32) -> &'static str {
    match dow % 7 {
        0 => "SU",
        1 => "MO",
        2 => "TU",
        3 => "WE",
        4 => "TH",
        5 => "FR",
        _ => "SA",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A TZDEFINITION for "W. Europe Standard Time" with one rule (last Sunday of March 2:00
    /// to last Sunday of October 3:00), laid out as [MS-OXOCAL] 2.2.1.41 gives it.
    pub(crate) fn w_europe_definition() -> Vec<u8> {
        let key: Vec<u16> = "W. Europe Standard Time".encode_utf16().collect();
        let mut b = vec![0x02, 0x01];
        let cb_header = (2 + 2 + key.len() * 2 + 2) as u16;
        b.extend_from_slice(&cb_header.to_le_bytes());
        b.extend_from_slice(&2u16.to_le_bytes());
        b.extend_from_slice(&(key.len() as u16).to_le_bytes());
        for u in &key {
            b.extend_from_slice(&u.to_le_bytes());
        }
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&[0x02, 0x01, 0x3E, 0x00]);
        b.extend_from_slice(&2u16.to_le_bytes()); // effective rule
        b.extend_from_slice(&1601u16.to_le_bytes());
        b.extend_from_slice(&[0u8; 14]);
        b.extend_from_slice(&(-60i32).to_le_bytes());
        b.extend_from_slice(&0i32.to_le_bytes());
        b.extend_from_slice(&(-60i32).to_le_bytes());
        for v in [0u16, 10, 0, 5, 3, 0, 0, 0, 0, 3, 0, 5, 2, 0, 0, 0] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b
    }

    /// A PidLidTimeZoneStruct for US Eastern time (second Sunday of March to first Sunday of
    /// November, 2:00).
    pub(crate) fn us_eastern_struct() -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&300i32.to_le_bytes());
        b.extend_from_slice(&0i32.to_le_bytes());
        b.extend_from_slice(&(-60i32).to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        for v in [0u16, 11, 0, 1, 2, 0, 0, 0] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&0u16.to_le_bytes());
        for v in [0u16, 3, 0, 2, 2, 0, 0, 0] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b
    }

    fn dt(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap()
    }

    #[test]
    fn reads_tzdefinition_and_converts() {
        let tz = TimeZone::from_definition(&w_europe_definition()).unwrap();
        assert_eq!(tz.name.as_deref(), Some("W. Europe Standard Time"));
        assert_eq!(tz.tzid(), "Europe/Berlin");
        assert_eq!(tz.rules.len(), 1);
        assert_eq!(tz.rules[0].standard_offset(), 60);
        assert_eq!(tz.rules[0].daylight_offset(), 120);
        // 2021: DST from 28 March 02:00 to 31 October 03:00.
        assert_eq!(tz.offset_at_local(dt(2021, 3, 28, 1, 59)), 60);
        assert_eq!(tz.offset_at_local(dt(2021, 3, 28, 3, 0)), 120);
        assert_eq!(tz.offset_at_local(dt(2021, 7, 1, 12, 0)), 120);
        assert_eq!(
            tz.local_to_utc(dt(2021, 7, 1, 12, 0)),
            dt(2021, 7, 1, 10, 0)
        );
        assert_eq!(
            tz.utc_to_local(dt(2021, 1, 5, 23, 30)),
            dt(2021, 1, 6, 0, 30)
        );
        assert_eq!(
            tz.utc_to_local(dt(2021, 10, 31, 0, 59)),
            dt(2021, 10, 31, 2, 59)
        );
        assert_eq!(
            tz.utc_to_local(dt(2021, 10, 31, 1, 0)),
            dt(2021, 10, 31, 2, 0)
        );
    }

    #[test]
    fn reads_timezone_struct_and_writes_vtimezone() {
        let tz = TimeZone::from_struct(
            &us_eastern_struct(),
            Some("(UTC-05:00) Eastern Time (US & Canada)"),
        )
        .unwrap();
        assert_eq!(tz.tzid(), "America/New_York");
        assert_eq!(
            tz.local_to_utc(dt(2022, 3, 13, 12, 0)),
            dt(2022, 3, 13, 16, 0)
        );
        assert_eq!(
            tz.local_to_utc(dt(2022, 3, 12, 12, 0)),
            dt(2022, 3, 12, 17, 0)
        );
        let mut w = IcsWriter::new();
        tz.write_vtimezone("America/New_York", &mut w);
        let text = w.finish();
        let expected = "BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\nBEGIN:STANDARD\r\nDTSTART:16011104T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\n\
BEGIN:DAYLIGHT\r\nDTSTART:16010311T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n\
TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn superseded_rules_are_not_written() {
        let base = TimeZone::from_definition(&w_europe_definition())
            .unwrap()
            .rules[0];
        let fixed = TzRule {
            standard_date: SystemTime::default(),
            daylight_date: SystemTime::default(),
            ..base
        };
        let tz = TimeZone {
            name: Some("W. Europe Standard Time".into()),
            rules: vec![
                TzRule { year: 0, ..fixed },
                TzRule { year: 1601, ..base },
                TzRule {
                    year: 2030,
                    ..fixed
                },
            ],
        };
        let mut w = IcsWriter::new();
        tz.write_vtimezone("Europe/Berlin", &mut w);
        let text = w.finish();
        assert_eq!(text.matches("BEGIN:STANDARD").count(), 2, "{text}");
        assert!(text.contains("DTSTART:16011028T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20291028T010000Z\r\n"), "{text}");
        assert!(
            text.contains("DTSTART:20300101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\n"),
            "{text}"
        );
        assert_eq!(
            tz.offset_at_local(
                NaiveDate::from_ymd_opt(2029, 7, 1)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap()
            ),
            120
        );
        assert_eq!(
            tz.offset_at_local(
                NaiveDate::from_ymd_opt(2030, 7, 1)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap()
            ),
            60
        );
    }

    #[test]
    fn last_weekday_rule() {
        assert_eq!(
            nth_weekday(2021, 10, 0, 5),
            NaiveDate::from_ymd_opt(2021, 10, 31)
        );
        assert_eq!(
            nth_weekday(2021, 2, 1, 5),
            NaiveDate::from_ymd_opt(2021, 2, 22)
        );
        assert_eq!(
            nth_weekday(2021, 2, 1, 1),
            NaiveDate::from_ymd_opt(2021, 2, 1)
        );
        assert!(TimeZone::from_definition(&[2, 1, 0]).is_err());
        assert!(TimeZone::from_struct(&[0; 10], None).is_err());
    }
}
