//! The order in which `apply` changes the cluster, decided without I/O.
//!
//! Policies only ever allow: a Cilium rule or an Istio ALLOW rule adds to
//! what may flow, and the default-deny baseline denies whatever no rule
//! allows. So an update that removes a rule narrows, one that adds a rule
//! widens, and one that does both must be done in two writes. The plan puts
//! every write into one of three phases, run one after the other:
//!
//! 1. **Allow**: new objects, updates that only add rules, and for updates
//!    that add and remove, a first write holding the old and the new rules
//!    together. Changes of what a policy selects are made here too, so the
//!    allows follow a workload at once.
//! 2. **Narrow**: updates that only remove rules, the second write of the
//!    mixed updates, and the baseline (creating a deny-all before the allows
//!    exist would deny agreed traffic).
//! 3. **Prune**: deleting objects no agreement needs any more.
//!
//! At every moment in between, the cluster allows at least what both the old
//! and the new specs agree on: a run that stops half way (an error, a lost
//! connection) leaves more allowed than agreed, never less.
//!
//! Rules are compared as whole JSON values of `spec.ingress[]` and
//! `spec.egress[]` (Cilium) and `spec.rules[]` (Istio), taken from the live
//! object and from the server's dry-run of the new one, so both carry the
//! same defaults.

use std::fmt;

use lattice_core::compile::BASELINE_LABEL;
use serde_json::Value;

use crate::error::ObjectRef;

/// The three phases, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Writes that add allows.
    Allow,
    /// Writes that remove allows, and the baseline.
    Narrow,
    /// Deletes.
    Prune,
}

/// What one step did (or would do) to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verb {
    /// The object did not exist.
    Created,
    /// The object changed in one write.
    Configured,
    /// First write of a mixed update: old and new rules together.
    AllowsAdded,
    /// Second write of a mixed update: the old rules removed.
    AllowsRemoved,
    /// The object was deleted.
    Deleted,
    /// Nothing to do.
    Unchanged,
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verb::Created => "created",
            Verb::Configured => "configured",
            Verb::AllowsAdded => "configured (new allows added)",
            Verb::AllowsRemoved => "configured (old allows removed)",
            Verb::Deleted => "deleted",
            Verb::Unchanged => "unchanged",
        })
    }
}

/// What to do in one step.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Server-side apply this body.
    Apply(Value),
    /// Delete the object, if it is still the version that was read.
    Delete {
        /// Its uid when read.
        uid: String,
        /// Its resource version when read.
        resource_version: String,
    },
}

/// One write.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// When.
    pub phase: Phase,
    /// Which object.
    pub object: ObjectRef,
    /// What.
    pub action: Action,
    /// How it is reported.
    pub verb: Verb,
}

/// One generated object, with what the cluster has and would have.
#[derive(Clone, Debug)]
pub struct Planned {
    /// Which object.
    pub object: ObjectRef,
    /// The object as compiled.
    pub desired: Value,
    /// The object as the cluster has it, if it exists.
    pub live: Option<Value>,
    /// The server's dry-run result of applying `desired`.
    pub merged: Value,
}

/// A live object that no agreement needs any more.
#[derive(Clone, Debug)]
pub struct Prunable {
    /// Which object.
    pub object: ObjectRef,
    /// Its uid.
    pub uid: String,
    /// Its resource version.
    pub resource_version: String,
}

/// The steps in the order they run, and the objects that need none.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Sorted by phase; within a phase, in the compiler's object order.
    pub steps: Vec<Step>,
    /// Objects already as compiled.
    pub unchanged: Vec<ObjectRef>,
}

/// Order the writes that bring the cluster from `live` to `desired`.
#[must_use]
pub fn plan(planned: Vec<Planned>, prunable: Vec<Prunable>) -> Plan {
    let mut plan = Plan::default();
    for item in planned {
        plan_one(item, &mut plan);
    }
    for gone in prunable {
        plan.steps.push(Step {
            phase: Phase::Prune,
            object: gone.object,
            action: Action::Delete {
                uid: gone.uid,
                resource_version: gone.resource_version,
            },
            verb: Verb::Deleted,
        });
    }
    plan.steps.sort_by_key(|step| step.phase);
    plan
}

