//! `explain`: the JSON form for allowed, one-sided, two-sided, renamed,
//! wildcard and faulty pairs (snapshots), unknown names, and agreement with
//! `compile`: the rules shown are in the compiled objects, and applying the
//! fix makes the pair allowed.

use lattice_core::compile::{CompileOptions, Object, compile};
use lattice_core::explain::{ExplainError, Explanation, Role, Rule, explain};
use lattice_core::{Analysis, Input, InputContent, Options, ServiceId, analyze};

use crate::support::{example, example_inputs, files, service};

fn run(analysis: &Analysis, caller: &str, callee: &str) -> Explanation {
    explain(
        analysis,
        &ServiceId::parse(caller, "default"),
        &ServiceId::parse(callee, "default"),
        &CompileOptions::default(),
    )
    .expect("both services exist")
}

fn json(explanation: &Explanation) -> String {
    serde_json::to_string_pretty(explanation).expect("an explanation serializes")
}

#[test]
fn allowed_pair_shows_its_three_rules_and_identities() {
    let e = run(&example("shop"), "web/frontend", "commerce/checkout");
    assert!(e.allowed);
    assert!(e.fix.is_empty());
    assert_eq!(e.spiffe.caller, "spiffe://cluster.local/ns/web/sa/frontend");
    insta::assert_snapshot!("allowed", json(&e));
}

#[test]
fn mesh_member_identity_uses_its_service_account() {
    let e = run(&example("shop"), "monitoring/prometheus", "data/orders-db");
    assert!(e.allowed);
    assert_eq!(
        e.spiffe.caller,
        "spiffe://cluster.local/ns/monitoring/sa/prometheus-server"
    );
}

#[test]
fn one_sided_pair_gets_the_missing_acceptance_in_the_callee_file() {
    let e = run(&example("mistakes"), "shop/checkout", "shop/payments");
    assert!(!e.allowed);
    assert!(e.outbound.declared && !e.inbound.declared);
    assert_eq!(e.fix.len(), 1);
    assert_eq!(e.fix[0].file, "mistakes/payments.yaml");
    insta::assert_snapshot!("one_sided", json(&e));
}

#[test]
fn pair_without_either_half_gets_both_fixes() {
    let e = run(&example("mistakes"), "shop/cart", "shop/checkout");
    assert!(!e.allowed);
    let files: Vec<&str> = e.fix.iter().map(|f| f.file.as_str()).collect();
    assert_eq!(files, ["mistakes/cart.yaml", "mistakes/checkout.yaml"]);
    insta::assert_snapshot!("both_missing", json(&e));
}

#[test]
fn renamed_callee_is_pointed_out() {
    let analysis = example("mistakes");
    let e = run(&analysis, "shop/orders", "shop/inventory");
    assert!(!e.allowed);
    assert!(!e.outbound.declared && e.inbound.declared);
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("inventory-svc") && n.contains("rename")),
        "{:?}",
        e.notes
    );
    insta::assert_snapshot!("renamed", json(&e));

    let error = explain(
        &analysis,
        &ServiceId::new("shop", "orders"),
        &ServiceId::new("shop", "inventory-svc"),
        &CompileOptions::default(),
    )
    .expect_err("inventory-svc is defined nowhere");
    assert_eq!(
        error,
        ExplainError::UnknownService {
            role: Role::Callee,
            name: ServiceId::new("shop", "inventory-svc"),
            suggestion: Some(ServiceId::new("shop", "inventory")),
        }
    );
    assert_eq!(
        error.to_string(),
        "no such service shop/inventory-svc (the callee) in the analyzed specs; did you mean shop/inventory?"
    );
}

#[test]
fn unknown_names_suggest_the_likely_service() {
    let analysis = example("shop");
    let suggestion = |caller: &str, callee: &str| {
        let caller = ServiceId::parse(caller, "default");
        let callee = ServiceId::parse(callee, "default");
        match explain(&analysis, &caller, &callee, &CompileOptions::default()) {
            Err(ExplainError::UnknownService {
                role, suggestion, ..
            }) => (role, suggestion.map(|s| s.to_string())),
            other => panic!("expected an unknown service, got {other:?}"),
        }
    };
    assert_eq!(
        suggestion("web/frontend", "web/checkout"),
        (Role::Callee, Some("commerce/checkout".to_owned()))
    );
    assert_eq!(
        suggestion("commerce/chekout", "commerce/payments"),
        (Role::Caller, Some("commerce/checkout".to_owned()))
    );
    assert_eq!(suggestion("web/frontend", "web/zzz"), (Role::Callee, None));
    let error = explain(
        &analysis,
        &ServiceId::new("web", "frontend"),
        &ServiceId::new("web", "frontend"),
        &CompileOptions::default(),
    );
    assert!(matches!(error, Err(ExplainError::SameService(_))));
}

