//! The half-made agreements as data: every declaration that `check` reports
//! as `unmatched-outbound`, `unmatched-inbound` or `unknown-service`, with
//! the workload that wrote it, the peer it names, and the edge it would be.
//!
//! `graph` draws these as dashed edges and `diff` compares them between two
//! trees by code, declaring workload and peer (never by line, which any
//! edit above them moves). The rules are `check`'s own; a test keeps the two
//! in step.

use crate::check::Side;
use crate::diagnostic::Code;
use crate::graph::{Graph, WorkloadIndex};
use crate::model::{Declaration, Peer, ServiceId};
use crate::source::Location;

/// A declaration without its counterpart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmatched {
    /// [`Code::UnmatchedOutbound`], [`Code::UnmatchedInbound`] or
    /// [`Code::UnknownService`].
    pub code: Code,
    /// Which side the declaration is.
    pub side: Side,
    /// The workload that wrote it.
    pub declarer: WorkloadIndex,
    /// The workload it names.
    pub peer: ServiceId,
    /// Where it is written (the resource key or the item's `name`).
    pub location: Location,
}

impl Unmatched {
    /// The caller of the edge it would make: the declarer of an outbound
    /// declaration, the peer of an inbound one.
    #[must_use]
    pub fn caller<'a>(&'a self, graph: &'a Graph) -> &'a ServiceId {
        match self.side {
            Side::Outbound => &graph.workloads[self.declarer].id,
            Side::Inbound => &self.peer,
        }
    }

    /// The callee of the edge it would make.
    #[must_use]
    pub fn callee<'a>(&'a self, graph: &'a Graph) -> &'a ServiceId {
        match self.side {
            Side::Outbound => &self.peer,
            Side::Inbound => &graph.workloads[self.declarer].id,
        }
    }
}

/// Every unmatched declaration of `graph`, in workload order and, within a
/// workload, outbound before inbound in the order written.
#[must_use]
pub fn unmatched(graph: &Graph) -> Vec<Unmatched> {
    let mut out = Vec::new();
    for (index, workload) in graph.workloads.iter().enumerate() {
        for declaration in &workload.outbound {
            out.extend(outbound(graph, index, declaration));
        }
        for declaration in &workload.inbound {
            out.extend(inbound(graph, index, declaration));
        }
    }
    out
}

fn outbound(graph: &Graph, a: WorkloadIndex, declaration: &Declaration) -> Option<Unmatched> {
    let caller = &graph.workloads[a];
    let Peer::Named(peer) = &declaration.peer else {
        return None;
    };
    if *peer == caller.id {
        return None;
    }
    let code = match graph.get(peer) {
        None => Code::UnknownService,
        Some(b) if graph.acceptance(b, &caller.id).is_none() => Code::UnmatchedOutbound,
        Some(_) => return None,
    };
    Some(Unmatched {
        code,
        side: Side::Outbound,
        declarer: a,
        peer: peer.clone(),
        location: Location {
            file: caller.file,
            span: declaration.span,
        },
    })
}

fn inbound(graph: &Graph, b: WorkloadIndex, declaration: &Declaration) -> Option<Unmatched> {
    let callee = &graph.workloads[b];
    let Peer::Named(peer) = &declaration.peer else {
        return None;
    };
    if *peer == callee.id {
        return None;
    }
    let code = match graph.get(peer) {
        None => Code::UnknownService,
        Some(a)
            if graph.call(a, &callee.id).is_none() && graph.workloads[a].depends_all.is_none() =>
        {
            Code::UnmatchedInbound
        }
        Some(_) => return None,
    };
    Some(Unmatched {
        code,
        side: Side::Inbound,
        declarer: b,
        peer: peer.clone(),
        location: Location {
            file: callee.file,
            span: declaration.span,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Input, InputContent, Options, analyze};

    fn input(path: &str, text: &str) -> Input {
        Input {
            path: path.to_owned(),
            content: InputContent::Bytes(text.as_bytes().to_vec()),
        }
    }

    const SPECS: [(&str, &str); 4] = [
        (
            "a.yaml",
            "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: a}\nspec:\n  workload:\n    resources:\n      b: {}\n      ghost: {}\n      c: {direction: both}\n      d: {direction: inbound}\n",
        ),
        (
            "b.yaml",
            "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: b}\nspec:\n  workload:\n    service: {ports: {http: {port: 80}}}\n",
        ),
        (
            "c.yaml",
            "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: c}\nspec:\n  workload:\n    service: {ports: {http: {port: 80}}}\n    resources:\n      a: {direction: inbound}\n      old: {direction: inbound, namespace: elsewhere}\n",
        ),
        (
            "d.yaml",
            "apiVersion: lattice.dev/v1alpha1\nkind: LatticeMeshMember\nmetadata: {name: d}\nspec:\n  target: {selector: {app: d}}\n  dependsAll: true\n",
        ),
    ];

    /// The structured list and `check`'s diagnostics name the same
    /// declarations with the same codes.
    #[test]
    fn agrees_with_the_diagnostics() {
        let inputs = SPECS.iter().map(|(p, t)| input(p, t)).collect();
        let analysis = analyze(inputs, &Options::default());
        let graph = &analysis.graph;
        let mut ours: Vec<(Code, Location)> = unmatched(graph)
            .iter()
            .map(|u| (u.code, u.location))
            .collect();
        let mut theirs: Vec<(Code, Location)> = analysis
            .diagnostics
            .iter()
            .filter(|d| {
                matches!(
                    d.code,
                    Code::UnmatchedOutbound | Code::UnmatchedInbound | Code::UnknownService
                )
            })
            .map(|d| (d.code, d.location))
            .collect();
        ours.sort_by_key(|(c, l)| (l.file, l.span.start, *c));
        theirs.sort_by_key(|(c, l)| (l.file, l.span.start, *c));
        assert_eq!(ours, theirs);

        let edges: Vec<String> = unmatched(graph)
            .iter()
            .map(|u| format!("{} {}->{}", u.code, u.caller(graph), u.callee(graph)))
            .collect();
        assert_eq!(
            edges,
            [
                "unmatched-outbound default/a->default/b",
                "unknown-service default/a->default/ghost",
                "unmatched-inbound default/c->default/a",
                "unknown-service elsewhere/old->default/c",
            ]
        );
    }
}
