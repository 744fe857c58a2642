//! Multi-member gzip that survives a damaged member.
//!
//! WARC writers compress each record as its own gzip member so that one bad spot costs one
//! record, not the file. A plain multi-member decoder stops at the first damaged member and
//! loses every record after it. [`GzipMembers`] decodes member by member instead: when a
//! member is damaged (corrupt deflate data, a bad checksum, a truncated end) it returns one
//! error ([`is_damaged_member`] recognises it) and, on the next read, goes on at the next
//! gzip header found after the damage. Readers of record formats (WARC, JSON Lines) turn
//! that error into a failure for the record it fell in and read on; readers of one-document
//! files stop at it as at any error.

use std::error::Error;
use std::fmt;
use std::io::{self, BufRead, Read};
use std::mem;

use flate2::bufread::GzDecoder;

use super::rewind::Rewind;

/// The first three bytes of every gzip member: magic number and the deflate method.
const MEMBER_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

/// Whether a read error is a damaged gzip member, after which reading can go on.
pub(super) fn is_damaged_member(err: &io::Error) -> bool {
    err.get_ref().is_some_and(|inner| inner.is::<DamagedMember>())
}

/// The error for a damaged member: where it started and what the decoder said.
#[derive(Debug)]
struct DamagedMember {
    start: u64,
    cause: io::Error,
}

impl fmt::Display for DamagedMember {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gzip member at byte {} is damaged: {}", self.start, self.cause)
    }
}

impl Error for DamagedMember {}

/// Decompresses concatenated gzip members, resuming after a damaged one.
pub(super) struct GzipMembers {
    state: State,
    /// Where, in the compressed bytes, the member being decoded started.
    member_start: u64,
}

enum State {
    /// Decoding a member.
    Member(Box<GzDecoder<Rewind>>),
    /// Between members: the next byte starts a member, or the input ends.
    Between(Rewind),
    /// After a damaged member: looking for the next member's header.
    Damaged(Rewind),
    /// Taken while a read is under way; never seen between reads.
    Empty,
}

impl GzipMembers {
    pub(super) fn new(compressed: Box<dyn BufRead + Send>) -> GzipMembers {
        GzipMembers { state: State::Between(Rewind::new(compressed)), member_start: 0 }
    }

    fn start_member(&mut self, compressed: Rewind) {
        self.member_start = compressed.position();
        self.state = State::Member(Box::new(GzDecoder::new(compressed)));
    }

    /// Moves `compressed` to the next member header after a damaged member. `Ok(false)` at
    /// the end of the input.
    fn find_next_member(&self, compressed: &mut Rewind) -> io::Result<bool> {
        // The damaged member's own header is no restart point.
        if compressed.position() == self.member_start {
            compressed.consume(1);
        }
        loop {
            let available = compressed.fill_buf()?;
            if available.is_empty() {
                return Ok(false);
            }
            let Some(at) = memchr::memchr(MEMBER_MAGIC[0], available) else {
                let all = available.len();
                compressed.consume(all);
                continue;
            };
            compressed.consume(at);
            if compressed.peek(MEMBER_MAGIC.len())? == MEMBER_MAGIC {
                return Ok(true);
            }
            compressed.consume(1);
        }
    }
}

impl Read for GzipMembers {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match mem::replace(&mut self.state, State::Empty) {
                State::Member(mut decoder) => match decoder.read(buf) {
                    Ok(0) => self.state = State::Between(decoder.into_inner()),
                    Ok(n) => {
                        self.state = State::Member(decoder);
                        return Ok(n);
                    }
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {
                        self.state = State::Member(decoder);
                        return Err(err);
                    }
                    Err(cause) => {
                        self.state = State::Damaged(decoder.into_inner());
                        let damaged = DamagedMember { start: self.member_start, cause };
                        return Err(io::Error::new(io::ErrorKind::InvalidData, damaged));
                    }
                },
                State::Between(mut compressed) => {
                    let at_end = match compressed.fill_buf() {
                        Ok(available) => available.is_empty(),
                        Err(err) => {
                            self.state = State::Between(compressed);
                            return Err(err);
                        }
                    };
                    if at_end {
                        self.state = State::Between(compressed);
                        return Ok(0);
                    }
                    self.start_member(compressed);
                }
                State::Damaged(mut compressed) => match self.find_next_member(&mut compressed) {
                    Ok(true) => self.start_member(compressed),
                    Ok(false) => {
                        self.state = State::Between(compressed);
                        return Ok(0);
                    }
                    Err(err) => {
                        self.state = State::Damaged(compressed);
                        return Err(err);
                    }
                },
                State::Empty => return Ok(0),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    /// Everything readable, with the errors met on the way.
    fn read_all(compressed: Vec<u8>) -> (String, Vec<String>) {
        let mut reader = GzipMembers::new(Box::new(io::Cursor::new(compressed)));
        let mut text = Vec::new();
        let mut errors = Vec::new();
        let mut buf = [0; 7];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => text.extend_from_slice(&buf[..n]),
                Err(err) => {
                    assert!(is_damaged_member(&err), "{err}");
                    errors.push(err.to_string());
                    assert!(errors.len() < 10, "{errors:?}");
                }
            }
        }
        (String::from_utf8(text).unwrap(), errors)
    }

    #[test]
    fn reads_every_member_in_order() {
        let members = [gzip(b"one "), gzip(b"two "), gzip(b""), gzip(b"three")].concat();
        assert_eq!(read_all(members), ("one two three".to_owned(), vec![]));
    }

    #[test]
    fn a_damaged_member_is_one_error_and_the_next_members_are_read() {
        let first = gzip(b"first member ");
        let mut second = gzip(&b"second member, long enough to damage ".repeat(20));
        let middle = second.len() / 2;
        for byte in &mut second[middle..middle + 4] {
            *byte ^= 0xff;
        }
        let third = gzip(b"third member");
        let start_of_second = first.len();
        let (text, errors) = read_all([first, second, third].concat());
        assert!(text.starts_with("first member "), "{text}");
        assert!(text.ends_with("third member"), "{text}");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with(&format!("gzip member at byte {start_of_second} is damaged"))
        );
    }

    #[test]
    fn a_truncated_last_member_or_trailing_junk_is_one_error_then_the_end() {
        let mut truncated = [gzip(b"kept"), gzip(b"cut short")].concat();
        truncated.truncate(truncated.len() - 5);
        let (text, errors) = read_all(truncated);
        assert!(text.starts_with("kept"));
        assert_eq!(errors.len(), 1);

        let junk = [gzip(b"kept"), b"not gzip at all".to_vec()].concat();
        let (text, errors) = read_all(junk);
        assert_eq!(text, "kept");
        assert_eq!(errors.len(), 1);
    }
}
