//! The analysis of the workspace, kept up to date one changed file at a time.
//!
//! A full link ([`analyze_parsed`]) builds the graph of every workload, every
//! agreement and every relational diagnostic. At ten thousand services that
//! takes a few hundred milliseconds: too slow for every keystroke. This module
//! keeps the result of a full link and, when one file changes, redoes only
//! what can depend on that file:
//!
//! - the file's new workloads take the place of its old ones in the graph,
//!   and the graph's indexes (by id, namespace and name) are patched;
//! - the agreements of every caller in an affected file are matched again;
//! - the diagnostics of every affected file are computed again, and only
//!   those files are handed back for publishing.
//!
//! A file is *affected* when it is the changed file, or when the diagnostics
//! it had may read something the change touched: a workload the changed file
//! defines or defined (its existence and declarations), the set of names in
//! such a workload's namespace or with its name (what an unknown peer's
//! "did you mean" looks at), or the calls of a caller it accepts (whether
//! one names this workload by a stale name). What the diagnostics of each file read is
//! recorded (as hashes) whenever they are computed, so affected files are
//! found by lookup. A file is also affected when a workload of the changed
//! file names one of its workloads, before or after the change: that
//! workload may gain or lose a caller (through a wildcard acceptance or a
//! `dependsAll`), which its `no-ports` warning lists. The agreements of
//! every caller in an affected file are matched again, which covers every
//! agreement the change can make or break: its caller either is in the
//! changed file or names a workload there, or is a `dependsAll` member a
//! workload there names.
//!
//! TODO: a file is affected by what its diagnostics read, not by whether
//! the change altered it; editing a service that thousands of others name
//! re-checks all their files (116 ms per edit at 10,000 callers), though a
//! caller whose agreement with the edited workload stayed as it was, and
//! whose other reads are untouched, gets the same diagnostics. Narrowing to
//! the others needs the old and new agreements compared, and the edited
//! workload's parts read separately, before the files are chosen.
//!
//! The graph after an update is the one a full link of the same files
//! builds: the same workloads in the same order, the same indexes, the same
//! agreements in the same order, the same diagnostics in the same order, the
//! same counts. The tests check it after random edit sequences.
//!
//! The list of files is fixed: a file entering or leaving the analysis takes
//! a new [`Incremental`], as file ids are positions in path order and would
//! all move. Within the list, a full link is still done when the changed
//! file's old or new workloads share an id with another definition: which
//! definition counts, and the `duplicate-service` diagnostics, are decided
//! across all files in file order.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash as _, Hasher as _};
use std::ops::Range;
use std::sync::Arc;

use lattice_core::check::{check_workload, no_ports};
use lattice_core::graph::WorkloadIndex;
use lattice_core::model::Peer;
use lattice_core::parsed::{ParsedFile, analyze_parsed};
use lattice_core::{
    Agreement, Analysis, Code, Diagnostic, FileId, Graph, ServiceId, Severity, Workload,
    WorkloadKind, sort_diagnostics,
};
use rayon::prelude::*;

/// Something the diagnostics of a file read from outside that file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Read<'a> {
    /// Whether a workload with this id exists, and what it declares.
    Workload(&'a ServiceId),
    /// The names defined in a namespace (and whether there is any).
    Namespace(&'a str),
    /// The workloads with a name, in every namespace.
    Name(&'a str),
}

/// A [`Read`] as it is stored: its hash. Two reads with the same hash only
/// make a change affect more files than it has to, never fewer, and a hash
/// costs no allocation, where keeping the names would cost one per key.
type Key = u64;

impl Read<'_> {
    fn key(self) -> Key {
        let mut hasher = std::hash::DefaultHasher::new();
        self.hash(&mut hasher);
        hasher.finish()
    }
}

/// What an update changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Update {
    /// Everything was linked again: any file's diagnostics may have changed,
    /// and file ids may have moved.
    All,
    /// Only these files' diagnostics may have changed (ascending ids).
    Files(Vec<FileId>),
}

