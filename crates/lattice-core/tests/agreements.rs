//! The agreement semantics: what makes an agreement, and which diagnostic
//! every kind of half-made or suspicious declaration gets.

use lattice_core::{Analysis, Code, Input, InputContent, Options, Severity, analyze};

fn run(docs: &[&str]) -> Analysis {
    let inputs = docs
        .iter()
        .enumerate()
        .map(|(i, text)| Input {
            path: format!("f{i}.yaml"),
            content: InputContent::Bytes(text.as_bytes().to_vec()),
        })
        .collect();
    analyze(inputs, &Options::default())
}

fn svc(name: &str, ns: &str, resources: &str) -> String {
    format!(
        "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  workload:\n    service:\n      ports:\n        http:\n          port: 80\n    resources:\n{resources}"
    )
}

fn codes(analysis: &Analysis) -> Vec<(Code, Severity)> {
    analysis
        .diagnostics
        .iter()
        .map(|d| (d.code, d.severity))
        .collect()
}

fn pairs(analysis: &Analysis) -> Vec<String> {
    let g = &analysis.graph;
    g.agreements
        .iter()
        .map(|a| {
            format!(
                "{} -> {}",
                g.workloads[a.caller].id, g.workloads[a.callee].id
            )
        })
        .collect()
}

#[test]
fn both_sides_make_an_agreement() {
    let a = run(&[
        &svc("checkout", "shop", "      payments: {}\n"),
        &svc("payments", "shop", "      checkout: {direction: inbound}\n"),
    ]);
    assert_eq!(codes(&a), vec![]);
    assert_eq!(pairs(&a), vec!["shop/checkout -> shop/payments"]);
}

#[test]
fn direction_both_is_two_declarations_and_id_overrides_the_key() {
    let a = run(&[
        &svc(
            "orders",
            "shop",
            "      ship: {direction: both, id: shipping}\n",
        ),
        &svc("shipping", "shop", "      orders: {direction: both}\n"),
    ]);
    assert_eq!(codes(&a), vec![]);
    assert_eq!(
        pairs(&a),
        vec![
            "shop/orders -> shop/shipping",
            "shop/shipping -> shop/orders"
        ]
    );
}

#[test]
fn cross_namespace_needs_the_namespace_on_both_sides() {
    let a = run(&[
        &svc("frontend", "web", "      checkout: {namespace: shop}\n"),
        &svc("checkout", "shop", "      frontend: {direction: inbound}\n"),
    ]);
    // checkout accepts shop/frontend, which does not exist; web/frontend is not accepted.
    let got = codes(&a);
    assert!(
        got.contains(&(Code::UnmatchedOutbound, Severity::Error)),
        "{got:?}"
    );
    assert!(
        got.contains(&(Code::UnknownService, Severity::Error)),
        "{got:?}"
    );
    let unknown = a
        .diagnostics
        .iter()
        .find(|d| d.code == Code::UnknownService)
        .unwrap();
    assert!(
        unknown.help[0].contains("namespace: web"),
        "{:?}",
        unknown.help
    );
    assert!(pairs(&a).is_empty());
}

#[test]
fn unknown_service_in_a_foreign_namespace_is_a_warning() {
    let a = run(&[&svc(
        "checkout",
        "shop",
        "      ledger: {namespace: finance}\n",
    )]);
    assert_eq!(codes(&a), vec![(Code::UnknownService, Severity::Warning)]);
}

#[test]
fn renamed_service_gets_a_suggestion() {
    let a = run(&[
        &svc("orders", "shop", "      inventory-svc: {}\n"),
        &svc("inventory", "shop", "      orders: {direction: inbound}\n"),
    ]);
    let unknown = a
        .diagnostics
        .iter()
        .find(|d| d.code == Code::UnknownService)
        .unwrap();
    assert_eq!(unknown.severity, Severity::Error);
    assert!(
        unknown.help[0].contains("`inventory`"),
        "{:?}",
        unknown.help
    );
    let stale = a
        .diagnostics
        .iter()
        .find(|d| d.code == Code::UnmatchedInbound)
        .unwrap();
    assert!(stale.message.contains("renamed"), "{}", stale.message);
    assert!(
        stale.fix.is_none(),
        "the fix is the rename, not a second declaration"
    );
}

