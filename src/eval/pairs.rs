//! Scores a grouping against labelled same-story pairs.
//!
//! [`score_pairs`] computes **exactly** what the reference scorer
//! `../shared/tools/score_pairs.py` computes (a test runs both on the same files and compares
//! the output byte for byte): of the pairs labelled same story, how many share a group
//! (recall); of those labelled different, how many do (false merges); precision and F1.
//! [`PairReport::to_text`] prints the scorer's lines, [`PairReport::to_json`] its `--json`
//! line.
//!
//! Inputs, as the scorer reads them:
//!
//! - the gold pairs: JSON Lines `{"a","b","same","lang",…}`; `--lang` keeps the pairs whose
//!   `lang` equals it;
//! - the prediction: a run's `documents.jsonl` (or its folder). Two documents are grouped
//!   when they share the value of the field: `--field`, else `story` when any record has that
//!   key, else `cluster`. A record whose field is missing or null is left out, and a pair
//!   with a document left out is counted as missing, in neither recall nor precision.
//!
//! Ids and group values are compared as Python compares them: `"1"` and `1` differ, `1` and
//! `1.0` are equal; a later record with the same id wins. The prediction file is read a line
//! at a time, keeping only `id` and the field, so a million-document run scores in little
//! memory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::Error;

/// Labelled pairs: `(a, b, same, lang)` per line of the file, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairGold {
    pairs: Vec<GoldPair>,
}

#[derive(Debug, Clone, PartialEq)]
struct GoldPair {
    a: String,
    b: String,
    same: bool,
    lang: Option<Value>,
}

/// The group of every document, under one field of its record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairPrediction {
    /// The field grouped by (`story` or `cluster`, or as asked).
    field: String,
    /// Document (Python key form) → group (Python key form).
    group_of: HashMap<String, String>,
}

/// What [`score_pairs`] measures; [`PairReport::to_json`] writes it as `score_pairs.py --json`.
#[derive(Debug, Clone, PartialEq)]
pub struct PairReport {
    /// The field grouped by.
    pub field: String,
    /// Pairs scored (after the language filter), including missing ones.
    pub pairs: u64,
    /// Same-story pairs grouped / same-story pairs with both documents present.
    pub recall: f64,
    /// Same-story pairs grouped / pairs grouped (1 when none is grouped).
    pub precision: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
    /// Same-story pairs grouped.
    pub same_grouped: u64,
    /// Same-story pairs with both documents present.
    pub same_total: u64,
    /// Different-story pairs grouped.
    pub false_merges: u64,
    /// Different-story pairs with both documents present.
    pub different_total: u64,
    /// Pairs with a document the prediction does not list (or lists without the field).
    pub missing: u64,
}

/// The key Python's dict gives a JSON value: strings by their text, numbers by value (`1` and
/// `1.0` are one key, and `true` is `1`), anything else by its JSON text.
fn py_key(value: &Value) -> String {
    match value {
        Value::String(s) => format!("s{s}"),
        Value::Bool(b) => format!("n{}", u8::from(*b)),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => format!("n{i}"),
            (None, Some(u), _) => format!("n{u}"),
            (None, None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                format!("n{}", f as i64)
            }
            (None, None, Some(f)) => format!("f{f:?}"),
            _ => format!("j{n}"),
        },
        Value::Null => "None".to_owned(),
        other => format!("j{other}"),
    }
}

/// Python's truth value of a JSON value.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

impl PairGold {
    /// Reads labelled pairs from a JSON Lines file.
    ///
    /// # Errors
    ///
    /// A file that cannot be read, a line that is not JSON, a pair without `a`, `b` or `same`.
    pub fn read(path: impl AsRef<Path>) -> Result<PairGold, Error> {
        let path = path.as_ref();
        let mut pairs = Vec::new();
        super::for_each_row(path, |n, row| {
            let get = |key: &str| {
                row.get(key).ok_or_else(|| {
                    Error::parse(format!("{}:{n}", path.display()), format!("no `{key}` field"))
                })
            };
            pairs.push(GoldPair {
                a: py_key(get("a")?),
                b: py_key(get("b")?),
                same: truthy(get("same")?),
                lang: row.get("lang").cloned(),
            });
            Ok(())
        })?;
        Ok(PairGold { pairs })
    }

    /// Only the pairs whose `lang` is `lang`.
    pub fn only_lang(&self, lang: &str) -> PairGold {
        let pairs = self
            .pairs
            .iter()
            .filter(|p| matches!(&p.lang, Some(Value::String(l)) if l == lang))
            .cloned()
            .collect();
        PairGold { pairs }
    }

