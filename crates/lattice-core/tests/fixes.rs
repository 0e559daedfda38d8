//! Every fix the analysis offers must, once applied, make its diagnostic go
//! away and the agreement appear, in whatever layout the target file uses.

use lattice_core::{Analysis, Code, Input, InputContent, Options, analyze};

fn run(files: &[(&str, String)]) -> Analysis {
    let inputs = files
        .iter()
        .map(|(path, text)| Input {
            path: (*path).to_owned(),
            content: InputContent::Bytes(text.clone().into_bytes()),
        })
        .collect();
    analyze(inputs, &Options::default())
}

/// Apply the fix of the first diagnostic with `code`, returning the new files.
fn apply_fix(
    files: &[(&str, String)],
    analysis: &Analysis,
    code: Code,
) -> Vec<(&'static str, String)> {
    let diagnostic = analysis
        .diagnostics
        .iter()
        .find(|d| d.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:#?}", analysis.diagnostics));
    let fix = diagnostic.fix.as_ref().expect("a fix");
    let target = &analysis.sources.get(fix.file).path;
    files
        .iter()
        .map(|(path, text)| {
            let path: &'static str = Box::leak((*path).to_owned().into_boxed_str());
            if path != target {
                return (path, text.clone());
            }
            let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
            let at = (fix.line as usize - 1).min(lines.len());
            lines.insert(at, &fix.insert);
            (path, lines.concat())
        })
        .collect()
}

fn assert_fixed(files: &[(&str, String)], code: Code) {
    let before = run(files);
    let after_files = apply_fix(files, &before, code);
    let after = run(&after_files);
    let remaining: Vec<_> = after
        .diagnostics
        .iter()
        .filter(|d| d.code == code || d.code == Code::InvalidYaml || d.code == Code::InvalidSpec)
        .collect();
    let fixed_text: Vec<String> = after_files
        .iter()
        .map(|(p, t)| format!("--- {p}\n{t}"))
        .collect();
    let fixed_text = fixed_text.concat();
    assert!(
        remaining.is_empty(),
        "still reported after the fix: {remaining:#?}\n{fixed_text}"
    );
    assert_eq!(
        after.summary.agreements,
        before.summary.agreements + 1,
        "{fixed_text}"
    );
}

fn service(name: &str, ns: &str, resources: &str) -> String {
    format!(
        "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  workload:\n    service:\n      ports:\n        http:\n          port: 8080\n{resources}"
    )
}

#[test]
fn inbound_fix_appends_to_an_existing_resources_block() {
    let caller = service(
        "checkout",
        "shop",
        "    resources:\n      payments:\n        type: service\n",
    );
    let callee = service(
        "payments",
        "shop",
        "    resources:\n      orders:\n        type: service\n        direction: inbound\n",
    );
    assert_fixed(
        &[("checkout.yaml", caller), ("payments.yaml", callee)],
        Code::UnmatchedOutbound,
    );
}

#[test]
fn inbound_fix_follows_four_space_indentation() {
    let caller = service("checkout", "shop", "    resources:\n      payments: {}\n");
    let callee = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n    name: payments\n    namespace: shop\nspec:\n    workload:\n        resources:\n            orders:\n                direction: inbound\n".to_owned();
    let analysis = run(&[
        ("checkout.yaml", caller.clone()),
        ("payments.yaml", callee.clone()),
    ]);
    let fix = analysis.diagnostics[0].fix.as_ref().unwrap();
    assert_eq!(
        fix.insert,
        "            checkout:\n                type: service\n                direction: inbound\n"
    );
    assert_fixed(
        &[("checkout.yaml", caller), ("payments.yaml", callee)],
        Code::UnmatchedOutbound,
    );
}

#[test]
fn inbound_fix_creates_the_resources_block() {
    let caller = service(
        "checkout",
        "shop",
        "    resources:\n      payments:\n        type: service\n",
    );
    let callee = service("payments", "shop", "");
    assert_fixed(
        &[("checkout.yaml", caller), ("payments.yaml", callee)],
        Code::UnmatchedOutbound,
    );
}

#[test]
fn inbound_fix_creates_the_workload_block() {
    let caller = service(
        "checkout",
        "shop",
        "    resources:\n      payments:\n        type: service\n",
    );
    let callee = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: payments\n  namespace: shop\nspec:\n  replicas: 1\n".to_owned();
    let before = run(&[
        ("checkout.yaml", caller.clone()),
        ("payments.yaml", callee.clone()),
    ]);
    assert_eq!(
        before
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::UnmatchedOutbound)
            .count(),
        1
    );
    let files = vec![("checkout.yaml", caller), ("payments.yaml", callee)];
    let fixed = apply_fix(&files, &before, Code::UnmatchedOutbound);
    let after = run(&fixed);
    assert!(
        after.diagnostics.iter().all(|d| d.code == Code::NoPorts),
        "{:#?}",
        after.diagnostics
    );
    assert_eq!(after.summary.agreements, 1);
}