#[test]
fn wildcard_accepts_any_caller_and_is_reported() {
    let a = run(&[
        &svc("checkout", "shop", "      status: {}\n"),
        &svc("frontend", "web", "      status: {namespace: shop}\n"),
        &svc(
            "status",
            "shop",
            "      anyone: {direction: inbound, id: \"*\"}\n",
        ),
    ]);
    assert_eq!(codes(&a), vec![(Code::Wildcard, Severity::Warning)]);
    assert_eq!(
        pairs(&a),
        vec![
            "shop/checkout -> shop/status",
            "web/frontend -> shop/status"
        ]
    );
}

#[test]
fn wildcard_with_a_namespace_only_covers_that_namespace() {
    let a = run(&[
        &svc("checkout", "shop", "      status: {}\n"),
        &svc("frontend", "web", "      status: {namespace: shop}\n"),
        &svc(
            "status",
            "shop",
            "      anyone: {direction: inbound, id: \"*\", namespace: web}\n",
        ),
    ]);
    assert_eq!(pairs(&a), vec!["web/frontend -> shop/status"]);
    assert!(codes(&a).contains(&(Code::UnmatchedOutbound, Severity::Error)));
}

const PROMETHEUS: &str = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeMeshMember\nmetadata:\n  name: prometheus\n  namespace: monitoring\nspec:\n  target:\n    selector:\n      app: prometheus\n  ports:\n  - port: 9090\n    name: web\n";

#[test]
fn depends_all_calls_every_service_naming_the_member() {
    let member = format!("{PROMETHEUS}  dependsAll: true\n");
    let a = run(&[
        &member,
        &svc(
            "checkout",
            "shop",
            "      prometheus: {direction: inbound, namespace: monitoring}\n",
        ),
        &svc(
            "payments",
            "shop",
            "      prometheus: {direction: inbound, namespace: monitoring}\n",
        ),
        &svc(
            "status",
            "shop",
            "      anyone: {direction: inbound, id: \"*\"}\n",
        ),
    ]);
    // A wildcard never meets dependsAll: one side must name the other.
    assert_eq!(
        pairs(&a),
        vec![
            "monitoring/prometheus -> shop/checkout",
            "monitoring/prometheus -> shop/payments"
        ]
    );
    assert_eq!(
        codes(&a),
        vec![
            (Code::Wildcard, Severity::Warning),
            (Code::Wildcard, Severity::Warning)
        ]
    );
}

#[test]
fn mesh_member_allowed_callers_wildcard() {
    let member = format!("{PROMETHEUS}  allowedCallers:\n  - name: \"*\"\n");
    let a = run(&[
        &member,
        &svc("grafana", "monitoring", "      prometheus: {}\n"),
    ]);
    assert_eq!(
        pairs(&a),
        vec!["monitoring/grafana -> monitoring/prometheus"]
    );
    assert_eq!(codes(&a), vec![(Code::Wildcard, Severity::Warning)]);
}

#[test]
fn self_reference_is_a_warning() {
    let a = run(&[&svc(
        "checkout",
        "shop",
        "      checkout: {direction: both}\n",
    )]);
    assert_eq!(codes(&a), vec![(Code::SelfReference, Severity::Warning)]);
    assert!(pairs(&a).is_empty());
}

#[test]
fn callee_without_ports() {
    let callee = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: payments\n  namespace: shop\nspec:\n  workload:\n    resources:\n      checkout: {direction: inbound}\n";
    let a = run(&[&svc("checkout", "shop", "      payments: {}\n"), callee]);
    assert_eq!(codes(&a), vec![(Code::NoPorts, Severity::Warning)]);
    assert_eq!(a.summary.agreements, 1);
}

