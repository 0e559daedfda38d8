//! `kubectl lattice lsp`: the language server on stdin and stdout, until the
//! editor says `exit` or closes the pipe.

use crate::{Error, ExitStatus};

/// Serve until the editor is done; a protocol or I/O failure exits 2.
pub fn run() -> Result<ExitStatus, Error> {
    lattice_lsp::run_stdio().map_err(Error::Lsp)?;
    Ok(ExitStatus::Success)
}
