//! The server loop: the initialize handshake, then one message at a time on
//! one thread that owns the workspace, each request guarded so that a bug
//! answers with an error instead of ending the session.
//!
//! Changes are coalesced without timers: notifications only mark the
//! workspace as changed, and it is analyzed again once no message is
//! waiting, or before the next request is answered. A burst of keystrokes
//! costs one analysis, and every answer sees every edit before it.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lattice_core::{FileId, Options, SourceFile};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{ClientCapabilities, InitializeParams, MessageType, Uri};
use serde::Deserialize;

use crate::cluster::{ClusterCache, ClusterNames};
use crate::position::{Encoding, Positions};
use crate::workspace::{MAX_FILE_SIZE, Refreshed, Workspace};
use crate::{diagnostics, handlers};

/// Why the server stopped other than by `shutdown` and `exit`.
pub type ServerError = Box<dyn std::error::Error + Send + Sync>;

/// Settings of a server, from `initializationOptions`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Config {
    /// Namespace of specs that name none (`default` when absent).
    pub default_namespace: Option<String>,
    /// Largest file read, in bytes (16 MiB when absent).
    pub max_file_size: Option<u64>,
    /// Where completion finds cluster names; none when absent.
    pub cluster: Option<ClusterConfig>,
}

/// How to reach a cluster for completion.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClusterConfig {
    /// The kubeconfig file (`KUBECONFIG`, else `~/.kube/config`, when absent).
    pub kubeconfig: Option<String>,
    /// The kubeconfig context (the current one when absent).
    pub context: Option<String>,
}

/// Makes the source of cluster names for the editor's cluster settings.
/// The server has no Kubernetes client of its own: the binary that runs it
/// passes one backed by its cluster reader.
pub type ClusterProvider = Arc<dyn Fn(&ClusterConfig) -> Arc<dyn ClusterNames> + Send + Sync>;

/// Serve LSP on stdin and stdout until the client says `exit` or goes away.
/// Logs go to stderr (level from `LATTICE_LOG`: `error` to `trace`). Without
/// `provider`, completion offers no names from a cluster.
pub fn run_stdio(provider: Option<ClusterProvider>) -> Result<(), ServerError> {
    init_logging();
    let (connection, io_threads) = Connection::stdio();
    let result = run(&connection, provider);
    drop(connection);
    io_threads.join()?;
    result
}

fn init_logging() {
    let level = std::env::var("LATTICE_LOG")
        .ok()
        .and_then(|l| l.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_ansi(false)
        .try_init();
}

/// Serve LSP on `connection`: the handshake, then every message until
/// `shutdown` and `exit`, or until the client disconnects.
pub fn run(connection: &Connection, provider: Option<ClusterProvider>) -> Result<(), ServerError> {
    let (id, params) = connection.initialize_start()?;
    let params: InitializeParams = serde_json::from_value(params)?;
    let config: Config = match params.initialization_options.clone() {
        None => Config::default(),
        Some(options) => serde_json::from_value(options).unwrap_or_else(|error| {
            tracing::warn!(%error, "initializationOptions not understood; defaults used");
            Config::default()
        }),
    };
    let encoding = Encoding::negotiate(
        params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref()),
    );
    let result = serde_json::json!({
        "capabilities": handlers::initialize::capabilities(encoding),
        "serverInfo": {"name": "kubectl-lattice", "version": env!("CARGO_PKG_VERSION")},
    });
    connection.initialize_finish(id, result)?;

    let mut server = Server::new(connection, &params, config, encoding, provider);
    server.start(&params);
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(());
                }
                server.settle();
                server.on_request(request);
            }
            Message::Notification(notification) => server.on_notification(notification),
            Message::Response(response) => {
                if let Err(error) = response.response_result {
                    tracing::warn!(id = %response.id, message = %error.message, "client refused a request");
                }
            }
        }
        if connection.receiver.is_empty() {
            server.settle();
        }
    }
    Ok(())
}

/// An error answered to a request.
#[derive(Debug)]
pub struct RequestError {
    /// The JSON-RPC error code.
    pub code: i32,
    /// What went wrong, for the user.
    pub message: String,
}

impl RequestError {
    /// The request's parameters are wrong.
    #[must_use]
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self {
            code: ErrorCode::InvalidParams as i32,
            message: message.into(),
        }
    }

    /// The request is valid but cannot be carried out (a rename to a taken name).
    #[must_use]
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            code: ErrorCode::RequestFailed as i32,
            message: message.into(),
        }
    }
}

