//! Hostile input files (issue #18, cases 4 and 9): WARC records whose `Content-Length` lies,
//! damaged gzip members, byte order marks and every kind of line ending. Whatever the damage,
//! every record read is a document or an error record naming it, later records are still
//! read, and a batch counts `read == cleaned + failed` with `read` the number of records.

// Helpers outside #[test] fns set up inputs; failing loudly is what they should do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fake_crawl;

use std::path::Path;

use clean_news::Body;
use clean_news::input::{Failure, ReadDoc, Reader, Source};
use clean_news::output::Record;
use clean_news::pipeline::BatchCleaner;
use fake_crawl::{gzip, gzip_members, html_response, warc_record, warcinfo, write};

fn read(path: &Path) -> Vec<Result<ReadDoc, Failure>> {
    Reader::builder().build().unwrap().read([Source::Path(path.to_owned())]).collect()
}

/// Documents by id, failures as `ERR <id>` (`ERR -` without one).
fn ids(items: &[Result<ReadDoc, Failure>]) -> Vec<String> {
    items
        .iter()
        .map(|item| match item {
            Ok(read) => read.doc.id.clone(),
            Err(failure) => format!("ERR {}", failure.id.as_deref().unwrap_or("-")),
        })
        .collect()
}

fn failure(item: &Result<ReadDoc, Failure>) -> &Failure {
    match item {
        Ok(read) => panic!("expected a failure, got document {}", read.doc.id),
        Err(failure) => failure,
    }
}

/// Cleans `path` as a batch and checks the counting invariant against the number of records
/// the input holds: every record read is cleaned, failed, or a repeat of a document already
/// written (the same id and text read twice, written once: `pipeline::ids`). Returns the
/// records written.
fn clean_counting(path: &Path, records_in_input: u64) -> Vec<Record> {
    let batch = BatchCleaner::builder().threads(1).build().unwrap();
    let mut records: Vec<Record> = Vec::new();
    let summary = batch.run([Source::Path(path.to_owned())]).write_to(&mut records).unwrap();
    assert_eq!(summary.read, summary.cleaned + summary.failed + summary.repeated, "{summary}");
    assert_eq!(summary.read, records_in_input, "{summary}: {records:#?}");
    assert_eq!(records.len() as u64, records_in_input - summary.repeated);
    for record in &records {
        if let Record::Cleaned(cleaned) = record {
            assert!(
                !cleaned.text.contains('\r'),
                "{:?} keeps a CR: {:?}",
                cleaned.id,
                cleaned.text
            );
            let title = cleaned.title.as_deref().unwrap_or_default();
            assert!(!title.contains('\r'), "{:?} keeps a CR in its title", cleaned.id);
        }
    }
    records
}

/// Four page records; the one at `damaged` is given by `damage`.
fn four_pages(damaged: usize, damage: impl Fn(Vec<u8>) -> Vec<u8>) -> Vec<Vec<u8>> {
    (1..=4)
        .map(|n| {
            let record = html_response(
                &format!("https://x/{n}"),
                &format!("<html><body><p>Story number {n}, told at length.</p></body></html>"),
            );
            if n == damaged { damage(record) } else { record }
        })
        .collect()
}

/// Replaces the record's `Content-Length` value by `length`.
fn with_content_length(record: Vec<u8>, length: usize) -> Vec<u8> {
    let text = String::from_utf8(record).unwrap();
    let start = text.find("Content-Length: ").unwrap() + "Content-Length: ".len();
    let end = start + text[start..].find('\r').unwrap();
    format!("{}{length}{}", &text[..start], &text[end..]).into_bytes()
}

fn declared_length(record: &[u8]) -> usize {
    let text = String::from_utf8_lossy(record);
    let start = text.find("Content-Length: ").unwrap() + "Content-Length: ".len();
    let end = start + text[start..].find('\r').unwrap();
    text[start..end].parse().unwrap()
}

#[test]
fn warc_content_length_too_short_fails_that_record_and_reads_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let pages = four_pages(2, |record| {
        let length = declared_length(&record);
        with_content_length(record, length - 30)
    });
    write(dir.path(), "a.warc", pages.concat());
    let items = read(&dir.path().join("a.warc"));
    assert_eq!(ids(&items), ["https://x/1", "ERR https://x/2", "https://x/3", "https://x/4"]);
    let error = &failure(&items[1]).error;
    assert!(error.contains("Content-Length"), "{error}");
    assert!(error.contains("urn:uuid:"), "the error names the WARC-Record-ID: {error}");
    clean_counting(&dir.path().join("a.warc"), 4);
}