#[test]
fn duplicate_service_keeps_the_first() {
    let one = svc("checkout", "shop", "      payments: {}\n");
    let a = run(&[&one, &one]);
    let dup = a
        .diagnostics
        .iter()
        .find(|d| d.code == Code::DuplicateService)
        .unwrap();
    assert_eq!(dup.location.file.0, 1);
    assert_eq!(dup.related[0].location.file.0, 0);
    assert_eq!(a.summary.services, 1);
}

#[test]
fn non_service_resources_are_not_edges() {
    let a = run(&[&svc(
        "checkout",
        "shop",
        "      creds: {type: secret, id: vault/path/x, params: {provider: v}}\n      data: {type: volume}\n      api: {type: external-service}\n      model: {type: my-gpu-pool}\n",
    )]);
    assert_eq!(codes(&a), vec![]);
}

#[test]
fn other_documents_are_skipped_and_counted() {
    let a = run(&[
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\napiVersion: apps/v1\nkind: Deployment\n",
    ]);
    assert_eq!(codes(&a), vec![]);
    assert_eq!(a.summary.skipped_documents, 2);
}

#[test]
fn specs_inside_a_kubectl_list_are_read() {
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n- {}\n",
        "{apiVersion: lattice.dev/v1alpha1, kind: LatticeService, metadata: {name: a, namespace: shop}, spec: {}}"
    );
    let a = run(&[&list]);
    assert_eq!(a.summary.services, 1);
}

#[test]
fn bad_input_in_one_file_leaves_the_others_analyzed() {
    let inputs = vec![
        Input {
            path: "bad.yaml".into(),
            content: InputContent::Bytes(b"a: [unclosed\n".to_vec()),
        },
        Input {
            path: "latin1.yaml".into(),
            content: InputContent::Bytes(b"name: caf\xe9\n".to_vec()),
        },
        Input {
            path: "empty.yaml".into(),
            content: InputContent::Bytes(Vec::new()),
        },
        Input {
            path: "gone.yaml".into(),
            content: InputContent::Unreadable("permission denied".into()),
        },
        Input {
            path: "huge.yaml".into(),
            content: InputContent::TooLarge {
                size: 50 << 20,
                limit: 16 << 20,
            },
        },
        Input {
            path: "dup.yaml".into(),
            content: InputContent::Bytes(
                svc("x", "shop", "      a: {}\n      a: {}\n").into_bytes(),
            ),
        },
        Input {
            path: "good.yaml".into(),
            content: InputContent::Bytes(svc("checkout", "shop", "      cart: {}\n").into_bytes()),
        },
        Input {
            path: "cart.yaml".into(),
            content: InputContent::Bytes(
                svc("cart", "shop", "      checkout: {direction: inbound}\n").into_bytes(),
            ),
        },
    ];
    let a = analyze(inputs, &Options::default());
    let got: Vec<_> = a
        .diagnostics
        .iter()
        .map(|d| (a.sources.get(d.location.file).path.as_str(), d.code))
        .collect();
    assert_eq!(
        got,
        vec![
            ("bad.yaml", Code::InvalidYaml),
            ("latin1.yaml", Code::InvalidYaml),
            ("empty.yaml", Code::EmptyFile),
            ("gone.yaml", Code::IoError),
            ("huge.yaml", Code::FileTooLarge),
            ("dup.yaml", Code::UnknownService),
            ("dup.yaml", Code::InvalidYaml),
        ]
    );
    assert_eq!(a.summary.agreements, 1);
    let dup = a.graph.workloads.iter().find(|w| w.id.name == "x").unwrap();
    assert!(
        !dup.valid,
        "a document with a duplicate key must not produce policy"
    );
    let latin1 = a
        .diagnostics
        .iter()
        .find(|d| d.message.contains("UTF-8"))
        .unwrap();
    assert_eq!(
        a.sources
            .get(latin1.location.file)
            .line_col(latin1.location.span.start as usize)
            .column,
        10
    );
}
