//! Names from a live cluster, for completion: services and namespaces that
//! exist there but not in the workspace.
//!
//! Asking a cluster takes from milliseconds to never, and completion must
//! answer while the user types. [`ClusterCache`] therefore never waits: it
//! answers from the last snapshot, starts a refresh on a background thread
//! when the snapshot is older than its time to live, and drops a fetch that
//! outlives its timeout.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use lattice_core::ServiceId;

/// The names a cluster holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Services (and Lattice workloads), by namespace and name.
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

/// Reads names with `kubectl`, from the current context or a named one.
///
/// TODO: replace with the project's own cluster reader once it exists; a
/// subprocess is used until then so that the server needs no Kubernetes
/// client of its own.
#[derive(Clone, Debug)]
pub struct Kubectl {
    /// The `kubectl` binary.
    pub program: String,
    /// `--context`, when not the current one.
    pub context: Option<String>,
    /// `--request-timeout` given to kubectl.
    pub request_timeout: Duration,
}

impl Kubectl {
    fn get(&self, what: &str) -> Result<String, String> {
        let mut command = Command::new(&self.program);
        command.args(["get", what, "--all-namespaces", "-o"]);
        command
            .arg("jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{\"\\n\"}{end}");
        command.arg(format!(
            "--request-timeout={}s",
            self.request_timeout.as_secs().max(1)
        ));
        if let Some(context) = &self.context {
            command.args(["--context", context]);
        }
        let output = command
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("could not run {}: {e}", self.program))?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

impl ClusterNames for Kubectl {
    fn fetch(&self) -> Result<Snapshot, String> {
        let mut snapshot = Snapshot::default();
        for line in self.get("services")?.lines() {
            if let Some((ns, name)) = line.split_once('/') {
                snapshot.services.push(ServiceId::new(ns, name));
            }
        }
        snapshot.namespaces = self
            .get("namespaces")?
            .lines()
            .filter_map(|l| l.rsplit('/').next())
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect();
        snapshot.services.sort();
        snapshot.services.dedup();
        snapshot.namespaces.sort();
        snapshot.namespaces.dedup();
        Ok(snapshot)
    }
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