fn plan_one(item: Planned, plan: &mut Plan) {
    let Planned {
        object,
        desired,
        live,
        merged,
    } = item;
    let baseline = is_baseline(&desired);
    let Some(live) = live else {
        let phase = if baseline {
            Phase::Narrow
        } else {
            Phase::Allow
        };
        plan.steps
            .push(apply_step(phase, object, desired, Verb::Created));
        return;
    };
    let (live, merged) = (normalized(&live), normalized(&merged));
    if live == merged {
        plan.unchanged.push(object);
        return;
    }
    if baseline {
        plan.steps
            .push(apply_step(Phase::Narrow, object, desired, Verb::Configured));
        return;
    }
    if frame(&live) != frame(&merged) {
        plan.steps
            .push(apply_step(Phase::Allow, object, desired, Verb::Configured));
        return;
    }
    let old = rules(&live);
    let new = rules(&merged);
    let adds = new.iter().any(|rule| !old.contains(rule));
    let removes = old.iter().any(|rule| !new.contains(rule));
    let (phase, verb) = match (adds, removes) {
        (true, true) => {
            let union = with_rules_of(&desired, &live);
            plan.steps.push(apply_step(
                Phase::Allow,
                object.clone(),
                union,
                Verb::AllowsAdded,
            ));
            (Phase::Narrow, Verb::AllowsRemoved)
        }
        (false, true) => (Phase::Narrow, Verb::Configured),
        // Only additions, or only metadata (the agreements annotation).
        _ => (Phase::Allow, Verb::Configured),
    };
    plan.steps.push(apply_step(phase, object, desired, verb));
}

fn apply_step(phase: Phase, object: ObjectRef, body: Value, verb: Verb) -> Step {
    Step {
        phase,
        object,
        action: Action::Apply(body),
        verb,
    }
}

/// The lists whose items are allow rules.
const RULE_LISTS: [&str; 3] = ["ingress", "egress", "rules"];

/// The fields the server sets on every write; equal objects differ in them.
const VOLATILE_METADATA: [&str; 6] = [
    "managedFields",
    "resourceVersion",
    "generation",
    "uid",
    "creationTimestamp",
    "selfLink",
];

/// `object` without the fields the server changes on every write.
#[must_use]
pub fn normalized(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in VOLATILE_METADATA {
            metadata.remove(field);
        }
    }
    object
}

fn is_baseline(object: &Value) -> bool {
    object
        .pointer("/metadata/labels")
        .and_then(|labels| labels.get(BASELINE_LABEL))
        .and_then(Value::as_str)
        == Some("true")
}

/// Every allow rule of `object`, tagged with the list it is in.
fn rules(object: &Value) -> Vec<(&'static str, &Value)> {
    let Some(spec) = object.get("spec") else {
        return Vec::new();
    };
    RULE_LISTS
        .into_iter()
        .flat_map(|list| {
            spec.get(list)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(move |rule| (list, rule))
        })
        .collect()
}

/// The spec without its rules: what the policy selects and how.
fn frame(object: &Value) -> Value {
    let mut spec = object.get("spec").cloned().unwrap_or(Value::Null);
    if let Some(fields) = spec.as_object_mut() {
        for list in RULE_LISTS {
            fields.remove(list);
        }
    }
    spec
}