/// The state of a session.
pub struct Server<'c> {
    connection: &'c Connection,
    /// Every tracked file and the current analysis.
    pub workspace: Workspace,
    /// The negotiated position encoding.
    pub encoding: Encoding,
    /// What the client can do.
    pub client: ClientCapabilities,
    /// Cluster names for completion, when a cluster is configured.
    pub cluster: Option<ClusterCache>,
    /// The diagnostics last published, by path.
    published: BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>>,
    /// Set when the workspace changed since the last analysis, with the
    /// documents whose diagnostics are published in any case.
    pending: Option<Vec<PathBuf>>,
    next_id: i32,
}

impl<'c> Server<'c> {
    fn new(
        connection: &'c Connection,
        params: &InitializeParams,
        config: Config,
        encoding: Encoding,
        provider: Option<ClusterProvider>,
    ) -> Self {
        let options = Options {
            default_namespace: config
                .default_namespace
                .unwrap_or_else(|| Options::default().default_namespace),
        };
        let workspace = Workspace::new(options, config.max_file_size.unwrap_or(MAX_FILE_SIZE));
        let cluster = config.cluster.zip(provider).map(|(c, provider)| {
            ClusterCache::new(
                provider(&c),
                Duration::from_secs(60),
                Duration::from_secs(5),
            )
        });
        Self {
            connection,
            workspace,
            encoding,
            client: params.capabilities.clone(),
            cluster,
            published: BTreeMap::new(),
            pending: None,
            next_id: 0,
        }
    }

