//! Questions about the agreement graph: what a workload calls, what can
//! reach it (directly or transitively), and the paths of agreements between
//! two workloads.
//!
//! Every query runs on [`Adjacency`], built once in O(agreements), so that a
//! query on a graph of tens of thousands of workloads touches only the part
//! it visits.

use std::collections::VecDeque;

use crate::graph::{Graph, WorkloadIndex};

/// Index of an agreement in [`Graph::agreements`].
pub type AgreementIndex = usize;

/// Which way edges are followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From caller to callee: "what does X call".
    Outbound,
    /// From callee to caller: "what can reach Y".
    Inbound,
}

/// Agreements by caller and by callee.
#[derive(Clone, Debug, Default)]
pub struct Adjacency {
    outbound: Vec<Vec<(WorkloadIndex, AgreementIndex)>>,
    inbound: Vec<Vec<(WorkloadIndex, AgreementIndex)>>,
}

impl Adjacency {
    /// Index the agreements of `graph`.
    #[must_use]
    pub fn new(graph: &Graph) -> Self {
        let n = graph.workloads.len();
        let mut adjacency = Adjacency {
            outbound: vec![Vec::new(); n],
            inbound: vec![Vec::new(); n],
        };
        for (i, agreement) in graph.agreements.iter().enumerate() {
            adjacency.outbound[agreement.caller].push((agreement.callee, i));
            adjacency.inbound[agreement.callee].push((agreement.caller, i));
        }
        adjacency
    }

    /// The neighbours of `node` in `direction`, with the agreement that links them.
    #[must_use]
    pub fn neighbours(
        &self,
        node: WorkloadIndex,
        direction: Direction,
    ) -> &[(WorkloadIndex, AgreementIndex)] {
        match direction {
            Direction::Outbound => &self.outbound[node],
            Direction::Inbound => &self.inbound[node],
        }
    }
}

/// A workload reached by [`reach`]: how far, and by which agreement it was
/// first reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reached {
    /// The workload reached.
    pub node: WorkloadIndex,
    /// Number of agreements from the start (1 for direct neighbours).
    pub depth: usize,
    /// The agreement of the last hop.
    pub via: AgreementIndex,
}

/// Every workload reachable from `start` in `direction`, breadth first, up
/// to `max_depth` hops (`None`: no limit). The start itself is not listed,
/// even when a cycle leads back to it.
#[must_use]
pub fn reach(
    adjacency: &Adjacency,
    start: WorkloadIndex,
    direction: Direction,
    max_depth: Option<usize>,
) -> Vec<Reached> {
    let mut seen = vec![false; adjacency.outbound.len()];
    seen[start] = true;
    let mut queue = VecDeque::from([(start, 0)]);
    let mut out = Vec::new();
    while let Some((node, depth)) = queue.pop_front() {
        if max_depth.is_some_and(|max| depth >= max) {
            continue;
        }
        for &(next, via) in adjacency.neighbours(node, direction) {
            if !seen[next] {
                seen[next] = true;
                out.push(Reached {
                    node: next,
                    depth: depth + 1,
                    via,
                });
                queue.push_back((next, depth + 1));
            }
        }
    }
    out
}

/// The shortest chain of agreements from `from` to `to` (fewest hops; among
/// equals, the one through the agreements that sort first), or `None`.
#[must_use]
pub fn shortest_path(
    adjacency: &Adjacency,
    from: WorkloadIndex,
    to: WorkloadIndex,
) -> Option<Vec<AgreementIndex>> {
    if from == to {
        return None;
    }
    let n = adjacency.outbound.len();
    // For each reached workload: the workload before it and the agreement between them.
    let mut parent: Vec<Option<(WorkloadIndex, AgreementIndex)>> = vec![None; n];
    let mut seen = vec![false; n];
    seen[from] = true;
    let mut queue = VecDeque::from([from]);
    while let Some(node) = queue.pop_front() {
        for &(next, via) in adjacency.neighbours(node, Direction::Outbound) {
            if seen[next] {
                continue;
            }
            seen[next] = true;
            parent[next] = Some((node, via));
            if next == to {
                let mut path = Vec::new();
                let mut at = to;
                while let Some((before, via)) = parent[at] {
                    path.push(via);
                    at = before;
                }
                path.reverse();
                return Some(path);
            }
            queue.push_back(next);
        }
    }
    None
}

