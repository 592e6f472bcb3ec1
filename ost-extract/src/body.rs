//! The bodies of a message ([MS-OXBBODY] 2.1, [MS-OXCMAIL] 2.1.3.2.3): plain text, HTML in
//! its stored code page, and compressed RTF, which is either encapsulated HTML
//! ([MS-OXRTFEX]) or rendered to text and kept as an `.rtf` part.
//!
//! The one place bodies are chosen: [`bodies`] gives every form a MIME message carries,
//! [`text_body`] the one plain text that calendars and contacts write.

use pstkit::ltp::prop::PropValue;
use std::borrow::Cow;

use pstkit::messaging::{pid, Message, PropertyBag};
use pstkit::Warning;

use crate::rtf;

/// `PidTagNativeBody` value for RTF ([MS-OXCMSG] 2.2.1.49.1).
const NATIVE_RTF: i32 = 2;
/// `PidTagNativeBody` value for HTML.
const NATIVE_HTML: i32 = 3;

/// The bodies that end up in the MIME message, all as Unicode text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Bodies {
    /// `text/plain`.
    pub text: Option<String>,
    /// `text/html`, with its meta charset declaration re-declared as UTF-8.
    pub html: Option<String>,
    /// RTF (decompressed) that is neither encapsulated HTML nor redundant: kept as an
    /// `application/rtf` part so its formatting is not lost.
    pub rtf: Option<Vec<u8>>,
}

/// Collects the bodies of `msg`, noting in `warnings` what could not be decoded.
pub fn bodies(msg: &Message, warnings: &mut Vec<Warning>) -> Bodies {
    let p = &msg.props;
    let mut out = Bodies {
        text: p.str(pid::BODY).map(str::to_owned),
        ..Bodies::default()
    };

    out.html = match p.get(pid::BODY_HTML) {
        Some(PropValue::Binary(b)) if !b.is_empty() => {
            let cp = p
                .i32(pid::INTERNET_CODEPAGE)
                .or_else(|| p.i32(pid::MESSAGE_CODEPAGE));
            let mut notes = Vec::new();
            let html = decode_html(b, cp.and_then(|c| u32::try_from(c).ok()), &mut notes);
            warnings.extend(notes.into_iter().map(|n| msg.note(n)));
            Some(html)
        }
        Some(PropValue::String(s)) if !s.is_empty() => Some(fix_meta_charset(s)),
        _ => None,
    };

    if let Some(compressed) = p.binary(pid::RTF_COMPRESSED).filter(|b| !b.is_empty()) {
        match rtf::decompress(compressed) {
            Ok(raw) => {
                let native = p.i32(pid::NATIVE_BODY);
                if let Some(html) = rtf::html_from_rtf(&raw) {
                    if out.html.is_none() {
                        out.html = Some(fix_meta_charset(&html));
                    }
                } else {
                    let rich =
                        native == Some(NATIVE_RTF) || (native.is_none() && out.html.is_none());
                    if out.text.is_none() && out.html.is_none() {
                        let text = rtf::text_from_rtf(&raw);
                        if !text.trim().is_empty() {
                            out.text = Some(text);
                        }
                    }
                    if rich && native != Some(NATIVE_HTML) && !is_plain_wrapper(&raw) {
                        out.rtf = Some(raw);
                    }
                }
            }
            Err(e) => warnings.push(msg.note(format!("compressed RTF body not decoded: {e}"))),
        }
    }
    out
}

/// An item's body as plain text, and what went wrong finding it.
#[derive(Debug, Default)]
pub struct TextBody<'a> {
    /// The text, untrimmed; `None` when the item has no body.
    pub text: Option<Cow<'a, str>>,
    /// Why the compressed RTF body, the only one stored, could not be decoded.
    pub problem: Option<rtf::RtfError>,
}

