//! `apply` and `--from-cluster` against a real API server.
//!
//! The server is the one `tests/cluster/cluster.sh` starts (etcd and
//! kube-apiserver on loopback, the Lattice, Cilium and Istio CRDs
//! installed, and a second server without any CRD). `scripts/test.sh`
//! starts it, exports `LATTICE_TEST_KUBECONFIG` and
//! `LATTICE_TEST_BARE_KUBECONFIG` and runs these tests with
//! `--include-ignored`; without those variables the first test to need the
//! server starts one for this test binary, stopped when the binary exits.
//! Every test works in namespaces of its own, so they run in parallel and
//! can be run again against the same server. Changes made "by a user" go
//! through the real kubectl.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-lattice");

/// The kubeconfigs of the test API server: the one `scripts/test.sh`
/// started (`LATTICE_TEST_KUBECONFIG`), or else one started here for this
/// test binary, which `cluster.sh` stops once the binary has exited.
struct TestCluster {
    kubeconfig: String,
    bare_kubeconfig: String,
}

fn cluster() -> &'static TestCluster {
    static CLUSTER: OnceLock<TestCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        if let (Ok(kubeconfig), Ok(bare_kubeconfig)) = (
            std::env::var("LATTICE_TEST_KUBECONFIG"),
            std::env::var("LATTICE_TEST_BARE_KUBECONFIG"),
        ) {
            return TestCluster {
                kubeconfig,
                bare_kubeconfig,
            };
        }
        let dir = tempfile::Builder::new()
            .prefix("lattice-cluster-")
            .tempdir()
            .unwrap()
            .keep();
        let status = Command::new("bash")
            .arg(root().join("tests/cluster/cluster.sh"))
            .arg("start")
            .arg(&dir)
            .arg(std::process::id().to_string())
            .stdin(Stdio::null())
            .status()
            .expect("cannot run tests/cluster/cluster.sh");
        assert!(
            status.success(),
            "the test API server did not start (tests/cluster/cluster.sh start)"
        );
        TestCluster {
            kubeconfig: dir.join("apiserver.kubeconfig").display().to_string(),
            bare_kubeconfig: dir.join("bare.kubeconfig").display().to_string(),
        }
    })
}

fn kubeconfig() -> String {
    cluster().kubeconfig.clone()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A namespace no other test (or earlier run) uses, created.
fn namespace(test: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let ns = format!("{test}-{:x}{n}", nanos % 0xfffff);
    kubectl(&["create", "namespace", &ns]);
    ns
}

fn run(program: &str, args: &[&str], kubeconfig: &str) -> Output {
    Command::new(program)
        .args(args)
        .arg(format!("--kubeconfig={kubeconfig}"))
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// kubectl as the admin; panics when it fails.
fn kubectl(args: &[&str]) -> String {
    let out = run("kubectl", args, &kubeconfig());
    assert!(
        out.status.success(),
        "kubectl {args:?} failed: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// kubectl with a manifest on stdin.
fn kubectl_stdin(args: &[&str], manifest: &str) {
    let mut child = Command::new("kubectl")
        .args(args)
        .arg(format!("--kubeconfig={}", kubeconfig()))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), manifest.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        text(&out.stderr)
    );
}

/// The tool as the admin.
fn lattice(args: &[&str]) -> Output {
    lattice_as(&kubeconfig(), args)
}

/// The tool with `kubeconfig`; other commands refuse `--kubeconfig`
/// without `--from-cluster`, so they get none.
fn lattice_as(kubeconfig: &str, args: &[&str]) -> Output {
    if args[0] == "apply" || args.contains(&"--from-cluster") {
        run(BIN, args, kubeconfig)
    } else {
        Command::new(BIN).args(args).output().unwrap()
    }
}

#[track_caller]
fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// A `LatticeService`: `calls` outbound, `accepts` inbound, one port when
/// `port` is given (service port, target port).
fn service(
    ns: &str,
    name: &str,
    port: Option<(u16, u16)>,
    calls: &[&str],
    accepts: &[&str],
) -> String {
    let mut yaml = format!(
        "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: {name}\n  \
         namespace: {ns}\nspec:\n  replicas: 2\n  workload:\n    containers:\n      main:\n        \
         image: registry.example/{name}:1\n"
    );
    if let Some((port, target)) = port {
        let _ = write!(
            yaml,
            "    service:\n      ports:\n        http:\n          port: {port}\n          \
             targetPort: {target}\n"
        );
    }
    if !calls.is_empty() || !accepts.is_empty() {
        yaml.push_str("    resources:\n");
    }
    for peer in calls {
        let _ = write!(yaml, "      {peer}:\n        direction: outbound\n");
    }
    for peer in accepts {
        let _ = write!(yaml, "      {peer}:\n        direction: inbound\n");
    }
    yaml
}

/// A folder of spec files, one per `(name, yaml)`.
struct Specs(tempfile::TempDir);

impl Specs {
    fn new(files: &[(&str, String)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let specs = Specs(dir);
        specs.write(files);
        specs
    }

    fn write(&self, files: &[(&str, String)]) {
        for (name, yaml) in files {
            std::fs::write(self.0.path().join(format!("{name}.yaml")), yaml).unwrap();
        }
    }

    fn path(&self) -> &str {
        self.0.path().to_str().unwrap()
    }
}

/// `checkout -> payments` and `cart -> payments` in `ns`.
fn shop(ns: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "checkout",
            service(ns, "checkout", Some((80, 8080)), &["payments"], &[]),
        ),
        (
            "cart",
            service(ns, "cart", Some((80, 8081)), &["payments"], &[]),
        ),
        (
            "payments",
            service(
                ns,
                "payments",
                Some((443, 8443)),
                &[],
                &["checkout", "cart"],
            ),
        ),
    ]
}

fn get_json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    serde_json::from_str(&kubectl(&all)).unwrap()
}

