//! `clean-news report OUTDIR`: a run's output → one self-contained HTML page (see
//! [`clean_news::report`]). Not to be confused with `report.rs`, which talks on stderr.

use std::io::Write;
use std::time::Instant;

use anyhow::Context;
use clean_news::output::AtomicFile;
use clean_news::report::{Report, RunOutput};

use super::Status;
use super::args::ReportArgs;
use super::messages::escape;

/// Reads the run, writes the page, says what it wrote.
pub(crate) fn run(args: &ReportArgs) -> anyhow::Result<Status> {
    let start = Instant::now();
    let output = args.output.clone().unwrap_or_else(|| args.run_dir.join("report.html"));
    let run = RunOutput::read(&args.run_dir)
        .with_context(|| format!("cannot read the run in {}", args.run_dir.display()))?;
    let report = Report::builder().build()?;
    let mut file = AtomicFile::create(&output)?;
    // A page derived from files that stay: renamed into place whole, not worth two fsyncs.
    file.sync_on_commit(false);
    let stats = report.write(&run, &mut file)?;
    file.commit()?;
    if !args.quiet {
        let line = format!(
            "wrote {}: {:.1} MB, {} documents, {} clusters of two or more; {:.2} s",
            output.display(),
            stats.bytes as f64 / 1e6,
            stats.documents,
            stats.clusters,
            start.elapsed().as_secs_f64()
        );
        let _ = writeln!(std::io::stderr().lock(), "{}", escape(&line));
    }
    Ok(Status::Success)
}
