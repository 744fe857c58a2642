//! The command line, declared with `clap` derive: every flag has a one-line help (`-h`) and a
//! long help with an example (`--help`).
//!
//! Flags that more than one subcommand needs live in small `Args` groups ([`InputArgs`],
//! [`CleanerArgs`]) that subcommands `#[command(flatten)]`, and each group turns itself into
//! the library's builder, so `run`, `dedup` and friends read input and build cleaners exactly
//! as `clean` does.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use clean_news::Cleaner;
use clean_news::input::{self, InputFormat, Reader, Source};

/// Printed after the top-level `--help`. The examples are run by `tests/cli.rs`.
const EXAMPLES_AND_EXIT_CODES: &str = "\
EXAMPLES:
  Clean a folder of scraped pages into one JSON Lines file:
    clean-news clean crawl/ -o clean.jsonl

  Clean a compressed dump on 4 threads, error records in their own file:
    clean-news clean dump.jsonl.gz -o clean.jsonl --errors errors.jsonl --threads 4

  Write each article of a WARC archive as a text file:
    clean-news clean pages.warc.gz --text-dir articles/

  Clean JSON Lines coming from another program:
    zcat dump.jsonl.gz | clean-news clean - > clean.jsonl

  Print the articles of a WARC archive as text (a page piped from curl: `-`):
    clean-news clean pages.warc.gz --to text

  Install shell completions and the man page:
    clean-news completions bash > ~/.local/share/bash-completion/completions/clean-news
    clean-news man > ~/.local/share/man/man1/clean-news.1

EXIT CODES:
  0    all went well
  2    a document failed (see its error record), or the run could not start or
       finish (bad flags, packs or output)
  130  interrupted (Ctrl-C): what was done before is written out
";

/// Printed after `clean --help`.
const CLEAN_EXAMPLES: &str = "\
EXAMPLES:
  clean-news clean crawl/ -o clean.jsonl
  clean-news clean dump.jsonl.gz -o clean.jsonl --errors errors.jsonl --threads 4
  clean-news clean pages.warc.gz --text-dir articles/
  zcat dump.jsonl.gz | clean-news clean - > clean.jsonl
  curl -s https://example.com/news/story | clean-news clean - --to text
  clean-news clean page.php --format html --to text

