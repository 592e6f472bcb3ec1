//! Turns RTF tokens into text: the plain-text rendering of [MSFT-RTF] documents, the exact
//! de-encapsulation of text ([MS-OXRTFEX] 2.2.3.3) and of HTML ([MS-OXRTFEX] 2.2.3.2).

use std::collections::HashMap;

use encoding_rs::{Encoding, WINDOWS_1252};

use super::encoding_for_codepage;
use super::lex::{Lexer, Token};

/// What the renderer produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Visible text of ordinary RTF.
    Text,
    /// Text encapsulated with `\fromtext`: like `Text`, but `\htmlrtf` spans are dropped.
    FromText,
    /// HTML encapsulated with `\fromhtml1`: HTMLTAG contents plus text outside `\htmlrtf` spans.
    Html,
}

/// Which kind of encapsulated content an RTF document carries ([MS-OXRTFEX] 2.2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encapsulation {
    /// `\fromhtml1` in the header.
    Html,
    /// `\fromtext` in the header.
    Text,
}

/// Looks for FROMHTML / FROMTEXT in the RTF header ([MS-OXRTFEX] 2.2.3.1): after `{\rtf1`, among
/// the leading control words, before the first group, text or escape (so before `\fonttbl`).
pub(crate) fn encapsulation(rtf: &[u8]) -> Option<Encapsulation> {
    let mut lexer = Lexer::new(rtf);
    if lexer.next() != Some(Token::Open) {
        return None;
    }
    match lexer.next() {
        Some(Token::Word(b"rtf", _)) => {}
        _ => return None,
    }
    // Real headers have a handful of words before the font table; bound the scan anyway.
    for token in lexer.take(64) {
        match token {
            Token::Word(b"fromhtml", Some(1)) => return Some(Encapsulation::Html),
            Token::Word(b"fromtext", _) => return Some(Encapsulation::Text),
            Token::Word(..) => {}
            _ => return None,
        }
    }
    None
}

/// What a group's content is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dest {
    /// Document text.
    Body,
    /// A destination whose content is never output (font table entries excepted).
    Skip,
    /// `\fonttbl`: font numbers and their character sets are recorded.
    FontTable,
    /// `{\*\htmltag ...}`: encapsulated HTML ([MS-OXRTFEX] 2.1.3.1.4).
    HtmlTag,
}

/// Group-scoped state, saved on `{` and restored on `}`.
#[derive(Debug, Clone, Copy)]
struct Group {
    dest: Dest,
    /// `\ucN`: how many fallback characters follow each `\uN`.
    uc: u32,
    /// Selected font (`\fN`); `None` means the default font (`\deffN`).
    font: Option<i32>,
    /// Inside an `\htmlrtf` span ([MS-OXRTFEX] 2.1.3.1.3).
    htmlrtf: bool,
    /// The previous token was `\*`, so an unknown next control word is skipped.
    star: bool,
}

/// Code page information of one font-table entry.
#[derive(Debug, Clone, Copy, Default)]
struct FontCp {
    charset: Option<u32>,
    cpg: Option<u32>,
}

/// Groups nested deeper than this are tracked by a counter only, keeping memory bounded.
const MAX_DEPTH: usize = 1024;

/// Destinations (other than `\fonttbl`) whose content is not document text.
const SKIPPED: &[&[u8]] = &[
    b"annotation",
    b"atnauthor",
    b"atndate",
    b"atnicn",
    b"atnid",
    b"atnref",
    b"atntime",
    b"atrfend",
    b"atrfstart",
    b"bkmkend",
    b"bkmkstart",
    b"colortbl",
    b"colorschememapping",
    b"datastore",
    b"docvar",
    b"filetbl",
    b"fldinst",
    b"footer",
    b"footerf",
    b"footerl",
    b"footerr",
    b"footnote",
    b"generator",
    b"header",
    b"headerf",
    b"headerl",
    b"headerr",
    b"info",
    b"latentstyles",
    b"listoverridetable",
    b"listtable",
    b"mmathPr",
    b"nonshppict",
    b"objclass",
    b"objdata",
    b"objname",
    b"pgdsctbl",
    b"pict",
    b"pn",
    b"pntxta",
    b"pntxtb",
    b"protusertbl",
    b"revtbl",
    b"rsidtbl",
    b"shpinst",
    b"sn",
    b"sp",
    b"stylesheet",
    b"sv",
    b"tc",
    b"template",
    b"themedata",
    b"userprops",
    b"xe",
    b"xmlnstbl",
];

