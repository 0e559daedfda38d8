//! `kubectl lattice lsp`: the language server on stdin and stdout, until the
//! editor says `exit` or closes the pipe. Names for completion come from the
//! cluster the editor's settings name, read with the same reader as
//! `--from-cluster`.

use crate::{Error, ExitStatus};

/// Serve until the editor is done; a protocol or I/O failure exits 2.
pub fn run() -> Result<ExitStatus, Error> {
    let provider: lattice_lsp::ClusterProvider =
        std::sync::Arc::new(|config: &lattice_lsp::ClusterConfig| {
            crate::cluster::SpecNames::provider(
                config.kubeconfig.as_ref().map(Into::into),
                config.context.clone(),
            )
        });
    lattice_lsp::run_stdio(Some(provider)).map_err(Error::Lsp)?;
    Ok(ExitStatus::Success)
}
