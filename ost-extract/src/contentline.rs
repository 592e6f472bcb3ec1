//! Content lines as iCalendar (RFC 5545 3.1, 3.3.11) and vCard (RFC 6350 3.2, 3.4) share them:
//! TEXT escaping and folding at 75 octets.

/// Escapes a TEXT value: backslash, semicolon, comma, and line breaks as `\n` (CRLF and a lone
/// CR are one break). Other control characters are not allowed in TEXT and are dropped.
pub(crate) fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one logical line folded into physical lines of at most 75 octets, each ended by
/// CRLF; continuation lines start with one space, which counts towards their 75. A UTF-8
/// sequence is never split.
pub(crate) fn fold_into(line: &str, out: &mut String) {
    const FOLD_AT: usize = 75;
    let mut used = 0usize;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > FOLD_AT {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_folds() {
        assert_eq!(
            escape_text("a,b;c\\d\r\ne\rf\u{7}"),
            "a\\,b\\;c\\\\d\\ne\\nf"
        );
        let mut out = String::new();
        fold_into(&"é".repeat(40), &mut out);
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(
            lines[0].len(),
            74,
            "37 two-octet characters fit in 75 octets"
        );
        assert!(lines.iter().all(|l| l.len() <= 75));
        assert_eq!(lines[1], format!(" {}", "é".repeat(3)));
    }
}
