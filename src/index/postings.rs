//! Band postings (`band key → document number`) as immutable sorted segments of compressed
//! blocks, merged in tiers: the layout that keeps adds cheap and lookups fast at millions of
//! documents (the measurements are in the parent module's docs).
//!
//! A **segment** is the postings of one [`Index::add`](super::Index::add) (or of a merge),
//! sorted by key then document. It is cut into **blocks** of about [`BLOCK_POSTINGS`]
//! postings, never splitting the postings of one key, and each block is one row of the
//! `postings` table under `segment << 64 | first key`. So a key is looked up in a segment by
//! one B-tree search (the last block whose first key is at most the key) and one block
//! decode, and a sorted batch of keys walks the segment's blocks in order.
//!
//! Adding writes a new segment in key order (appends to the B-tree, whatever the keys)
//! instead of inserting millions of random keys into one big tree, which rewrote most of its
//! pages in every commit. Segments are merged as a binary counter does: while the two
//! smallest are within a factor of two of each other they become one. Batches of alike size
//! (a day's run after another) so leave about `log2(batches)` segments, each posting
//! rewritten about `log2(batches)` times in its life; batches of very different sizes leave
//! at most about `log2(postings)`, and never more than [`MAX_SEGMENTS`].
//!
//! # Block encoding
//!
//! ```text
//! varint  postings n (≥ 1)
//! u8      Rice parameter k of the key gaps
//! u8      bits w of a document number above the block's smallest
//! varint  the block's smallest document number
//! bits    n − 1 key gaps, Rice-coded with k (quotient in unary, ones ended by a zero; then
//!         k low bits), then n document numbers, w bits each, least significant bit first
//! ```
//!
//! The first key is the row's key, so it is not repeated. Band keys are uniform 64-bit
//! hashes, so the gaps between sorted keys are close to geometric and Rice codes them within
//! a bit or two of their entropy: about `66 − log2(postings in the segment)` bits a key,
//! plus `log2(documents)` bits for the document.

use std::ops::Bound;

use rayon::prelude::*;
use redb::{ReadableTable, TableDefinition};

/// `segment << 64 | first key of the block → block` (see the module docs).
pub(super) const POSTINGS: TableDefinition<u128, &[u8]> = TableDefinition::new("postings");
/// `segment → postings and blocks it holds` (two little-endian `u64`).
pub(super) const SEGMENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("segments");

/// Postings a block holds (more when one key has more documents: a key is never split).
pub(super) const BLOCK_POSTINGS: usize = 128;

/// A posting: band key, document number.
pub(super) type Posting = (u64, u64);

/// The row key of the block of `segment` that starts with `key`.
pub(super) fn row(segment: u64, key: u64) -> u128 {
    (u128::from(segment) << 64) | u128::from(key)
}

/// The segment and first key of a row key.
pub(super) fn split_row(row: u128) -> (u64, u64) {
    ((row >> 64) as u64, row as u64)
}

/// What the `segments` table says of one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SegmentInfo {
    pub(super) postings: u64,
    pub(super) blocks: u64,
    /// Low key bits its keys do not keep: [`KEY_SHIFT`], or 0 for a segment of format 4.
    pub(super) key_shift: u32,
}

impl SegmentInfo {
    /// A segment of nothing yet, whose keys drop `key_shift` low bits.
    pub(super) fn empty(key_shift: u32) -> SegmentInfo {
        SegmentInfo { postings: 0, blocks: 0, key_shift }
    }

    /// Two little-endian `u64`, then the key shift as one byte when it is not 0 (a format-4
    /// entry is the 16 bytes alone).
    pub(super) fn encode(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(17);
        out.extend_from_slice(&self.postings.to_le_bytes());
        out.extend_from_slice(&self.blocks.to_le_bytes());
        if self.key_shift != 0 {
            out.push(self.key_shift as u8);
        }
        out
    }