/// The best plain-text body of an item ([MS-OXBBODY] 2.1): `PidTagBody` when it is not
/// empty (white space counts: that is what the item says), else the HTML body as text when
/// it holds any, else the compressed RTF body as text.
pub fn text_body(props: &PropertyBag) -> TextBody<'_> {
    if let Some(b) = props.str(pid::BODY) {
        return TextBody {
            text: Some(Cow::Borrowed(b)),
            problem: None,
        };
    }
    let html = match props.get(pid::BODY_HTML) {
        Some(PropValue::String(s)) => Some(s.to_string()),
        Some(PropValue::Binary(b)) => {
            let cp = props
                .i32(pid::INTERNET_CODEPAGE)
                .and_then(|c| u32::try_from(c).ok())
                .unwrap_or(65001);
            let enc = rtf::encoding_for_codepage(cp).unwrap_or(encoding_rs::UTF_8);
            Some(enc.decode(b).0.into_owned())
        }
        _ => None,
    };
    if let Some(text) = html.map(|h| html_to_text(&h)) {
        if !text.trim().is_empty() {
            return TextBody {
                text: Some(Cow::Owned(text)),
                problem: None,
            };
        }
    }
    let Some(compressed) = props.binary(pid::RTF_COMPRESSED).filter(|b| !b.is_empty()) else {
        return TextBody::default();
    };
    match rtf::decompress(compressed) {
        Ok(raw) => TextBody {
            text: Some(Cow::Owned(rtf::text_from_rtf(&raw))),
            problem: None,
        },
        Err(e) => TextBody {
            text: None,
            problem: Some(e),
        },
    }
}

/// A readable text rendering of HTML: tags dropped, block ends as line breaks, script and
/// style contents skipped, the common entities decoded.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..lt]));
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after[..gt].trim().to_ascii_lowercase();
        rest = &after[gt + 1..];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if !tag.starts_with('/') && (name == "script" || name == "style" || name == "head") {
            let close = format!("</{name}");
            match rest.to_ascii_lowercase().find(&close) {
                Some(i) => rest = &rest[i..],
                None => rest = "",
            }
            continue;
        }
        match name.as_str() {
            "br" => out.push('\n'),
            "p" | "div" | "tr" | "li" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "table"
            | "blockquote"
                if tag.starts_with('/') || name == "li" || name == "tr" =>
            {
                out.push('\n');
            }
            "td" | "th" if tag.starts_with('/') => out.push('\t'),
            _ => {}
        }
    }
    out.push_str(&decode_entities(rest));
    // Collapse runs of blank lines and trailing spaces.
    let mut clean = String::with_capacity(out.len());
    let mut blank = 0;
    for line in out.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        clean.push_str(line);
        clean.push('\n');
    }
    clean.trim().to_owned()
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.replace(['\r', '\n'], " ");
    }
    let s = s.replace(['\r', '\n'], " ");
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|i| *i <= 10);
        let decoded = end.and_then(|i| {
            let ent = &after[..i];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ if ent.starts_with("#x") || ent.starts_with("#X") => {
                    u32::from_str_radix(&ent[2..], 16)
                        .ok()
                        .and_then(char::from_u32)
                }
                _ if ent.starts_with('#') => ent[1..].parse::<u32>().ok().and_then(char::from_u32),
                _ => None,
            }?;
            Some((c, i))
        });
        match decoded {
            Some((c, i)) => {
                out.push(c);
                rest = &after[i + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether the RTF only wraps plain text (`\fromtext`): nothing would be lost without it.
fn is_plain_wrapper(rtf: &[u8]) -> bool {
    let head = rtf.get(..rtf.len().min(512)).unwrap_or(rtf);
    head.windows(9).any(|w| w == b"\\fromtext")
}

/// Decodes stored HTML bytes: the stored code page first, then a BOM or the document's
/// own meta charset, then UTF-8 when valid, and Windows-1252 as the last resort. The meta
/// charset is then re-declared as UTF-8, which is what the MIME part will say. What could
/// not be decoded cleanly is said in `notes`, as text: this decoder of bytes does not know
/// where they came from, and the converter of the message that holds them locates it.
pub fn decode_html(bytes: &[u8], codepage: Option<u32>, notes: &mut Vec<String>) -> String {
    let (text, _) = decode_html_bytes(bytes, codepage, notes);
    fix_meta_charset(&text)
}

fn decode_html_bytes(
    bytes: &[u8],
    codepage: Option<u32>,
    warnings: &mut Vec<String>,
) -> (String, &'static encoding_rs::Encoding) {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let rest = bytes.get(bom_len..).unwrap_or(&[]);
        let (t, _) = enc.decode_without_bom_handling(rest);
        return (t.into_owned(), enc);
    }
    let enc = codepage
        .and_then(|cp| {
            let e = rtf::encoding_for_codepage(cp);
            if e.is_none() {
                warnings.push(format!(
                    "HTML body code page {cp} unknown; guessed from the document"
                ));
            }
            e
        })
        .or_else(|| {
            meta_charset(bytes).and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()))
        })
        .unwrap_or_else(|| {
            if std::str::from_utf8(bytes).is_ok() {
                encoding_rs::UTF_8
            } else {
                encoding_rs::WINDOWS_1252
            }
        });
    let (t, _, had_errors) = enc.decode(bytes);
    if had_errors {
        warnings.push(format!(
            "HTML body is not valid {}; bad bytes replaced",
            enc.name()
        ));
    }
    (t.into_owned(), enc)
}

