//! `clean-news clean`: flags → reader, cleaner and batch cleaner; records → stdout, files and a
//! text folder, as JSON Lines or as text (`--to text`, see [`TextWriter`]); counts → exit
//! status.
//!
//! The paths named are checked before any output is created (`super::openable_sources`).
//!
//! Output files are [`AtomicFile`]s, committed once the run ends (also when interrupted:
//! what was done is a valid prefix and is kept). If the run fails they are dropped, which
//! removes their temporary files, so a failed run never leaves a file under the final name.
//!
//! Temporary files that a killed `clean` left beside `-o` and `--errors` files are removed
//! when the next `clean` opens them (see `output::file_set`).
//!
//! A document whose `--text-dir` file is refused (its path passes through a symbolic link,
//! see [`TextDir::write`]) becomes an error record in place of its cleaned record, so every
//! document read is still written once, cleaned or failed; the counts move with it.

use std::io::{self, BufWriter, StdoutLock, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::SystemTime;

use anyhow::bail;
use clean_news::Cleaned;
use clean_news::output::{
    AtomicFile, ErrorRecord, JsonLinesWriter, Sink, TextDir, TextFile, file_set,
};
use clean_news::pipeline::BatchCleaner;

use super::Status;
use super::args::{CleanArgs, OutputFormat};
use super::messages::StderrMessages;
use super::text_output::TextWriter;

/// Runs `clean` until the input is exhausted or `interrupted` is set.
pub(crate) fn run(args: &CleanArgs, interrupted: &AtomicBool) -> anyhow::Result<Status> {
    let packs: Vec<&Path> = args.cleaner.packs.iter().map(PathBuf::as_path).collect();
    let Some(sources) = super::openable_sources(&args.input, &packs) else {
        return Ok(Status::Failed);
    };
    let batch = BatchCleaner::builder()
        .cleaner(args.cleaner.cleaner()?)
        .reader(args.input.reader()?)
        .threads(args.threads)
        .build()?;
    let messages = StderrMessages::new(args.quiet);
    let mut outputs = Outputs::open(args, &messages)?;
    let mut summary = batch
        .run(sources)
        .cancel_flag(interrupted)
        .on_progress(|summary| messages.progress(summary))
        .write_to(&mut outputs)?;
    let refused = outputs.refused;
    outputs.commit()?;
    summary.cleaned = summary.cleaned.saturating_sub(refused);
    summary.failed = summary.failed.saturating_add(refused);
    messages.finish(&summary);
    // The process ends now: the compiled rules are many small allocations, and freeing
    // them one by one was 5 % of a one-line run (issue #19). Their memory goes with the
    // process; nothing else is held (the outputs are committed above).
    std::mem::forget(batch);
    Ok(Status::of(&summary))
}

/// Where JSON Lines go: stdout, or a file that appears when committed.
enum Target {
    Stdout(BufWriter<StdoutLock<'static>>),
    File(AtomicFile),
}

impl Target {
    fn open(path: &Path) -> anyhow::Result<Target> {
        if path.as_os_str() == "-" {
            return Ok(Target::Stdout(BufWriter::with_capacity(64 * 1024, io::stdout().lock())));
        }
        // Found now rather than when the finished output is renamed into place.
        if path.is_dir() {
            bail!("{} is a folder, not a file", path.display());
        }
        // A killed `clean` left its temporary file beside this output (as big as the output):
        // removed now, unless its writer still runs. Housekeeping only: a folder that cannot
        // be listed does not stop the run.
        if let Some(name) = path.file_name().and_then(|name| name.to_str()) {
            let dir = match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir,
                _ => Path::new("."),
            };
            let _ = file_set::remove_stale_temporaries(dir, &[name], SystemTime::now());
        }
        Ok(Target::File(AtomicFile::create(path)?))
    }

    fn is_stdout(&self) -> bool {
        matches!(self, Target::Stdout(_))
    }

    fn commit(self) -> anyhow::Result<()> {
        match self {
            Target::Stdout(mut out) => out.flush()?,
            Target::File(file) => file.commit()?,
        }
        Ok(())
    }
}

impl Write for Target {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Target::Stdout(out) => out.write(buf),
            Target::File(file) => file.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Target::Stdout(out) => out.write_all(buf),
            Target::File(file) => file.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Target::Stdout(out) => out.flush(),
            Target::File(file) => file.flush(),
        }
    }
}

/// How the cleaned documents are written.
enum Documents {
    Records(JsonLinesWriter<Target>),
    Text(TextWriter<Target>),
}

impl Documents {
    fn new(target: Target, to: OutputFormat) -> Documents {
        match to {
            OutputFormat::Jsonl => Documents::Records(JsonLinesWriter::new(target)),
            OutputFormat::Text => Documents::Text(TextWriter::new(target)),
        }
    }

