//! `clean-news completions SHELL`: the shell's completion script, written by `clap_complete`
//! from the same definitions the parser uses, so it never lags behind a new flag.
//!
//! The script is built in memory and then written, so a closed stdout is an error the caller
//! sees (and `main` takes as a quiet success) rather than a panic inside the generator.

use std::io::{self, Write};

use clap::CommandFactory;

use super::Status;
use super::args::{Cli, CompletionsArgs};

/// Prints the completion script for the shell asked for.
pub(crate) fn run(args: &CompletionsArgs) -> anyhow::Result<Status> {
    let script = script(args.shell);
    io::stdout().lock().write_all(&script)?;
    Ok(Status::Success)
}

/// The completion script of `clean-news` for `shell`.
fn script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "clean-news", &mut script);
    script
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bash_completion_offers_the_format_values() {
        let script = String::from_utf8(script(clap_complete::Shell::Bash)).unwrap();
        assert!(script.contains("auto jsonl txt html warc"), "{script}");
    }
}
