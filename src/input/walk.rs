//! The folder walk: depth first, in byte order of the entry names, so the same tree gives
//! the same stream on every machine and file system; hidden names, links to folders,
//! sockets, pipes and devices passed over.

use std::borrow::Cow;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::Failure;

/// A depth-first walk of one folder given as a source, in byte order of names.
#[derive(Debug)]
pub(super) struct FolderWalk {
    pub(super) root: PathBuf,
    pub(super) stack: Vec<std::vec::IntoIter<(PathBuf, fs::FileType)>>,
}

impl FolderWalk {
    /// The next file to open (its path and its id), or a failure listing a folder.
    pub(super) fn next_file(&mut self, hidden: bool) -> Option<Result<(PathBuf, String), Failure>> {
        loop {
            let top = self.stack.last_mut()?;
            let Some((path, file_type)) = top.next() else {
                self.stack.pop();
                continue;
            };
            let is_hidden =
                path.file_name().is_some_and(|n| n.as_encoded_bytes().starts_with(b"."));
            if is_hidden && !hidden {
                continue;
            }
            if file_type.is_dir() {
                match list_sorted(&path) {
                    Ok(entries) => self.stack.push(entries.into_iter()),
                    Err(err) => {
                        return Some(Err(Failure {
                            path: path.display().to_string(),
                            id: None,
                            error: format!("cannot list folder: {err}"),
                        }));
                    }
                }
                continue;
            }
            let id = relative_id(&self.root, &path);
            if file_type.is_symlink() {
                match fs::metadata(&path) {
                    Ok(target) if target.is_file() => return Some(Ok((path, id))),
                    // Links to folders are not followed: that is how loops are avoided.
                    Ok(_) => continue,
                    Err(err) => {
                        return Some(Err(Failure {
                            path: path.display().to_string(),
                            id: Some(id),
                            error: format!("broken symbolic link: {err}"),
                        }));
                    }
                }
            }
            if file_type.is_file() {
                return Some(Ok((path, id)));
            }
            // Sockets, pipes and devices: opening a pipe could block the run forever.
        }
    }
}

/// A folder's entries sorted by name bytes, with their types (not following links).
pub(super) fn list_sorted(dir: &Path) -> io::Result<Vec<(PathBuf, fs::FileType)>> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        entries.push((entry.path(), entry.file_type()?));
    }
    entries.sort_by(|a, b| a.0.file_name().cmp(&b.0.file_name()));
    Ok(entries)
}

/// The id of a file found under `root`: its relative path with `/` between components.
fn relative_id(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<Cow<'_, str>> =
        relative.components().map(|c| c.as_os_str().to_string_lossy()).collect();
    parts.join("/")
}
