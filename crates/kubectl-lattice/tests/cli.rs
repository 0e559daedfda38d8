//! The binary as scripts see it: exit codes, where messages go, and that
//! every output format is produced whole.

use std::fs;
use std::process::{Command, Output};

fn kubectl_lattice(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-lattice"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn help_describes_the_check_command() {
    let output = kubectl_lattice(&["--help"]);

    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("check"));
    assert!(stdout(&output).contains("Usage: kubectl lattice"));
}

#[test]
fn version_is_the_crate_version() {
    let output = kubectl_lattice(&["--version"]);

    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_missing_path_exits_2_naming_it() {
    let output = kubectl_lattice(&["check", "no/such/specs"]);

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with("error: path `no/such/specs` does not exist"));
    assert!(output.stdout.is_empty());
}

#[test]
fn an_unknown_output_format_is_a_usage_error() {
    let output = kubectl_lattice(&["check", "-o", "bogus"]);

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("bogus"));
}

#[test]
fn from_cluster_without_a_kubeconfig_says_which_file() {
    let output = kubectl_lattice(&[
        "check",
        "--from-cluster",
        "--kubeconfig",
        "no/such/kubeconfig",
    ]);

    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("error: cannot use the kubeconfig"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn from_cluster_and_paths_together_are_a_usage_error() {
    let output = kubectl_lattice(&["check", "specs", "--from-cluster"]);

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("leave out the paths"));
}

#[test]
fn cluster_flags_without_from_cluster_are_usage_errors() {
    for flags in [&["--context", "prod"][..], &["--kubeconfig", "k"], &["-A"]] {
        let mut args = vec!["check"];
        args.extend_from_slice(flags);
        let output = kubectl_lattice(&args);
        assert_eq!(output.status.code(), Some(2), "{flags:?}");
    }
}

#[test]
fn a_bad_namespace_is_a_usage_error() {
    let output = kubectl_lattice(&["check", "-n", "Not_A_Label"]);

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("not a namespace name"));
}

#[test]
fn an_empty_folder_is_clean_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();

    let output = kubectl_lattice(&["check", dir.path().to_str().unwrap()]);

    assert_eq!(output.status.code(), Some(0));
    assert!(stderr(&output).starts_with("warning: no *.yaml or *.yml files found"));
    assert!(stdout(&output).starts_with("ok: "));
}

#[test]
fn json_output_is_one_object_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("other.yaml"),
        "apiVersion: v1\nkind: ConfigMap\n",
    )
    .unwrap();

    let output = kubectl_lattice(&["check", "-o", "json", dir.path().to_str().unwrap()]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["files"], 1);
    assert!(report["diagnostics"].is_array());
}

#[test]
fn sarif_output_names_every_rule() {
    let dir = tempfile::tempdir().unwrap();

    let output = kubectl_lattice(&["check", "-o", "sarif", dir.path().to_str().unwrap()]);

    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), lattice_core::Code::ALL.len());
}

#[test]
fn text_is_plain_when_piped() {
    let dir = tempfile::tempdir().unwrap();

    let auto = kubectl_lattice(&["check", dir.path().to_str().unwrap()]);
    let always = kubectl_lattice(&["check", "--color", "always", dir.path().to_str().unwrap()]);

    assert!(!stdout(&auto).contains('\x1b'));
    assert!(stdout(&always).contains('\x1b'));
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_exits_2_after_reporting_everything() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.yaml"),
        "apiVersion: v1\nkind: ConfigMap\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("gone.yaml", dir.path().join("b.yaml")).unwrap();

    let output = kubectl_lattice(&["check", "-o", "json", dir.path().to_str().unwrap()]);

    assert_eq!(output.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["files"], 2);
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"io-error"), "{codes:?}");
}

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");

#[test]
fn errors_in_the_specs_exit_1() {
    let output = kubectl_lattice(&["check", &format!("{EXAMPLES}/mistakes")]);

    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stdout(&output)
            .lines()
            .last()
            .unwrap()
            .starts_with("error: ")
    );
}

#[test]
fn clean_specs_exit_0() {
    let output = kubectl_lattice(&["check", &format!("{EXAMPLES}/shop")]);

    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).starts_with("ok: "));
}

#[test]
fn warnings_alone_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let spec = "\
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
  name: status
spec:
  workload:
    resources:
      anyone:
        id: \"*\"
        direction: inbound
    service:
      ports:
        http:
          port: 8080
";
    fs::write(dir.path().join("status.yaml"), spec).unwrap();

    let output = kubectl_lattice(&["check", dir.path().to_str().unwrap()]);

    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("warning[wildcard]"));
}