/// Code page of an RTF `\fcharsetN` value ([MSFT-RTF] font table). ANSI (0) is Windows-1252
/// whatever `\ansicpg` says: Outlook writes `{\f3\'a0}` for `&nbsp;` under an `\fcharset0` font
/// in `\ansicpg932` documents, and the [MS-OXRTFEX] 3 example encodes `&uml;` as `{\f2\'a8}`
/// in an `\ansicpg1251` one. DEFAULT (1) and SYMBOL (2) give `None` (the document code page).
fn charset_codepage(charset: i32) -> Option<u32> {
    Some(match charset {
        0 => 1252,
        77 => 10000,
        128 => 932,
        129 => 949,
        130 => 1361,
        134 => 936,
        136 => 950,
        161 => 1253,
        162 => 1254,
        163 => 1258,
        177 => 1255,
        178 => 1256,
        186 => 1257,
        204 => 1251,
        222 => 874,
        238 => 1250,
        254 => 437,
        _ => return None,
    })
}

/// Renders RTF in the given mode.
pub(crate) fn render(rtf: &[u8], mode: Mode) -> String {
    let mut r = Renderer {
        mode,
        stack: Vec::new(),
        overflow: 0,
        cur: Group {
            dest: Dest::Body,
            uc: 1,
            font: None,
            htmlrtf: false,
            star: false,
        },
        default_cp: 1252,
        ansicpg_seen: false,
        deff: None,
        fonts: HashMap::new(),
        defining: None,
        out: String::new(),
        pending: Vec::new(),
        pending_enc: WINDOWS_1252,
        skip: 0,
        high: None,
        in_header: true,
    };
    let mut opened = false;
    for token in Lexer::new(rtf) {
        opened |= token == Token::Open;
        r.token(token);
        // Whatever follows the document group (often a NUL terminator) is not RTF.
        if opened && r.stack.is_empty() && r.overflow == 0 {
            break;
        }
    }
    r.flush();
    r.settle_surrogate();
    r.out
}

struct Renderer {
    mode: Mode,
    stack: Vec<Group>,
    /// Groups opened beyond `MAX_DEPTH`, not on `stack`.
    overflow: usize,
    cur: Group,
    default_cp: u32,
    ansicpg_seen: bool,
    deff: Option<i32>,
    fonts: HashMap<i32, FontCp>,
    /// Font number being defined in the font table.
    defining: Option<i32>,
    out: String,
    /// Bytes of the current code-page run, decoded together so multibyte code pages work.
    pending: Vec<u8>,
    pending_enc: &'static Encoding,
    /// Fallback characters still to skip after a `\uN`.
    skip: u32,
    /// A UTF-16 high surrogate from `\uN` waiting for its low half.
    high: Option<u16>,
    /// Still in the RTF header, where whitespace between the tables is not text
    /// ([MS-OXRTFEX] 2.2.3.2: "MUST skip other parts of the RTF header").
    in_header: bool,
}

impl Renderer {
    fn token(&mut self, token: Token<'_>) {
        let star = std::mem::take(&mut self.cur.star);
        match token {
            Token::Open => {
                self.skip = 0;
                if self.stack.len() < MAX_DEPTH {
                    self.stack.push(self.cur);
                } else {
                    self.overflow += 1;
                }
            }
            Token::Close => {
                self.skip = 0;
                if self.overflow > 0 {
                    self.overflow -= 1;
                } else if let Some(g) = self.stack.pop() {
                    if self.cur.dest == Dest::FontTable && g.dest != Dest::FontTable {
                        self.defining = None;
                    }
                    self.cur = g;
                }
            }
            Token::Word(name, param) => self.word(name, param, star),
            Token::Symbol(c) => {
                if c == b'*' {
                    self.cur.star = true;
                } else if !self.take_skip() {
                    self.symbol(c);
                }
            }
            Token::Hex(b) => {
                self.in_header = false;
                if !self.take_skip() {
                    let enc = self.byte_encoding();
                    self.push_bytes(&[b], enc);
                }
            }
            Token::Text(text) => {
                let n = usize::try_from(self.skip)
                    .unwrap_or(usize::MAX)
                    .min(text.len());
                self.skip -= n as u32;
                let text = text.get(n..).unwrap_or(&[]);
                // NUL is no RTF text; writers leave it as padding or terminator.
                if text.contains(&0) {
                    let text: Vec<u8> = text.iter().copied().filter(|&b| b != 0).collect();
                    return self.token(Token::Text(&text));
                }
                if self.in_header && self.cur.dest == Dest::Body {
                    if text.iter().all(|&b| b == b' ' || b == b'\t') {
                        return;
                    }
                    self.in_header = false;
                }
                let enc = self.byte_encoding();
                self.push_bytes(text, enc);
            }
            Token::Bin(_) => {
                // Binary data is never text; it counts as one fallback character.
                self.take_skip();
            }
        }
    }

