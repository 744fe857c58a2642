//! Step 1 through the public API: every format, every failure kind, the walk policy.

// Helpers outside #[test] fns set up inputs; failing loudly is what they should do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fake_crawl;

use std::fs;
use std::path::Path;

use clean_news::Body;
use clean_news::input::{Config, Documents, Failure, ReadDoc, Reader, Source};
use fake_crawl::{
    gzip, gzip_bomb, gzip_members, html_response, http_response, warc_record, warcinfo, write, zstd,
};

fn reader() -> Reader {
    Reader::builder().build().unwrap()
}

fn read(reader: &Reader, path: &Path) -> Vec<Result<ReadDoc, Failure>> {
    reader.read([Source::Path(path.to_owned())]).collect()
}

fn ids(items: &[Result<ReadDoc, Failure>]) -> Vec<String> {
    items
        .iter()
        .map(|item| match item {
            Ok(read) => read.doc.id.clone(),
            Err(failure) => format!("ERR {}", failure.id.as_deref().unwrap_or("-")),
        })
        .collect()
}

fn doc(item: &Result<ReadDoc, Failure>) -> &ReadDoc {
    item.as_ref().unwrap_or_else(|failure| panic!("expected a document, got {failure}"))
}

fn failure(item: &Result<ReadDoc, Failure>) -> &Failure {
    match item {
        Ok(read) => panic!("expected a failure, got document {}", read.doc.id),
        Err(failure) => failure,
    }
}

#[test]
fn reads_every_format_in_sorted_order_with_its_ids() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "a.txt", "Plain text.");
    write(root, "b/c.html", "<p>Page</p>");
    write(root, "b/d.htm", "<p>Old page</p>");
    write(root, "e.jsonl", "{\"id\":\"given\",\"text\":\"t1\"}\n{\"text\":\"t2\",\"url\":\"u\"}\n");
    write(
        root,
        "f.ndjson",
        "{\"id\":7,\"html\":\"<p>h</p>\",\"site\":\"s\",\"published\":\"2024-06-25\",\"title\":\"T\"}\n",
    );
    write(root, "g.txt.gz", gzip("Zipped text."));
    write(root, "h.jsonl.zst", zstd("{\"text\":\"z1\"}\n{\"text\":\"z2\"}\n"));
    let warc = [warcinfo(), html_response("https://example.com/1", "<p>one</p>")].concat();
    write(root, "i.warc", &warc);
    write(
        root,
        "j.warc.gz",
        gzip_members(&[warcinfo(), html_response("https://example.com/2", "<p>two</p>")]),
    );
    let items = read(&reader(), root);
    assert_eq!(
        ids(&items),
        [
            "a.txt",
            "b/c.html",
            "b/d.htm",
            "given",
            "e.jsonl:2",
            "7",
            "g.txt.gz",
            "h.jsonl.zst:1",
            "h.jsonl.zst:2",
            "https://example.com/1",
            "https://example.com/2",
        ]
    );
    assert_eq!(doc(&items[0]).doc.body, Body::Text("Plain text.".into()));
    assert_eq!(doc(&items[1]).doc.body, Body::Html("<p>Page</p>".into()));
    assert_eq!(doc(&items[4]).doc.url.as_deref(), Some("u"));
    let f = &doc(&items[5]).doc;
    assert_eq!(
        (f.site.as_deref(), f.published.as_deref(), f.title.as_deref()),
        (Some("s"), Some("2024-06-25"), Some("T"))
    );
    assert_eq!(f.body, Body::Html("<p>h</p>".into()));
    assert_eq!(doc(&items[6]).doc.body.as_text(), Some("Zipped text."));
    let w = &doc(&items[10]).doc;
    assert_eq!(w.url.as_deref(), Some("https://example.com/2"));
    assert_eq!(w.body, Body::Html("<p>two</p>".into()));
    assert!(items.iter().all(|item| doc(item).notes.is_empty()));
    assert_eq!(doc(&items[3]).path, root.join("e.jsonl").display().to_string());
}

