//! A small MIME tree and its serialiser (RFC 2045, 2046).
//!
//! `mail-builder` does the content transfer encodings (base64, quoted-printable and the
//! choice between them). The tree and its writing are ours because the converter needs
//! things its `MimePart` does not give: output that is the same on every run (boundaries
//! derived from the content, not the clock), RFC 2231 parameters, `message/rfc822` parts
//! carried without a transfer encoding, and stored header fields written verbatim.

use super::headers::{write_field, Field};

/// What a part holds.
#[derive(Debug, Clone)]
pub enum Body {
    /// Text, written as UTF-8 with CRLF line ends in 7bit, quoted-printable or base64.
    Text(String),
    /// Bytes, written in base64.
    Binary(Vec<u8>),
    /// A complete message (RFC 5322 bytes, 7-bit, CRLF), written as it is (`message/rfc822`).
    Message(Vec<u8>),
    /// Sub-parts of a multipart.
    Multipart(Vec<Part>),
}

/// One MIME entity: its content header fields (Content-Type first) and its body.
#[derive(Debug, Clone)]
pub struct Part {
    /// The Content-Type value, without the boundary parameter (added when written).
    pub content_type: String,
    /// Other content header fields (Content-Disposition, Content-ID...).
    pub fields: Vec<Field>,
    /// The content.
    pub body: Body,
}

impl Part {
    /// A text part (`text/plain`, `text/html`...) in UTF-8.
    pub fn text(subtype: &str, text: String) -> Self {
        Self {
            content_type: format!("text/{subtype}; charset=utf-8"),
            fields: Vec::new(),
            body: Body::Text(text),
        }
    }

    /// A multipart of the given subtype (`mixed`, `alternative`, `related`).
    pub fn multipart(subtype: &str, parts: Vec<Part>) -> Self {
        Self {
            content_type: format!("multipart/{subtype}"),
            fields: Vec::new(),
            body: Body::Multipart(parts),
        }
    }

    /// Adds a content header field.
    pub fn with_field(mut self, name: &str, value: impl Into<String>) -> Self {
        self.fields.push(Field::new(name, value));
        self
    }

    /// Serialises the content header fields, the blank line and the body.
    pub fn write(&self, out: &mut Vec<u8>) {
        match &self.body {
            Body::Multipart(parts) => {
                let rendered: Vec<Vec<u8>> = parts
                    .iter()
                    .map(|p| {
                        let mut v = Vec::new();
                        p.write(&mut v);
                        v
                    })
                    .collect();
                let boundary = choose_boundary(&rendered);
                write_field(
                    out,
                    &Field::new(
                        "Content-Type",
                        format!("{}; boundary=\"{}\"", self.content_type, boundary),
                    ),
                );
                self.write_fields(out);
                out.extend_from_slice(b"\r\n");
                for r in &rendered {
                    out.extend_from_slice(b"--");
                    out.extend_from_slice(boundary.as_bytes());
                    out.extend_from_slice(b"\r\n");
                    out.extend_from_slice(r);
                    if !r.ends_with(b"\r\n") {
                        out.extend_from_slice(b"\r\n");
                    }
                }
                out.extend_from_slice(b"--");
                out.extend_from_slice(boundary.as_bytes());
                out.extend_from_slice(b"--\r\n");
            }
            Body::Text(text) => {
                write_field(out, &Field::new("Content-Type", self.content_type.clone()));
                let data = crlf_text(text);
                let enc = match body_encoding(data.as_bytes()) {
                    BodyEncoding::SevenBit => "7bit",
                    BodyEncoding::QuotedPrintable => "quoted-printable",
                    BodyEncoding::Base64 => "base64",
                };
                write_field(out, &Field::new("Content-Transfer-Encoding", enc));
                self.write_fields(out);
                out.extend_from_slice(b"\r\n");
                match enc {
                    "7bit" => out.extend_from_slice(data.as_bytes()),
                    "quoted-printable" => {
                        quoted_printable_body(data.as_bytes(), out);
                    }
                    _ => {
                        base64_mime(data.as_bytes(), out);
                    }
                }
                if !out.ends_with(b"\r\n") {
                    out.extend_from_slice(b"\r\n");
                }
            }
            Body::Binary(bytes) => {
                write_field(out, &Field::new("Content-Type", self.content_type.clone()));
                write_field(out, &Field::new("Content-Transfer-Encoding", "base64"));
                self.write_fields(out);
                out.extend_from_slice(b"\r\n");
                base64_mime(bytes, out);
            }
            Body::Message(bytes) => {
                write_field(out, &Field::new("Content-Type", self.content_type.clone()));
                // RFC 2046 5.2.1: no encoding other than 7bit, 8bit or binary.
                write_field(out, &Field::new("Content-Transfer-Encoding", "7bit"));
                self.write_fields(out);
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(bytes);
                if !out.ends_with(b"\r\n") {
                    out.extend_from_slice(b"\r\n");
                }
            }
        }
    }

