//! Properties of the analysis and the compiler on random workspaces (see
//! `workspace_model` for the generator and the read-back of compiled
//! objects):
//! - the compiled objects allow exactly the agreements;
//! - removing a declaration never grows what is allowed;
//! - adding a service nobody names, and that names nobody, leaves every
//!   other workload's policies as they were;
//! - neither the order of files nor the order of documents in a file
//!   changes the diagnostics or the compiled output;
//! - `diff`, which compiles only the workloads a change can reach, names
//!   exactly the objects whose full compilations differ;
//! - `check`, which skips the declarations an agreement is made of, finds
//!   what checking every declaration finds.
//!
//! Case counts are modest so `cargo test` stays fast; `PROPTEST_CASES`
//! raises them when hunting.

mod workspace_model;

use std::collections::BTreeSet;

use lattice_core::check::{check, check_workload, check_workload_in_full, no_ports};
use lattice_core::compile::{CompileOptions, OWNER_ANNOTATION, Object, compile};
use lattice_core::diff::{PolicyChanges, PolicyRef, diff};
use lattice_core::{Analysis, Code, Options, analyze};
use proptest::prelude::*;
use workspace_model::{
    Document, Member, NameRef, PeerRef, Resource, Service, ServicePort, WorkspaceSpec,
    allowed_equals_agreements, inputs, locations_in_bounds, normalized,
};

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        // The same cases on every run, as the Python suite does, so a
        // failure in CI is reproduced by running the tests again.
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x1a77_1ce5),
        // Failures are shrunk and printed; no files are written next to
        // the sources.
        failure_persistence: None,
        // About half the workspaces hold a document with an error, which
        // the monotonicity property has to skip.
        max_global_rejects: cases * 4,
        ..ProptestConfig::default()
    }
}

/// Names from the pools, now and then `*`, and with `odd` a name no pool
/// has, valid or not.
fn name_ref(odd: bool) -> impl Strategy<Value = NameRef> {
    let odd_weight = u32::from(odd);
    prop_oneof![
        12 => (0u8..6).prop_map(NameRef::Pool),
        1 => Just(NameRef::Wildcard),
        odd_weight => prop::sample::select(vec!["ghost", "Api", "a/ns/b", "x,y"])
            .prop_map(|s| NameRef::Raw(s.to_owned())),
    ]
}

/// No namespace, one of the pool, or now and then Istio's root namespace,
/// whose callees get Cilium rules only.
fn namespace_ref() -> impl Strategy<Value = Option<NameRef>> {
    prop_oneof![
        4 => Just(None),
        6 => (0u8..3).prop_map(|i| Some(NameRef::Pool(i))),
        1 => Just(Some(NameRef::Raw("istio-system".to_owned()))),
    ]
}

fn service_port() -> impl Strategy<Value = ServicePort> {
    (any::<u8>(), prop::option::of(any::<u8>()), 0u8..5).prop_map(
        |(port, target_port, protocol)| ServicePort {
            port,
            target_port,
            protocol,
        },
    )
}

fn resource(odd: bool) -> impl Strategy<Value = Resource> {
    (
        name_ref(odd),
        prop::option::weighted(0.3, name_ref(odd)),
        namespace_ref(),
        prop_oneof![6 => Just(0u8), 2 => Just(1u8), 1 => 2u8..4],
        0u8..4,
    )
        .prop_map(|(key, id, namespace, ty, direction)| Resource {
            key,
            id,
            namespace,
            ty,
            direction,
        })
}

fn peer(odd: bool) -> impl Strategy<Value = PeerRef> {
    (name_ref(odd), namespace_ref()).prop_map(|(name, namespace)| PeerRef { name, namespace })
}