#[test]
fn fix_into_a_file_without_final_newline() {
    let caller = service(
        "checkout",
        "shop",
        "    resources:\n      payments:\n        type: service\n",
    );
    let callee = service(
        "payments",
        "shop",
        "    resources:\n      orders:\n        direction: inbound",
    );
    assert_fixed(
        &[("checkout.yaml", caller), ("payments.yaml", callee)],
        Code::UnmatchedOutbound,
    );
}

#[test]
fn cross_namespace_fix_names_the_namespace() {
    let caller = service(
        "frontend",
        "web",
        "    resources:\n      checkout:\n        namespace: shop\n",
    );
    let callee = service("checkout", "shop", "    resources:\n      cart: {}\n");
    let analysis = run(&[
        ("frontend.yaml", caller.clone()),
        ("checkout.yaml", callee.clone()),
    ]);
    let fix = analysis
        .diagnostics
        .iter()
        .find_map(|d| d.fix.as_ref())
        .unwrap();
    assert!(fix.insert.contains("namespace: web"), "{}", fix.insert);
    assert_fixed(
        &[("frontend.yaml", caller), ("checkout.yaml", callee)],
        Code::UnmatchedOutbound,
    );
}

#[test]
fn fix_never_collides_with_an_existing_key() {
    // payments already calls checkout under the key `checkout`; accepting it
    // needs a second entry, which must use another key and `id`.
    let caller = service("checkout", "shop", "    resources:\n      payments: {}\n");
    let callee = service("payments", "shop", "    resources:\n      checkout: {}\n");
    let analysis = run(&[
        ("checkout.yaml", caller.clone()),
        ("payments.yaml", callee.clone()),
    ]);
    let fix = analysis
        .diagnostics
        .iter()
        .find(|d| {
            d.code == Code::UnmatchedOutbound
                && d.fix
                    .as_ref()
                    .is_some_and(|f| analysis.sources.get(f.file).path == "payments.yaml")
        })
        .and_then(|d| d.fix.as_ref())
        .unwrap();
    assert!(
        fix.insert.contains("checkout-inbound:") && fix.insert.contains("id: checkout"),
        "{}",
        fix.insert
    );
}

#[test]
fn outbound_fix_for_a_stale_acceptance() {
    let caller = service("checkout", "shop", "");
    let callee = service(
        "payments",
        "shop",
        "    resources:\n      checkout:\n        direction: inbound\n",
    );
    assert_fixed(
        &[("checkout.yaml", caller), ("payments.yaml", callee)],
        Code::UnmatchedInbound,
    );
}

const MEMBER: &str = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeMeshMember\nmetadata:\n  name: prometheus\n  namespace: monitoring\nspec:\n  target:\n    selector:\n      app: prometheus\n  ports:\n    - port: 9090\n      name: web\n";

#[test]
fn mesh_member_fix_creates_allowed_callers_in_the_files_list_style() {
    let caller = service(
        "grafana",
        "monitoring",
        "    resources:\n      prometheus: {}\n",
    );
    let analysis = run(&[
        ("grafana.yaml", caller.clone()),
        ("prometheus.yaml", MEMBER.to_owned()),
    ]);
    let fix = analysis
        .diagnostics
        .iter()
        .find_map(|d| d.fix.as_ref())
        .unwrap();
    assert_eq!(fix.insert, "  allowedCallers:\n    - name: grafana\n");
    assert_fixed(
        &[
            ("grafana.yaml", caller),
            ("prometheus.yaml", MEMBER.to_owned()),
        ],
        Code::UnmatchedOutbound,
    );
}

#[test]
fn mesh_member_fix_appends_to_dependencies() {
    let member = format!("{MEMBER}  dependencies:\n    - name: orders\n      namespace: shop\n");
    let callee = service(
        "checkout",
        "shop",
        "    resources:\n      prometheus:\n        direction: inbound\n        namespace: monitoring\n",
    );
    let orders = service("orders", "shop", "");
    assert_fixed(
        &[
            ("prometheus.yaml", member),
            ("checkout.yaml", callee),
            ("orders.yaml", orders),
        ],
        Code::UnmatchedInbound,
    );
}

#[test]
fn no_fix_is_offered_for_flow_style_resources() {
    let caller = service("checkout", "shop", "    resources:\n      payments: {}\n");
    let callee = service(
        "payments",
        "shop",
        "    resources: {orders: {direction: inbound}}\n",
    );
    let analysis = run(&[("checkout.yaml", caller), ("payments.yaml", callee)]);
    let d = analysis
        .diagnostics
        .iter()
        .find(|d| d.code == Code::UnmatchedOutbound)
        .unwrap();
    assert!(d.fix.is_none());
    assert!(!d.help.is_empty());
}
