//! Random Lattice workspaces and the properties every analysis of one must
//! have, shared by the property tests (`tests/properties.rs`) and the fuzz
//! targets (`fuzz/`), which include this file by path.
//!
//! A workspace is a list of documents, each a `LatticeService` or a
//! `LatticeMeshMember`, drawn from small pools of names so that declarations
//! often meet their counterpart; a name may also be raw text, which is
//! usually not a DNS label and must then be refused. [`WorkspaceSpec::files`]
//! renders it to YAML files.
//!
//! The properties, each a function returning what went wrong:
//! - [`locations_in_bounds`]: every location of every diagnostic lies in its
//!   file, so renderers never point outside the text.
//! - [`allowed_equals_agreements`]: what the compiled objects allow,
//!   read back from the objects, is exactly the agreements of usable
//!   workloads on the callee's target ports, for Cilium egress, Cilium
//!   ingress and Istio each on its own.
//! - [`normalized`]: the diagnostics as text independent of file order, for
//!   order-independence checks.

#![allow(dead_code, reason = "each test crate including this uses a part of it")]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use lattice_core::compile::{
    CompileOptions, Compiled, Labels, Object, POD_NAMESPACE_LABEL, in_root_namespace,
    pod_namespace, principal, usable,
};
use lattice_core::{Analysis, Input, InputContent, ServiceId, Workload};

/// Service names: short ones, one long enough that object names derived
/// from it are shortened.
pub const NAMES: [&str; 6] = [
    "api",
    "web",
    "db",
    "cache",
    "auth",
    "order-history-projection-rebuilder-for-the-eu-west-shard",
];
/// Namespaces; the first is the default namespace of the analysis.
pub const NAMESPACES: [&str; 3] = ["alpha", "beta", "gamma"];
/// Port numbers ports are drawn from.
pub const PORTS: [u16; 6] = [53, 80, 443, 5432, 8080, 9090];

/// A name as written in a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(fuzzing, derive(arbitrary::Arbitrary))]
pub enum NameRef {
    /// One of the pool's names (modulo its size).
    Pool(u8),
    /// `*`.
    Wildcard,
    /// Any text at all.
    Raw(String),
}

/// A `LatticeService` port.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(fuzzing, derive(arbitrary::Arbitrary))]
pub struct ServicePort {
    pub port: u8,
    pub target_port: Option<u8>,
    /// 0 and 1 TCP (1 written out), 2 UDP, 3 SCTP, others left out.
    pub protocol: u8,
}

/// A `spec.workload.resources` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(fuzzing, derive(arbitrary::Arbitrary))]
pub struct Resource {
    pub key: NameRef,
    pub id: Option<NameRef>,
    pub namespace: Option<NameRef>,
    /// 0 no `type`, 1 `service`, 2 `secret`, 3 a custom type.
    pub ty: u8,
    /// 0 no `direction`, 1 outbound, 2 inbound, 3 both.
    pub direction: u8,
}

/// A `LatticeService` document.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(fuzzing, derive(arbitrary::Arbitrary))]
pub struct Service {
    pub namespace: Option<NameRef>,
    pub name: NameRef,
    pub ports: Vec<ServicePort>,
    pub resources: Vec<Resource>,
}

/// A mesh member's `allowedCallers` or `dependencies` item.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(fuzzing, derive(arbitrary::Arbitrary))]
pub struct PeerRef {
    pub name: NameRef,
    pub namespace: Option<NameRef>,
}

/// A `LatticeMeshMember` document.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(fuzzing, derive(arbitrary::Arbitrary))]
pub struct Member {
    pub namespace: Option<NameRef>,
    pub name: NameRef,
    /// A namespace target (of its own) instead of a label selector.
    pub namespace_target: bool,
    pub ports: Vec<u8>,
    pub allowed_callers: Vec<PeerRef>,
    pub dependencies: Vec<PeerRef>,
    pub depends_all: bool,
    pub service_account: Option<NameRef>,
}

