//! `textDocument/didChange`: apply the incremental edits; the server then
//! publishes for every file the change affects.

use lsp_types::DidChangeTextDocumentParams;

use crate::server::Server;

/// Apply the edits, analyze again, publish what changed.
pub fn handle(server: &mut Server<'_>, params: DidChangeTextDocumentParams) {
    let path = Server::path_of(&params.text_document.uri);
    let encoding = server.encoding;
    server.workspace.change(
        &path,
        params.content_changes,
        params.text_document.version,
        encoding,
    );
    server.changed(Some(path));
}
