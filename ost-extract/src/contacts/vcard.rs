//! The vCard content-line layer: value escaping, parameter quoting and line folding, for
//! vCard 3.0 (RFC 2426 section 4, RFC 2425 section 5.8.1) and 4.0 (RFC 6350 section 3).

use super::VcardVersion;

/// One card being written: content lines, already escaped and folded, CRLF-terminated.
pub(crate) struct CardWriter {
    out: String,
    version: VcardVersion,
    next_group: u32,
}

impl CardWriter {
    /// Starts a card with `BEGIN` and `VERSION`.
    pub(crate) fn begin(version: VcardVersion) -> Self {
        let mut w = Self {
            out: String::new(),
            version,
            next_group: 1,
        };
        w.line("BEGIN", &[], "VCARD");
        let v = match version {
            VcardVersion::V3 => "3.0",
            VcardVersion::V4 => "4.0",
        };
        w.line("VERSION", &[], v);
        w
    }

    /// The card's version.
    pub(crate) fn version(&self) -> VcardVersion {
        self.version
    }

    /// A fresh group name (`item1`, `item2`...) for properties that belong together, as
    /// Apple's `itemN.X-ABLabel` convention uses them.
    pub(crate) fn new_group(&mut self) -> String {
        let g = format!("item{}", self.next_group);
        self.next_group = self.next_group.saturating_add(1);
        g
    }

    /// Writes one property. `value` must already be in its escaped form (see [`text`],
    /// [`compound`], [`list`]); parameter values are quoted here, except `TYPE`, whose values
    /// are this module's constants and may be comma-separated lists.
    pub(crate) fn line(&mut self, name: &str, params: &[(&str, &str)], value: &str) {
        self.grouped_line(None, name, params, value);
    }

    /// Like [`CardWriter::line`], with a group prefix (`item1.EMAIL`).
    pub(crate) fn grouped_line(
        &mut self,
        group: Option<&str>,
        name: &str,
        params: &[(&str, &str)],
        value: &str,
    ) {
        let mut l = String::with_capacity(name.len() + value.len() + 16);
        if let Some(g) = group {
            l.push_str(g);
            l.push('.');
        }
        l.push_str(name);
        for (k, v) in params {
            l.push(';');
            l.push_str(k);
            l.push('=');
            if *k == "TYPE" {
                // Our own comma-separated TYPE lists (RFC 6350 5.6), never quoted.
                l.push_str(v);
            } else {
                l.push_str(&param_value(v, self.version));
            }
        }
        l.push(':');
        l.push_str(value);
        fold_into(&l, &mut self.out);
    }

    /// Writes a text property, escaping the value; nothing is written for an empty value.
    pub(crate) fn text(&mut self, name: &str, params: &[(&str, &str)], value: &str) {
        if !value.trim().is_empty() {
            let v = text(value);
            self.line(name, params, &v);
        }
    }

    /// Ends the card and returns its text.
    pub(crate) fn end(mut self) -> String {
        self.line("END", &[], "VCARD");
        self.out
    }
}

/// Escapes a text value: backslash, comma, semicolon and line breaks (RFC 6350 3.4,
/// RFC 2426 4); the same rules as iCalendar's TEXT.
pub(crate) fn text(s: &str) -> String {
    crate::contentline::escape_text(s)
}

/// A structured value (`N`, `ADR`, `ORG`): components escaped and joined with `;`.
pub(crate) fn compound(parts: &[&str]) -> String {
    parts.iter().map(|p| text(p)).collect::<Vec<_>>().join(";")
}

/// A list value (`NICKNAME`, `CATEGORIES`): items escaped and joined with `,`.
pub(crate) fn list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|p| text(p.as_ref()))
        .collect::<Vec<_>>()
        .join(",")
}

