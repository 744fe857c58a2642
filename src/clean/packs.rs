//! Step 3d: rule packs — the cleaner's knowledge of boilerplate, as data.
//!
//! One TOML file per language (plus `common` and `intl`) is embedded with `include_str!` in
//! [`BUILTIN`]; site packs and user packs go through the same parser at run time. The format
//! is documented in `src/clean/packs/README.md`, which is the contract for pack authors.
//!
//! Parsing is strict (`deny_unknown_fields`) and validation names the pack and the rule, so a
//! typo in a pack fails `build()` instead of silently matching nothing.

use serde::Deserialize;

use crate::{Error, RemovalClass};

/// The built-in packs: name and TOML text.
pub(crate) const BUILTIN: &[(&str, &str)] = &[
    ("common", include_str!("packs/common.toml")),
    ("en", include_str!("packs/en.toml")),
    ("ru", include_str!("packs/ru.toml")),
    ("kk", include_str!("packs/kk.toml")),
    ("kk-latn", include_str!("packs/kk-latn.toml")),
    ("kk-arab", include_str!("packs/kk-arab.toml")),
    ("uz-latn", include_str!("packs/uz-latn.toml")),
    ("uz-cyrl", include_str!("packs/uz-cyrl.toml")),
    ("ky", include_str!("packs/ky.toml")),
    ("az", include_str!("packs/az.toml")),
    ("intl", include_str!("packs/intl.toml")),
];

/// The names of the built-in packs, in load order.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(name, _)| *name)
}

/// Patterns are compiled with this size limit: a pack cannot make the cleaner slow or huge.
const MAX_PATTERN_BYTES: usize = 1 << 20;
/// Longest phrase accepted; longer literals belong in a pattern or are a mistake.
const MAX_PHRASE_CHARS: usize = 400;
/// Default for `max_line_chars`: boilerplate lines are short, body paragraphs long.
pub(crate) const DEFAULT_MAX_LINE_CHARS: usize = 200;

/// A parsed and validated pack.
#[derive(Debug, Clone)]
pub(crate) struct Pack {
    pub(crate) name: String,
    /// Sites the pack is restricted to (empty: every site).
    pub(crate) sites: Vec<String>,
    pub(crate) rules: Vec<RuleSpec>,
    /// Whether the pack ships with the crate: its patterns are known to compile (a test
    /// compiles them all), so they are compiled when first needed, not when loaded.
    pub(crate) builtin: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    pack: PackHeader,
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackHeader {
    name: String,
    #[serde(default)]
    #[allow(dead_code)] // informative, shown by tools that list packs
    languages: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    #[serde(default)]
    sites: Vec<String>,
}

/// One rule as written in a pack.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleSpec {
    pub(crate) id: String,
    pub(crate) class: RemovalClass,
    #[serde(default)]
    pub(crate) action: Action,
    #[serde(default)]
    pub(crate) zone: Zone,
    #[serde(default)]
    pub(crate) phrases: Vec<String>,
    #[serde(default)]
    pub(crate) pattern: Option<String>,
    #[serde(default)]
    pub(crate) whole_line: bool,
    #[serde(default = "default_max_line_chars")]
    pub(crate) max_line_chars: usize,
    #[serde(default)]
    pub(crate) scope: Scope,
    #[serde(default)]
    #[allow(dead_code)] // documentation for readers of the pack and of `explain`
    pub(crate) why: String,
    /// Lines the rule must match: checked by the tests, not at run time.
    #[serde(default)]
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) examples: Vec<String>,
    /// Lines the rule must not match.
    #[serde(default)]
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) keep: Vec<String>,
}

fn default_max_line_chars() -> usize {
    DEFAULT_MAX_LINE_CHARS
}

/// What a rule does with a line it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Action {
    /// Remove the line; named groups become metadata.
    #[default]
    Drop,
    /// Keep the line; named groups become metadata.
    KeepMeta,
    /// Remove this line and everything after it (only once the body has started).
    CutTail,
    /// Remove only the matched text from the line.
    Strip,
}

/// Where in the document a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Zone {
    /// Before the first body paragraph.
    Head,
    /// The first body paragraph.
    Lead,
    /// From the first body paragraph on.
    Body,
    /// The trailing run of boilerplate after the last body paragraph.
    Tail,
    /// Everywhere.
    #[default]
    Any,
}

/// Which part of a long line a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Scope {
    /// The whole line; longer lines than `max_line_chars` are skipped.
    #[default]
    Line,
    /// The first `max_line_chars` characters.
    Start,
    /// The last `max_line_chars` characters.
    End,
}

/// Parses and validates one pack. `origin` names it in errors (a pack name or a path).
pub(crate) fn parse(origin: &str, toml_text: &str) -> Result<Pack, Error> {
    parse_pack(origin, toml_text, false)
}

/// [`parse`]; a `builtin` pack's patterns are not compiled to validate them (see
/// [`Pack::builtin`]).
fn parse_pack(origin: &str, toml_text: &str, builtin: bool) -> Result<Pack, Error> {
    let file: PackFile = toml::from_str(toml_text)
        .map_err(|e| Error::pack(origin, None, format!("invalid TOML: {}", e.message().trim())))?;
    let name = file.pack.name;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return Err(Error::pack(origin, None, format!("invalid pack name {name:?}")));
    }
    let mut seen = std::collections::BTreeSet::new();
    for rule in &file.rule {
        validate_rule(&name, rule, !builtin)?;
        if !seen.insert(rule.id.as_str()) {
            return Err(Error::pack(&name, Some(&rule.id), "duplicate rule id"));
        }
    }
    Ok(Pack { name, sites: file.pack.sites, rules: file.rule, builtin })
}

