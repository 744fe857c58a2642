//! The record of one document in the `docs` table: everything the index keeps of it but its
//! postings, in as few bytes as plain fields allow (no compression: the signature, most of a
//! record, is hashes that do not compress; see the parent module's figures).
//!
//! ```text
//! u8      record version (2)
//! u8      flags: 1 canonical, 2 has a publication time, 4 has a text hash
//! varint  publication time, zigzag (if flag 2)
//! u64     text hash, little-endian (if flag 4)
//! varint  length, then the id; the same for the site ("" for none), then the cluster
//! rest    the signature, as the deduplicator encoded it
//! ```
//!
//! Version 1 (format 3 of the index) kept each field behind a `u32` length and the text hash
//! in a table of its own; [`decode_v1`] reads it, to migrate such an index.

use super::IndexedDoc;

/// Version of the record encoding, first byte of every record.
pub(super) const RECORD_VERSION: u8 = 2;
const V1: u8 = 1;

const CANONICAL: u8 = 1;
const PUBLISHED: u8 = 2;
const TEXT_HASH: u8 = 4;

fn push_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn push_field(out: &mut Vec<u8>, field: &[u8]) {
    push_varint(out, field.len() as u64);
    out.extend_from_slice(field);
}

/// The record of `doc`.
pub(super) fn encode(doc: &IndexedDoc) -> Vec<u8> {
    let site = doc.site.as_deref().unwrap_or("");
    let mut out = Vec::with_capacity(
        24 + doc.id.len() + site.len() + doc.cluster.len() + doc.signature.len(),
    );
    out.push(RECORD_VERSION);
    let mut flags = 0;
    if doc.canonical {
        flags |= CANONICAL;
    }
    if doc.published.is_some() {
        flags |= PUBLISHED;
    }
    if doc.text_hash.is_some() {
        flags |= TEXT_HASH;
    }
    out.push(flags);
    if let Some(published) = doc.published {
        push_varint(&mut out, ((published << 1) ^ (published >> 63)) as u64);
    }
    if let Some(hash) = doc.text_hash {
        out.extend_from_slice(&hash.to_le_bytes());
    }
    push_field(&mut out, doc.id.as_bytes());
    push_field(&mut out, site.as_bytes());
    push_field(&mut out, doc.cluster.as_bytes());
    out.extend_from_slice(&doc.signature);
    out
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            value |= u64::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn field(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.varint()?).ok()?;
        self.take(len)
    }

    fn u32_field(&mut self) -> Option<&'a [u8]> {
        let len = u32::from_le_bytes(self.take(4)?.try_into().ok()?);
        self.take(usize::try_from(len).ok()?)
    }

    fn string(field: &[u8]) -> Option<String> {
        String::from_utf8(field.to_vec()).ok()
    }
}

/// Reads a record back; `None` when the bytes are not one.
pub(super) fn decode(bytes: &[u8]) -> Option<IndexedDoc> {
    let mut reader = Reader(bytes);
    if reader.take(1)? != [RECORD_VERSION] {
        return None;
    }
    let flags = reader.take(1)?[0];
    if flags & !(CANONICAL | PUBLISHED | TEXT_HASH) != 0 {
        return None;
    }
    let published = if flags & PUBLISHED != 0 {
        let zigzag = reader.varint()?;
        Some(((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64))
    } else {
        None
    };
    let text_hash = if flags & TEXT_HASH != 0 {
        Some(u64::from_le_bytes(reader.take(8)?.try_into().ok()?))
    } else {
        None
    };
    let id = Reader::string(reader.field()?)?;
    let site = Reader::string(reader.field()?)?;
    let cluster = Reader::string(reader.field()?)?;
    Some(IndexedDoc {
        id,
        site: (!site.is_empty()).then_some(site),
        published,
        cluster,
        canonical: flags & CANONICAL != 0,
        signature: reader.0.to_vec(),
        text_hash,
    })
}

/// Reads a record of format 3 (record version 1), without its text hash (kept apart then).
pub(super) fn decode_v1(bytes: &[u8]) -> Option<IndexedDoc> {
    let mut reader = Reader(bytes);
    if reader.take(1)? != [V1] {
        return None;
    }
    let published = i64::from_le_bytes(reader.take(8)?.try_into().ok()?);
    let canonical = reader.take(1)?[0] != 0;
    let id = Reader::string(reader.u32_field()?)?;
    let site = Reader::string(reader.u32_field()?)?;
    let cluster = Reader::string(reader.u32_field()?)?;
    let signature = reader.u32_field()?.to_vec();
    Some(IndexedDoc {
        id,
        site: (!site.is_empty()).then_some(site),
        published: (published != i64::MIN).then_some(published),
        cluster,
        canonical,
        signature,
        text_hash: None,
    })
}

#[cfg(test)]
pub(super) fn encode_v1(doc: &IndexedDoc) -> Vec<u8> {
    let mut out = vec![V1];
    out.extend_from_slice(&doc.published.unwrap_or(i64::MIN).to_le_bytes());
    out.push(u8::from(doc.canonical));
    for field in [
        doc.id.as_bytes(),
        doc.site.as_deref().unwrap_or("").as_bytes(),
        doc.cluster.as_bytes(),
        &doc.signature,
    ] {
        out.extend_from_slice(&(field.len() as u32).to_le_bytes());
        out.extend_from_slice(field);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn garbage_records_decode_to_none() {
        assert_eq!(decode(&[]), None);
        assert_eq!(decode(&[RECORD_VERSION, 1, 2]), None);
        assert_eq!(decode(&[9; 40]), None);
        assert_eq!(decode(&[RECORD_VERSION, 0x80]), None);
    }

    #[test]
    fn a_record_costs_its_fields_and_a_few_bytes() {
        let doc = IndexedDoc {
            id: "kt.kz/2026/12/07/123".into(),
            site: Some("kt.kz".into()),
            published: Some(1_796_601_600),
            cluster: "c-000123".into(),
            canonical: true,
            signature: vec![0; 1_000],
            text_hash: Some(7),
        };
        let fields = doc.id.len() + 5 + doc.cluster.len() + 1_000;
        assert!(encode(&doc).len() <= fields + 2 + 5 + 8 + 3, "{}", encode(&doc).len());
    }

    proptest! {
        #[test]
        fn records_round_trip(id in ".{0,20}", site in proptest::option::of("[a-z.]{1,10}"),
                              published: Option<i64>, text_hash: Option<u64>,
                              canonical: bool, signature in proptest::collection::vec(any::<u8>(), 0..64)) {
            let doc = IndexedDoc { id, site, published, cluster: "c".into(), canonical, signature, text_hash };
            prop_assert_eq!(decode(&encode(&doc)), Some(doc.clone()));
            let old = IndexedDoc { text_hash: None, ..doc };
            // Version 1 cannot say "published at i64::MIN"; nothing is.
            if old.published != Some(i64::MIN) {
                prop_assert_eq!(decode_v1(&encode_v1(&old)), Some(old));
            }
        }

        #[test]
        fn decoding_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode(&bytes);
            let _ = decode_v1(&bytes);
        }
    }
}
