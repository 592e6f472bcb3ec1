//! Progress display: bars on a terminal, plain log lines otherwise, nothing with `--quiet`.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use ost_extract::convert::Progress;

/// How progress is shown.
pub enum Display {
    /// Progress bars on the terminal (stderr).
    Bars {
        multi: MultiProgress,
        overall: ProgressBar,
        bars: Mutex<HashMap<String, (ProgressBar, u64)>>,
    },
    /// One line per input started and finished (logs, pipes, CI).
    Lines,
    /// Nothing.
    Quiet,
}

impl Display {
    /// Picks bars when stderr is a terminal; `total_bytes` is the size of all inputs.
    pub fn new(quiet: bool, total_bytes: u64) -> Self {
        if quiet {
            return Self::Quiet;
        }
        if !std::io::stderr().is_terminal() {
            return Self::Lines;
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let overall = multi.add(ProgressBar::new(total_bytes));
        overall.set_style(
            ProgressStyle::with_template(
                "{prefix:>12} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        overall.set_prefix("all inputs");
        Self::Bars {
            multi,
            overall,
            bars: Mutex::new(HashMap::new()),
        }
    }

    /// An input is finished (or skipped): its bar is cleared and its bytes counted.
    pub fn finished(&self, input: &str, summary: &str) {
        match self {
            Self::Bars {
                bars,
                overall,
                multi,
            } => {
                if let Ok(mut b) = bars.lock() {
                    if let Some((bar, _)) = b.remove(input) {
                        bar.finish_and_clear();
                        multi.remove(&bar);
                    }
                }
                let _ = multi.println(format!("done {input}: {summary}"));
                let _ = overall;
            }
            Self::Lines => eprintln!("done {input}: {summary}"),
            Self::Quiet => {}
        }
    }

    /// Adds `bytes` of input to the overall count (for skipped or failed inputs).
    pub fn add_bytes(&self, bytes: u64) {
        if let Self::Bars { overall, .. } = self {
            overall.inc(bytes);
        }
    }

    /// Clears the bars before the summary is printed.
    pub fn clear(&self) {
        if let Self::Bars { overall, .. } = self {
            overall.finish_and_clear();
        }
    }
}

/// Input sizes, so that per-item progress can be shown as bytes of input.
pub struct Reporter<'a> {
    pub display: &'a Display,
    pub sizes: HashMap<String, u64>,
    /// What is being done, for log lines ("converting", "uploading").
    pub verb: &'static str,
}

impl Progress for Reporter<'_> {
    fn started(&self, input: &str, items: u64) {
        match self.display {
            Display::Bars { multi, bars, .. } => {
                let bar = multi.add(ProgressBar::new(items));
                bar.set_style(
                    ProgressStyle::with_template(
                        "{prefix:>12} [{bar:30}] {pos}/{len} items, ETA {eta} {wide_msg}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                let short: String = input
                    .rsplit('/')
                    .next()
                    .unwrap_or(input)
                    .chars()
                    .take(12)
                    .collect();
                bar.set_prefix(short);
                let per_item = self.sizes.get(input).copied().unwrap_or(0) / items.max(1);
                if let Ok(mut b) = bars.lock() {
                    b.insert(input.to_owned(), (bar, per_item));
                }
            }
            Display::Lines => eprintln!("{} {input} ({items} items)", self.verb),
            Display::Quiet => {}
        }
    }

    fn stop_requested(&self) -> bool {
        crate::STOP.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn item(&self, input: &str) {
        if let Display::Bars { bars, overall, .. } = self.display {
            if let Ok(b) = bars.lock() {
                if let Some((bar, per_item)) = b.get(input) {
                    bar.inc(1);
                    overall.inc(*per_item);
                }
            }
        }
    }
}