/// A linked analysis of a fixed list of files that follows edits to them.
pub struct Incremental {
    files: Vec<Arc<ParsedFile>>,
    analysis: Analysis,
    /// File `i`'s workloads are `graph.workloads[starts[i]..starts[i + 1]]`.
    starts: Vec<usize>,
    /// How many documents of all files define each id, duplicates included.
    definitions: HashMap<ServiceId, usize>,
    /// What the diagnostics of each file read, by file id.
    reads: Vec<Vec<Key>>,
    /// The files whose diagnostics read each key.
    readers: HashMap<Key, Vec<FileId>>,
}

impl std::fmt::Debug for Incremental {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Incremental")
            .field("files", &self.files.len())
            .field("summary", &self.analysis.summary)
            .finish_non_exhaustive()
    }
}

impl Default for Incremental {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl Incremental {
    /// Link `files` in full: file `i` gets `FileId(i)`.
    #[must_use]
    pub fn new(files: Vec<Arc<ParsedFile>>) -> Self {
        let mut this = Self {
            files,
            analysis: Analysis::default(),
            starts: Vec::new(),
            definitions: HashMap::new(),
            reads: Vec::new(),
            readers: HashMap::new(),
        };
        this.relink();
        this
    }

    /// The current analysis, equal to a full link of the current files.
    #[must_use]
    pub fn analysis(&self) -> &Analysis {
        &self.analysis
    }

    /// Replace file `id` with a new read of it and bring the analysis up to
    /// date. An id out of range changes nothing.
    pub fn replace(&mut self, id: FileId, parsed: Arc<ParsedFile>) -> Update {
        let Some(old) = self.files.get(id.0 as usize) else {
            return Update::Files(Vec::new());
        };
        if old.source().text == parsed.source().text && old.source().path == parsed.source().path {
            return Update::Files(Vec::new());
        }
        if !self.can_patch(id, &parsed) {
            self.files[id.0 as usize] = parsed;
            self.relink();
            return Update::All;
        }
        let affected = self.patch(id, &parsed);
        if self.consistent() {
            Update::Files(affected)
        } else {
            // Only reachable through a bug in the reasoning of the module
            // docs: the full link is always right, so it takes over.
            tracing::error!("incremental update left the graph inconsistent; linked again in full");
            self.relink();
            Update::All
        }
    }

    /// Link every file again and rebuild the bookkeeping.
    fn relink(&mut self) {
        self.analysis = analyze_parsed(&self.files);
        let graph = &self.analysis.graph;

        let mut counts = vec![0usize; self.files.len()];
        for w in &graph.workloads {
            if let Some(count) = counts.get_mut(w.file.0 as usize) {
                *count += 1;
            }
        }
        self.starts = Vec::with_capacity(counts.len() + 1);
        let mut at = 0;
        self.starts.push(at);
        for count in counts {
            at += count;
            self.starts.push(at);
        }

        self.definitions.clear();
        for parsed in &self.files {
            for w in parsed.workloads() {
                *self.definitions.entry(w.id.clone()).or_default() += 1;
            }
        }

        self.readers.clear();
        let starts = &self.starts;
        self.reads = (0..self.files.len())
            .into_par_iter()
            .map(|i| reads(graph, starts[i]..starts[i + 1]))
            .collect();
        for (i, keys) in self.reads.iter().enumerate() {
            for &key in keys {
                // Files come in ascending order: each list stays sorted.
                self.readers.entry(key).or_default().push(FileId(i as u32));
            }
        }
    }

