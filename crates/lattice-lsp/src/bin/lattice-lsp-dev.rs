//! Development entry point until the `kubectl-lattice lsp` subcommand exists.
fn main() -> std::process::ExitCode {
    match lattice_lsp::run_stdio() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "language server stopped");
            std::process::ExitCode::from(2)
        }
    }
}
