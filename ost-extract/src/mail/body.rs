//! The bodies of a message ([MS-OXBBODY] 2.1, [MS-OXCMAIL] 2.1.3.2.3): plain text, HTML in
//! its stored code page, and compressed RTF, which is either encapsulated HTML
//! ([MS-OXRTFEX]) or rendered to text and kept as an `.rtf` part.

use pstkit::ltp::prop::PropValue;
use pstkit::messaging::{pid, Message};

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
pub fn bodies(msg: &Message, warnings: &mut Vec<String>) -> Bodies {
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
            Some(decode_html(
                b,
                cp.and_then(|c| u32::try_from(c).ok()),
                warnings,
            ))
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
            Err(e) => warnings.push(format!("compressed RTF body not decoded: {e}")),
        }
    }
    out
}

/// Whether the RTF only wraps plain text (`\fromtext`): nothing would be lost without it.
fn is_plain_wrapper(rtf: &[u8]) -> bool {
    let head = rtf.get(..rtf.len().min(512)).unwrap_or(rtf);
    head.windows(9).any(|w| w == b"\\fromtext")
}

/// Decodes stored HTML bytes: the stored code page first, then a BOM or the document's
/// own meta charset, then UTF-8 when valid, and Windows-1252 as the last resort. The meta
/// charset is then re-declared as UTF-8, which is what the MIME part will say.
pub fn decode_html(bytes: &[u8], codepage: Option<u32>, warnings: &mut Vec<String>) -> String {
    let (text, _) = decode_html_bytes(bytes, codepage, warnings);
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
    use std::borrow::Cow;

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
