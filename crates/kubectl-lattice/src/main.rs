//! `kubectl-lattice`: the command-line front end, found by kubectl as the
//! `kubectl lattice` plugin.

use std::process::ExitCode;

use clap::Parser;
use kubectl_lattice::cli::Cli;

/// Reading a large workspace allocates and frees millions of small strings
/// from every core; mimalloc does that in a fraction of glibc's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match kubectl_lattice::run(&cli) {
        Ok(status) => status.into(),
        Err(error) => {
            eprintln!("error: {}", kubectl_lattice::error::chain(&error));
            kubectl_lattice::ExitStatus::Failure.into()
        }
    }
}
