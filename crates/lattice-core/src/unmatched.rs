//! The half-made agreements as data: every declaration that `check` reports
//! as `unmatched-outbound`, `unmatched-inbound` or `unknown-service`, with
//! the workload that wrote it, the peer it names, and the edge it would be.
//!
//! `graph` draws these as dashed edges and `diff` compares them between two
//! trees by code, declaring workload and peer (never by line, which any
//! edit above them moves). They are read off the analysis's own diagnostics,
//! so they are `check`'s findings by construction, and finding them costs a
//! pass over the workloads of the files that have such findings, not a
//! second check of the graph.

use std::collections::HashSet;

use crate::Analysis;
use crate::check::Side;
use crate::diagnostic::Code;
use crate::graph::{Graph, WorkloadIndex};
use crate::model::{Peer, ServiceId};
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

/// Every unmatched declaration of `analysis`, sorted by declaring workload,
/// then outbound before inbound, then position.
#[must_use]
pub fn unmatched(analysis: &Analysis) -> Vec<Unmatched> {
    let graph = &analysis.graph;
    let findings: Vec<(Code, Location)> = analysis
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
    if findings.is_empty() {
        return Vec::new();
    }
    let mut by_file: Vec<Vec<WorkloadIndex>> = vec![Vec::new(); analysis.sources.len()];
    for (index, workload) in graph.workloads.iter().enumerate() {
        if let Some(list) = by_file.get_mut(workload.file.0 as usize) {
            list.push(index);
        }
    }

    // One `direction: both` entry is two declarations at one place, and an
    // unknown peer there is reported once per side: each declaration is
    // taken once.
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (code, location) in findings {
        let sides: &[Side] = match code {
            Code::UnmatchedOutbound => &[Side::Outbound],
            Code::UnmatchedInbound => &[Side::Inbound],
            _ => &[Side::Outbound, Side::Inbound],
        };
        let workloads = by_file
            .get(location.file.0 as usize)
            .map_or(&[][..], Vec::as_slice);
        for &declarer in workloads {
            let workload = &graph.workloads[declarer];
            for &side in sides {
                let declarations = match side {
                    Side::Outbound => &workload.outbound,
                    Side::Inbound => &workload.inbound,
                };
                for (i, declaration) in declarations.iter().enumerate() {
                    let Peer::Named(peer) = &declaration.peer else {
                        continue;
                    };
                    let fits = declaration.span == location.span
                        && (code != Code::UnknownService || graph.get(peer).is_none());
                    if fits && seen.insert((declarer, side == Side::Inbound, i)) {
                        out.push(Unmatched {
                            code,
                            side,
                            declarer,
                            peer: peer.clone(),
                            location,
                        });
                    }
                }
            }
        }
    }
    out.sort_by_key(|u| (u.declarer, u.side == Side::Inbound, u.location.span.start));
    out
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
        let mut ours: Vec<(Code, Location)> = unmatched(&analysis)
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

        let edges: Vec<String> = unmatched(&analysis)
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