    /// Whether file `id` can be replaced with `parsed` without a full link:
    /// none of the ids it defines, before or after, is defined elsewhere or
    /// twice in it.
    // TODO: an edit that touches an id defined twice links everything
    // again; which definition counts and the `duplicate-service` diagnostics
    // could be redone for just those ids, but duplicates are rare and short
    // lived (a copied file), so the full link was kept.
    fn can_patch(&self, id: FileId, parsed: &ParsedFile) -> bool {
        let i = id.0 as usize;
        let old = self.files[i].workloads();
        if old.len() != self.starts[i + 1] - self.starts[i] {
            return false;
        }
        let mut new_ids = HashSet::new();
        if !parsed.workloads().iter().all(|w| new_ids.insert(&w.id)) {
            return false;
        }
        old.iter()
            .map(|w| &w.id)
            .chain(new_ids.iter().copied())
            .all(|id| {
                let in_old = usize::from(old.iter().any(|w| w.id == *id));
                self.definitions.get(id).copied().unwrap_or(0) == in_old
            })
    }

    /// Replace file `id` in place; the files whose diagnostics were computed
    /// again, ascending.
    fn patch(&mut self, id: FileId, parsed: &Arc<ParsedFile>) -> Vec<FileId> {
        let i = id.0 as usize;
        let range = self.starts[i]..self.starts[i + 1];
        let new = parsed.workloads_in(id);
        let affected = self.affected(id, &new);

        let callers = self.callers(&affected, &new);
        self.splice_workloads(i, range.clone(), new);
        self.rematch(callers);

        let old = std::mem::replace(&mut self.files[i], Arc::clone(parsed));
        for w in old.workloads() {
            if let Some(count) = self.definitions.get_mut(&w.id) {
                *count -= 1;
                if *count == 0 {
                    self.definitions.remove(&w.id);
                }
            }
        }
        for w in parsed.workloads() {
            *self.definitions.entry(w.id.clone()).or_default() += 1;
        }
        self.analysis.sources.replace(id, parsed.source().clone());
        let summary = &mut self.analysis.summary;
        summary.skipped_documents = summary.skipped_documents + parsed.skipped() - old.skipped();
        summary.agreements = self.analysis.graph.agreements.len();

        for &file in &affected {
            self.recheck(file);
        }
        affected.into_iter().collect()
    }

    /// File `id` itself, the files whose diagnostics read one of the ids it
    /// defines or defined (or their namespace or name), and the files of the
    /// workloads its old or new workloads name.
    fn affected(&self, id: FileId, new: &[Workload]) -> BTreeSet<FileId> {
        let graph = &self.analysis.graph;
        let i = id.0 as usize;
        let old = &graph.workloads[self.starts[i]..self.starts[i + 1]];
        let mut affected = BTreeSet::from([id]);
        for w in old.iter().chain(new) {
            let keys = [
                Read::Workload(&w.id),
                Read::Namespace(&w.id.namespace),
                Read::Name(&w.id.name),
            ];
            for key in keys {
                if let Some(files) = self.readers.get(&key.key()) {
                    affected.extend(files.iter().copied());
                }
            }
            for declaration in w.outbound.iter().chain(&w.inbound) {
                if let Peer::Named(peer) = &declaration.peer
                    && let Some(b) = graph.get(peer)
                {
                    affected.insert(graph.workloads[b].file);
                }
            }
        }
        affected
    }

