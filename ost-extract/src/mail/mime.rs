//! A small MIME tree and its serialiser (RFC 2045, 2046).
//!
//! The tree, its writing and the transfer encodings are ours, because the converter needs
//! things `mail-builder`'s `MimePart` does not give: output that is the same on every run
//! (boundaries derived from the content, not the clock), RFC 2231 parameters,
//! `message/rfc822` parts carried without a transfer encoding, stored header fields written
//! verbatim, and parts written straight into one buffer. The encodings produce the same bytes
//! as `mail-builder`'s, and the tests check that they do.

use super::headers::{write_field, Field};
use super::mboxrd::EntryForm;

use std::borrow::Cow;

/// What a part holds.
#[derive(Debug, Clone)]
pub enum Body<'a> {
    /// Text, written as UTF-8 with CRLF line ends in 7bit, quoted-printable or base64.
    Text(String),
    /// Bytes, written in base64 (borrowed from the attachment where possible).
    Binary(Cow<'a, [u8]>),
    /// A complete message (RFC 5322 bytes, 7-bit, CRLF), written as it is (`message/rfc822`).
    Message(Vec<u8>),
    /// Sub-parts of a multipart.
    Multipart(Vec<Part<'a>>),
}

/// One MIME entity: its content header fields (Content-Type first) and its body.
#[derive(Debug, Clone)]
pub struct Part<'a> {
    /// The Content-Type value, without the boundary parameter (added when written).
    pub content_type: String,
    /// Other content header fields (Content-Disposition, Content-ID...).
    pub fields: Vec<Field>,
    /// The content.
    pub body: Body<'a>,
}

/// What every boundary starts with. `=_` cannot occur in base64 or quoted-printable text, so
/// only 7bit text, embedded messages and header fields can hold a line that looks like one.
const BOUNDARY_PREFIX: &str = "=_ost_";

impl<'a> Part<'a> {
    /// A text part (`text/plain`, `text/html`...) in UTF-8.
    pub fn text(subtype: &str, text: String) -> Self {
        Self {
            content_type: format!("text/{subtype}; charset=utf-8"),
            fields: Vec::new(),
            body: Body::Text(text),
        }
    }

    /// A multipart of the given subtype (`mixed`, `alternative`, `related`).
    pub fn multipart(subtype: &str, parts: Vec<Part<'a>>) -> Self {
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

    /// Serialises the content header fields, the blank line and the body, straight into
    /// `out` (no part is rendered twice or copied into its parent).
    ///
    /// Boundaries are the same on every run for the same tree: each is derived from a
    /// fingerprint of the tree (its text, embedded messages, header fields and the sizes of
    /// its binary parts) and a counter, all of the same length so none is a prefix of
    /// another, and each is checked against everything in its multipart that could hold it.
    pub fn write(&self, out: &mut Vec<u8>) {
        self.write_with(out, None);
    }

    /// As [`Part::write`], but into an mbox entry being built in `out` (`form` says how far
    /// it is converted): base64 lines are written with LF, and the text before each run of
    /// them is converted first. Boundaries are the same as for [`Part::write`].
    pub(crate) fn write_with(&self, out: &mut Vec<u8>, form: Option<&mut EntryForm>) {
        self.write_seeded(out, self.fingerprint(), form);
    }

    fn write_seeded(&self, out: &mut Vec<u8>, seed: u64, form: Option<&mut EntryForm>) {
        let mut b = Boundaries {
            seed,
            next: 0,
            used: Vec::new(),
            // Rare: only when some text, field or embedded message holds our prefix (an
            // embedded message written by us always does) must candidates be searched for.
            search: self.holds(format!("--{BOUNDARY_PREFIX}").as_bytes()),
        };
        self.write_into(out, &mut b, form);
    }

    fn write_into(&self, out: &mut Vec<u8>, b: &mut Boundaries, mut form: Option<&mut EntryForm>) {
        match &self.body {
            Body::Multipart(parts) => {
                let boundary = b.choose(self);
                write_content_type(out, &self.content_type, Some(&boundary));
                self.write_fields(out);
                out.extend_from_slice(b"\r\n");
                for p in parts {
                    out.extend_from_slice(b"--");
                    out.extend_from_slice(boundary.as_bytes());
                    out.extend_from_slice(b"\r\n");
                    // Every part ends its last line itself.
                    p.write_into(out, b, form.as_deref_mut());
                }
                out.extend_from_slice(b"--");
                out.extend_from_slice(boundary.as_bytes());
                out.extend_from_slice(b"--\r\n");
            }
            Body::Text(text) => {
                write_content_type(out, &self.content_type, None);
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
                    "7bit" => {
                        out.extend_from_slice(data.as_bytes());
                        end_line(out);
                    }
                    "quoted-printable" => {
                        quoted_printable_body(data.as_bytes(), out);
                        end_line(out);
                    }
                    _ => base64_lines(data.as_bytes(), out, form),
                }
            }
            Body::Binary(bytes) => {
                write_content_type(out, &self.content_type, None);
                write_field(out, &Field::new("Content-Transfer-Encoding", "base64"));
                self.write_fields(out);
                out.extend_from_slice(b"\r\n");
                base64_lines(bytes, out, form);
            }
            Body::Message(bytes) => {
                write_content_type(out, &self.content_type, None);
                // RFC 2046 5.2.1: no encoding other than 7bit, 8bit or binary.
                write_field(out, &Field::new("Content-Transfer-Encoding", "7bit"));
                self.write_fields(out);
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(bytes);
                end_line(out);
            }
        }
    }