/// Quotes a parameter value when it holds `:`, `;` or `,` (RFC 6350 3.3 `param-value`).
/// A double quote cannot appear inside one; 4.0 writes it, and line breaks and `^`, with the
/// caret escapes of RFC 6868, 3.0 replaces it with an apostrophe and breaks with spaces.
fn param_value(v: &str, version: VcardVersion) -> String {
    let mut s = String::with_capacity(v.len() + 2);
    let mut chars = v.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, version) {
            ('^', VcardVersion::V4) => s.push_str("^^"),
            ('"', VcardVersion::V4) => s.push_str("^'"),
            ('"', VcardVersion::V3) => s.push('\''),
            ('\r' | '\n', _) => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                match version {
                    VcardVersion::V4 => s.push_str("^n"),
                    VcardVersion::V3 => s.push(' '),
                }
            }
            (c, _) if c.is_control() && c != '\t' => {}
            (c, _) => s.push(c),
        }
    }
    if s.is_empty() || s.contains([':', ';', ',']) {
        format!("\"{s}\"")
    } else {
        s
    }
}

use crate::contentline::fold_into;

/// Standard base64 with padding (RFC 4648 section 4), for inline photos.
pub(crate) fn base64(data: &[u8]) -> String {
    base64_simd::STANDARD.encode_to_string(data)
}

/// Percent-encodes an address for a `mailto:` URI (RFC 6068): keeps unreserved characters
/// and `@`, encodes every other octet.
pub(crate) fn mailto(addr: &str) -> String {
    let mut s = String::from("mailto:");
    for b in addr.trim().bytes() {
        if b.is_ascii_alphanumeric() || b"-._~@!$'*+=".contains(&b) {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_specials_and_line_breaks() {
        assert_eq!(text("a,b;c\\d\r\ne\nf\rg"), "a\\,b\\;c\\\\d\\ne\\nf\\ng");
        assert_eq!(text("bell\u{7}tab\t"), "belltab\t");
        assert_eq!(compound(&["Doe", "John;Jr", ""]), "Doe;John\\;Jr;");
        assert_eq!(list(&["a,b", "c"]), "a\\,b,c");
    }

    #[test]
    fn params_are_quoted_when_needed() {
        assert_eq!(param_value("work", VcardVersion::V3), "work");
        assert_eq!(param_value("Doe, John", VcardVersion::V3), "\"Doe, John\"");
        assert_eq!(param_value("say \"hi\"", VcardVersion::V3), "say 'hi'");
        assert_eq!(
            param_value("a\nb \"c\" ^", VcardVersion::V4),
            "a^nb ^'c^' ^^"
        );
        assert_eq!(param_value("", VcardVersion::V4), "\"\"");
    }

    #[test]
    fn folding_at_75_octets() {
        let line = "X".repeat(160);
        let mut out = String::new();
        fold_into(&line, &mut out);
        let expected = format!(
            "{}\r\n {}\r\n {}\r\n",
            "X".repeat(75),
            "X".repeat(74),
            "X".repeat(11)
        );
        assert_eq!(out, expected);
    }

    #[test]
    fn folding_never_splits_multibyte_characters() {
        // "NOTE:" (5 octets) then 40 two-octet characters: 35 of them fill 75 octets.
        let line = format!("NOTE:{}", "é".repeat(40));
        let mut out = String::new();
        fold_into(&line, &mut out);
        assert_eq!(
            out,
            format!("NOTE:{}\r\n {}\r\n", "é".repeat(35), "é".repeat(5))
        );
        // 3-octet characters after a 4-octet prefix: 23 fit (73 octets), the 24th would
        // reach 76; continuation lines take 24 (1 + 72 = 73 octets).
        let line = format!("ABC:{}", "€".repeat(50));
        let mut out = String::new();
        fold_into(&line, &mut out);
        assert_eq!(
            out,
            format!(
                "ABC:{}\r\n {}\r\n {}\r\n",
                "€".repeat(23),
                "€".repeat(24),
                "€".repeat(3)
            )
        );
        for l in out.split("\r\n") {
            assert!(l.len() <= 75, "{l:?}");
        }
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (i, o) in cases {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn mailto_percent_encodes() {
        assert_eq!(mailto("a.b@c.com"), "mailto:a.b@c.com");
        assert_eq!(mailto("we ird,@x.org"), "mailto:we%20ird%2C@x.org");
    }
}
