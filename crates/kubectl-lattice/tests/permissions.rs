//! Files and folders the user may not read. File modes do not stop root,
//! which is who CI runs as, so when the tests run as root the binary is run
//! as the unprivileged user `nobody` (with util-linux's `setpriv`) to meet a
//! real "permission denied".

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Output};

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Run the binary on `dir`, as `nobody` when this process is root.
fn check_as_unprivileged(dir: &Path) -> Output {
    let binary = env!("CARGO_BIN_EXE_kubectl-lattice");
    let mut command = if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", binary]);
        c
    } else {
        Command::new(binary)
    };
    command
        .args(["check", "-o", "json"])
        .arg(dir)
        .output()
        .expect("the binary runs")
}

/// A folder `nobody` can enter, with a readable spec and an agreement partner.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let spec = |name: &str, resources: &str| {
        format!(
            "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: {name}\nspec:\n  workload:\n    service:\n      ports:\n        http:\n          port: 80\n    resources:\n{resources}"
        )
    };
    fs::write(dir.path().join("a.yaml"), spec("a", "      b: {}\n")).unwrap();
    fs::write(
        dir.path().join("b.yaml"),
        spec("b", "      a: {direction: inbound}\n"),
    )
    .unwrap();
    for f in ["a.yaml", "b.yaml"] {
        fs::set_permissions(dir.path().join(f), fs::Permissions::from_mode(0o644)).unwrap();
    }
    dir
}

fn report(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[test]
fn an_unreadable_file_is_reported_and_the_others_analyzed() {
    let dir = workspace();
    let locked = dir.path().join("locked.yaml");
    fs::write(&locked, "apiVersion: lattice.dev/v1alpha1\n").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();

    let output = check_as_unprivileged(dir.path());

    assert_eq!(
        output.status.code(),
        Some(2),
        "an incomplete answer is an I/O error"
    );
    let report = report(&output);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["code"], "io-error");
    assert!(
        diagnostics[0]["file"]
            .as_str()
            .unwrap()
            .ends_with("locked.yaml")
    );
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap()
            .contains("permission denied")
    );
    assert_eq!(report["summary"]["agreements"], 1);
}

#[test]
fn an_unreadable_folder_is_reported_and_the_others_analyzed() {
    let dir = workspace();
    let locked = dir.path().join("team-b");
    fs::create_dir(&locked).unwrap();
    fs::write(locked.join("c.yaml"), "x: 1\n").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();

    let output = check_as_unprivileged(dir.path());
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();

    assert_eq!(output.status.code(), Some(2));
    let report = report(&output);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["code"], "io-error");
    assert!(diagnostics[0]["file"].as_str().unwrap().ends_with("team-b"));
    assert_eq!(report["summary"]["agreements"], 1);
}