fn document(odd: bool) -> impl Strategy<Value = Document> {
    let service = (
        namespace_ref(),
        (0u8..6).prop_map(NameRef::Pool),
        prop::collection::vec(service_port(), 0..3),
        prop::collection::vec(resource(odd), 0..5),
    )
        .prop_map(|(namespace, name, ports, resources)| {
            Document::Service(Service {
                namespace,
                name,
                ports,
                resources,
            })
        });
    let member = (
        namespace_ref(),
        (0u8..6).prop_map(NameRef::Pool),
        prop::bool::weighted(0.25),
        prop::collection::vec(any::<u8>(), 0..3),
        prop::collection::vec(peer(odd), 0..3),
        prop::collection::vec(peer(odd), 0..3),
        prop::bool::weighted(0.2),
        prop::option::weighted(0.3, (0u8..6).prop_map(NameRef::Pool)),
    )
        .prop_map(
            |(namespace, name, namespace_target, ports, callers, deps, depends_all, sa)| {
                Document::Member(Member {
                    namespace,
                    name,
                    namespace_target,
                    ports,
                    allowed_callers: callers,
                    dependencies: deps,
                    depends_all,
                    service_account: sa,
                })
            },
        );
    prop_oneof![3 => service, 1 => member]
}

/// Workspaces whose names are sometimes not DNS labels (`odd`), or whose
/// names all come from the pools.
fn workspace_of(odd: bool) -> impl Strategy<Value = WorkspaceSpec> {
    prop::collection::vec((any::<u8>(), document(odd)), 1..8)
        .prop_map(|documents| WorkspaceSpec { documents })
        .prop_map(with_counterparts)
}

fn workspace() -> impl Strategy<Value = WorkspaceSpec> {
    workspace_of(true)
}

/// Random declarations rarely meet; give every call of a service to a
/// service of the workspace its acceptance, so agreements are common. A
/// repeated resource key is dropped first: the renderer writes only the
/// first, so the model would otherwise hold declarations the files do not.
fn with_counterparts(mut spec: WorkspaceSpec) -> WorkspaceSpec {
    for (_, d) in &mut spec.documents {
        if let Document::Service(s) = d {
            let mut seen = Vec::new();
            s.resources.retain(|r| {
                let fresh = !seen.contains(&r.key);
                seen.push(r.key.clone());
                fresh
            });
        }
    }
    let calls: Vec<(NameRef, Option<NameRef>, NameRef)> = spec
        .documents
        .iter()
        .filter_map(|(_, d)| match d {
            Document::Service(s) => Some(s),
            Document::Member(_) => None,
        })
        .flat_map(|s| {
            s.resources
                .iter()
                .filter(|r| r.ty <= 1 && r.direction != 2 && r.id.is_none())
                .map(|r| (s.name.clone(), s.namespace.clone(), r.key.clone()))
        })
        .collect();
    for (caller, caller_ns, callee) in calls {
        for (_, d) in &mut spec.documents {
            let Document::Service(s) = d else { continue };
            if s.name != callee || s.namespace != caller_ns {
                continue;
            }
            if !s.resources.iter().any(|r| r.key == caller) {
                s.resources.push(Resource {
                    key: caller.clone(),
                    id: None,
                    namespace: None,
                    ty: 0,
                    direction: 2,
                });
            }
        }
    }
    spec
}

fn run(files: &[(String, String)]) -> Analysis {
    analyze(
        inputs(files),
        &Options {
            default_namespace: "alpha".to_owned(),
        },
    )
}

fn partial() -> CompileOptions {
    CompileOptions {
        allow_partial: true,
        ..CompileOptions::default()
    }
}

fn has(analysis: &Analysis, code: Code) -> bool {
    analysis.diagnostics.iter().any(|d| d.code == code)
}

/// Every declaration of `spec`, as (document, place) positions that
/// [`without`] can remove.
fn declarations(spec: &WorkspaceSpec) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, (_, d)) in spec.documents.iter().enumerate() {
        let n = match d {
            Document::Service(s) => s.resources.len(),
            Document::Member(m) => {
                m.allowed_callers.len() + m.dependencies.len() + usize::from(m.depends_all)
            }
        };
        out.extend((0..n).map(|j| (i, j)));
    }
    out
}

fn without(spec: &WorkspaceSpec, (doc, place): (usize, usize)) -> WorkspaceSpec {
    let mut spec = spec.clone();
    match &mut spec.documents[doc].1 {
        Document::Service(s) => {
            s.resources.remove(place);
        }
        Document::Member(m) => {
            let callers = m.allowed_callers.len();
            let deps = m.dependencies.len();
            if place < callers {
                m.allowed_callers.remove(place);
            } else if place < callers + deps {
                m.dependencies.remove(place - callers);
            } else {
                m.depends_all = false;
            }
        }
    }
    spec
}

