//! Reading one YAML document into a [`Workload`], reporting `invalid-spec`
//! for every field of the wrong type or value.
//!
//! Fields of the real CRDs that the agreement graph does not use (containers,
//! replicas, volumes, ...) are accepted without a look. A field that is wrong
//! is reported and left out; the document is then marked invalid, so it still
//! takes part in the graph for diagnostics but never produces policy.

use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    Declaration, DeclarationSource, InsertPoint, InsertPoints, Peer, Port, Protocol, ServiceId,
    Workload, WorkloadKind,
};
use crate::names::{
    closest, dns_label_problem, dns_subdomain_problem, field_path, label_key_problem,
    label_value_problem, reserved_selector_key, shown,
};
use crate::source::{FileId, LineIndex, Location, Span};
use crate::yaml::{Entry, Node, ScalarType};

/// The API group and version of Lattice specs.
pub const API_VERSION: &str = "lattice.dev/v1alpha1";

/// Resource types that are not graph edges but are valid.
const BUILTIN_TYPES: [&str; 5] = ["service", "external-service", "volume", "secret", "gpu"];
const DIRECTIONS: [&str; 3] = ["outbound", "inbound", "both"];
const PROTOCOLS: [&str; 3] = ["TCP", "UDP", "SCTP"];
const PEER_AUTH: [&str; 3] = ["Strict", "Permissive", "Webhook"];
const LABEL_VALUE_HELP: &str =
    "use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
const LABEL_HELP: &str = "use a DNS label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit";

/// What one document turned out to be.
#[derive(Debug)]
pub enum DocumentOutcome {
    /// A `LatticeService` or `LatticeMeshMember` (possibly with errors).
    Workload(Box<Workload>),
    /// Some other document, skipped.
    Skipped,
    /// A Lattice document too broken to name a workload.
    Broken,
}

/// The text a document comes from, for positions and indentation.
#[derive(Clone, Copy)]
pub struct Text<'a> {
    /// The file.
    pub file: FileId,
    /// Its text.
    pub text: &'a str,
    /// Its lines.
    pub lines: &'a LineIndex,
}

impl Text<'_> {
    fn column(&self, offset: u32) -> usize {
        let offset = offset as usize;
        let start = self.lines.line_start(self.lines.line_of(offset));
        self.text[start..offset].chars().count()
    }

    fn line0(&self, offset: u32) -> usize {
        self.lines.line_of(offset as usize)
    }
}

/// Read one document's root node.
pub fn read_document(
    text: Text<'_>,
    root: &Node,
    default_namespace: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> DocumentOutcome {
    let api_version = root.get("apiVersion").and_then(Node::as_str);
    let Some(api_version) = api_version else {
        return DocumentOutcome::Skipped;
    };
    if api_version != API_VERSION {
        return DocumentOutcome::Skipped;
    }
    let kind = match root.get("kind").and_then(Node::as_str) {
        Some("LatticeService") => WorkloadKind::Service,
        Some("LatticeMeshMember") => WorkloadKind::MeshMember,
        _ => return DocumentOutcome::Skipped,
    };
    let mut reader = Reader {
        text,
        kind,
        diagnostics,
        valid: true,
        object: String::new(),
    };
    match reader.workload(root, default_namespace) {
        Some(mut workload) => {
            workload.valid = reader.valid;
            DocumentOutcome::Workload(Box::new(workload))
        }
        None => DocumentOutcome::Broken,
    }
}

/// A field's dotted path, as messages name it. Only a message writes it
/// out, so the paths of the many fields that are fine cost nothing.
trait FieldPath: std::fmt::Display + Copy {}

impl FieldPath for &str {}
impl FieldPath for &String {}

/// A path in three parts: `spec.workload.resources.` + `payments` + `.type`;
/// a key that is no plain name is quoted (see [`field_path`]).
#[derive(Clone, Copy)]
struct Joined<'a>(&'a str, &'a str, &'a str);

impl std::fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&field_path(self.0.trim_end_matches('.'), self.1))?;
        f.write_str(self.2)
    }
}

impl FieldPath for Joined<'_> {}

struct Reader<'a, 'd> {
    text: Text<'a>,
    kind: WorkloadKind,
    diagnostics: &'d mut Vec<Diagnostic>,
    valid: bool,
    /// `LatticeService commerce/checkout`, for messages.
    object: String,
}

impl Reader<'_, '_> {
    fn location(&self, span: Span) -> Location {
        Location {
            file: self.text.file,
            span,
        }
    }

