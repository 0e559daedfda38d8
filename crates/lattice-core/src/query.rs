//! Questions about the agreement graph: what a workload calls, what can
//! reach it (directly or transitively), the part of the graph between two
//! workloads, and the paths of agreements from one to another.
//!
//! Every query runs on [`Adjacency`], built once in O(workloads +
//! agreements), so that a query on a graph of tens of thousands of workloads
//! follows only the agreements it visits. Nothing here is quadratic in the
//! size of the graph.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use crate::graph::{Graph, WorkloadIndex};
use crate::model::ServiceId;

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

/// A name given on the command line that no analyzed spec defines.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "no such service {name} in the analyzed specs{}",
    suggestion.as_ref().map_or_else(String::new, |s| format!("; did you mean {s}?"))
)]
pub struct UnknownService {
    /// The name as given, completed with the default namespace.
    pub name: ServiceId,
    /// The closest defined service, if one is close.
    pub suggestion: Option<ServiceId>,
}

/// The workload `id` names, or the error naming the closest one.
pub fn find(graph: &Graph, id: &ServiceId) -> Result<WorkloadIndex, UnknownService> {
    graph.get(id).ok_or_else(|| UnknownService {
        name: id.clone(),
        suggestion: graph.suggest(id),
    })
}

/// Agreements by caller and by callee, each side one flat array sliced by
/// workload, so that building it is a few allocations however large the
/// graph.
#[derive(Clone, Debug, Default)]
pub struct Adjacency {
    /// Where each workload's callees start in `callees`; one entry more than
    /// there are workloads.
    outbound_start: Vec<usize>,
    callees: Vec<(WorkloadIndex, AgreementIndex)>,
    inbound_start: Vec<usize>,
    callers: Vec<(WorkloadIndex, AgreementIndex)>,
    /// Caller and callee of each agreement.
    ends: Vec<(WorkloadIndex, WorkloadIndex)>,
}

impl Adjacency {
    /// Index the agreements of `graph`.
    #[must_use]
    pub fn new(graph: &Graph) -> Self {
        let n = graph.workloads.len();
        let ends: Vec<(WorkloadIndex, WorkloadIndex)> = graph
            .agreements
            .iter()
            .map(|g| (g.caller, g.callee))
            .collect();
        let (outbound_start, callees) = slices(n, ends.iter().map(|&(a, b)| (a, b)));
        let (inbound_start, callers) = slices(n, ends.iter().map(|&(a, b)| (b, a)));
        Adjacency {
            outbound_start,
            callees,
            inbound_start,
            callers,
            ends,
        }
    }

    /// The neighbours of `node` in `direction`, with the agreement that links them.
    #[must_use]
    pub fn neighbours(
        &self,
        node: WorkloadIndex,
        direction: Direction,
    ) -> &[(WorkloadIndex, AgreementIndex)] {
        let (start, list) = match direction {
            Direction::Outbound => (&self.outbound_start, &self.callees),
            Direction::Inbound => (&self.inbound_start, &self.callers),
        };
        &list[start[node]..start[node + 1]]
    }

    /// The number of workloads indexed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.outbound_start.len().saturating_sub(1)
    }

    /// Whether no workload is indexed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The caller of `agreement`.
    #[must_use]
    pub fn caller(&self, agreement: AgreementIndex) -> WorkloadIndex {
        self.ends[agreement].0
    }

    /// The callee of `agreement`.
    #[must_use]
    pub fn callee(&self, agreement: AgreementIndex) -> WorkloadIndex {
        self.ends[agreement].1
    }
}