/// The object of `objects` with the kind, namespace and name of `object`.
fn find<'a>(objects: &'a [Object], object: &Object) -> Option<&'a Object> {
    objects.iter().find(|o| o.sort_key() == object.sort_key())
}

/// The policy changes between two full compilations, object by object.
fn full_policy_changes(old: &Analysis, new: &Analysis, options: &CompileOptions) -> PolicyChanges {
    let (before, after) = (compile(old, options).objects, compile(new, options).objects);
    let reference = |o: &Object| PolicyRef {
        kind: o.kind(),
        namespace: o.metadata().namespace.clone(),
        name: o.metadata().name.clone(),
        api_version: o.api_version(),
    };
    let mut changes = PolicyChanges::default();
    for object in &after {
        match find(&before, object) {
            None => changes.created.push(reference(object)),
            Some(old) if old != object => changes.changed.push(reference(object)),
            Some(_) => {}
        }
    }
    for object in &before {
        if find(&after, object).is_none() {
            changes.deleted.push(reference(object));
        }
    }
    changes
}

/// What the compiled output allows, as the objects other than the
/// baseline: the rules, each object's own text.
fn policy_texts(analysis: &Analysis) -> BTreeSet<String> {
    compile(analysis, &partial())
        .objects
        .iter()
        .filter(|o| {
            o.metadata()
                .annotations
                .get(OWNER_ANNOTATION)
                .map(String::as_str)
                != Some(lattice_core::compile::BASELINE_OWNER)
        })
        .map(lattice_core::compile::yaml_document)
        .collect()
}

/// Three mesh members: 0 and 2 call 1, which accepts both.
fn three_members() -> WorkspaceSpec {
    let member = |name: u8, calls: &[u8], accepts: &[u8]| Member {
        namespace: None,
        name: NameRef::Pool(name),
        namespace_target: false,
        ports: vec![1],
        allowed_callers: accepts
            .iter()
            .map(|&n| PeerRef {
                name: NameRef::Pool(n),
                namespace: None,
            })
            .collect(),
        dependencies: calls
            .iter()
            .map(|&n| PeerRef {
                name: NameRef::Pool(n),
                namespace: None,
            })
            .collect(),
        depends_all: false,
        service_account: None,
    };
    WorkspaceSpec {
        documents: vec![
            (0, Document::Member(member(0, &[1], &[]))),
            (1, Document::Member(member(1, &[], &[0, 2]))),
            (2, Document::Member(member(2, &[1], &[]))),
        ],
    }
}