#[test]
fn a_file_given_directly_is_named_by_its_file_name() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sub/page.txt", "x");
    write(dir.path(), "sub/dump.jsonl", "{\"text\":\"y\"}\n");
    let reader = reader();
    let items: Vec<_> = reader
        .read([
            Source::Path(dir.path().join("sub/page.txt")),
            Source::Path(dir.path().join("sub/dump.jsonl")),
        ])
        .collect();
    assert_eq!(ids(&items), ["page.txt", "dump.jsonl:1"]);
}

#[test]
fn the_same_tree_always_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["z.txt", "a/b.txt", "B.txt", "a.txt", "a/a/a.txt", "é.txt", "_.txt"] {
        write(dir.path(), name, name);
    }
    let first = ids(&read(&reader(), dir.path()));
    assert_eq!(first, ["B.txt", "_.txt", "a/a/a.txt", "a/b.txt", "a.txt", "z.txt", "é.txt"]);
    assert_eq!(first, ids(&read(&reader(), dir.path())));
}

#[test]
fn hidden_entries_are_skipped_unless_asked_but_always_read_when_named() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "a");
    write(dir.path(), ".secret.txt", "s");
    write(dir.path(), ".git/x.txt", "x");
    assert_eq!(ids(&read(&reader(), dir.path())), ["a.txt"]);
    let hidden = Reader::builder().hidden(true).build().unwrap();
    assert_eq!(ids(&read(&hidden, dir.path())), [".git/x.txt", ".secret.txt", "a.txt"]);
    assert_eq!(ids(&read(&reader(), &dir.path().join(".secret.txt"))), [".secret.txt"]);
}

#[test]
fn unknown_types_are_skipped_in_folders_and_fail_when_named() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "a");
    write(dir.path(), "logo.png", "png");
    write(dir.path(), "README", "readme");
    let mut docs: Documents = reader().read([Source::Path(dir.path().into())]);
    let items: Vec<_> = docs.by_ref().collect();
    assert_eq!(ids(&items), ["a.txt"]);
    assert_eq!(docs.skipped(), 2);
    let named = read(&reader(), &dir.path().join("logo.png"));
    assert!(failure(&named[0]).error.contains("unsupported file type"));
}

#[test]
fn a_missing_path_is_a_failure_and_the_rest_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "a");
    let items: Vec<_> = reader()
        .read([Source::Path(dir.path().join("nope")), Source::Path(dir.path().join("a.txt"))])
        .collect();
    assert!(failure(&items[0]).error.starts_with("cannot open"));
    assert_eq!(failure(&items[0]).id, None);
    assert_eq!(doc(&items[1]).doc.id, "a.txt");
}

#[cfg(unix)]
#[test]
fn file_links_are_followed_and_folder_links_are_not() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    write(&root, "real/a.txt", "a");
    symlink(root.join("real/a.txt"), root.join("link.txt")).unwrap();
    symlink(&root, root.join("real/loop")).unwrap();
    symlink(root.join("missing.txt"), root.join("broken.txt")).unwrap();
    let items = read(&reader(), &root);
    assert_eq!(ids(&items), ["ERR broken.txt", "link.txt", "real/a.txt"]);
    assert!(failure(&items[0]).error.contains("broken symbolic link"));
    // A folder link named directly is followed.
    assert_eq!(ids(&read(&reader(), &root.join("real/loop"))).len(), 3);
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_a_failure() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "a");
    write(dir.path(), "b.txt", "b");
    let locked = dir.path().join("a.txt");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&locked).is_ok() {
        return; // running as root: permissions do not apply
    }
    let items = read(&reader(), dir.path());
    assert!(failure(&items[0]).error.contains("cannot open"));
    assert_eq!(doc(&items[1]).doc.id, "b.txt");
}

