//! The agreement graph: every workload indexed by its id, and the agreements
//! that matching outbound and inbound declarations make.
//!
//! An agreement A -> B exists when A declares an outbound call to B and B
//! accepts A, by name or by a wildcard. A mesh member's `dependsAll` stands
//! for an outbound declaration to every service that names it in an inbound
//! declaration; it never meets a wildcard, so at least one side of every
//! agreement names the other.

use std::collections::{BTreeSet, HashMap};

use rayon::prelude::*;

use crate::model::{Declaration, Peer, ServiceId, Workload};
use crate::names::closest;

/// Index of a workload in [`Graph::workloads`].
pub type WorkloadIndex = usize;

/// How the callee's consent was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consent {
    /// A declaration naming the other side; the index is into the workload's
    /// `outbound` or `inbound` list.
    Named(usize),
    /// A wildcard inbound declaration (index into `inbound`).
    Wildcard(usize),
    /// The caller's `dependsAll`.
    DependsAll,
}

/// One agreement A -> B.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Agreement {
    /// A, the caller.
    pub caller: WorkloadIndex,
    /// B, the callee.
    pub callee: WorkloadIndex,
    /// The caller's side.
    pub outbound: Consent,
    /// The callee's side.
    pub inbound: Consent,
}

/// Every workload of an analysis and the agreements between them.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// Workloads in input order; duplicates of an id are not included.
    pub workloads: Vec<Workload>,
    /// Workload by id.
    pub index: HashMap<ServiceId, WorkloadIndex>,
    /// Names by namespace, for suggestions.
    pub by_namespace: HashMap<String, Vec<WorkloadIndex>>,
    /// Namespaces by name, to suggest `namespace:` for a right name in the wrong namespace.
    pub by_name: HashMap<String, Vec<WorkloadIndex>>,
    /// Agreements, sorted by caller then callee.
    pub agreements: Vec<Agreement>,
}

impl Graph {
    /// Build the index and the agreements. `workloads` must hold unique ids.
    #[must_use]
    pub fn new(workloads: Vec<Workload>) -> Self {
        let mut index = HashMap::with_capacity(workloads.len());
        for (i, w) in workloads.iter().enumerate() {
            index.insert(w.id.clone(), i);
        }
        Self::with_index(workloads, index)
    }

    /// [`Graph::new`] for a caller that already indexed `workloads` by id
    /// (the analysis does, to find ids defined twice).
    pub(crate) fn with_index(
        workloads: Vec<Workload>,
        index: HashMap<ServiceId, WorkloadIndex>,
    ) -> Self {
        let mut graph = Graph {
            workloads,
            index,
            ..Graph::default()
        };
        // Most workloads share their namespace with others: look up before
        // allocating a key.
        let add = |map: &mut HashMap<String, Vec<WorkloadIndex>>, key: &String, i| match map
            .get_mut(key)
        {
            Some(indexes) => indexes.push(i),
            None => {
                map.insert(key.clone(), vec![i]);
            }
        };
        for (i, w) in graph.workloads.iter().enumerate() {
            add(&mut graph.by_namespace, &w.id.namespace, i);
            add(&mut graph.by_name, &w.id.name, i);
        }
        graph.agreements = graph.match_declarations();
        graph
    }

    /// The workload with `id`.
    #[must_use]
    pub fn get(&self, id: &ServiceId) -> Option<WorkloadIndex> {
        self.index.get(id).copied()
    }

    /// The defined service a mistyped `id` most likely means: the same name
    /// in another namespace, else the closest name in the same namespace,
    /// else the closest `namespace/name` anywhere.
    #[must_use]
    pub fn suggest(&self, id: &ServiceId) -> Option<ServiceId> {
        let ids = |indexes: &[WorkloadIndex]| -> Vec<ServiceId> {
            indexes
                .iter()
                .map(|&i| self.workloads[i].id.clone())
                .collect()
        };
        if let Some(same_name) = self.by_name.get(&id.name) {
            return ids(same_name).into_iter().min();
        }
        if let Some(indexes) = self.by_namespace.get(&id.namespace) {
            let candidates = ids(indexes);
            let names = candidates.iter().map(|c| c.name.as_str());
            if let Some(best) = closest(&id.name, names) {
                return Some(ServiceId::new(id.namespace.clone(), best));
            }
        }
        let all: Vec<String> = self.workloads.iter().map(|w| w.id.to_string()).collect();
        let wanted = id.to_string();
        closest(&wanted, all.iter().map(String::as_str)).map(|best| ServiceId::parse(best, ""))
    }