/// Every simple path (no workload twice) from `from` to `to`, shortest
/// first, stopping after `max_paths`. Depth first with an explicit stack, so
/// long chains cannot overflow the call stack.
#[must_use]
pub fn all_paths(
    adjacency: &Adjacency,
    from: WorkloadIndex,
    to: WorkloadIndex,
    max_paths: usize,
) -> Vec<Vec<AgreementIndex>> {
    let mut paths = Vec::new();
    if from == to || max_paths == 0 {
        return paths;
    }
    let mut on_path = vec![false; adjacency.outbound.len()];
    on_path[from] = true;
    // Each frame: the node and the index of the next neighbour to try.
    let mut stack: Vec<(WorkloadIndex, usize)> = vec![(from, 0)];
    let mut edges: Vec<AgreementIndex> = Vec::new();
    while let Some(&mut (node, ref mut next)) = stack.last_mut() {
        let neighbours = adjacency.neighbours(node, Direction::Outbound);
        if *next >= neighbours.len() {
            stack.pop();
            on_path[node] = false;
            edges.pop();
            continue;
        }
        let (peer, via) = neighbours[*next];
        *next += 1;
        if peer == to {
            let mut path = edges.clone();
            path.push(via);
            paths.push(path);
            if paths.len() >= max_paths {
                break;
            }
        } else if !on_path[peer] {
            on_path[peer] = true;
            edges.push(via);
            stack.push((peer, 0));
        }
    }
    paths.sort_by_key(Vec::len);
    paths
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Input, InputContent, Options, analyze};
    use std::fmt::Write as _;

    /// A graph from `caller>callee` pairs in namespace `ns`, both sides declared.
    fn graph(edges: &[(&str, &str)]) -> Graph {
        let mut names: Vec<&str> = edges.iter().flat_map(|(a, b)| [*a, *b]).collect();
        names.sort_unstable();
        names.dedup();
        let inputs = names
            .iter()
            .map(|name| {
                let mut resources = String::new();
                for (a, b) in edges {
                    if a == name {
                        writeln!(resources, "      {b}-out: {{id: {b}}}").unwrap();
                    }
                    if b == name {
                        writeln!(resources, "      {a}-in: {{id: {a}, direction: inbound}}").unwrap();
                    }
                }
                let text = format!(
                    "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {{name: {name}, namespace: ns}}\nspec:\n  workload:\n    service: {{ports: {{http: {{port: 80}}}}}}\n    resources:\n{resources}"
                );
                Input { path: format!("{name}.yaml"), content: InputContent::Bytes(text.into_bytes()) }
            })
            .collect();
        analyze(inputs, &Options::default()).graph
    }

    fn names(g: &Graph, path: &[AgreementIndex]) -> String {
        let mut out = g.workloads[g.agreements[path[0]].caller].id.name.clone();
        for &i in path {
            out.push('>');
            out.push_str(&g.workloads[g.agreements[i].callee].id.name);
        }
        out
    }

    fn idx(g: &Graph, name: &str) -> WorkloadIndex {
        g.workloads.iter().position(|w| w.id.name == name).unwrap()
    }

    #[test]
    fn shortest_path_through_a_cycle() {
        let g = graph(&[
            ("a", "b"),
            ("b", "c"),
            ("c", "a"),
            ("c", "d"),
            ("a", "x"),
            ("x", "y"),
            ("y", "d"),
        ]);
        let adj = Adjacency::new(&g);
        let path = shortest_path(&adj, idx(&g, "a"), idx(&g, "d")).unwrap();
        assert_eq!(names(&g, &path), "a>b>c>d");
        assert!(shortest_path(&adj, idx(&g, "d"), idx(&g, "a")).is_none());
    }

    #[test]
    fn all_simple_paths_in_a_cyclic_graph() {
        let g = graph(&[("a", "b"), ("b", "a"), ("b", "c"), ("a", "c"), ("c", "b")]);
        let adj = Adjacency::new(&g);
        let paths: Vec<String> = all_paths(&adj, idx(&g, "a"), idx(&g, "c"), 10)
            .iter()
            .map(|p| names(&g, p))
            .collect();
        assert_eq!(paths, vec!["a>c", "a>b>c"]);
        assert_eq!(all_paths(&adj, idx(&g, "a"), idx(&g, "c"), 1).len(), 1);
    }

    #[test]
    fn reach_with_depth_limits() {
        let g = graph(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]);
        let adj = Adjacency::new(&g);
        let direct: Vec<_> = reach(&adj, idx(&g, "a"), Direction::Outbound, Some(1))
            .iter()
            .map(|r| g.workloads[r.node].id.name.clone())
            .collect();
        assert_eq!(direct, vec!["b"]);
        let all: Vec<_> = reach(&adj, idx(&g, "a"), Direction::Outbound, None)
            .iter()
            .map(|r| (g.workloads[r.node].id.name.clone(), r.depth))
            .collect();
        assert_eq!(all, vec![("b".into(), 1), ("c".into(), 2), ("d".into(), 3)]);
        let callers: Vec<_> = reach(&adj, idx(&g, "d"), Direction::Inbound, None)
            .iter()
            .map(|r| g.workloads[r.node].id.name.clone())
            .collect();
        assert_eq!(callers, vec!["c", "b", "a"]);
    }
}