#[test]
fn wildcard_acceptance_is_declared_and_marked() {
    let e = run(
        &example("mistakes"),
        "shop/legacy-billing",
        "shop/status-page",
    );
    assert!(e.allowed);
    assert!(e.inbound.declared && e.inbound.wildcard);
    assert!(!e.outbound.wildcard);
    insta::assert_snapshot!("wildcard", json(&e));
}

#[test]
fn pair_with_a_faulty_document_is_denied_and_says_why() {
    let inputs = example_inputs("shop")
        .into_iter()
        .map(|mut input| {
            if input.path == "shop/commerce/payments.yaml" {
                let InputContent::Bytes(bytes) = &input.content else {
                    unreachable!("examples are read as bytes")
                };
                let text = String::from_utf8(bytes.clone())
                    .expect("UTF-8")
                    .replace("targetPort: 8443", "targetPort: https");
                input.content = InputContent::Bytes(text.into_bytes());
            }
            input
        })
        .collect();
    let analysis = analyze(inputs, &Options::default());
    let e = run(&analysis, "commerce/checkout", "commerce/payments");
    assert!(!e.allowed);
    assert!(e.outbound.declared && e.inbound.declared);
    assert!(e.fix.is_empty());
    insta::assert_snapshot!("faulty", json(&e));
}

#[test]
fn callee_without_ports_is_denied() {
    let analysis = files(&[
        ("a.yaml", &service("a", "ns", 8080, "      b: {}\n")),
        (
            "b.yaml",
            &service("b", "ns", 0, "      a: {direction: inbound}\n"),
        ),
    ]);
    let e = run(&analysis, "ns/a", "ns/b");
    assert!(!e.allowed && e.policies.is_empty());
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("exposes no port") && n.contains("spec.workload.service.ports")),
        "{:?}",
        e.notes
    );
}

/// `text` with `insert` put before 1-based `line`.
fn insert_at(text: &str, line: u32, insert: &str) -> String {
    let mut out = String::new();
    let mut inserted = false;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            out.push_str(insert);
            inserted = true;
        }
        out.push_str(l);
    }
    if !inserted {
        out.push_str(insert);
    }
    out
}

#[test]
fn applying_the_fixes_makes_the_pair_allowed() {
    for (caller, callee) in [
        ("shop/checkout", "shop/payments"),
        ("shop/cart", "shop/checkout"),
    ] {
        let mut inputs = example_inputs("mistakes");
        let e = run(
            &analyze(inputs.clone(), &Options::default()),
            caller,
            callee,
        );
        assert!(!e.fix.is_empty());
        for fix in &e.fix {
            let input: &mut Input = inputs
                .iter_mut()
                .find(|i| i.path == fix.file)
                .expect("the fix names an input");
            let InputContent::Bytes(bytes) = &input.content else {
                unreachable!("examples are read as bytes")
            };
            let text = String::from_utf8(bytes.clone()).expect("UTF-8");
            input.content =
                InputContent::Bytes(insert_at(&text, fix.line, &fix.insert).into_bytes());
        }
        let e = run(&analyze(inputs, &Options::default()), caller, callee);
        assert!(e.allowed, "{caller} -> {callee}: {}", json(&e));
    }
}

#[test]
fn the_rules_shown_are_in_the_compiled_objects() {
    let analysis = example("shop");
    let compiled = compile(&analysis, &CompileOptions::default());
    let graph = &analysis.graph;
    for g in &graph.agreements {
        let (caller, callee) = (&graph.workloads[g.caller].id, &graph.workloads[g.callee].id);
        let e = explain(&analysis, caller, callee, &CompileOptions::default()).expect("both exist");
        assert!(e.allowed, "{caller} -> {callee}");
        assert_eq!(e.policies.len(), 3);
        for rule in &e.policies {
            let object = compiled
                .objects
                .iter()
                .find(|o| {
                    o.kind() == rule.kind
                        && o.metadata().namespace.as_deref() == Some(rule.namespace.as_str())
                        && o.metadata().name == rule.name
                })
                .unwrap_or_else(|| {
                    panic!("{} {}/{} is compiled", rule.kind, rule.namespace, rule.name)
                });
            assert_eq!(object.api_version(), rule.api_version);
            let contained = match (&rule.rule, object) {
                (Rule::Egress(r), Object::Cilium(p)) => p.spec.egress.iter().any(|m| {
                    m.to_ports == r.to_ports
                        && r.to_endpoints.iter().all(|e| m.to_endpoints.contains(e))
                }),
                (Rule::Ingress(r), Object::Cilium(p)) => p.spec.ingress.iter().any(|m| {
                    m.to_ports == r.to_ports
                        && r.from_endpoints
                            .iter()
                            .all(|e| m.from_endpoints.contains(e))
                }),
                (Rule::Authorization(r), Object::Istio(p)) => p.spec.rules.iter().any(|m| {
                    m.to == r.to
                        && r.from[0]
                            .source
                            .principals
                            .iter()
                            .all(|x| m.from[0].source.principals.contains(x))
                }),
                _ => false,
            };
            assert!(
                contained,
                "{caller} -> {callee}: {} in {}",
                rule.field, rule.name
            );
        }
    }
}
