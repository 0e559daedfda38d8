//! `compile`: the policies of the examples (snapshots), the exactness of the
//! aggregated rules, determinism, fail-closed handling of faulty documents,
//! callees without ports, wildcards, and the options.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use lattice_core::compile::{
    AGREEMENTS_ANNOTATION, BASELINE_LABEL, CompileOptions, Compiled, MANAGED_BY, MANAGED_BY_LABEL,
    Object, POD_NAMESPACE_LABEL, WarningKind, compile, pod_namespace, principal, usable,
};
use lattice_core::{Analysis, Options, analyze};

use crate::support::{example, example_inputs, files, service, yaml_values};

fn options() -> CompileOptions {
    CompileOptions::default()
}

/// One line per warning and per left-out document, for snapshots.
fn report(compiled: &Compiled) -> String {
    let mut out = String::new();
    for w in &compiled.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    for l in &compiled.left_out {
        let _ = writeln!(out, "left out: {l}");
    }
    out
}

#[test]
fn shop_policies() {
    let analysis = example("shop");
    assert_eq!(analysis.summary.agreements, 21);
    let compiled = compile(&analysis, &options());
    assert!(compiled.left_out.is_empty(), "{}", report(&compiled));
    assert!(compiled.warnings.is_empty(), "{}", report(&compiled));
    assert!(!compiled.refused());
    insta::assert_snapshot!("shop_yaml", compiled.to_yaml());
}

#[test]
fn mistakes_policies() {
    let compiled = compile(&example("mistakes"), &options());
    insta::assert_snapshot!("mistakes_report", report(&compiled));
    insta::assert_snapshot!("mistakes_yaml", compiled.to_yaml());
}

#[test]
fn json_and_yaml_forms_hold_the_same_objects() {
    let compiled = compile(&example("shop"), &options());
    let json: serde_json::Value =
        serde_json::from_str(&compiled.to_json()).expect("the JSON form parses");
    assert_eq!(json["apiVersion"], "v1");
    assert_eq!(json["kind"], "List");
    let from_yaml = yaml_values(&compiled.to_yaml());
    assert_eq!(json["items"].as_array().expect("items"), &from_yaml);
    assert_eq!(from_yaml.len(), compiled.objects.len());
}

/// The (caller, callee, port) triples the agreements call for: every
/// target port of the callee, for agreements between usable workloads.
fn expected_triples(
    analysis: &Analysis,
    with_protocol: bool,
) -> BTreeSet<(String, String, String)> {
    let graph = &analysis.graph;
    let mut out = BTreeSet::new();
    for g in &graph.agreements {
        let (caller, callee) = (&graph.workloads[g.caller], &graph.workloads[g.callee]);
        if !usable(caller) || !usable(callee) {
            continue;
        }
        for p in &callee.ports {
            let port = if with_protocol {
                format!("{}/{}", p.target_port, p.protocol.as_str())
            } else {
                p.target_port.to_string()
            };
            out.insert((caller.id.to_string(), callee.id.to_string(), port));
        }
    }
    out
}

/// What the compiled objects allow, read back from the rules alone: each
/// selector and principal is mapped back to the one workload it names.
struct Allowed {
    ingress: BTreeSet<(String, String, String)>,
    egress: BTreeSet<(String, String, String)>,
    l7: BTreeSet<(String, String, String)>,
    platform: BTreeSet<BTreeMap<String, String>>,
}