    fn write_cleaned(&mut self, cleaned: &Cleaned) -> Result<(), clean_news::Error> {
        match self {
            Documents::Records(records) => records.write_cleaned(cleaned),
            Documents::Text(text) => text
                .write_cleaned(cleaned)
                .map_err(|err| clean_news::Error::io(None, "cannot write", err)),
        }
    }

    fn flush(&mut self) -> Result<(), clean_news::Error> {
        match self {
            Documents::Records(records) => records.flush(),
            Documents::Text(text) => {
                text.flush().map_err(|err| clean_news::Error::io(None, "cannot write", err))
            }
        }
    }

    fn commit(self) -> anyhow::Result<()> {
        match self {
            Documents::Records(records) => records.into_inner().commit(),
            Documents::Text(text) => text.finish()?.commit(),
        }
    }
}

/// Where error records go.
enum Errors {
    /// Among the documents, in input order.
    WithDocuments,
    /// In their own output (`--errors`).
    Own(JsonLinesWriter<Target>),
    /// Only as lines on stderr (`--text-dir` without `-o` or `--errors`, or `--to text`
    /// without `--errors`).
    Nowhere,
}

/// Every output of a `clean` run, as one [`Sink`].
struct Outputs<'r> {
    documents: Option<Documents>,
    errors: Errors,
    texts: Option<TextDir>,
    /// Cleaned documents whose text file was refused, written as error records instead.
    refused: u64,
    messages: &'r StderrMessages,
}

impl<'r> Outputs<'r> {
    fn open(args: &CleanArgs, messages: &'r StderrMessages) -> anyhow::Result<Outputs<'r>> {
        if let (Some(output), Some(errors)) = (&args.output, &args.errors) {
            if output == errors && output.as_os_str() != "-" {
                bail!("--output and --errors name the same file: {}", output.display());
            }
        }
        let documents = match (&args.output, &args.text_dir) {
            (Some(path), _) => Some(Target::open(path)?),
            (None, Some(_)) => None,
            (None, None) => Some(Target::open(Path::new("-"))?),
        };
        let documents_on_stdout = documents.as_ref().is_some_and(Target::is_stdout);
        let records = args.to == OutputFormat::Jsonl;
        let errors = match &args.errors {
            Some(path) if path.as_os_str() == "-" && documents_on_stdout => {
                if !records {
                    bail!(
                        "--errors - would mix error records into the text on stdout: name a file"
                    );
                }
                Errors::WithDocuments
            }
            Some(path) => Errors::Own(JsonLinesWriter::new(Target::open(path)?)),
            None if documents.is_some() && records => Errors::WithDocuments,
            None => Errors::Nowhere,
        };
        let texts = args.text_dir.as_deref().map(TextDir::create).transpose()?;
        let documents = documents.map(|target| Documents::new(target, args.to));
        Ok(Outputs { documents, errors, texts, refused: 0, messages })
    }

    /// Puts every file in place.
    fn commit(self) -> anyhow::Result<()> {
        if let Errors::Own(errors) = self.errors {
            errors.into_inner().commit()?;
        }
        if let Some(documents) = self.documents {
            documents.commit()?;
        }
        Ok(())
    }
}

impl Sink for Outputs<'_> {
    fn cleaned(&mut self, cleaned: &Cleaned) -> Result<(), clean_news::Error> {
        for note in &cleaned.meta.notes {
            self.messages.note(&cleaned.id, note);
        }
        if let Some(texts) = &mut self.texts {
            if let TextFile::Refused { path, reason } = texts.write(cleaned)? {
                self.refused += 1;
                let record = ErrorRecord {
                    path: texts.root().join(path).display().to_string(),
                    id: Some(cleaned.id.clone()),
                    error: format!("text file not written: {reason}"),
                };
                return self.failed(&record);
            }
        }
        if let Some(documents) = &mut self.documents {
            documents.write_cleaned(cleaned)?;
        }
        Ok(())
    }

    fn failed(&mut self, record: &ErrorRecord) -> Result<(), clean_news::Error> {
        self.messages.error_record(record);
        match &mut self.errors {
            Errors::WithDocuments => {
                if let Some(Documents::Records(records)) = &mut self.documents {
                    records.write_error(record)?;
                }
            }
            Errors::Own(errors) => errors.write_error(record)?,
            Errors::Nowhere => {}
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), clean_news::Error> {
        if let Some(documents) = &mut self.documents {
            documents.flush()?;
        }
        if let Errors::Own(errors) = &mut self.errors {
            errors.flush()?;
        }
        Ok(())
    }
}