    /// Consumes one fallback character after `\uN`, if any remain.
    fn take_skip(&mut self) -> bool {
        if self.skip > 0 {
            self.skip -= 1;
            true
        } else {
            false
        }
    }

    fn word(&mut self, name: &[u8], param: Option<i32>, star: bool) {
        if self.cur.dest == Dest::Skip {
            return;
        }
        if star {
            if self.mode == Mode::Html && name == b"htmltag" {
                // [MS-OXRTFEX] 2.2.3.2: the parameter is ignored; the content is HTML.
                self.in_header = false;
                self.cur.dest = Dest::HtmlTag;
                self.cur.htmlrtf = false;
            } else {
                self.cur.dest = Dest::Skip;
            }
            return;
        }
        if name == b"fonttbl" {
            self.cur.dest = Dest::FontTable;
            return;
        }
        if SKIPPED.contains(&name) {
            self.cur.dest = Dest::Skip;
            return;
        }
        if self.cur.dest == Dest::FontTable {
            self.font_table_word(name, param);
            return;
        }
        // State changes apply even inside the fallback text of `\uN`.
        match name {
            b"ansi" | b"mac" | b"pc" | b"pca" => {
                if !self.ansicpg_seen {
                    self.default_cp = match name {
                        b"mac" => 10000,
                        b"pc" => 437,
                        b"pca" => 850,
                        _ => 1252,
                    };
                }
                return;
            }
            b"ansicpg" => {
                if let Some(cp) = param.and_then(|p| u32::try_from(p).ok()).filter(|&p| p > 0) {
                    self.default_cp = cp;
                    self.ansicpg_seen = true;
                }
                return;
            }
            b"deff" => {
                self.deff = param;
                return;
            }
            b"f" => {
                self.cur.font = param;
                return;
            }
            b"plain" => {
                self.cur.font = None;
                return;
            }
            b"uc" => {
                self.cur.uc = param
                    .and_then(|p| u32::try_from(p).ok())
                    .unwrap_or(1)
                    .min(u32::from(u16::MAX));
                return;
            }
            b"htmlrtf" => {
                self.cur.htmlrtf = param != Some(0);
                return;
            }
            _ => {}
        }
        if matches!(name, b"pard" | b"plain" | b"sectd" | b"u") {
            self.in_header = false;
        }
        if self.take_skip() {
            return;
        }
        match name {
            b"u" => {
                if let Some(p) = param {
                    self.unicode(p);
                }
                self.skip = self.cur.uc;
            }
            b"par" | b"line" | b"sect" | b"page" | b"row" => {
                self.in_header = false;
                self.push_str("\r\n");
            }
            b"tab" | b"cell" | b"nestcell" => self.push_char('\t'),
            b"emdash" => self.push_char('\u{2014}'),
            b"endash" => self.push_char('\u{2013}'),
            b"bullet" => self.push_char('\u{2022}'),
            b"lquote" => self.push_char('\u{2018}'),
            b"rquote" => self.push_char('\u{2019}'),
            b"ldblquote" => self.push_char('\u{201C}'),
            b"rdblquote" => self.push_char('\u{201D}'),
            b"emspace" => self.push_char('\u{2003}'),
            b"enspace" => self.push_char('\u{2002}'),
            b"qmspace" => self.push_char('\u{2005}'),
            b"zwj" => self.push_char('\u{200D}'),
            b"zwnj" => self.push_char('\u{200C}'),
            _ => {}
        }
    }

