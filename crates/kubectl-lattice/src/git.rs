//! Spec files read out of a git revision without a checkout, for
//! `diff --git`: `git ls-tree` lists the revision's files under the given
//! paths, `git cat-file --batch` streams their contents, and the result is
//! the same [`Input`]s a folder walk gives, so the analysis cannot tell the
//! two apart.
//!
//! The rules are the folder walk's: `*.yaml` and `*.yml` files, skipping
//! hidden entries, `node_modules` and `target`, unless a path argument names
//! the file itself; files over the size limit are reported, not read. Paths
//! are relative to the current folder, as git prints them and as a folder
//! walk from here would show them.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use lattice_core::{Input, InputContent};

use crate::Error;

/// Folder names that hold build output or vendored code, never specs.
const IGNORED_NAMES: [&str; 2] = ["node_modules", "target"];

/// One file of the revision's tree.
struct Entry {
    oid: String,
    size: u64,
    path: String,
}

/// Read the spec files of revision `rev` under `paths` (all of the tree
/// below the current folder when empty).
pub fn load_revision(
    rev: &str,
    paths: &[PathBuf],
    max_file_size: u64,
) -> Result<Vec<Input>, Error> {
    let failed = |message: String| Error::Git {
        rev: rev.to_owned(),
        message,
    };
    if rev.is_empty() {
        return Err(failed("the revision is empty".to_owned()));
    }
    // git would read it as an option.
    if rev.starts_with('-') {
        return Err(failed(
            "revisions never start with '-': is it a misplaced flag?".to_owned(),
        ));
    }
    let unknown = "no such commit, branch or tag in the repository around the current folder";
    let tree = git(
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{tree}}"),
        ],
        None,
    )
    .map_err(|said| {
        // `--quiet` keeps git silent about unknown revisions; anything
        // it does say (not a repository, no git) is the better reason.
        failed(if said.starts_with("git ") {
            unknown.to_owned()
        } else {
            said
        })
    })?;
    let tree = String::from_utf8_lossy(&tree).trim().to_owned();
    if tree.is_empty() {
        return Err(failed(unknown.to_owned()));
    }

    let mut args = vec![
        "--literal-pathspecs",
        "ls-tree",
        "-r",
        "-z",
        "-l",
        &tree,
        "--",
    ];
    let named: Vec<String> = paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    args.extend(named.iter().map(String::as_str));
    let listing = git(&args, None).map_err(failed)?;
    let entries = parse_tree(&listing, &named);

    let (small, large): (Vec<Entry>, Vec<Entry>) =
        entries.into_iter().partition(|e| e.size <= max_file_size);
    let mut batch = String::new();
    for entry in &small {
        batch.push_str(&entry.oid);
        batch.push('\n');
    }
    let contents = git(&["cat-file", "--batch"], Some(batch.into_bytes())).map_err(failed)?;
    let mut inputs = read_batch(&contents, small).map_err(failed)?;
    inputs.extend(large.into_iter().map(|entry| Input {
        path: entry.path,
        content: InputContent::TooLarge {
            size: entry.size,
            limit: max_file_size,
        },
    }));
    inputs.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(inputs)
}

/// Run git in the current folder with `stdin`, returning its stdout, or
/// what it said on stderr when it failed.
fn git(args: &[&str], stdin: Option<Vec<u8>>) -> Result<Vec<u8>, String> {
    let mut child = Command::new("git")
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => {
                "cannot start git: it is not installed, or not on PATH".to_owned()
            }
            _ => format!("cannot start git: {error}"),
        })?;
    // Written from another thread: git answers while it reads, and a full
    // pipe in either direction would otherwise block both sides.
    let writer = stdin.and_then(|bytes| {
        let mut pipe = child.stdin.take()?;
        Some(std::thread::spawn(move || pipe.write_all(&bytes)))
    });
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut out = child.stdout.take().expect("stdout is piped");
    let mut err = child.stderr.take().expect("stderr is piped");
    let errors = std::thread::spawn(move || err.read_to_end(&mut stderr).map(|_| stderr));
    out.read_to_end(&mut stdout)
        .map_err(|error| format!("cannot read what git wrote: {error}"))?;
    let stderr = errors.join().ok().and_then(Result::ok).unwrap_or_default();
    if let Some(writer) = writer {
        writer
            .join()
            .map_err(|_| "the thread feeding git failed".to_owned())?
            .map_err(|error| format!("cannot write to git: {error}"))?;
    }
    let status = child
        .wait()
        .map_err(|error| format!("git did not finish: {error}"))?;
    if status.success() {
        return Ok(stdout);
    }
    let said = String::from_utf8_lossy(&stderr).trim().to_owned();
    Err(if said.is_empty() {
        format!("git {} failed ({status})", args.join(" "))
    } else {
        said
    })
}