    /// Pairs held.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether no pair is held.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

impl PairPrediction {
    /// Reads a run's `documents.jsonl` (or the folder holding it), grouping by `field`, or by
    /// `story` when a record has that key, else by `cluster`.
    ///
    /// # Errors
    ///
    /// A file that cannot be read, a line that is not JSON.
    pub fn read(path: impl AsRef<Path>, field: Option<&str>) -> Result<PairPrediction, Error> {
        let path = path.as_ref();
        let path: PathBuf =
            if path.is_dir() { path.join("documents.jsonl") } else { path.to_path_buf() };
        // One pass keeps both candidate fields, then the choice is made as the scorer makes it.
        let mut rows: Vec<(Option<Value>, Option<Value>, Option<Value>)> = Vec::new();
        let mut any_story = false;
        super::for_each_row(&path, |_, row| {
            let Value::Object(mut fields) = row else {
                rows.push((None, None, None));
                return Ok(());
            };
            any_story |= fields.contains_key("story");
            let id = fields.remove("id");
            match field {
                Some(f) => rows.push((id, fields.remove(f), None)),
                None => rows.push((id, fields.remove("story"), fields.remove("cluster"))),
            }
            Ok(())
        })?;
        let field_name = match field {
            Some(f) => f.to_owned(),
            None if any_story => "story".to_owned(),
            None => "cluster".to_owned(),
        };
        let mut group_of = HashMap::new();
        for (id, story, cluster) in rows {
            let value = if field.is_some() || any_story { story } else { cluster };
            if let (Some(id), Some(value)) = (id, value) {
                if !value.is_null() {
                    group_of.insert(py_key(&id), py_key(&value));
                }
            }
        }
        Ok(PairPrediction { field: field_name, group_of })
    }

    /// The field grouped by.
    pub fn field(&self) -> &str {
        &self.field
    }
}

/// Scores `prediction` on `gold`, as `score_pairs.py` does.
///
/// # Example
///
/// ```no_run
/// use clean_news::eval::{PairGold, PairPrediction, score_pairs};
///
/// let gold = PairGold::read("rewrites-dev/pairs.jsonl")?;
/// let report = score_pairs(&gold, &PairPrediction::read("out/", None)?);
/// println!("{}", report.to_text());
/// # Ok::<(), clean_news::Error>(())
/// ```
pub fn score_pairs(gold: &PairGold, prediction: &PairPrediction) -> PairReport {
    let (mut tp, mut fn_, mut fp, mut tn, mut missing) = (0u64, 0u64, 0u64, 0u64, 0u64);
    for p in &gold.pairs {
        let (Some(ga), Some(gb)) = (prediction.group_of.get(&p.a), prediction.group_of.get(&p.b))
        else {
            missing += 1;
            continue;
        };
        let same = ga == gb;
        match (p.same, same) {
            (true, true) => tp += 1,
            (true, false) => fn_ += 1,
            (false, true) => fp += 1,
            (false, false) => tn += 1,
        }
    }
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    let precision = if tp + fp > 0 { tp as f64 / (tp + fp).max(1) as f64 } else { 1.0 };
    let f1 = 2.0 * precision * recall / (precision + recall).max(1e-9);
    PairReport {
        field: prediction.field.clone(),
        pairs: gold.pairs.len() as u64,
        recall,
        precision,
        f1,
        same_grouped: tp,
        same_total: tp + fn_,
        false_merges: fp,
        different_total: fp + tn,
        missing,
    }
}

impl PairReport {
    /// The scorer's two text lines (the `grouped by` line and the `SUMMARY` line), each ending
    /// in a newline.
    pub fn to_text(&self) -> String {
        format!(
            "grouped by '{}': same-story pairs grouped {}/{}; different-story pairs grouped {}/{}; missing {}\n{}\n",
            self.field,
            self.same_grouped,
            self.same_total,
            self.false_merges,
            self.different_total,
            self.missing,
            self.summary()
        )
    }

    /// The `SUMMARY recall R precision P F1 F false_merges K` line.
    pub fn summary(&self) -> String {
        format!(
            "SUMMARY recall {:.3} precision {:.3} F1 {:.3} false_merges {}",
            self.recall, self.precision, self.f1, self.false_merges
        )
    }

