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
        let named = inbound
            .iter()
            .position(|d| matches!(&d.peer, Peer::Named(peer) if peer == caller));
        if let Some(i) = named {
            return Some(Consent::Named(i));
        }
        inbound
            .iter()
            .position(|d| matches!(&d.peer, Peer::Any(ns) if ns.as_ref().is_none_or(|ns| *ns == caller.namespace)))
            .map(Consent::Wildcard)
    }

    /// Whether `caller` declares a call to `callee` by name.
    #[must_use]
    pub fn call(&self, caller: WorkloadIndex, callee: &ServiceId) -> Option<usize> {
        self.workloads[caller]
            .outbound
            .iter()
            .position(|d| matches!(&d.peer, Peer::Named(peer) if peer == callee))
    }

    /// Every agreement, each caller's found on its own core.
    fn match_declarations(&self) -> Vec<Agreement> {
        let mut agreements: Vec<Agreement> = (0..self.workloads.len())
            .into_par_iter()
            .flat_map_iter(|a| self.agreements_of(a))
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
            if let Some(inbound) = self.acceptance(b, &caller.id) {
                agreements.push(Agreement {
                    caller: a,
                    callee: b,
                    outbound: Consent::Named(i),
                    inbound,
                });
            }
        }
        if caller.depends_all.is_some() {
            for (b, callee) in self.workloads.iter().enumerate() {
                if b == a || seen.contains(&b) {
                    continue;
                }
                let named = callee
                    .inbound
                    .iter()
                    .position(|d| matches!(&d.peer, Peer::Named(peer) if *peer == caller.id));
                if let Some(j) = named {
                    seen.insert(b);
                    agreements.push(Agreement {
                        caller: a,
                        callee: b,
                        outbound: Consent::DependsAll,
                        inbound: Consent::Named(j),
                    });
                }
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
