//! The command-line front end of `kubectl-lattice`, as a library so that the
//! loader and the renderers can be tested without spawning the binary.
//!
//! [`run`] takes parsed arguments and returns the exit status; `main` only
//! parses, calls it and prints the error chain. The analysis itself lives in
//! [`lattice_core`]: this crate reads files, hands them over, and renders what
//! comes back.

pub mod cli;
pub mod commands;
pub mod error;
pub mod exit;
pub mod git;
pub mod load;
pub mod render;
pub mod specs;

pub use error::Error;
pub use exit::ExitStatus;

use cli::{Cli, Command};

/// Run one invocation. `Ok` carries the exit status the command decided on
/// (negative answers included); `Err` is a usage or I/O failure, exit 2.
pub fn run(cli: &Cli) -> Result<ExitStatus, Error> {
    // TODO: reading specs from the cluster (kube client, `--context`,
    // `--kubeconfig`, `-A`) needs the cluster crate, which does not exist yet;
    // until then the flag is declared so that scripts see a clear refusal.
    if cli.global.from_cluster {
        return Err(Error::Unsupported {
            flag: "--from-cluster",
            instead: "pass the files or folders that hold the specs",
        });
    }

    match &cli.command {
        Command::Check(args) => commands::check::run(args, &cli.global),
        Command::Compile(args) => commands::compile::run(args, &cli.global),
        Command::Explain(args) => commands::explain::run(args, &cli.global),
        Command::Graph(args) => commands::graph::run(args, &cli.global),
        Command::Path(args) => commands::path::run(args, &cli.global),
        Command::Diff(args) => commands::diff::run(args, &cli.global),
        Command::Lsp => commands::lsp::run(),
    }
}
