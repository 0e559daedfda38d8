//! The command-line front end of `kubectl-lattice`, as a library so that the
//! loader and the renderers can be tested without spawning the binary.
//!
//! [`run`] takes parsed arguments and returns the exit status; `main` only
//! parses, calls it and prints the error chain. The analysis itself lives in
//! [`lattice_core`]: this crate reads files, hands them over, and renders what
//! comes back.

pub mod cli;
pub mod cluster;
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

/// Give up `value` without freeing it: the process is about to exit, and
/// the operating system takes back its memory at once, while freeing a
/// 50,000-service analysis piece by piece takes a tenth of a second.
pub(crate) fn exit_soon<T>(value: T) {
    std::mem::forget(value);
}

/// Run one invocation. `Ok` carries the exit status the command decided on
/// (negative answers included); `Err` is a usage or I/O failure, exit 2.
pub fn run(cli: &Cli) -> Result<ExitStatus, Error> {
    check_cluster_flags(cli)?;
    match &cli.command {
        Command::Check(args) => commands::check::run(args, &cli.global),
        Command::Compile(args) => commands::compile::run(args, &cli.global),
        Command::Explain(args) => commands::explain::run(args, &cli.global),
        Command::Graph(args) => commands::graph::run(args, &cli.global),
        Command::Path(args) => commands::path::run(args, &cli.global),
        Command::Diff(args) => commands::diff::run(args, &cli.global),
        Command::Apply(args) => commands::apply::run(args, &cli.global),
        Command::Lsp => commands::lsp::run(),
    }
}

/// The cluster flags mean something only where a cluster is read or
/// written; elsewhere they would be silently ignored.
fn check_cluster_flags(cli: &Cli) -> Result<(), Error> {
    let global = &cli.global;
    let name = match &cli.command {
        Command::Diff(_) => Some("diff"),
        Command::Lsp => Some("lsp"),
        _ => None,
    };
    if let (Some(name), true) = (name, global.from_cluster) {
        return Err(Error::Usage(format!(
            "{name} does not read specs from the cluster: leave out --from-cluster"
        )));
    }
    let cluster_flag = global.context.is_some() || global.kubeconfig.is_some();
    if cluster_flag && !global.from_cluster && !matches!(cli.command, Command::Apply(_)) {
        return Err(Error::Usage(
            "--context and --kubeconfig choose the cluster for --from-cluster and apply: add \
             --from-cluster, or leave them out"
                .to_owned(),
        ));
    }
    Ok(())
}
