//! One file per LSP method, and the dispatch to them.
//!
//! Request handlers read the server's state and return a result or a
//! [`RequestError`]; notification handlers change the workspace and publish.

pub mod code_action;
pub mod code_lens;
pub mod completion;
pub mod definition;
pub mod did_change;
pub mod did_change_watched_files;
pub mod did_change_workspace_folders;
pub mod did_close;
pub mod did_open;
pub mod execute_command;
pub mod hover;
pub mod initialize;
pub mod prepare_rename;
pub mod references;
pub mod rename;

use lsp_server::{ErrorCode, Notification, Request};
use lsp_types::notification::{self as n, Notification as _};
use lsp_types::request::{self as r, Request as _};
use serde_json::Value;

use crate::server::{RequestError, Server};

type Handler<R> =
    fn(&Server<'_>, &<R as r::Request>::Params) -> Result<<R as r::Request>::Result, RequestError>;

fn call<R: r::Request>(
    server: &Server<'_>,
    request: Request,
    handler: Handler<R>,
) -> Result<Value, RequestError> {
    let params: R::Params = serde_json::from_value(request.params)
        .map_err(|e| RequestError::invalid_params(format!("{}: {e}", R::METHOD)))?;
    let result = handler(server, &params)?;
    serde_json::to_value(result).map_err(|e| RequestError::failed(e.to_string()))
}

/// Answer one request.
pub fn request(server: &Server<'_>, request: Request) -> Result<Value, RequestError> {
    match request.method.as_str() {
        r::Completion::METHOD => call::<r::Completion>(server, request, completion::handle),
        r::HoverRequest::METHOD => call::<r::HoverRequest>(server, request, hover::handle),
        r::GotoDefinition::METHOD => call::<r::GotoDefinition>(server, request, definition::handle),
        r::References::METHOD => call::<r::References>(server, request, references::handle),
        r::PrepareRenameRequest::METHOD => {
            call::<r::PrepareRenameRequest>(server, request, prepare_rename::handle)
        }
        r::Rename::METHOD => call::<r::Rename>(server, request, rename::handle),
        r::CodeActionRequest::METHOD => {
            call::<r::CodeActionRequest>(server, request, code_action::handle)
        }
        r::CodeLensRequest::METHOD => {
            call::<r::CodeLensRequest>(server, request, code_lens::handle)
        }
        r::ExecuteCommand::METHOD => {
            call::<r::ExecuteCommand>(server, request, execute_command::handle)
        }
        method => Err(RequestError {
            code: ErrorCode::MethodNotFound as i32,
            message: format!("{method} is not supported"),
        }),
    }
}

fn take<N: n::Notification>(notification: Notification) -> Option<N::Params> {
    match serde_json::from_value(notification.params) {
        Ok(params) => Some(params),
        Err(error) => {
            tracing::warn!(method = N::METHOD, %error, "notification with bad parameters ignored");
            None
        }
    }
}

/// Handle one notification.
pub fn notification(server: &mut Server<'_>, notification: Notification) {
    match notification.method.as_str() {
        n::DidOpenTextDocument::METHOD => {
            if let Some(p) = take::<n::DidOpenTextDocument>(notification) {
                did_open::handle(server, p);
            }
        }
        n::DidChangeTextDocument::METHOD => {
            if let Some(p) = take::<n::DidChangeTextDocument>(notification) {
                did_change::handle(server, p);
            }
        }
        n::DidCloseTextDocument::METHOD => {
            if let Some(p) = take::<n::DidCloseTextDocument>(notification) {
                did_close::handle(server, &p);
            }
        }
        n::DidChangeWatchedFiles::METHOD => {
            if let Some(p) = take::<n::DidChangeWatchedFiles>(notification) {
                did_change_watched_files::handle(server, p);
            }
        }
        n::DidChangeWorkspaceFolders::METHOD => {
            if let Some(p) = take::<n::DidChangeWorkspaceFolders>(notification) {
                did_change_workspace_folders::handle(server, p);
            }
        }
        // Saving changes nothing: the open document already counts.
        method => tracing::debug!(%method, "notification ignored"),
    }
}

/// The model element at a document position, with its file.
fn target_at(
    server: &Server<'_>,
    at: &lsp_types::TextDocumentPositionParams,
) -> Option<(lattice_core::FileId, crate::locate::Target, usize)> {
    let (file, _) = server.file_of(&at.text_document.uri)?;
    let offset = server.positions(file).offset(at.position);
    let target = crate::locate::at(server.workspace.analysis(), file, offset)?;
    Some((file, target, offset))
}
