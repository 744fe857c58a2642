//! A buffered reader that can look ahead any number of bytes and take bytes back.
//!
//! A WARC record's `Content-Length` can lie. The reader only knows after the block whether
//! it did (the record separator and the next `WARC/` line must follow), and when the length
//! was too long, the next record's start is already inside the bytes it read. [`Rewind`]
//! lets the WARC reader look past the block without consuming it ([`Rewind::peek`]) and
//! give the bytes of the following records back to the stream ([`Rewind::unread`]), so
//! they are read again as records instead of being lost.

use std::io::{self, BufRead, Read};

/// A [`BufRead`] with look-ahead and push-back over another one.
pub(super) struct Rewind {
    /// Bytes looked at or given back, read before `inner`; `pending[at..]` is still unread.
    pending: Vec<u8>,
    at: usize,
    inner: Box<dyn BufRead + Send>,
    /// Bytes consumed so far, less those given back.
    position: u64,
}

impl Rewind {
    pub(super) fn new(inner: Box<dyn BufRead + Send>) -> Rewind {
        Rewind { pending: Vec::new(), at: 0, inner, position: 0 }
    }

    /// How many bytes were consumed so far, less those given back.
    pub(super) fn position(&self) -> u64 {
        self.position
    }

    /// The next `n` bytes without consuming them; fewer only at the end of the input.
    ///
    /// # Errors
    ///
    /// A read error of the inner reader. The bytes looked at before it stay unread.
    pub(super) fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        if self.at > 0 {
            self.pending.drain(..self.at);
            self.at = 0;
        }
        while self.pending.len() < n {
            let available = match self.inner.fill_buf() {
                Ok(available) => available,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            };
            if available.is_empty() {
                break;
            }
            let take = available.len().min(n - self.pending.len());
            self.pending.extend_from_slice(available.get(..take).unwrap_or_default());
            self.inner.consume(take);
        }
        Ok(self.pending.get(..n).unwrap_or(&self.pending))
    }

    /// Puts `bytes` back in front of the stream: the next read returns them first.
    pub(super) fn unread(&mut self, bytes: &[u8]) {
        let rest = self.pending.get(self.at..).unwrap_or_default();
        let mut pending = Vec::with_capacity(bytes.len() + rest.len());
        pending.extend_from_slice(bytes);
        pending.extend_from_slice(rest);
        self.pending = pending;
        self.at = 0;
        self.position = self.position.saturating_sub(bytes.len() as u64);
    }
}

impl Read for Rewind {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf.get_mut(..n)
            .unwrap_or_default()
            .copy_from_slice(available.get(..n).unwrap_or_default());
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Rewind {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.at < self.pending.len() {
            return Ok(self.pending.get(self.at..).unwrap_or_default());
        }
        self.pending.clear();
        self.at = 0;
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.position = self.position.saturating_add(amount as u64);
        if self.at < self.pending.len() {
            self.at = self.at.saturating_add(amount).min(self.pending.len());
        } else {
            self.inner.consume(amount);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewind(bytes: &'static [u8], capacity: usize) -> Rewind {
        Rewind::new(Box::new(io::BufReader::with_capacity(capacity, bytes)))
    }

    #[test]
    fn peeks_across_the_inner_buffer_without_consuming() {
        let mut reader = rewind(b"abcdefgh", 3);
        assert_eq!(reader.peek(5).unwrap(), b"abcde");
        assert_eq!(reader.peek(20).unwrap(), b"abcdefgh");
        let mut all = String::new();
        reader.read_to_string(&mut all).unwrap();
        assert_eq!(all, "abcdefgh");
    }

    #[test]
    fn bytes_given_back_are_read_first() {
        let mut reader = rewind(b"abcdef", 2);
        let mut head = [0; 4];
        reader.read_exact(&mut head).unwrap();
        assert_eq!(reader.peek(1).unwrap(), b"e");
        assert_eq!(reader.position(), 4);
        reader.unread(b"cd");
        assert_eq!(reader.position(), 2);
        let mut rest = String::new();
        reader.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "cdef");
    }

    #[test]
    fn lines_read_through_it_are_whole() {
        let mut reader = rewind(b"one\ntwo\nthree", 2);
        assert_eq!(reader.peek(5).unwrap(), b"one\nt");
        let lines: Vec<String> = reader.lines().map(Result::unwrap).collect();
        assert_eq!(lines, ["one", "two", "three"]);
    }
}