    fn invalid(
        &mut self,
        node_span: Span,
        field: impl FieldPath,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.valid = false;
        let subject = if self.object.is_empty() {
            self.kind.as_str().to_owned()
        } else {
            self.object.clone()
        };
        let diagnostic = Diagnostic::new(
            Code::InvalidSpec,
            self.location(node_span),
            format!("{subject}: `{field}` {}", message.into()),
        );
        self.diagnostics.push(diagnostic);
        self.diagnostics.last_mut().expect("just pushed")
    }

    fn wrong_type(&mut self, node: &Node, field: impl FieldPath, expected: &str) {
        let found = node.describe();
        let diagnostic = self
            .invalid(node.span, field, format!("must be {expected}, not {found}"))
            .clone();
        if expected == "a string" && node.as_scalar().is_some() {
            let last = self.diagnostics.last_mut().expect("just pushed");
            *last = diagnostic.with_help("quote the value to make it a string");
        }
    }

    /// A string field: reports anything else.
    fn string<'n>(&mut self, node: &'n Node, field: impl FieldPath) -> Option<&'n str> {
        let s = node.as_str();
        if s.is_none() {
            self.wrong_type(node, field, "a string");
        }
        s
    }

    /// A mapping field: reports anything else; `null` (an empty value) is an empty mapping.
    fn mapping<'n>(&mut self, node: &'n Node, field: impl FieldPath) -> Option<&'n [Entry]> {
        if node.is_null() {
            return Some(&[]);
        }
        let m = node.as_mapping();
        if m.is_none() {
            self.wrong_type(node, field, "a mapping");
        }
        m
    }

    fn sequence<'n>(&mut self, node: &'n Node, field: impl FieldPath) -> Option<&'n [Node]> {
        if node.is_null() {
            return Some(&[]);
        }
        let s = node.as_sequence();
        if s.is_none() {
            self.wrong_type(node, field, "a list");
        }
        s
    }

    fn dns_label(&mut self, node: &Node, field: impl FieldPath, what: &str) -> Option<String> {
        let value = self.string(node, field)?;
        if let Some(problem) = dns_label_problem(value) {
            self.invalid(
                node.span,
                field,
                format!("{} is not a valid {what}: it {problem}", shown(value)),
            )
            .help
            .push(LABEL_HELP.to_owned());
            return None;
        }
        Some(value.to_owned())
    }

    fn port_number(&mut self, node: &Node, field: impl FieldPath) -> Option<u16> {
        let Some(scalar) = node.as_scalar().filter(|s| s.ty == ScalarType::Int) else {
            self.wrong_type(node, field, "an integer port number");
            return None;
        };
        match scalar.text.parse::<i64>() {
            Ok(n) if n >= 1 => u16::try_from(n).ok().or_else(|| {
                self.invalid(
                    node.span,
                    field,
                    format!("{} is out of range 1-65535", scalar.text),
                );
                None
            }),
            _ => {
                self.invalid(
                    node.span,
                    field,
                    format!("{} is out of range 1-65535", scalar.text),
                );
                None
            }
        }
    }

    fn one_of(&mut self, node: &Node, field: impl FieldPath, allowed: &[&str]) -> Option<String> {
        let value = self.string(node, field)?;
        if allowed.contains(&value) {
            return Some(value.to_owned());
        }
        let suggestion = closest(value, allowed.iter().copied()).or_else(|| {
            allowed
                .iter()
                .copied()
                .find(|a| a.eq_ignore_ascii_case(value))
        });
        let list = allowed.join(", ");
        let d = self.invalid(
            node.span,
            field,
            format!("is {}; expected one of {list}", shown(value)),
        );
        if let Some(s) = suggestion {
            d.help.push(format!("did you mean `{s}`?"));
        }
        None
    }

    fn workload(&mut self, root: &Node, default_namespace: &str) -> Option<Workload> {
        root.as_mapping()?;
        let Some(metadata) = root.get("metadata") else {
            self.invalid(
                Span::new(root.span.start as usize, root.span.start as usize),
                "metadata",
                "is missing; a spec needs `metadata.name`",
            );
            return None;
        };
        let metadata_entries = self.mapping(metadata, "metadata")?;
        let _ = metadata_entries;
        let Some(name_node) = metadata.get("name") else {
            let key = root.entry("metadata").map_or(root.span, |e| e.key.span);
            self.invalid(
                key,
                "metadata.name",
                "is missing; every spec is named by it",
            );
            return None;
        };
        let what = if self.kind == WorkloadKind::Service {
            "Service name (DNS label)"
        } else {
            "name (DNS label)"
        };
        let name = self.dns_label(name_node, "metadata.name", what)?;
        // Named already, so that a bad namespace is reported on its object.
        self.object = format!("{} {name}", self.kind.as_str());
        let namespace = match metadata.get("namespace") {
            Some(ns) if !ns.is_null() => self
                .dns_label(ns, "metadata.namespace", "namespace")
                .unwrap_or_else(|| default_namespace.to_owned()),
            _ => default_namespace.to_owned(),
        };
        let id = ServiceId::new(namespace, name);
        self.object = format!("{} {id}", self.kind.as_str());

        let mut workload = Workload {
            id: id.clone(),
            kind: self.kind,
            file: self.text.file,
            name_span: name_node.span,
            outbound: Vec::new(),
            inbound: Vec::new(),
            ports: Vec::new(),
            depends_all: None,
            selector: BTreeMap::new(),
            target_namespace: None,
            service_account: id.name.clone(),
            valid: true,
            insert: InsertPoints::default(),
        };
        let Some(spec) = root.get("spec") else {
            let key = root.entry("metadata").map_or(root.span, |e| e.key.span);
            self.invalid(key, "spec", "is missing");
            return Some(workload);
        };
        if self.mapping(spec, "spec").is_none() {
            return Some(workload);
        }
        match self.kind {
            WorkloadKind::Service => self.service(spec, &mut workload),
            WorkloadKind::MeshMember => self.mesh_member(root, spec, &mut workload),
        }
        Some(workload)
    }

    fn service(&mut self, spec: &Node, workload: &mut Workload) {
        workload.selector.insert(
            "app.kubernetes.io/name".to_owned(),
            workload.id.name.clone(),
        );
        let step = indent_step(self.text, spec);
        let Some(w) = spec.get("workload") else {
            workload.insert = self.service_insert_points(spec, None, step, &[]);
            return;
        };
        if self.mapping(w, "spec.workload").is_none() {
            return;
        }
        if let Some(ports) = w.get("service").and_then(|s| {
            self.mapping(s, "spec.workload.service")?;
            s.get("ports")
        }) {
            self.service_ports(ports, workload);
        }
        let mut taken = Vec::new();
        if let Some(resources) = w.get("resources") {
            if let Some(entries) = self.mapping(resources, "spec.workload.resources") {
                for entry in entries {
                    if let Some(key) = entry.key.as_scalar() {
                        taken.push(key.text.to_string());
                    }
                    self.resource(entry, workload);
                }
            }
        }
        workload.insert = self.service_insert_points(spec, Some(w), step, &taken);
        workload.insert.taken_keys = taken;
    }

    fn service_ports(&mut self, ports: &Node, workload: &mut Workload) {
        let Some(entries) = self.mapping(ports, "spec.workload.service.ports") else {
            return;
        };
        for entry in entries {
            let Some(name) = entry.key.as_str() else {
                self.wrong_type(&entry.key, "spec.workload.service.ports", "a string key");
                continue;
            };
            let field = |leaf| Joined("spec.workload.service.ports.", name, leaf);
            if let Some(problem) = dns_label_problem(name) {
                self.invalid(
                    entry.key.span,
                    field(""),
                    format!(
                        "names the port {}, which is not a valid port name: it {problem}",
                        shown(name)
                    ),
                )
                .help
                .push(
                    "Kubernetes names Service ports with DNS labels, like `http` or `grpc-web`"
                        .to_owned(),
                );
                continue;
            }
            let Some(fields) = self.mapping(&entry.value, field("")) else {
                continue;
            };
            if fields.is_empty() {
                self.invalid(entry.key.span, field(""), "has no `port`");
                continue;
            }
            let Some(port_node) = entry.value.get("port") else {
                self.invalid(entry.key.span, field(".port"), "is missing");
                continue;
            };
            let Some(port) = self.port_number(port_node, field(".port")) else {
                continue;
            };
            let target_port = match entry.value.get("targetPort") {
                Some(t) => match self.port_number(t, field(".targetPort")) {
                    Some(t) => t,
                    None => continue,
                },
                None => port,
            };
            let protocol = match entry.value.get("protocol") {
                Some(p) => match self.one_of(p, field(".protocol"), &PROTOCOLS).as_deref() {
                    Some("UDP") => Protocol::Udp,
                    Some("SCTP") => Protocol::Sctp,
                    Some(_) => Protocol::Tcp,
                    None => continue,
                },
                None => Protocol::Tcp,
            };
            workload.ports.push(Port {
                name: name.to_owned(),
                port,
                target_port,
                protocol,
            });
        }
    }

    fn resource(&mut self, entry: &Entry, workload: &mut Workload) {
        let Some(key) = entry.key.as_str() else {
            self.wrong_type(&entry.key, "spec.workload.resources", "a string key");
            return;
        };
        let field = |leaf| Joined("spec.workload.resources.", key, leaf);
        let Some(_) = self.mapping(&entry.value, field("")) else {
            return;
        };
        let value = &entry.value;

        let ty = match value.get("type") {
            Some(t) => match self.string(t, field(".type")) {
                Some(ty) => {
                    if !BUILTIN_TYPES.contains(&ty) {
                        if let Some(problem) = dns_label_problem(ty) {
                            let d = self.invalid(
                                t.span,
                                field(".type"),
                                format!("{} is neither a built-in type nor a custom type name: it {problem}", shown(ty)),
                            );
                            if let Some(s) = closest(ty, BUILTIN_TYPES) {
                                d.help.push(format!("did you mean `{s}`?"));
                            } else {
                                d.help.push(format!(
                                    "use one of {}, or a custom type named by a DNS label",
                                    BUILTIN_TYPES.join(", ")
                                ));
                            }
                            return;
                        }
                    }
                    ty
                }
                None => return,
            },
            None => "service",
        };
        if ty != "service" {
            return;
        }
        if value.get("id").is_some() {
            if let Some(problem) = dns_label_problem(key) {
                self.invalid(
                    entry.key.span,
                    field(""),
                    format!(
                        "has the key {}, which is not a valid resource name: it {problem}",
                        shown(key)
                    ),
                )
                .help
                .push("name the entry with a DNS label; `id` already names the peer".to_owned());
                return;
            }
        }

        let direction = match value.get("direction") {
            Some(d) => match self.one_of(d, field(".direction"), &DIRECTIONS) {
                Some(d) => d,
                None => return,
            },
            None => "outbound".to_owned(),
        };
        let namespace = match value.get("namespace") {
            Some(ns) => match self.dns_label(ns, field(".namespace"), "namespace") {
                Some(ns) => Some(ns),
                None => return,
            },
            None => None,
        };
        let (peer_name, name_span) = match value.get("id") {
            Some(id) => match self.string(id, field(".id")) {
                Some(id) => (id.to_owned(), id_span(id, entry)),
                None => return,
            },
            None => (key.to_owned(), entry.key.span),
        };
        let _ = name_span;
        let both = direction == "both";
        let source = DeclarationSource::Resource { both };
        let own_namespace = workload.id.namespace.clone();
        let peer_namespace = namespace.clone().unwrap_or(own_namespace);

        if peer_name == "*" {
            if direction != "inbound" {
                let span = value.get("id").map_or(entry.key.span, |n| n.span);
                self.invalid(
                    span,
                    field(".id"),
                    format!("is \"*\" on a `{direction}` declaration; a wildcard can only accept callers (`direction: inbound`)"),
                )
                .help
                .push("name the services this one calls, one resource entry each".to_owned());
                return;
            }
            workload.inbound.push(Declaration {
                peer: Peer::Any(namespace),
                span: entry.key.span,
                source,
            });
            return;
        }
        if let Some(problem) = dns_label_problem(&peer_name) {
            let (span, f) = match value.get("id") {
                Some(id) => (id.span, field(".id")),
                None => (entry.key.span, field("")),
            };
            self.invalid(
                span,
                f,
                format!(
                    "names {}, which is not a valid service name: it {problem}",
                    shown(&peer_name)
                ),
            )
            .help
            .push("a peer is named by its metadata.name; set `id` when the key differs".to_owned());
            return;
        }
        let peer = Peer::Named(ServiceId::new(peer_namespace, peer_name));
        let declaration = Declaration {
            peer,
            span: entry.key.span,
            source,
        };
        if direction != "inbound" {
            workload.outbound.push(declaration.clone());
        }
        if direction != "outbound" {
            workload.inbound.push(declaration);
        }
    }

    fn mesh_member(&mut self, root: &Node, spec: &Node, workload: &mut Workload) {
        let _ = root;
        let step = indent_step(self.text, spec);
        match spec.get("target") {
            None => {
                let key = spec.span;
                self.invalid(
                    Span::empty(key.start as usize),
                    "spec.target",
                    "is missing; say which pods this member is, with `selector` or `namespace`",
                );
            }
            Some(target) => self.target(target, workload),
        }
        if let Some(ports) = spec.get("ports") {
            if let Some(items) = self.sequence(ports, "spec.ports") {
                for (i, item) in items.iter().enumerate() {
                    self.mesh_port(item, i, workload);
                }
            }
        }
        for (field, inbound) in [("allowedCallers", true), ("dependencies", false)] {
            let Some(list) = spec.get(field) else {
                continue;
            };
            let Some(items) = self.sequence(list, &format!("spec.{field}")) else {
                continue;
            };
            for (i, item) in items.iter().enumerate() {
                self.peer_ref(item, &format!("spec.{field}[{i}]"), inbound, workload);
            }
        }
        if let Some(all) = spec.entry("dependsAll") {
            match all.value.as_scalar() {
                Some(s) if s.ty == ScalarType::Bool => {
                    if s.text.eq_ignore_ascii_case("true") {
                        workload.depends_all = Some(all.key.span);
                    }
                }
                _ => self.wrong_type(&all.value, "spec.dependsAll", "a boolean"),
            }
        }
        if let Some(sa) = spec.get("serviceAccount") {
            if let Some(value) = self.string(sa, "spec.serviceAccount") {
                if let Some(problem) = dns_subdomain_problem(value) {
                    self.invalid(
                        sa.span,
                        "spec.serviceAccount",
                        format!(
                            "{} is not a valid service account name: it {problem}",
                            shown(value)
                        ),
                    )
                    .help
                    .push(
                        "use a DNS subdomain: DNS labels joined by '.', at most 253 characters"
                            .to_owned(),
                    );
                } else {
                    workload.service_account = value.to_owned();
                }
            }
        }
        if workload.ports.is_empty()
            && workload.outbound.is_empty()
            && workload.depends_all.is_none()
            && self.valid
        {
            self.invalid(
                workload.name_span,
                "spec",
                "has no ports and no dependencies; a mesh member must serve or call something",
            );
        }
        workload.insert = InsertPoints {
            outbound: list_insert_point(self.text, spec, "dependencies", step),
            inbound: list_insert_point(self.text, spec, "allowedCallers", step),
            taken_keys: Vec::new(),
        };
    }

    fn target(&mut self, target: &Node, workload: &mut Workload) {
        if self.mapping(target, "spec.target").is_none() {
            return;
        }
        let selector = target.get("selector");
        let namespace = target.get("namespace");
        match (selector, namespace) {
            (Some(_), Some(ns)) => {
                self.invalid(
                    ns.span,
                    "spec.target",
                    "sets both `selector` and `namespace`; choose one",
                );
            }
            (None, None) => {
                self.invalid(
                    target.span,
                    "spec.target",
                    "needs `selector` (pod labels) or `namespace`",
                );
            }
            (Some(sel), None) => {
                let Some(entries) = self.mapping(sel, "spec.target.selector") else {
                    return;
                };
                if entries.is_empty() {
                    self.invalid(sel.span, "spec.target.selector", "is empty; it would select every pod of the namespace, use `target.namespace` for that");
                }
                for e in entries {
                    let Some(k) = self.string(&e.key, "spec.target.selector") else {
                        continue;
                    };
                    let Some(v) = self.string(&e.value, Joined("spec.target.selector.", k, ""))
                    else {
                        continue;
                    };
                    if let Some(p) = reserved_selector_key(k) {
                        self.invalid(
                            e.key.span,
                            "spec.target.selector",
                            format!("has the key {}, which {p}", shown(k)),
                        )
                        .help
                        .push("select the pods by a label of their own, such as `app`".to_owned());
                        continue;
                    }
                    if let Some(p) = label_key_problem(k) {
                        self.invalid(
                            e.key.span,
                            "spec.target.selector",
                            format!(
                                "has the key {}, which is not a valid label key: {p}",
                                shown(k)
                            ),
                        )
                        .help
                        .push(
                            "use a label key such as `app` or `app.kubernetes.io/name`".to_owned(),
                        );
                        continue;
                    }
                    if let Some(p) = label_value_problem(v) {
                        self.invalid(
                            e.value.span,
                            Joined("spec.target.selector.", k, ""),
                            format!("{} is not a valid label value: it {p}", shown(v)),
                        )
                        .help
                        .push(LABEL_VALUE_HELP.to_owned());
                        continue;
                    }
                    workload.selector.insert(k.to_owned(), v.to_owned());
                }
            }
            (None, Some(ns)) => {
                workload.target_namespace =
                    self.dns_label(ns, "spec.target.namespace", "namespace");
            }
        }
    }

    fn mesh_port(&mut self, item: &Node, i: usize, workload: &mut Workload) {
        let field = format!("spec.ports[{i}]");
        let Some(_) = self.mapping(item, &field) else {
            return;
        };
        let Some(port_node) = item.get("port") else {
            self.invalid(item.span, &format!("{field}.port"), "is missing");
            return;
        };
        let Some(port) = self.port_number(port_node, &format!("{field}.port")) else {
            return;
        };
        let name = if let Some(n) = item.get("name") {
            match self.dns_label(n, &format!("{field}.name"), "port name") {
                Some(n) => n,
                None => return,
            }
        } else {
            self.invalid(item.span, &format!("{field}.name"), "is missing");
            return;
        };
        if let Some(auth) = item.get("peerAuth") {
            self.one_of(auth, &format!("{field}.peerAuth"), &PEER_AUTH);
        }
        workload.ports.push(Port {
            name,
            port,
            target_port: port,
            protocol: Protocol::Tcp,
        });
    }

    fn peer_ref(&mut self, item: &Node, field: &str, inbound: bool, workload: &mut Workload) {
        let Some(_) = self.mapping(item, field) else {
            return;
        };
        let Some(name_node) = item.get("name") else {
            self.invalid(item.span, &format!("{field}.name"), "is missing");
            return;
        };
        let Some(name) = self.string(name_node, &format!("{field}.name")) else {
            return;
        };
        let namespace = match item.get("namespace") {
            Some(ns) => match self.dns_label(ns, &format!("{field}.namespace"), "namespace") {
                Some(ns) => Some(ns),
                None => return,
            },
            None => None,
        };
        let source = if inbound {
            DeclarationSource::AllowedCaller
        } else {
            DeclarationSource::Dependency
        };
        if name == "*" {
            if !inbound {
                self.invalid(
                    name_node.span,
                    &format!("{field}.name"),
                    "is \"*\"; a dependency names one service, a wildcard only accepts callers",
                )
                .help
                .push(
                    "to call every service that accepts this member, set `dependsAll: true`"
                        .to_owned(),
                );
                return;
            }
            workload.inbound.push(Declaration {
                peer: Peer::Any(namespace),
                span: name_node.span,
                source,
            });
            return;
        }
        if let Some(problem) = dns_label_problem(name) {
            self.invalid(
                name_node.span,
                &format!("{field}.name"),
                format!("{} is not a valid service name: it {problem}", shown(name)),
            )
            .help
            .push(LABEL_HELP.to_owned());
            return;
        }
        let ns = namespace.unwrap_or_else(|| workload.id.namespace.clone());
        let declaration = Declaration {
            peer: Peer::Named(ServiceId::new(ns, name)),
            span: name_node.span,
            source,
        };
        if inbound {
            workload.inbound.push(declaration);
        } else {
            workload.outbound.push(declaration);
        }
    }

    fn service_insert_points(
        &self,
        spec: &Node,
        workload: Option<&Node>,
        step: usize,
        taken: &[String],
    ) -> InsertPoints {
        let _ = taken;
        let point = service_insert_point(self.text, spec, workload, step);
        InsertPoints {
            outbound: point.clone(),
            inbound: point,
            taken_keys: Vec::new(),
        }
    }
}