    fn write_fields(&self, out: &mut Vec<u8>) {
        for f in &self.fields {
            write_field(out, f);
        }
    }

    /// A digest of what distinguishes this tree, cheap to compute: binary content counts by
    /// its size only.
    fn fingerprint(&self) -> u64 {
        let mut crc = crc32fast::Hasher::new();
        let mut total = 0u64;
        self.visit(true, &mut |chunk| {
            crc.update(chunk);
            total = total.wrapping_mul(31).wrapping_add(chunk.len() as u64);
        });
        (u64::from(crc.finalize()) << 32) ^ total
    }

    /// Whether any text, embedded message or header field in this tree contains `needle`:
    /// the places where a boundary line could clash (base64 and quoted-printable cannot).
    fn holds(&self, needle: &[u8]) -> bool {
        let finder = memchr::memmem::Finder::new(needle);
        let mut found = false;
        self.visit(false, &mut |chunk| {
            found = found || finder.find(chunk).is_some();
        });
        found
    }

    /// Calls `f` with every piece of the tree that could contain a boundary-like line and,
    /// when `sizes`, with the size of every binary body (as 8 bytes).
    fn visit(&self, sizes: bool, f: &mut dyn FnMut(&[u8])) {
        f(self.content_type.as_bytes());
        for field in &self.fields {
            f(field.name.as_bytes());
            f(field.value.as_bytes());
        }
        match &self.body {
            Body::Text(t) => f(t.as_bytes()),
            Body::Message(m) => f(m),
            Body::Binary(d) if sizes => f(&(d.len() as u64).to_le_bytes()),
            Body::Binary(_) => {}
            Body::Multipart(parts) => parts.iter().for_each(|p| p.visit(sizes, f)),
        }
    }
}

/// Boundaries handed out while one tree is written.
struct Boundaries {
    seed: u64,
    next: u64,
    used: Vec<String>,
    search: bool,
}

impl Boundaries {
    /// The next boundary that is not in use and occurs nowhere inside `part`.
    fn choose(&mut self, part: &Part<'_>) -> String {
        loop {
            let candidate = format!("{BOUNDARY_PREFIX}{:016x}", mix(self.seed, self.next));
            self.next = self.next.wrapping_add(1);
            if self.used.contains(&candidate)
                || (self.search && part.holds(format!("--{candidate}").as_bytes()))
            {
                continue;
            }
            self.used.push(candidate.clone());
            return candidate;
        }
    }
}

