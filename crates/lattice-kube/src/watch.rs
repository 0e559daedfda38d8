//! Changes to Lattice specs in a cluster, as one stream, for `apply --watch`.
//!
//! Both spec kinds are watched with kube-runtime's watcher, which lists
//! first, then watches, and lists again after the watch is lost. The initial
//! list is not reported (the caller applies what it read before watching);
//! a later re-list is, as [`SpecEvent::Resynced`], because changes made
//! while the watch was down arrive only that way.

use futures::{Stream, StreamExt as _, stream};
use kube::api::Api;
use kube::core::DynamicObject;
use kube::runtime::{WatchStreamExt as _, watcher};

use crate::connect::Cluster;
use crate::error::{Attempt, ClusterError, from_api};
use crate::resources::Kind;
use crate::specs::{Scope, spec_path};

/// Something happened to the specs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpecEvent {
    /// A spec was created or changed; the path names it
    /// (`LatticeService shop/checkout`) and the resource version says which.
    Changed {
        /// The object.
        path: String,
        /// Its new resource version.
        resource_version: String,
    },
    /// A spec was deleted.
    Deleted {
        /// The object.
        path: String,
    },
    /// The watch of `kind` was lost and the specs were listed again.
    Resynced {
        /// The kind.
        kind: Kind,
    },
    /// Both kinds have been listed once; changes are reported from here on.
    Ready,
}

/// Watch both spec kinds in `scope` until the stream is dropped. Errors are
/// yielded and the watch goes on (with back-off), except that an error
/// before [`SpecEvent::Ready`] is usually permanent (RBAC, missing CRDs) and
/// the caller may stop on it.
pub fn spec_events(
    cluster: &Cluster,
    scope: &Scope,
) -> impl Stream<Item = Result<SpecEvent, ClusterError>> + Send + use<> {
    let streams = Kind::SPECS.map(|kind| kind_events(cluster, scope, kind).boxed());
    let mut listed = [false; Kind::SPECS.len()];
    let mut ready = false;
    stream::select_all(
        streams
            .into_iter()
            .enumerate()
            .map(|(i, s)| s.map(move |e| (i, e))),
    )
    .filter_map(move |(i, event)| {
        let out = match event {
            Ok(KindEvent::Listed(kind)) => {
                if listed[i] {
                    Some(Ok(SpecEvent::Resynced { kind }))
                } else {
                    listed[i] = true;
                    if !ready && listed.iter().all(|l| *l) {
                        ready = true;
                        Some(Ok(SpecEvent::Ready))
                    } else {
                        None
                    }
                }
            }
            Ok(KindEvent::Spec(event)) => Some(Ok(event)),
            Ok(KindEvent::Quiet) => None,
            Err(error) => Some(Err(error)),
        };
        futures::future::ready(out)
    })
}

enum KindEvent {
    Listed(Kind),
    Spec(SpecEvent),
    Quiet,
}

fn kind_events(
    cluster: &Cluster,
    scope: &Scope,
    kind: Kind,
) -> impl Stream<Item = Result<KindEvent, ClusterError>> + Send + use<> {
    let resource = kind.api_resource();
    let namespace = match scope {
        Scope::Namespace(ns) => Some(ns.clone()),
        Scope::All => None,
    };
    let api: Api<DynamicObject> = match &namespace {
        Some(ns) => Api::namespaced_with(cluster.client.clone(), ns, &resource),
        None => Api::all_with(cluster.client.clone(), &resource),
    };
    let server = cluster.server.clone();
    watcher::watcher(api, watcher::Config::default())
        .default_backoff()
        .map(move |event| match event {
            Ok(watcher::Event::Apply(object)) => Ok(KindEvent::Spec(SpecEvent::Changed {
                path: spec_path(kind, &object),
                resource_version: object.metadata.resource_version.unwrap_or_default(),
            })),
            Ok(watcher::Event::Delete(object)) => Ok(KindEvent::Spec(SpecEvent::Deleted {
                path: spec_path(kind, &object),
            })),
            Ok(watcher::Event::InitDone) => Ok(KindEvent::Listed(kind)),
            Ok(watcher::Event::Init | watcher::Event::InitApply(_)) => Ok(KindEvent::Quiet),
            Err(error) => Err(watch_error(error, kind, namespace.as_deref(), &server)),
        })
}

fn watch_error(
    error: watcher::Error,
    kind: Kind,
    namespace: Option<&str>,
    server: &str,
) -> ClusterError {
    let (verb, source) = match error {
        watcher::Error::InitialListFailed(e) => ("list", e),
        watcher::Error::WatchStartFailed(e) | watcher::Error::WatchFailed(e) => ("watch", e),
        watcher::Error::WatchError(status) => ("watch", kube::Error::Api(status)),
        other @ watcher::Error::NoResourceVersion => {
            return ClusterError::Request {
                verb: "watch",
                what: kind.resource(),
                message: other.to_string(),
            };
        }
    };
    from_api(
        source,
        Attempt {
            verb,
            kind,
            namespace,
            name: None,
        },
        server,
    )
}
