//! What changed between two analyses (two trees, or two revisions of one):
//! agreements added, removed or changed, declarations the change left
//! unmatched (and those it resolved), pairs of workloads that became
//! reachable or unreachable through chains of agreements, workloads whose
//! errors now keep them out of the policies, and the policy objects that
//! would be created, changed or deleted.
//!
//! Workloads are matched by namespace and name, unmatched declarations by
//! code, declaring workload, peer and side, and policy objects by kind,
//! namespace and name: never by file or line, which any edit moves.
//!
//! Reachability is computed only from the workloads upstream of a changed
//! agreement: for each of them, what it reaches on one side and not on the
//! other. Its cost follows the size of the change's neighbourhood, not the
//! square of the graph.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use serde::{Serialize, Serializer};

use crate::Analysis;
use crate::check::Side;
use rayon::prelude::*;

use crate::compile::{self, CompileOptions, Compiler, Object};
use crate::diagnostic::Code;
use crate::graph::WorkloadIndex;
use crate::model::ServiceId;
use crate::query::Direction;
use crate::unmatched::unmatched;
use crate::view::{Edge, agreement_edge, agreement_traits, unmatched_edge};

/// Everything that differs between OLD and NEW.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Changes {
    /// Agreements only NEW has; declarations are NEW's.
    pub added: Vec<Edge>,
    /// Agreements only OLD has; declarations are OLD's.
    pub removed: Vec<Edge>,
    /// Agreements both have that now go through another escape hatch, or
    /// that now do or no longer compile to rules.
    pub changed: Vec<ChangedAgreement>,
    /// Unmatched declarations of NEW that OLD did not have.
    pub newly_unmatched: Vec<Edge>,
    /// Unmatched declarations of OLD that NEW no longer has.
    pub resolved: Vec<Edge>,
    /// Pairs reachable through agreements in NEW and not in OLD, beyond the
    /// added agreements themselves.
    pub newly_reachable: Vec<Pair>,
    /// Pairs reachable in OLD and not in NEW, beyond the removed agreements
    /// themselves.
    pub no_longer_reachable: Vec<Pair>,
    /// Whether the two lists above stop short: past [`MAX_PAIRS`] pairs, or
    /// past the search budget, a change touches too much of the graph for a
    /// list to be read.
    pub reachability_truncated: bool,
    /// Workloads whose documents have errors in NEW and had none (or did not
    /// exist) in OLD: they produce no policy.
    pub newly_broken: Vec<Broken>,
    /// Policy objects `compile` would create, change and delete.
    pub policies: PolicyChanges,
}

impl Changes {
    /// Whether nothing changed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.newly_unmatched.is_empty()
            && self.resolved.is_empty()
            && self.newly_reachable.is_empty()
            && self.no_longer_reachable.is_empty()
            && self.newly_broken.is_empty()
            && self.policies.is_empty()
    }
}

/// One agreement on both sides, changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangedAgreement {
    /// As it was.
    pub old: Edge,
    /// As it is.
    pub new: Edge,
}

/// A caller that reaches a callee through one or more agreements.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Pair {
    /// `namespace/name` of the start.
    #[serde(serialize_with = "id")]
    pub from: ServiceId,
    /// `namespace/name` of the end.
    #[serde(serialize_with = "id")]
    pub to: ServiceId,
}

/// A workload left out of the policies because its document has errors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// `namespace/name`.
    #[serde(serialize_with = "id")]
    pub workload: ServiceId,
    /// Its file in NEW.
    pub file: String,
    /// The line of its name.
    pub line: u32,
}

/// Policy objects by kind, namespace and name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PolicyChanges {
    /// Only in NEW's output.
    pub created: Vec<PolicyRef>,
    /// In both, with different content.
    pub changed: Vec<PolicyRef>,
    /// Only in OLD's output.
    pub deleted: Vec<PolicyRef>,
}

impl PolicyChanges {
    /// Whether no object differs.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.created.is_empty() && self.changed.is_empty() && self.deleted.is_empty()
    }
}

/// Which policy object.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRef {
    /// Its `kind`.
    pub kind: &'static str,
    /// Its namespace; absent for a cluster-scoped object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
    /// Its `apiVersion`.
    pub api_version: &'static str,
}