OUTPUT:
  One JSON object per line, in input order: {\"id\",\"title\",\"text\",\"meta\",\"removed\"}
  for each cleaned document and {\"type\":\"error\",\"path\",\"id\",\"error\"} for each
  document that could not be read (unless --errors sends those elsewhere). Output is
  byte-identical for any --threads.

  With --to text: the title, a blank line and the text of each document. A single
  document is printed alone; with more, each starts with a line `==> ID <==` (as
  `head` prints file names) and a blank line separates them. Errors are not printed
  among the articles: see --errors.

EXIT CODES:
  0 all went well; 2 a document failed, or a fatal error; 130 interrupted.
";

/// Turn scraped news into clean articles.
///
/// clean-news removes boilerplate (headers, menus, share prompts, copyright lines, related
/// stories) from scraped news pages in many languages and writes clean text with metadata.
#[derive(Debug, Parser)]
#[command(
    name = "clean-news",
    version,
    propagate_version = true,
    after_help = "See `clean-news --help` for examples and exit codes.",
    after_long_help = EXAMPLES_AND_EXIT_CODES
)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands. New ones (`run`, `dedup`, `eval`, `sites`) are added here, with their
/// `Args` struct and a module beside `clean.rs`, and dispatched in `cli::run`.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Clean documents from files, folders or stdin and write JSON Lines or text.
    ///
    /// Reads .txt, .html, .jsonl/.ndjson and .warc files (each optionally .gz or .zst),
    /// folders of them (walked in sorted order) and stdin (`-`: JSON Lines, WARC, or one
    /// HTML or text page, told by its first bytes). Every document becomes one cleaned record
    /// or one error record; a bad document never stops the run. A path that cannot be opened
    /// stops the run before anything is written.
    ///
    /// An id read twice: with the same text it is one document, written once (counted as
    /// repeated); with another text it is a new version, written as ID#2, ID#3, … with a note.
    #[command(after_long_help = CLEAN_EXAMPLES)]
    Clean(CleanArgs),

    /// The main job: clean, learn each site's template, cluster reposts, remember them.
    ///
    /// Writes OUTDIR/documents.jsonl (every document with its cluster), clusters.jsonl (the
    /// clusters of two or more that this run made or grew), errors.jsonl, summary.json and
    /// site-profiles.json, and keeps an index at OUTDIR/index.redb so that the next run's
    /// reposts join today's clusters.
    ///
    /// An id read twice, in this input or already in the index: with the same text it is one
    /// document (written once; seen before, if the index has it); with another text it is a
    /// new version, written as ID#2, ID#3, … with a note. Nothing is dropped.
    #[command(after_long_help = RUN_EXAMPLES)]
    Run(RunArgs),

    /// Score a prediction against a labelled set (clusters or extraction).
    #[command(subcommand)]
    Eval(EvalCommand),

    /// Show the site templates saved by `run` (site-profiles.json).
    Sites(SitesArgs),

    /// Look after a run's index: counts, checking, pruning.
    #[command(subcommand)]
    Index(IndexCommand),

    /// Build one self-contained HTML page from a run's output: what was removed, what merged.
    ///
    /// Reads OUTDIR/summary.json, documents.jsonl, clusters.jsonl and errors.jsonl and
    /// writes a page that opens offline in any browser (no server, no network): an overview
    /// with charts, the clusters with each copy's word diff against the canonical story,
    /// and every document with its removed lines struck through.
    #[command(after_long_help = REPORT_EXAMPLES)]
    Report(ReportArgs),

    /// Print a completion script for a shell (bash, zsh, fish, powershell, elvish).
    ///
    /// The script is written from the same definitions as the parser, so it knows every
    /// subcommand and flag of this version. Load it where the shell looks for completions.
    #[command(after_long_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),

    /// Print the manual page (roff) of clean-news or of one of its subcommands.
    ///
    /// The page is written from the same definitions as --help. `clean-news man` is
    /// clean-news(1), listing the subcommands; `clean-news man clean` is clean-news-clean(1).
    #[command(after_long_help = MAN_EXAMPLES)]
    Man(ManArgs),
}

/// Printed after `completions --help`.
const COMPLETIONS_EXAMPLES: &str = "\
EXAMPLES:
  clean-news completions bash > ~/.local/share/bash-completion/completions/clean-news
  clean-news completions zsh > ~/.zfunc/_clean-news      # with fpath+=~/.zfunc in .zshrc
  clean-news completions fish > ~/.config/fish/completions/clean-news.fish
  clean-news completions powershell >> $PROFILE
";

/// Printed after `man --help`.
const MAN_EXAMPLES: &str = "\
EXAMPLES:
  clean-news man | man -l -                            # read it now
  clean-news man > ~/.local/share/man/man1/clean-news.1
  for c in clean run eval sites index report completions man; do
    clean-news man $c > ~/.local/share/man/man1/clean-news-$c.1; done
";

/// `clean-news completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    ///
    ///     clean-news completions zsh > ~/.zfunc/_clean-news
    #[arg(value_name = "SHELL")]
    pub(crate) shell: clap_complete::Shell,
}

/// `clean-news man`.
#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// The subcommand whose page to print (none: the page of clean-news itself).
    ///
    ///     clean-news man eval clusters > clean-news-eval-clusters.1
    #[arg(value_name = "SUBCOMMAND")]
    pub(crate) subcommand: Vec<String>,
}

/// Printed after `report --help`.
const REPORT_EXAMPLES: &str = "\
EXAMPLES:
  clean-news run corpora/run/pages -o target/demo
  clean-news report target/demo                       # writes target/demo/report.html
  clean-news report out/day1 -o day1.html

EXIT CODES:
  0 the page was written; 2 the run's output could not be read or the page not written.
";

/// `clean-news report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The output folder of a `clean-news run`.
    ///
    ///     clean-news report out/day1
    #[arg(value_name = "OUTDIR")]
    pub(crate) run_dir: PathBuf,

    /// Write the page to FILE instead of OUTDIR/report.html.
    ///
    /// The file is written under a temporary name and renamed when complete.
    ///
    ///     clean-news report out/day1 -o day1.html
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    /// Print nothing on stderr but fatal errors.
    ///
    ///     clean-news report out/day1 --quiet
    #[arg(short = 'q', long = "quiet")]
    pub(crate) quiet: bool,
}