#[test]
fn warc_content_length_too_long_is_cut_at_the_next_record_header() {
    let dir = tempfile::tempdir().unwrap();
    let pages = four_pages(2, |record| {
        let length = declared_length(&record);
        with_content_length(record, length + 100)
    });
    write(dir.path(), "a.warc", pages.concat());
    let items = read(&dir.path().join("a.warc"));
    assert_eq!(ids(&items), ["https://x/1", "ERR https://x/2", "https://x/3", "https://x/4"]);
    for read in items.iter().flatten() {
        let (Body::Text(text) | Body::Html(text)) = &read.doc.body;
        assert!(!text.contains("WARC"), "{} holds another record's header", read.doc.id);
    }
    clean_counting(&dir.path().join("a.warc"), 4);
}

/// Found by the `input_reader` fuzz target: a length a few bytes too long ends the block
/// inside the next record's `WARC/1.1` line.
#[test]
fn warc_content_length_ending_inside_the_next_version_line_loses_no_record() {
    let dir = tempfile::tempdir().unwrap();
    for extra in 1..=12 {
        let pages = four_pages(2, |record| {
            let length = declared_length(&record);
            with_content_length(record, length + extra)
        });
        write(dir.path(), "a.warc", pages.concat());
        let got = ids(&read(&dir.path().join("a.warc")));
        // Up to the four bytes of the separator, the block only holds blank lines more.
        let second = if extra <= 4 { "https://x/2" } else { "ERR https://x/2" };
        assert_eq!(got, ["https://x/1", second, "https://x/3", "https://x/4"], "{extra} bytes");
    }
    clean_counting(&dir.path().join("a.warc"), 4);
}

/// Found by the `input_reader` fuzz target: a length that runs exactly to the end of the
/// file swallowed the last record.
#[test]
fn warc_content_length_running_exactly_to_the_end_loses_no_record() {
    let dir = tempfile::tempdir().unwrap();
    let pages = four_pages(0, |r| r);
    let rest: usize = pages[3..].iter().map(Vec::len).sum();
    let mut pages = pages;
    let length = declared_length(&pages[2]);
    pages[2] = with_content_length(pages[2].clone(), length + rest);
    write(dir.path(), "a.warc", pages.concat());
    let items = read(&dir.path().join("a.warc"));
    assert_eq!(ids(&items), ["https://x/1", "https://x/2", "ERR https://x/3", "https://x/4"]);
    clean_counting(&dir.path().join("a.warc"), 4);
}

/// Found by the `input_reader` fuzz target: a length that runs exactly up to a later
/// record swallowed the records in between.
#[test]
fn warc_content_length_running_exactly_up_to_a_later_record_loses_none() {
    let dir = tempfile::tempdir().unwrap();
    let mut pages = four_pages(0, |r| r);
    let length = declared_length(&pages[1]) + pages[2].len();
    pages[1] = with_content_length(pages[1].clone(), length);
    write(dir.path(), "a.warc", pages.concat());
    let items = read(&dir.path().join("a.warc"));
    assert_eq!(ids(&items), ["https://x/1", "ERR https://x/2", "https://x/3", "https://x/4"]);
    clean_counting(&dir.path().join("a.warc"), 4);
}

#[test]
fn warc_content_length_past_several_records_or_the_end_loses_none() {
    let dir = tempfile::tempdir().unwrap();
    let pages = four_pages(1, |record| with_content_length(record, 1_000_000));
    write(dir.path(), "long.warc", pages.concat());
    let items = read(&dir.path().join("long.warc"));
    assert_eq!(ids(&items), ["ERR https://x/1", "https://x/2", "https://x/3", "https://x/4"]);
    clean_counting(&dir.path().join("long.warc"), 4);

    // A record that is skipped (not a page) with a wrong length must not swallow the pages.
    let info = with_content_length(warcinfo(), 4000);
    write(dir.path(), "info.warc", [vec![info], four_pages(0, |r| r)].concat().concat());
    let items = read(&dir.path().join("info.warc"));
    assert_eq!(
        ids(&items),
        ["ERR <urn:uuid:0>", "https://x/1", "https://x/2", "https://x/3", "https://x/4"]
    );
}

