use super::*;

mod fuzz {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn renderers_never_panic(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut rtf = b"{\\rtf1\\ansi\\fromhtml1 ".to_vec();
            rtf.extend_from_slice(&data);
            let _ = super::super::html_from_rtf(&rtf);
            let _ = super::super::text_from_rtf(&rtf);
            let _ = super::super::text_from_rtf(&data);
        }
    }
}

/// The RTF of [MS-OXRTFEX] section 3 (encapsulated HTML example).
const SPEC_HTML_RTF: &str = r#"{\rtf1\ANSI\ansicpg1251\fromhtml1 \deff0
{\fonttbl {\f0\fmodern Courier New;}{\f1\fswiss Arial;}{\f2\fswiss\fcharset0 Arial;}}
{\colortbl\red0\green0\blue0;\red0\green0\blue255;} 
{\*\htmltag64}
\uc1\pard\plain\deftab360 \f0\fs24
{\*\htmltag <HTML><head>\par
<style>\par
<!--\par
 /* Style Definitions */\par
 p.MsoNormal, li.MsoNormal \{font-family:Arial;\}\par
-->\par
</style>\par
\tab <!-- This is a HTML comment.\par
There is a horizontal tab (%x09) character before the comment, \par
and some new lines inside the comment. -->\par
</head>\par
<body>\par
<p\par
class="MsoNormal">}
{\htmlrtf \f1 \htmlrtf0 Note the line break inside a P tag. {\*\htmltag <b>}{\htmlrtf \b \htmlrtf0 This is a bold text{\*\htmltag </b>}} \htmlrtf\par\htmlrtf0}
\htmlrtf \par \htmlrtf0
{\*\htmltag </p>\par
<p class="MsoNormal">\par}
{\htmlrtf \f1 \htmlrtf0 This is a normal text with a character references:
{\*\htmltag &nbsp;}\htmlrtf \'a0\htmlrtf0  {\*\htmltag &lt;}\htmlrtf <\htmlrtf0  {\*\htmltag &uml;}\htmlrtf {\f2\'a8}\htmlrtf0{\*\htmltag <br>\par}\htmlrtf\line\htmlrtf0
characters which have special meaning in RTF: \{\}\\{\*\htmltag <br>\par}\htmlrtf\line\htmlrtf0\htmlrtf\par\htmlrtf0}
{\*\htmltag </p>\par
<ol>\par
    <li class="MsoNormal">}{\htmlrtf {{\*\pn\pnlvlbody\pndec\pnstart1\pnindent360{\pntxta.}}\li360\fi-360{\pntext 1.\tab} \f1 \htmlrtf0 This is a list item}\htmlrtf\par\htmlrtf0}
{\*\htmltag \par
</ol>\par
</body>\par
</HTML>\par }}"#;

/// The HTML that the [MS-OXRTFEX] algorithm recovers from `SPEC_HTML_RTF`: the original HTML of
/// the example, with the whitespace that the example's RTF itself carries (the space before
/// `</p>` is text outside any `\htmlrtf` span); 1.3 allows such insignificant whitespace changes.
/// The space after the `\colortbl` group is part of the RTF header, which 2.2.3.2 says to skip.
const SPEC_HTML: &str = "<HTML><head>\r\n<style>\r\n<!--\r\n /* Style Definitions */\r\n p.MsoNormal, li.MsoNormal {font-family:Arial;}\r\n-->\r\n</style>\r\n\t<!-- This is a HTML comment.\r\nThere is a horizontal tab (%x09) character before the comment, \r\nand some new lines inside the comment. -->\r\n</head>\r\n<body>\r\n<p\r\nclass=\"MsoNormal\">Note the line break inside a P tag. <b>This is a bold text</b> </p>\r\n<p class=\"MsoNormal\">\r\nThis is a normal text with a character references:&nbsp; &lt; &uml;<br>\r\ncharacters which have special meaning in RTF: {}\\<br>\r\n</p>\r\n<ol>\r\n    <li class=\"MsoNormal\">This is a list item\r\n</ol>\r\n</body>\r\n</HTML>\r\n";

#[test]
fn deencapsulates_spec_html_example() {
    assert_eq!(
        html_from_rtf(SPEC_HTML_RTF.as_bytes()).as_deref(),
        Some(SPEC_HTML)
    );
    // Same result with LF or CRLF line ends in the RTF source (they carry no meaning).
    let crlf = SPEC_HTML_RTF.replace('\n', "\r\n");
    assert_eq!(html_from_rtf(crlf.as_bytes()).as_deref(), Some(SPEC_HTML));
}

#[test]
fn spec_html_example_through_compression() {
    let packed = compress(SPEC_HTML_RTF.as_bytes());
    let rtf = decompress(&packed).unwrap();
    assert_eq!(html_from_rtf(&rtf).as_deref(), Some(SPEC_HTML));
}