impl std::fmt::Display for PolicyRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// Compare `old` with `new`, compiling both with `options`: only the
/// workloads whose objects may differ are compiled, those whose policy
/// inputs ([`compile::same_policy_inputs`]), compiled peers or peers'
/// inputs changed.
#[must_use]
pub fn diff(old: &Analysis, new: &Analysis, options: &CompileOptions) -> Changes {
    let old_pairs = agreement_pairs(old);
    let new_pairs = agreement_pairs(new);
    let mut changes = Changes::default();

    for (pair, &i) in &new_pairs {
        match old_pairs.get(pair) {
            None => changes.added.push(agreement_edge(new, i)),
            Some(&j) => {
                if agreement_traits(old, j) != agreement_traits(new, i) {
                    changes.changed.push(ChangedAgreement {
                        old: agreement_edge(old, j),
                        new: agreement_edge(new, i),
                    });
                }
            }
        }
    }
    for (pair, &j) in &old_pairs {
        if !new_pairs.contains_key(pair) {
            changes.removed.push(agreement_edge(old, j));
        }
    }

    let (introduced, resolved) = unmatched_changes(old, new);
    changes.newly_unmatched = introduced;
    changes.resolved = resolved;

    let reach = Reachability::new(old, new);
    let (gained, gained_cut) = reach.gained(Which::New);
    let (lost, lost_cut) = reach.gained(Which::Old);
    changes.newly_reachable = gained;
    changes.no_longer_reachable = lost;
    changes.reachability_truncated = gained_cut || lost_cut;
    changes.newly_broken = newly_broken(old, new);
    changes.policies = policy_changes(old, new, options);
    changes
}

type PairKey = (ServiceId, ServiceId);

/// Agreement index by (caller, callee), sorted.
fn agreement_pairs(analysis: &Analysis) -> BTreeMap<PairKey, usize> {
    let graph = &analysis.graph;
    graph
        .agreements
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let key = (
                graph.workloads[g.caller].id.clone(),
                graph.workloads[g.callee].id.clone(),
            );
            (key, i)
        })
        .collect()
}

/// The unmatched declarations only NEW has, and those only OLD has.
fn unmatched_changes(old: &Analysis, new: &Analysis) -> (Vec<Edge>, Vec<Edge>) {
    type Key = (Code, ServiceId, ServiceId, bool);
    let keyed = |analysis: &Analysis| -> Vec<(Key, Edge)> {
        let graph = &analysis.graph;
        unmatched(analysis)
            .iter()
            .map(|u| {
                let declarer = graph.workloads[u.declarer].id.clone();
                let key = (u.code, declarer, u.peer.clone(), u.side == Side::Outbound);
                (key, unmatched_edge(analysis, u))
            })
            .collect()
    };
    let before = keyed(old);
    let after = keyed(new);
    let before_keys: HashSet<&Key> = before.iter().map(|(k, _)| k).collect();
    let after_keys: HashSet<&Key> = after.iter().map(|(k, _)| k).collect();
    let only = |edges: &[(Key, Edge)], other: &HashSet<&Key>| -> Vec<Edge> {
        let mut out: Vec<Edge> = edges
            .iter()
            .filter(|(k, _)| !other.contains(k))
            .map(|(_, e)| e.clone())
            .collect();
        out.sort_by(|a, b| (&a.caller, &a.callee, a.status).cmp(&(&b.caller, &b.callee, b.status)));
        out
    };
    (only(&after, &before_keys), only(&before, &after_keys))
}

fn newly_broken(old: &Analysis, new: &Analysis) -> Vec<Broken> {
    let broken_before: HashSet<&ServiceId> = old
        .graph
        .workloads
        .iter()
        .filter(|w| !w.valid)
        .map(|w| &w.id)
        .collect();
    let mut out: Vec<Broken> = new
        .graph
        .workloads
        .iter()
        .filter(|w| !w.valid && !broken_before.contains(&w.id))
        .map(|w| {
            let file = new.sources.get(w.file);
            Broken {
                workload: w.id.clone(),
                file: file.path.clone(),
                line: file.line_col(w.name_span.start as usize).line,
            }
        })
        .collect();
    out.sort_by(|a, b| a.workload.cmp(&b.workload));
    out
}