/// `desired` with each rule list holding its own rules and then those of
/// `live` it lacks.
fn with_rules_of(desired: &Value, live: &Value) -> Value {
    let mut union = desired.clone();
    for list in RULE_LISTS {
        let Some(old) = live
            .pointer(&format!("/spec/{list}"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        let Some(spec) = union.get_mut("spec").and_then(Value::as_object_mut) else {
            continue;
        };
        let items = spec.entry(list).or_insert_with(|| Value::Array(Vec::new()));
        if let Some(items) = items.as_array_mut() {
            for rule in old {
                if !items.contains(rule) {
                    items.push(rule.clone());
                }
            }
        }
    }
    union
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::resources::Kind;

    fn object(name: &str) -> ObjectRef {
        ObjectRef {
            kind: Kind::CiliumNetworkPolicy,
            namespace: Some("shop".into()),
            name: name.into(),
        }
    }

    fn cnp(name: &str, egress: &[Value]) -> Value {
        json!({
            "apiVersion": "cilium.io/v2",
            "kind": "CiliumNetworkPolicy",
            "metadata": {"name": name, "namespace": "shop",
                         "labels": {"app.kubernetes.io/managed-by": "kubectl-lattice"}},
            "spec": {"endpointSelector": {"matchLabels": {"app.kubernetes.io/name": name}},
                     "egress": egress},
        })
    }

    fn live(value: &Value) -> Value {
        let mut value = value.clone();
        value["metadata"]["resourceVersion"] = json!("7");
        value["metadata"]["managedFields"] = json!([{"manager": "kubectl-lattice"}]);
        value
    }

    fn to(port: &str) -> Value {
        json!({"toEndpoints": [{"matchLabels": {"app.kubernetes.io/name": "payments"}}],
               "toPorts": [{"ports": [{"port": port, "protocol": "TCP"}]}]})
    }

    fn planned(name: &str, old: Option<&[Value]>, new: &[Value]) -> Planned {
        let desired = cnp(name, new);
        Planned {
            object: object(name),
            live: old.map(|rules| live(&cnp(name, rules))),
            merged: live(&desired),
            desired,
        }
    }

    fn summary(plan: &Plan) -> Vec<(Phase, String, Verb)> {
        plan.steps
            .iter()
            .map(|s| (s.phase, s.object.name.clone(), s.verb))
            .collect()
    }

    #[test]
    fn allows_come_first_then_narrowing_then_deletes() {
        let plan = plan(
            vec![
                planned("narrowed", Some(&[to("80"), to("81")]), &[to("80")]),
                planned("new", None, &[to("80")]),
                planned("widened", Some(&[to("80")]), &[to("80"), to("81")]),
            ],
            vec![Prunable {
                object: object("gone"),
                uid: "u".into(),
                resource_version: "1".into(),
            }],
        );
        assert_eq!(
            summary(&plan),
            [
                (Phase::Allow, "new".into(), Verb::Created),
                (Phase::Allow, "widened".into(), Verb::Configured),
                (Phase::Narrow, "narrowed".into(), Verb::Configured),
                (Phase::Prune, "gone".into(), Verb::Deleted),
            ]
        );
    }

    #[test]
    fn a_mixed_update_holds_old_and_new_rules_in_between() {
        let plan = plan(
            vec![planned("moved", Some(&[to("80")]), &[to("8443")])],
            vec![],
        );
        assert_eq!(
            summary(&plan),
            [
                (Phase::Allow, "moved".into(), Verb::AllowsAdded),
                (Phase::Narrow, "moved".into(), Verb::AllowsRemoved),
            ]
        );
        let Action::Apply(union) = &plan.steps[0].action else {
            panic!("not an apply");
        };
        assert_eq!(union["spec"]["egress"], json!([to("8443"), to("80")]));
        let Action::Apply(last) = &plan.steps[1].action else {
            panic!("not an apply");
        };
        assert_eq!(last["spec"]["egress"], json!([to("8443")]));
    }

    #[test]
    fn equal_objects_need_no_step_whatever_the_server_added() {
        let plan = plan(
            vec![planned("same", Some(&[to("80")]), &[to("80")])],
            vec![],
        );
        assert!(plan.steps.is_empty());
        assert_eq!(plan.unchanged, [object("same")]);
    }

    #[test]
    fn the_baseline_is_created_after_the_allows() {
        let mut baseline = planned("lattice-default-deny", None, &[]);
        baseline.desired["metadata"]["labels"][BASELINE_LABEL] = json!("true");
        let plan = plan(vec![baseline, planned("new", None, &[to("80")])], vec![]);
        assert_eq!(
            summary(&plan),
            [
                (Phase::Allow, "new".into(), Verb::Created),
                (Phase::Narrow, "lattice-default-deny".into(), Verb::Created),
            ]
        );
    }

    #[test]
    fn a_changed_selector_is_applied_with_the_allows() {
        let mut item = planned("moved", Some(&[to("80")]), &[to("80")]);
        item.merged["spec"]["endpointSelector"] = json!({"matchLabels": {"app": "v2"}});
        let plan = plan(vec![item], vec![]);
        assert_eq!(
            summary(&plan),
            [(Phase::Allow, "moved".into(), Verb::Configured)]
        );
    }

    #[test]
    fn an_annotation_change_alone_is_one_write() {
        let mut item = planned("noted", Some(&[to("80")]), &[to("80")]);
        item.merged["metadata"]["annotations"] = json!({"lattice.dev/agreements": "x"});
        let plan = plan(vec![item], vec![]);
        assert_eq!(
            summary(&plan),
            [(Phase::Allow, "noted".into(), Verb::Configured)]
        );
    }
}
