//! A step progress bar on the terminal (hidden when stderr is not a terminal or when disabled).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Import progress by step.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar of `steps` steps; drawn only when `visible` and stderr is a terminal.
    pub fn new(visible: bool, steps: u64) -> Self {
        let target = if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(Some(steps), target);
        if let Ok(style) = ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        Progress { bar }
    }

    /// Starts the next step.
    pub fn step(&self, message: &str) {
        if self.bar.message().is_empty() {
            self.bar.set_message(message.to_owned());
        } else {
            self.bar.inc(1);
            self.bar.set_message(message.to_owned());
        }
        tracing::info!(step = message, "import");
    }

    /// Completes the bar.
    pub fn finish(&self) {
        self.bar.finish_with_message("done");
    }
}
