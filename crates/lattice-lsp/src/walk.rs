//! Finding the YAML files under the workspace folders.
//!
//! A small walker of its own, so that the server does not depend on the
//! command line's loader. It skips the folders that hold tools' state or
//! dependencies, never follows symbolic links to folders (a link loop would
//! never end), and never fails: a folder it cannot read is logged and left
//! out.

use std::path::{Path, PathBuf};

/// Folders never entered: version control, dependencies and build output.
pub const SKIPPED_DIRS: [&str; 3] = [".git", "node_modules", "target"];

/// Whether `path` names a file the server analyzes (`*.yaml` or `*.yml`).
#[must_use]
pub fn is_yaml(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// Whether `path` lies in a skipped folder below `root`.
#[must_use]
pub fn is_skipped(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root).is_ok_and(|rel| {
        rel.components()
            .any(|c| SKIPPED_DIRS.iter().any(|s| c.as_os_str() == *s))
    })
}

/// Every YAML file under `root`, sorted.
#[must_use]
pub fn yaml_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) => {
                tracing::warn!(dir = %dir.display(), %error, "folder not read");
                continue;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                let skipped = entry
                    .file_name()
                    .to_str()
                    .is_some_and(|n| SKIPPED_DIRS.contains(&n));
                if !skipped {
                    stack.push(path);
                }
            } else if is_yaml(&path) && (kind.is_file() || path.is_file()) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_yaml_and_skips_tool_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for path in [
            "a.yaml",
            "sub/b.yml",
            "sub/c.txt",
            ".git/d.yaml",
            "node_modules/x/e.yaml",
            "target/f.yaml",
        ] {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "a: 1\n").unwrap();
        }
        let found: Vec<_> = yaml_files(root)
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(found, vec!["a.yaml", "sub/b.yml"]);
        assert!(is_skipped(root, &root.join("node_modules/x/e.yaml")));
        assert!(!is_skipped(root, &root.join("sub/b.yml")));
    }
}
