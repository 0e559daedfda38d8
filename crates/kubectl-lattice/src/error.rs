//! The errors that stop a command before it has an answer: they exit 2, and
//! `main` prints them as one cause chain.
//!
//! Problems inside the specs are never errors here: they are diagnostics, and
//! unreadable files become inputs the core reports on.

use std::fmt::Write as _;
use std::io;
use std::path::PathBuf;

/// A failure of the command itself, not a finding about the specs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A path argument names nothing.
    #[error(
        "{} not exist: check the spelling, or pass the files or folders that hold the specs",
        quote_paths(.paths)
    )]
    PathNotFound {
        /// Every path argument that does not exist, in the order given.
        paths: Vec<PathBuf>,
    },

    /// The command line is inconsistent in a way clap cannot express.
    #[error("{0}")]
    Usage(String),

    /// Talking to the cluster failed.
    #[error(transparent)]
    Cluster(#[from] lattice_kube::ClusterError),

    /// The runtime for cluster I/O could not be started.
    #[error("cannot start the runtime for cluster I/O")]
    Runtime(#[source] io::Error),

    /// The language server stopped on a protocol or I/O failure.
    #[error("the language server stopped")]
    Lsp(#[source] Box<dyn std::error::Error + Send + Sync>),

    /// A service named on the command line is defined in no spec.
    #[error(transparent)]
    Explain(#[from] lattice_core::explain::ExplainError),

    /// A service named on the command line of `graph` or `path` is defined
    /// in no spec.
    #[error(transparent)]
    UnknownService(#[from] lattice_core::query::UnknownService),

    /// `path` was asked for a path from a service to itself.
    #[error("{0} is both FROM and TO: name two different services")]
    SameEnds(lattice_core::ServiceId),

    /// git refused to read a revision for `diff --git`.
    #[error("cannot read revision `{rev}` through git: {message}")]
    Git {
        /// The revision as given.
        rev: String,
        /// What git said, or what went wrong talking to it.
        message: String,
    },

    /// A file of `compile --out-dir` could not be written.
    #[error("cannot write `{}`", .path.display())]
    WriteFile {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },

    /// Writing the report to stdout failed (other than the reader going away).
    #[error("cannot write the report to stdout")]
    Output(#[source] io::Error),
}

fn quote_paths(paths: &[PathBuf]) -> String {
    let mut out = String::from(if paths.len() == 1 { "path " } else { "paths " });
    for (i, path) in paths.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "`{}`", path.display());
    }
    out.push_str(if paths.len() == 1 { " does" } else { " do" });
    out
}

/// `error` and its sources on one line, separated by `: `, the way `main`
/// prints it.
#[must_use]
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(out, ": {cause}");
        source = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_paths_are_all_named() {
        let one = Error::PathNotFound {
            paths: vec!["specs".into()],
        };
        assert!(one.to_string().starts_with("path `specs` does not exist: "));

        let two = Error::PathNotFound {
            paths: vec!["a".into(), "b c".into()],
        };
        assert!(
            two.to_string()
                .starts_with("paths `a`, `b c` do not exist: ")
        );
    }

    #[test]
    fn chain_joins_the_causes() {
        let error = Error::Output(io::Error::other("disk full"));
        assert_eq!(
            chain(&error),
            "cannot write the report to stdout: disk full"
        );
    }
}
