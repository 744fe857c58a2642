//! File names from document ids: ids come from the input (a URL, a JSON field), so writing
//! one document per file must never let an id climb out of the output folder or name a
//! device.

use std::path::PathBuf;

/// A relative path made from a document id, safe to join under an output folder.
///
/// Ids come from the input (file paths, JSON fields, URLs) and may hold anything. The path
/// keeps the id's `/`- or `\`-separated structure but never escapes the folder it is joined
/// to and is valid on Linux, macOS and Windows:
///
/// - empty, `.` and `..` components are dropped, so it is never absolute and never climbs;
/// - NUL, control characters and `<>:"|?*` become `_` (so `C:` is no drive, `https:` no
///   scheme);
/// - trailing dots and spaces become `_`, Windows device names (`CON`, `nul.txt`, …) get a
///   leading `_`;
/// - a component over 200 bytes is cut and given a hash of the original, to stay unique;
/// - an id with nothing left becomes `_`.
pub(crate) fn safe_relative_path(id: &str) -> PathBuf {
    let mut path = PathBuf::new();
    for component in id.split(['/', '\\']) {
        if component.is_empty() || component == "." || component == ".." {
            continue;
        }
        path.push(safe_component(component));
    }
    if path.as_os_str().is_empty() {
        path.push("_");
    }
    path
}

/// The longest path component kept whole (most file systems allow 255 bytes).
const MAX_COMPONENT_BYTES: usize = 200;

fn safe_component(raw: &str) -> String {
    let mut component: String = raw
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    // Windows drops trailing dots and spaces, which would merge `a.` with `a`.
    let kept = component.trim_end_matches(['.', ' ']).len();
    let trailing = component.len() - kept;
    if trailing > 0 {
        component.truncate(kept);
        component.extend(std::iter::repeat_n('_', trailing));
    }
    let stem = component.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes().get(3).is_some_and(u8::is_ascii_digit));
    if reserved {
        component.insert(0, '_');
    }
    if component.len() > MAX_COMPONENT_BYTES {
        let mut cut = MAX_COMPONENT_BYTES - 17;
        while !component.is_char_boundary(cut) {
            cut -= 1;
        }
        component.truncate(cut);
        component.push_str(&format!("~{:016x}", xxhash_rust::xxh3::xxh3_64(raw.as_bytes())));
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn safe_paths_keep_ordinary_ids_and_defuse_hostile_ones() {
        assert_eq!(safe_relative_path("news/2024/a.txt"), Path::new("news/2024/a.txt"));
        assert_eq!(safe_relative_path("../../etc/passwd"), Path::new("etc/passwd"));
        assert_eq!(safe_relative_path("/abs/path"), Path::new("abs/path"));
        assert_eq!(safe_relative_path("C:\\Windows\\x"), Path::new("C_/Windows/x"));
        assert_eq!(
            safe_relative_path("https://example.com/a?b=1"),
            Path::new("https_/example.com/a_b=1")
        );
    }

    #[test]
    fn safe_paths_never_climb_or_start_at_a_root() {
        assert_eq!(safe_relative_path("a/../../b"), Path::new("a/b"));
        assert_eq!(safe_relative_path(".."), Path::new("_"));
        assert_eq!(safe_relative_path(""), Path::new("_"));
        assert_eq!(safe_relative_path("///"), Path::new("_"));
        assert_eq!(safe_relative_path("/etc/passwd"), Path::new("etc/passwd"));
        assert_eq!(safe_relative_path("\\\\server\\share\\x"), Path::new("server/share/x"));
        assert_eq!(safe_relative_path("\\\\?\\C:\\x"), Path::new("_/C_/x"));
        assert_eq!(safe_relative_path("./a/./b"), Path::new("a/b"));
    }

    #[test]
    fn safe_paths_replace_nul_controls_and_reserved_characters() {
        assert_eq!(safe_relative_path("a\0b"), Path::new("a_b"));
        assert_eq!(safe_relative_path("a\nb\u{1b}[31m"), Path::new("a_b_[31m"));
        assert_eq!(safe_relative_path("q?x=<1>|\"*"), Path::new("q_x=_1____"));
        assert_eq!(safe_relative_path("D:"), Path::new("D_"));
    }

    #[test]
    fn safe_paths_avoid_windows_traps() {
        assert_eq!(safe_relative_path("dir./name "), Path::new("dir_/name_"));
        assert_eq!(safe_relative_path("..."), Path::new("___"));
        assert_eq!(safe_relative_path("con"), Path::new("_con"));
        assert_eq!(safe_relative_path("a/NUL.txt"), Path::new("a/_NUL.txt"));
        assert_eq!(safe_relative_path("com1.html"), Path::new("_com1.html"));
        assert_eq!(safe_relative_path("console"), Path::new("console"));
    }

    #[test]
    fn safe_paths_cut_long_components_but_keep_them_apart() {
        let a = format!("{}a", "я".repeat(150));
        let b = format!("{}b", "я".repeat(150));
        let (pa, pb) = (safe_relative_path(&a), safe_relative_path(&b));
        assert!(pa.as_os_str().len() <= MAX_COMPONENT_BYTES);
        assert_ne!(pa, pb);
    }

    proptest::proptest! {
        #[test]
        fn safe_paths_are_always_plain_relative_components(id in ".{0,80}") {
            let path = safe_relative_path(&id);
            proptest::prop_assert!(path.is_relative());
            for component in path.components() {
                let std::path::Component::Normal(part) = component else {
                    return Err(proptest::test_runner::TestCaseError::fail(format!("{component:?}")));
                };
                let part = part.to_str().unwrap();
                proptest::prop_assert!(!part.is_empty() && part != "." && part != "..");
                proptest::prop_assert!(!part.contains(['\0', '/', '\\', ':']));
                proptest::prop_assert!(part.len() <= MAX_COMPONENT_BYTES);
            }
        }
    }
}