/// Printed after `run --help`.
const RUN_EXAMPLES: &str = "\
EXAMPLES:
  clean-news run corpora/run/pages -o target/demo
  clean-news run today/ -o out/ --window 7d          # reposts within a week of each other
  clean-news run today/ -o out/ --no-index            # forget everything after this run
  clean-news run dump.jsonl.gz -o out/ --site-profiles last/site-profiles.json
  curl -s https://example.com/news/story | clean-news run - -o out/   # one page, remembered

OUTPUT:
  OUTDIR/documents.jsonl  {\"id\",\"title\",\"text\",\"meta\",\"removed\",\"cluster\"[,\"story\"],\"canonical\"[,\"seen_before\"]}
  OUTDIR/clusters.jsonl   {\"cluster\",\"canonical\",\"members\":[{\"id\",\"jaccard\",\"containment\",\"found_by\"}]}
  OUTDIR/stories.jsonl    with --stories: {\"story\",\"clusters\",\"joins\":[{\"clusters\",\"documents\",\"score\",\"names\",\"words\",\"numbers\",…}]}
  OUTDIR/summary.json     counts: read, cleaned, failed, repeated, clusters, duplicates, removals
  Byte-identical for any --threads.

EXIT CODES:
  0 all went well; 2 a document failed, or a fatal error; 130 interrupted.
";

/// `clean-news run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,

    /// The output folder (created if missing).
    ///
    /// Every file in it is written under a temporary name and renamed when complete.
    ///
    ///     clean-news run crawl/ -o out/
    #[arg(
        short = 'o',
        long = "output",
        value_name = "OUTDIR",
        required = true,
        help_heading = "Output"
    )]
    pub(crate) output: PathBuf,

    /// Also write OUTDIR/documents.parquet: the records of documents.jsonl as a table.
    ///
    /// `meta` is a struct column and `removed` a list of structs, as in the JSON.
    ///
    ///     clean-news run crawl.parquet -o out/ --parquet
    #[arg(long = "parquet", help_heading = "Output")]
    pub(crate) parquet: bool,

    /// Keep the index at PATH instead of OUTDIR/index.redb.
    ///
    /// One run at a time may use an index; a second gets a clear "in use" error.
    ///
    ///     clean-news run today/ -o out/today --index archive/index.redb
    #[arg(
        long = "index",
        value_name = "PATH",
        conflicts_with = "no_index",
        help_heading = "Memory"
    )]
    pub(crate) index: Option<PathBuf>,

    /// Use no index: cluster this input alone and remember nothing.
    ///
    ///     clean-news run today/ -o out/ --no-index
    #[arg(long = "no-index", help_heading = "Memory")]
    pub(crate) no_index: bool,

    /// Start from site profiles saved by an earlier run.
    ///
    /// Sites this batch learns anew take their new profile; the others keep the saved one.
    ///
    ///     clean-news run today/ -o out/ --site-profiles yesterday/site-profiles.json
    #[arg(long = "site-profiles", value_name = "PATH", help_heading = "Memory")]
    pub(crate) site_profiles: Option<PathBuf>,

    /// Do not learn or remove site templates (rules still apply).
    ///
    ///     clean-news run today/ -o out/ --no-templates
    #[arg(long = "no-templates", help_heading = "Cleaning")]
    pub(crate) no_templates: bool,

    /// Only link documents published within this time of each other (e.g. 36h, 7d).
    ///
    /// Documents without a publication time are linked whatever their time.
    ///
    ///     clean-news run today/ -o out/ --window 7d
    #[arg(long = "window", value_name = "DURATION", value_parser = parse_hours, help_heading = "Clustering")]
    pub(crate) window_hours: Option<u32>,

    /// Also group repost clusters into stories: rewrites of one event by other outlets.
    ///
    /// Every record of documents.jsonl gets a `story` (a document alone is a story of its
    /// own, named as its cluster), and OUTDIR/stories.jsonl lists each story of two clusters
    /// or more with what joined them: the shared names, words and numbers and the score.
    /// Off by default: it favours precision (about 0.95) over recall.
    ///
    ///     clean-news run today/ -o out/ --stories
    #[arg(long = "stories", help_heading = "Clustering")]
    pub(crate) stories: bool,

    /// The score two documents need to be one story (default 1.6; from 0 to 4).
    ///
    /// Lower finds more rewrites and merges more different events: on labelled pairs, 1.6
    /// gave precision 0.95 at recall 0.17, and 1.0 precision 0.90 at recall 0.42.
    ///
    ///     clean-news run today/ -o out/ --stories --story-min-score 1.0
    #[arg(
        long = "story-min-score",
        value_name = "X",
        requires = "stories",
        value_parser = parse_story_score,
        help_heading = "Clustering"
    )]
    pub(crate) story_min_score: Option<f32>,

    #[command(flatten)]
    pub(crate) cleaner: CleanerArgs,

    /// Print nothing on stderr but fatal errors.
    ///
    ///     clean-news run crawl/ -o out/ --quiet
    #[arg(short = 'q', long = "quiet", help_heading = "Output")]
    pub(crate) quiet: bool,

    /// Print each step of the run on stderr as it ends, with the seconds since the start and
    /// the process's peak memory so far: where a big run spends its time and memory.
    ///
    ///     clean-news run crawl/ -o out/ --timings
    #[arg(long = "timings", help_heading = "Output")]
    pub(crate) timings: bool,

    /// Run on N threads (0: one per CPU). Output is byte-identical for any N.
    ///
    ///     clean-news run crawl/ -o out/ --threads 4
    #[arg(
        short = 'j',
        long = "threads",
        value_name = "N",
        default_value_t = 0,
        help_heading = "Run"
    )]
    pub(crate) threads: usize,

    /// The memory the run may use (K, M, G); default: a quarter of this machine's.
    ///
    /// Cleaned records wait on disk (hidden files in OUTDIR) between the run's passes, so
    /// what grows with the input is only each document's signature and cluster record, a
    /// few KiB. A batch that would need more stops with an error saying so, before anything
    /// is switched into place: split it, or give more.
    ///
    ///     clean-news run crawl/ -o out/ --memory 2G
    #[arg(long = "memory", value_name = "BYTES", value_parser = parse_bytes, help_heading = "Run")]
    pub(crate) memory: Option<u64>,
}