fn id_span(_id: &str, entry: &Entry) -> Span {
    entry.value.get("id").map_or(entry.key.span, |n| n.span)
}

/// The indentation step of a block mapping: how far its children sit right of
/// its own key. Two spaces when it cannot be told.
fn indent_step(text: Text<'_>, spec: &Node) -> usize {
    let Some(first) = spec.as_mapping().and_then(|e| e.first()) else {
        return 2;
    };
    if spec.is_flow(text.text) {
        return 2;
    }
    let child = text.column(first.key.span.start);
    // `spec:` is a top-level key in every Lattice document.
    if child == 0 { 2 } else { child }
}

/// The line after the last line of `node`, as a 1-based line number, and
/// whether the file lacks a final line break there.
fn line_after(text: Text<'_>, node: &Node) -> (u32, bool) {
    let end = node.span.end.max(node.span.start + 1) - 1;
    let last0 = text.line0(end);
    let needs_newline = last0 + 1 >= text.lines.line_count()
        || !text.text[..text.lines.line_start(last0 + 1)].ends_with('\n');
    (
        last0 as u32 + 2,
        needs_newline && !text.text.ends_with('\n'),
    )
}

fn block_mapping<'n>(text: Text<'_>, node: &'n Node) -> Option<&'n [Entry]> {
    if node.is_flow(text.text) {
        None
    } else {
        node.as_mapping()
    }
}