/// The charset named by the first `<meta ... charset=...>` of an HTML document.
fn meta_charset(bytes: &[u8]) -> Option<String> {
    let head =
        String::from_utf8_lossy(bytes.get(..bytes.len().min(4096)).unwrap_or(bytes)).into_owned();
    let spans = meta_charset_spans(&head);
    let (s, e) = *spans.first()?;
    head.get(s..e).map(str::to_owned)
}

/// Byte ranges of the charset values in every `<meta>` tag of `html`.
fn meta_charset_spans(html: &str) -> Vec<(usize, usize)> {
    let all = html.as_bytes();
    let mut spans = Vec::new();
    let mut from = 0;
    // Tag by tag (a vectorised search for `<`); only `<meta` tags are lower-cased and read.
    while let Some(rel) = memchr::memchr(b'<', all.get(from..).unwrap_or(&[])) {
        let tag_start = from + rel;
        from = tag_start + 1;
        if !all
            .get(tag_start + 1..tag_start + 5)
            .is_some_and(|n| n.eq_ignore_ascii_case(b"meta"))
        {
            continue;
        }
        let tag_end = memchr::memchr(b'>', all.get(tag_start..).unwrap_or(&[]))
            .map_or(all.len(), |e| tag_start + e);
        let lower = all
            .get(tag_start..tag_end)
            .unwrap_or(&[])
            .to_ascii_lowercase();
        let bytes = lower.as_slice();
        let end = bytes.len();
        let mut pos = 0;
        while let Some(r) = bytes
            .get(pos..)
            .and_then(|s| memchr::memmem::find(s, b"charset"))
        {
            let mut i = pos + r + "charset".len();
            while bytes.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
                i += 1;
            }
            if bytes.get(i) != Some(&b'=') {
                pos = i;
                continue;
            }
            i += 1;
            while bytes.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
                i += 1;
            }
            if matches!(bytes.get(i), Some(b'"') | Some(b'\'')) {
                i += 1;
            }
            let start = i;
            while i < end
                && bytes.get(i).is_some_and(|b| {
                    !matches!(b, b'"' | b'\'' | b';' | b'>' | b'/') && !b.is_ascii_whitespace()
                })
            {
                i += 1;
            }
            if i > start {
                spans.push((tag_start + start, tag_start + i));
            }
            pos = i;
        }
        from = tag_end.max(tag_start + 1);
    }
    spans
}