/// `clean-news eval …`.
#[derive(Debug, Subcommand)]
pub(crate) enum EvalCommand {
    /// Score clusters (documents.jsonl or clusters.jsonl) against a gold set.
    ///
    /// Prints pairwise precision/recall/F1, ARI, B-cubed, hard negatives merged and recall
    /// per transform, exactly as the reference scorer score_clusters.py does.
    Clusters(EvalClustersArgs),
    /// Extract and clean a labelled HTML set and score it (trafilatura-eval or DAnIEL).
    Extraction(EvalExtractionArgs),
    /// Score stories (or clusters) against labelled same-story pairs.
    ///
    /// Prints same-story pairs grouped (recall), different-story pairs grouped (false
    /// merges), precision and F1, exactly as the reference scorer score_pairs.py does.
    Pairs(EvalPairsArgs),
}

/// `clean-news eval pairs`.
#[derive(Debug, Args)]
pub(crate) struct EvalPairsArgs {
    /// The labelled pairs: JSON Lines {"a","b","same","lang"}.
    ///
    ///     clean-news eval pairs --gold data/rewrites-dev/pairs.jsonl out/
    #[arg(long = "gold", value_name = "PAIRS")]
    pub(crate) gold: PathBuf,

    /// A run's output folder, or its documents.jsonl.
    ///
    ///     clean-news eval pairs --gold data/rewrites-dev/pairs.jsonl out/documents.jsonl
    #[arg(value_name = "OUTDIR")]
    pub(crate) prediction: PathBuf,

    /// Only the pairs of this language (their "lang" field).
    ///
    ///     clean-news eval pairs --gold data/rewrites-dev/pairs.jsonl out/ --lang de
    #[arg(long = "lang", value_name = "LANG")]
    pub(crate) lang: Option<String>,

    /// Group by this field of the records; default: story where the records have it, else
    /// cluster.
    ///
    ///     clean-news eval pairs --gold data/rewrites-dev/pairs.jsonl out/ --field cluster
    #[arg(long = "field", value_name = "FIELD")]
    pub(crate) field: Option<String>,

    /// Also print the figures as one JSON object, first.
    ///
    ///     clean-news eval pairs --gold data/rewrites-dev/pairs.jsonl out/ --json
    #[arg(long = "json")]
    pub(crate) json: bool,
}