    fn write_fields(&self, out: &mut Vec<u8>) {
        for f in &self.fields {
            write_field(out, f);
        }
    }
}

/// A boundary that occurs in none of the parts: derived from their bytes, so the same
/// message always gives the same output. `=_` cannot start a line of base64 or
/// quoted-printable text, which makes a clash unlikely; the loop makes it impossible.
fn choose_boundary(parts: &[Vec<u8>]) -> String {
    // A checksum is enough: the loop below rules out clashes, so the hash only has to spread
    // boundaries, and CRC-32 runs at memory speed where SHA-256 took a tenth of a conversion.
    let mut a = crc32fast::Hasher::new();
    let mut b = crc32fast::Hasher::new_with_initial(0x5EED_B0DA);
    for p in parts {
        a.update(&(p.len() as u64).to_le_bytes());
        a.update(p);
        b.update(p);
        b.update(&(p.len() as u64).to_le_bytes());
    }
    let base = format!("=_ost_{:08x}{:08x}", a.finalize(), b.finalize());
    let mut n = 0u32;
    loop {
        let candidate = if n == 0 {
            base.clone()
        } else {
            format!("{base}_{n}")
        };
        let needle = format!("--{candidate}");
        if !parts.iter().any(|p| contains(p, needle.as_bytes())) {
            return candidate;
        }
        n = n.saturating_add(1);
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    // A vectorised substring search: the naive window scan was a fifth of the run time.
    !needle.is_empty() && memchr::memmem::find(hay, needle).is_some()
}

/// Base64 in MIME lines (RFC 2045 6.8): 76 characters and CRLF per 57 input bytes, the last
/// (shorter) line also ended by CRLF, nothing for empty input. The same bytes as
/// `mail-builder`'s encoder, which wrote four bytes at a time and was a tenth of the run.
pub fn base64_mime(input: &[u8], out: &mut Vec<u8>) {
    use base64::Engine;
    let engine = &base64::engine::general_purpose::STANDARD;
    out.reserve(input.len().div_ceil(57) * 78);
    let mut line = [0u8; 76];
    for chunk in input.chunks(57) {
        // 57 input bytes are exactly one 76-character line; the buffer always fits.
        let n = engine.encode_slice(chunk, &mut line).unwrap_or(0);
        out.extend_from_slice(line.get(..n).unwrap_or(&[]));
        out.extend_from_slice(b"\r\n");
    }
}

/// The transfer encoding of a text body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    /// As it is: ASCII in lines of at most 76 characters (plus line end).
    SevenBit,
    /// Quoted-printable.
    QuotedPrintable,
    /// Base64.
    Base64,
}

/// Picks the transfer encoding of a text body: none when every byte is ASCII, lines are
/// short enough and no line ends in white space; otherwise the shorter of quoted-printable
/// and base64. Decides exactly as `mail-builder`'s `get_encoding_type(input, false, true)`
/// (the rule the converter has always used), in one pass without its general cases.
pub fn body_encoding(input: &[u8]) -> BodyEncoding {
    let base64_len = (input.len() * 4 / 3 + 3) & !3;
    let mut qp_len = input.len() / 76;
    let mut needs_encoding = false;
    let mut line_len = 0usize;
    let mut prev = 0u8;
    let last = input.len().wrapping_sub(1);
    for (pos, &ch) in input.iter().enumerate() {
        line_len += 1;
        if ch >= 127 || ((ch == b' ' || ch == b'\t') && (ends_line(input, pos) || pos == last)) {
            qp_len += 3;
            needs_encoding = true;
        } else if ch == b'=' {
            qp_len += 3;
        } else if ch == b'\n' {
            if line_len > 77 {
                needs_encoding = true;
            }
            qp_len += if prev != b'\r' { 2 } else { 1 };
            line_len = 0;
        } else {
            qp_len += 1;
        }
        prev = ch;
    }
    if line_len > 77 {
        needs_encoding = true;
    }
    if !needs_encoding {
        BodyEncoding::SevenBit
    } else if qp_len < base64_len {
        BodyEncoding::QuotedPrintable
    } else {
        BodyEncoding::Base64
    }
}