    pub(super) fn decode(bytes: &[u8]) -> Option<SegmentInfo> {
        let postings = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
        let blocks = u64::from_le_bytes(bytes.get(8..16)?.try_into().ok()?);
        let key_shift = match bytes.get(16..)? {
            [] => 0,
            [shift] if u32::from(*shift) == KEY_SHIFT => KEY_SHIFT,
            _ => return None,
        };
        Some(SegmentInfo { postings, blocks, key_shift })
    }
}

/// Low bits of a band key that segments written since format 5 drop (see the module docs).
pub(super) const KEY_SHIFT: u32 = 24;

/// `key` as a segment of `key_shift` keeps it: its low `key_shift` bits cleared. Monotone,
/// so sorted keys stay sorted.
pub(super) fn kept_key(key: u64, key_shift: u32) -> u64 {
    match key_shift {
        0 => key,
        shift => key & !((1u64 << shift) - 1),
    }
}

/// Every segment of the index, oldest first.
pub(super) fn segments(
    table: &impl ReadableTable<u64, &'static [u8]>,
) -> Result<Vec<(u64, Option<SegmentInfo>)>, redb::StorageError> {
    let mut out = Vec::new();
    for entry in table.iter()? {
        let (segment, info) = entry?;
        out.push((segment.value(), SegmentInfo::decode(info.value())));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Encoding

fn push_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn read_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Bits written least significant first.
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    filled: u32,
}

impl BitWriter {
    fn put(&mut self, value: u64, bits: u32) {
        // At most 32 bits at a time keep the accumulator from overflowing.
        let mut value = if bits >= 64 { value } else { value & ((1u64 << bits) - 1) };
        let mut bits = bits;
        while bits > 0 {
            let take = bits.min(32);
            self.acc |= (value & ((1u64 << take) - 1)) << self.filled;
            self.filled += take;
            value = value.checked_shr(take).unwrap_or(0);
            bits -= take;
            while self.filled >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.filled -= 8;
            }
        }
    }

    fn ones(&mut self, mut count: u64) {
        while count > 0 {
            let take = count.min(32);
            self.put(u64::MAX, take as u32);
            count -= take;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.filled > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

struct BitReader<'a> {
    bytes: &'a [u8],
    bit: usize,
}

impl BitReader<'_> {
    fn get(&mut self, bits: u32) -> Option<u64> {
        let mut value = 0u64;
        let mut done = 0u32;
        while done < bits {
            let byte = *self.bytes.get(self.bit / 8)?;
            let offset = (self.bit % 8) as u32;
            let take = (8 - offset).min(bits - done);
            let chunk = (u64::from(byte) >> offset) & ((1u64 << take) - 1);
            value |= chunk << done;
            done += take;
            self.bit += take as usize;
        }
        Some(value)
    }

    /// A run of ones ended by a zero: its length.
    fn unary(&mut self) -> Option<u64> {
        let mut count = 0u64;
        loop {
            let byte = *self.bytes.get(self.bit / 8)?;
            let offset = self.bit % 8;
            let rest = byte >> offset;
            let ones = rest.trailing_ones() as usize;
            if ones < 8 - offset {
                count += ones as u64;
                self.bit += ones + 1;
                return Some(count);
            }
            count += (8 - offset) as u64;
            self.bit += 8 - offset;
        }
    }
}

/// Bits needed to write `value`.
fn bits_of(value: u64) -> u32 {
    64 - value.leading_zeros()
}

/// Encodes one block: `postings` sorted by key, not empty, every key with its low
/// `key_shift` bits clear. Its first key goes in the row key.
pub(super) fn encode_block(postings: &[Posting], key_shift: u32) -> Vec<u8> {
    let n = postings.len();
    let first = postings.first().map_or(0, |p| p.0) >> key_shift;
    let last = postings.last().map_or(0, |p| p.0) >> key_shift;
    let mean_gap = if n > 1 { (last - first) / (n as u64 - 1) } else { 0 };
    // The Rice parameter near log2 of the mean gap is within a bit of the best one.
    let k = bits_of(mean_gap).saturating_sub(1);
    let min_doc = postings.iter().map(|p| p.1).min().unwrap_or(0);
    let max_doc = postings.iter().map(|p| p.1).max().unwrap_or(0);
    let w = bits_of(max_doc - min_doc);
    let mut out = Vec::with_capacity(8 + n * 8);
    push_varint(&mut out, n as u64);
    out.push(k as u8);
    out.push(w as u8);
    push_varint(&mut out, min_doc);
    let mut bits = BitWriter { out, acc: 0, filled: 0 };
    for pair in postings.windows(2) {
        let gap = (pair[1].0 >> key_shift) - (pair[0].0 >> key_shift);
        bits.ones(gap >> k);
        bits.put(0, 1);
        bits.put(gap, k);
    }
    for posting in postings {
        bits.put(posting.1 - min_doc, w);
    }
    bits.finish()
}

/// Decodes a block that starts with `first_key`, of a segment whose keys drop `key_shift`
/// low bits; `None` when the bytes are not a block.
pub(super) fn decode_block(first_key: u64, bytes: &[u8], key_shift: u32) -> Option<Vec<Posting>> {
    let mut at = 0;
    let n = usize::try_from(read_varint(bytes, &mut at)?).ok()?;
    let k = u32::from(*bytes.get(at)?);
    let w = u32::from(*bytes.get(at + 1)?);
    at += 2;
    let min_doc = read_varint(bytes, &mut at)?;
    // Every posting takes at least one bit (its gap's end), so a count past the bits is a
    // damaged block, not a reason to allocate.
    if n == 0 || k > 63 || w > 64 || n > bytes.len().saturating_mul(8) + 1 {
        return None;
    }
    let mut reader = BitReader { bytes: bytes.get(at..)?, bit: 0 };
    let mut out = Vec::with_capacity(n);
    let mut key = first_key;
    out.push((key, 0));
    for _ in 1..n {
        let high = reader.unary()?;
        let low = reader.get(k)?;
        let gap = high.checked_shl(k).filter(|g| g >> k == high)? | low;
        let gap = gap.checked_shl(key_shift).filter(|g| g >> key_shift == gap)?;
        key = key.checked_add(gap)?;
        out.push((key, 0));
    }
    for posting in &mut out {
        posting.1 = min_doc.checked_add(reader.get(w)?)?;
    }
    Some(out)
}

/// Where sorted `postings` are cut into blocks: about [`BLOCK_POSTINGS`] each, never inside
/// the postings of one key.
pub(super) fn block_bounds(postings: &[Posting]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::with_capacity(postings.len() / BLOCK_POSTINGS + 1);
    let mut start = 0;
    while start < postings.len() {
        let mut end = (start + BLOCK_POSTINGS).min(postings.len());
        while end < postings.len() && postings[end].0 == postings[end - 1].0 {
            end += 1;
        }
        out.push(start..end);
        start = end;
    }
    out
}

// ---------------------------------------------------------------------------------------
// Writing

/// Appends sorted, deduplicated `postings` to `segment` (blocks encoded in parallel,
/// written in key order). Returns what it wrote.
pub(super) fn write_blocks(
    table: &mut redb::Table<'_, u128, &'static [u8]>,
    segment: u64,
    postings: &[Posting],
    key_shift: u32,
) -> Result<SegmentInfo, redb::StorageError> {
    let bounds = block_bounds(postings);
    let blocks: Vec<(u64, Vec<u8>)> = bounds
        .par_iter()
        .map(|range| (postings[range.start].0, encode_block(&postings[range.clone()], key_shift)))
        .collect();
    for (first, block) in &blocks {
        table.insert(row(segment, *first), block.as_slice())?;
    }
    Ok(SegmentInfo { postings: postings.len() as u64, blocks: blocks.len() as u64, key_shift })
}

/// Why a merge or a read stopped.
#[derive(Debug)]
pub(super) enum PostingsError {
    Storage(redb::StorageError),
    /// A block that does not decode: the segment and the block's first key.
    Corrupt(u64, u64),
}

impl From<redb::StorageError> for PostingsError {
    fn from(err: redb::StorageError) -> Self {
        PostingsError::Storage(err)
    }
}

/// Postings a merge holds in memory at a time, about: the key space is cut into groups of
/// this many postings of the merged segments.
const MERGE_GROUP_POSTINGS: u64 = 1 << 20;

/// Merges `sources` into the new segment `target`, keeping the postings whose document
/// `keep` accepts, and removes the sources' blocks. Memory stays near
/// [`MERGE_GROUP_POSTINGS`] postings whatever the size: the key space (band keys are
/// uniform hashes) is walked in groups, each read, decoded and encoded in parallel.
pub(super) fn merge(
    table: &mut redb::Table<'_, u128, &'static [u8]>,
    sources: &[(u64, SegmentInfo)],
    target: u64,
    keep: &(dyn Fn(u64) -> bool + Sync),
) -> Result<SegmentInfo, PostingsError> {
    let total: u64 = sources.iter().map(|(_, info)| info.postings).sum();
    let groups = (total / MERGE_GROUP_POSTINGS).max(1);
    // Group bounds are kept keys themselves, so that a key and its kept form fall in the
    // same group whatever a source's shift.
    let step = kept_key(u64::MAX / groups, KEY_SHIFT);
    // Postings read with a block that starts in one group but reach into the next.
    let mut carry: Vec<Vec<Posting>> = vec![Vec::new(); sources.len()];
    let mut written = SegmentInfo::empty(KEY_SHIFT);
    for group in 0..groups {
        let lo = group * step;
        let hi = (group + 1 < groups).then(|| (group + 1) * step);
        let mut merged: Vec<Posting> = Vec::new();
        for ((segment, info), carried) in sources.iter().zip(&mut carry) {
            let segment = *segment;
            let end = hi.map_or(Bound::Included(row(segment, u64::MAX)), |hi| {
                Bound::Excluded(row(segment, hi))
            });
            let mut raw: Vec<(u64, Vec<u8>)> = Vec::new();
            for entry in table.range((Bound::Included(row(segment, lo)), end))? {
                let (key, block) = entry?;
                raw.push((split_row(key.value()).1, block.value().to_vec()));
            }
            let decoded: Vec<Option<Vec<Posting>>> = raw
                .par_iter()
                .map(|(first, block)| decode_block(*first, block, info.key_shift))
                .collect();
            let mut postings = std::mem::take(carried);
            for (block, (first, _)) in decoded.into_iter().zip(&raw) {
                postings.extend(block.ok_or(PostingsError::Corrupt(segment, *first))?);
            }
            if let Some(hi) = hi {
                let cut = postings.partition_point(|p| p.0 < hi);
                *carried = postings.split_off(cut);
            }
            merged.extend(postings);
        }
        merged.retain(|p| keep(p.1));
        for posting in &mut merged {
            posting.0 = kept_key(posting.0, KEY_SHIFT);
        }
        merged.par_sort_unstable();
        merged.dedup();
        let info = write_blocks(table, target, &merged, KEY_SHIFT)?;
        written.postings += info.postings;
        written.blocks += info.blocks;
    }
    for (segment, _) in sources {
        table.retain_in(row(*segment, 0)..=row(*segment, u64::MAX), |_, _| false)?;
    }
    Ok(written)
}

/// Segments past which the two smallest merge whatever their sizes.
pub(super) const MAX_SEGMENTS: usize = 24;

/// The two segments to merge next, given `(segment, postings)` of every segment: the two
/// smallest while the larger is less than twice the smaller (a binary counter), and always
/// the two smallest past [`MAX_SEGMENTS`]. The caller merges, then asks again.
pub(super) fn next_merge(sizes: &[(u64, u64)]) -> Option<[(u64, u64); 2]> {
    if sizes.len() < 2 {
        return None;
    }
    let mut by_size = sizes.to_vec();
    // Smallest first; among equals, the older first, so that the choice is deterministic.
    by_size.sort_by_key(|&(segment, postings)| (postings, segment));
    let (small, larger) = (by_size[0], by_size[1]);
    (larger.1 < small.1.saturating_mul(2) || sizes.len() > MAX_SEGMENTS).then_some([small, larger])
}

// ---------------------------------------------------------------------------------------
// Reading

/// Adds to `out` the document of every posting of `segment` under one of `keys` (sorted,
/// deduplicated). A batch of keys as large as a good part of the segment walks its blocks in
/// order; a few keys each look up their block.
pub(super) fn lookup(
    table: &impl ReadableTable<u128, &'static [u8]>,
    segment: u64,
    info: SegmentInfo,
    keys: &[u64],
    out: &mut Vec<u64>,
) -> Result<(), PostingsError> {
    let kept: Vec<u64>;
    let keys = match info.key_shift {
        0 => keys,
        shift => {
            kept = {
                let mut kept: Vec<u64> = keys.iter().map(|&k| kept_key(k, shift)).collect();
                kept.dedup();
                kept
            };
            &kept
        }
    };
    let Some(&first) = keys.first() else {
        return Ok(());
    };
    // The decoded block the last key fell in.
    let mut current: Option<Vec<Posting>> = None;
    if (keys.len() as u64).saturating_mul(4) >= info.blocks {
        // Walk the segment from the block that holds the first key.
        let start = table
            .range(row(segment, 0)..=row(segment, first))?
            .next_back()
            .transpose()?
            .map_or(first, |(key, _)| split_row(key.value()).1);
        let mut blocks = table.range(row(segment, start)..=row(segment, u64::MAX))?;
        let mut next_raw = || -> Result<Option<(u64, Vec<u8>)>, redb::StorageError> {
            Ok(blocks
                .next()
                .transpose()?
                .map(|(key, block)| (split_row(key.value()).1, block.value().to_vec())))
        };
        // The raw block the walk stands on, decoded only if a key falls in it; the next one.
        let mut standing: Option<(u64, Vec<u8>)> = None;
        let mut pending = next_raw()?;
        for &key in keys {
            while pending.as_ref().is_some_and(|(next_first, _)| *next_first <= key) {
                standing = pending.take();
                current = None;
                pending = next_raw()?;
            }
            let Some((block_first, raw)) = &standing else { continue };
            if current.is_none() {
                current = Some(
                    decode_block(*block_first, raw, info.key_shift)
                        .ok_or(PostingsError::Corrupt(segment, *block_first))?,
                );
            }
            if let Some(block) = &current {
                find(block, key, out);
            }
        }
    } else {
        for &key in keys {
            let reuse = current.as_ref().is_some_and(|block| {
                block.first().is_some_and(|f| f.0 <= key)
                    && block.last().is_some_and(|last| key <= last.0)
            });
            if !reuse {
                current = None;
                let found = table.range(row(segment, 0)..=row(segment, key))?.next_back();
                if let Some(entry) = found {
                    let (row_key, raw) = entry?;
                    let block_first = split_row(row_key.value()).1;
                    current = Some(
                        decode_block(block_first, raw.value(), info.key_shift)
                            .ok_or(PostingsError::Corrupt(segment, block_first))?,
                    );
                }
            }
            if let Some(block) = &current {
                find(block, key, out);
            }
        }
    }
    Ok(())
}

/// Adds to `out` the documents of `key` in a decoded block.
fn find(block: &[Posting], key: u64, out: &mut Vec<u64>) {
    let start = block.partition_point(|p| p.0 < key);
    out.extend(block[start..].iter().take_while(|p| p.0 == key).map(|p| p.1));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sorted(mut postings: Vec<Posting>) -> Vec<Posting> {
        postings.sort_unstable();
        postings.dedup();
        postings
    }

    #[test]
    fn uniform_keys_cost_about_their_entropy() {
        // 128 postings of uniform keys among 2^21 postings: gaps near 2^43, so about 45 bits
        // a key and 20 a document.
        let mut state = 7u64;
        let postings = sorted(
            (0..128)
                .map(|i| {
                    // xorshift: any spread of the low bits will do.
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    ((state >> 21) + (i << 43), i * 7919 % 1_000_000)
                })
                .collect(),
        );
        let block = encode_block(&postings, 0);
        assert!(block.len() < 128 * 9, "{} bytes", block.len());
        assert_eq!(decode_block(postings[0].0, &block, 0), Some(postings.clone()));

        // The same keys with 24 low bits dropped: 24 bits a key fewer, the same documents.
        let kept: Vec<Posting> =
            postings.iter().map(|&(k, d)| (kept_key(k, KEY_SHIFT), d)).collect();
        let short = encode_block(&kept, KEY_SHIFT);
        assert!(
            block.len() - short.len() >= 128 * 24 / 8 - 8,
            "{} vs {}",
            short.len(),
            block.len()
        );
        assert_eq!(decode_block(kept[0].0, &short, KEY_SHIFT), Some(kept));
    }

    #[test]
    fn segment_entries_of_both_formats_read_back() {
        let old = SegmentInfo { postings: 5, blocks: 1, key_shift: 0 };
        assert_eq!(old.encode().len(), 16);
        assert_eq!(SegmentInfo::decode(&old.encode()), Some(old));
        let new = SegmentInfo { postings: 5, blocks: 1, key_shift: KEY_SHIFT };
        assert_eq!(SegmentInfo::decode(&new.encode()), Some(new));
        assert_eq!(SegmentInfo::decode(&[0; 17]), None);
        assert_eq!(SegmentInfo::decode(&[0; 15]), None);
    }

    #[test]
    fn blocks_never_split_a_key() {
        let mut postings: Vec<Posting> = (0..300).map(|d| (5, d)).collect();
        postings.extend((0..100).map(|i| (10 + i, i)));
        let bounds = block_bounds(&postings);
        assert_eq!(bounds[0], 0..300);
        assert_eq!(bounds[1], 300..400);
    }

    #[test]
    fn the_merge_rule_is_a_binary_counter() {
        assert_eq!(next_merge(&[(0, 100)]), None);
        assert_eq!(next_merge(&[(0, 100), (1, 100)]), Some([(0, 100), (1, 100)]));
        assert_eq!(next_merge(&[(2, 200), (3, 100)]), None);
        assert_eq!(next_merge(&[(2, 200), (3, 100), (4, 100)]), Some([(3, 100), (4, 100)]));
    }

    proptest! {
        #[test]
        fn blocks_round_trip(keys in proptest::collection::vec(any::<u64>(), 1..300),
                             docs in proptest::collection::vec(any::<u64>(), 1..300)) {
            let postings = sorted(keys.iter().zip(docs.iter().cycle()).map(|(&k, &d)| (k, d)).collect());
            let block = encode_block(&postings, 0);
            prop_assert_eq!(decode_block(postings[0].0, &block, 0), Some(postings.clone()));
            let mut kept: Vec<Posting> =
                postings.iter().map(|&(k, d)| (kept_key(k, KEY_SHIFT), d)).collect();
            kept.sort_unstable();
            kept.dedup();
            let block = encode_block(&kept, KEY_SHIFT);
            prop_assert_eq!(decode_block(kept[0].0, &block, KEY_SHIFT), Some(kept));
        }

        #[test]
        fn damaged_blocks_never_panic(first: u64, bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode_block(first, &bytes, 0);
            let _ = decode_block(first, &bytes, KEY_SHIFT);
        }
    }
}