#[test]
fn warc_garbage_or_a_broken_header_between_records_is_one_error_and_reading_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut pages = four_pages(0, |r| r);
    pages.insert(1, b"garbage line\r\nmore garbage\r\n\r\n".to_vec());
    write(dir.path(), "garbage.warc", pages.concat());
    let items = read(&dir.path().join("garbage.warc"));
    assert_eq!(ids(&items), ["https://x/1", "ERR -", "https://x/2", "https://x/3", "https://x/4"]);
    assert!(failure(&items[1]).error.contains("expected a WARC record header"));

    let pages = four_pages(3, |record| {
        String::from_utf8(record).unwrap().replace("Content-Length: ", "Content-Lenth: ").into()
    });
    write(dir.path(), "no-length.warc", pages.concat());
    let items = read(&dir.path().join("no-length.warc"));
    assert_eq!(ids(&items), ["https://x/1", "https://x/2", "ERR https://x/3", "https://x/4"]);
    clean_counting(&dir.path().join("no-length.warc"), 4);
}

#[test]
fn a_damaged_gzip_member_fails_its_record_and_the_next_members_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let pages = four_pages(0, |r| r);
    let mut members: Vec<Vec<u8>> = pages.iter().map(gzip).collect();
    // Flip bytes in the middle of the second member's compressed data.
    let middle = members[1].len() / 2;
    for byte in &mut members[1][middle - 3..middle + 3] {
        *byte ^= 0x5a;
    }
    write(dir.path(), "damaged.warc.gz", members.concat());
    let items = read(&dir.path().join("damaged.warc.gz"));
    let got = ids(&items);
    assert_eq!(got.first().map(String::as_str), Some("https://x/1"), "{got:?}");
    assert!(got[1].starts_with("ERR"), "{got:?}");
    assert_eq!(got[got.len() - 2..], ["https://x/3", "https://x/4"], "{got:?}");
    let errors: Vec<&Failure> = items.iter().filter_map(|i| i.as_ref().err()).collect();
    assert!(errors.iter().any(|f| f.error.contains("gzip member")), "{errors:#?}");

    // A truncated last member: its record fails, the others are kept.
    let mut truncated = gzip_members(&pages);
    truncated.truncate(truncated.len() - 20);
    write(dir.path(), "truncated.warc.gz", truncated);
    let items = read(&dir.path().join("truncated.warc.gz"));
    assert_eq!(ids(&items), ["https://x/1", "https://x/2", "https://x/3", "ERR https://x/4"]);
    clean_counting(&dir.path().join("truncated.warc.gz"), 4);
}

#[test]
fn a_damaged_gzip_member_of_json_lines_costs_its_lines_only() {
    let dir = tempfile::tempdir().unwrap();
    let member = |from: usize| {
        let lines: String = (from..from + 3)
            .map(|n| {
                format!(
                    "{{\"id\":\"n{n}\",\"text\":\"Story {n}, with enough words to compress.\"}}\n"
                )
            })
            .collect();
        gzip(lines)
    };
    let mut damaged = member(4);
    let middle = damaged.len() / 2;
    for byte in &mut damaged[middle - 3..middle + 3] {
        *byte ^= 0x5a;
    }
    write(dir.path(), "a.jsonl.gz", [member(1), damaged, member(7)].concat());
    let items = read(&dir.path().join("a.jsonl.gz"));
    let got = ids(&items);
    assert_eq!(got[..3], ["n1", "n2", "n3"], "{got:?}");
    assert_eq!(got[got.len() - 3..], ["n7", "n8", "n9"], "{got:?}");
    let errors: Vec<&Failure> = items.iter().filter_map(|i| i.as_ref().err()).collect();
    assert!(errors.iter().any(|f| f.error.contains("gzip member")), "{errors:#?}");
}

