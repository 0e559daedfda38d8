//! Turns the PATH arguments of a command into the core's [`Input`]s.
//!
//! A file named on the command line is read whatever its extension; a folder
//! is walked (following symlinks) for `*.yaml` and `*.yml` files, skipping
//! hidden entries, `node_modules` and `target`. Anything that cannot be read
//! becomes an [`InputContent::Unreadable`] input naming the reason, so one bad
//! file never hides the others; only a path argument that does not exist at
//! all stops the command. The result is in a fixed order: the arguments as
//! given, each folder's files sorted by name.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Read as _};
use std::path::{Component, Path, PathBuf};

use lattice_core::{Input, InputContent};
use rayon::prelude::*;

use crate::Error;

/// The default of `--max-file-size`: 16 MiB, far above any hand-written spec.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// Folder names that hold build output or vendored code, never specs.
const IGNORED_NAMES: [&str; 2] = ["node_modules", "target"];

/// How to load.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// Files larger than this many bytes are not read and become
    /// [`InputContent::TooLarge`].
    pub max_file_size: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// Read every spec file under `paths`.
///
/// Fails only when a path argument does not exist ([`Error::PathNotFound`],
/// naming all of them); everything else that goes wrong is reported in the
/// returned inputs. A file reached twice (the same file through two
/// arguments or a symlink) is read once, under the first path it was reached
/// by.
pub fn load(paths: &[PathBuf], options: LoadOptions) -> Result<Vec<Input>, Error> {
    let missing: Vec<PathBuf> = paths
        .iter()
        .filter(|path| is_missing(path))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(Error::PathNotFound { paths: missing });
    }

    let mut candidates = Vec::new();
    for path in paths {
        collect(path, &mut candidates);
    }
    let loaded: Vec<(Input, Option<FileKey>)> = candidates
        .into_par_iter()
        .map(|candidate| candidate.load(options))
        .collect();
    Ok(dedupe(loaded))
}

/// What makes a file the same file whatever path reached it: its device and
/// inode, read from the open file, so no path is resolved twice.
#[cfg(unix)]
type FileKey = (u64, u64);
#[cfg(not(unix))]
type FileKey = PathBuf;

#[cfg(unix)]
#[expect(
    clippy::unnecessary_wraps,
    reason = "resolving the path, as other platforms do, can fail"
)]
fn file_key(_path: &Path, metadata: &fs::Metadata) -> Option<FileKey> {
    use std::os::unix::fs::MetadataExt as _;
    Some((metadata.dev(), metadata.ino()))
}

#[cfg(not(unix))]
fn file_key(path: &Path, _metadata: &fs::Metadata) -> Option<FileKey> {
    fs::canonicalize(path).ok()
}

/// A file found by [`collect`], not yet read.
enum Candidate {
    Read { path: PathBuf, display: String },
    Failed { display: String, reason: String },
}

impl Candidate {
    fn load(self, options: LoadOptions) -> (Input, Option<FileKey>) {
        match self {
            Candidate::Read { path, display } => {
                let (content, key) = read(&path, options.max_file_size);
                let input = Input {
                    path: display,
                    content,
                };
                (input, key)
            }
            Candidate::Failed { display, reason } => {
                let input = Input {
                    path: display,
                    content: InputContent::Unreadable(reason),
                };
                (input, None)
            }
        }
    }
}

/// `NotADirectory` covers `file.yaml/child`, which names nothing either.
fn is_missing(path: &Path) -> bool {
    fs::symlink_metadata(path).is_err_and(|error| {
        matches!(
            error.kind(),
            io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
        )
    })
}

fn collect(arg: &Path, out: &mut Vec<Candidate>) {
    match fs::metadata(arg) {
        Ok(metadata) if metadata.is_dir() => walk(arg, out),
        // Named on purpose: read it whatever it is, a FIFO from `<(...)` included.
        Ok(_) => out.push(Candidate::Read {
            path: arg.to_owned(),
            display: display_path(arg),
        }),
        Err(error) => out.push(Candidate::Failed {
            display: display_path(arg),
            reason: describe_io_error(&error, arg),
        }),
    }
}

fn walk(root: &Path, out: &mut Vec<Candidate>) {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !is_ignored(entry.path()));

    for entry in walker {
        match entry {
            Ok(entry) if entry.file_type().is_dir() || !has_yaml_extension(entry.path()) => {}
            Ok(entry) if !entry.file_type().is_file() => out.push(Candidate::Failed {
                display: display_path(entry.path()),
                // Opening a FIFO blocks until someone writes to it.
                reason: "not a regular file (a FIFO, socket or device); name it on the command \
                         line to read it anyway"
                    .to_owned(),
            }),
            Ok(entry) => out.push(Candidate::Read {
                path: entry.path().to_owned(),
                display: display_path(entry.path()),
            }),
            Err(error) => {
                if let Some(failed) = walk_failure(root, &error) {
                    out.push(failed);
                }
            }
        }
    }
}

/// What to report for a walk error, or `None` when the entry would have been
/// skipped had it been readable: an ignored name, or a file extension other
/// than YAML (a dangling `README.md` link is no reason to fail a check).
fn walk_failure(root: &Path, error: &walkdir::Error) -> Option<Candidate> {
    let path = error.path().unwrap_or(root);
    let is_dir = fs::metadata(path).is_ok_and(|metadata| metadata.is_dir());
    let skipped_anyway = !is_dir && path.extension().is_some() && !has_yaml_extension(path);
    if path != root && (is_ignored(path) || skipped_anyway) {
        return None;
    }

    let reason = if let Some(ancestor) = error.loop_ancestor() {
        format!(
            "symlink loop: it leads back to `{}`, which is already being read; it was not \
             followed",
            display_path(ancestor)
        )
    } else if let Some(io_error) = error.io_error() {
        describe_io_error(io_error, path)
    } else {
        error.to_string()
    };
    Some(Candidate::Failed {
        display: display_path(path),
        reason,
    })
}

