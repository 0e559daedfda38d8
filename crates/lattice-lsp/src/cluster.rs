//! Names from a live cluster, for completion: Lattice workloads and
//! namespaces that exist there but not in the workspace. Where they come
//! from is a [`ClusterNames`] the binary provides (`kubectl lattice lsp`
//! reads the cluster's `LatticeService` and `LatticeMeshMember` objects).
//!
//! Asking a cluster takes from milliseconds to never, and completion must
//! answer while the user types. [`ClusterCache`] therefore never waits: it
//! answers from the last snapshot, starts a refresh on a background thread
//! when the snapshot is older than its time to live, and drops a fetch that
//! outlives its timeout.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use lattice_core::ServiceId;

/// The names a cluster holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Lattice workloads, by namespace and name.
    pub services: Vec<ServiceId>,
    /// Namespaces.
    pub namespaces: Vec<String>,
}

/// Where cluster names come from. [`ClusterNames::fetch`] may block for as
/// long as it likes; it is only ever called on a background thread.
pub trait ClusterNames: Send + Sync + 'static {
    /// Read the names now.
    fn fetch(&self) -> Result<Snapshot, String>;
}

#[derive(Default)]
struct State {
    snapshot: Option<(Instant, Arc<Snapshot>)>,
    /// When the fetch in flight started.
    in_flight: Option<Instant>,
    /// When the last fetch failed, to wait a time to live before the next.
    failed: Option<Instant>,
}

/// A non-blocking cache in front of a [`ClusterNames`] provider.
#[derive(Clone)]
pub struct ClusterCache {
    provider: Arc<dyn ClusterNames>,
    state: Arc<Mutex<State>>,
    ttl: Duration,
    timeout: Duration,
}

impl ClusterCache {
    /// A cache that keeps a snapshot for `ttl` and gives a fetch `timeout`.
    #[must_use]
    pub fn new(provider: Arc<dyn ClusterNames>, ttl: Duration, timeout: Duration) -> Self {
        Self {
            provider,
            state: Arc::default(),
            ttl,
            timeout,
        }
    }

    /// The last snapshot, if any, without waiting. Starts a refresh in the
    /// background when there is none or it is old.
    #[must_use]
    pub fn names(&self) -> Option<Arc<Snapshot>> {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let fresh = state
            .snapshot
            .as_ref()
            .is_some_and(|(at, _)| now.duration_since(*at) < self.ttl);
        let busy = state
            .in_flight
            .is_some_and(|at| now.duration_since(at) < self.timeout);
        let resting = state
            .failed
            .is_some_and(|at| now.duration_since(at) < self.ttl);
        if !fresh && !busy && !resting {
            state.in_flight = Some(now);
            self.spawn(now);
        }
        state.snapshot.as_ref().map(|(_, s)| Arc::clone(s))
    }

    fn spawn(&self, started: Instant) {
        let provider = Arc::clone(&self.provider);
        let state = Arc::clone(&self.state);
        let timeout = self.timeout;
        let spawned = std::thread::Builder::new()
            .name("lattice-cluster-names".into())
            .spawn(move || {
                let result = provider.fetch();
                let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
                if state.in_flight != Some(started) {
                    return;
                }
                state.in_flight = None;
                let late = started.elapsed() > timeout;
                match result {
                    Ok(snapshot) if !late => {
                        state.snapshot = Some((Instant::now(), Arc::new(snapshot)));
                        state.failed = None;
                    }
                    Ok(_) => {
                        tracing::warn!(?timeout, "cluster names came too late, dropped");
                        state.failed = Some(Instant::now());
                    }
                    Err(error) => {
                        tracing::warn!(%error, "cluster names not read");
                        state.failed = Some(Instant::now());
                    }
                }
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "no thread for cluster names");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Slow(Duration);

    impl ClusterNames for Slow {
        fn fetch(&self) -> Result<Snapshot, String> {
            std::thread::sleep(self.0);
            Ok(Snapshot {
                services: vec![ServiceId::new("prod", "ledger")],
                namespaces: vec!["prod".into()],
            })
        }
    }

    fn wait_for(cache: &ClusterCache) -> Option<Arc<Snapshot>> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(s) = cache.names() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        None
    }

    #[test]
    fn answers_at_once_and_fills_in_the_background() {
        let cache = ClusterCache::new(
            Arc::new(Slow(Duration::from_millis(50))),
            Duration::from_secs(60),
            Duration::from_secs(5),
        );
        let started = Instant::now();
        assert!(cache.names().is_none());
        assert!(started.elapsed() < Duration::from_millis(40), "never waits");
        let snapshot = wait_for(&cache).expect("filled by the background fetch");
        assert_eq!(snapshot.namespaces, vec!["prod".to_owned()]);
    }

    #[test]
    fn a_fetch_past_its_timeout_is_dropped() {
        let cache = ClusterCache::new(
            Arc::new(Slow(Duration::from_millis(200))),
            Duration::from_secs(60),
            Duration::from_millis(10),
        );
        assert!(cache.names().is_none());
        std::thread::sleep(Duration::from_millis(400));
        assert!(cache.names().is_none(), "the late result was not kept");
    }
}