/// `clean-news eval clusters`.
#[derive(Debug, Args)]
pub(crate) struct EvalClustersArgs {
    /// The gold folder: gold.jsonl and, optionally, hard_negatives.jsonl.
    ///
    ///     clean-news eval clusters --gold data/bbc-repost-dev out/documents.jsonl
    #[arg(long = "gold", value_name = "DIR")]
    pub(crate) gold: PathBuf,

    /// The prediction: documents.jsonl, clusters.jsonl, or a run's output folder.
    ///
    ///     clean-news eval clusters --gold data/bbc-repost-dev out/
    #[arg(value_name = "PRED")]
    pub(crate) prediction: PathBuf,

    /// Print the figures as one JSON object.
    ///
    ///     clean-news eval clusters --gold data/bbc-repost-dev out/ --json
    #[arg(long = "json")]
    pub(crate) json: bool,

    /// Exit 2 unless ARI >= 0.97, pair precision >= 0.995, at most 10 same-site teaser and
    /// 1 related-story pairs merged (the dev-set floors).
    ///
    ///     clean-news eval clusters --gold data/bbc-repost-dev out/ --check
    #[arg(long = "check")]
    pub(crate) check: bool,
}

/// `clean-news eval extraction`.
#[derive(Debug, Args)]
pub(crate) struct EvalExtractionArgs {
    /// The set's kind: trafilatura-eval or daniel.
    ///
    ///     clean-news eval extraction daniel target/eval-data
    #[arg(value_name = "SET")]
    pub(crate) set: String,

    /// The unpacked set (the folder holding evaldata.json or meta.json, or its parent).
    ///
    ///     clean-news eval extraction trafilatura-eval target/eval-data
    #[arg(value_name = "DATA_DIR")]
    pub(crate) dir: PathBuf,

    /// Only pages of this language (DAnIEL).
    ///
    ///     clean-news eval extraction daniel target/eval-data --lang ru
    #[arg(long = "lang", value_name = "LANG")]
    pub(crate) lang: Option<String>,

    /// Also write the predictions as JSON Lines {"id","text"} (for the reference scorer).
    ///
    ///     clean-news eval extraction daniel target/eval-data --out pred.jsonl
    #[arg(long = "out", value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
}

/// `clean-news sites`.
#[derive(Debug, Args)]
pub(crate) struct SitesArgs {
    /// A site-profiles.json written by `run`, or the run's output folder.
    ///
    ///     clean-news sites out/site-profiles.json
    #[arg(value_name = "PROFILES")]
    pub(crate) profiles: PathBuf,
}

/// `clean-news index …`.
#[derive(Debug, Subcommand)]
pub(crate) enum IndexCommand {
    /// Print the index's counts as JSON (reads only: the file is never changed).
    Stats(IndexPathArgs),
    /// Check that the index is whole: redb's page checksums, the format version and
    /// configuration, and that its tables agree with each other.
    ///
    /// Reads only. Prints `INDEX: whole (…)` and exits 0, or `INDEX: damaged` with one line
    /// per problem and exits 2. A damaged index cannot be repaired in place: delete it and
    /// rerun; the next run starts a new index.
    ///
    ///     clean-news index check out/index.redb
    Check(IndexPathArgs),
    /// Forget documents published longer ago than a duration (e.g. 90d).
    Prune(IndexPruneArgs),
}

/// An index file.
#[derive(Debug, Args)]
pub(crate) struct IndexPathArgs {
    /// The index file (OUTDIR/index.redb of a run).
    ///
    ///     clean-news index stats out/index.redb
    #[arg(value_name = "INDEX")]
    pub(crate) index: PathBuf,
}

/// `clean-news index prune`.
#[derive(Debug, Args)]
pub(crate) struct IndexPruneArgs {
    /// The index file (OUTDIR/index.redb of a run).
    ///
    ///     clean-news index prune out/index.redb --older-than 90d
    #[arg(value_name = "INDEX")]
    pub(crate) index: PathBuf,

    /// Forget documents published more than this before the newest one (e.g. 90d, 12h).
    ///
    ///     clean-news index prune out/index.redb --older-than 90d
    #[arg(long = "older-than", value_name = "DURATION", value_parser = parse_hours)]
    pub(crate) older_than_hours: u32,
}