#[test]
fn a_byte_order_mark_starts_any_text_format() {
    let dir = tempfile::tempdir().unwrap();
    let bom = "\u{feff}";
    write(dir.path(), "a.jsonl", format!("{bom}{{\"id\":\"a\",\"text\":\"Alpha.\"}}\n"));
    write(dir.path(), "b.txt", format!("{bom}Beta\n\nThe beta story."));
    write(dir.path(), "c.html", format!("{bom}<html><body><p>Gamma story.</p></body></html>"));
    let warc = [bom.as_bytes().to_vec(), warcinfo(), html_response("https://x/d", "<p>D</p>")];
    write(dir.path(), "d.warc", warc.concat());
    write(dir.path(), "e.jsonl.gz", gzip(format!("{bom}{{\"id\":\"e\",\"text\":\"Epsilon.\"}}\n")));
    // Two files joined with `cat`: the second one's mark is in the middle.
    let joined =
        format!("{bom}{{\"id\":\"f1\",\"text\":\"F.\"}}\n{bom}{{\"id\":\"f2\",\"text\":\"F.\"}}\n");
    write(dir.path(), "f.jsonl", joined);
    let items = read(dir.path());
    assert_eq!(ids(&items), ["a", "b.txt", "c.html", "https://x/d", "e", "f1", "f2"]);
    for item in &items {
        let read = item.as_ref().unwrap();
        let (Body::Text(text) | Body::Html(text)) = &read.doc.body;
        assert!(!text.starts_with(bom), "{} keeps its BOM", read.doc.id);
    }
    clean_counting(dir.path(), 7);
}

#[test]
fn lone_cr_and_crlf_line_endings_split_records_and_leave_no_cr_in_text() {
    let dir = tempfile::tempdir().unwrap();
    // Old Mac line endings between JSON Lines records, CRLF and CR inside the text.
    let lines = [
        r#"{"id":"a","title":"A\r\ntitle","text":"Alpha head\r\n\r\nAlpha body, one line.\r\nAnd two."}"#,
        r#"{"id":"b","text":"Beta head\r\rBeta body, one line.\rAnd two."}"#,
        r#"{"id":"c","html":"<p>Gamma\r\nbody.</p>\r<p>Two.</p>"}"#,
    ];
    write(dir.path(), "cr.jsonl", lines.join("\r") + "\r");
    write(dir.path(), "mixed.jsonl", lines.join("\r\n") + "\n");
    write(dir.path(), "old-mac.txt", "Head line\r\rBody of the story.\rSecond line.\r");
    write(dir.path(), "dos.txt", "Head line\r\n\r\nBody of the story.\r\nSecond line.\r\n");
    let text = b"Plain\r\rText record body.\rSecond line.";
    let records = [warc_record("resource", "https://x/t", "text/plain", text)];
    write(dir.path(), "text.warc", records.concat());
    let items = read(dir.path());
    assert_eq!(
        ids(&items),
        ["a", "b", "c", "dos.txt", "a", "b", "c", "old-mac.txt", "https://x/t"],
        "{items:#?}"
    );
    for item in &items {
        let read = item.as_ref().unwrap();
        if let Some(text) = read.doc.body.as_text() {
            assert!(!text.contains('\r'), "{} keeps a CR: {text:?}", read.doc.id);
            assert!(text.contains('\n'), "{} lost its lines: {text:?}", read.doc.id);
        }
        let title = read.doc.title.as_deref().unwrap_or_default();
        assert!(!title.contains('\r'), "{} keeps a CR in its title", read.doc.id);
    }
    clean_counting(dir.path(), 9);
}

#[test]
fn warc_headers_with_lone_cr_line_endings_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let crlf = [warcinfo(), html_response("https://x/1", "<p>One.</p>")].concat();
    let cr = String::from_utf8(crlf).unwrap().replace("\r\n", "\r");
    // The block length no longer matches once its CRLFs are CRs: fix the HTTP record's.
    let http = "HTTP/1.1 200 X\rContent-Type: text/html; charset=utf-8\r\r<p>One.</p>";
    let info_block = "software: fake-crawl\rformat: WARC File Format 1.1\r";
    let cr = cr
        .replacen(
            &format!("Content-Length: {}\r", info_block.len() + 2),
            &format!("Content-Length: {}\r", info_block.len()),
            1,
        )
        .replacen(
            &format!("Content-Length: {}\r", http.len() + 3),
            &format!("Content-Length: {}\r", http.len()),
            1,
        );
    write(dir.path(), "cr.warc", cr);
    let items = read(&dir.path().join("cr.warc"));
    assert_eq!(ids(&items), ["https://x/1"], "{items:#?}");
    clean_counting(&dir.path().join("cr.warc"), 1);
}