/// `(from, to)` pairs, numbered in order, grouped by `from` (a counting
/// sort, so each group keeps the pairs' order): the start of each group
/// and the `(to, number)` entries.
fn slices(
    n: usize,
    pairs: impl Iterator<Item = (WorkloadIndex, WorkloadIndex)> + Clone,
) -> (Vec<usize>, Vec<(WorkloadIndex, AgreementIndex)>) {
    let mut start = vec![0; n + 1];
    for (from, _) in pairs.clone() {
        start[from + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut next = start.clone();
    let mut entries = vec![(0, 0); start[n]];
    for (number, (from, to)) in pairs.enumerate() {
        entries[next[from]] = (to, number);
        next[from] += 1;
    }
    (start, entries)
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
    let mut seen = vec![false; adjacency.len()];
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

/// The distance of every workload within `max_depth` hops of `start` in
/// `direction`, the start included at 0.
fn distances(
    adjacency: &Adjacency,
    start: WorkloadIndex,
    direction: Direction,
    max_depth: Option<usize>,
) -> HashMap<WorkloadIndex, usize> {
    let mut out: HashMap<WorkloadIndex, usize> = reach(adjacency, start, direction, max_depth)
        .into_iter()
        .map(|r| (r.node, r.depth))
        .collect();
    out.insert(start, 0);
    out
}

/// The part of the graph a query looks at: the agreements on walks of at
/// most `max_depth` hops out of `from` (what it calls), into `to` (what
/// can reach it), or from `from` to `to` when both are given.
#[derive(Clone, Debug, Default)]
pub struct Subgraph {
    /// Distance from `from` of every workload within reach of it.
    pub forward: Option<HashMap<WorkloadIndex, usize>>,
    /// Distance to `to` of every workload that reaches it in range.
    pub backward: Option<HashMap<WorkloadIndex, usize>>,
    /// The hop limit; `None` for none.
    pub max_depth: Option<usize>,
    /// The agreements in it, in [`Graph::agreements`] order.
    pub agreements: Vec<AgreementIndex>,
    /// Its workloads (the endpoints of its agreements, and `from` and `to`), ascending.
    pub nodes: Vec<WorkloadIndex>,
}

impl Subgraph {
    /// Whether an edge `caller -> callee` (an agreement, or a declaration
    /// waiting for its counterpart; `None` for a workload defined nowhere)
    /// lies within the query: it leaves a workload whose calls the query
    /// follows, enters one whose callers it follows, or both on a walk from
    /// `from` to `to` within the hop limit.
    #[must_use]
    pub fn admits(&self, caller: Option<WorkloadIndex>, callee: Option<WorkloadIndex>) -> bool {
        let within = |hops: usize| self.max_depth.is_none_or(|max| hops <= max);
        let forward = |node: Option<WorkloadIndex>| {
            let map = self.forward.as_ref()?;
            map.get(&node?).copied()
        };
        let backward = |node: Option<WorkloadIndex>| {
            let map = self.backward.as_ref()?;
            map.get(&node?).copied()
        };
        match (self.forward.is_some(), self.backward.is_some()) {
            (true, true) => match (forward(caller), backward(callee)) {
                (Some(f), Some(b)) => within(f + 1 + b),
                _ => false,
            },
            (true, false) => forward(caller).is_some_and(|f| within(f + 1)),
            (false, true) => backward(callee).is_some_and(|b| within(b + 1)),
            (false, false) => true,
        }
    }

    /// How far `node` is from `from` (or, without `from`, from `to`).
    #[must_use]
    pub fn depth(&self, node: WorkloadIndex) -> Option<usize> {
        self.forward
            .as_ref()
            .or(self.backward.as_ref())
            .and_then(|map| map.get(&node).copied())
    }
}

/// The agreements around `from` and/or `to` within `max_depth` hops (see
/// [`Subgraph`]); with neither, the whole graph. Costs what the searches
/// visit, not the size of the graph.
#[must_use]
pub fn subgraph(
    adjacency: &Adjacency,
    from: Option<WorkloadIndex>,
    to: Option<WorkloadIndex>,
    max_depth: Option<usize>,
) -> Subgraph {
    let mut sub = Subgraph {
        forward: from.map(|f| distances(adjacency, f, Direction::Outbound, max_depth)),
        backward: to.map(|t| distances(adjacency, t, Direction::Inbound, max_depth)),
        max_depth,
        ..Subgraph::default()
    };
    let mut agreements = Vec::new();
    match (&sub.forward, &sub.backward) {
        (Some(start), _) => {
            for &node in start.keys() {
                for &(next, via) in adjacency.neighbours(node, Direction::Outbound) {
                    if sub.admits(Some(node), Some(next)) {
                        agreements.push(via);
                    }
                }
            }
        }
        (None, Some(end)) => {
            for &node in end.keys() {
                for &(previous, via) in adjacency.neighbours(node, Direction::Inbound) {
                    if sub.admits(Some(previous), Some(node)) {
                        agreements.push(via);
                    }
                }
            }
        }
        (None, None) => agreements.extend(0..adjacency.ends.len()),
    }
    agreements.sort_unstable();
    let mut nodes: BTreeSet<WorkloadIndex> = from.into_iter().chain(to).collect();
    for &agreement in &agreements {
        nodes.insert(adjacency.caller(agreement));
        nodes.insert(adjacency.callee(agreement));
    }
    if from.is_none() && to.is_none() {
        nodes.extend(0..adjacency.len());
    }
    sub.agreements = agreements;
    sub.nodes = nodes.into_iter().collect();
    sub
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
    Search::new(adjacency).shortest(from, to, &HashSet::new(), &HashSet::new())
}

/// Breadth-first search state, reused across the many searches of
/// [`all_paths`]: an epoch stamp per workload instead of a cleared array, so
/// a search costs what it visits.
struct Search<'a> {
    adjacency: &'a Adjacency,
    epoch: u32,
    stamp: Vec<u32>,
    parent: Vec<(WorkloadIndex, AgreementIndex)>,
    queue: VecDeque<WorkloadIndex>,
}

impl<'a> Search<'a> {
    fn new(adjacency: &'a Adjacency) -> Self {
        Self {
            adjacency,
            epoch: 0,
            stamp: vec![0; adjacency.len()],
            parent: vec![(0, 0); adjacency.len()],
            queue: VecDeque::new(),
        }
    }

    /// The shortest path avoiding `blocked_nodes` and `blocked_edges`.
    fn shortest(
        &mut self,
        from: WorkloadIndex,
        to: WorkloadIndex,
        blocked_nodes: &HashSet<WorkloadIndex>,
        blocked_edges: &HashSet<AgreementIndex>,
    ) -> Option<Vec<AgreementIndex>> {
        self.epoch += 1;
        let epoch = self.epoch;
        self.stamp[from] = epoch;
        self.queue.clear();
        self.queue.push_back(from);
        while let Some(node) = self.queue.pop_front() {
            for &(next, via) in self.adjacency.neighbours(node, Direction::Outbound) {
                if self.stamp[next] == epoch
                    || blocked_nodes.contains(&next)
                    || blocked_edges.contains(&via)
                {
                    continue;
                }
                self.stamp[next] = epoch;
                self.parent[next] = (node, via);
                if next == to {
                    let mut path = Vec::new();
                    let mut at = to;
                    while at != from {
                        let (before, via) = self.parent[at];
                        path.push(via);
                        at = before;
                    }
                    path.reverse();
                    return Some(path);
                }
                self.queue.push_back(next);
            }
        }
        None
    }
}

/// Every simple path (no workload twice) from `from` to `to`, shortest
/// first (among equals, the one through the agreements that sort first),
/// at most `max_paths` of them.
///
/// Yen's algorithm: each further path is the shortest detour from a prefix
/// of one already found, so the cost grows with `max_paths` times the path
/// length times one breadth-first search, never with the number of paths
/// that exist (which can be exponential).
#[must_use]
pub fn all_paths(
    adjacency: &Adjacency,
    from: WorkloadIndex,
    to: WorkloadIndex,
    max_paths: usize,
) -> Vec<Vec<AgreementIndex>> {
    let mut found: Vec<Vec<AgreementIndex>> = Vec::new();
    if from == to || max_paths == 0 {
        return found;
    }
    let mut search = Search::new(adjacency);
    let Some(first) = search.shortest(from, to, &HashSet::new(), &HashSet::new()) else {
        return found;
    };
    found.push(first);
    // Candidates ordered by length, then by their agreements.
    let mut candidates: BTreeSet<(usize, Vec<AgreementIndex>)> = BTreeSet::new();
    while found.len() < max_paths {
        let last = &found[found.len() - 1];
        let mut root_nodes = HashSet::new();
        let mut spur_node = from;
        for i in 0..last.len() {
            let root = &last[..i];
            let blocked_edges: HashSet<AgreementIndex> = found
                .iter()
                .filter(|path| path.len() > i && path[..i] == *root)
                .map(|path| path[i])
                .collect();
            if let Some(spur) = search.shortest(spur_node, to, &root_nodes, &blocked_edges) {
                let mut path = root.to_vec();
                path.extend(spur);
                if !found.contains(&path) {
                    candidates.insert((path.len(), path));
                }
            }
            root_nodes.insert(spur_node);
            spur_node = adjacency.callee(last[i]);
        }
        let Some((_, next)) = candidates.pop_first() else {
            break;
        };
        found.push(next);
    }
    found
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

    /// Every simple path by brute force, for comparison.
    fn every_path(
        adj: &Adjacency,
        from: WorkloadIndex,
        to: WorkloadIndex,
    ) -> Vec<Vec<AgreementIndex>> {
        fn go(
            adj: &Adjacency,
            at: WorkloadIndex,
            to: WorkloadIndex,
            on: &mut Vec<WorkloadIndex>,
            edges: &mut Vec<AgreementIndex>,
            out: &mut Vec<Vec<AgreementIndex>>,
        ) {
            for &(next, via) in adj.neighbours(at, Direction::Outbound) {
                if next == to {
                    let mut path = edges.clone();
                    path.push(via);
                    out.push(path);
                } else if !on.contains(&next) {
                    on.push(next);
                    edges.push(via);
                    go(adj, next, to, on, edges, out);
                    on.pop();
                    edges.pop();
                }
            }
        }
        let mut out = Vec::new();
        go(adj, from, to, &mut vec![from], &mut Vec::new(), &mut out);
        out
    }

    #[test]
    fn all_paths_are_the_shortest_simple_paths_in_order() {
        // A dense graph with cycles, from a fixed pseudo-random sequence.
        let labels = ["a", "b", "c", "d", "e", "f", "g"];
        let mut seed = 7u32;
        let mut edges = Vec::new();
        for a in labels {
            for b in labels {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                if a != b && (seed >> 16) % 2 == 0 {
                    edges.push((a, b));
                }
            }
        }
        let g = graph(&edges);
        let adj = Adjacency::new(&g);
        for (from, to) in [("a", "g"), ("g", "a"), ("c", "d")] {
            let (from, to) = (idx(&g, from), idx(&g, to));
            let mut every = every_path(&adj, from, to);
            every.sort_by_key(Vec::len);
            let found = all_paths(&adj, from, to, 1000);
            assert_eq!(found.len(), every.len());
            let lengths =
                |paths: &[Vec<AgreementIndex>]| paths.iter().map(Vec::len).collect::<Vec<_>>();
            assert_eq!(lengths(&found), lengths(&every));
            for path in &found {
                assert!(
                    every.contains(path),
                    "{} is not a simple path",
                    names(&g, path)
                );
            }
            let few = all_paths(&adj, from, to, 3);
            assert_eq!(few[..], found[..few.len()]);
        }
    }

    #[test]
    fn subgraphs_follow_one_direction_or_lie_between_two_workloads() {
        let g = graph(&[
            ("a", "b"),
            ("b", "c"),
            ("c", "a"),
            ("c", "d"),
            ("x", "c"),
            ("b", "y"),
        ]);
        let adj = Adjacency::new(&g);
        let edges = |sub: &Subgraph| -> Vec<String> {
            sub.agreements.iter().map(|&i| names(&g, &[i])).collect()
        };

        let direct = subgraph(&adj, Some(idx(&g, "b")), None, Some(1));
        assert_eq!(edges(&direct), ["b>c", "b>y"]);
        assert!(direct.admits(Some(idx(&g, "b")), None));
        assert!(!direct.admits(Some(idx(&g, "c")), None));

        let everything = subgraph(&adj, Some(idx(&g, "b")), None, None);
        assert_eq!(edges(&everything), ["a>b", "b>c", "b>y", "c>a", "c>d"]);
        assert_eq!(everything.depth(idx(&g, "d")), Some(2));

        let callers = subgraph(&adj, None, Some(idx(&g, "c")), Some(1));
        assert_eq!(edges(&callers), ["b>c", "x>c"]);

        let between = subgraph(&adj, Some(idx(&g, "a")), Some(idx(&g, "d")), None);
        assert_eq!(edges(&between), ["a>b", "b>c", "c>a", "c>d"]);
        let short = subgraph(&adj, Some(idx(&g, "a")), Some(idx(&g, "d")), Some(3));
        assert_eq!(edges(&short), ["a>b", "b>c", "c>d"]);

        let whole = subgraph(&adj, None, None, None);
        assert_eq!(whole.agreements.len(), g.agreements.len());
        assert_eq!(whole.nodes.len(), g.workloads.len());
    }

    #[test]
    fn unknown_names_suggest_the_closest() {
        let g = graph(&[("checkout", "payments")]);
        let error = find(&g, &ServiceId::new("ns", "paymnets")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no such service ns/paymnets in the analyzed specs; did you mean ns/payments?"
        );
        let error = find(&g, &ServiceId::new("other", "checkout")).unwrap_err();
        assert_eq!(error.suggestion, Some(ServiceId::new("ns", "checkout")));
    }
}