    /// How `callee` accepts `caller`: a declaration naming it first, else a
    /// wildcard covering it.
    #[must_use]
    pub fn acceptance(&self, callee: WorkloadIndex, caller: &ServiceId) -> Option<Consent> {
        let inbound = &self.workloads[callee].inbound;
        let named = inbound.iter().position(|d| names(d, caller));
        if let Some(i) = named {
            return Some(Consent::Named(i));
        }
        inbound
            .iter()
            .position(|d| covers(d, caller))
            .map(Consent::Wildcard)
    }

    /// Whether `caller` declares a call to `callee` by name.
    #[must_use]
    pub fn call(&self, caller: WorkloadIndex, callee: &ServiceId) -> Option<usize> {
        self.workloads[caller]
            .outbound
            .iter()
            .position(|d| names(d, callee))
    }

    /// Every agreement, each caller's found on its own core.
    fn match_declarations(&self) -> Vec<Agreement> {
        let index = MatchIndex::new(self);
        let mut agreements: Vec<Agreement> = (0..self.workloads.len())
            .into_par_iter()
            .flat_map_iter(|a| self.agreements_with(a, Some(&index)))
            .collect();
        agreements.par_sort_unstable_by(|x, y| self.agreement_order(x, y));
        agreements
    }

    /// The agreements in which `a` is the caller, in declaration order (not
    /// yet in the order of [`Graph::agreements`]). They depend on `a`'s
    /// outbound declarations and `dependsAll`, and on the inbound
    /// declarations of the workloads it calls or that name it; an
    /// incremental analysis recomputes them per caller.
    #[must_use]
    pub fn agreements_of(&self, a: WorkloadIndex) -> Vec<Agreement> {
        self.agreements_with(a, None)
    }

    /// [`Graph::agreements_of`] for each of `callers`, in order; `None` for
    /// no caller. When they are many (the callers of a shared service whose
    /// spec was edited) one index serves them all, as it does a full match.
    #[must_use]
    pub fn agreements_of_each(&self, callers: &[Option<WorkloadIndex>]) -> Vec<Vec<Agreement>> {
        // The index costs one pass over every workload: worth it once the
        // callers are more than a handful.
        let index = (callers.len() > MatchIndex::MANY).then(|| MatchIndex::new(self));
        callers
            .iter()
            .map(|a| a.map_or_else(Vec::new, |a| self.agreements_with(a, index.as_ref())))
            .collect()
    }

    /// [`Graph::agreements_of`], looking declarations up in `index` where it
    /// has them instead of scanning.
    fn agreements_with(&self, a: WorkloadIndex, index: Option<&MatchIndex<'_>>) -> Vec<Agreement> {
        let Some(caller) = self.workloads.get(a) else {
            return Vec::new();
        };
        let mut seen = BTreeSet::new();
        let mut agreements = Vec::new();
        for (i, declaration) in caller.outbound.iter().enumerate() {
            let Peer::Named(peer) = &declaration.peer else {
                continue;
            };
            let Some(b) = self.get(peer) else { continue };
            if b == a || !seen.insert(b) {
                continue;
            }
            let inbound = match index.and_then(|index| index.accepting.get(&b)) {
                Some(accepting) => accepting.consent(&self.workloads[b], &caller.id),
                None => self.acceptance(b, &caller.id),
            };
            if let Some(inbound) = inbound {
                agreements.push(Agreement {
                    caller: a,
                    callee: b,
                    outbound: Consent::Named(i),
                    inbound,
                });
            }
        }
        if caller.depends_all.is_some() {
            // The first inbound declaration naming the caller, of every
            // workload in order.
            let scanned: Vec<(WorkloadIndex, usize)>;
            let naming: &[(WorkloadIndex, usize)] = if let Some(index) = index {
                index.naming.get(&caller.id).map_or(&[], Vec::as_slice)
            } else {
                scanned = self
                    .workloads
                    .iter()
                    .enumerate()
                    .filter_map(|(b, callee)| {
                        callee
                            .inbound
                            .iter()
                            .position(|d| names(d, &caller.id))
                            .map(|j| (b, j))
                    })
                    .collect();
                &scanned
            };
            for &(b, j) in naming {
                if b == a || !seen.insert(b) {
                    continue;
                }
                agreements.push(Agreement {
                    caller: a,
                    callee: b,
                    outbound: Consent::DependsAll,
                    inbound: Consent::Named(j),
                });
            }
        }
        agreements
    }

