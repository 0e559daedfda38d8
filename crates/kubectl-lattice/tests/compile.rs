//! `compile` through the binary: stdout holds exactly the core's policies,
//! warnings and left-out documents go to stderr, faulty documents stop the
//! output unless `--allow-partial`, and `--out-dir` writes one file per
//! object.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lattice_core::compile::{CompileOptions, compile};
use lattice_core::{Input, InputContent, Options, analyze};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn kubectl_lattice(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-lattice"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// The core's YAML for the spec files under `dir`, read in any order.
fn core_yaml(dir: &Path, options: &CompileOptions) -> String {
    core_compiled(dir, options).to_yaml()
}

/// The core's compilation of the spec files under `dir`, read in any order.
fn core_compiled(dir: &Path, options: &CompileOptions) -> lattice_core::compile::Compiled {
    let mut inputs = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(next) = stack.pop() {
        for entry in fs::read_dir(&next).expect("a readable folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                inputs.push(Input {
                    content: InputContent::Bytes(fs::read(&path).expect("readable")),
                    path: path.display().to_string(),
                });
            }
        }
    }
    compile(&analyze(inputs, &Options::default()), options)
}

/// A copy of the shop example whose payments spec has a wrong field.
fn faulty_shop() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for entry in fs::read_dir(examples().join("shop")).expect("the example") {
        let path = entry.expect("an entry").path();
        let target = dir.path().join(path.file_name().expect("a name"));
        if path.is_dir() {
            fs::create_dir(&target).expect("a folder");
            for file in fs::read_dir(&path).expect("a team folder") {
                let file = file.expect("an entry").path();
                let copy = target.join(file.file_name().expect("a name"));
                fs::copy(&file, copy).expect("a copy");
            }
        } else {
            fs::copy(&path, target).expect("a copy");
        }
    }
    let payments = dir.path().join("commerce/payments.yaml");
    let text = fs::read_to_string(&payments).expect("payments.yaml");
    fs::write(
        &payments,
        text.replace("targetPort: 8443", "targetPort: https"),
    )
    .expect("payments.yaml is writable");
    dir
}

#[test]
fn the_shop_compiles_to_the_cores_policies_on_stdout_only() {
    let output = kubectl_lattice(&examples(), &["compile", "shop"]);

    assert_eq!(output.status.code(), Some(0));
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
    let expected = core_yaml(&examples().join("shop"), &CompileOptions::default());
    assert_eq!(text(&output.stdout), expected);
    assert!(expected.starts_with("---\napiVersion: security.istio.io/v1\n"));
}

#[test]
fn json_output_is_a_list_of_the_same_objects() {
    let yaml = kubectl_lattice(&examples(), &["compile", "shop"]);
    let json = kubectl_lattice(&examples(), &["compile", "shop", "-o", "json"]);

    assert_eq!(json.status.code(), Some(0));
    let list: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(list["kind"], "List");
    let documents = text(&yaml.stdout).matches("---\n").count();
    assert_eq!(list["items"].as_array().expect("items").len(), documents);
    let expected = core_compiled(&examples().join("shop"), &CompileOptions::default()).to_json();
    assert_eq!(text(&json.stdout), expected);
}

