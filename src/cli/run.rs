//! `clean-news run`: flags → batch cleaner, deduplicator and run configuration; the summary →
//! stderr and the exit status. The paths named (inputs, packs, saved site profiles) are
//! checked before the output folder is created (`super::openable_sources`).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use clean_news::dedup::{DedupConfig, Deduper};
use clean_news::pipeline::BatchCleaner;
use clean_news::pipeline::run::{self, RunConfig, StepHook};
use clean_news::story::StoryConfig;

use super::Status;
use super::args::RunArgs;
use super::messages::StderrMessages;

/// Runs the main job.
pub(crate) fn run(args: &RunArgs, interrupted: &AtomicBool) -> anyhow::Result<Status> {
    // Before anything is built or `run::run` creates the output folder and the index.
    let mut files: Vec<&Path> = args.cleaner.packs.iter().map(PathBuf::as_path).collect();
    files.extend(args.site_profiles.as_deref());
    let Some(sources) = super::openable_sources(&args.input, &files) else {
        return Ok(Status::Failed);
    };
    let batch = BatchCleaner::builder()
        .cleaner(args.cleaner.cleaner()?)
        .reader(args.input.reader()?)
        .threads(args.threads)
        .build()?;
    let mut dedup = DedupConfig::default();
    if let Some(hours) = args.window_hours {
        dedup.window_hours = hours;
    }
    let deduper = Deduper::builder().config(dedup).build()?;
    let mut config = RunConfig::new(&args.output);
    if args.no_index {
        config.index = None;
    } else if let Some(index) = &args.index {
        config.index = Some(index.clone());
    }
    config.site_profiles.clone_from(&args.site_profiles);
    config.learn_templates = !args.no_templates;
    config.parquet = args.parquet;
    config.memory = args.memory;
    if args.stories {
        let mut stories = StoryConfig::default();
        if let Some(score) = args.story_min_score {
            stories.min_score = score;
        }
        config.stories = Some(stories);
    }
    if args.timings {
        let start = Instant::now();
        config.on_step = Some(StepHook::new(move |step| {
            super::messages::step_timing(&format!("{step:?}"), start.elapsed());
        }));
    }

    let messages = StderrMessages::new(args.quiet);
    let start = Instant::now();
    let summary = run::run(&batch, &deduper, sources, &config, Some(interrupted))?;
    messages.run_finished(&summary, start.elapsed());
    if summary.interrupted && !args.quiet {
        super::messages::warning(&format!(
            "the run was interrupted, so nothing was written: {} and its index are as the last \
             run left them",
            args.output.display()
        ));
    }
    Ok(if summary.interrupted {
        Status::Interrupted
    } else if summary.failed > 0 {
        Status::Failed
    } else {
        Status::Success
    })
}
