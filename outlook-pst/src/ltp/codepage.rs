//! Windows code pages to `encoding_rs` encodings, for `PtypString8` values.

use encoding_rs::Encoding;

/// The encoding for a Windows code page number (as in `PidTagMessageCodepage`,
/// `PidTagInternetCodepage` or RTF's `\ansicpg`), or `None` when `encoding_rs` has none for it
/// (e.g. the DOS code pages 437 and 850).
pub fn encoding_for_codepage(cp: u32) -> Option<&'static Encoding> {
    use encoding_rs::*;
    Some(match cp {
        1252 | 20127 | 28591 => WINDOWS_1252,
        65001 => UTF_8,
        1200 => UTF_16LE,
        1201 => UTF_16BE,
        874 => WINDOWS_874,
        932 => SHIFT_JIS,
        936 => GBK,
        54936 => GB18030,
        949 => EUC_KR,
        950 => BIG5,
        1250 => WINDOWS_1250,
        1251 => WINDOWS_1251,
        1253 => WINDOWS_1253,
        1254 => WINDOWS_1254,
        1255 => WINDOWS_1255,
        1256 => WINDOWS_1256,
        1257 => WINDOWS_1257,
        1258 => WINDOWS_1258,
        866 => IBM866,
        10000 => MACINTOSH,
        10007 => X_MAC_CYRILLIC,
        20866 => KOI8_R,
        21866 => KOI8_U,
        28592 => ISO_8859_2,
        28593 => ISO_8859_3,
        28594 => ISO_8859_4,
        28595 => ISO_8859_5,
        28596 => ISO_8859_6,
        28597 => ISO_8859_7,
        28598 => ISO_8859_8,
        28599 => WINDOWS_1254,
        28600 => ISO_8859_10,
        28603 => ISO_8859_13,
        28604 => ISO_8859_14,
        28605 => ISO_8859_15,
        38598 => ISO_8859_8_I,
        50220..=50222 => ISO_2022_JP,
        51932 => EUC_JP,
        51936 => GB18030,
        51949 => EUC_KR,
        52936 => GBK,
        _ => return None,
    })
}

/// Decodes 8-bit text in code page `cp` (Windows-1252 when unknown), dropping trailing NULs.
pub fn decode_8bit(bytes: &[u8], cp: u32) -> String {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    let enc = encoding_for_codepage(cp).unwrap_or(encoding_rs::WINDOWS_1252);
    let (text, _, _) = enc.decode(&bytes[..end]);
    text.into_owned()
}

/// Decodes UTF-16LE text, dropping trailing NULs and an odd trailing byte; unpaired
/// surrogates become U+FFFD.
pub fn decode_utf16(bytes: &[u8]) -> String {
    // encoding_rs decodes ASCII runs with SIMD; bodies are mostly ASCII.
    let mut end = bytes.len() & !1;
    while end >= 2 && bytes.get(end - 2..end) == Some(&[0, 0]) {
        end -= 2;
    }
    let (text, _) =
        encoding_rs::UTF_16LE.decode_without_bom_handling(bytes.get(..end).unwrap_or(&[]));
    text.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_code_pages() {
        // "Zażółć" in windows-1250.
        assert_eq!(
            decode_8bit(&[0x5A, 0x61, 0xBF, 0xF3, 0xB3, 0xE6, 0], 1250),
            "Zażółć"
        );
        // "Привет" in windows-1251.
        assert_eq!(
            decode_8bit(&[0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2], 1251),
            "Привет"
        );
        // Shift_JIS "日本".
        assert_eq!(decode_8bit(&[0x93, 0xFA, 0x96, 0x7B], 932), "日本");
        assert_eq!(decode_8bit(b"caf\xE9", 0), "café");
        assert_eq!(decode_utf16(&[0x41, 0, 0x42, 0, 0, 0, 7]), "AB");
    }

    #[test]
    fn utf16_matches_the_standard_library_on_surrogates() {
        // A pair (U+1F600), a lone high, a lone low, a high at the end, an inner NUL.
        let units: [u16; 8] = [0xD83D, 0xDE00, 0xD800, 0x41, 0xDC00, 0, 0x42, 0xD83D];
        let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(decode_utf16(&bytes), String::from_utf16_lossy(&units));
        assert_eq!(
            decode_utf16(&bytes),
            "\u{1F600}\u{FFFD}A\u{FFFD}\0B\u{FFFD}"
        );
        assert_eq!(decode_utf16(&[0, 0, 0, 0]), "");
        assert_eq!(decode_utf16(&[0x41]), "");
    }
}