#[test]
fn html_recognition_needs_fromhtml1_in_the_header() {
    assert_eq!(html_from_rtf(b"{\\rtf1\\ansi Hello}"), None);
    assert_eq!(html_from_rtf(b"{\\rtf1 Hello\\fromhtml1 }"), None);
    assert_eq!(
        html_from_rtf(b"{\\rtf1\\ansi{\\fonttbl}\\fromhtml1 }"),
        None
    );
    assert_eq!(html_from_rtf(b"{\\rtf1\\fromtext Hello}"), None);
    assert_eq!(html_from_rtf(b"not rtf"), None);
    assert_eq!(
        html_from_rtf(
            b"{\\rtf1\\ansi\\fromhtml1 {\\*\\htmltag64}{\\*\\htmltag84 <b>}x{\\*\\htmltag92 </b>}}"
        )
        .as_deref(),
        Some("<b>x</b>")
    );
}

#[test]
fn html_code_pages_and_unicode() {
    // Text outside HTMLTAG uses the selected font's charset (204 = Windows-1251); markup inside
    // HTMLTAG uses \ansicpg; \uN with \uc1 fallback and a surrogate pair.
    let rtf = b"{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 \\deff0{\\fonttbl{\\f0\\fswiss Arial;}{\\f1\\fswiss\\fcharset204 Arial;}}\
{\\*\\htmltag64}{\\*\\htmltag84 <p title=\"caf\\'e9\">}\\htmlrtf {\\f1 \\htmlrtf0 \\'cf\\'f0\\'e8\\'e2\\'e5\\'f2 \\u1087?\\u-10179?\\u-8704?}\
\\htmlrtf0 {\\*\\htmltag92 </p>}}";
    assert_eq!(
        html_from_rtf(rtf).as_deref(),
        Some("<p title=\"caf\u{e9}\">\u{41f}\u{440}\u{438}\u{432}\u{435}\u{442} \u{43f}\u{1F600}</p>")
    );
}

#[test]
fn html_outlook_style_nesting() {
    // The pattern Outlook writes: \htmlrtf spans around RTF-only formatting and breaks.
    let rtf =
        br"{\rtf1\ansi\ansicpg1252\fromhtml1 \fbidis \deff0{\fonttbl{\f0\fswiss\fcharset0 Arial;}}
{\*\htmltag96 <div>}\htmlrtf {\htmlrtf0 {\*\htmltag64}\htmlrtf {\htmlrtf0
{\*\htmltag148 <font size=2>}\htmlrtf {\f0 \fs20 \htmlrtf0 Hi
{\*\htmltag156 </font>}\htmlrtf }\htmlrtf0 {\*\htmltag72}\htmlrtf\par}\htmlrtf0
{\*\htmltag116 <br>}\htmlrtf \line
{\*\htmltag104 </div>}\htmlrtf }\htmlrtf0
{\*\htmltag0 \par }{\*\mhtmltag84 <img src=cid:x>}}";
    assert_eq!(
        html_from_rtf(rtf).as_deref(),
        Some("<div><font size=2>Hi</font><br></div>\r\n")
    );
}

#[test]
fn fromtext_is_deencapsulated_exactly() {
    let rtf = br"{\rtf1\ansi\ansicpg1252\fromtext \fbidis \deff0{\fonttbl
{\f0\fswiss\fcharset0 Arial;}
{\f1\fmodern Courier New;}}
{\colortbl\red0\green0\blue0;\red0\green0\blue255;}
\uc1\pard\plain\deftab360 \f0\fs20 Dear Bob,\par
\par
Price: 5 \'80 \{ok\} C:\\temp\tab done.\par
Caf\'e9 \u8364?\htmlrtf  hidden\htmlrtf0 !\par
}";
    assert_eq!(
        text_from_rtf(rtf),
        "Dear Bob,\r\n\r\nPrice: 5 \u{20ac} {ok} C:\\temp\tdone.\r\nCaf\u{e9} \u{20ac}!\r\n"
    );
}

#[test]
fn text_skips_header_destinations_pictures_and_field_codes() {
    let rtf = br"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\froman Times;}}{\colortbl;\red255\green0\blue0;}
{\stylesheet{\s0 Normal;}}{\info{\title T}{\author A}}{\*\generator Riched20;}\viewkind4\uc1
\pard\f0\fs20 Before {\pict\wmetafile8\picw10 0a0b0c}after{\*\bkmkstart x}.\par
{\field{\*\fldinst HYPERLINK http://x}{\fldrslt link}}\line
{\header head}\emdash\~end\bin4 {}}x.}";
    assert_eq!(
        text_from_rtf(rtf),
        "Before after.\r\nlink\r\n\u{2014}\u{a0}end."
    );
}

