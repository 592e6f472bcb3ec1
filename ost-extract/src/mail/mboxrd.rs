//! The mboxrd line form of a message ([RFC 4155] and the `mboxrd` convention): lines end in
//! LF instead of CRLF, every line matching `^>*From ` gets one more `>`, the last line is
//! ended and a blank line follows. [`EntryForm`] lets the MIME writer produce an entry in
//! this form as it renders (converting its text runs, skipping its base64 runs), and
//! [`finish_entry`] converts what is left. The `From ` separator line itself is `mbox.rs`'s.

/// Turns the message in `buf[start..]` (after the `From ` line) into its mboxrd form in
/// place: every CRLF becomes LF (other CRs and LFs stay), every line matching `^>*From ` gets
/// one more `>`, the last line is ended (a CR at the very end becomes its LF) and the blank
/// line added.
///
/// Both steps search the message with SIMD for what they change and copy the runs between
/// whole. When the message was rendered straight into the entry, `start` is where
/// [`EntryForm::done`] says the converted part ends: the base64 lines before it were written
/// in mbox form and are neither searched nor moved.
pub(crate) fn finish_entry(mut buf: Vec<u8>, start: usize) -> Vec<u8> {
    convert_lines(&mut buf, start);
    if buf.len() > start {
        // An unended last line is ended; a CR ending it counts as its line end.
        match buf.last_mut() {
            Some(b'\n') => {}
            Some(last @ b'\r') => *last = b'\n',
            _ => buf.push(b'\n'),
        }
    }
    buf.push(b'\n');
    buf
}

/// Converts `buf[start..]`, which starts at the start of a line, to mboxrd lines in place
/// (CRLF to LF, `From ` lines quoted), moving only the bytes after `start`.
fn convert_lines(buf: &mut Vec<u8>, start: usize) {
    strip_cr_before_lf(buf, start);
    quote_from_lines(buf, start);
}

/// How far an mbox entry rendered straight into its buffer is in mboxrd form.
///
/// The renderer appends CRLF text (header sections, text bodies, embedded messages) and
/// base64 lines already ended with LF. Before each base64 run it calls
/// [`EntryForm::convert`], which converts the text appended since the last run; the run is
/// then marked done with [`EntryForm::skip`]. So the conversion moves and searches only the
/// text, not the base64 lines that are most of a message's bytes, and the output is the same
/// as converting the whole message at the end: every run starts at the start of a line
/// (after the blank line that ends a part's header or after a base64 line), no CRLF spans
/// two runs, and base64 can hold neither a CR nor `From ` (a space).
#[derive(Debug, Clone, Copy)]
pub(crate) struct EntryForm {
    done: usize,
}

impl EntryForm {
    /// Nothing converted yet: the message starts at `start`.
    pub(crate) fn new(start: usize) -> Self {
        Self { done: start }
    }

    /// Converts what was appended to `buf` since the last call, which must end at the end of
    /// a line.
    pub(crate) fn convert(&mut self, buf: &mut Vec<u8>) {
        convert_lines(buf, self.done);
        self.done = buf.len();
    }

    /// Marks everything appended to `buf` since the last call as in mbox form already.
    pub(crate) fn skip(&mut self, buf: &[u8]) {
        self.done = buf.len();
    }

    /// Where the converted part of the entry ends.
    pub(crate) fn done(self) -> usize {
        self.done
    }
}

/// Removes the CR of every CRLF in `buf[start..]`, moving the bytes between into place.
fn strip_cr_before_lf(buf: &mut Vec<u8>, start: usize) {
    let finder = memchr::memmem::Finder::new(b"\r\n");
    let len = buf.len();
    let (mut read, mut write) = (start, start);
    loop {
        let crlf = buf
            .get(read..)
            .and_then(|rest| finder.find(rest))
            .map(|i| read + i);
        let end = crlf.unwrap_or(len);
        if write != read {
            buf.copy_within(read..end, write);
        }
        write += end - read;
        match crlf {
            // The LF is the first byte of the next run.
            Some(cr) => read = cr + 1,
            None => break,
        }
    }
    buf.truncate(write);
}