/// Where a new `resources` entry goes: after the last entry of
/// `spec.workload.resources`, creating `resources:` (and `workload:`) when
/// missing. `None` for flow-style mappings, where inserted lines would not fit.
fn service_insert_point(
    text: Text<'_>,
    spec: &Node,
    workload: Option<&Node>,
    step: usize,
) -> Option<InsertPoint> {
    let spec_entries = block_mapping(text, spec)?;
    let spec_child = spec_entries
        .first()
        .map_or(step, |e| text.column(e.key.span.start));
    let Some(workload) = workload else {
        let last = spec_entries.last()?;
        let (line, needs_newline) = line_after(text, &last.value);
        let prefix = format!(
            "{}workload:\n{}resources:\n",
            " ".repeat(spec_child),
            " ".repeat(spec_child + step)
        );
        return Some(InsertPoint {
            line,
            prefix,
            indent: spec_child + 2 * step,
            step,
            needs_newline,
        });
    };
    let w_entries = block_mapping(text, workload)?;
    let w_child = w_entries
        .first()
        .map_or(spec_child + step, |e| text.column(e.key.span.start));
    let Some(resources) = workload.entry("resources") else {
        let last = w_entries.last()?;
        let (line, needs_newline) = line_after(text, &last.value);
        let prefix = format!("{}resources:\n", " ".repeat(w_child));
        return Some(InsertPoint {
            line,
            prefix,
            indent: w_child + step,
            step,
            needs_newline,
        });
    };
    if resources.value.is_null() {
        let (line, needs_newline) = line_after(text, &resources.key);
        return Some(InsertPoint {
            line,
            prefix: String::new(),
            indent: w_child + step,
            step,
            needs_newline,
        });
    }
    let r_entries = block_mapping(text, &resources.value)?;
    let first = r_entries.first()?;
    let last = r_entries.last()?;
    let indent = text.column(first.key.span.start);
    let (line, needs_newline) = line_after(text, &last.value);
    Some(InsertPoint {
        line,
        prefix: String::new(),
        indent,
        step,
        needs_newline,
    })
}

