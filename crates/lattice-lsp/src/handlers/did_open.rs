//! `textDocument/didOpen`: the editor's text takes over from the disk.

use lsp_types::DidOpenTextDocumentParams;

use crate::server::Server;

/// Track the document and publish, for it in any case.
pub fn handle(server: &mut Server<'_>, params: DidOpenTextDocumentParams) {
    let doc = params.text_document;
    let path = Server::path_of(&doc.uri);
    server
        .workspace
        .open(path.clone(), doc.uri, doc.text, doc.version);
    server.changed(Some(path));
}