    /// The callers whose agreements are matched again, ascending by id:
    /// every workload of `files` and every workload `new` puts into the
    /// graph. With each, where its agreements sit in [`Graph::agreements`]
    /// now (an empty range where they go when it has none), which is found
    /// by binary search: the list is sorted by caller id.
    fn callers(
        &self,
        files: &BTreeSet<FileId>,
        new: &[Workload],
    ) -> Vec<(ServiceId, Range<usize>)> {
        let graph = &self.analysis.graph;
        let mut ids: Vec<&ServiceId> = files
            .iter()
            .flat_map(|file| {
                let i = file.0 as usize;
                &graph.workloads[self.starts[i]..self.starts[i + 1]]
            })
            .chain(new)
            .map(|w| &w.id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let agreements = &graph.agreements;
        ids.into_iter()
            .map(|id| {
                let start = agreements.partition_point(|g| graph.workloads[g.caller].id < *id);
                let len = graph.get(id).map_or(0, |a| {
                    agreements[start..].partition_point(|g| g.caller == a)
                });
                (id.clone(), start..start + len)
            })
            .collect()
    }

    /// Put `new` in the place of `graph.workloads[range]` (the workloads of
    /// file `i`) and patch every index into the list.
    fn splice_workloads(&mut self, i: usize, range: Range<usize>, new: Vec<Workload>) {
        let graph = &mut self.analysis.graph;
        let start = range.start;
        let old_end = range.end;

        for (k, w) in graph.workloads[range.clone()].iter().enumerate() {
            let at = start + k;
            graph.index.remove(&w.id);
            remove_from(&mut graph.by_namespace, &w.id.namespace, at);
            remove_from(&mut graph.by_name, &w.id.name, at);
        }
        let services = |ws: &[Workload], kind| ws.iter().filter(|w| w.kind == kind).count();
        let old_services = services(&graph.workloads[range.clone()], WorkloadKind::Service);
        let old_members = services(&graph.workloads[range.clone()], WorkloadKind::MeshMember);
        let summary = &mut self.analysis.summary;
        summary.services = summary.services + services(&new, WorkloadKind::Service) - old_services;
        summary.mesh_members =
            summary.mesh_members + services(&new, WorkloadKind::MeshMember) - old_members;

        let new_len = new.len();
        if new_len != range.len() {
            let shift = |at: &mut WorkloadIndex| {
                if *at >= old_end {
                    *at = *at + new_len - range.len();
                }
            };
            for at in graph.index.values_mut() {
                shift(at);
            }
            for list in graph
                .by_namespace
                .values_mut()
                .chain(graph.by_name.values_mut())
            {
                list.iter_mut().for_each(shift);
            }
            for g in &mut graph.agreements {
                shift(&mut g.caller);
                shift(&mut g.callee);
            }
            for s in &mut self.starts[i + 1..] {
                *s = *s + new_len - range.len();
            }
        }
        graph.workloads.splice(range, new);

        for k in 0..new_len {
            let at = start + k;
            let id = graph.workloads[at].id.clone();
            insert_into(&mut graph.by_namespace, &id.namespace, at);
            insert_into(&mut graph.by_name, &id.name, at);
            graph.index.insert(id, at);
        }
    }

    /// Match again the agreements of `callers` (from [`Incremental::callers`],
    /// whose ranges are still valid: the workloads were spliced since, but
    /// no agreement moved) and put each caller's in the place of its old
    /// ones. Only a caller whose number of agreements changed moves the
    /// agreements after it.
    fn rematch(&mut self, callers: Vec<(ServiceId, Range<usize>)>) {
        let graph = &self.analysis.graph;
        let indexes: Vec<Option<WorkloadIndex>> =
            callers.iter().map(|(id, _)| graph.get(id)).collect();
        let groups: Vec<(Range<usize>, Vec<Agreement>)> = callers
            .into_iter()
            .zip(graph.agreements_of_each(&indexes))
            .map(|((_, range), mut group)| {
                group.sort_by(|x, y| graph.agreement_order(x, y));
                (range, group)
            })
            .collect();
        // From the last range to the first, so that the ranges still to do
        // keep their place; callers without agreements at the same place
        // come in id order, so the later one goes in first.
        let agreements = &mut self.analysis.graph.agreements;
        for (range, group) in groups.into_iter().rev() {
            agreements.splice(range, group);
        }
    }

    /// Compute the diagnostics of `file` again, and what they read.
    fn recheck(&mut self, file: FileId) {
        let i = file.0 as usize;
        let range = self.starts[i]..self.starts[i + 1];
        let graph = &self.analysis.graph;
        let all = &mut self.analysis.diagnostics;
        let lo = all.partition_point(|d| d.location.file < file);
        let hi = all.partition_point(|d| d.location.file <= file);

        let mut fresh = self.files[i].diagnostics_in(file);
        fresh.extend(
            all[lo..hi]
                .iter()
                .filter(|d| d.code == Code::DuplicateService)
                .cloned(),
        );
        for w in range.clone() {
            check_workload(graph, w, &mut fresh);
        }
        for w in range.clone() {
            fresh.extend(no_ports(graph, w));
        }
        sort_diagnostics(&mut fresh);

        let summary = &mut self.analysis.summary;
        let (errors, warnings) = severities(&all[lo..hi]);
        summary.errors -= errors;
        summary.warnings -= warnings;
        let (errors, warnings) = severities(&fresh);
        summary.errors += errors;
        summary.warnings += warnings;
        all.splice(lo..hi, fresh);

        let keys = reads(graph, range);
        for key in &self.reads[i] {
            if let Some(files) = self.readers.get_mut(key) {
                if let Ok(k) = files.binary_search(&file) {
                    files.remove(k);
                }
                if files.is_empty() {
                    self.readers.remove(key);
                }
            }
        }
        for &key in &keys {
            let files = self.readers.entry(key).or_default();
            if let Err(k) = files.binary_search(&file) {
                files.insert(k, file);
            }
        }
        self.reads[i] = keys;
    }

    /// Cheap checks of the invariants a patch must keep: `starts` covers
    /// every workload, and every workload is indexed by its id.
    fn consistent(&self) -> bool {
        let graph = &self.analysis.graph;
        let n = graph.workloads.len();
        self.starts.last() == Some(&n) && graph.index.len() == n
    }
}

/// What the diagnostics of the workloads `range` of `graph` read from other
/// files: every peer they name (whether it exists, what it declares); for an
/// unknown peer, the names of its namespace and the workloads of its name
/// (the "did you mean"); for an accepted caller, the peers it calls (whether
/// one is a stale name of this workload).
fn reads(graph: &Graph, range: Range<usize>) -> Vec<Key> {
    let mut out = Vec::new();
    for w in &graph.workloads[range] {
        let outbound = w.outbound.iter().map(|d| (d, false));
        let inbound = w.inbound.iter().map(|d| (d, true));
        for (declaration, is_inbound) in outbound.chain(inbound) {
            let Peer::Named(peer) = &declaration.peer else {
                continue;
            };
            out.push(Read::Workload(peer).key());
            match graph.get(peer) {
                None => {
                    out.push(Read::Namespace(&peer.namespace).key());
                    out.push(Read::Name(&peer.name).key());
                }
                Some(caller) if is_inbound => {
                    for call in &graph.workloads[caller].outbound {
                        if let Peer::Named(callee) = &call.peer {
                            out.push(Read::Workload(callee).key());
                        }
                    }
                }
                Some(_) => {}
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Errors and warnings among `diagnostics`.
fn severities(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    (errors, diagnostics.len() - errors)
}

/// Remove workload `at` from the ascending list of `key`, and the list when
/// it is left empty.
fn remove_from(lists: &mut HashMap<String, Vec<WorkloadIndex>>, key: &str, at: WorkloadIndex) {
    let Some(list) = lists.get_mut(key) else {
        return;
    };
    if let Ok(k) = list.binary_search(&at) {
        list.remove(k);
    }
    if list.is_empty() {
        lists.remove(key);
    }
}

/// Add workload `at` to the ascending list of `key`.
fn insert_into(lists: &mut HashMap<String, Vec<WorkloadIndex>>, key: &str, at: WorkloadIndex) {
    let list = lists.entry(key.to_owned()).or_default();
    if let Err(k) = list.binary_search(&at) {
        list.insert(k, at);
    }
}

#[cfg(test)]
mod tests;