#[test]
fn an_empty_file_is_an_empty_document_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "");
    write(dir.path(), "b.jsonl", "");
    write(dir.path(), "c.jsonl", "\n  \n{\"text\":\"\"}\n");
    let items = read(&reader(), dir.path());
    assert_eq!(ids(&items), ["a.txt", "c.jsonl:3"]);
    assert_eq!(doc(&items[0]).doc.body, Body::Text(String::new()));
    assert_eq!(doc(&items[0]).notes, ["empty document"]);
    assert_eq!(doc(&items[1]).notes, ["empty document"]);
}

#[test]
fn a_binary_file_is_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", b"GIF89a\0\0");
    write(dir.path(), "b.html", b"<p>\0</p>");
    let items = read(&reader(), dir.path());
    assert_eq!(failure(&items[0]).error, "binary file (NUL byte in the first 8 KiB)");
    assert_eq!(failure(&items[0]).id.as_deref(), Some("a.txt"));
    assert!(failure(&items[1]).error.starts_with("binary file"));
}

#[test]
fn invalid_utf8_is_decoded_lossily_and_noted() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", b"caf\xe9");
    write(dir.path(), "b.jsonl", b"{\"text\":\"caf\xe9\"}\n");
    let items = read(&reader(), dir.path());
    for item in &items {
        assert_eq!(doc(item).doc.body.as_text(), Some("caf\u{fffd}"));
        assert_eq!(doc(item).notes, ["invalid utf-8 decoded lossily"]);
    }
}

#[test]
fn html_charsets_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let mut page = b"<html><head><meta charset=\"windows-1251\"></head><p>".to_vec();
    page.extend_from_slice(&[0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]);
    write(dir.path(), "a.html", &page);
    let items = read(&reader(), dir.path());
    let Body::Html(html) = &doc(&items[0]).doc.body else { panic!() };
    assert!(html.ends_with("<p>Привет"), "{html}");
    assert!(doc(&items[0]).notes.is_empty());
}

#[test]
fn documents_over_the_limit_fail_and_the_rest_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "x".repeat(101));
    write(dir.path(), "b.txt", "x".repeat(100));
    write(dir.path(), "c.txt.gz", gzip("x".repeat(101)));
    let long = format!("{{\"text\":\"{}\"}}", "y".repeat(200));
    write(dir.path(), "d.jsonl", format!("{long}\n{{\"text\":\"short\"}}\n"));
    let small = Reader::builder().max_doc_bytes(100).build().unwrap();
    let items = read(&small, dir.path());
    assert_eq!(ids(&items), ["ERR a.txt", "b.txt", "ERR c.txt.gz", "ERR d.jsonl:1", "d.jsonl:2"]);
    assert_eq!(failure(&items[0]).error, "document is larger than max_doc_bytes (100 bytes)");
    assert!(failure(&items[2]).error.contains("max_doc_bytes"));
    assert_eq!(failure(&items[3]).error, "line 1 is longer than max_doc_bytes (100 bytes)");
}

#[test]
fn a_gzip_bomb_stops_at_the_expansion_limit() {
    let dir = tempfile::tempdir().unwrap();
    // 200 members of 1 MiB of zeros: ~200 MiB from ~200 KiB, never a newline.
    let bomb = gzip_bomb(1 << 20, 200);
    write(dir.path(), "bomb.jsonl.gz", &bomb);
    write(dir.path(), "ok.txt", "fine");
    let reader = Reader::builder().max_doc_bytes(1000).max_expansion_ratio(10).build().unwrap();
    let started = std::time::Instant::now();
    let items = read(&reader, dir.path());
    assert_eq!(ids(&items), ["ERR bomb.jsonl.gz:1", "ok.txt"]);
    let error = &failure(&items[0]).error;
    assert!(error.contains("decompression bomb"), "{error}");
    assert!(error.contains(&format!("{} bytes", bomb.len() * 10)), "{error}");
    assert!(started.elapsed().as_secs() < 20);
}

