//! Server-side apply of compiled policies, with prune and a server dry run.
//!
//! A run has two halves:
//!
//! 1. **Read and plan**, without changing anything: for every compiled
//!    object, read the live one and ask the server for a dry run of the
//!    apply (which also proves, before the first write, that RBAC allows the
//!    `patch`, that no other field manager holds the fields, and that the
//!    object passes the CRD's schema); with `--prune`, list this tool's
//!    objects. Objects whose dry run equals the live object are unchanged
//!    and are not written at all, so applying the same specs twice writes
//!    nothing. [`crate::plan`] orders the rest.
//! 2. **Write**, step by step in the plan's order (allows first, narrowing
//!    second, deletes last), stopping at the first failure. The failure
//!    carries what was done and what was not, so the caller can say exactly
//!    where the cluster stands.
//!
//! Prune deletes only objects that carry both this tool's managed-by label
//! and its owner annotation, in the namespaces the run covers, that no
//! compiled object replaces, and whose owner is not protected (a workload
//! whose spec could not be compiled keeps its policies as they are). A
//! delete is conditional on the object's uid and resource version as read,
//! so an object someone changed in between is left alone.

use std::collections::BTreeSet;

use futures::{StreamExt as _, TryStreamExt as _, stream};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, Preconditions};
use kube::core::DynamicObject;
use lattice_core::compile::{MANAGED_BY, MANAGED_BY_LABEL, OWNER_ANNOTATION};
use serde_json::Value;

use crate::connect::Cluster;
use crate::diff;
use crate::error::{Attempt, ClusterError, ObjectRef, from_api};
use crate::plan::{Action, Planned, Prunable, Step, Verb, plan};
use crate::resources::{Kind, ensure_served};
use crate::specs::{Scope, list};

/// The field manager of every write, so ownership is stable across runs.
pub const FIELD_MANAGER: &str = "kubectl-lattice";

/// How many reads and dry runs are in flight at once.
const CONCURRENT_READS: usize = 8;

/// How to apply.
#[derive(Clone, Debug, Default)]
pub struct ApplyOptions {
    /// Only ask the server what would change (`--dry-run=server`).
    pub server_dry_run: bool,
    /// Delete this tool's objects that no compiled object replaces, within
    /// this scope (`--prune`).
    pub prune: Option<PruneScope>,
    /// Take over fields another field manager owns (`--force-conflicts`).
    pub force_conflicts: bool,
    /// Owners (`namespace/name`) whose objects prune must keep: workloads
    /// whose specs were left out of the compilation.
    pub protected_owners: BTreeSet<String>,
}

/// Which of this tool's objects prune considers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PruneScope {
    /// Namespaced objects in these namespaces, or in every namespace.
    pub namespaces: NamespaceSet,
    /// Whether cluster-scoped objects (the Cilium baseline) are included.
    pub cluster_scoped: bool,
}

/// A set of namespaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NamespaceSet {
    /// Every namespace.
    All,
    /// These.
    Only(BTreeSet<String>),
}

/// One object's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The object.
    pub object: ObjectRef,
    /// What happened to it (or would, in a dry run).
    pub verb: Verb,
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The writes, in the order done (or planned, in a dry run).
    pub done: Vec<Outcome>,
    /// Objects that needed no write.
    pub unchanged: Vec<ObjectRef>,
    /// In a server dry run: one unified diff per object that would change.
    pub diffs: Vec<String>,
}

/// A run that stopped at an error.
#[derive(Debug)]
pub struct ApplyFailure {
    /// Why it stopped.
    pub error: ClusterError,
    /// The writes done before it stopped.
    pub done: Vec<Outcome>,
    /// The writes not done: the failed one first.
    pub not_done: Vec<Outcome>,
    /// Objects that needed no write (known only when planning finished).
    pub unchanged: Vec<ObjectRef>,
}