/// Where a new item of the mesh member list `spec.<field>` goes.
fn list_insert_point(text: Text<'_>, spec: &Node, field: &str, step: usize) -> Option<InsertPoint> {
    let spec_entries = block_mapping(text, spec)?;
    let spec_child = spec_entries
        .first()
        .map_or(step, |e| text.column(e.key.span.start));
    // Follow the document's own list style: dashes under the key, or indented.
    let dash_offset = spec_entries
        .iter()
        .find_map(|e| {
            let first = e.value.as_sequence()?.first()?;
            if e.value.is_flow(text.text) {
                return None;
            }
            Some(
                text.column(first.span.start)
                    .saturating_sub(2 + text.column(e.key.span.start)),
            )
        })
        .unwrap_or(0);
    match spec.entry(field) {
        Some(entry) if entry.value.is_null() => {
            let (line, needs_newline) = line_after(text, &entry.key);
            Some(InsertPoint {
                line,
                prefix: String::new(),
                indent: spec_child + dash_offset,
                step,
                needs_newline,
            })
        }
        Some(entry) => {
            if entry.value.is_flow(text.text) {
                return None;
            }
            let items = entry.value.as_sequence()?;
            let first = items.first()?;
            let last = items.last()?;
            let indent = text.column(first.span.start).saturating_sub(2);
            let (line, needs_newline) = line_after(text, last);
            Some(InsertPoint {
                line,
                prefix: String::new(),
                indent,
                step,
                needs_newline,
            })
        }
        None => {
            let last = spec_entries.last()?;
            let (line, needs_newline) = line_after(text, &last.value);
            let prefix = format!("{}{field}:\n", " ".repeat(spec_child));
            Some(InsertPoint {
                line,
                prefix,
                indent: spec_child + dash_offset,
                step,
                needs_newline,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use crate::yaml;

    fn read(text: &str) -> (Option<Workload>, Vec<Diagnostic>) {
        let file = SourceFile::new("t.yaml", text);
        let stream = yaml::parse(&file.text, &file.lines);
        let root = stream.documents[0].root.as_ref().unwrap();
        let mut diagnostics = Vec::new();
        let t = Text {
            file: FileId(0),
            text: &file.text,
            lines: &file.lines,
        };
        match read_document(t, root, "default", &mut diagnostics) {
            DocumentOutcome::Workload(w) => (Some(*w), diagnostics),
            _ => (None, diagnostics),
        }
    }

    const CHECKOUT: &str = "apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
  name: checkout
  namespace: commerce
spec:
  replicas: 2
  workload:
    containers:
      main:
        image: checkout:1
    service:
      ports:
        http:
          port: 80
          targetPort: 8080
    resources:
      payments:
        type: service
      frontend:
        direction: inbound
        namespace: web
      db-creds:
        type: secret
        params: {provider: vault}
      audit:
        type: service
        direction: both
        id: audit-log
";

    #[test]
    fn reads_declarations_ports_and_ignores_other_fields() {
        let (w, d) = read(CHECKOUT);
        assert!(d.is_empty(), "{d:?}");
        let w = w.unwrap();
        assert_eq!(w.id, ServiceId::new("commerce", "checkout"));
        assert_eq!(
            w.ports,
            vec![Port {
                name: "http".into(),
                port: 80,
                target_port: 8080,
                protocol: Protocol::Tcp
            }]
        );
        let out: Vec<_> = w.outbound.iter().map(|d| format!("{:?}", d.peer)).collect();
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(w.inbound.len(), 2);
        assert_eq!(
            w.inbound[0].peer,
            Peer::Named(ServiceId::new("web", "frontend"))
        );
        assert_eq!(
            w.inbound[1].peer,
            Peer::Named(ServiceId::new("commerce", "audit-log"))
        );
        assert!(w.valid);
    }

    #[test]
    fn insert_point_follows_the_resources_block() {
        let (w, _) = read(CHECKOUT);
        let p = w.unwrap().insert.inbound.unwrap();
        assert_eq!(p.line, 30);
        assert!(!p.needs_newline);
        assert_eq!(p.indent, 6);
        assert_eq!(p.step, 2);
        assert!(p.prefix.is_empty());
    }

    #[test]
    fn bad_direction_is_invalid_spec_with_a_suggestion() {
        let text = CHECKOUT.replace("direction: inbound", "direction: inbund");
        let (w, d) = read(&text);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, Code::InvalidSpec);
        assert!(
            d[0].message
                .contains("spec.workload.resources.frontend.direction"),
            "{}",
            d[0].message
        );
        assert_eq!(d[0].help, vec!["did you mean `inbound`?".to_owned()]);
        assert!(!w.unwrap().valid);
    }

    #[test]
    fn port_out_of_range_and_wrong_types() {
        let text = CHECKOUT
            .replace("port: 80", "port: 80000")
            .replace("replicas: 2", "replicas: two");
        let (_, d) = read(&text);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].message.contains("out of range"));
    }

    #[test]
    fn names_must_be_dns_labels() {
        let text = CHECKOUT.replace("name: checkout", "name: Check_Out");
        let (w, d) = read(&text);
        assert!(w.is_none());
        assert!(d[0].message.contains("not a valid"), "{}", d[0].message);
    }

    #[test]
    fn outbound_wildcards_are_refused() {
        let text = CHECKOUT.replace("id: audit-log", "id: \"*\"");
        let (_, d) = read(&text);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("wildcard"));
    }

    #[test]
    fn mesh_member_lists() {
        let text = "apiVersion: lattice.dev/v1alpha1
kind: LatticeMeshMember
metadata:
  name: prometheus
  namespace: monitoring
spec:
  target:
    selector:
      app: prometheus
  ports:
  - port: 9090
    name: web
  allowedCallers:
  - name: grafana
  dependencies:
  - name: checkout
    namespace: commerce
  serviceAccount: prometheus-server
";
        let (w, d) = read(text);
        assert!(d.is_empty(), "{d:?}");
        let w = w.unwrap();
        assert_eq!(w.service_account, "prometheus-server");
        assert_eq!(
            w.selector.get("app").map(String::as_str),
            Some("prometheus")
        );
        assert_eq!(
            w.outbound[0].peer,
            Peer::Named(ServiceId::new("commerce", "checkout"))
        );
        let p = w.insert.inbound.unwrap();
        assert_eq!((p.line, p.indent), (15, 2));
        let p = w.insert.outbound.unwrap();
        assert_eq!((p.line, p.indent), (18, 2));
    }

    #[test]
    fn other_documents_are_skipped() {
        let (w, d) = read("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
        assert!(w.is_none() && d.is_empty());
    }
}
