//! The Lattice model after reading: workloads (`LatticeServices` and
//! `LatticeMeshMembers`) with their declarations, ports and where each came from.

use std::collections::BTreeMap;
use std::fmt;

use crate::source::{FileId, Location, Span};

/// A workload's identity: namespace and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceId {
    /// The namespace.
    pub namespace: String,
    /// The name (`metadata.name`).
    pub name: String,
}

impl ServiceId {
    /// An id from its parts.
    #[must_use]
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// Parse `name` or `namespace/name`, with `default_namespace` for the first form.
    #[must_use]
    pub fn parse(text: &str, default_namespace: &str) -> Self {
        match text.split_once('/') {
            Some((ns, name)) => Self::new(ns, name),
            None => Self::new(default_namespace, text),
        }
    }
}

impl fmt::Display for ServiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// Which CRD a workload comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkloadKind {
    /// A `LatticeService`.
    Service,
    /// A `LatticeMeshMember`.
    MeshMember,
}

impl WorkloadKind {
    /// The CRD kind.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Service => "LatticeService",
            WorkloadKind::MeshMember => "LatticeMeshMember",
        }
    }
}

/// Who a declaration names.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Peer {
    /// One named workload.
    Named(ServiceId),
    /// Every caller, in `Some(namespace)` only or in every namespace (`None`).
    Any(Option<String>),
}

/// Where a declaration was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclarationSource {
    /// A `LatticeService` `spec.workload.resources` entry.
    Resource {
        /// Whether it says `direction: both`.
        both: bool,
    },
    /// A `LatticeMeshMember` `spec.allowedCallers` item.
    AllowedCaller,
    /// A `LatticeMeshMember` `spec.dependencies` item.
    Dependency,
}

/// One side's consent: an outbound call or an inbound acceptance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declaration {
    /// The peer named.
    pub peer: Peer,
    /// Where the diagnostics point: the resource key, or the item's `name` value.
    pub span: Span,
    /// How it was written.
    pub source: DeclarationSource,
}

/// Transport protocol of a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// TCP (the default).
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

impl Protocol {
    /// The name Kubernetes and Cilium use.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
}

/// A port a workload exposes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    /// The port's name.
    pub name: String,
    /// The Service port.
    pub port: u16,
    /// The pods' port (what policies must name).
    pub target_port: u16,
    /// The protocol.
    pub protocol: Protocol,
}

/// Where a new declaration can be inserted into a workload's document, in that
/// document's own indentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InsertPoint {
    /// Insert before this 1-based line (one past the last line means the end).
    pub line: u32,
    /// Lines that must be created first (such as `resources:`), already indented.
    pub prefix: String,
    /// Column of the new entry's key (mapping) or dash (list).
    pub indent: usize,
    /// The document's indentation step.
    pub step: usize,
    /// Whether the file ends without a line break at the insertion point.
    pub needs_newline: bool,
}

/// Where a workload's declarations of each side go, when a fix must add one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InsertPoints {
    /// For a `LatticeService`: the `resources` mapping (both sides).
    /// For a `LatticeMeshMember`: the `dependencies` list.
    pub outbound: Option<InsertPoint>,
    /// For a `LatticeService`: the `resources` mapping.
    /// For a `LatticeMeshMember`: the `allowedCallers` list.
    pub inbound: Option<InsertPoint>,
    /// Keys already used under `resources`, so an inserted key never collides.
    pub taken_keys: Vec<String>,
}

/// A `LatticeService` or `LatticeMeshMember` as read from one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    /// Namespace and name.
    pub id: ServiceId,
    /// Which CRD.
    pub kind: WorkloadKind,
    /// The file it was read from.
    pub file: FileId,
    /// The span of the `metadata.name` value.
    pub name_span: Span,
    /// Calls it makes.
    pub outbound: Vec<Declaration>,
    /// Callers it accepts.
    pub inbound: Vec<Declaration>,
    /// Ports it exposes.
    pub ports: Vec<Port>,
    /// The span of `dependsAll: true`, for a mesh member that calls every
    /// service accepting it.
    pub depends_all: Option<Span>,
    /// Pod labels that select it: `app.kubernetes.io/name: <name>` for a
    /// service, `spec.target.selector` for a mesh member (empty for a
    /// namespace target, which selects every pod of `target_namespace`).
    pub selector: BTreeMap<String, String>,
    /// A mesh member's `spec.target.namespace`.
    pub target_namespace: Option<String>,
    /// The service account its pods run as.
    pub service_account: String,
    /// Whether the document passed validation. A document with errors is kept
    /// in the graph for diagnostics but must produce no policy.
    pub valid: bool,
    /// Where fixes insert declarations.
    pub insert: InsertPoints,
}

impl Workload {
    /// The location of its name, for related locations.
    #[must_use]
    pub fn name_location(&self) -> Location {
        Location {
            file: self.file,
            span: self.name_span,
        }
    }
}
