//! A forgiving RTF tokenizer ([MSFT-RTF] "RTF Syntax"): groups, control words with optional
//! numeric parameters, control symbols, `\'hh` escapes, `\binN` data and runs of plain text.
//! It never fails: malformed escapes are dropped and every index is checked.

/// One lexical element of an RTF stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// `{`
    Open,
    /// `}`
    Close,
    /// `\name` or `\nameN`; the space delimiter, if any, is consumed.
    Word(&'a [u8], Option<i32>),
    /// `\x` for a non-letter `x` (including `\*`, `\{`, `\}`, `\\`, `\~`). A backslash before a
    /// CR or LF is reported as the word `par`, as [MSFT-RTF] defines.
    Symbol(u8),
    /// `\'hh`: one byte in the current code page.
    Hex(u8),
    /// A run of literal bytes (never containing `\`, `{`, `}`, CR or LF).
    Text(&'a [u8]),
    /// The data of `\binN`.
    Bin(&'a [u8]),
}

/// Iterator over the tokens of an RTF byte string.
pub(crate) struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// Starts tokenizing `data` from its first byte.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Reads what follows a backslash (already consumed).
    fn control(&mut self) -> Option<Token<'a>> {
        let c = self.peek()?;
        if c.is_ascii_alphabetic() {
            let start = self.pos;
            while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
                self.pos += 1;
            }
            let name = self.data.get(start..self.pos).unwrap_or(&[]);
            let mut param = None;
            let negative = self.peek() == Some(b'-')
                && self
                    .data
                    .get(self.pos + 1)
                    .is_some_and(|b| b.is_ascii_digit());
            if negative {
                self.pos += 1;
            }
            if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                let mut value: i64 = 0;
                while let Some(d) = self.peek().filter(|b| b.is_ascii_digit()) {
                    // Saturate instead of overflowing on absurdly long parameters.
                    value = (value * 10 + i64::from(d - b'0')).min(i64::from(u32::MAX));
                    self.pos += 1;
                }
                let value = if negative { -value } else { value };
                param = Some(value.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32);
            }
            if self.peek() == Some(b' ') {
                self.pos += 1;
            }
            if name == b"bin" {
                let n = usize::try_from(param.unwrap_or(0)).unwrap_or(0);
                let end = self.pos.saturating_add(n).min(self.data.len());
                let bin = self.data.get(self.pos..end).unwrap_or(&[]);
                self.pos = end;
                return Some(Token::Bin(bin));
            }
            return Some(Token::Word(name, param));
        }
        self.pos += 1;
        match c {
            b'\'' => {
                let hex = |b: u8| (b as char).to_digit(16);
                let hi = self.data.get(self.pos).copied().and_then(hex);
                let lo = self.data.get(self.pos + 1).copied().and_then(hex);
                match (hi, lo) {
                    (Some(hi), Some(lo)) => {
                        self.pos += 2;
                        Some(Token::Hex((hi * 16 + lo) as u8))
                    }
                    // A malformed escape carries no character; it becomes empty text (not a
                    // recursive call, which deep runs of bad escapes could overflow).
                    _ => Some(Token::Text(&[])),
                }
            }
            b'\r' | b'\n' => Some(Token::Word(b"par", None)),
            other => Some(Token::Symbol(other)),
        }
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            let c = self.peek()?;
            match c {
                b'{' => {
                    self.pos += 1;
                    return Some(Token::Open);
                }
                b'}' => {
                    self.pos += 1;
                    return Some(Token::Close);
                }
                b'\\' => {
                    self.pos += 1;
                    return self.control();
                }
                // Line breaks in RTF source carry no meaning.
                b'\r' | b'\n' => self.pos += 1,
                _ => {
                    let start = self.pos;
                    while self
                        .peek()
                        .is_some_and(|b| !matches!(b, b'{' | b'}' | b'\\' | b'\r' | b'\n'))
                    {
                        self.pos += 1;
                    }
                    return Some(Token::Text(self.data.get(start..self.pos).unwrap_or(&[])));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Lexer, Token};

    #[test]
    fn tokens_of_a_small_document() {
        let toks: Vec<_> =
            Lexer::new(b"{\\rtf1\\ansicpg-5 a\\'e9\\{b}\r\n\\u-10179?\\bin3 {}x\\*\\\nz").collect();
        assert_eq!(
            toks,
            vec![
                Token::Open,
                Token::Word(b"rtf", Some(1)),
                Token::Word(b"ansicpg", Some(-5)),
                Token::Text(b"a"),
                Token::Hex(0xE9),
                Token::Symbol(b'{'),
                Token::Text(b"b"),
                Token::Close,
                Token::Word(b"u", Some(-10179)),
                Token::Text(b"?"),
                Token::Bin(b"{}x"),
                Token::Symbol(b'*'),
                Token::Word(b"par", None),
                Token::Text(b"z"),
            ]
        );
    }

    #[test]
    fn malformed_input_does_not_panic() {
        for input in [
            &b"\\"[..],
            b"\\'",
            b"\\'4",
            b"\\'zz",
            b"\\bin99999999999 ab",
            b"\\x-",
        ] {
            let _ = Lexer::new(input).count();
        }
        let toks: Vec<_> = Lexer::new(b"\\fs99999999999999").collect();
        assert_eq!(toks, vec![Token::Word(b"fs", Some(i32::MAX))]);
    }
}