/// The blobs of `ls-tree -r -z -l` output that are spec files. `named` are
/// the path arguments: a file named there is read whatever its name.
fn parse_tree(listing: &[u8], named: &[String]) -> Vec<Entry> {
    let mut out = Vec::new();
    for record in listing.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let record = String::from_utf8_lossy(record);
        // `<mode> <type> <oid> <size>\t<path>`, the size padded with spaces.
        let Some((meta, path)) = record.split_once('\t') else {
            continue;
        };
        let fields: Vec<&str> = meta.split_whitespace().collect();
        let [mode, kind, oid, size] = fields[..] else {
            continue;
        };
        // Symbolic links (120000) hold only their target's name, and
        // submodules (160000) are commits of another repository.
        if kind != "blob" || mode == "120000" {
            continue;
        }
        let named_here = named.iter().any(|n| Path::new(n) == Path::new(path));
        let spec_file = has_yaml_extension(path) && !is_ignored(path);
        if !named_here && !spec_file {
            continue;
        }
        out.push(Entry {
            oid: oid.to_owned(),
            size: size.parse().unwrap_or(u64::MAX),
            path: path.to_owned(),
        });
    }
    out
}

/// Match the `cat-file --batch` output to `entries`, in order.
fn read_batch(contents: &[u8], entries: Vec<Entry>) -> Result<Vec<Input>, String> {
    let mut reader = BufReader::new(contents);
    let mut inputs = Vec::with_capacity(entries.len());
    for entry in entries {
        let mut header = String::new();
        reader
            .read_line(&mut header)
            .map_err(|error| format!("cannot read git's output: {error}"))?;
        // `<oid> <type> <size>`, or `<oid> missing`.
        let mut parts = header.split_whitespace();
        let (_, kind, size) = (parts.next(), parts.next(), parts.next());
        let content = match (kind, size.and_then(|s| s.parse::<usize>().ok())) {
            (Some("blob"), Some(size)) => {
                let mut bytes = vec![0; size];
                reader
                    .read_exact(&mut bytes)
                    .map_err(|error| format!("git's output ended early: {error}"))?;
                let mut newline = [0; 1];
                reader
                    .read_exact(&mut newline)
                    .map_err(|error| format!("git's output ended early: {error}"))?;
                InputContent::Bytes(bytes)
            }
            _ => InputContent::Unreadable(format!(
                "git could not read object {} of this file: {}",
                entry.oid,
                header.trim()
            )),
        };
        inputs.push(Input {
            path: entry.path,
            content,
        });
    }
    Ok(inputs)
}

fn is_ignored(path: &str) -> bool {
    path.split('/').any(|part| {
        (part.starts_with('.') && part != ".." && part != ".") || IGNORED_NAMES.contains(&part)
    })
}

fn has_yaml_extension(path: &str) -> bool {
    Path::new(path)
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("yaml") || ext.eq_ignore_ascii_case("yml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_listings_keep_spec_blobs() {
        let listing = b"100644 blob aaa     12\tspecs/a.yaml\0\
100644 blob bbb      3\tREADME.md\0\
120000 blob ccc      9\tspecs/link.yaml\0\
160000 commit ddd       -\tvendor/sub\0\
100644 blob eee      4\t.github/ci.yml\0\
100644 blob fff      5\tnotes.txt\0\
100644 blob ggg      6\t../up/b.yml\0";
        let entries = parse_tree(listing, &["notes.txt".to_owned()]);
        let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["specs/a.yaml", "notes.txt", "../up/b.yml"]);
        assert_eq!(entries[0].size, 12);
    }

    #[test]
    fn batch_output_is_split_by_sizes() {
        let entries = vec![
            Entry {
                oid: "a".into(),
                size: 5,
                path: "a.yaml".into(),
            },
            Entry {
                oid: "b".into(),
                size: 0,
                path: "b.yaml".into(),
            },
            Entry {
                oid: "c".into(),
                size: 0,
                path: "c.yaml".into(),
            },
        ];
        let out = b"a blob 5\nx: 1\n\nb blob 0\n\nc missing\n";
        let inputs = read_batch(out, entries).unwrap();
        assert!(matches!(&inputs[0].content, InputContent::Bytes(b) if b == b"x: 1\n"));
        assert!(matches!(&inputs[1].content, InputContent::Bytes(b) if b.is_empty()));
        assert!(matches!(&inputs[2].content, InputContent::Unreadable(_)));
    }
}