    /// The agreement `caller` -> `callee`, if they have one; a binary search
    /// of [`Graph::agreements`].
    #[must_use]
    pub fn agreement_between(
        &self,
        caller: WorkloadIndex,
        callee: WorkloadIndex,
    ) -> Option<&Agreement> {
        let wanted = (
            &self.workloads.get(caller)?.id,
            &self.workloads.get(callee)?.id,
        );
        let at = self.agreements.partition_point(|g| {
            (&self.workloads[g.caller].id, &self.workloads[g.callee].id) < wanted
        });
        self.agreements
            .get(at)
            .filter(|g| g.caller == caller && g.callee == callee)
    }

    /// The order of [`Graph::agreements`]: by caller id, then callee id.
    #[must_use]
    pub fn agreement_order(&self, x: &Agreement, y: &Agreement) -> std::cmp::Ordering {
        let key = |g: &Agreement| (&self.workloads[g.caller].id, &self.workloads[g.callee].id);
        key(x).cmp(&key(y))
    }

    /// The declaration behind a consent on the outbound side.
    #[must_use]
    pub fn outbound_declaration(&self, agreement: &Agreement) -> Option<&Declaration> {
        match agreement.outbound {
            Consent::Named(i) => self.workloads[agreement.caller].outbound.get(i),
            _ => None,
        }
    }

    /// The declaration behind a consent on the inbound side.
    #[must_use]
    pub fn inbound_declaration(&self, agreement: &Agreement) -> Option<&Declaration> {
        match agreement.inbound {
            Consent::Named(i) | Consent::Wildcard(i) => {
                self.workloads[agreement.callee].inbound.get(i)
            }
            Consent::DependsAll => None,
        }
    }
}

/// Whether `declaration` names `id`.
fn names(declaration: &Declaration, id: &ServiceId) -> bool {
    matches!(&declaration.peer, Peer::Named(peer) if peer == id)
}

/// Whether `declaration` is a wildcard covering `caller`: any caller, or any
/// in the caller's namespace.
fn covers(declaration: &Declaration, caller: &ServiceId) -> bool {
    matches!(&declaration.peer, Peer::Any(ns) if ns.as_ref().is_none_or(|ns| *ns == caller.namespace))
}

/// Lookups that keep matching linear when a few workloads are named by
/// thousands: a shared service accepting every caller by name, or callers
/// with `dependsAll`. Built once per full match; scanning stays the way for
/// everything small.
struct MatchIndex<'g> {
    /// Callees with more than [`MatchIndex::MANY`] inbound declarations.
    accepting: HashMap<WorkloadIndex, Accepting<'g>>,
    /// For each workload named in an inbound declaration, the first such
    /// declaration of every workload naming it, in workload order; only
    /// when some caller has `dependsAll`.
    naming: HashMap<&'g ServiceId, Vec<(WorkloadIndex, usize)>>,
}

/// One callee's inbound declarations by the caller they name.
struct Accepting<'g> {
    /// The first declaration naming each caller.
    named: HashMap<&'g ServiceId, usize>,
    /// The wildcard declarations, in order.
    wildcards: Vec<usize>,
}

impl<'g> MatchIndex<'g> {
    /// Below this many inbound declarations a scan is as fast as a lookup.
    const MANY: usize = 32;

    fn new(graph: &'g Graph) -> Self {
        let mut accepting = HashMap::new();
        for (b, callee) in graph.workloads.iter().enumerate() {
            if callee.inbound.len() <= Self::MANY {
                continue;
            }
            let mut named = HashMap::new();
            let mut wildcards = Vec::new();
            for (j, d) in callee.inbound.iter().enumerate() {
                match &d.peer {
                    Peer::Named(peer) => {
                        named.entry(peer).or_insert(j);
                    }
                    Peer::Any(_) => wildcards.push(j),
                }
            }
            accepting.insert(b, Accepting { named, wildcards });
        }
        let mut naming: HashMap<&ServiceId, Vec<(WorkloadIndex, usize)>> = HashMap::new();
        if graph.workloads.iter().any(|w| w.depends_all.is_some()) {
            for (b, callee) in graph.workloads.iter().enumerate() {
                for (j, d) in callee.inbound.iter().enumerate() {
                    if let Peer::Named(peer) = &d.peer {
                        let list = naming.entry(peer).or_default();
                        if list.last().is_none_or(|&(last, _)| last != b) {
                            list.push((b, j));
                        }
                    }
                }
            }
        }
        Self { accepting, naming }
    }
}