/// One document.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(fuzzing, derive(arbitrary::Arbitrary))]
pub enum Document {
    Service(Service),
    Member(Member),
}

/// Documents and the file each goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(fuzzing, derive(arbitrary::Arbitrary))]
pub struct WorkspaceSpec {
    /// Each document with the number of its file (modulo four).
    pub documents: Vec<(u8, Document)>,
}

fn name(r: &NameRef, pool: &[&str]) -> String {
    match r {
        NameRef::Pool(i) => pool[usize::from(*i) % pool.len()].to_owned(),
        NameRef::Wildcard => "*".to_owned(),
        NameRef::Raw(text) => text.clone(),
    }
}

/// `value` as a double-quoted YAML scalar: whatever the text, the reader
/// gets exactly it back.
#[must_use]
pub fn quoted(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            // Characters YAML does not allow even when escaped are written
            // as escapes too.
            c if matches!(
                c,
                '\u{80}'..='\u{9f}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
            ) =>
            {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn ns_line(out: &mut String, namespace: Option<&NameRef>) {
    if let Some(ns) = namespace {
        let _ = writeln!(out, "  namespace: {}", quoted(&name(ns, &NAMESPACES)));
    }
}

impl Document {
    /// The document as YAML (without the `---` separator).
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::from("apiVersion: lattice.dev/v1alpha1\n");
        match self {
            Document::Service(s) => render_service(&mut out, s),
            Document::Member(m) => render_member(&mut out, m),
        }
        out
    }
}

fn render_service(out: &mut String, s: &Service) {
    out.push_str("kind: LatticeService\nmetadata:\n");
    let _ = writeln!(out, "  name: {}", quoted(&name(&s.name, &NAMES)));
    ns_line(out, s.namespace.as_ref());
    out.push_str("spec:\n  workload:\n");
    if !s.ports.is_empty() {
        out.push_str("    service:\n      ports:\n");
        for (i, p) in s.ports.iter().enumerate() {
            let _ = writeln!(out, "        p{i}:");
            let _ = writeln!(
                out,
                "          port: {}",
                PORTS[usize::from(p.port) % PORTS.len()]
            );
            if let Some(t) = p.target_port {
                let _ = writeln!(out, "          targetPort: {}", 8000 + u16::from(t % 4));
            }
            match p.protocol {
                1 => out.push_str("          protocol: TCP\n"),
                2 => out.push_str("          protocol: UDP\n"),
                3 => out.push_str("          protocol: SCTP\n"),
                _ => {}
            }
        }
    }
    if s.resources.is_empty() {
        return;
    }
    out.push_str("    resources:\n");
    let mut keys = BTreeSet::new();
    for r in &s.resources {
        let key = name(&r.key, &NAMES);
        // A repeated key is a duplicate-key error of its own, which the
        // fuzz targets reach through raw text; the generator keeps keys apart.
        if !keys.insert(key.clone()) {
            continue;
        }
        let _ = writeln!(out, "      {}:", quoted(&key));
        match r.ty {
            1 => out.push_str("        type: service\n"),
            2 => out.push_str("        type: secret\n"),
            3 => out.push_str("        type: postgres\n"),
            _ => {}
        }
        match r.direction {
            1 => out.push_str("        direction: outbound\n"),
            2 => out.push_str("        direction: inbound\n"),
            3 => out.push_str("        direction: both\n"),
            _ => {}
        }
        if let Some(id) = &r.id {
            let _ = writeln!(out, "        id: {}", quoted(&name(id, &NAMES)));
        }
        if let Some(ns) = &r.namespace {
            let _ = writeln!(out, "        namespace: {}", quoted(&name(ns, &NAMESPACES)));
        }
        if r.ty == 0 && r.direction == 0 && r.id.is_none() && r.namespace.is_none() {
            out.push_str("        type: service\n");
        }
    }
}

fn render_member(out: &mut String, m: &Member) {
    let own = name(&m.name, &NAMES);
    let own_ns = m
        .namespace
        .as_ref()
        .map_or_else(|| NAMESPACES[0].to_owned(), |n| name(n, &NAMESPACES));
    out.push_str("kind: LatticeMeshMember\nmetadata:\n");
    let _ = writeln!(out, "  name: {}", quoted(&own));
    ns_line(out, m.namespace.as_ref());
    out.push_str("spec:\n  target:\n");
    if m.namespace_target {
        let target = format!("{own_ns}-pods-{own}");
        let _ = writeln!(out, "    namespace: {}", quoted(&target));
    } else {
        let _ = writeln!(
            out,
            "    selector:\n      app: {}",
            quoted(&format!("{own}-member"))
        );
    }
    if !m.ports.is_empty() {
        out.push_str("  ports:\n");
        let unique: BTreeSet<u16> = m
            .ports
            .iter()
            .map(|p| PORTS[usize::from(*p) % PORTS.len()])
            .collect();
        for (i, port) in unique.iter().enumerate() {
            let _ = writeln!(out, "  - port: {port}\n    name: port-{i}");
        }
    }
    for (field, list) in [
        ("allowedCallers", &m.allowed_callers),
        ("dependencies", &m.dependencies),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {field}:");
        for peer in list {
            let _ = writeln!(out, "  - name: {}", quoted(&name(&peer.name, &NAMES)));
            if let Some(ns) = &peer.namespace {
                let _ = writeln!(out, "    namespace: {}", quoted(&name(ns, &NAMESPACES)));
            }
        }
    }
    if m.depends_all {
        out.push_str("  dependsAll: true\n");
    }
    if let Some(sa) = &m.service_account {
        let _ = writeln!(
            out,
            "  serviceAccount: {}",
            quoted(&format!("{}-sa", name(sa, &NAMES)))
        );
    }
}

impl WorkspaceSpec {
    /// The files, in file-number order, each holding its documents in order.
    #[must_use]
    pub fn files(&self) -> Vec<(String, String)> {
        let mut files: BTreeMap<u8, Vec<String>> = BTreeMap::new();
        for (file, doc) in &self.documents {
            files.entry(file % 4).or_default().push(doc.render());
        }
        files
            .into_iter()
            .map(|(n, docs)| (format!("specs-{n}.yaml"), docs.join("---\n")))
            .collect()
    }
}

/// The analysis inputs for `files`.
#[must_use]
pub fn inputs(files: &[(String, String)]) -> Vec<Input> {
    files
        .iter()
        .map(|(path, text)| Input {
            path: path.clone(),
            content: InputContent::Bytes(text.as_bytes().to_vec()),
        })
        .collect()
}

/// Every location of every diagnostic (primary, related, fix) lies within
/// its file, and a fix's line is at most one past the last line.
pub fn locations_in_bounds(analysis: &Analysis) -> Result<(), String> {
    for d in &analysis.diagnostics {
        let mut locations = vec![d.location];
        locations.extend(d.related.iter().map(|r| r.location));
        for location in locations {
            let file = analysis.sources.get(location.file);
            let len = file.text.len() as u32;
            if location.span.start > location.span.end || location.span.end > len {
                return Err(format!(
                    "{:?} of {} points outside {} ({len} bytes): {}",
                    location.span,
                    d.code.as_str(),
                    file.path,
                    d.message
                ));
            }
            let _ = file.line_col(location.span.end as usize);
        }
        if let Some(fix) = &d.fix {
            let file = analysis.sources.get(fix.file);
            if fix.line as usize > file.lines.line_count() + 1 || fix.line == 0 {
                return Err(format!(
                    "fix at line {} of {}: {}",
                    fix.line, file.path, d.message
                ));
            }
        }
    }
    Ok(())
}

/// The diagnostics as sorted lines that name files by path, so that two
/// analyses of the same files in different orders compare equal.
#[must_use]
pub fn normalized(analysis: &Analysis) -> Vec<String> {
    let path = |file| analysis.sources.get(file).path.clone();
    let mut out: Vec<String> = analysis
        .diagnostics
        .iter()
        .map(|d| {
            let related: Vec<String> = d
                .related
                .iter()
                .map(|r| {
                    format!(
                        "{}@{:?}: {}",
                        path(r.location.file),
                        r.location.span,
                        r.message
                    )
                })
                .collect();
            let fix = d
                .fix
                .as_ref()
                .map(|f| format!("{}:{} {:?}", path(f.file), f.line, f.insert));
            format!(
                "{}@{:?} {} {}: {} {:?} {related:?} {fix:?}",
                path(d.location.file),
                d.location.span,
                d.severity.as_str(),
                d.code.as_str(),
                d.message,
                d.help
            )
        })
        .collect();
    out.sort();
    out
}

/// What a policy permits: (caller, callee, port, protocol); Istio's
/// triples carry protocol `"*"`, as an `AuthorizationPolicy` names ports
/// only.
pub type Triple = (ServiceId, ServiceId, u16, String);

/// A workload's pod, as the generated policies see it.
struct Pod<'a> {
    workload: &'a Workload,
    namespace: &'a str,
    labels: BTreeMap<String, String>,
}