    /// The scorer's `--json` line (without a newline): the same keys in the same order, numbers
    /// written as Python writes them.
    pub fn to_json(&self) -> String {
        format!(
            "{{\"field\": {}, \"pairs\": {}, \"recall\": {}, \"precision\": {}, \"f1\": {}, \
             \"same_grouped\": {}, \"same_total\": {}, \"false_merges\": {}, \
             \"different_total\": {}, \"missing\": {}}}",
            py_json_string(&self.field),
            self.pairs,
            py_float(self.recall),
            py_float(self.precision),
            py_float(self.f1),
            self.same_grouped,
            self.same_total,
            self.false_merges,
            self.different_total,
            self.missing
        )
    }
}

/// A string as Python's `json.dumps` writes it (ASCII only, `\uXXXX` escapes).
fn py_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// A float as Python's `repr` writes it: the shortest text that reads back, with `.0` on whole
/// numbers and an exponent below 1e-4 or from 1e16.
fn py_float(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "NaN".into()
        } else if x > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    let abs = x.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        // Rust writes `5e-5`; Python writes `5e-05`.
        let s = format!("{x:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ("-", d),
            None => ("+", exp),
        };
        return format!("{mantissa}e{sign}{digits:0>2}");
    }
    let s = format!("{x}");
    if s.contains('.') { s } else { format!("{s}.0") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn python_keys_compare_as_python_does() {
        use serde_json::json;
        assert_eq!(py_key(&json!(1)), py_key(&json!(1.0)));
        assert_eq!(py_key(&json!(true)), py_key(&json!(1)));
        assert_ne!(py_key(&json!("1")), py_key(&json!(1)));
        assert!(!truthy(&json!(0)) && truthy(&json!("no")) && !truthy(&json!(null)));
    }

    #[test]
    fn python_floats() {
        assert_eq!(py_float(1.0), "1.0");
        assert_eq!(py_float(0.0), "0.0");
        assert_eq!(py_float(0.4164133738601824), "0.4164133738601824");
        assert_eq!(py_float(5e-5), "5e-05");
        assert_eq!(py_float(0.0001), "0.0001");
        assert_eq!(py_json_string("story"), "\"story\"");
        assert_eq!(py_json_string("é"), "\"\\u00e9\"");
    }

    #[test]
    fn counts_pairs_by_story_then_cluster() {
        let dir = tempfile::tempdir().unwrap();
        let gold = write(
            dir.path(),
            "pairs.jsonl",
            "{\"a\":\"x\",\"b\":\"y\",\"same\":true,\"lang\":\"en\"}\n\
             {\"a\":\"x\",\"b\":\"z\",\"same\":false,\"lang\":\"de\"}\n\n\
             {\"a\":\"x\",\"b\":\"w\",\"same\":true,\"lang\":\"en\"}\n",
        );
        let docs = write(
            dir.path(),
            "documents.jsonl",
            "{\"id\":\"x\",\"cluster\":\"1\",\"story\":\"s\"}\n{\"id\":\"y\",\"cluster\":\"2\",\"story\":\"s\"}\n\
             {\"id\":\"z\",\"cluster\":\"1\",\"story\":null}\n",
        );
        let gold = PairGold::read(&gold).unwrap();
        let r = score_pairs(&gold, &PairPrediction::read(&docs, None).unwrap());
        assert_eq!((r.same_grouped, r.same_total, r.false_merges, r.missing), (1, 1, 0, 2));
        assert_eq!(r.field, "story");
        let r = score_pairs(&gold, &PairPrediction::read(dir.path(), Some("cluster")).unwrap());
        assert_eq!((r.same_grouped, r.same_total, r.false_merges, r.different_total), (0, 1, 1, 1));
        assert_eq!(r.precision, 0.0);
        let en = gold.only_lang("en");
        assert_eq!(en.len(), 2);
        assert!(
            r.to_text().ends_with("SUMMARY recall 0.000 precision 0.000 F1 0.000 false_merges 1\n")
        );
    }

    #[test]
    fn bad_lines_name_the_place() {
        let dir = tempfile::tempdir().unwrap();
        let gold = write(
            dir.path(),
            "pairs.jsonl",
            "{\"a\":\"x\",\"b\":\"y\",\"same\":true}\n{\"a\":1}\n",
        );
        let err = PairGold::read(&gold).unwrap_err().to_string();
        assert!(err.contains("pairs.jsonl:2"), "{err}");
        assert!(PairGold::read(dir.path().join("absent.jsonl")).is_err());
    }
}
