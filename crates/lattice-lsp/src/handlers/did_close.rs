//! `textDocument/didClose`: the disk's content counts again (an unsaved
//! edit is dropped, as the editor dropped it).

use lsp_types::DidCloseTextDocumentParams;

use crate::server::Server;

/// Forget the editor's text, analyze again, publish.
pub fn handle(server: &mut Server<'_>, params: &DidCloseTextDocumentParams) {
    let path = Server::path_of(&params.text_document.uri);
    server.workspace.close(&path);
    server.changed(None);
}
