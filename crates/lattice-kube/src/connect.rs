//! Reaching a cluster the way kubectl does: `--kubeconfig`, else the files of
//! `KUBECONFIG` merged, else `~/.kube/config`; `--context`, else the current
//! context; the context's namespace as the default namespace.
//!
//! No request is made here: a wrong server address shows up as
//! [`ClusterError::Unreachable`] on the first request, which names the
//! server.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::error::ClusterError;

/// How long to wait for a TCP connection; kubectl's default is no shorter.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the cluster is, as kubectl's flags say it.
#[derive(Clone, Debug, Default)]
pub struct ClusterOptions {
    /// `--kubeconfig`: read this file instead of `KUBECONFIG` or `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`: use this context instead of the current one.
    pub context: Option<String>,
}

/// A client and what was learnt from the kubeconfig.
#[derive(Clone)]
pub struct Cluster {
    /// The client.
    pub client: Client,
    /// The API server's URL, for messages.
    pub server: String,
    /// The namespace of the context (`default` when it names none).
    pub default_namespace: String,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("server", &self.server)
            .field("default_namespace", &self.default_namespace)
            .finish_non_exhaustive()
    }
}

/// Build a client from the kubeconfig.
pub async fn connect(options: &ClusterOptions) -> Result<Cluster, ClusterError> {
    let kubeconfig_error = |source| ClusterError::Kubeconfig {
        context: options.context.clone(),
        source,
    };
    let kubeconfig = match &options.kubeconfig {
        Some(path) => Kubeconfig::read_from(path),
        None => Kubeconfig::read(),
    }
    .map_err(kubeconfig_error)?;
    let kube_options = KubeConfigOptions {
        context: options.context.clone(),
        cluster: None,
        user: None,
    };
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &kube_options)
        .await
        .map_err(kubeconfig_error)?;
    // No read timeout: `apply --watch` holds watch requests open for minutes.
    config.connect_timeout = Some(CONNECT_TIMEOUT);

    let server = config.cluster_url.to_string();
    let server = server.trim_end_matches('/').to_owned();
    let default_namespace = config.default_namespace.clone();
    let client = Client::try_from(config).map_err(|source| ClusterError::Client {
        server: server.clone(),
        source,
    })?;
    tracing::debug!(%server, %default_namespace, "kubeconfig read");
    Ok(Cluster {
        client,
        server,
        default_namespace,
    })
}