/// SplitMix64's finaliser over `seed + n`: distinct `n` give well-spread distinct values.
fn mix(seed: u64, n: u64) -> u64 {
    let mut z = seed.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Writes `Content-Type`, with the boundary parameter of a multipart.
fn write_content_type(out: &mut Vec<u8>, value: &str, boundary: Option<&str>) {
    let value = match boundary {
        Some(b) => format!("{value}; boundary=\"{b}\""),
        None => value.to_owned(),
    };
    write_field(out, &Field::new("Content-Type", value));
}

/// Ends the last line of a part when its content did not.
fn end_line(out: &mut Vec<u8>) {
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
}

/// Base64 lines of a part, with CRLF; or, in an mbox entry, with LF once the text before
/// them is converted (they are the bulk of most messages, and are then never touched again).
fn base64_lines(input: &[u8], out: &mut Vec<u8>, form: Option<&mut EntryForm>) {
    match form {
        None => base64_mime(input, out, Eol::Crlf),
        Some(form) => {
            form.convert(out);
            base64_mime(input, out, Eol::Lf);
            form.skip(out);
        }
    }
}

/// A line end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eol {
    /// CRLF, as MIME requires on the wire (RFC 5322 2.1).
    Crlf,
    /// LF alone, as mbox files store messages.
    Lf,
}

/// Base64 in MIME lines (RFC 2045 6.8): 76 characters and a line end per 57 input bytes, the
/// last (shorter) line also ended, nothing for empty input. With [`Eol::Crlf`], the same bytes
/// as `mail-builder`'s encoder. Encodes 64 lines at a time with SIMD into a buffer that stays
/// in the L1 cache, then copies the lines out.
pub fn base64_mime(input: &[u8], out: &mut Vec<u8>, eol: Eol) {
    match eol {
        Eol::Crlf => base64_lines_ended(input, out, b"\r\n"),
        Eol::Lf => base64_lines_ended(input, out, b"\n"),
    }
}

