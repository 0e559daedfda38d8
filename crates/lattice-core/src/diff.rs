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
use serde_json::Value;

use crate::Analysis;
use crate::check::Side;
use crate::compile::{self, CompileOptions, Object};
use crate::diagnostic::Code;
use crate::model::ServiceId;
use crate::unmatched::unmatched;
use crate::view::{Edge, agreement_edge, unmatched_edge};

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

/// Compare `old` with `new`, compiling both with `options`.
#[must_use]
pub fn diff(old: &Analysis, new: &Analysis, options: &CompileOptions) -> Changes {
    let old_pairs = agreement_pairs(old);
    let new_pairs = agreement_pairs(new);
    let mut changes = Changes::default();

    for (pair, &i) in &new_pairs {
        match old_pairs.get(pair) {
            None => changes.added.push(agreement_edge(new, i)),
            Some(&j) => {
                let (before, after) = (agreement_edge(old, j), agreement_edge(new, i));
                if before.wildcard != after.wildcard || before.enforced != after.enforced {
                    changes.changed.push(ChangedAgreement {
                        old: before,
                        new: after,
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
    changes.newly_reachable = reach.gained(Which::New);
    changes.no_longer_reachable = reach.gained(Which::Old);
    changes.newly_broken = newly_broken(old, new);
    changes.policies = policy_changes(
        &compile::compile(old, options).objects,
        &compile::compile(new, options).objects,
    );
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
        unmatched(graph)
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

fn policy_changes(old: &[Object], new: &[Object]) -> PolicyChanges {
    let index = |objects: &[Object]| -> BTreeMap<PolicyRef, Value> {
        objects
            .iter()
            .map(|o| {
                let meta = o.metadata();
                let key = PolicyRef {
                    kind: o.kind(),
                    namespace: meta.namespace.clone(),
                    name: meta.name.clone(),
                    api_version: o.api_version(),
                };
                (key, compile::to_value(o))
            })
            .collect()
    };
    let before = index(old);
    let after = index(new);
    let mut changes = PolicyChanges::default();
    for (key, value) in &after {
        match before.get(key) {
            None => changes.created.push(key.clone()),
            Some(old_value) if old_value != value => changes.changed.push(key.clone()),
            Some(_) => {}
        }
    }
    changes.deleted = before
        .keys()
        .filter(|key| !after.contains_key(*key))
        .cloned()
        .collect();
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
        let n = ids.len();
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
        let lists = |pairs: &HashSet<(u32, u32)>| {
            let mut out = vec![Vec::new(); n];
            let mut inb = vec![Vec::new(); n];
            for &(a, b) in pairs {
                out[a as usize].push(b);
                inb[b as usize].push(a);
            }
            (out, inb)
        };
        let old_pairs = pairs(old);
        let new_pairs = pairs(new);
        let (old_out, old_in) = lists(&old_pairs);
        let (new_out, new_in) = lists(&new_pairs);
        Self {
            ids,
            old_out,
            old_in,
            new_out,
            new_in,
            old_pairs,
            new_pairs,
        }
    }

    /// Pairs reachable on `side` and not on the other, other than the
    /// agreements only `side` has.
    fn gained(&self, side: Which) -> Vec<Pair> {
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
        let fresh: HashSet<(u32, u32)> = pairs.difference(other_pairs).copied().collect();
        if fresh.is_empty() {
            return Vec::new();
        }
        let n = self.ids.len();
        let mut stamp = vec![0u32; n];
        let mut other_stamp = vec![0u32; n];
        let mut epoch = 0;

        // Every workload upstream of a fresh agreement, its caller included.
        epoch += 1;
        let mut starts: Vec<u32> = fresh.iter().map(|&(a, _)| a).collect();
        starts.sort_unstable();
        let sources = bfs(inb, &starts, &mut stamp, epoch);

        let mut found = BTreeSet::new();
        for source in sources {
            epoch += 1;
            bfs(other_out, &[source], &mut other_stamp, epoch);
            for reached in bfs(out, &[source], &mut stamp, epoch) {
                if reached != source
                    && other_stamp[reached as usize] != epoch
                    && !fresh.contains(&(source, reached))
                {
                    found.insert(Pair {
                        from: self.ids[source as usize].clone(),
                        to: self.ids[reached as usize].clone(),
                    });
                }
            }
        }
        found.into_iter().collect()
    }
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