/// Adds a `>` to every line of `buf[start..]` that matches `^>*From ` (lines end in LF; the
/// first line starts at `start`). Such lines are rare, so they are found by searching for
/// `From ` and the bytes after `start` are rebuilt only when one is there.
fn quote_from_lines(buf: &mut Vec<u8>, start: usize) {
    let body = buf.get(start..).unwrap_or(&[]);
    let line_starts: Vec<usize> = memchr::memmem::find_iter(body, b"From ")
        .filter_map(|i| {
            // Back over the `>`s before it: the line must start there.
            let before = body.get(..i).unwrap_or(&[]);
            match before.iter().rposition(|&b| b != b'>') {
                None => Some(0),
                Some(p) if before.get(p) == Some(&b'\n') => Some(p + 1),
                Some(_) => None,
            }
        })
        .collect();
    if line_starts.is_empty() {
        return;
    }
    let mut quoted = Vec::with_capacity(body.len() + line_starts.len());
    let mut at = 0;
    for s in line_starts {
        quoted.extend_from_slice(body.get(at..s).unwrap_or(&[]));
        quoted.push(b'>');
        at = s;
    }
    quoted.extend_from_slice(body.get(at..).unwrap_or(&[]));
    buf.truncate(start);
    buf.extend_from_slice(&quoted);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mboxrd rule applied line by line, the plain way: what `finish_entry` must equal.
    fn line_by_line(eml: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        if !eml.is_empty() {
            let body = eml.strip_suffix(b"\n").unwrap_or(eml);
            for line in body.split(|&b| b == b'\n') {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let unquoted = &line[line.iter().take_while(|&&b| b == b'>').count()..];
                if unquoted.starts_with(b"From ") {
                    out.push(b'>');
                }
                out.extend_from_slice(line);
                out.push(b'\n');
            }
        }
        out.push(b'\n');
        out
    }

    fn in_place(eml: &[u8]) -> Vec<u8> {
        let mut buf = b"From x\n".to_vec();
        buf.extend_from_slice(eml);
        let out = finish_entry(buf, 7);
        assert!(out.starts_with(b"From x\n"));
        out[7..].to_vec()
    }

    #[test]
    fn in_place_conversion_edge_cases() {
        for (eml, want) in [
            (&b""[..], &b"\n"[..]),
            (b"From a", b">From a\n\n"),
            (b">>From a\r\nb", b">>>From a\nb\n\n"),
            (b"a\r", b"a\n\n"),
            (b"a\r\r", b"a\r\n\n"),
            (b"a\r\r\nFrom b\rFrom c\n", b"a\r\n>From b\rFrom c\n\n"),
            (b"x >From y\n\nFrom\tz\n", b"x >From y\n\nFrom\tz\n\n"),
        ] {
            assert_eq!(in_place(eml), want, "{:?}", String::from_utf8_lossy(eml));
            assert_eq!(
                line_by_line(eml),
                want,
                "{:?}",
                String::from_utf8_lossy(eml)
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn in_place_conversion_matches_the_line_rule(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(b"\r\n".to_vec()),
                    proptest::strategy::Just(b"\n".to_vec()),
                    proptest::strategy::Just(b"\r".to_vec()),
                    proptest::strategy::Just(b">".to_vec()),
                    proptest::strategy::Just(b"From ".to_vec()),
                    proptest::strategy::Just(b"From".to_vec()),
                    proptest::collection::vec(proptest::prelude::any::<u8>(), 0..6),
                ],
                0..40,
            )
        ) {
            let eml = pieces.concat();
            proptest::prop_assert_eq!(in_place(&eml), line_by_line(&eml));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
        /// Converting run by run as the renderer does (text ended by a line end, then base64
        /// lines written with LF) gives what converting the whole message at the end gives.
        #[test]
        fn run_by_run_conversion_matches_the_line_rule(
            runs in proptest::collection::vec(
                (
                    proptest::prelude::any::<bool>(),
                    proptest::collection::vec(
                        proptest::prop_oneof![
                            proptest::strategy::Just(b"\r\n".to_vec()),
                            proptest::strategy::Just(b"\r".to_vec()),
                            proptest::strategy::Just(b">".to_vec()),
                            proptest::strategy::Just(b"From ".to_vec()),
                            proptest::strategy::Just(b"QUJD".to_vec()),
                            proptest::collection::vec(proptest::prelude::any::<u8>(), 0..6),
                        ],
                        0..12,
                    ),
                ),
                0..12,
            )
        ) {
            let mut buf = b"From x\n".to_vec();
            let mut form = EntryForm::new(buf.len());
            let mut whole = Vec::new();
            for (is_base64, pieces) in runs {
                if is_base64 {
                    // Lines of base64 characters, each ended with LF.
                    let mut lines = Vec::new();
                    for p in pieces {
                        lines.extend(p.iter().map(|&b| b"ABCxyz019+/="[usize::from(b % 12)]));
                        lines.push(b'\n');
                    }
                    form.convert(&mut buf);
                    buf.extend_from_slice(&lines);
                    form.skip(&buf);
                    whole.extend_from_slice(&lines);
                } else {
                    let mut text = pieces.concat();
                    text.extend_from_slice(b"\r\n");
                    buf.extend_from_slice(&text);
                    whole.extend_from_slice(&text);
                }
            }
            let out = finish_entry(buf, form.done());
            proptest::prop_assert_eq!(&out[7..], &line_by_line(&whole)[..]);
        }
    }
}
