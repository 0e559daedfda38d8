//! Cluster I/O of `kubectl-lattice`: everything that talks to a Kubernetes
//! API server lives here, on top of kube-rs.
//!
//! - [`mod@connect`]: a client from the kubeconfig, as kubectl finds it.
//! - [`specs`]: `LatticeService` and `LatticeMeshMember` objects read back as
//!   the core's inputs, so every command can analyze a cluster as it
//!   analyzes files.
//! - [`mod@apply`]: server-side apply of compiled policies, with prune and a
//!   server dry run, in the order [`plan`] decides.
//! - [`watch`]: changes to the specs, for `apply --watch`.
//! - [`error`]: failures in words that name the verb, the resource and the
//!   fix.
//!
//! The functions are `async` and create no runtime: the binary decides how
//! to run them (a current-thread Tokio runtime). Logs go through `tracing`.

pub mod apply;
pub mod connect;
pub mod diff;
pub mod error;
pub mod plan;
pub mod resources;
pub mod specs;
pub mod watch;

pub use apply::{ApplyFailure, ApplyOptions, NamespaceSet, Outcome, PruneScope, Report, apply};
pub use connect::{Cluster, ClusterOptions, connect};
pub use error::{ClusterError, ObjectRef};
pub use plan::Verb;
pub use resources::Kind;
pub use specs::{Scope, read_specs};
pub use watch::{SpecEvent, spec_events};