/// Parses a duration in hours: `36h`, `7d`, `2w`, or a bare number of hours.
pub(crate) fn parse_hours(text: &str) -> Result<u32, String> {
    let text = text.trim();
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u32 = number.parse().map_err(|_| format!("`{text}` is not a duration"))?;
    let hours: u32 = match unit.trim() {
        "" | "h" => 1,
        "d" => 24,
        "w" => 24 * 7,
        other => return Err(format!("unknown unit `{other}` (use h, d or w)")),
    };
    let total = number.checked_mul(hours).ok_or_else(|| format!("`{text}` is too long"))?;
    if total == 0 {
        return Err("must be at least one hour".into());
    }
    Ok(total)
}

/// A story score for `--story-min-score`: a finite number from 0 to 4 (the verifier's range).
pub(crate) fn parse_story_score(text: &str) -> Result<f32, String> {
    let score: f32 = text.trim().parse().map_err(|_| format!("`{text}` is not a number"))?;
    if !(0.0..=4.0).contains(&score) {
        return Err(format!("`{text}` is out of range (the score runs from 0 to 4)"));
    }
    Ok(score)
}

/// `clean-news clean`.
#[derive(Debug, Args)]
pub(crate) struct CleanArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,

    /// Write the output to FILE instead of stdout (`-` for stdout).
    ///
    /// The file is written under a temporary name in the same folder and renamed when the
    /// run ends, so it never exists half-written. Without -o, records go to stdout unless
    /// --text-dir is given.
    ///
    ///     clean-news clean crawl/ -o clean.jsonl
    #[arg(short = 'o', long = "output", value_name = "FILE", help_heading = "Output")]
    pub(crate) output: Option<PathBuf>,

    /// Write JSON Lines records (jsonl) or the articles as text (text).
    ///
    /// text: the title, a blank line and the text of each document. A single document is
    /// printed alone, as a page's article; with more, each starts with a header line
    /// `==> ID <==` (control characters in the id escaped) and a blank line separates
    /// them. Error records are not printed among the articles: they go to --errors, and a
    /// line on stderr says each.
    ///
    ///     curl -s https://example.com/news/story | clean-news clean - --to text
    #[arg(
        long = "to",
        value_name = "FORMAT",
        value_enum,
        default_value_t = OutputFormat::Jsonl,
        help_heading = "Output"
    )]
    pub(crate) to: OutputFormat,

    /// Write error records to FILE instead of among the documents.
    ///
    /// Each document that cannot be read becomes {"type":"error","path","id","error"}. By
    /// default these go to the same output as the cleaned documents, in input order; with
    /// --errors they go to FILE (`-` for stdout) and the main output holds documents only.
    /// Either way a one-line message goes to stderr unless --quiet.
    ///
    ///     clean-news clean dump.jsonl -o clean.jsonl --errors errors.jsonl
    #[arg(long = "errors", value_name = "FILE", help_heading = "Output")]
    pub(crate) errors: Option<PathBuf>,

    /// Also write each cleaned document as a .txt file under DIR.
    ///
    /// The file's path mirrors the document id (a path, a URL, a record id), made safe: no
    /// `..`, no absolute paths, no reserved characters, always ending in .txt. A file holds
    /// the title, a blank line and the text. With --text-dir and no -o, no JSON Lines are
    /// written (use `-o -` to get them on stdout too).
    ///
    ///     clean-news clean pages.warc.gz --text-dir articles/
    #[arg(long = "text-dir", value_name = "DIR", help_heading = "Output")]
    pub(crate) text_dir: Option<PathBuf>,

    /// Print nothing on stderr but fatal errors.
    ///
    /// Hides the progress bar, warnings, per-document error lines and the summary. Error
    /// records are still written and the exit code still says whether anything failed.
    ///
    ///     clean-news clean crawl/ -o clean.jsonl --quiet || echo "some pages failed"
    #[arg(short = 'q', long = "quiet", help_heading = "Output")]
    pub(crate) quiet: bool,

    #[command(flatten)]
    pub(crate) cleaner: CleanerArgs,

    /// Clean on N threads (0: one per CPU).
    ///
    /// Output is byte-identical for any N. Reading runs beside the cleaning threads.
    ///
    ///     clean-news clean crawl/ -o clean.jsonl --threads 4
    #[arg(
        short = 'j',
        long = "threads",
        value_name = "N",
        default_value_t = 0,
        help_heading = "Run"
    )]
    pub(crate) threads: usize,
}