/// [`base64_mime`] for one line end. Lines and line ends are copied as arrays of a size known
/// here, so each copy is a few vector moves rather than a call to `memcpy`.
fn base64_lines_ended<const N: usize>(input: &[u8], out: &mut Vec<u8>, eol: &[u8; N]) {
    const LINE: usize = 76;
    const LINES: usize = 64;
    out.reserve(input.len().div_ceil(57) * (LINE + N));
    let mut buf = [0u8; LINE * LINES];
    for block in input.chunks(57 * LINES) {
        // 57 * LINES input bytes encode to exactly LINE * LINES characters: the buffer fits.
        let encoded = base64_simd::STANDARD.encode(block, base64_simd::Out::from_slice(&mut buf));
        let mut lines = encoded.chunks_exact(LINE);
        for line in &mut lines {
            // Always an array: every chunk of `chunks_exact` has LINE bytes.
            if let Ok(line) = <&[u8; LINE]>::try_from(line) {
                out.extend_from_slice(line);
                out.extend_from_slice(eol);
            }
        }
        let last = lines.remainder();
        if !last.is_empty() {
            out.extend_from_slice(last);
            out.extend_from_slice(eol);
        }
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
/// (the rule the converter has always used), without its general cases: the bytes to escape
/// are counted over the whole text, then each line's length and last byte are looked at.
pub fn body_encoding(input: &[u8]) -> BodyEncoding {
    let base64_len = (input.len() * 4 / 3 + 3) & !3;
    // Counted over the whole input at once (LFs are neither).
    let high = count_bytes(input, |b| b >= 127);
    let equals = count_bytes(input, |b| b == b'=');
    let mut needs_encoding = high > 0;
    let mut qp_len = input.len() / 76 + 2 * (high + equals);
    for (seg, newline) in segments(input) {
        let blanks = usize::from(escaped_blank(seg, newline).is_some());
        if blanks > 0 || seg.len() + usize::from(newline) > 77 {
            needs_encoding = true;
        }
        qp_len += seg.len() + 2 * blanks;
        if newline {
            // The LF: one more byte after a CR, a whole CRLF otherwise.
            qp_len += if seg.last() == Some(&b'\r') { 1 } else { 2 };
        }
    }
    if !needs_encoding {
        BodyEncoding::SevenBit
    } else if qp_len < base64_len {
        BodyEncoding::QuotedPrintable
    } else {
        BodyEncoding::Base64
    }
}

/// How many bytes of `s` are `wanted`: counted in byte-wide lanes over runs of 255 bytes
/// (so no lane can overflow), which the compiler vectorises.
fn count_bytes(s: &[u8], wanted: impl Fn(u8) -> bool) -> usize {
    s.chunks(255)
        .map(|run| {
            usize::from(
                run.iter()
                    .fold(0u8, |n, &b| n.wrapping_add(u8::from(wanted(b)))),
            )
        })
        .sum()
}

/// The segments of `input` between LFs: the text before each LF (with `true`), then the rest
/// after the last one (with `false`, possibly empty).
fn segments(input: &[u8]) -> impl Iterator<Item = (&[u8], bool)> {
    let mut rest = Some(input);
    std::iter::from_fn(move || {
        let r = rest?;
        match memchr::memchr(b'\n', r) {
            Some(i) => {
                rest = r.get(i + 1..);
                Some((r.get(..i).unwrap_or(&[]), true))
            }
            None => {
                rest = None;
                Some((r, false))
            }
        }
    })
}

/// Where in a segment the blank (space or tab) is that quoted-printable must escape because
/// the line ends right after it: before the LF, before a CR that the LF follows, or at the
/// end of the input. `seg` is the text before an LF when `newline`, else the rest of the input.
fn escaped_blank(seg: &[u8], newline: bool) -> Option<usize> {
    let blank = |i: usize| matches!(seg.get(i), Some(b' ' | b'\t'));
    let last = seg.len().checked_sub(1)?;
    if blank(last) {
        Some(last)
    } else if newline && seg.get(last) == Some(&b'\r') {
        last.checked_sub(1).filter(|&i| blank(i))
    } else {
        None
    }
}

/// Upper-case hexadecimal digits.
const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Whether quoted-printable escapes `b` wherever it stands: `=` and bytes above 126.
fn qp_escaped(b: u8) -> bool {
    b == b'=' || b >= 127
}

/// How many bytes at the start of `s` quoted-printable copies as they are. Tests 32 bytes at
/// a time with no branch per byte (vector compares), then finds the byte within the 32.
fn plain_prefix(s: &[u8]) -> usize {
    const LANES: usize = 32;
    let mut n = 0;
    for chunk in s.chunks_exact(LANES) {
        if chunk.iter().fold(false, |any, &b| any | qp_escaped(b)) {
            break;
        }
        n += LANES;
    }
    let rest = s.get(n..).unwrap_or(&[]);
    n + rest
        .iter()
        .position(|&b| qp_escaped(b))
        .unwrap_or(rest.len())
}

/// Quoted-printable for a text body (RFC 2045 6.7): soft line breaks keep lines at 76
/// characters, `=`, bytes above 126 and white space before a line end are escaped, line ends
/// are kept. The same bytes as `mail-builder`'s `quoted_printable_encode(input, _, true)`,
/// without its allocation per escaped byte.
pub fn quoted_printable_body(input: &[u8], out: &mut Vec<u8>) {
    out.reserve(input.len() + input.len() / 16 + 8);
    // `prev` is the last byte written as it is: an LF after it adds only LF when it is a CR
    // (as mail-builder does). Every segment starts a fresh output line.
    let mut prev = 0u8;
    for (seg, newline) in segments(input) {
        let blank = escaped_blank(seg, newline);
        if seg.len() <= 76 && blank.is_none() && plain_prefix(seg) == seg.len() {
            // The common line: nothing to escape and short enough, copied whole.
            out.extend_from_slice(seg);
            if let Some(&last) = seg.last() {
                prev = last;
            }
        } else {
            qp_segment(seg, blank, &mut prev, out);
        }
        if newline {
            if prev != b'\r' {
                out.extend_from_slice(b"\r\n");
            } else {
                out.push(b'\n');
            }
        }
    }
}

/// Quoted-printable for one segment (the text before an LF, or the tail of the input) that
/// needs escapes or soft line breaks, `blank` being its [`escaped_blank`]: runs of plain bytes
/// are copied whole, up to the soft line break at 76 characters.
fn qp_segment(seg: &[u8], blank: Option<usize>, prev: &mut u8, out: &mut Vec<u8>) {
    let mut written = 0usize;
    let mut i = 0usize;
    while i < seg.len() {
        let run_end = (i + plain_prefix(seg.get(i..).unwrap_or(&[])))
            .min(blank.filter(|&b| b >= i).unwrap_or(usize::MAX));
        while i < run_end {
            if written == 76 {
                out.extend_from_slice(b"=\r\n");
                written = 0;
            }
            let n = (76 - written).min(run_end - i);
            let run = seg.get(i..i + n).unwrap_or(&[]);
            out.extend_from_slice(run);
            if let Some(&last) = run.last() {
                *prev = last;
            }
            written += n;
            i += n;
        }
        if let Some(&ch) = seg.get(i) {
            if written + 3 > 76 {
                out.extend_from_slice(b"=\r\n");
                written = 0;
            }
            out.extend_from_slice(&[b'=', HEX[usize::from(ch >> 4)], HEX[usize::from(ch & 0xF)]]);
            written += 3;
            i += 1;
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

    /// The boundary of a multipart rendered from `tree` (its first `boundary="..."`).
    fn first_boundary(rendered: &[u8]) -> String {
        let text = String::from_utf8_lossy(rendered);
        text.split("boundary=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn boundaries_avoid_text_that_holds_them_and_each_other() {
        let tree = |extra: &str| {
            Part::multipart(
                "mixed",
                vec![
                    Part::multipart(
                        "alternative",
                        vec![
                            Part::text("plain", format!("hello{extra}")),
                            Part::text("html", "<p>hello</p>".into()),
                        ],
                    ),
                    Part::text("plain", "second".into()),
                ],
            )
        };
        let mut plain = Vec::new();
        tree("").write_seeded(&mut plain, 7, None);
        let outer = first_boundary(&plain);
        let text = String::from_utf8(plain.clone()).unwrap();
        let inner = first_boundary(text.split(&outer).nth(2).unwrap().as_bytes());
        assert_ne!(outer, inner);
        assert_eq!(outer.len(), inner.len());
        // The same seed with a 7bit text that holds both lines: both boundaries move.
        let mut clashing = Vec::new();
        tree(&format!("\r\n--{outer}\r\n--{inner}--")).write_seeded(&mut clashing, 7, None);
        let text = String::from_utf8(clashing).unwrap();
        assert!(text.contains("Content-Transfer-Encoding: 7bit"));
        let outer2 = first_boundary(text.as_bytes());
        let inner2 = first_boundary(text.split(&outer2).nth(2).unwrap().as_bytes());
        for b in [&outer2, &inner2] {
            assert_ne!(b, &outer);
            assert_ne!(b, &inner);
        }
        // Every delimiter line of the outer multipart is one of ours: two parts, one close.
        assert_eq!(text.matches(&format!("--{outer2}\r\n")).count(), 2);
        assert_eq!(text.matches(&format!("--{outer2}--\r\n")).count(), 1);
        // Binary content is written in base64, which cannot clash: it is not searched and
        // does not move the boundaries (its size is part of the seed, which is fixed here).
        let mut with_binary = tree("");
        if let Body::Multipart(parts) = &mut with_binary.body {
            parts.push(Part {
                content_type: "application/octet-stream".into(),
                fields: vec![],
                body: Body::Binary(format!("--{outer}\r\n").into_bytes().into()),
            });
        }
        let mut out = Vec::new();
        with_binary.write_seeded(&mut out, 7, None);
        assert_eq!(first_boundary(&out), outer);
    }

    #[test]
    fn base64_matches_mail_builder_at_every_line_boundary() {
        let data: Vec<u8> = (0..400u32).map(|i| (i * 7 + i / 3) as u8).collect();
        for n in (0..=200).chain([227, 228, 285, 342, 399, 400]) {
            let mut ours = vec![b'x'];
            base64_mime(&data[..n], &mut ours, Eol::Crlf);
            let mut theirs = vec![b'x'];
            mail_builder::encoders::base64::base64_encode_mime(&data[..n], &mut theirs, false)
                .unwrap();
            assert_eq!(ours, theirs, "length {n}");
        }
        let mut out = Vec::new();
        base64_mime(
            b"Are you a Shimano or Campagnolo person?",
            &mut out,
            Eol::Crlf,
        );
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
            body: Body::Binary(vec![0, 1, 2, 255].into()),
        }
        .write(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC/w==\r\n"
        );
    }
}