    /// Load the workspace folders, ask for file events, publish.
    fn start(&mut self, params: &InitializeParams) {
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| crate::uri::to_path(&f.uri))
            .collect();
        if roots.is_empty() {
            roots.extend(root_uri(params).and_then(crate::uri::to_path));
        }
        for root in roots {
            self.workspace.add_root(root);
        }
        self.register_watcher();
        if let Some(cluster) = &self.cluster {
            // Start the first fetch now, so names are there by the first completion.
            let _ = cluster.names();
        }
        self.refresh(&[]);
    }

    fn register_watcher(&mut self) {
        let dynamic = self
            .client
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        if !dynamic {
            tracing::info!(
                "the client cannot watch files for us; disk changes are seen on open and close"
            );
            return;
        }
        let watchers = ["**/*.yaml", "**/*.yml"]
            .map(|glob| serde_json::json!({"globPattern": glob, "kind": 7}));
        let params = lsp_types::RegistrationParams {
            registrations: vec![lsp_types::Registration {
                id: "lattice-watched-files".to_owned(),
                method: lsp_types::notification::DidChangeWatchedFiles::METHOD.to_owned(),
                register_options: Some(serde_json::json!({ "watchers": watchers })),
            }],
        };
        self.request(lsp_types::request::RegisterCapability::METHOD, params);
    }

    /// Send a request to the client; its answer is only logged.
    fn request(&mut self, method: &str, params: impl serde::Serialize) {
        self.next_id += 1;
        let id = RequestId::from(format!("lattice-{}", self.next_id));
        self.send(Request::new(id, method.to_owned(), params).into());
    }

    fn send(&self, message: Message) {
        if self.connection.sender.send(message).is_err() {
            tracing::warn!("the client is gone; message dropped");
        }
    }

    /// Tell the user something in the client's log.
    pub fn log(&self, kind: MessageType, message: impl Into<String>) {
        let params = lsp_types::LogMessageParams {
            typ: kind,
            message: message.into(),
        };
        self.send(
            Notification::new(
                lsp_types::notification::LogMessage::METHOD.to_owned(),
                params,
            )
            .into(),
        );
    }

    fn on_request(&mut self, request: Request) {
        let id = request.id.clone();
        let method = request.method.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| handlers::request(self, request)));
        let response = match outcome {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err(error)) => Response::new_err(id, error.code, error.message),
            Err(panic) => {
                let message = format!("internal error in {method}: {}", panic_text(&*panic));
                tracing::error!(%method, "{message}");
                self.log(MessageType::ERROR, &message);
                Response::new_err(id, ErrorCode::InternalError as i32, message)
            }
        };
        self.send(response.into());
    }

    fn on_notification(&mut self, notification: Notification) {
        let method = notification.method.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            handlers::notification(self, notification);
        }));
        if let Err(panic) = outcome {
            let message = format!("internal error in {method}: {}", panic_text(&*panic));
            tracing::error!(%method, "{message}");
            self.log(MessageType::ERROR, message);
        }
    }

    /// Note that the workspace changed; `opened` (a document the editor just
    /// opened or edited) gets its diagnostics published even when they are
    /// the same as before.
    pub fn changed(&mut self, opened: Option<PathBuf>) {
        self.pending.get_or_insert_with(Vec::new).extend(opened);
    }

    /// Analyze again if anything changed since the last analysis.
    fn settle(&mut self) {
        let Some(mut also) = self.pending.take() else {
            return;
        };
        also.sort();
        also.dedup();
        let outcome = catch_unwind(AssertUnwindSafe(|| self.refresh(&also)));
        if let Err(panic) = outcome {
            let message = format!("internal error in the analysis: {}", panic_text(&*panic));
            tracing::error!("{message}");
            self.log(MessageType::ERROR, message);
        }
    }

    /// Analyze again and publish the diagnostics of every file whose list
    /// changed (an empty list for a file whose problems are gone), and of
    /// `also` in any case. Only the files the analysis computed again are
    /// converted and compared, unless everything was linked again.
    fn refresh(&mut self, also: &[PathBuf]) {
        match self.workspace.refresh() {
            Refreshed::All => self.publish_all(also),
            Refreshed::Files(paths) => {
                let mut paths: Vec<PathBuf> = paths;
                paths.extend(also.iter().cloned());
                paths.sort();
                paths.dedup();
                for path in paths {
                    self.publish_changed(&path, also.contains(&path));
                }
            }
        }
    }

    /// Compare every analyzed file's diagnostics with what was published.
    fn publish_all(&mut self, also: &[PathBuf]) {
        let next = diagnostics::by_file(&self.workspace, self.encoding);
        let gone: Vec<PathBuf> = self
            .published
            .keys()
            .filter(|p| !next.contains_key(*p))
            .cloned()
            .collect();
        for path in gone {
            if self.published.remove(&path).is_some_and(|d| !d.is_empty()) || also.contains(&path) {
                self.publish(&path, Vec::new());
            }
        }
        for (path, list) in next {
            let same = self
                .published
                .get(&path)
                .map_or(list.is_empty(), |old| *old == list);
            if !same || also.contains(&path) {
                self.publish(&path, list.clone());
            }
            self.published.insert(path, list);
        }
        for path in also {
            if !self.published.contains_key(path) && self.workspace.contains(path) {
                self.publish(path, Vec::new());
            }
        }
    }

    /// Publish the diagnostics of `path` when they differ from what was
    /// published, or in any case when `always`.
    fn publish_changed(&mut self, path: &Path, always: bool) {
        let Some(id) = self.workspace.file_id(path) else {
            if always && self.workspace.contains(path) {
                self.publish(path, Vec::new());
            }
            return;
        };
        let list = diagnostics::of_file(&self.workspace, id, self.encoding);
        let same = self
            .published
            .get(path)
            .map_or(list.is_empty(), |old| *old == list);
        if !same || always {
            self.publish(path, list.clone());
        }
        self.published.insert(path.to_path_buf(), list);
    }

    fn publish(&self, path: &Path, diagnostics: Vec<lsp_types::Diagnostic>) {
        let params = lsp_types::PublishDiagnosticsParams {
            uri: self.workspace.uri(path),
            diagnostics,
            version: self.workspace.version(path),
        };
        self.send(
            Notification::new(
                lsp_types::notification::PublishDiagnostics::METHOD.to_owned(),
                params,
            )
            .into(),
        );
    }

    /// The workspace key of a document URI: its path, or the URI itself for
    /// documents that are not files.
    #[must_use]
    pub fn path_of(uri: &Uri) -> PathBuf {
        crate::uri::to_path(uri).unwrap_or_else(|| PathBuf::from(uri.as_str()))
    }

    /// The analyzed file of a document URI, when it takes part.
    #[must_use]
    pub fn file_of(&self, uri: &Uri) -> Option<(FileId, &SourceFile)> {
        let id = self.workspace.file_id(&Self::path_of(uri))?;
        Some((id, self.workspace.analysis().sources.get(id)))
    }

    /// Positions in an analyzed file.
    #[must_use]
    pub fn positions(&self, id: FileId) -> Positions<'_> {
        Positions::of(self.workspace.analysis().sources.get(id), self.encoding)
    }

    /// The URI of an analyzed file.
    #[must_use]
    pub fn uri_of(&self, id: FileId) -> Uri {
        self.workspace.uri(self.workspace.path(id))
    }
}

#[expect(
    deprecated,
    reason = "clients without workspace folders still send rootUri"
)]
fn root_uri(params: &InitializeParams) -> Option<&Uri> {
    params.root_uri.as_ref()
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}