impl Accepting<'_> {
    /// [`Graph::acceptance`] of `caller` by `callee`, whose declarations
    /// these are.
    fn consent(&self, callee: &Workload, caller: &ServiceId) -> Option<Consent> {
        if let Some(&j) = self.named.get(caller) {
            return Some(Consent::Named(j));
        }
        self.wildcards
            .iter()
            .copied()
            .find(|&j| covers(&callee.inbound[j], caller))
            .map(Consent::Wildcard)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DeclarationSource, InsertPoints, WorkloadKind};
    use crate::source::{FileId, Span};

    fn named(namespace: &str, name: &str) -> Peer {
        Peer::Named(ServiceId::new(namespace, name))
    }

    fn workload(id: &str, outbound: Vec<Peer>, inbound: Vec<Peer>, depends_all: bool) -> Workload {
        let declarations = |peers: Vec<Peer>| {
            peers
                .into_iter()
                .map(|peer| Declaration {
                    peer,
                    span: Span::empty(0),
                    source: DeclarationSource::Resource { both: false },
                })
                .collect()
        };
        Workload {
            id: ServiceId::parse(id, "default"),
            kind: WorkloadKind::Service,
            file: FileId(0),
            name_span: Span::empty(0),
            outbound: declarations(outbound),
            inbound: declarations(inbound),
            ports: Vec::new(),
            depends_all: depends_all.then(|| Span::empty(0)),
            selector: std::collections::BTreeMap::new(),
            target_namespace: None,
            service_account: String::new(),
            valid: true,
            insert: InsertPoints::default(),
        }
    }

    #[test]
    fn crowded_callees_are_matched_as_a_scan_matches_them() {
        // A shared service naming 60 callers (one twice, one that does not
        // exist, one that calls through `dependsAll`), accepting namespace
        // `edge` by a wildcard placed among them and everyone by a later one.
        let mut hub_inbound: Vec<Peer> = (0..30).map(|i| named("edge", &format!("c{i}"))).collect();
        hub_inbound.push(Peer::Any(Some("edge".to_owned())));
        hub_inbound.extend((30..60).map(|i| named("edge", &format!("c{i}"))));
        hub_inbound.push(named("edge", "c3"));
        hub_inbound.push(named("edge", "ghost"));
        hub_inbound.push(named("edge", "m0"));
        hub_inbound.push(Peer::Any(None));
        let mut workloads = vec![workload("core/hub", Vec::new(), hub_inbound, false)];
        // Callers the hub names, callers only a wildcard covers, and
        // callers from another namespace.
        for (prefix, count) in [("edge/c", 70), ("other/d", 5)] {
            for i in 0..count {
                let id = format!("{prefix}{i}");
                workloads.push(workload(&id, vec![named("core", "hub")], Vec::new(), false));
            }
        }
        // A `dependsAll` caller named by the hub and by a few callers, two
        // of which name it twice.
        workloads.push(workload("edge/m0", Vec::new(), Vec::new(), true));
        for i in [2, 40, 41] {
            let w = &mut workloads[1 + i];
            let mut inbound = vec![named("edge", "m0")];
            if i != 2 {
                inbound.push(named("edge", "m0"));
            }
            *w = workload(
                &format!("edge/c{i}"),
                vec![named("core", "hub")],
                inbound,
                false,
            );
        }

        let graph = Graph::new(workloads);
        let index = MatchIndex::new(&graph);
        assert!(
            index.accepting.contains_key(&0),
            "the hub is looked up, not scanned"
        );
        assert!(!index.naming.is_empty(), "dependsAll is looked up");
        let mut scanned: Vec<Agreement> = (0..graph.workloads.len())
            .flat_map(|a| graph.agreements_of(a))
            .collect();
        scanned.sort_by(|x, y| graph.agreement_order(x, y));
        assert_eq!(graph.agreements, scanned);
        // Every caller of the hub got in: 70 from edge, 5 through the global
        // wildcard, and m0 by name.
        assert_eq!(
            graph.agreements.iter().filter(|g| g.callee == 0).count(),
            76
        );
    }
}