/// Apply `objects` (as compiled, one JSON value each) to the cluster.
pub async fn apply(
    cluster: &Cluster,
    objects: &[Value],
    options: &ApplyOptions,
) -> Result<Report, Box<ApplyFailure>> {
    let untouched = |error: ClusterError| {
        Box::new(ApplyFailure {
            error,
            done: Vec::new(),
            not_done: objects
                .iter()
                .filter_map(object_ref)
                .map(|object| Outcome {
                    object,
                    verb: Verb::Unchanged,
                })
                .collect(),
            unchanged: Vec::new(),
        })
    };

    let mut kinds: BTreeSet<Kind> = objects
        .iter()
        .filter_map(object_ref)
        .map(|o| o.kind)
        .collect();
    if options.prune.is_some() {
        kinds.extend(Kind::POLICIES);
    }
    ensure_served(cluster, &kinds.into_iter().collect::<Vec<_>>())
        .await
        .map_err(untouched)?;

    let planned: Vec<Planned> = stream::iter(
        objects
            .iter()
            .map(|o| read_and_dry_run(cluster, o, options)),
    )
    .buffered(CONCURRENT_READS)
    .try_collect()
    .await
    .map_err(untouched)?;
    let prunable = match &options.prune {
        Some(scope) => prunable(cluster, objects, scope, &options.protected_owners)
            .await
            .map_err(untouched)?,
        None => Vec::new(),
    };
    let lives: Vec<(ObjectRef, Option<Value>, Value)> = if options.server_dry_run {
        planned
            .iter()
            .map(|p| (p.object.clone(), p.live.clone(), p.merged.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let pruned_lives = if options.server_dry_run {
        prunable_objects(cluster, &prunable)
            .await
            .map_err(untouched)?
    } else {
        Vec::new()
    };
    let plan = plan(planned, prunable);

    if options.server_dry_run {
        return Ok(dry_run_report(plan, &lives, &pruned_lives));
    }

    let mut report = Report {
        unchanged: plan.unchanged.clone(),
        ..Report::default()
    };
    let mut steps = plan.steps.into_iter();
    while let Some(step) = steps.next() {
        let outcome = Outcome {
            object: step.object.clone(),
            verb: step.verb,
        };
        if let Err(error) = write(cluster, &step, options).await {
            let mut not_done = vec![outcome];
            not_done.extend(steps.map(|s| Outcome {
                object: s.object,
                verb: s.verb,
            }));
            return Err(Box::new(ApplyFailure {
                error,
                done: report.done,
                not_done,
                unchanged: report.unchanged,
            }));
        }
        tracing::info!(object = %outcome.object, verb = %outcome.verb, phase = ?step.phase, "written");
        report.done.push(outcome);
    }
    Ok(report)
}

/// The reference of a compiled object; `None` for a kind this crate does
/// not know, which the compiler never emits.
fn object_ref(object: &Value) -> Option<ObjectRef> {
    let kind = Kind::from_type(
        object.get("apiVersion")?.as_str()?,
        object.get("kind")?.as_str()?,
    )?;
    Some(ObjectRef {
        kind,
        namespace: object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(str::to_owned),
        name: object.pointer("/metadata/name")?.as_str()?.to_owned(),
    })
}

fn api(cluster: &Cluster, object: &ObjectRef) -> Api<DynamicObject> {
    let resource = object.kind.api_resource();
    match &object.namespace {
        Some(ns) => Api::namespaced_with(cluster.client.clone(), ns, &resource),
        None => Api::all_with(cluster.client.clone(), &resource),
    }
}

fn attempt<'a>(verb: &'static str, object: &'a ObjectRef) -> Attempt<'a> {
    Attempt {
        verb,
        kind: object.kind,
        namespace: object.namespace.as_deref(),
        name: Some(&object.name),
    }
}

fn patch_params(options: &ApplyOptions, dry_run: bool) -> PatchParams {
    let mut params = PatchParams::apply(FIELD_MANAGER).validation_strict();
    if options.force_conflicts {
        params = params.force();
    }
    if dry_run {
        params = params.dry_run();
    }
    params
}

async fn read_and_dry_run(
    cluster: &Cluster,
    desired: &Value,
    options: &ApplyOptions,
) -> Result<Planned, ClusterError> {
    let Some(object) = object_ref(desired) else {
        return Err(ClusterError::Request {
            verb: "apply",
            what: "an object".to_owned(),
            message: "it has no known apiVersion, kind and name".to_owned(),
        });
    };
    let api = api(cluster, &object);
    let live = api
        .get_opt(&object.name)
        .await
        .map_err(|e| from_api(e, attempt("get", &object), &cluster.server))?;
    let merged = api
        .patch(
            &object.name,
            &patch_params(options, true),
            &Patch::Apply(desired),
        )
        .await
        .map_err(|e| from_api(e, attempt("patch", &object), &cluster.server))?;
    Ok(Planned {
        object,
        desired: desired.clone(),
        live: live.map(to_value),
        merged: to_value(merged),
    })
}

fn to_value(object: DynamicObject) -> Value {
    // A DynamicObject is a JSON object by construction.
    serde_json::to_value(object).expect("a DynamicObject serializes")
}

/// This tool's live objects in `scope` that no compiled object replaces.
async fn prunable(
    cluster: &Cluster,
    objects: &[Value],
    scope: &PruneScope,
    protected: &BTreeSet<String>,
) -> Result<Vec<Prunable>, ClusterError> {
    let desired: BTreeSet<ObjectRef> = objects.iter().filter_map(object_ref).collect();
    let params = ListParams::default().labels(&format!("{MANAGED_BY_LABEL}={MANAGED_BY}"));
    let mut out = Vec::new();
    for kind in Kind::POLICIES {
        if !kind.namespaced() && !scope.cluster_scoped {
            continue;
        }
        let scopes = match (&scope.namespaces, kind.namespaced()) {
            (NamespaceSet::Only(namespaces), true) => namespaces
                .iter()
                .map(|ns| Scope::Namespace(ns.clone()))
                .collect(),
            _ => vec![Scope::All],
        };
        for list_scope in scopes {
            for live in list(cluster, kind, &list_scope, &params).await? {
                let meta = &live.metadata;
                let object = ObjectRef {
                    kind,
                    namespace: meta.namespace.clone(),
                    name: meta.name.clone().unwrap_or_default(),
                };
                let owner = meta
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(OWNER_ANNOTATION));
                let Some(owner) = owner else { continue };
                if desired.contains(&object) || protected.contains(owner) {
                    continue;
                }
                let (Some(uid), Some(resource_version)) = (&meta.uid, &meta.resource_version)
                else {
                    continue;
                };
                out.push(Prunable {
                    object,
                    uid: uid.clone(),
                    resource_version: resource_version.clone(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.object.cmp(&b.object));
    Ok(out)
}

/// The live objects prune would delete, for the dry run's diffs.
async fn prunable_objects(
    cluster: &Cluster,
    prunable: &[Prunable],
) -> Result<Vec<(ObjectRef, Value)>, ClusterError> {
    let mut out = Vec::new();
    for gone in prunable {
        let live = api(cluster, &gone.object)
            .get_opt(&gone.object.name)
            .await
            .map_err(|e| from_api(e, attempt("get", &gone.object), &cluster.server))?;
        if let Some(live) = live {
            out.push((gone.object.clone(), to_value(live)));
        }
    }
    Ok(out)
}

fn dry_run_report(
    plan: crate::plan::Plan,
    lives: &[(ObjectRef, Option<Value>, Value)],
    pruned: &[(ObjectRef, Value)],
) -> Report {
    let mut report = Report {
        unchanged: plan.unchanged,
        ..Report::default()
    };
    let mut shown = BTreeSet::new();
    for step in plan.steps {
        if step.verb == Verb::AllowsAdded {
            continue;
        }
        if shown.insert(step.object.clone()) {
            let text = match &step.action {
                Action::Apply(_) => lives
                    .iter()
                    .find(|(o, ..)| *o == step.object)
                    .map(|(o, live, merged)| diff::unified(o, live.as_ref(), Some(merged))),
                Action::Delete { .. } => pruned
                    .iter()
                    .find(|(o, _)| *o == step.object)
                    .map(|(o, live)| diff::unified(o, Some(live), None)),
            };
            report.diffs.extend(text.filter(|t| !t.is_empty()));
        }
        let verb = if step.verb == Verb::AllowsRemoved {
            Verb::Configured
        } else {
            step.verb
        };
        report.done.push(Outcome {
            object: step.object,
            verb,
        });
    }
    report
}

async fn write(cluster: &Cluster, step: &Step, options: &ApplyOptions) -> Result<(), ClusterError> {
    let api = api(cluster, &step.object);
    match &step.action {
        Action::Apply(body) => api
            .patch(
                &step.object.name,
                &patch_params(options, false),
                &Patch::Apply(body),
            )
            .await
            .map(drop)
            .map_err(|e| from_api(e, attempt("patch", &step.object), &cluster.server)),
        Action::Delete {
            uid,
            resource_version,
        } => {
            let params = DeleteParams {
                preconditions: Some(Preconditions {
                    uid: Some(uid.clone()),
                    resource_version: Some(resource_version.clone()),
                }),
                ..DeleteParams::default()
            };
            match api.delete(&step.object.name, &params).await {
                Ok(_) => Ok(()),
                // Already gone: what prune wanted.
                Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
                Err(e) => Err(from_api(
                    e,
                    attempt("delete", &step.object),
                    &cluster.server,
                )),
            }
        }
    }
}
