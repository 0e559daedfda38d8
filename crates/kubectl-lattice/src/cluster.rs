//! The front end's side of cluster access: the kubectl-style flags turned
//! into [`lattice_kube`] options, the runtime that drives its `async`
//! functions, and `--from-cluster` as a source of inputs for every command
//! that reads specs.
//!
//! Each command that talks to a cluster runs on its own current-thread Tokio
//! runtime, made here and dropped when the command ends: the analysis itself
//! stays synchronous.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use lattice_core::Input;
use lattice_kube::{Cluster, ClusterOptions, Scope};
use lattice_lsp::cluster::{ClusterNames, Snapshot};

use crate::Error;
use crate::cli::GlobalArgs;
use crate::load::{self, LoadOptions};

/// Run `future` to completion on a new current-thread runtime.
pub fn block_on<F: Future>(future: F) -> Result<F::Output, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    Ok(runtime.block_on(future))
}

/// `--kubeconfig` and `--context`.
#[must_use]
pub fn options(global: &GlobalArgs) -> ClusterOptions {
    ClusterOptions {
        kubeconfig: global.kubeconfig.clone(),
        context: global.context.clone(),
    }
}

/// The namespaces `--from-cluster` reads: `-A`, `-n`, else the context's.
#[must_use]
pub fn scope(global: &GlobalArgs, cluster: &Cluster) -> Scope {
    if global.all_namespaces {
        Scope::All
    } else {
        Scope::Namespace(
            global
                .namespace
                .clone()
                .unwrap_or_else(|| cluster.default_namespace.clone()),
        )
    }
}

/// The inputs of a command that reads specs: the files under `paths`, or
/// with `--from-cluster` the cluster's spec objects.
pub fn inputs(
    paths: &[PathBuf],
    options: LoadOptions,
    global: &GlobalArgs,
) -> Result<Vec<Input>, Error> {
    if !global.from_cluster {
        return load::load(paths, options);
    }
    if paths != [PathBuf::from(".")] {
        return Err(Error::Usage(
            "--from-cluster reads the specs from the cluster: leave out the paths, or leave out \
             --from-cluster"
                .to_owned(),
        ));
    }
    let (inputs, scope) = block_on(read(global))??;
    if inputs.is_empty() {
        let place = match &scope {
            Scope::All => "any namespace".to_owned(),
            Scope::Namespace(ns) => format!("namespace `{ns}`"),
        };
        eprintln!(
            "warning: the cluster has no LatticeService or LatticeMeshMember in {place}: pass \
             -n NAMESPACE or -A to read others"
        );
    }
    Ok(inputs)
}

async fn read(global: &GlobalArgs) -> Result<(Vec<Input>, Scope), Error> {
    let cluster = lattice_kube::connect(&options(global)).await?;
    let scope = scope(global, &cluster);
    let inputs = lattice_kube::read_specs(&cluster, &scope).await?;
    Ok((inputs, scope))
}

/// Service and namespace names for the language server's completion, read
/// with this crate's cluster reader: the Lattice specs of every namespace
/// and, where RBAC allows listing them, the namespaces themselves.
#[derive(Clone, Debug, Default)]
pub struct SpecNames {
    /// Where the cluster is.
    pub options: ClusterOptions,
}

impl SpecNames {
    /// A provider for the language server.
    #[must_use]
    pub fn provider(kubeconfig: Option<PathBuf>, context: Option<String>) -> Arc<dyn ClusterNames> {
        Arc::new(SpecNames {
            options: ClusterOptions {
                kubeconfig,
                context,
            },
        })
    }
}

impl ClusterNames for SpecNames {
    fn fetch(&self) -> Result<Snapshot, String> {
        let fetched = block_on(async {
            let cluster = lattice_kube::connect(&self.options).await?;
            let inputs = lattice_kube::read_specs(&cluster, &Scope::All).await?;
            let namespaces = lattice_kube::specs::namespaces(&cluster).await;
            Ok::<_, lattice_kube::ClusterError>((inputs, namespaces))
        })
        .map_err(|e| e.to_string())?;
        let (inputs, namespaces) = fetched.map_err(|e| e.to_string())?;
        let mut snapshot = Snapshot::default();
        for input in inputs {
            // The input's path is `<Kind> <namespace>/<name>`.
            let Some((_, reference)) = input.path.split_once(' ') else {
                continue;
            };
            if let Some((ns, name)) = reference.split_once('/') {
                snapshot
                    .services
                    .push(lattice_core::ServiceId::new(ns, name));
                snapshot.namespaces.push(ns.to_owned());
            }
        }
        snapshot.namespaces.extend(namespaces.unwrap_or_default());
        snapshot.services.sort();
        snapshot.services.dedup();
        snapshot.namespaces.sort();
        snapshot.namespaces.dedup();
        Ok(snapshot)
    }
}