/// Where documents come from and the limits that keep hostile input harmless.
#[derive(Debug, Args)]
pub(crate) struct InputArgs {
    /// Files, folders, or `-` for stdin.
    ///
    /// Formats by extension: .txt, .html/.htm, .jsonl/.ndjson (one {"id","url","site",
    /// "published","title","text"|"html"} per line), .warc (response and resource
    /// records); each may end in .gz or .zst. Folders are walked in sorted order; files of
    /// other types in them are skipped, and so are hidden ones (see --hidden). Stdin is
    /// read as its first bytes show (see --format); a page read from it has the id `-`.
    /// A path that cannot be opened is said on stderr and nothing is written (exit 2).
    ///
    ///     clean-news clean crawl/ extra/page.html dump.jsonl.zst -
    #[arg(value_name = "INPUT", required = true, help_heading = "Input")]
    pub(crate) inputs: Vec<PathBuf>,

    /// Read stdin and the files named as this format (auto: by extension and content).
    ///
    /// auto reads files by their extension and sniffs stdin: JSON Lines when it starts
    /// with `{`, WARC with `WARC/`, HTML when it starts with markup (`<!doctype`, `<html`,
    /// `<div`, `<p`, … after comments), else one text page. A named format applies to stdin
    /// and to the files named on the command line whatever their extension (the
    /// compression still comes from .gz or .zst); files inside folders keep being chosen by
    /// extension.
    ///
    ///     clean-news clean saved/index.php --format html
    #[arg(
        long = "format",
        value_name = "FORMAT",
        value_enum,
        default_value_t = FormatArg::Auto,
        help_heading = "Input"
    )]
    pub(crate) format: FormatArg,

    /// Fail documents larger than this.
    ///
    /// A larger document becomes an error record instead of being read into memory. For
    /// JSON Lines the limit applies to the whole line. Accepts a number of bytes or a number
    /// with K, M or G (powers of 1024: 512K, 16MiB, 1G).
    ///
    ///     clean-news clean dump.jsonl --max-doc-bytes 4MiB
    #[arg(
        long = "max-doc-bytes",
        value_name = "BYTES",
        default_value = "16MiB",
        value_parser = parse_bytes,
        help_heading = "Input"
    )]
    pub(crate) max_doc_bytes: u64,

    /// Fail a compressed file once it expands beyond RATIO times its size.
    ///
    /// A guard against decompression bombs: a .gz or .zst file may expand to
    /// max(RATIO × its size, --max-doc-bytes). Raise it for genuine, extremely repetitive
    /// dumps.
    ///
    ///     clean-news clean dump.jsonl.zst --max-expansion 1000
    #[arg(
        long = "max-expansion",
        value_name = "RATIO",
        default_value_t = input::DEFAULT_MAX_EXPANSION_RATIO,
        value_parser = clap::value_parser!(u64).range(1..),
        help_heading = "Input"
    )]
    pub(crate) max_expansion: u64,

    /// Also read hidden files and folders (names starting with `.`) inside folders.
    ///
    /// Files given directly are always read.
    ///
    ///     clean-news clean crawl/ --hidden -o clean.jsonl
    #[arg(long = "hidden", help_heading = "Input")]
    pub(crate) hidden: bool,
}

impl InputArgs {
    /// The reader these flags describe.
    pub(crate) fn reader(&self) -> anyhow::Result<Reader> {
        Ok(Reader::builder()
            .max_doc_bytes(self.max_doc_bytes)
            .max_expansion_ratio(self.max_expansion)
            .hidden(self.hidden)
            .format(self.format.into())
            .build()?)
    }

    /// The sources, in the order given.
    pub(crate) fn sources(&self) -> Vec<Source> {
        self.inputs.iter().map(|path| Source::from_arg(path.clone())).collect()
    }
}

/// `--format`: what stdin and the files named are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    /// By extension; stdin by its first bytes.
    Auto,
    /// JSON Lines.
    Jsonl,
    /// One plain text page.
    Txt,
    /// One HTML page.
    Html,
    /// WARC records.
    Warc,
}