#[test]
fn a_zstd_bomb_stops_at_the_expansion_limit() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bomb.warc.zst", zstd(vec![b'W'; 8 << 20]));
    let reader = Reader::builder().max_doc_bytes(1000).max_expansion_ratio(100).build().unwrap();
    let items = read(&reader, dir.path());
    assert_eq!(items.len(), 1);
    assert!(failure(&items[0]).error.contains("decompression bomb"), "{}", failure(&items[0]));
}

#[test]
fn a_corrupt_gzip_file_is_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt.gz", b"\x1f\x8bnot really gzip");
    write(dir.path(), "b.jsonl.gz", b"plain text, not gzip");
    let items = read(&reader(), dir.path());
    assert!(failure(&items[0]).error.starts_with("cannot decompress"), "{}", failure(&items[0]));
    assert!(failure(&items[1]).error.contains("cannot read"), "{}", failure(&items[1]));
}

#[test]
fn json_lines_failures_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        "{\"id\":\"ok\",\"text\":\"fine\"}",
        "{\"text\": ",
        "[1,2]",
        "{\"id\":\"notext\",\"url\":\"u\"}",
        "{\"id\":[1],\"text\":\"x\"}",
        "{\"text\":\"x\",\"title\":5}",
        "{\"text\":\"both\",\"html\":\"<p>both</p>\",\"extra\":{\"ignored\":true}}",
    ];
    write(dir.path(), "d.jsonl", lines.join("\r\n"));
    let items = read(&reader(), dir.path());
    assert_eq!(
        ids(&items),
        [
            "ok",
            "ERR d.jsonl:2",
            "ERR d.jsonl:3",
            "ERR notext",
            "ERR d.jsonl:5",
            "ERR d.jsonl:6",
            "d.jsonl:7"
        ]
    );
    assert_eq!(
        failure(&items[1]).error,
        "line 2: not valid JSON: EOF while parsing a value at column 9"
    );
    assert_eq!(failure(&items[2]).error, "line 3: bad record: expected a JSON object");
    assert_eq!(failure(&items[3]).error, "line 4: record has neither `text` nor `html`");
    assert_eq!(failure(&items[4]).error, "line 5: `id` must be a string or a number");
    assert!(failure(&items[5]).error.starts_with("line 6: bad record: invalid type: integer"));
    assert_eq!(doc(&items[6]).notes, ["record has both `text` and `html`; used `text`"]);
}

