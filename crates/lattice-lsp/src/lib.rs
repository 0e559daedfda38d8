//! The language server of `kubectl-lattice`: LSP 3.17 on stdio for YAML files
//! holding Lattice specs.
//!
//! Every spec under the workspace folders is loaded at start and analyzed as
//! one set, because an agreement always involves two files: an edit in one
//! file can fix or break the other. The server offers diagnostics (with the
//! counterpart's spec as related information), completion of service names,
//! namespaces, fields and enum values, hover with the agreement status and
//! what a declaration compiles to, go to definition, references, rename
//! across files, the quick fix that inserts the missing counterpart
//! declaration into the other service's file, and code lenses with the status
//! of every declaration.
//!
//! # Why `lsp-server`
//!
//! The server is built on `lsp-server` and `lsp-types`, the synchronous
//! scaffold of rust-analyzer, rather than `tower-lsp` on tokio: every request
//! is answered from an in-memory analysis in well under a millisecond per
//! file, so an async runtime would buy nothing but compile time, and a single
//! thread that owns the workspace keeps the order of edits and analyses
//! obvious. The only slow thing, asking a cluster for names, runs on its own
//! thread behind a cache ([`cluster`]).
//!
//! # Layout
//!
//! [`server`] runs the loop and dispatches; one file per LSP method sits under
//! [`handlers`]; [`workspace`] is the set of files and their cached parses;
//! [`incremental`] keeps the cross-file analysis up to date one changed
//! file at a time, and says which files' diagnostics to publish again;
//! [`position`] is the only place where byte offsets become LSP positions;
//! [`diagnostics`] is the only conversion of core diagnostics. Nothing is
//! ever printed to stdout except the protocol: logs go to stderr through
//! `tracing`.

pub mod cluster;
pub mod complete;
pub mod diagnostics;
pub mod document;
pub mod handlers;
pub mod incremental;
pub mod locate;
pub mod position;
pub mod preview;
pub mod server;
pub mod status;
pub mod uri;
pub mod walk;
pub mod workspace;

pub use server::{ClusterConfig, ClusterProvider, Config, run, run_stdio};
