//! Progress of long CLI work, on stderr (stdout is a command's data): a bar with counts
//! and rate when stderr is a terminal, a plain line per step otherwise, and a summary
//! line either way. Off unless a command turns it on ([`enable`]); the server never
//! does, so library code may report progress unconditionally.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Bar,
    Lines,
}

static MODE: OnceLock<Mode> = OnceLock::new();

/// Turns progress on for this process: a bar when stderr is a terminal, lines otherwise.
pub fn enable() {
    let mode = if std::io::stderr().is_terminal() {
        Mode::Bar
    } else {
        Mode::Lines
    };
    let _ = MODE.set(mode);
}

/// One long task (`export`, `import`, ...): units counted, steps named.
pub struct Task {
    label: &'static str,
    unit: &'static str,
    mode: Option<Mode>,
    bar: Option<ProgressBar>,
    count: u64,
    started: Instant,
}

/// Starts a task counting `unit`s (`rows`, `events`); `total` when it is known.
pub fn task(label: &'static str, unit: &'static str, total: Option<u64>) -> Task {
    let mode = MODE.get().copied();
    let bar = (mode == Some(Mode::Bar)).then(|| {
        let bar = match total {
            Some(n) => ProgressBar::new(n),
            None => ProgressBar::new_spinner(),
        };
        let template = match total {
            Some(_) => "{prefix} [{bar:30}] {pos}/{len} {msg} ({per_sec}, {elapsed})",
            None => "{prefix} {spinner} {pos} {msg} ({per_sec}, {elapsed})",
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(label);
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    Task {
        label,
        unit,
        mode,
        bar,
        count: 0,
        started: Instant::now(),
    }
}

impl Task {
    /// `n` more units done.
    pub fn inc(&mut self, n: u64) {
        self.count += n;
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    /// A step begins (`Model`, `m2026..._registry`): the bar's message, or a line.
    pub fn step(&mut self, what: &str) {
        match (&self.bar, self.mode) {
            (Some(bar), _) => bar.set_message(what.to_owned()),
            (None, Some(Mode::Lines)) => {
                eprintln!(
                    "{}: {what} ({} {} so far)",
                    self.label, self.count, self.unit
                );
            }
            _ => {}
        }
    }

    /// Ends the task with its summary line (`export: 1234 rows in 1.2s, 1028/s`).
    pub fn finish(self) {
        self.finish_with("");
    }

    /// [`Task::finish`] with more said at the end of the line.
    pub fn finish_with(self, detail: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if self.mode.is_some() {
            let secs = self.started.elapsed().as_secs_f64();
            let rate = if secs > 0.0 {
                format!(", {:.0}/s", self.count as f64 / secs)
            } else {
                String::new()
            };
            eprintln!(
                "{}: {} {} in {secs:.1}s{rate}{detail}",
                self.label, self.count, self.unit
            );
        }
    }
}
