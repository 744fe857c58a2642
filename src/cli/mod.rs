//! The command-line shell: binary concerns only.
//!
//! `cli` translates flags into the library's builders ([`args`]), drives
//! [`BatchCleaner`](clean_news::pipeline::BatchCleaner) (one module per subcommand, such as
//! [`clean`]) and talks to the user on stderr ([`messages`]). Anything a library user could
//! want lives in the library; if a test needs the binary to check cleaning, the logic is in
//! the wrong place.
//!
//! Exit codes (`DESIGN.md`): 0 when all went well, 2 when any document failed or the run
//! could not start or finish (usage errors included), 130 when interrupted with Ctrl-C after
//! writing what was done. A closed stdout (`clean-news … | head`) is a quiet success.
//!
//! A path named on the command line that cannot be opened is a typing mistake, said at once
//! as `clean-news: PATH: REASON` (ripgrep's and the coreutils' form) before any output is
//! created, and the run does not start ([`openable_sources`]). Bad documents inside inputs
//! that open stay error records.

mod args;
mod clean;
mod completions;
mod eval;
mod html_report;
mod index;
mod man_page;
mod messages;
mod run;
mod sites;
mod text_output;

use std::io;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

pub(crate) use args::Cli;
use args::{Command, InputArgs};
use clean_news::input::{self, Source};
use clean_news::pipeline::Summary;

/// How a run ended, as far as the exit code is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Every document was cleaned: exit 0.
    Success,
    /// Something failed: exit 2.
    Failed,
    /// Ctrl-C: exit 130 (128 + SIGINT, as shells report it).
    Interrupted,
}

impl Status {
    fn of(summary: &Summary) -> Status {
        if summary.interrupted {
            Status::Interrupted
        } else if summary.failed > 0 {
            Status::Failed
        } else {
            Status::Success
        }
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Success => ExitCode::SUCCESS,
            Status::Failed => ExitCode::from(2),
            Status::Interrupted => ExitCode::from(130),
        }
    }
}

/// Runs a parsed command line.
///
/// # Errors
///
/// A fatal error: the run could not start (packs, flags, output folder) or writing failed.
pub(crate) fn run(cli: &Cli) -> anyhow::Result<Status> {
    let interrupted = interrupt_flag();
    match &cli.command {
        Command::Clean(args) => clean::run(args, &interrupted),
        Command::Run(args) => run::run(args, &interrupted),
        Command::Eval(args::EvalCommand::Clusters(args)) => eval::clusters(args),
        Command::Eval(args::EvalCommand::Extraction(args)) => eval::extraction(args),
        Command::Eval(args::EvalCommand::Pairs(args)) => eval::pairs(args),
        Command::Sites(args) => sites::run(args),
        Command::Index(command) => index::run(command),
        Command::Report(args) => html_report::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man_page::run(args),
    }
}

/// The sources named, or `None` when a path named on the command line cannot be opened (a
/// source, or a file a flag names, such as `--pack`): each is then said on stderr, also with
/// `--quiet`, since the run does not start and this is its fatal error.
fn openable_sources(input: &InputArgs, files: &[&Path]) -> Option<Vec<Source>> {
    let sources = input.sources();
    let files: Vec<Source> = files.iter().map(|file| Source::Path(file.to_path_buf())).collect();
    let unopenable = input::unopenable(&[sources.as_slice(), &files].concat());
    for bad in &unopenable {
        messages::unopenable(&bad.path, &bad.error);
    }
    unopenable.is_empty().then_some(sources)
}

/// A flag set by the first Ctrl-C; a second Ctrl-C exits at once with 130.
///
/// `std` cannot install a signal handler and the crate forbids `unsafe`, so this uses
/// `signal-hook`. If the handler cannot be installed, Ctrl-C keeps its default effect
/// (the run ends without flushing; output files stay under their temporary names).
fn interrupt_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let sigint = signal_hook::consts::SIGINT;
    // Registered first, so it sees the flag as the previous Ctrl-C left it.
    let installed =
        signal_hook::flag::register_conditional_shutdown(sigint, 130, Arc::clone(&flag))
            .and_then(|_| signal_hook::flag::register(sigint, Arc::clone(&flag)));
    if let Err(err) = installed {
        messages::warning(&format!("cannot handle Ctrl-C: {err}"));
    }
    flag
}

/// Whether an error is a closed pipe on output: the reader has what it wanted.
pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Prints a fatal error with its causes on stderr.
pub(crate) fn report_fatal(err: &anyhow::Error) {
    messages::fatal(err);
}