#[test]
fn diff_compiles_again_the_peers_of_a_workload_whose_inputs_changed() {
    let edit = |change: fn(&mut Member)| {
        let mut spec = three_members();
        if let Document::Member(caller) = &mut spec.documents[0].1 {
            change(caller);
        }
        spec
    };
    let callee_ports = {
        let mut spec = three_members();
        if let Document::Member(callee) = &mut spec.documents[1].1 {
            callee.ports = vec![2];
        }
        spec
    };
    let variants = [
        (
            "caller's service account",
            edit(|m| m.service_account = Some(NameRef::Pool(4))),
        ),
        ("caller's pods", edit(|m| m.namespace_target = true)),
        ("caller's ports", edit(|m| m.ports = vec![3])),
        ("callee's ports", callee_ports),
    ];
    let old = run(&three_members().files());
    for (what, spec) in variants {
        let new = run(&spec.files());
        let options = partial();
        let expected = full_policy_changes(&old, &new, &options);
        assert_eq!(diff(&old, &new, &options).policies, expected, "{what}");
        assert_eq!(
            diff(&new, &old, &options).policies,
            full_policy_changes(&new, &old, &options),
            "{what}"
        );
        assert!(
            !expected.is_empty() || what == "caller's ports",
            "{what} changes no object"
        );
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn compiled_objects_allow_exactly_the_agreements(spec in workspace()) {
        let analysis = run(&spec.files());
        locations_in_bounds(&analysis).map_err(TestCaseError::fail)?;
        let options = partial();
        let compiled = compile(&analysis, &options);
        allowed_equals_agreements(&analysis, &compiled, &options).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn printed_objects_are_the_text_of_their_serde_values(spec in workspace()) {
        let analysis = run(&spec.files());
        for object in &compile(&analysis, &partial()).objects {
            let value = lattice_core::compile::to_value(object);
            let mut pretty = serde_json::to_string_pretty(&value).expect("a value prints");
            pretty.push('\n');
            prop_assert_eq!(
                String::from_utf8(lattice_core::compile::json_document(object)).expect("UTF-8"),
                pretty
            );
            prop_assert_eq!(
                lattice_core::compile::yaml_document(object),
                format!("---\n{}", lattice_core::compile::to_yaml(&value))
            );
        }
    }

    #[test]
    fn removing_a_declaration_never_grows_the_allowed_set(
        spec in workspace_of(false),
        pick in any::<prop::sample::Index>(),
    ) {
        let all = declarations(&spec);
        prop_assume!(!all.is_empty());
        let before = run(&spec.files());
        // Removing a faulty declaration may make its document valid again,
        // which rightly adds the document's agreements back.
        prop_assume!(!has(&before, Code::InvalidSpec));
        let after = run(&without(&spec, all[pick.index(all.len())]).files());

        let agreed = |a: &Analysis| -> BTreeSet<String> {
            let g = &a.graph;
            g.agreements
                .iter()
                .map(|x| format!("{}->{}", g.workloads[x.caller].id, g.workloads[x.callee].id))
                .collect()
        };
        let grown: Vec<_> = agreed(&after).difference(&agreed(&before)).cloned().collect();
        prop_assert!(grown.is_empty(), "agreements appeared: {grown:?}");

        // The compiled rules, read back, shrink too: every allowed triple
        // after the removal was allowed before it.
        let (options, b, a) = (partial(), compile(&before, &partial()), compile(&after, &partial()));
        let checked_before = allowed_equals_agreements(&before, &b, &options).map_err(TestCaseError::fail)?;
        let checked_after = allowed_equals_agreements(&after, &a, &options).map_err(TestCaseError::fail)?;
        prop_assume!(checked_before && checked_after);
        let rules = |x: &Analysis| -> BTreeSet<String> {
            let g = &x.graph;
            g.agreements.iter().filter(|y| lattice_core::compile::usable(&g.workloads[y.caller]) && lattice_core::compile::usable(&g.workloads[y.callee]))
                .map(|y| format!("{}->{}", g.workloads[y.caller].id, g.workloads[y.callee].id)).collect()
        };
        prop_assert!(rules(&after).is_subset(&rules(&before)));
    }

    #[test]
    fn adding_an_unrelated_service_leaves_other_policies_alone(
        spec in workspace(),
        namespace in 0u8..4,
        file in any::<u8>(),
        ports in prop::collection::vec(service_port(), 0..3),
    ) {
        let before = run(&spec.files());
        let mut grown = spec.clone();
        // A name no pool holds, in a namespace of the pool or a new one;
        // it calls nobody and nobody names it.
        let namespace = if namespace < 3 {
            Some(NameRef::Pool(namespace))
        } else {
            Some(NameRef::Raw("delta".to_owned()))
        };
        grown.documents.push((file, Document::Service(Service {
            namespace,
            name: NameRef::Raw("newcomer".to_owned()),
            ports,
            resources: Vec::new(),
        })));
        let after = run(&grown.files());

        let others = |a: &Analysis| -> BTreeSet<String> {
            policy_texts(a).into_iter().filter(|t| !t.contains("/newcomer")).collect()
        };
        prop_assert_eq!(others(&before), others(&after));
        prop_assert_eq!(before.graph.agreements.len(), after.graph.agreements.len());
    }

    #[test]
    fn the_order_of_files_and_documents_changes_nothing(
        spec in workspace(),
        rotate in any::<prop::sample::Index>(),
    ) {
        let files = spec.files();
        let mut rotated = files.clone();
        rotated.rotate_left(rotate.index(files.len()));
        let (a, b) = (run(&files), run(&rotated));
        let duplicates = has(&a, Code::DuplicateService);
        prop_assert_eq!(duplicates, has(&b, Code::DuplicateService));
        if duplicates {
            // Which copy counts depends on the order by design; that the
            // output is refused does not.
            prop_assert!(compile(&a, &CompileOptions::default()).refused());
            prop_assert!(compile(&b, &CompileOptions::default()).refused());
            return Ok(());
        }
        prop_assert_eq!(normalized(&a), normalized(&b));
        prop_assert_eq!(compile(&a, &partial()).to_yaml(), compile(&b, &partial()).to_yaml());

        // Documents reversed within each file: the positions move, the
        // findings and the policies do not.
        let mut reversed = spec.clone();
        reversed.documents.reverse();
        let c = run(&reversed.files());
        let findings = |x: &Analysis| -> Vec<String> {
            let mut out: Vec<String> = x.diagnostics.iter()
                .map(|d| format!("{} {} {} {:?}", x.sources.get(d.location.file).path, d.code.as_str(), d.message, d.help))
                .collect();
            out.sort();
            out
        };
        prop_assert_eq!(findings(&a), findings(&c));
        prop_assert_eq!(compile(&a, &partial()).to_yaml(), compile(&c, &partial()).to_yaml());
    }

}

proptest! {
    // The changes that matter here (a workload's inputs changed while its
    // agreements stay) are a fraction of the cases: four times as many.
    #![proptest_config(ProptestConfig { cases: config().cases * 4, ..config() })]

    #[test]
    fn diff_names_exactly_the_objects_whose_full_compilations_differ(
        spec in workspace(),
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), prop::collection::vec(service_port(), 0..3), 0u8..6),
            1..4,
        ),
    ) {
        // One declaration fewer, and a few workloads with other ports,
        // another service account or other pods: each change reaches the
        // workload's peers, and errors it brings reach further.
        let mut changed = spec.clone();
        let all = declarations(&spec);
        if !all.is_empty() {
            changed = without(&changed, all[pick.index(all.len())]);
        }
        for (at, ports, account) in edits {
            let at = at.index(changed.documents.len());
            match &mut changed.documents[at].1 {
                Document::Service(service) => service.ports = ports,
                Document::Member(member) => {
                    member.ports = ports.iter().map(|p| p.port).collect();
                    member.service_account = Some(NameRef::Pool(account));
                    member.namespace_target ^= account % 2 == 0;
                }
            }
        }
        let (old, new) = (run(&spec.files()), run(&changed.files()));
        let without_baseline = CompileOptions { no_baseline: true, ..partial() };
        for options in [partial(), without_baseline] {
            prop_assert_eq!(diff(&old, &new, &options).policies, full_policy_changes(&old, &new, &options));
            prop_assert_eq!(diff(&new, &old, &options).policies, full_policy_changes(&new, &old, &options));
        }
    }
}

proptest! {
    // Agreements through a wildcard, or with a declaration repeated, are
    // rare among random workspaces and are what this property is about:
    // sixteen times as many cases (checking is cheap).
    #![proptest_config(ProptestConfig { cases: config().cases * 16, ..config() })]

    #[test]
    fn checking_skips_only_declarations_an_agreement_settles(spec in workspace()) {
        // `check` leaves out the declarations some agreement is made of;
        // checking every declaration in full must find the same problems.
        let analysis = run(&spec.files());
        let graph = &analysis.graph;
        let mut in_full = Vec::new();
        let mut alone = Vec::new();
        for w in 0..graph.workloads.len() {
            check_workload_in_full(graph, w, &mut in_full);
            check_workload(graph, w, &mut alone);
        }
        // One workload checked alone, as the language server does, skips
        // only what its own agreements settle.
        prop_assert_eq!(&alone, &in_full);
        // Then each callee's `no-ports` warning, in the order callees first
        // appear among the agreements.
        let mut callees = BTreeSet::new();
        for g in &graph.agreements {
            if callees.insert(g.callee) {
                in_full.extend(no_ports(graph, g.callee));
            }
        }
        prop_assert_eq!(check(graph), in_full);
    }
}