fn exists(kind: &str, ns: &str, name: &str) -> bool {
    let out = run("kubectl", &["get", kind, "-n", ns, name], &kubeconfig());
    out.status.success()
}

/// Lines of `apply` output as (object, verb).
fn lines(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .map(|line| {
            let mut words = line.splitn(3, ' ');
            let kind = words.next().unwrap_or_default();
            let name = words.next().unwrap_or_default();
            (
                format!("{kind} {name}"),
                words.next().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn verb_of<'a>(lines: &'a [(String, String)], object: &str) -> Vec<&'a str> {
    lines
        .iter()
        .filter(|(o, _)| o == object)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
#[ignore = "needs the test API server: scripts/test.sh starts it"]
fn the_examples_apply_and_a_second_apply_changes_nothing() {
    let root = root();
    let shop = root.join("examples/shop");
    let shop = shop.to_str().unwrap();
    kubectl(&["apply", "-f", &format!("{shop}/namespaces.yaml")]);

    let first = lines(&ok(&lattice(&["apply", shop])));
    let compiled: Value =
        serde_json::from_str(&ok(&lattice(&["compile", shop, "-o", "json"]))).unwrap();
    let items = compiled["items"].as_array().unwrap();
    assert_eq!(first.len(), items.len(), "one line per compiled object");
    assert!(
        first
            .iter()
            .all(|(_, verb)| verb == "created" || verb == "unchanged"),
        "{first:?}"
    );

    // What the server stored is what was compiled: no field was pruned by
    // the CRDs' schemas, and the strict field validation of the apply
    // accepted every one.
    for item in items {
        let kind = item["kind"].as_str().unwrap();
        let name = item["metadata"]["name"].as_str().unwrap();
        let live = match item["metadata"]["namespace"].as_str() {
            Some(ns) => get_json(&["get", kind, "-n", ns, name]),
            None => get_json(&["get", kind, name]),
        };
        assert_eq!(live["spec"], item["spec"], "{kind} {name}");
        assert_eq!(
            live["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "kubectl-lattice"
        );
    }

    let second = lines(&ok(&lattice(&["apply", shop])));
    assert_eq!(second.len(), items.len());
    assert!(
        second.iter().all(|(_, verb)| verb == "unchanged"),
        "{second:?}"
    );
}

#[test]
#[ignore = "needs the test API server: scripts/test.sh starts it"]
fn specs_with_errors_apply_nothing_unless_partial_output_is_allowed() {
    let ns = namespace("partial");
    let mut files = shop(&ns);
    files.push((
        "broken",
        service(&ns, "broken", Some((80, 8080)), &["payments"], &[])
            .replace("outbound", "sideways"),
    ));
    let specs = Specs::new(&files);

    let refused = lattice(&["apply", specs.path()]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("nothing was applied"));
    assert!(!exists("ciliumnetworkpolicies", &ns, "lattice-checkout"));

    ok(&lattice(&["apply", specs.path(), "--allow-partial"]));
    assert!(exists("ciliumnetworkpolicies", &ns, "lattice-checkout"));
}

#[test]
#[ignore = "needs the test API server: scripts/test.sh starts it"]
fn prune_deletes_what_no_agreement_needs_and_nothing_else() {
    let ns = namespace("prune");
    let specs = Specs::new(&shop(&ns));
    ok(&lattice(&["apply", specs.path()]));
    assert!(exists("ciliumnetworkpolicies", &ns, "lattice-cart"));

    // A policy nobody generated, and one that carries the managed-by label
    // but no owner: prune must leave both alone.
    kubectl_stdin(
        &["apply", "-f", "-"],
        &format!(
            "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: hand-made\n  \
             namespace: {ns}\nspec:\n  endpointSelector: {{}}\n  ingress:\n    - {{}}\n---\n\
             apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: labelled\n  \
             namespace: {ns}\n  labels:\n    app.kubernetes.io/managed-by: kubectl-lattice\n\
             spec:\n  endpointSelector: {{}}\n  ingress:\n    - {{}}\n"
        ),
    );

    // cart no longer calls payments: that agreement is gone.
    specs.write(&[
        ("cart", service(&ns, "cart", Some((80, 8081)), &[], &[])),
        (
            "payments",
            service(&ns, "payments", Some((443, 8443)), &[], &["checkout"]),
        ),
    ]);
    let without_prune = lines(&ok(&lattice(&["apply", specs.path()])));
    assert!(
        verb_of(
            &without_prune,
            &format!("CiliumNetworkPolicy {ns}/lattice-cart")
        )
        .is_empty()
    );
    assert!(
        exists("ciliumnetworkpolicies", &ns, "lattice-cart"),
        "kept without --prune"
    );

    let pruned = lines(&ok(&lattice(&["apply", specs.path(), "--prune"])));
    assert_eq!(
        verb_of(&pruned, &format!("CiliumNetworkPolicy {ns}/lattice-cart")),
        ["deleted"]
    );
    assert!(!exists("ciliumnetworkpolicies", &ns, "lattice-cart"));
    assert!(exists("ciliumnetworkpolicies", &ns, "lattice-checkout"));
    assert!(exists("ciliumnetworkpolicies", &ns, "hand-made"));
    assert!(exists("ciliumnetworkpolicies", &ns, "labelled"));
    let payments = get_json(&[
        "get",
        "authorizationpolicies",
        "-n",
        &ns,
        "lattice-payments",
    ]);
    assert_eq!(
        payments["metadata"]["annotations"]["lattice.dev/agreements"],
        format!("{ns}/checkout->{ns}/payments")
    );

    let empty = tempfile::tempdir().unwrap();
    let refused = lattice(&["apply", empty.path().to_str().unwrap(), "--prune"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("no Lattice specs were read"));

    let again = lines(&ok(&lattice(&["apply", specs.path(), "--prune"])));
    assert!(
        again.iter().all(|(_, verb)| verb == "unchanged"),
        "{again:?}"
    );
}

#[test]
#[ignore = "needs the test API server: scripts/test.sh starts it"]
fn a_change_to_a_callee_reapplies_its_callers_allows_first() {
    let ns = namespace("callee");
    let specs = Specs::new(&shop(&ns));
    ok(&lattice(&["apply", specs.path()]));

    // payments moves to another target port: every caller's egress rule
    // names that port, so checkout's and cart's policies change too.
    specs.write(&[(
        "payments",
        service(
            &ns,
            "payments",
            Some((443, 9443)),
            &[],
            &["checkout", "cart"],
        ),
    )]);
    let out = lines(&ok(&lattice(&["apply", specs.path()])));
    for caller in ["checkout", "cart"] {
        let object = format!("CiliumNetworkPolicy {ns}/lattice-{caller}");
        assert_eq!(
            verb_of(&out, &object),
            [
                "configured (new allows added)",
                "configured (old allows removed)"
            ],
            "{out:?}"
        );
        let live = get_json(&[
            "get",
            "ciliumnetworkpolicies",
            "-n",
            &ns,
            &format!("lattice-{caller}"),
        ]);
        assert!(
            live["spec"]["egress"].to_string().contains("\"9443\""),
            "{live}"
        );
        assert!(
            !live["spec"]["egress"].to_string().contains("\"8443\""),
            "{live}"
        );
    }
    assert!(
        verb_of(&out, &format!("CiliumNetworkPolicy {ns}/lattice-payments"))
            .contains(&"configured (new allows added)")
    );

    // Every write that adds allows comes before every write that removes some.
    let first_removal = out
        .iter()
        .position(|(_, verb)| verb.contains("removed"))
        .expect("something narrowed");
    let last_addition = out
        .iter()
        .rposition(|(_, verb)| verb.contains("added") || verb == "created")
        .expect("something widened");
    assert!(last_addition < first_removal, "{out:?}");
}

#[test]
#[ignore = "needs the test API server: scripts/test.sh starts it"]
fn dry_runs_change_nothing() {
    let ns = namespace("dryrun");
    let specs = Specs::new(&shop(&ns));

    let client = ok(&lattice(&["apply", specs.path(), "--dry-run=client"]));
    assert!(client.contains("kind: CiliumNetworkPolicy"), "{client}");
    let server = ok(&lattice(&["apply", specs.path(), "--dry-run=server"]));
    assert!(
        server.contains(&format!(
            "+++ applied/CiliumNetworkPolicy/{ns}/lattice-checkout"
        )),
        "{server}"
    );
    assert!(!exists("ciliumnetworkpolicies", &ns, "lattice-checkout"));

    ok(&lattice(&["apply", specs.path()]));
    let before = get_json(&[
        "get",
        "ciliumnetworkpolicies",
        "-n",
        &ns,
        "lattice-checkout",
    ]);
    specs.write(&[(
        "payments",
        service(
            &ns,
            "payments",
            Some((443, 9443)),
            &[],
            &["checkout", "cart"],
        ),
    )]);
    let server = ok(&lattice(&[
        "apply",
        specs.path(),
        "--dry-run=server",
        "--prune",
    ]));
    let changed = |sign: char, port: &str| {
        server
            .lines()
            .any(|l| l.starts_with(sign) && l.ends_with(&format!("port: \"{port}\"")))
    };
    assert!(changed('-', "8443") && changed('+', "9443"), "{server}");
    let after = get_json(&[
        "get",
        "ciliumnetworkpolicies",
        "-n",
        &ns,
        "lattice-checkout",
    ]);
    assert_eq!(
        before["metadata"]["resourceVersion"],
        after["metadata"]["resourceVersion"]
    );
}

/// A kubeconfig for a new service account bound to `role`, with a token
/// from the `TokenRequest` API.
fn service_account(ns: &str, role: &str) -> tempfile::NamedTempFile {
    let account = "applier";
    kubectl(&["-n", ns, "create", "serviceaccount", account]);
    kubectl(&[
        "create",
        "clusterrolebinding",
        &format!("{ns}-{account}"),
        &format!("--clusterrole={role}"),
        &format!("--serviceaccount={ns}:{account}"),
    ]);
    let token = kubectl(&["-n", ns, "create", "token", account]);
    let admin = std::fs::read_to_string(kubeconfig()).unwrap();
    let config: String = admin
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("token:") {
                format!("      token: {}\n", token.trim())
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), config).unwrap();
    file
}

/// The `ClusterRole` of `deploy/rbac.yaml` under another name, without `verb`
/// on `resource`.
fn role_without(name: &str, resource: &str, verb: &str) {
    let rbac = std::fs::read_to_string(root().join("deploy/rbac.yaml")).unwrap();
    let mut out = String::new();
    let mut in_rule_for_resource = false;
    for line in rbac.lines() {
        if line.contains("resources:") {
            in_rule_for_resource = line.contains(resource);
        }
        if line.contains("name: kubectl-lattice") && !line.contains("app.kubernetes.io") {
            let _ = writeln!(out, "  name: {name}");
            continue;
        }
        if in_rule_for_resource && line.contains("verbs:") {
            out.push_str(
                &line
                    .replace(&format!(", {verb}"), "")
                    .replace(&format!("{verb}, "), ""),
            );
            out.push('\n');
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    kubectl_stdin(&["apply", "-f", "-"], &out);
}

#[test]
#[ignore = "needs the test API server: scripts/test.sh starts it"]
fn the_least_role_is_enough_to_apply_prune_and_read() {
    let ns = namespace("rbac");
    kubectl(&[
        "apply",
        "-f",
        root().join("deploy/rbac.yaml").to_str().unwrap(),
    ]);
    let account = service_account(&ns, "kubectl-lattice");
    let account = account.path().to_str().unwrap();

    let specs = Specs::new(&shop(&ns));
    ok(&lattice_as(account, &["apply", specs.path(), "--prune"]));
    specs.write(&[("cart", service(&ns, "cart", Some((80, 8081)), &[], &[]))]);
    let out = lines(&ok(&lattice_as(
        account,
        &["apply", specs.path(), "--prune"],
    )));
    assert_eq!(
        verb_of(&out, &format!("CiliumNetworkPolicy {ns}/lattice-cart")),
        ["deleted"]
    );

    for (_, yaml) in shop(&ns) {
        kubectl_stdin(&["apply", "-f", "-"], &yaml);
    }
    ok(&lattice_as(
        account,
        &["check", "--from-cluster", "-n", &ns],
    ));
    ok(&lattice_as(
        account,
        &["apply", "--from-cluster", "-n", &ns, "--dry-run=server"],
    ));
}

#[test]
#[ignore = "needs the test API server: scripts/test.sh starts it"]
fn an_rbac_denial_names_the_verb_and_resource_and_what_was_applied() {
    let ns = namespace("denied");
    let no_delete = format!("{ns}-no-delete");
    role_without(&no_delete, "ciliumnetworkpolicies", "delete");
    let account = service_account(&ns, &no_delete);
    let account = account.path().to_str().unwrap();

    let specs = Specs::new(&shop(&ns));
    ok(&lattice_as(account, &["apply", specs.path()]));
    specs.write(&[
        ("cart", service(&ns, "cart", Some((80, 8081)), &[], &[])),
        (
            "payments",
            service(&ns, "payments", Some((443, 8443)), &[], &["checkout"]),
        ),
    ]);
    let out = lattice_as(account, &["apply", specs.path(), "--prune"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("may not delete ciliumnetworkpolicies.cilium.io in namespace"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("system:serviceaccount:{ns}:applier")),
        "{stderr}"
    );
    assert!(stderr.contains("applied before the error:"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "  AuthorizationPolicy {ns}/lattice-payments configured"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("not applied:"), "{stderr}");
    assert!(
        stderr.contains(&format!("  CiliumNetworkPolicy {ns}/lattice-cart")),
        "{stderr}"
    );
    assert!(exists("ciliumnetworkpolicies", &ns, "lattice-cart"));

    let read_only = format!("{ns}-no-patch");
    role_without(&read_only, "authorizationpolicies", "patch");
    let ns2 = namespace("denied2");
    let account = service_account(&ns2, &read_only);
    let specs = Specs::new(&shop(&ns2));
    let out = lattice_as(account.path().to_str().unwrap(), &["apply", specs.path()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("may not patch authorizationpolicies.security.istio.io"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was applied"), "{stderr}");
    assert!(!exists("ciliumnetworkpolicies", &ns2, "lattice-checkout"));
}

#[test]
#[ignore = "needs the test API server: scripts/test.sh starts it"]
fn a_field_owned_by_another_manager_is_a_conflict() {
    let ns = namespace("conflict");
    // Someone made checkout's policy by hand, selecting other pods.
    kubectl_stdin(
        &["create", "-f", "-"],
        &format!(
            "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: \
             lattice-checkout\n  namespace: {ns}\nspec:\n  endpointSelector:\n    matchLabels:\n      \
             app.kubernetes.io/name: legacy-checkout\n  egress:\n    - {{}}\n"
        ),
    );
    let specs = Specs::new(&shop(&ns));
    let out = lattice(&["apply", specs.path()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "CiliumNetworkPolicy {ns}/lattice-checkout has fields that another field manager set"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("kubectl-create"), "{stderr}");
    assert!(stderr.contains("--force-conflicts"), "{stderr}");
    assert!(stderr.contains("nothing was applied"), "{stderr}");
    assert!(!exists("ciliumnetworkpolicies", &ns, "lattice-cart"));

    ok(&lattice(&["apply", specs.path(), "--force-conflicts"]));
    let live = get_json(&[
        "get",
        "ciliumnetworkpolicies",
        "-n",
        &ns,
        "lattice-checkout",
    ]);
    assert_eq!(
        live["spec"]["endpointSelector"]["matchLabels"]["app.kubernetes.io/name"],
        "checkout"
    );
}

#[test]
fn an_unreachable_api_server_is_a_clear_error() {
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        config.path(),
        "apiVersion: v1\nkind: Config\nclusters:\n  - name: gone\n    cluster:\n      server: \
         https://127.0.0.1:9\ncontexts:\n  - name: gone\n    context:\n      cluster: gone\n      \
         user: nobody\nusers:\n  - name: nobody\n    user:\n      token: x\ncurrent-context: gone\n",
    )
    .unwrap();
    let specs = Specs::new(&shop("shop"));
    let config = config.path().to_str().unwrap();
    for args in [vec!["apply", specs.path()], vec!["check", "--from-cluster"]] {
        let out = lattice_as(config, &args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot reach the API server at https://127.0.0.1:9"),
            "{stderr}"
        );
        if args[0] == "apply" {
            assert!(stderr.contains("nothing was applied"), "{stderr}");
        }
    }
}

#[test]
#[ignore = "needs the test API server: scripts/test.sh starts it"]
fn missing_crds_say_what_to_install() {
    let bare = cluster().bare_kubeconfig.clone();
    let specs = Specs::new(&shop("default"));

    let out = lattice_as(&bare, &["apply", specs.path()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("CiliumNetworkPolicy (cilium.io/v2)"),
        "{stderr}"
    );
    assert!(stderr.contains("install Cilium"), "{stderr}");
    assert!(
        stderr.contains("AuthorizationPolicy (security.istio.io/v1)"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was applied"), "{stderr}");

    let out = lattice_as(&bare, &["graph", "--from-cluster", "-A"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("LatticeService (lattice.dev/v1alpha1)"),
        "{stderr}"
    );
    assert!(stderr.contains("kubectl apply -f deploy/crds/"), "{stderr}");
}

#[test]
#[ignore = "needs the test API server: scripts/test.sh starts it"]
fn commands_read_specs_from_the_cluster_and_name_the_objects() {
    let ns = namespace("read");
    let files = shop(&ns);
    let specs = Specs::new(&files);
    for (_, yaml) in &files {
        kubectl_stdin(&["apply", "-f", "-"], yaml);
    }
    // A half: orders calls payments, which does not accept it.
    kubectl_stdin(
        &["apply", "-f", "-"],
        &service(&ns, "orders", Some((80, 8080)), &["payments"], &[]),
    );
    specs.write(&[(
        "orders",
        service(&ns, "orders", Some((80, 8080)), &["payments"], &[]),
    )]);

    let from_cluster = ok(&lattice(&[
        "compile",
        "--from-cluster",
        "-n",
        &ns,
        "--allow-partial",
    ]));
    let from_files = ok(&lattice(&["compile", specs.path(), "--allow-partial"]));
    assert_eq!(from_cluster, from_files, "the same specs compile the same");

    let check = lattice(&["check", "--from-cluster", "-n", &ns, "-o", "json"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stderr));
    let report: Value = serde_json::from_slice(&check.stdout).unwrap();
    let diagnostic = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "unmatched-outbound")
        .expect("the half is reported");
    assert_eq!(diagnostic["file"], format!("LatticeService {ns}/orders"));
    assert!(diagnostic["line"].as_u64().unwrap() > 1);
    let text_report = lattice(&["check", "--from-cluster", "-n", &ns, "--color=never"]);
    let expected = format!("--> LatticeService {ns}/orders:");
    let location = text(&text_report.stdout)
        .lines()
        .find(|l| l.contains(&expected))
        .map(str::to_owned)
        .unwrap_or_default();
    assert!(
        location.ends_with("(spec.workload.resources.payments)"),
        "the position names the field: {location:?}"
    );

    let explain = lattice(&[
        "explain",
        &format!("{ns}/checkout"),
        &format!("{ns}/payments"),
        "--from-cluster",
        "-n",
        &ns,
    ]);
    assert_eq!(explain.status.code(), Some(0), "{}", text(&explain.stderr));
    let path = lattice(&[
        "path",
        &format!("{ns}/cart"),
        &format!("{ns}/payments"),
        "--from-cluster",
        "-n",
        &ns,
    ]);
    assert_eq!(path.status.code(), Some(0), "{}", text(&path.stderr));
    let graph = ok(&lattice(&["graph", "--from-cluster", "-A", "-o", "json"]));
    assert!(graph.contains(&format!("{ns}/checkout")), "{graph}");
}

#[test]
#[ignore = "needs the test API server: scripts/test.sh starts it"]
fn watch_applies_again_when_a_spec_is_edited_with_kubectl() {
    let ns = namespace("watch");
    // checkout calls payments, which does not accept it yet: no agreement.
    kubectl_stdin(
        &["apply", "-f", "-"],
        &service(&ns, "checkout", Some((80, 8080)), &["payments"], &[]),
    );
    kubectl_stdin(
        &["apply", "-f", "-"],
        &service(&ns, "payments", Some((443, 8443)), &[], &[]),
    );
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(BIN)
        .args(["apply", "--watch", "--from-cluster", "-n", &ns])
        .arg(format!("--kubeconfig={}", kubeconfig()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    let wait_for = |what: &dyn Fn() -> bool, why: &str| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !what() {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {why}; log:\n{}",
                std::fs::read_to_string(log.path()).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    let log_text = || std::fs::read_to_string(log.path()).unwrap_or_default();
    wait_for(&|| log_text().contains("applied"), "the first apply");
    assert!(!exists("ciliumnetworkpolicies", &ns, "lattice-checkout"));

    // The user accepts checkout in payments' spec.
    kubectl(&[
        "-n",
        &ns,
        "patch",
        "latticeservices",
        "payments",
        "--type=merge",
        "-p",
        r#"{"spec":{"workload":{"resources":{"checkout":{"direction":"inbound"}}}}}"#,
    ]);
    wait_for(
        &|| exists("ciliumnetworkpolicies", &ns, "lattice-checkout"),
        "checkout's policy",
    );
    assert!(exists("authorizationpolicies", &ns, "lattice-payments"));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    let log = log_text();
    assert_eq!(exit.code(), Some(0), "{log}");
    assert!(log.contains("spec changed"), "{log}");
    assert!(
        log.contains(&format!("LatticeService {ns}/payments")),
        "{log}"
    );
    assert!(log.contains("SIGTERM"), "{log}");
}

#[test]
#[ignore = "needs the test API server: scripts/test.sh starts it"]
fn a_missing_namespace_is_named_and_nothing_is_applied() {
    let specs = Specs::new(&shop("no-such-namespace"));
    let out = lattice(&["apply", specs.path()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("namespace `no-such-namespace` does not exist"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was applied"), "{stderr}");
}