impl From<FormatArg> for InputFormat {
    fn from(format: FormatArg) -> InputFormat {
        match format {
            FormatArg::Auto => InputFormat::Auto,
            FormatArg::Jsonl => InputFormat::JsonLines,
            FormatArg::Txt => InputFormat::Text,
            FormatArg::Html => InputFormat::Html,
            FormatArg::Warc => InputFormat::Warc,
        }
    }
}

/// `--to`: what `clean` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// One JSON record per line.
    Jsonl,
    /// The title and text of each document.
    Text,
}

/// How documents are cleaned.
#[derive(Debug, Args)]
pub(crate) struct CleanerArgs {
    /// Also load rules from a TOML pack file (repeatable).
    ///
    /// A pack is a list of [[rule]] tables (id, class, zone, action, phrases or pattern) in
    /// the same format as the built-in packs; use it for a site's own boilerplate.
    ///
    ///     clean-news clean crawl/ -o clean.jsonl --pack mysite.toml --pack extra.toml
    #[arg(long = "pack", value_name = "FILE", help_heading = "Cleaning")]
    pub(crate) packs: Vec<PathBuf>,
}

impl CleanerArgs {
    /// The cleaner these flags describe.
    pub(crate) fn cleaner(&self) -> anyhow::Result<Cleaner> {
        let mut builder = Cleaner::builder();
        for pack in &self.packs {
            builder.pack_file(pack);
        }
        builder.build().context("cannot build the cleaner")
    }
}

/// Parses a byte count: `1000`, `512K`, `16M`, `16MiB`, `1G` (K, M, G are powers of 1024).
fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number.parse().map_err(|_| format!("`{text}` is not a number of bytes"))?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown unit `{other}` (use K, M or G)")),
    };
    let bytes = number.checked_mul(multiplier).ok_or_else(|| format!("`{text}` is too large"))?;
    if bytes == 0 {
        return Err("must be at least 1 byte".into());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn byte_counts_take_binary_units() {
        assert_eq!(parse_bytes("1000"), Ok(1000));
        assert_eq!(parse_bytes("512K"), Ok(512 * 1024));
        assert_eq!(parse_bytes("16MiB"), Ok(16 * 1024 * 1024));
        assert_eq!(parse_bytes("1 g"), Ok(1 << 30));
        assert!(parse_bytes("0").is_err());
        assert!(parse_bytes("12Q").is_err());
        assert!(parse_bytes("-1").is_err());
        assert!(parse_bytes("99999999999999999999G").is_err());
    }

    #[test]
    fn every_flag_has_a_long_help_with_an_example() {
        fn check(command: &clap::Command, path: &str) {
            for arg in command.get_arguments() {
                if matches!(arg.get_id().as_str(), "help" | "version") {
                    continue;
                }
                let long = arg.get_long_help().map(ToString::to_string).unwrap_or_default();
                assert!(long.contains("clean-news "), "{path} --{} has no example", arg.get_id());
                assert!(arg.get_help().is_some(), "{path} --{} has no short help", arg.get_id());
            }
            for sub in command.get_subcommands() {
                check(sub, &format!("{path} {}", sub.get_name()));
            }
        }
        let cli = Cli::command();
        for sub in cli.get_subcommands() {
            check(sub, sub.get_name());
        }
    }

    #[test]
    #[allow(irrefutable_let_patterns)] // until the next subcommand lands
    fn defaults_match_the_library() {
        let cli = Cli::try_parse_from(["clean-news", "clean", "x"]).unwrap();
        let Command::Clean(args) = cli.command else { unreachable!() };
        assert_eq!(args.input.max_doc_bytes, input::DEFAULT_MAX_DOC_BYTES);
        assert_eq!(args.input.max_expansion, input::DEFAULT_MAX_EXPANSION_RATIO);
        assert_eq!(args.threads, 0);
    }

    #[test]
    fn the_memory_budget_is_optional_and_reads_units() {
        let cli = Cli::try_parse_from(["clean-news", "run", "x", "-o", "out"]).unwrap();
        let Command::Run(args) = cli.command else { unreachable!() };
        assert_eq!(args.memory, None);
        let cli =
            Cli::try_parse_from(["clean-news", "run", "x", "-o", "out", "--memory", "2G"]).unwrap();
        let Command::Run(args) = cli.command else { unreachable!() };
        assert_eq!(args.memory, Some(2 << 30));
    }
}