    fn font_table_word(&mut self, name: &[u8], param: Option<i32>) {
        match (name, param) {
            (b"f", Some(n)) => self.defining = Some(n),
            (b"fcharset", Some(cs)) => {
                if let Some(f) = self.defining {
                    self.fonts.entry(f).or_default().charset = charset_codepage(cs);
                }
            }
            (b"cpg", Some(cp)) => {
                if let (Some(f), Ok(cp)) = (self.defining, u32::try_from(cp)) {
                    self.fonts.entry(f).or_default().cpg = Some(cp);
                }
            }
            _ => {}
        }
    }

    fn symbol(&mut self, c: u8) {
        self.in_header = false;
        match c {
            b'{' | b'}' | b'\\' => self.push_char(char::from(c)),
            b'~' => self.push_char('\u{00A0}'),
            b'_' => self.push_char('\u{2011}'),
            // Optional hyphen, formula and index symbols have no text.
            _ => {}
        }
    }

    /// Handles `\uN`: a signed 16-bit UTF-16 unit; surrogate pairs come as two `\u`.
    fn unicode(&mut self, value: i32) {
        if !self.visible() {
            return;
        }
        let value = if value < 0 { value + 0x1_0000 } else { value };
        let Ok(value) = u32::try_from(value) else {
            return;
        };
        match value {
            0xD800..=0xDBFF => {
                self.flush();
                self.settle_surrogate();
                self.high = Some(value as u16);
            }
            0xDC00..=0xDFFF => {
                self.flush();
                let c = match self.high.take() {
                    Some(high) => char::decode_utf16([high, value as u16])
                        .next()
                        .and_then(Result::ok)
                        .unwrap_or(char::REPLACEMENT_CHARACTER),
                    None => char::REPLACEMENT_CHARACTER,
                };
                self.out.push(c);
            }
            _ => self.push_char(char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER)),
        }
    }

    /// Whether content at this point goes to the output.
    fn visible(&self) -> bool {
        match (self.mode, self.cur.dest) {
            (_, Dest::Skip | Dest::FontTable) => false,
            (Mode::Html, Dest::HtmlTag) => true,
            (Mode::Text, _) => true,
            (Mode::FromText | Mode::Html, _) => !self.cur.htmlrtf,
        }
    }

    /// The encoding of `\'hh` and 8-bit text at this point: the selected font's code page
    /// ([MS-OXRTFEX] 2.2.3.2 asks to track it), except inside HTMLTAG groups, whose HTML markup
    /// is written in the document code page.
    fn byte_encoding(&self) -> &'static Encoding {
        let default = encoding_for_codepage(self.default_cp).unwrap_or(WINDOWS_1252);
        if self.cur.dest == Dest::HtmlTag {
            return default;
        }
        self.cur
            .font
            .or(self.deff)
            .and_then(|f| self.fonts.get(&f))
            .and_then(|fc| fc.cpg.or(fc.charset))
            .and_then(encoding_for_codepage)
            .unwrap_or(default)
    }

    fn push_bytes(&mut self, bytes: &[u8], enc: &'static Encoding) {
        if bytes.is_empty() || !self.visible() {
            return;
        }
        if self.pending_enc != enc {
            self.flush();
        }
        if self.pending.is_empty() {
            self.settle_surrogate();
        }
        self.pending_enc = enc;
        self.pending.extend_from_slice(bytes);
    }

    fn push_char(&mut self, c: char) {
        if !self.visible() {
            return;
        }
        self.flush();
        self.settle_surrogate();
        self.out.push(c);
    }

    fn push_str(&mut self, s: &str) {
        if !self.visible() {
            return;
        }
        self.flush();
        self.settle_surrogate();
        self.out.push_str(s);
    }

    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let (text, _) = self.pending_enc.decode_without_bom_handling(&self.pending);
            self.out.push_str(&text);
            self.pending.clear();
        }
    }

    /// A high surrogate not followed by a low one becomes U+FFFD.
    fn settle_surrogate(&mut self) {
        if self.high.take().is_some() {
            self.out.push(char::REPLACEMENT_CHARACTER);
        }
    }
}
