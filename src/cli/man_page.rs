//! `clean-news man [SUBCOMMAND]…`: a manual page in roff, written by `clap_mangen` from the
//! same definitions as `--help`, so the page and the flags cannot disagree.
//!
//! One page per command, as git and cargo ship them: `clean-news man` is clean-news(1), whose
//! SUBCOMMANDS section names clean-news-clean(1) and the others; `clean-news man clean`
//! prints that page. Printing (rather than writing files) lets a user read a page at once
//! (`clean-news man | man -l -`) and a packager put it wherever the system keeps pages.

use std::io::{self, Write};

use anyhow::bail;
use clap::CommandFactory;

use super::Status;
use super::args::{Cli, ManArgs};

/// Prints the page asked for.
pub(crate) fn run(args: &ManArgs) -> anyhow::Result<Status> {
    let page = page(&args.subcommand)?;
    io::stdout().lock().write_all(&page)?;
    Ok(Status::Success)
}

/// The roff page of `clean-news` or of the subcommand at `path` (`["eval", "clusters"]`).
fn page(path: &[String]) -> anyhow::Result<Vec<u8>> {
    // As clap_mangen's own generator does: `help` is no page of its own.
    let mut command = Cli::command().disable_help_subcommand(true);
    // Gives every subcommand its display name (`clean-news-eval-clusters`), the page's title.
    command.build();
    for (depth, name) in path.iter().enumerate() {
        let Some(sub) = command.find_subcommand(name).cloned() else {
            let parent = std::iter::once("clean-news")
                .chain(path.iter().take(depth).map(String::as_str))
                .collect::<Vec<_>>()
                .join(" ");
            bail!("`{parent}` has no subcommand `{name}`");
        };
        command = sub;
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(command).render(&mut page)?;
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nested_subcommand_has_its_own_page() {
        let page = page(&["index".into(), "check".into()]).unwrap();
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains(".TH clean-news-index-check 1"), "{page}");
    }

    #[test]
    fn an_unknown_subcommand_is_named_with_its_parent() {
        let err = page(&["eval".into(), "nope".into()]).unwrap_err();
        assert_eq!(err.to_string(), "`clean-news eval` has no subcommand `nope`");
    }
}
