//! `workspace/didChangeWorkspaceFolders`: folders added to or removed from
//! the workspace.

use lsp_types::DidChangeWorkspaceFoldersParams;

use crate::server::Server;

/// Load the added folders, drop the removed ones, analyze and publish.
pub fn handle(server: &mut Server<'_>, params: DidChangeWorkspaceFoldersParams) {
    for folder in params.event.removed {
        if let Some(root) = crate::uri::to_path(&folder.uri) {
            server.workspace.remove_root(&root);
        }
    }
    for folder in params.event.added {
        if let Some(root) = crate::uri::to_path(&folder.uri) {
            server.workspace.add_root(root);
        }
    }
    server.changed(None);
}