#[test]
fn text_code_pages() {
    // \ansicpg1251 default; a Shift-JIS font (\fcharset128) with a double-byte \'hh pair;
    // \cpg overriding the charset; \mac without \ansicpg.
    let rtf = br"{\rtf1\ansi\ansicpg1251\deff0{\fonttbl{\f0 Arial;}{\f1\fcharset128 MS Gothic;}{\f2\fcharset0\cpg1253 Greek;}}
\f0 \'cf\'f0\'e8 {\f1 \'82\'a0} {\f2 \'e1}}";
    assert_eq!(text_from_rtf(rtf), "\u{41f}\u{440}\u{438} \u{3042} \u{3b1}");
    assert_eq!(text_from_rtf(br"{\rtf1\mac \'8e}"), "\u{e9}");
}

#[test]
fn text_unicode_skipping() {
    // \uc2 skips two fallback characters (here one \'hh and one byte); \uc is group-scoped;
    // a lone high surrogate becomes U+FFFD.
    let rtf = br"{\rtf1\ansi {\uc2\u8364\'80E x}\u8364?y \u-10179?z}";
    assert_eq!(text_from_rtf(rtf), "\u{20ac} x\u{20ac}y \u{fffd}z");
    // \uc0: nothing skipped.
    assert_eq!(text_from_rtf(br"{\rtf1\uc0\u233 e}"), "\u{e9}e");
}

#[test]
fn text_of_html_encapsulated_rtf_is_the_rtf_view() {
    // A plain RTF reader ignores HTMLTAG groups and shows \htmlrtf content.
    let rtf = br"{\rtf1\ansi\fromhtml1 {\*\htmltag64}{\*\htmltag84 <p>}Hello\htmlrtf\par\htmlrtf0{\*\htmltag92 </p>}}";
    assert_eq!(text_from_rtf(rtf), "Hello\r\n");
    assert_eq!(html_from_rtf(rtf).as_deref(), Some("<p>Hello</p>"));
}

#[test]
fn deep_nesting_and_garbage_are_harmless() {
    let mut rtf = b"{\\rtf1 ".to_vec();
    rtf.extend_from_slice(&vec![b'{'; 100_000]);
    rtf.extend_from_slice(b"deep");
    rtf.extend_from_slice(&vec![b'}'; 100_001]);
    rtf.extend_from_slice(b"}}}after");
    // Rendering ends with the document group.
    assert_eq!(text_from_rtf(&rtf), "deep");
    // Real RTF bodies often end with a NUL after the last brace (Riched20 output).
    assert_eq!(text_from_rtf(b"{\\rtf1 a\0b\\par\r\n}\0"), "ab\r\n");
    // Malformed escapes are dropped (the letters after them are text), without recursion.
    let bad: Vec<u8> = b"\\'zz".repeat(100_000);
    let text = text_from_rtf(&bad);
    assert!(text.len() == 200_000 && text.bytes().all(|b| b == b'z'));
}

#[test]
fn codepage_mapping() {
    let name = |cp| encoding_for_codepage(cp).map(|e| e.name());
    assert_eq!(name(1252), Some("windows-1252"));
    assert_eq!(name(1250), Some("windows-1250"));
    assert_eq!(name(1251), Some("windows-1251"));
    assert_eq!(name(1258), Some("windows-1258"));
    assert_eq!(name(874), Some("windows-874"));
    assert_eq!(name(932), Some("Shift_JIS"));
    assert_eq!(name(936), Some("GBK"));
    assert_eq!(name(949), Some("EUC-KR"));
    assert_eq!(name(950), Some("Big5"));
    assert_eq!(name(65001), Some("UTF-8"));
    assert_eq!(name(20127), Some("windows-1252"));
    assert_eq!(name(28591), Some("windows-1252"));
    assert_eq!(name(28592), Some("ISO-8859-2"));
    assert_eq!(name(28605), Some("ISO-8859-15"));
    assert_eq!(name(50220), Some("ISO-2022-JP"));
    assert_eq!(name(51932), Some("EUC-JP"));
    assert_eq!(name(20866), Some("KOI8-R"));
    assert_eq!(name(21866), Some("KOI8-U"));
    assert_eq!(name(10000), Some("macintosh"));
    assert_eq!(name(437), None);
    assert_eq!(name(0), None);
}

#[test]
fn text_of_spec_html_example_is_the_rtf_view() {
    // What an RTF reader shows: HTMLTAG groups hidden, \htmlrtf content shown. `{\f2\'a8}` is
    // decoded as Windows-1252 (U+00A8) because f2 is \fcharset0, although \ansicpg is 1251
    // (where 0xA8 would be U+0401).
    assert_eq!(
        text_from_rtf(SPEC_HTML_RTF.as_bytes()),
        "Note the line break inside a P tag. This is a bold text \r\n\r\nThis is a normal text with a character references:\u{a0} < \u{a8}\r\ncharacters which have special meaning in RTF: {}\\\r\n\r\n1.\t This is a list item\r\n"
    );
}
