//! `workspace/didChangeWatchedFiles`: files created, changed, deleted or
//! renamed on disk (a rename arrives as a deletion and a creation).

use lsp_types::{DidChangeWatchedFilesParams, FileChangeType};

use crate::server::Server;

/// Read the files again or forget them, then analyze and publish.
pub fn handle(server: &mut Server<'_>, params: DidChangeWatchedFilesParams) {
    for event in params.changes {
        let Some(path) = crate::uri::to_path(&event.uri) else {
            continue;
        };
        if event.typ == FileChangeType::DELETED {
            server.workspace.deleted(&path);
        } else if server.workspace.watches(&path) {
            server.workspace.reload(&path);
        }
    }
    server.changed(None);
}