#[test]
fn warc_pages_are_decoded_by_their_http_headers() {
    let dir = tempfile::tempdir().unwrap();
    let cp1251 = http_response(
        200,
        &[("Content-Type", "text/html; charset=windows-1251")],
        &[0xcf, 0xf0, 0xe8],
    );
    let chunked_gzip = {
        let body = gzip("<p>chunked and zipped</p>");
        let (a, b) = body.split_at(10);
        let mut chunked = format!("{:x}\r\n", a.len()).into_bytes();
        chunked.extend_from_slice(a);
        chunked.extend_from_slice(format!("\r\n{:x}\r\n", b.len()).as_bytes());
        chunked.extend_from_slice(b);
        chunked.extend_from_slice(b"\r\n0\r\n\r\n");
        http_response(
            200,
            &[
                ("Content-Type", "text/html"),
                ("Transfer-Encoding", "chunked"),
                ("Content-Encoding", "gzip"),
            ],
            &chunked,
        )
    };
    let records = [
        warcinfo(),
        warc_record(
            "request",
            "https://x/1",
            "application/http; msgtype=request",
            b"GET / HTTP/1.1\r\n\r\n",
        ),
        warc_record("response", "https://x/1", "application/http; msgtype=response", &cp1251),
        warc_record("response", "https://x/2", "application/http; msgtype=response", &chunked_gzip),
        warc_record(
            "resource",
            "file:///notes.txt",
            "text/plain; charset=utf-8",
            b"plain resource",
        ),
        warc_record(
            "response",
            "https://x/404",
            "application/http",
            &http_response(404, &[("Content-Type", "text/html")], b"gone"),
        ),
        warc_record(
            "response",
            "https://x/logo",
            "application/http",
            &http_response(200, &[("Content-Type", "image/png")], b"\x89PNG"),
        ),
        warc_record("metadata", "https://x/1", "application/warc-fields", b"via: x\r\n"),
    ]
    .concat();
    write(dir.path(), "crawl.warc", &records);
    let mut docs = reader().read([Source::Path(dir.path().into())]);
    let items: Vec<_> = docs.by_ref().collect();
    assert_eq!(ids(&items), ["https://x/1", "https://x/2", "file:///notes.txt"]);
    assert_eq!(doc(&items[0]).doc.body, Body::Html("При".into()));
    assert_eq!(doc(&items[0]).doc.url.as_deref(), Some("https://x/1"));
    assert_eq!(doc(&items[1]).doc.body, Body::Html("<p>chunked and zipped</p>".into()));
    assert_eq!(doc(&items[2]).doc.body, Body::Text("plain resource".into()));
    assert_eq!(docs.skipped(), 2);
}

#[test]
fn warc_1_0_uris_and_record_ids_become_ids() {
    let dir = tempfile::tempdir().unwrap();
    let with_brackets =
        String::from_utf8(warc_record("resource", "<https://x/old>", "text/plain", b"old"))
            .unwrap()
            .replace("WARC/1.1", "WARC/1.0");
    let no_uri = b"WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:abc>\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi\r\n\r\n";
    write(dir.path(), "a.warc", [with_brackets.as_bytes(), no_uri].concat());
    let items = read(&reader(), dir.path());
    assert_eq!(ids(&items), ["https://x/old", "<urn:uuid:abc>"]);
    assert_eq!(doc(&items[1]).doc.url, None);
}

#[test]
fn a_broken_warc_fails_once_and_keeps_what_came_before() {
    let dir = tempfile::tempdir().unwrap();
    let good = html_response("https://x/1", "<p>1</p>");
    let mut truncated = html_response("https://x/2", "<p>2</p>");
    truncated.truncate(truncated.len() - 10);
    write(dir.path(), "a.warc", [good.clone(), truncated].concat());
    write(dir.path(), "b.warc", [good, b"garbage line\r\n".to_vec()].concat());
    let items = read(&reader(), dir.path());
    assert_eq!(ids(&items), ["https://x/1", "ERR https://x/2", "https://x/1", "ERR -"]);
    assert!(failure(&items[1]).error.contains("truncated"), "{}", failure(&items[1]));
    assert!(
        failure(&items[3]).error.contains("expected a WARC record header"),
        "{}",
        failure(&items[3])
    );
}

#[test]
fn an_oversized_warc_record_fails_and_the_next_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let big = html_response("https://x/big", &"x".repeat(5000));
    let small = html_response("https://x/small", "<p>s</p>");
    write(dir.path(), "a.warc.gz", gzip_members(&[big, small]));
    let reader = Reader::builder().max_doc_bytes(1000).build().unwrap();
    let items = read(&reader, dir.path());
    assert_eq!(ids(&items), ["ERR https://x/big", "https://x/small"]);
}

#[test]
fn config_is_strict_and_validated() {
    assert!(toml::from_str::<Config>("max_doc_byte = 1").is_err());
    assert!(Reader::builder().max_doc_bytes(0).build().is_err());
    assert!(Reader::builder().max_expansion_ratio(0).build().is_err());
    let config = Config { max_doc_bytes: 5, ..Config::default() };
    assert_eq!(Reader::builder().config(config.clone()).build().unwrap().config(), &config);
}
