//! Steps 5–8: find the reposts of a story.
//!
//! Step 5, signatures, starts here: [`shingle`] (words and word n-gram shingles),
//! [`minhash`] (one-permutation MinHash), [`simhash`] (64-bit SimHash over word hashes).

pub mod minhash;
pub mod shingle;
pub mod simhash;