fn allowed(analysis: &Analysis, compiled: &Compiled, trust_domain: &str) -> Allowed {
    let mut subjects = BTreeMap::new();
    let mut peers = BTreeMap::new();
    let mut principals = BTreeMap::new();
    for w in analysis.graph.workloads.iter().filter(|w| usable(w)) {
        let ns = pod_namespace(w).to_owned();
        let id = w.id.to_string();
        subjects.insert((ns.clone(), w.selector.clone()), id.clone());
        let mut peer = w.selector.clone();
        peer.insert(POD_NAMESPACE_LABEL.to_owned(), ns);
        peers.insert(peer, id.clone());
        principals.insert(principal(w, trust_domain), id);
    }
    let mut out = Allowed {
        ingress: BTreeSet::new(),
        egress: BTreeSet::new(),
        l7: BTreeSet::new(),
        platform: BTreeSet::new(),
    };
    for object in &compiled.objects {
        let ns = object.metadata().namespace.clone().unwrap_or_default();
        match object {
            Object::Cilium(p) if p.kind == "CiliumNetworkPolicy" => {
                let selector = &p.spec.endpoint_selector;
                assert!(selector.match_expressions.is_empty());
                let subject = &subjects[&(ns, selector.match_labels.to_map())];
                for rule in &p.spec.ingress {
                    assert!(!rule.from_endpoints.is_empty() && !rule.to_ports.is_empty());
                    for from in &rule.from_endpoints {
                        let caller = &peers[&from.match_labels.to_map()];
                        for port in rule.to_ports.iter().flat_map(|r| &r.ports) {
                            let port = format!("{}/{}", port.port, port.protocol);
                            out.ingress.insert((caller.clone(), subject.clone(), port));
                        }
                    }
                }
                for rule in &p.spec.egress {
                    assert!(!rule.to_endpoints.is_empty() && !rule.to_ports.is_empty());
                    for to in &rule.to_endpoints {
                        let Some(callee) = peers.get(&to.match_labels.to_map()) else {
                            out.platform.insert(to.match_labels.to_map());
                            continue;
                        };
                        for port in rule.to_ports.iter().flat_map(|r| &r.ports) {
                            let port = format!("{}/{}", port.port, port.protocol);
                            out.egress.insert((subject.clone(), callee.clone(), port));
                        }
                    }
                }
            }
            Object::Istio(p) if p.spec.action.is_some() => {
                let labels = p
                    .spec
                    .selector
                    .as_ref()
                    .map(|s| s.match_labels.to_map())
                    .unwrap_or_default();
                let callee = &subjects[&(ns, labels)];
                for rule in &p.spec.rules {
                    for from in &rule.from {
                        for principal in &from.source.principals {
                            let caller = &principals[principal];
                            for to in &rule.to {
                                for port in &to.operation.ports {
                                    out.l7
                                        .insert((caller.clone(), callee.clone(), port.clone()));
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn assert_exact(analysis: &Analysis, options: &CompileOptions) {
    let compiled = compile(analysis, options);
    let allowed = allowed(analysis, &compiled, &options.trust_domain);
    assert_eq!(allowed.ingress, expected_triples(analysis, true));
    assert_eq!(allowed.egress, expected_triples(analysis, true));
    assert_eq!(allowed.l7, expected_triples(analysis, false));
    let platform: BTreeSet<Vec<(String, String)>> = allowed
        .platform
        .iter()
        .map(|m| m.clone().into_iter().collect())
        .collect();
    let expected: BTreeSet<Vec<(String, String)>> = [
        vec![
            ("app", "istiod"),
            (POD_NAMESPACE_LABEL, options.istio_root_namespace.as_str()),
        ],
        vec![
            (POD_NAMESPACE_LABEL, "kube-system"),
            ("k8s-app", "kube-dns"),
        ],
    ]
    .into_iter()
    .map(|v| {
        let mut v: Vec<(String, String)> = v
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        v.sort();
        v
    })
    .collect();
    if !allowed.egress.is_empty() {
        assert_eq!(platform, expected);
    }
}

#[test]
fn merged_rules_allow_exactly_the_agreements() {
    assert_exact(&example("shop"), &options());
    assert_exact(&example("mistakes"), &options());
    let custom = CompileOptions {
        trust_domain: "prod.example".to_owned(),
        istio_root_namespace: "mesh-system".to_owned(),
        ..options()
    };
    assert_exact(&example("shop"), &custom);
}

#[test]
fn every_object_is_labelled_annotated_and_well_named() {
    let compiled = compile(&example("shop"), &options());
    for object in &compiled.objects {
        let meta = object.metadata();
        assert_eq!(meta.labels[MANAGED_BY_LABEL], MANAGED_BY, "{}", meta.name);
        assert!(meta.annotations.contains_key(AGREEMENTS_ANNOTATION));
        assert!(meta.name.len() <= 63 && meta.name.starts_with("lattice-"));
        assert_eq!(lattice_core::names::dns_subdomain_problem(&meta.name), None);
    }
    let payments = compiled
        .objects
        .iter()
        .find(|o| o.kind() == "AuthorizationPolicy" && o.metadata().name == "lattice-payments")
        .expect("an AuthorizationPolicy for payments");
    assert_eq!(
        payments.metadata().annotations[AGREEMENTS_ANNOTATION],
        "commerce/checkout->commerce/payments,monitoring/prometheus->commerce/payments"
    );
}

#[test]
fn output_does_not_depend_on_file_order_or_repetition() {
    let first = compile(&example("shop"), &options());
    let again = compile(&example("shop"), &options());
    assert_eq!(first.to_yaml(), again.to_yaml());
    let mut inputs = example_inputs("shop");
    inputs.reverse();
    let reversed = compile(&analyze(inputs, &Options::default()), &options());
    assert_eq!(first.to_yaml(), reversed.to_yaml());
    assert_eq!(first.to_json(), reversed.to_json());
    let mut inputs = example_inputs("shop");
    let half = inputs.len() / 2;
    inputs.rotate_left(half);
    inputs.swap(0, 3);
    let shuffled = compile(&analyze(inputs, &Options::default()), &options());
    assert_eq!(first.to_yaml(), shuffled.to_yaml());
}

/// The shop with `payments.yaml` replaced by `text`, or left out for `None`.
fn shop_with_payments(text: Option<&str>) -> Analysis {
    let inputs = example_inputs("shop")
        .into_iter()
        .filter_map(|mut input| {
            if input.path == "shop/commerce/payments.yaml" {
                let text = text?;
                input.content = lattice_core::InputContent::Bytes(text.as_bytes().to_vec());
            }
            Some(input)
        })
        .collect();
    analyze(inputs, &Options::default())
}

#[test]
fn a_faulty_document_loses_its_agreements_and_changes_nothing_else() {
    let original =
        std::fs::read_to_string(crate::support::examples().join("shop/commerce/payments.yaml"))
            .expect("the example is readable");
    // A wrong field, plus a wildcard acceptance that would widen the policy
    // if the faulty document were trusted.
    let faulty = original
        .replace("          targetPort: 8443", "          targetPort: https")
        .replace(
            "      checkout:\n        type: service\n        direction: inbound\n",
            "      checkout:\n        type: service\n        direction: inbound\n      anyone:\n        direction: inbound\n        id: \"*\"\n",
        );
    assert_ne!(faulty, original);
    let broken = shop_with_payments(Some(&faulty));
    assert!(broken.has_errors());

    let compiled = compile(&broken, &options());
    let without = compile(&shop_with_payments(None), &options());
    assert_eq!(compiled.to_yaml(), without.to_yaml());
    assert!(!compiled.to_yaml().contains("lattice-payments"));

    assert!(compiled.refused());
    let allowed = compile(
        &broken,
        &CompileOptions {
            allow_partial: true,
            ..options()
        },
    );
    assert!(!allowed.refused());
    assert_eq!(allowed.to_yaml(), compiled.to_yaml());
    insta::assert_snapshot!("faulty_payments_report", report(&compiled));
}

#[test]
fn a_file_that_is_not_yaml_is_named_as_left_out() {
    let analysis = files(&[
        ("a.yaml", &service("a", "ns", 8080, "      b: {}\n")),
        (
            "b.yaml",
            "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: [unclosed\n",
        ),
    ]);
    let compiled = compile(&analysis, &options());
    assert!(compiled.refused());
    assert_eq!(compiled.left_out.len(), 1, "{}", report(&compiled));
    let left = &compiled.left_out[0];
    assert_eq!(
        (left.path.as_str(), left.workload.as_ref()),
        ("b.yaml", None)
    );
    assert!(
        left.reason.starts_with("not read as specs"),
        "{}",
        left.reason
    );
}

#[test]
fn a_callee_without_ports_gets_no_rule() {
    let analysis = files(&[
        ("a.yaml", &service("a", "ns", 8080, "      b: {}\n")),
        (
            "b.yaml",
            &service("b", "ns", 0, "      a: {direction: inbound}\n"),
        ),
    ]);
    assert_eq!(analysis.summary.agreements, 1);
    let compiled = compile(&analysis, &options());
    let kinds: Vec<_> = compiled
        .objects
        .iter()
        .filter(|o| !o.metadata().labels.contains_key(BASELINE_LABEL))
        .map(|o| (o.kind(), o.metadata().name.clone()))
        .collect();
    assert_eq!(kinds, vec![]);
    assert_eq!(compiled.warnings.len(), 1);
    assert_eq!(compiled.warnings[0].kind, WarningKind::NoPorts);
    assert_eq!(
        compiled.warnings[0].to_string(),
        "b.yaml:4: ns/a -> ns/b compiles to no rule: ns/b exposes no port"
    );
    assert!(!compiled.refused());
}

#[test]
fn wildcard_agreements_compile_and_are_listed() {
    let compiled = compile(&example("mistakes"), &options());
    let wildcards: Vec<String> = compiled
        .warnings
        .iter()
        .filter(|w| w.kind == WarningKind::WildcardAcceptance)
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        wildcards,
        vec![
            "mistakes/status-page.yaml:22: shop/legacy-billing -> shop/status-page is allowed \
             through a wildcard acceptance of shop/status-page"
        ]
    );
    let status = compiled
        .objects
        .iter()
        .find(|o| o.kind() == "AuthorizationPolicy" && o.metadata().name == "lattice-status-page")
        .expect("the wildcard agreement compiles");
    assert_eq!(
        status.metadata().annotations[AGREEMENTS_ANNOTATION],
        "shop/legacy-billing->shop/status-page"
    );

    let member = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeMeshMember\nmetadata:\n  name: scraper\n  namespace: monitoring\nspec:\n  target:\n    selector:\n      app: scraper\n  dependsAll: true\n";
    let analysis = files(&[
        ("scraper.yaml", member),
        (
            "api.yaml",
            &service(
                "api",
                "web",
                8080,
                "      scraper: {direction: inbound, namespace: monitoring}\n",
            ),
        ),
    ]);
    let compiled = compile(&analysis, &options());
    let kinds: Vec<_> = compiled.warnings.iter().map(|w| (w.kind, w.line)).collect();
    assert_eq!(kinds, vec![(WarningKind::DependsAll, 10)]);
    assert_exact(&analysis, &options());
}

#[test]
fn a_namespace_target_selects_its_whole_namespace() {
    let member = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeMeshMember\nmetadata:\n  name: batch\n  namespace: platform\nspec:\n  target:\n    namespace: legacy\n  dependencies:\n    - name: api\n      namespace: web\n";
    let analysis = files(&[
        ("batch.yaml", member),
        (
            "api.yaml",
            &service(
                "api",
                "web",
                8080,
                "      batch: {direction: inbound, namespace: platform}\n",
            ),
        ),
    ]);
    assert_eq!(analysis.summary.agreements, 1, "{:?}", analysis.diagnostics);
    let compiled = compile(&analysis, &options());
    insta::assert_snapshot!("namespace_target_yaml", compiled.to_yaml());
    assert_exact(&analysis, &options());
}

#[test]
fn ports_are_split_into_items_of_forty() {
    let ports = (0..45).fold(String::new(), |mut out, i| {
        let _ = write!(
            out,
            "        p{i}:
          port: {}
",
            9000 + i
        );
        out
    });
    let callee = format!(
        "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: wide\n  namespace: ns\nspec:\n  workload:\n    service:\n      ports:\n{ports}    resources:\n      a: {{direction: inbound}}\n"
    );
    let analysis = files(&[
        ("a.yaml", &service("a", "ns", 8080, "      wide: {}\n")),
        ("wide.yaml", &callee),
    ]);
    let compiled = compile(&analysis, &options());
    let Some(Object::Cilium(policy)) = compiled
        .objects
        .iter()
        .find(|o| o.kind() == "CiliumNetworkPolicy" && o.metadata().name == "lattice-wide")
    else {
        panic!("no policy for wide");
    };
    let sizes: Vec<usize> = policy.spec.ingress[0]
        .to_ports
        .iter()
        .map(|r| r.ports.len())
        .collect();
    assert_eq!(sizes, vec![40, 5]);
    assert_exact(&analysis, &options());
}

#[test]
fn options_shape_the_baseline_and_the_principals() {
    let analysis = example("shop");
    let baseline = |compiled: &Compiled| -> Vec<String> {
        compiled
            .objects
            .iter()
            .filter(|o| o.metadata().labels.contains_key(BASELINE_LABEL))
            .map(|o| {
                format!(
                    "{} {}/{}",
                    o.kind(),
                    o.metadata().namespace.as_deref().unwrap_or("-"),
                    o.metadata().name
                )
            })
            .collect()
    };

    let default = compile(&analysis, &options());
    assert_eq!(
        baseline(&default),
        vec![
            "AuthorizationPolicy commerce/lattice-default-deny",
            "AuthorizationPolicy data/lattice-default-deny",
            "AuthorizationPolicy monitoring/lattice-default-deny",
            "AuthorizationPolicy web/lattice-default-deny",
            "CiliumClusterwideNetworkPolicy -/lattice-default-deny",
        ]
    );

    let none = compile(
        &analysis,
        &CompileOptions {
            no_baseline: true,
            ..options()
        },
    );
    assert!(baseline(&none).is_empty());
    assert_eq!(none.objects.len() + 5, default.objects.len());

    let custom = CompileOptions {
        mesh_wide_baseline: true,
        istio_root_namespace: "mesh-root".to_owned(),
        cilium_namespace: "cilium".to_owned(),
        system_namespaces: vec!["ops".to_owned(), "kube-system".to_owned()],
        trust_domain: "prod.example".to_owned(),
        ..options()
    };
    let compiled = compile(&analysis, &custom);
    assert_eq!(
        baseline(&compiled),
        vec![
            "AuthorizationPolicy mesh-root/lattice-default-deny",
            "CiliumClusterwideNetworkPolicy -/lattice-default-deny",
        ]
    );
    let Some(Object::Cilium(ccnp)) = compiled
        .objects
        .iter()
        .find(|o| o.kind() == "CiliumClusterwideNetworkPolicy")
    else {
        panic!("no cluster-wide baseline");
    };
    let excluded = &ccnp.spec.endpoint_selector.match_expressions[1].values;
    assert_eq!(
        excluded,
        &["cilium", "istio-system", "kube-system", "mesh-root", "ops"]
    );
    let yaml = compiled.to_yaml();
    assert!(
        yaml.contains("- prod.example/ns/web/sa/frontend\n"),
        "{yaml}"
    );
    assert!(!yaml.contains("cluster.local"));
}

#[test]
fn objects_of_a_namespace_target_never_take_the_name_of_a_local_service() {
    // `lattice-alpha-api` would be the name of both the member's objects in
    // `beta` and those of the service `beta/alpha-api`; applied, one would
    // replace the other.
    let member = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeMeshMember\nmetadata:\n  name: api\n  namespace: alpha\nspec:\n  target:\n    namespace: beta\n  ports:\n    - port: 8080\n      name: http\n  allowedCallers:\n    - name: web\n      namespace: gamma\n";
    let analysis = files(&[
        ("api.yaml", member),
        (
            "alpha-api.yaml",
            &service(
                "alpha-api",
                "beta",
                9000,
                "      web: {direction: inbound, namespace: gamma}\n",
            ),
        ),
        (
            "web.yaml",
            &service(
                "web",
                "gamma",
                0,
                "      api: {namespace: alpha}\n      alpha-api: {namespace: beta}\n",
            ),
        ),
    ]);
    assert_eq!(analysis.summary.agreements, 2, "{:?}", analysis.diagnostics);
    let compiled = compile(&analysis, &options());
    let mut names = BTreeSet::new();
    for object in &compiled.objects {
        let meta = object.metadata();
        let key = (object.kind(), meta.namespace.clone(), meta.name.clone());
        assert!(names.insert(key.clone()), "two objects named {key:?}");
    }
    assert!(names.contains(&(
        "CiliumNetworkPolicy",
        Some("beta".to_owned()),
        "lattice--alpha-api".to_owned()
    )));
    assert!(names.contains(&(
        "CiliumNetworkPolicy",
        Some("beta".to_owned()),
        "lattice-alpha-api".to_owned()
    )));
    assert_exact(&analysis, &options());
}

#[test]
fn callees_in_the_istio_root_namespace_get_cilium_rules_and_no_mesh_wide_istio_policy() {
    // A policy in Istio's root namespace applies to matching pods of every
    // namespace; a namespace target there would open every pod of the mesh.
    let member = "apiVersion: lattice.dev/v1alpha1
kind: LatticeMeshMember
metadata:
  name: istiod-metrics
  namespace: istio-system
spec:
  target:
    namespace: istio-system
  ports:
  - port: 15014
    name: metrics
  allowedCallers:
  - name: prometheus
    namespace: monitoring
";
    let caller = service(
        "prometheus",
        "monitoring",
        9090,
        "      istiod-metrics:\n        namespace: istio-system\n",
    );
    let analysis = files(&[("member.yaml", member), ("prometheus.yaml", &caller)]);
    assert_eq!(analysis.summary.agreements, 1);
    let compiled = compile(&analysis, &options());

    let allows_in_root = compiled.objects.iter().any(|o| {
        matches!(o, Object::Istio(p) if !p.spec.rules.is_empty()
            && p.metadata.namespace.as_deref() == Some("istio-system"))
    });
    assert!(!allows_in_root, "{}", compiled.to_yaml());
    let cilium: Vec<_> = compiled
        .objects
        .iter()
        .filter(|o| o.kind() == "CiliumNetworkPolicy")
        .map(|o| o.metadata().namespace.clone().unwrap_or_default())
        .collect();
    assert_eq!(cilium, ["istio-system", "monitoring"]);
    assert_eq!(
        compiled.warnings.iter().map(|w| w.kind).collect::<Vec<_>>(),
        [WarningKind::RootNamespaceCallee]
    );

    // With another root namespace, istio-system is an ordinary namespace.
    let elsewhere = compile(
        &analysis,
        &CompileOptions {
            istio_root_namespace: "mesh-root".to_owned(),
            ..options()
        },
    );
    assert!(elsewhere.warnings.is_empty());
    assert!(elsewhere.objects.iter().any(|o| {
        matches!(o, Object::Istio(p) if !p.spec.rules.is_empty()
            && p.metadata.namespace.as_deref() == Some("istio-system"))
    }));
}

/// The printed forms come from a borrowed tree built by hand for speed;
/// they must stay the text of the serde value of the same object, keys
/// sorted, for every kind of object the compiler makes.
#[test]
fn printed_text_is_the_text_of_each_objects_serde_value() {
    use lattice_core::compile::{json_document, json_list, to_value, to_yaml, yaml_document};

    let variants = [
        options(),
        CompileOptions {
            mesh_wide_baseline: true,
            istio_root_namespace: "commerce".to_owned(),
            allow_partial: true,
            ..options()
        },
        CompileOptions {
            no_baseline: true,
            trust_domain: "example.org".to_owned(),
            allow_partial: true,
            ..options()
        },
    ];
    let mut kinds = BTreeSet::new();
    for name in ["shop", "mistakes"] {
        let analysis = example(name);
        for options in &variants {
            let compiled = compile(&analysis, options);
            let mut values = Vec::new();
            for object in &compiled.objects {
                let value = to_value(object);
                kinds.insert(object.kind());
                assert_eq!(serde_json::to_value(object.doc()).unwrap(), value);
                let mut pretty = serde_json::to_string_pretty(&value).unwrap();
                pretty.push('\n');
                assert_eq!(String::from_utf8(json_document(object)).unwrap(), pretty);
                assert_eq!(yaml_document(object), format!("---\n{}", to_yaml(&value)));
                values.push(value);
            }
            let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": values});
            let parsed: serde_json::Value =
                serde_json::from_str(&json_list(&compiled.objects)).expect("the JSON list parses");
            assert_eq!(parsed, list);
        }
    }
    assert_eq!(kinds.len(), 3, "{kinds:?}");
}

#[test]
fn an_empty_json_list_is_laid_out_as_serde_json_lays_it_out() {
    let no_baseline = CompileOptions {
        no_baseline: true,
        ..options()
    };
    let compiled = compile(&files(&[]), &no_baseline);
    assert!(compiled.objects.is_empty());
    assert_eq!(
        compiled.to_json(),
        "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"items\": []\n}\n"
    );
}