/// Whether the byte after `pos` starts a line end (LF or CRLF).
#[inline]
fn ends_line(input: &[u8], pos: usize) -> bool {
    matches!(input.get(pos + 1..), Some([b'\n', ..] | [b'\r', b'\n', ..]))
}

/// Upper-case hexadecimal digits.
const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Quoted-printable for a text body (RFC 2045 6.7): soft line breaks keep lines at 76
/// characters, `=`, bytes above 126 and white space before a line end are escaped, line ends
/// are kept. The same bytes as `mail-builder`'s `quoted_printable_encode(input, _, true)`,
/// without its allocation per escaped byte.
pub fn quoted_printable_body(input: &[u8], out: &mut Vec<u8>) {
    out.reserve(input.len() + input.len() / 16 + 8);
    let mut written = 0usize;
    let mut prev = 0u8;
    let last = input.len().wrapping_sub(1);
    for (pos, &ch) in input.iter().enumerate() {
        if ch == b'='
            || ch >= 127
            || ((ch == b' ' || ch == b'\t') && (ends_line(input, pos) || pos == last))
        {
            if written + 3 > 76 {
                out.extend_from_slice(b"=\r\n");
                written = 0;
            }
            out.extend_from_slice(&[b'=', HEX[usize::from(ch >> 4)], HEX[usize::from(ch & 0xF)]]);
            written += 3;
        } else if ch == b'\n' {
            // As mail-builder does: `prev` is the last byte written as it is.
            if prev != b'\r' {
                out.extend_from_slice(b"\r\n");
            } else {
                out.push(b'\n');
            }
            written = 0;
        } else {
            prev = ch;
            if written + 1 > 76 {
                out.extend_from_slice(b"=\r\n");
                written = 0;
            }
            out.push(ch);
            written += 1;
        }
    }
}