#[test]
fn flags_reach_the_compiler() {
    let output = kubectl_lattice(
        &examples(),
        &[
            "compile",
            "shop",
            "--no-baseline",
            "--trust-domain",
            "prod.example",
            "--system-namespace",
            "ops",
            "--system-namespace",
            "ci",
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    let options = CompileOptions {
        no_baseline: true,
        trust_domain: "prod.example".to_owned(),
        system_namespaces: vec!["ops".to_owned(), "ci".to_owned()],
        ..CompileOptions::default()
    };
    assert_eq!(
        text(&output.stdout),
        core_yaml(&examples().join("shop"), &options)
    );
    assert!(!text(&output.stdout).contains("lattice-default-deny"));

    let output = kubectl_lattice(
        &examples(),
        &[
            "compile",
            "shop",
            "--mesh-wide-baseline",
            "--istio-root-namespace",
            "mesh",
            "--system-namespace",
            "ops",
            "--cilium-namespace",
            "cilium",
        ],
    );
    let stdout = text(&output.stdout);
    assert_eq!(stdout.matches("name: lattice-default-deny\n").count(), 2);
    assert!(stdout.contains("  namespace: mesh\nspec: {}\n"), "{stdout}");
    assert!(stdout.contains("          - cilium\n          - istio-system\n"));
    assert!(stdout.contains("          - ops\n"));

    let bad = kubectl_lattice(
        &examples(),
        &["compile", "shop", "--system-namespace", "Ops"],
    );
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn wildcards_are_warned_about_on_stderr() {
    let output = kubectl_lattice(&examples(), &["compile", "mistakes"]);

    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        text(&output.stderr),
        "warning: mistakes/status-page.yaml:22: shop/legacy-billing -> shop/status-page is \
         allowed through a wildcard acceptance of shop/status-page\n"
    );
    assert!(text(&output.stdout).contains("name: lattice-status-page\n"));
}

#[test]
fn a_faulty_document_stops_the_output_unless_partial_output_is_allowed() {
    let dir = faulty_shop();

    let refused = kubectl_lattice(dir.path(), &["compile", "."]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(refused.stdout.is_empty());
    let stderr = text(&refused.stderr);
    assert!(
        stderr.starts_with(
            "error: commerce/payments.yaml:5: LatticeService commerce/payments has errors and \
             produces no policy; agreements left out: commerce/checkout->commerce/payments, "
        ),
        "{stderr}"
    );
    assert!(stderr.ends_with("or pass --allow-partial\n"), "{stderr}");

    let partial = kubectl_lattice(dir.path(), &["compile", ".", "--allow-partial"]);
    assert_eq!(partial.status.code(), Some(0));
    assert!(text(&partial.stderr).starts_with("warning: commerce/payments.yaml:5: "));
    let stdout = text(&partial.stdout);
    assert!(stdout.contains("name: lattice-checkout\n"));
    assert!(!stdout.contains("name: lattice-payments\n"));
}

#[test]
fn out_dir_holds_one_file_per_object() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("policies");
    let output = kubectl_lattice(
        &examples(),
        &[
            "compile",
            "shop",
            "--out-dir",
            out.to_str().expect("UTF-8 path"),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(output.stdout.is_empty());

    let stream = text(&kubectl_lattice(&examples(), &["compile", "shop"]).stdout);
    let documents: BTreeSet<String> = stream
        .split_inclusive('\n')
        .fold(Vec::<String>::new(), |mut docs, line| {
            if line == "---\n" {
                docs.push(String::new());
            }
            docs.last_mut()
                .expect("the stream starts with ---")
                .push_str(line);
            docs
        })
        .into_iter()
        .collect();
    let mut names = Vec::new();
    let mut files = BTreeSet::new();
    for entry in fs::read_dir(&out).expect("the folder was made") {
        let path = entry.expect("an entry").path();
        names.push(
            path.file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned(),
        );
        files.insert(fs::read_to_string(&path).expect("readable"));
    }
    assert_eq!(files, documents);
    assert!(names.contains(&"ciliumnetworkpolicy_commerce_lattice-checkout.yaml".to_owned()));
    assert!(names.contains(&"ciliumclusterwidenetworkpolicy_lattice-default-deny.yaml".to_owned()));

    let json_dir = dir.path().join("json");
    let output = kubectl_lattice(
        &examples(),
        &[
            "compile",
            "shop",
            "-o",
            "json",
            "--out-dir",
            json_dir.to_str().expect("UTF-8"),
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    let checkout = fs::read(json_dir.join("authorizationpolicy_commerce_lattice-checkout.json"))
        .expect("one JSON file per object");
    let object: serde_json::Value = serde_json::from_slice(&checkout).expect("JSON");
    assert_eq!(object["spec"]["action"], "ALLOW");
}

#[test]
fn a_missing_path_is_an_error() {
    let output = kubectl_lattice(&examples(), &["compile", "no/such/specs"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}
