//! What the cursor is on: a service's `metadata.name`, or a declaration
//! naming a peer (a `resources` key, its `id` value, or a mesh member's
//! `name` value), and where the name of a declaration's peer is written.

use lattice_core::graph::WorkloadIndex;
use lattice_core::model::{DeclarationSource, Peer};
use lattice_core::yaml::{self, Entry, Node, NodeKind};
use lattice_core::{Analysis, FileId, ServiceId, Span};

use crate::status::{Written, written};

/// A thing of the model under the cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The `metadata.name` of a workload.
    Service(WorkloadIndex),
    /// A declaration of a workload, by its span (see [`Written::span`]).
    Declaration {
        /// The declaring workload.
        workload: WorkloadIndex,
        /// The declaration's span.
        span: Span,
    },
}

impl Target {
    /// The service this target is about: the workload itself, or the peer a
    /// declaration names (`None` for a wildcard).
    #[must_use]
    pub fn service(&self, analysis: &Analysis) -> Option<ServiceId> {
        let graph = &analysis.graph;
        match *self {
            Target::Service(w) => Some(graph.workloads[w].id.clone()),
            Target::Declaration { workload, span } => {
                match find_written(analysis, workload, span)?.peer() {
                    Peer::Named(id) => Some(id.clone()),
                    Peer::Any(_) => None,
                }
            }
        }
    }
}

/// The written declaration of workload `w` at `span`.
#[must_use]
pub fn find_written(analysis: &Analysis, w: WorkloadIndex, span: Span) -> Option<Written<'_>> {
    written(&analysis.graph.workloads[w])
        .into_iter()
        .find(|d| d.span == span)
}

fn contains(span: Span, offset: usize) -> bool {
    span.start as usize <= offset && offset <= span.end as usize
}

/// What is at byte `offset` of `file`.
#[must_use]
pub fn at(analysis: &Analysis, file: FileId, offset: usize) -> Option<Target> {
    let graph = &analysis.graph;
    let here = || {
        graph
            .workloads
            .iter()
            .enumerate()
            .filter(|(_, w)| w.file == file)
    };
    for (i, w) in here() {
        if contains(w.name_span, offset) {
            return Some(Target::Service(i));
        }
        if let Some(d) = written(w).iter().find(|d| contains(d.span, offset)) {
            return Some(Target::Declaration {
                workload: i,
                span: d.span,
            });
        }
    }
    // An `id` value names the peer of the resource entry it belongs to.
    let source = analysis.sources.get(file);
    let stream = yaml::parse(&source.text, &source.lines);
    let entry = stream
        .documents
        .iter()
        .filter_map(|d| d.root.as_ref())
        .find_map(|root| {
            find_entry(root, &|e| {
                e.value
                    .get("id")
                    .is_some_and(|id| contains(id.span, offset))
            })
        })?;
    here().find_map(|(i, w)| {
        written(w)
            .iter()
            .any(|d| d.span == entry.key.span)
            .then_some(Target::Declaration {
                workload: i,
                span: entry.key.span,
            })
    })
}

/// The first mapping entry under `node` (depth first) that `pred` accepts.
pub fn find_entry<'n>(node: &'n Node, pred: &dyn Fn(&Entry) -> bool) -> Option<&'n Entry> {
    match &node.kind {
        NodeKind::Scalar(_) => None,
        NodeKind::Sequence(items) => items.iter().find_map(|n| find_entry(n, pred)),
        NodeKind::Mapping(entries) => entries
            .iter()
            .find_map(|e| pred(e).then_some(e).or_else(|| find_entry(&e.value, pred))),
    }
}

/// Where the peer's name of the declaration at `span` of workload `w` is
/// written: the `id` value of a resource entry that has one, else the key;
/// the `name` value of a mesh member's list item.
#[must_use]
pub fn name_site(analysis: &Analysis, w: WorkloadIndex, span: Span) -> Span {
    let workload = &analysis.graph.workloads[w];
    let resource = workload
        .outbound
        .iter()
        .chain(&workload.inbound)
        .find(|d| d.span == span)
        .is_some_and(|d| matches!(d.source, DeclarationSource::Resource { .. }));
    if !resource {
        return span;
    }
    let source = analysis.sources.get(workload.file);
    let stream = yaml::parse(&source.text, &source.lines);
    stream
        .documents
        .iter()
        .filter_map(|d| d.root.as_ref())
        .find_map(|root| find_entry(root, &|e| e.key.span == span))
        .and_then(|e| e.value.get("id"))
        .map_or(span, |id| id.span)
}

/// The part of a scalar's span that holds its text: inside the quotes of a
/// quoted scalar.
#[must_use]
pub fn unquoted(text: &str, span: Span) -> Span {
    let s = &text[span.range()];
    let quoted = s.len() >= 2
        && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\'')));
    if quoted {
        Span::new(span.start as usize + 1, span.end as usize - 1)
    } else {
        span
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lattice_core::{Input, InputContent, Options, analyze};

    const SPEC: &str = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: checkout\nspec:\n  workload:\n    resources:\n      pay:\n        id: \"payments\"\n      orders: {}\n";

    fn analysis() -> Analysis {
        let input = Input {
            path: "c.yaml".into(),
            content: InputContent::Bytes(SPEC.as_bytes().to_vec()),
        };
        analyze(vec![input], &Options::default())
    }

    #[test]
    fn names_keys_and_id_values_are_found() {
        let a = analysis();
        let at_text = |needle: &str| at(&a, FileId(0), SPEC.find(needle).unwrap() + 1);
        assert_eq!(at_text("checkout"), Some(Target::Service(0)));
        let key = SPEC.find("pay:").unwrap();
        let on_key = at_text("pay:").unwrap();
        assert_eq!(on_key, at_text("payments").unwrap());
        assert_eq!(
            on_key.service(&a),
            Some(ServiceId::new("default", "payments"))
        );
        let Target::Declaration { span, .. } = on_key else {
            panic!("a declaration")
        };
        assert_eq!(span.start as usize, key);
        let site = name_site(&a, 0, span);
        assert_eq!(&SPEC[site.range()], "\"payments\"");
        assert_eq!(&SPEC[unquoted(SPEC, site).range()], "payments");
        let orders = at_text("orders").unwrap();
        let Target::Declaration { span, .. } = orders else {
            panic!("a declaration")
        };
        assert_eq!(&SPEC[name_site(&a, 0, span).range()], "orders");
        assert_eq!(at_text("workload"), None);
    }
}