/// Text with every line end as CRLF (lone CR and lone LF included) and no NUL, as MIME
/// text must be (RFC 2045 2.7, 2046 4.1.1).
pub fn crlf_text(s: &str) -> String {
    // Only CR, LF and NUL change, all ASCII: copy the runs between them whole.
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len() + s.len() / 32);
    let mut at = 0;
    while let Some(off) = memchr::memchr3(b'\r', b'\n', b'\0', b.get(at..).unwrap_or(&[])) {
        let i = at + off;
        out.push_str(s.get(at..i).unwrap_or(""));
        match b.get(i) {
            Some(b'\r') => {
                out.push_str("\r\n");
                at = if b.get(i + 1) == Some(&b'\n') {
                    i + 2
                } else {
                    i + 1
                };
            }
            Some(b'\n') => {
                out.push_str("\r\n");
                at = i + 1;
            }
            _ => at = i + 1,
        }
    }
    out.push_str(s.get(at..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_normalisation() {
        assert_eq!(crlf_text("a\nb\rc\r\nd\0"), "a\r\nb\r\nc\r\nd");
    }

    #[test]
    fn text_part_bytes() {
        let mut out = Vec::new();
        Part::text("plain", "Hello\nworld".into()).write(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nHello\r\nworld\r\n"
        );
        // mail-builder picks the shorter of quoted-printable and base64.
        let mut out = Vec::new();
        Part::text("plain", "Zażółć".into()).write(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nWmHFvMOzxYLEhw==\r\n"
        );
        let mut out = Vec::new();
        Part::text(
            "plain",
            "Café au lait is a drink, mostly ASCII text around it and long enough to wrap".into(),
        )
        .write(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=C3=A9 au lait is a drink, mostly ASCII text around it and long enough to=\r\n wrap\r\n"
        );
    }

    #[test]
    fn multipart_is_deterministic_and_well_formed() {
        let make = || {
            Part::multipart(
                "alternative",
                vec![
                    Part::text("plain", "a".into()),
                    Part::text("html", "<p>a</p>".into()),
                ],
            )
        };
        let mut one = Vec::new();
        make().write(&mut one);
        let mut two = Vec::new();
        make().write(&mut two);
        assert_eq!(one, two);
        let text = String::from_utf8(one).unwrap();
        let b = text
            .split("boundary=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        assert!(b.starts_with("=_ost_"));
        assert_eq!(text.matches(&format!("--{b}\r\n")).count(), 2);
        assert!(text.ends_with(&format!("\r\n--{b}--\r\n")));
    }

    #[test]
    fn base64_matches_mail_builder_at_every_line_boundary() {
        let data: Vec<u8> = (0..400u32).map(|i| (i * 7 + i / 3) as u8).collect();
        for n in (0..=200).chain([227, 228, 285, 342, 399, 400]) {
            let mut ours = vec![b'x'];
            base64_mime(&data[..n], &mut ours);
            let mut theirs = vec![b'x'];
            mail_builder::encoders::base64::base64_encode_mime(&data[..n], &mut theirs, false)
                .unwrap();
            assert_eq!(ours, theirs, "length {n}");
        }
        let mut out = Vec::new();
        base64_mime(b"Are you a Shimano or Campagnolo person?", &mut out);
        assert_eq!(
            out,
            b"QXJlIHlvdSBhIFNoaW1hbm8gb3IgQ2FtcGFnbm9sbyBwZXJzb24/\r\n"
        );
    }

    use mail_builder::encoders::encode::{get_encoding_type, EncodingType};
    use mail_builder::encoders::quoted_printable::quoted_printable_encode;
    use proptest::prelude::*;

    fn theirs(input: &[u8]) -> (BodyEncoding, Vec<u8>) {
        let enc = match get_encoding_type(input, false, true) {
            EncodingType::None => BodyEncoding::SevenBit,
            EncodingType::QuotedPrintable(_) => BodyEncoding::QuotedPrintable,
            EncodingType::Base64 => BodyEncoding::Base64,
        };
        let mut qp = Vec::new();
        quoted_printable_encode(input, &mut qp, true).unwrap();
        (enc, qp)
    }

    fn ours(input: &[u8]) -> (BodyEncoding, Vec<u8>) {
        let mut qp = Vec::new();
        quoted_printable_body(input, &mut qp);
        (body_encoding(input), qp)
    }

    #[test]
    fn text_encodings_match_mail_builder_on_edge_cases() {
        let long = "word ".repeat(40);
        for case in [
            "",
            " ",
            "a \r\nb\t\nc ",
            "=3D and = signs",
            "Zażółć gęślą jaźń\r\n",
            long.as_str(),
            "\r\r\n\n\u{7f}",
            "x\ry\n",
        ] {
            assert_eq!(ours(case.as_bytes()), theirs(case.as_bytes()), "{case:?}");
        }
    }

    proptest! {
        #[test]
        fn text_encodings_match_mail_builder(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("a".to_owned()), Just(" ".to_owned()), Just("\t".to_owned()),
                    Just("\r\n".to_owned()), Just("\n".to_owned()), Just("\r".to_owned()),
                    Just("=".to_owned()), Just("é".to_owned()), Just("wordword".to_owned()),
                    Just("\u{7f}".to_owned()), Just("x".repeat(80)),
                ],
                0..120,
            )
        ) {
            let text = parts.concat();
            prop_assert_eq!(ours(text.as_bytes()), theirs(text.as_bytes()));
        }
    }

    #[test]
    fn crlf_text_keeps_multibyte_text() {
        assert_eq!(
            crlf_text("Zażółć\r\r\n\n日本\0語"),
            "Zażółć\r\n\r\n\r\n日本語"
        );
        assert_eq!(crlf_text(""), "");
        assert_eq!(crlf_text("\r"), "\r\n");
    }

    #[test]
    fn binary_is_base64() {
        let mut out = Vec::new();
        Part {
            content_type: "application/octet-stream".into(),
            fields: vec![],
            body: Body::Binary(vec![0, 1, 2, 255]),
        }
        .write(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC/w==\r\n"
        );
    }
}
