//! RTF bodies: RTF-encapsulated HTML ([MS-OXRTFEX]) and plain-text rendering of any RTF.
//!
//! The compressed form of `PidTagRtfCompressed` ([MS-OXRTFCP]) is decoded by
//! [`pstkit::messaging::rtf`], re-exported here: `decompress` turns it into RTF bytes,
//! `html_from_rtf` recovers the HTML that Outlook wrapped in RTF, and `text_from_rtf` renders any
//! RTF as plain text.
//!
//! Facts from real stores: RTF bodies often end with a NUL after the closing brace, which the
//! renderers ignore; `\fcharset0` fonts mean Windows-1252 even under another `\ansicpg`
//! (Outlook writes `&nbsp;` as `{\f3\'a0}` in `\ansicpg932` documents).

mod lex;
mod render;
#[cfg(test)]
mod tests;

pub use pstkit::messaging::rtf::{compress, decompress, RtfError};

/// Maps a Windows code page number (as in RTF `\ansicpg`, `PidTagInternetCodepage` or
/// `PidTagMessageCodepage`) to an encoding: the reader's table, shared.
pub use pstkit::ltp::codepage::encoding_for_codepage;

/// If the RTF encapsulates HTML (\fromhtml1, [MS-OXRTFEX]), returns the original HTML text
/// (bytes decoded with the RTF's \ansicpg code page, \uN unicode escapes handled); otherwise None.
pub fn html_from_rtf(rtf: &[u8]) -> Option<String> {
    match render::encapsulation(rtf) {
        Some(render::Encapsulation::Html) => Some(render::render(rtf, render::Mode::Html)),
        _ => None,
    }
}

/// A readable plain-text rendering of any RTF (also handles \fromtext encapsulated text exactly):
/// paragraphs/line breaks, \tab, \'hh escapes in the document code page (\ansicpg, per-font
/// \fcharset), \uN with \ucN skipping, skipping destinations like \fonttbl, \colortbl,
/// \stylesheet, \info, \*\... and pictures.
///
/// Paragraph and line breaks (`\par`, `\line`, `\sect`, `\page`, `\row`) become CRLF, as in
/// PidTagBody; table cells become tabs. Fields show their result (`\fldrslt`), not their code.
pub fn text_from_rtf(rtf: &[u8]) -> String {
    let mode = match render::encapsulation(rtf) {
        Some(render::Encapsulation::Text) => render::Mode::FromText,
        _ => render::Mode::Text,
    };
    render::render(rtf, mode)
}
