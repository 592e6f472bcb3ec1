//! A small iCalendar (RFC 5545) writer: content lines with parameters, TEXT escaping, line
//! folding at 75 octets and CRLF line ends (RFC 5545 3.1, 3.3.11).

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};

/// Builds the text of one iCalendar object line by line.
#[derive(Debug, Default)]
pub(crate) struct IcsWriter {
    out: String,
}

impl IcsWriter {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// `BEGIN:<name>`.
    pub(crate) fn begin(&mut self, name: &str) {
        self.raw("BEGIN", &[], name);
    }

    /// `END:<name>`.
    pub(crate) fn end(&mut self, name: &str) {
        self.raw("END", &[], name);
    }

    /// A property whose value is already in its iCalendar form (dates, numbers, RRULE...).
    /// Parameter values are quoted as needed.
    pub(crate) fn raw(&mut self, name: &str, params: &[(&str, String)], value: &str) {
        let mut line = String::with_capacity(name.len() + value.len() + 16);
        line.push_str(name);
        for (k, v) in params {
            line.push(';');
            line.push_str(k);
            line.push('=');
            line.push_str(&param_value(v));
        }
        line.push(':');
        line.push_str(value);
        fold_into(&line, &mut self.out);
    }

    /// A TEXT property: the value is escaped (RFC 5545 3.3.11).
    pub(crate) fn text(&mut self, name: &str, params: &[(&str, String)], value: &str) {
        let escaped = escape_text(value);
        self.raw(name, params, &escaped);
    }

    /// Appends another writer's lines (already folded).
    pub(crate) fn append(&mut self, other: IcsWriter) {
        self.out.push_str(&other.out);
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }
}

pub(crate) use crate::contentline::{escape_text, fold_into};

/// A parameter value: double quotes are not allowed inside one and are dropped; values with
/// `:`, `;` or `,` are quoted (RFC 5545 3.2).
pub(crate) fn param_value(v: &str) -> String {
    let clean: String = v
        .chars()
        .filter(|c| *c != '"' && (!c.is_control() || *c == '\t'))
        .collect();
    if clean.contains([':', ';', ',']) {
        format!("\"{clean}\"")
    } else {
        clean
    }
}

/// `YYYYMMDDTHHMMSSZ`.
pub(crate) fn fmt_utc(t: DateTime<Utc>) -> String {
    format!("{}Z", fmt_local(t.naive_utc()))
}

/// `YYYYMMDDTHHMMSS` (local or floating time).
pub(crate) fn fmt_local(t: NaiveDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `YYYYMMDD`.
pub(crate) fn fmt_date(d: NaiveDate) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// A UTC offset in minutes as `+HHMM` / `-HHMM`.
pub(crate) fn fmt_offset(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("{sign}{:02}{:02}", m / 60, m % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let line = format!("SUMMARY:{}", "é".repeat(50));
        fold_into(&line, &mut out);
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(lines.len(), 3); // two physical lines and the empty tail
        assert!(lines[0].len() <= 75 && lines[0].len() >= 74);
        assert!(lines[1].starts_with(' ') && lines[1].len() <= 75);
        let unfolded: String = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{line}\r\n"));
    }

    #[test]
    fn escapes_text() {
        assert_eq!(
            escape_text("a,b;c\\d\r\ne\nf\u{7}"),
            "a\\,b\\;c\\\\d\\ne\\nf"
        );
        assert_eq!(param_value("Doe, \"Jane\""), "\"Doe, Jane\"");
        assert_eq!(param_value("Jane"), "Jane");
        assert_eq!(fmt_offset(-330), "-0530");
        assert_eq!(fmt_offset(60), "+0100");
    }
}
