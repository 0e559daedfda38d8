//! Hostile or broken input that cannot be committed as a fixture: a 50 MB
//! file, a symlink loop. Each gets a diagnostic naming the file, the other
//! files are still analyzed, and nothing panics.

use std::fmt::Write as _;
use std::fs;
use std::process::{Command, Output};

fn check_json(args: &[&str], dir: &std::path::Path) -> (Output, serde_json::Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_kubectl-lattice"))
        .args(["check", "-o", "json"])
        .args(args)
        .arg(dir)
        .output()
        .expect("the binary runs");
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&output.stderr));
    });
    (output, report)
}

fn good_pair(dir: &std::path::Path) {
    let spec = |name: &str, resources: &str| {
        format!(
            "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: {name}\nspec:\n  workload:\n    service:\n      ports:\n        http:\n          port: 80\n    resources:\n{resources}"
        )
    };
    fs::write(dir.join("a.yaml"), spec("a", "      b: {}\n")).unwrap();
    fs::write(
        dir.join("b.yaml"),
        spec("b", "      a: {direction: inbound}\n"),
    )
    .unwrap();
}

/// About 50 MB of valid YAML: one big ConfigMap-like document.
fn fifty_megabytes() -> String {
    let mut text =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n");
    let mut i = 0;
    while text.len() < 50 * 1024 * 1024 {
        writeln!(text, "  key-{i}: \"{}\"", "x".repeat(100)).unwrap();
        i += 1;
    }
    text
}

#[test]
fn a_50_megabyte_file_is_refused_by_default_and_named() {
    let dir = tempfile::tempdir().unwrap();
    good_pair(dir.path());
    fs::write(dir.path().join("huge.yaml"), fifty_megabytes()).unwrap();

    let (output, report) = check_json(&[], dir.path());

    assert_eq!(output.status.code(), Some(1));
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "file-too-large");
    assert!(d["file"].as_str().unwrap().ends_with("huge.yaml"));
    assert!(d["message"].as_str().unwrap().contains("50.0 MiB"), "{d}");
    assert_eq!(report["summary"]["agreements"], 1);
}

#[test]
fn a_50_megabyte_file_is_read_when_the_limit_allows_it() {
    let dir = tempfile::tempdir().unwrap();
    good_pair(dir.path());
    fs::write(dir.path().join("huge.yaml"), fifty_megabytes()).unwrap();

    let (output, report) = check_json(&["--max-file-size", "67108864"], dir.path());

    assert_eq!(output.status.code(), Some(0), "{report}");
    assert_eq!(report["summary"]["skippedDocuments"], 1);
    assert_eq!(report["summary"]["agreements"], 1);
}

#[test]
fn a_symlink_loop_is_reported_and_the_rest_analyzed() {
    let dir = tempfile::tempdir().unwrap();
    good_pair(dir.path());
    fs::create_dir(dir.path().join("team")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("team/back")).unwrap();

    let (output, report) = check_json(&[], dir.path());

    assert_eq!(output.status.code(), Some(2), "{report}");
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "io-error");
    assert!(d["file"].as_str().unwrap().ends_with("team/back"), "{d}");
    assert!(d["message"].as_str().unwrap().contains("loop"), "{d}");
    assert_eq!(report["summary"]["agreements"], 1);
}