/// The policy objects `compile` would create, change and delete.
///
/// A workload's objects are made of its own policy inputs and those of the
/// peers it has compiled agreements with
/// ([`compile::same_policy_inputs`]). A workload whose inputs, peers and
/// peers' inputs are the same on both sides has the same objects on both,
/// so only the others are compiled: a change costs its neighbourhood, not
/// two compilations of the whole graph.
fn policy_changes(old: &Analysis, new: &Analysis, options: &CompileOptions) -> PolicyChanges {
    let (old_compiler, new_compiler) = rayon::join(
        || Compiler::new(old, options),
        || Compiler::new(new, options),
    );
    let (old_graph, new_graph) = (&old.graph, &new.graph);
    // Each old workload's twin: the new workload of its id, when their
    // policy inputs are the same.
    let old_twin: Vec<Option<WorkloadIndex>> = old_graph
        .workloads
        .par_iter()
        .map(|w| {
            new_graph
                .get(&w.id)
                .filter(|&j| compile::same_policy_inputs(w, &new_graph.workloads[j]))
        })
        .collect();
    // An old workload keeps its objects when it has a twin and both have
    // the same peers, each of them with a twin.
    let kept: Vec<Option<WorkloadIndex>> = (0..old_graph.workloads.len())
        .into_par_iter()
        .map(|i| {
            let j = old_twin[i]?;
            [Direction::Outbound, Direction::Inbound]
                .into_iter()
                .all(|direction| {
                    let before = sorted(old_compiler.peers(i, direction).map(|p| old_twin[p]));
                    let after = sorted(new_compiler.peers(j, direction).map(Some));
                    !before.contains(&None) && before == after
                })
                .then_some(j)
        })
        .collect();
    let mut new_kept = vec![false; new_graph.workloads.len()];
    for &j in kept.iter().flatten() {
        new_kept[j] = true;
    }
    let (before, after) = rayon::join(
        || changed_objects(&old_compiler, |i| kept[i].is_none()),
        || changed_objects(&new_compiler, |j| !new_kept[j]),
    );
    compare_objects(&before, &after)
}

fn sorted<T: Ord>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut items: Vec<T> = items.collect();
    items.sort_unstable();
    items
}

/// The objects of the workloads `changed` picks and the baseline, sorted
/// as `compile` sorts them.
fn changed_objects(
    compiler: &Compiler,
    changed: impl Fn(WorkloadIndex) -> bool + Sync,
) -> Vec<Object> {
    let mut objects: Vec<Object> = (0..compiler.workloads())
        .into_par_iter()
        .filter(|&i| changed(i))
        .flat_map_iter(|i| compiler.workload_objects(i))
        .collect();
    objects.extend(compiler.baseline());
    objects.par_sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    objects
}

/// Objects only in `new` (created), in both and different (changed), and
/// only in `old` (deleted); both lists are sorted, and so are the answers.
fn compare_objects(old: &[Object], new: &[Object]) -> PolicyChanges {
    let index = |objects: &'_ [Object]| -> HashMap<(&'static str, Option<String>, String), usize> {
        objects
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let meta = o.metadata();
                ((o.kind(), meta.namespace.clone(), meta.name.clone()), i)
            })
            .collect()
    };
    let reference = |o: &Object| {
        let meta = o.metadata();
        PolicyRef {
            kind: o.kind(),
            namespace: meta.namespace.clone(),
            name: meta.name.clone(),
            api_version: o.api_version(),
        }
    };
    let before = index(old);
    let after = index(new);
    let mut changes = PolicyChanges::default();
    for object in new {
        let meta = object.metadata();
        let key = (object.kind(), meta.namespace.clone(), meta.name.clone());
        match before.get(&key) {
            None => changes.created.push(reference(object)),
            Some(&i) if old[i] != *object => changes.changed.push(reference(object)),
            Some(_) => {}
        }
    }
    for object in old {
        let meta = object.metadata();
        let key = (object.kind(), meta.namespace.clone(), meta.name.clone());
        if !after.contains_key(&key) {
            changes.deleted.push(reference(object));
        }
    }
    changes
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Old,
    New,
}

/// Both agreement graphs over one numbering of the workloads of either.
struct Reachability {
    ids: Vec<ServiceId>,
    /// Callees by caller, then callers by callee: OLD's, then NEW's.
    old_out: Vec<Vec<u32>>,
    old_in: Vec<Vec<u32>>,
    new_out: Vec<Vec<u32>>,
    new_in: Vec<Vec<u32>>,
    old_pairs: HashSet<(u32, u32)>,
    new_pairs: HashSet<(u32, u32)>,
    /// Strongly connected component of each workload, in OLD and in NEW.
    old_components: Vec<u32>,
    new_components: Vec<u32>,
}

impl Reachability {
    fn new(old: &Analysis, new: &Analysis) -> Self {
        let mut number: HashMap<ServiceId, u32> = HashMap::new();
        let mut ids = Vec::new();
        for w in old.graph.workloads.iter().chain(&new.graph.workloads) {
            number.entry(w.id.clone()).or_insert_with(|| {
                ids.push(w.id.clone());
                u32::try_from(ids.len() - 1).expect("fewer than 2^32 workloads")
            });
        }
        let pairs = |analysis: &Analysis| -> HashSet<(u32, u32)> {
            let graph = &analysis.graph;
            graph
                .agreements
                .iter()
                .map(|g| {
                    (
                        number[&graph.workloads[g.caller].id],
                        number[&graph.workloads[g.callee].id],
                    )
                })
                .collect()
        };
        Self::from_pairs(ids, pairs(old), pairs(new))
    }