/// Re-declares every `<meta>` charset of `html` as `utf-8` (the text is UTF-8 from now on).
pub fn fix_meta_charset(html: &str) -> String {
    let spans = meta_charset_spans(html);
    if spans.is_empty() {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len());
    let mut last = 0;
    for (s, e) in spans {
        out.push_str(html.get(last..s).unwrap_or(""));
        out.push_str("utf-8");
        last = e;
    }
    out.push_str(html.get(last..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_body_prefers_plain_then_html_then_rtf() {
        let mut p = PropertyBag::new();
        p.insert(
            pid::RTF_COMPRESSED,
            PropValue::Binary(Cow::Owned(rtf::compress(b"{\\rtf1\\ansi From RTF}"))),
        );
        assert_eq!(text_body(&p).text.as_deref(), Some("From RTF"));
        p.insert(
            pid::BODY_HTML,
            PropValue::Binary(Cow::Owned(b"<p>From <b>HTML</b></p>".to_vec())),
        );
        assert_eq!(text_body(&p).text.as_deref(), Some("From HTML"));
        // An empty PidTagBody is no body; one of white space is what the item says.
        p.insert(pid::BODY, PropValue::String(Cow::Borrowed("")));
        assert_eq!(text_body(&p).text.as_deref(), Some("From HTML"));
        p.insert(pid::BODY, PropValue::String(Cow::Borrowed(" ")));
        assert_eq!(text_body(&p).text.as_deref(), Some(" "));
        let mut broken = PropertyBag::new();
        broken.insert(
            pid::RTF_COMPRESSED,
            PropValue::Binary(Cow::Owned(vec![1, 2, 3])),
        );
        let b = text_body(&broken);
        assert!(b.text.is_none() && b.problem.is_some());
    }

    #[test]
    fn html_becomes_text() {
        let html = "<html><head><style>p{x}</style></head><body><p>Hello &amp; <b>welcome</b></p><div>Line&nbsp;2<br>Line 3 &#233;&#x41;</div><script>var a;</script></body></html>";
        assert_eq!(html_to_text(html), "Hello & welcome\nLine 2\nLine 3 éA");
    }

    #[test]
    fn html_in_windows_1250_is_decoded_and_redeclared() {
        let mut bytes = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1250\"></head><body>".to_vec();
        // "Zażółć" in Windows-1250.
        bytes.extend_from_slice(&[0x5A, 0x61, 0xBF, 0xF3, 0xB3, 0xE6]);
        bytes.extend_from_slice(b"</body></html>");
        let mut w = Vec::new();
        let html = decode_html(&bytes, Some(1250), &mut w);
        assert!(w.is_empty());
        assert_eq!(
            html,
            "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>Zażółć</body></html>"
        );
        // Without a code page property the meta declaration is used.
        assert_eq!(decode_html(&bytes, None, &mut w), html);
    }

    #[test]
    fn meta_charset_forms() {
        assert_eq!(
            fix_meta_charset("<META CHARSET='iso-8859-2'/>x"),
            "<META CHARSET='utf-8'/>x"
        );
        assert_eq!(fix_meta_charset("<p>charset=x</p>"), "<p>charset=x</p>");
        // Every meta tag, after non-ASCII text, in any case; `<metadata` counts as a meta tag,
        // a `>` ends the tag and text after it is left alone.
        assert_eq!(
            fix_meta_charset(
                "Zażółć <Meta content=\"text/html; charset = windows-1250\"> charset=x \
                 <meta charset=\"koi8-r\" ><metadata charset=big5><meta name=x>"
            ),
            "Zażółć <Meta content=\"text/html; charset = utf-8\"> charset=x \
             <meta charset=\"utf-8\" ><metadata charset=utf-8><meta name=x>"
        );
        assert_eq!(fix_meta_charset("<meta charset=x"), "<meta charset=utf-8");
    }

    #[test]
    fn rtf_only_message_gets_text_and_keeps_rtf() {
        let rtf_doc = b"{\\rtf1\\ansi\\ansicpg1252 Hello}".to_vec();
        let mut msg = Message::default();
        msg.props.insert(
            pid::RTF_COMPRESSED,
            PropValue::Binary(Cow::Owned(rtf::compress(&rtf_doc))),
        );
        let mut w = Vec::new();
        let b = bodies(&msg, &mut w);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(b.rtf.as_deref(), Some(&rtf_doc[..]));
        assert!(b.text.is_some());
        assert_eq!(b.html, None);
    }
}