fn pods(analysis: &Analysis) -> Vec<Pod<'_>> {
    analysis
        .graph
        .workloads
        .iter()
        .filter(|w| !w.selector.is_empty() || w.target_namespace.is_some())
        .map(|w| {
            let namespace = pod_namespace(w);
            let mut labels = w.selector.clone();
            labels.insert(POD_NAMESPACE_LABEL.to_owned(), namespace.to_owned());
            Pod {
                workload: w,
                namespace,
                labels,
            }
        })
        .collect()
}

/// Whether two workloads could share pods or identities, which makes the
/// mapping from selectors and principals back to workloads ambiguous.
fn ambiguous(pods: &[Pod<'_>], trust_domain: &str) -> bool {
    for (i, a) in pods.iter().enumerate() {
        for b in &pods[i + 1..] {
            let same_ns = a.namespace == b.namespace;
            let covers = |x: &Pod<'_>, y: &Pod<'_>| {
                x.workload
                    .selector
                    .iter()
                    .all(|(k, v)| y.labels.get(k) == Some(v))
            };
            if same_ns && (covers(a, b) || covers(b, a)) {
                return true;
            }
            if principal(a.workload, trust_domain) == principal(b.workload, trust_domain) {
                return true;
            }
        }
    }
    false
}

fn matches(selector: &Labels, pod: &Pod<'_>) -> bool {
    selector
        .iter()
        .all(|(k, v)| pod.labels.get(k).is_some_and(|have| have == v))
}

/// The triples each layer of `compiled` allows between the workloads'
/// pods: (Cilium egress, Cilium ingress, Istio).
fn allowed(analysis: &Analysis, compiled: &Compiled, trust_domain: &str) -> [BTreeSet<Triple>; 3] {
    let pods = pods(analysis);
    let mut egress = BTreeSet::new();
    let mut ingress = BTreeSet::new();
    let mut istio = BTreeSet::new();
    for object in &compiled.objects {
        let namespace = object.metadata().namespace.clone().unwrap_or_default();
        match object {
            Object::Cilium(policy) if policy.kind == "CiliumNetworkPolicy" => {
                let subjects: Vec<&Pod<'_>> = pods
                    .iter()
                    .filter(|p| {
                        p.namespace == namespace
                            && matches(&policy.spec.endpoint_selector.match_labels, p)
                    })
                    .collect();
                for rule in &policy.spec.egress {
                    for subject in &subjects {
                        for peer in pods.iter().filter(|p| {
                            rule.to_endpoints
                                .iter()
                                .any(|s| matches(&s.match_labels, p))
                        }) {
                            for ports in &rule.to_ports {
                                for p in &ports.ports {
                                    let port = p.port.parse().unwrap_or(0);
                                    egress.insert((
                                        subject.workload.id.clone(),
                                        peer.workload.id.clone(),
                                        port,
                                        p.protocol.to_owned(),
                                    ));
                                }
                            }
                        }
                    }
                }
                for rule in &policy.spec.ingress {
                    for subject in &subjects {
                        for peer in pods.iter().filter(|p| {
                            rule.from_endpoints
                                .iter()
                                .any(|s| matches(&s.match_labels, p))
                        }) {
                            for ports in &rule.to_ports {
                                for p in &ports.ports {
                                    let port = p.port.parse().unwrap_or(0);
                                    ingress.insert((
                                        peer.workload.id.clone(),
                                        subject.workload.id.clone(),
                                        port,
                                        p.protocol.to_owned(),
                                    ));
                                }
                            }
                        }
                    }
                }
            }
            Object::Istio(policy) => {
                let selector = policy
                    .spec
                    .selector
                    .as_ref()
                    .map(|s| s.match_labels.clone())
                    .unwrap_or_default();
                let subjects: Vec<&Pod<'_>> = pods
                    .iter()
                    .filter(|p| p.namespace == namespace && matches(&selector, p))
                    .collect();
                for rule in &policy.spec.rules {
                    let principals: BTreeSet<&String> = rule
                        .from
                        .iter()
                        .flat_map(|f| &f.source.principals)
                        .collect();
                    let callers = pods
                        .iter()
                        .filter(|p| principals.contains(&principal(p.workload, trust_domain)));
                    for caller in callers {
                        for subject in &subjects {
                            for to in &rule.to {
                                for port in &to.operation.ports {
                                    let port = port.parse().unwrap_or(0);
                                    istio.insert((
                                        caller.workload.id.clone(),
                                        subject.workload.id.clone(),
                                        port,
                                        "*".to_owned(),
                                    ));
                                }
                            }
                        }
                    }
                }
            }
            Object::Cilium(_) => {}
        }
    }
    [egress, ingress, istio]
}

/// The triples the agreements ask for: every agreement between usable
/// workloads, on each target port of the callee.
fn agreed(analysis: &Analysis) -> BTreeSet<Triple> {
    let graph = &analysis.graph;
    let mut out = BTreeSet::new();
    for agreement in &graph.agreements {
        let caller = &graph.workloads[agreement.caller];
        let callee = &graph.workloads[agreement.callee];
        if !usable(caller) || !usable(callee) {
            continue;
        }
        for port in &callee.ports {
            out.insert((
                caller.id.clone(),
                callee.id.clone(),
                port.target_port,
                port.protocol.as_str().to_owned(),
            ));
        }
    }
    out
}

/// The compiled objects allow exactly the agreements, layer by layer, as
/// far as the workloads' pods can be told apart. `Ok(false)` when they
/// cannot (two workloads share pods or an identity) and nothing was checked.
pub fn allowed_equals_agreements(
    analysis: &Analysis,
    compiled: &Compiled,
    options: &CompileOptions,
) -> Result<bool, String> {
    if ambiguous(&pods(analysis), &options.trust_domain) {
        return Ok(false);
    }
    let want = agreed(analysis);
    // Callees in the Istio root namespace get no Istio policy, which would
    // apply to every namespace.
    let graph = &analysis.graph;
    let in_root = |id: &ServiceId| {
        graph
            .get(id)
            .is_some_and(|i| in_root_namespace(&graph.workloads[i], &options.istio_root_namespace))
    };
    let want_istio: BTreeSet<Triple> = want
        .iter()
        .filter(|(_, b, _, _)| !in_root(b))
        .map(|(a, b, port, _)| (a.clone(), b.clone(), *port, "*".to_owned()))
        .collect();
    let [egress, ingress, istio] = allowed(analysis, compiled, &options.trust_domain);
    for (layer, got, want) in [
        ("Cilium egress", egress, &want),
        ("Cilium ingress", ingress, &want),
        ("Istio", istio, &want_istio),
    ] {
        if got != *want {
            let extra: Vec<_> = got.difference(want).collect();
            let missing: Vec<_> = want.difference(&got).collect();
            return Err(format!(
                "{layer} allows beyond the agreements {extra:?} and denies agreed {missing:?}"
            ));
        }
    }
    Ok(true)
}