    /// Over workloads `ids`, with the agreements of each side as pairs of
    /// their numbers.
    fn from_pairs(
        ids: Vec<ServiceId>,
        old_pairs: HashSet<(u32, u32)>,
        new_pairs: HashSet<(u32, u32)>,
    ) -> Self {
        let n = ids.len();
        let lists = |pairs: &HashSet<(u32, u32)>| {
            let mut out = vec![Vec::new(); n];
            let mut inb = vec![Vec::new(); n];
            for &(a, b) in pairs {
                out[a as usize].push(b);
                inb[b as usize].push(a);
            }
            // A set's order changes from run to run; searches follow these
            // lists, and a truncated answer must be the same every time.
            for list in out.iter_mut().chain(&mut inb) {
                list.sort_unstable();
            }
            (out, inb)
        };
        let (old_out, old_in) = lists(&old_pairs);
        let (new_out, new_in) = lists(&new_pairs);
        let old_components = components(&old_out);
        let new_components = components(&new_out);
        Self {
            ids,
            old_out,
            old_in,
            new_out,
            new_in,
            old_pairs,
            new_pairs,
            old_components,
            new_components,
        }
    }

    /// Pairs reachable on `side` and not on the other, other than the
    /// agreements only `side` has, and whether the list stops short.
    ///
    /// Only workloads upstream of an agreement that `side` alone has can
    /// reach more; those in one strongly connected component on both sides
    /// reach the same workloads, so one search serves them all.
    fn gained(&self, side: Which) -> (Vec<Pair>, bool) {
        let (out, inb, pairs, other_out, other_pairs) = match side {
            Which::New => (
                &self.new_out,
                &self.new_in,
                &self.new_pairs,
                &self.old_out,
                &self.old_pairs,
            ),
            Which::Old => (
                &self.old_out,
                &self.old_in,
                &self.old_pairs,
                &self.new_out,
                &self.new_pairs,
            ),
        };
        let (here, there) = match side {
            Which::New => (&self.new_components, &self.old_components),
            Which::Old => (&self.old_components, &self.new_components),
        };
        let fresh: HashSet<(u32, u32)> = pairs.difference(other_pairs).copied().collect();
        if fresh.is_empty() {
            return (Vec::new(), false);
        }
        let n = self.ids.len();
        let mut stamp = vec![0u32; n];
        let mut other_stamp = vec![0u32; n];
        let mut epoch = 1;

        let mut starts: Vec<u32> = fresh.iter().map(|&(a, _)| a).collect();
        starts.sort_unstable();
        let mut classes: BTreeMap<(u32, u32), Vec<u32>> = BTreeMap::new();
        for source in bfs(inb, &starts, &mut stamp, epoch) {
            let key = (here[source as usize], there[source as usize]);
            classes.entry(key).or_default().push(source);
        }

        let mut found = BTreeSet::new();
        let mut visits = 0usize;
        'classes: for members in classes.values() {
            let first = members[0];
            epoch += 1;
            let before = bfs(other_out, &[first], &mut other_stamp, epoch);
            let after = bfs(out, &[first], &mut stamp, epoch);
            visits += before.len() + after.len();
            for &reached in &after {
                if other_stamp[reached as usize] == epoch {
                    continue;
                }
                for &source in members {
                    if reached == source || fresh.contains(&(source, reached)) {
                        continue;
                    }
                    found.insert(Pair {
                        from: self.ids[source as usize].clone(),
                        to: self.ids[reached as usize].clone(),
                    });
                    if found.len() >= MAX_PAIRS {
                        break 'classes;
                    }
                }
            }
            if visits > MAX_VISITS {
                return (found.into_iter().collect(), true);
            }
        }
        let truncated = found.len() >= MAX_PAIRS;
        (found.into_iter().collect(), truncated)
    }
}

/// At most this many pairs are listed each way.
pub const MAX_PAIRS: usize = 10_000;

/// The searches for reachability changes stop after visiting this many
/// workloads in all; a change that needs more is reported as truncated.
const MAX_VISITS: usize = 50_000_000;