/// A reason that says what happened to `path` in words, not errno names.
fn describe_io_error(error: &io::Error, path: &Path) -> String {
    let is_symlink = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    match error.kind() {
        io::ErrorKind::NotFound if is_symlink => {
            "broken symlink: its target does not exist".to_owned()
        }
        io::ErrorKind::NotFound => "it disappeared while being read".to_owned(),
        io::ErrorKind::PermissionDenied => {
            "permission denied: make it readable by the user running the check".to_owned()
        }
        _ => format!("cannot read it: {error}"),
    }
}

fn is_ignored(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with('.') || IGNORED_NAMES.contains(&name))
}

fn has_yaml_extension(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("yaml") || ext.eq_ignore_ascii_case("yml"))
}

/// Keep the first of several inputs that are the same file, so that
/// `check . specs` or a symlinked spec does not report every service in it
/// as a duplicate of itself; and one report of a path that failed twice.
fn dedupe(loaded: Vec<(Input, Option<FileKey>)>) -> Vec<Input> {
    let mut seen_files = HashSet::new();
    let mut seen_failures = HashSet::new();
    let mut inputs = Vec::with_capacity(loaded.len());
    for (input, key) in loaded {
        let first = match key {
            Some(key) => seen_files.insert(key),
            None => {
                !matches!(input.content, InputContent::Unreadable(_))
                    || seen_failures.insert(input.path.clone())
            }
        };
        if first {
            inputs.push(input);
        }
    }
    inputs
}

/// Read at most `limit` bytes of `path`.
///
/// The size is taken from the open file, so the file is never read when it
/// is too large; the read itself is capped too: a file at the size it
/// measured (one that grows meanwhile is not followed), a stream, whose size
/// is not known in advance, at the limit.
///
/// Also returns what identifies the file, when it could be opened.
fn read(path: &Path, limit: u64) -> (InputContent, Option<FileKey>) {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) => {
            return (
                InputContent::Unreadable(describe_io_error(&error, path)),
                None,
            );
        }
    };
    let (known_size, key) = match file.metadata() {
        Ok(metadata) if metadata.is_file() => (metadata.len(), file_key(path, &metadata)),
        // A stream (a FIFO, `<(...)`) is read each time it is named.
        Ok(_) => (0, None),
        Err(error) => {
            return (
                InputContent::Unreadable(describe_io_error(&error, path)),
                None,
            );
        }
    };
    if known_size > limit {
        let content = InputContent::TooLarge {
            size: known_size,
            limit,
        };
        return (content, key);
    }

    if known_size > 0 {
        let content = match read_measured(file, known_size as usize) {
            Ok(bytes) => InputContent::Bytes(bytes),
            Err(error) => InputContent::Unreadable(describe_io_error(&error, path)),
        };
        return (content, key);
    }
    // A stream, or a file whose size is not known up front (procfs gives 0).
    let mut bytes = Vec::new();
    let content = match file.take(limit.saturating_add(1)).read_to_end(&mut bytes) {
        Ok(read) if read as u64 > limit => InputContent::TooLarge {
            size: known_size.max(read as u64),
            limit,
        },
        Ok(_) => InputContent::Bytes(bytes),
        Err(error) => InputContent::Unreadable(describe_io_error(&error, path)),
    };
    (content, key)
}

/// The first `size` bytes of a regular file that measured `size`: usually one
/// `read` call, where reading to the end would take a second one to see the
/// end (48,000 calls at 50,000 services). A file that grew after it was
/// measured is read as it was then; one that shrank, up to its new end.
fn read_measured(mut file: File, size: usize) -> io::Result<Vec<u8>> {
    let mut bytes = vec![0; size];
    let mut filled = 0;
    while filled < size {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

/// The path as people read it: as given, without a leading `./`, with `/`
/// between components on every platform.
#[must_use]
pub fn display_path(path: &Path) -> String {
    let mut out = String::new();
    let components = path
        .components()
        .skip_while(|c| matches!(c, Component::CurDir));
    for component in components {
        match component {
            Component::Prefix(prefix) => out.push_str(&prefix.as_os_str().to_string_lossy()),
            Component::RootDir => out.push('/'),
            other => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&other.as_os_str().to_string_lossy());
            }
        }
    }
    if out.is_empty() { ".".to_owned() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths_drop_the_leading_dot() {
        assert_eq!(display_path(Path::new("./a.yaml")), "a.yaml");
        assert_eq!(
            display_path(&Path::new(".").join("specs/a.yaml")),
            "specs/a.yaml"
        );
        assert_eq!(display_path(Path::new(".")), ".");
        assert_eq!(display_path(Path::new("specs/")), "specs");
        assert_eq!(
            display_path(Path::new("../specs/./a.yaml")),
            "../specs/a.yaml"
        );
        assert_eq!(
            display_path(Path::new("/srv/specs/a.yaml")),
            "/srv/specs/a.yaml"
        );
    }

    #[test]
    fn yaml_extensions_ignore_case() {
        assert!(has_yaml_extension(Path::new("a.yaml")));
        assert!(has_yaml_extension(Path::new("a.YML")));
        assert!(!has_yaml_extension(Path::new("a.json")));
        assert!(!has_yaml_extension(Path::new("yaml")));
    }
}
