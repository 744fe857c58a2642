//! The `clean-news` binary: a thin shell over the library.
//!
//! Parsing, output and progress live in `cli`; this file only turns the outcome into an exit
//! code (see `cli` for the codes).

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// The binary's allocator; why, and what it costs in memory, is measured beside the
/// dependency in `Cargo.toml`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(err) => {
            // `--help` and `--version` go to stdout and succeed; usage errors exit 2, like
            // every other failure (clap's own code for them is 2 as well).
            let _ = err.print();
            return if err.use_stderr() { cli::Status::Failed.into() } else { ExitCode::SUCCESS };
        }
    };
    match cli::run(&args) {
        Ok(status) => status.into(),
        // A closed stdout (`clean-news clean … | head`) means the reader has what it wanted:
        // not an error, and nothing to say (ripgrep's rule).
        Err(err) if cli::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            cli::report_fatal(&err);
            cli::Status::Failed.into()
        }
    }
}