/// The strongly connected component of every node of `edges`, numbered
/// from 0 (Tarjan's algorithm, with an explicit stack so that long chains
/// cannot overflow the call stack).
fn components(edges: &[Vec<u32>]) -> Vec<u32> {
    const UNSEEN: u32 = u32::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut component = vec![UNSEEN; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut next_index = 0u32;
    let mut next_component = 0u32;
    // Each frame: a node and how many of its edges were followed.
    let mut frames: Vec<(u32, usize)> = Vec::new();
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        frames.push((u32::try_from(root).expect("fewer than 2^32 workloads"), 0));
        while let Some(&mut (node, ref mut followed)) = frames.last_mut() {
            let v = node as usize;
            if *followed == 0 {
                index[v] = next_index;
                low[v] = next_index;
                next_index += 1;
                stack.push(node);
                on_stack[v] = true;
            }
            if let Some(&next) = edges[v].get(*followed) {
                *followed += 1;
                let w = next as usize;
                if index[w] == UNSEEN {
                    frames.push((next, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent as usize] = low[parent as usize].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(member) = stack.pop() {
                    on_stack[member as usize] = false;
                    component[member as usize] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

/// Every node reachable from `starts` over `edges` (the starts included),
/// marking them with `epoch` in `stamp`.
fn bfs(edges: &[Vec<u32>], starts: &[u32], stamp: &mut [u32], epoch: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut queue = VecDeque::new();
    for &s in starts {
        if stamp[s as usize] != epoch {
            stamp[s as usize] = epoch;
            out.push(s);
            queue.push_back(s);
        }
    }
    while let Some(node) = queue.pop_front() {
        for &next in &edges[node as usize] {
            if stamp[next as usize] != epoch {
                stamp[next as usize] = epoch;
                out.push(next);
                queue.push_back(next);
            }
        }
    }
    out
}

fn id<S: Serializer>(id: &ServiceId, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pairs from a fixed pseudo-random sequence: `count` edges over `n` nodes.
    fn random_pairs(seed: u64, n: u32, count: usize) -> HashSet<(u32, u32)> {
        let mut x = seed;
        let mut next = || {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            u32::try_from(x >> 33).expect("31 bits") % n
        };
        (0..count)
            .map(|_| (next(), next()))
            .filter(|(a, b)| a != b)
            .collect()
    }

    fn closure(n: u32, pairs: &HashSet<(u32, u32)>) -> HashSet<(u32, u32)> {
        let mut out = HashSet::new();
        for start in 0..n {
            let mut seen = HashSet::from([start]);
            let mut queue = vec![start];
            while let Some(node) = queue.pop() {
                for &(a, b) in pairs {
                    if a == node && seen.insert(b) {
                        out.insert((start, b));
                        queue.push(b);
                    }
                }
            }
        }
        out
    }

    #[test]
    fn reachability_changes_match_the_closures() {
        let n = 24;
        for seed in 0..20 {
            let old = random_pairs(seed, n, 30);
            let mut new = old.clone();
            new.retain(|&(a, b)| (a + b) % 7 != 0);
            new.extend(random_pairs(seed + 100, n, 4));
            let ids: Vec<ServiceId> = (0..n)
                .map(|i| ServiceId::new("ns", format!("s{i:02}")))
                .collect();
            let reach = Reachability::from_pairs(ids.clone(), old.clone(), new.clone());
            let name = |(a, b): (u32, u32)| Pair {
                from: ids[a as usize].clone(),
                to: ids[b as usize].clone(),
            };
            let (before, after) = (closure(n, &old), closure(n, &new));
            let expect = |more: &HashSet<(u32, u32)>,
                          less: &HashSet<(u32, u32)>,
                          fresh: &HashSet<(u32, u32)>| {
                let mut pairs: Vec<Pair> = more
                    .iter()
                    .filter(|&&(a, b)| {
                        a != b && !less.contains(&(a, b)) && !fresh.contains(&(a, b))
                    })
                    .map(|&p| name(p))
                    .collect();
                pairs.sort();
                pairs
            };
            let added: HashSet<(u32, u32)> = new.difference(&old).copied().collect();
            let removed: HashSet<(u32, u32)> = old.difference(&new).copied().collect();
            assert_eq!(
                reach.gained(Which::New),
                (expect(&after, &before, &added), false),
                "seed {seed}"
            );
            assert_eq!(
                reach.gained(Which::Old),
                (expect(&before, &after, &removed), false),
                "seed {seed}"
            );
        }
    }

    #[test]
    fn components_of_cycles_and_chains() {
        // 0 -> 1 -> 2 -> 0 is one component; 3 -> 4 are two.
        let edges = vec![vec![1], vec![2], vec![0, 3], vec![4], vec![]];
        let c = components(&edges);
        assert!(c[0] == c[1] && c[1] == c[2]);
        assert!(c[3] != c[0] && c[4] != c[3] && c[4] != c[0]);
    }
}
