//! `workspace/executeCommand`: `lattice.previewPolicies` returns the YAML of
//! the policies a service's agreements compile to. The editors show it: the
//! VS Code extension in an untitled editor, the Neovim setup in a scratch
//! buffer.

use lattice_core::ServiceId;
use lsp_types::ExecuteCommandParams;
use serde_json::Value;

use crate::server::{RequestError, Server};

/// The command id of the policy preview. Arguments: the document URI, and
/// optionally the service as `namespace/name` (else the first service of
/// that document).
pub const PREVIEW_POLICIES: &str = "lattice.previewPolicies";

/// Run a command.
pub fn handle(
    server: &Server<'_>,
    params: &ExecuteCommandParams,
) -> Result<Option<Value>, RequestError> {
    if params.command != PREVIEW_POLICIES {
        return Err(RequestError::invalid_params(format!(
            "unknown command {}",
            params.command
        )));
    }
    let analysis = server.workspace.analysis();
    let mut args = params.arguments.iter().filter_map(Value::as_str);
    let uri = args.next();
    let service = match (args.next(), uri) {
        (Some(id), _) => ServiceId::parse(id, "default"),
        (None, Some(uri)) => {
            let uri: lsp_types::Uri = uri
                .parse()
                .map_err(|e| RequestError::invalid_params(format!("bad URI {uri}: {e}")))?;
            let Some((file, _)) = server.file_of(&uri) else {
                return Err(RequestError::failed("this document holds no Lattice spec"));
            };
            let Some(w) = analysis.graph.workloads.iter().find(|w| w.file == file) else {
                return Err(RequestError::failed("this document defines no service"));
            };
            w.id.clone()
        }
        (None, None) => {
            return Err(RequestError::invalid_params(
                "lattice.previewPolicies needs the document URI or the service",
            ));
        }
    };
    crate::preview::policies(analysis, &service)
        .map(|yaml| Some(Value::String(yaml)))
        .map_err(RequestError::failed)
}