fn validate_rule(pack: &str, rule: &RuleSpec, compile: bool) -> Result<(), Error> {
    let id = rule.id.as_str();
    let fail = |message: String| Err(Error::pack(pack, Some(id), message));
    if !id.strip_prefix(pack).is_some_and(|rest| rest.starts_with('.') && rest.len() > 1) {
        return fail(format!("rule id must start with \"{pack}.\""));
    }
    if rule.phrases.is_empty() && rule.pattern.is_none() {
        return fail("a rule needs `phrases`, `pattern`, or both".into());
    }
    if rule.max_line_chars == 0 {
        return fail("max_line_chars must be at least 1".into());
    }
    for phrase in &rule.phrases {
        let folded = crate::normalize::for_matching(phrase);
        if folded.is_empty() {
            return fail(format!("empty phrase {phrase:?}"));
        }
        if folded.chars().count() > MAX_PHRASE_CHARS {
            return fail(format!("phrase longer than {MAX_PHRASE_CHARS} characters"));
        }
    }
    if rule.action == Action::Strip && rule.pattern.is_none() {
        return fail("a `strip` rule needs a `pattern` that matches the text to remove".into());
    }
    if let Some(pattern) = rule.pattern.as_ref().filter(|_| compile) {
        compile_pattern(pattern).map_err(|e| Error::pack(pack, Some(id), e))?;
    }
    Ok(())
}

/// Compiles a rule pattern with the limits every pattern gets.
pub(crate) fn compile_pattern(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(MAX_PATTERN_BYTES)
        .dfa_size_limit(MAX_PATTERN_BYTES)
        .build()
        .map_err(|e| format!("pattern does not compile: {e}"))
}

/// Loads built-in packs by name.
pub(crate) fn load_builtin(name: &str) -> Result<Pack, Error> {
    let (_, text) = BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| Error::pack(name, None, "no built-in pack of that name"))?;
    let pack = parse_pack(name, text, true)?;
    if pack.name != name {
        return Err(Error::pack(name, None, format!("[pack] name is {:?}", pack.name)));
    }
    Ok(pack)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_pack_loads() {
        for name in builtin_names() {
            let pack = load_builtin(name).unwrap_or_else(|e| panic!("{e}"));
            assert!(!pack.rules.is_empty(), "pack {name} has no rules");
            // Built-in patterns are compiled when first needed; this is where they must
            // compile (see `Pack::builtin`).
            for rule in pack.rules.iter().filter(|r| r.pattern.is_some()) {
                let pattern = rule.pattern.as_deref().unwrap_or_default();
                compile_pattern(pattern).unwrap_or_else(|e| panic!("{}: {e}", rule.id));
            }
        }
    }

    #[test]
    fn rule_ids_are_unique_across_packs() {
        let mut seen = std::collections::BTreeMap::new();
        for name in builtin_names() {
            for rule in load_builtin(name).unwrap().rules {
                if let Some(other) = seen.insert(rule.id.clone(), name) {
                    panic!("rule {} is in packs {other} and {name}", rule.id);
                }
            }
        }
    }

    #[test]
    fn rejects_unknown_keys_naming_the_pack() {
        let err = parse("mine", "[pack]\nname = \"mine\"\n[[rule]]\nid = \"mine.ad.x\"\nclass = \"ad\"\nphrase = [\"x\"]\n")
            .unwrap_err();
        assert!(err.to_string().contains("mine"), "{err}");
        assert!(err.to_string().contains("phrase"), "{err}");
    }

    #[test]
    fn rejects_bad_ids_classes_and_patterns() {
        let rule = |body: &str| format!("[pack]\nname = \"p\"\n[[rule]]\n{body}\n");
        let cases = [
            ("id = \"q.ad.x\"\nclass = \"ad\"\nphrases = [\"x\"]", "must start with"),
            ("id = \"p.ad.x\"\nclass = \"adverts\"\nphrases = [\"x\"]", "adverts"),
            ("id = \"p.ad.x\"\nclass = \"ad\"", "needs `phrases`"),
            ("id = \"p.ad.x\"\nclass = \"ad\"\npattern = \"(\"", "does not compile"),
            ("id = \"p.ad.x\"\nclass = \"ad\"\naction = \"strip\"\nphrases = [\"x\"]", "strip"),
        ];
        for (body, needle) in cases {
            let err = parse("p", &rule(body)).unwrap_err().to_string();
            assert!(err.contains(needle), "{body:?}: {err}");
        }
    }

    #[test]
    fn rejects_duplicate_ids() {
        let text = "[pack]\nname = \"p\"\n[[rule]]\nid = \"p.ad.x\"\nclass = \"ad\"\nphrases = [\"x\"]\n\
                    [[rule]]\nid = \"p.ad.x\"\nclass = \"ad\"\nphrases = [\"y\"]\n";
        assert!(parse("p", text).unwrap_err().to_string().contains("duplicate"));
    }
}
