//! Snapshot of `check` on every fixture under `tests/fixtures/<case>/`, in
//! text (what a reviewer reads) and JSON (what scripts read). Each case is
//! one diagnostic code or one kind of bad input; together they cover every
//! code the contract lists.

use std::path::Path;
use std::process::Command;

use lattice_core::Code;

fn check(case: &str, format: &str) -> (i32, String) {
    let dir = Path::new("tests/fixtures").join(case);
    let output = Command::new(env!("CARGO_BIN_EXE_kubectl-lattice"))
        .args(["check", "--color", "never", "-o", format])
        .arg(&dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).expect("UTF-8 output"),
    )
}

fn cases() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut cases: Vec<String> = std::fs::read_dir(root)
        .expect("the fixtures folder")
        .filter_map(|e| e.ok().filter(|e| e.path().is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_fixture_renders_as_snapshotted() {
    for case in cases() {
        let (code, text) = check(&case, "text");
        insta::assert_snapshot!(format!("{case}.text"), format!("exit {code}\n{text}"));
        let (json_code, json) = check(&case, "json");
        assert_eq!(
            code, json_code,
            "{case}: the exit code does not depend on the format"
        );
        insta::assert_snapshot!(format!("{case}.json"), json);
    }
}

#[test]
fn the_fixtures_cover_every_code_of_the_contract() {
    let mut seen = std::collections::BTreeSet::new();
    for case in cases() {
        let (_, json) = check(&case, "json");
        let report: serde_json::Value = serde_json::from_str(&json).unwrap();
        for d in report["diagnostics"].as_array().unwrap() {
            seen.insert(d["code"].as_str().unwrap().to_owned());
        }
    }
    // io-error and file-too-large need files made at test time (permissions,
    // size); tests/permissions.rs and tests/bad_input.rs cover them.
    let made_at_test_time = [Code::IoError, Code::FileTooLarge];
    for code in Code::ALL {
        if made_at_test_time.contains(&code) {
            continue;
        }
        assert!(seen.contains(code.as_str()), "no fixture reports {code}");
    }
}

#[test]
fn fixture_files_are_named_relative_to_the_argument() {
    let (_, json) = check("unmatched-outbound", "json");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let first = &report["diagnostics"][0];
    assert_eq!(
        first["file"],
        "tests/fixtures/unmatched-outbound/checkout.yaml"
    );
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(17), Some(7))
    );
    assert_eq!(
        first["fix"]["file"],
        "tests/fixtures/unmatched-outbound/payments.yaml"
    );
    assert_eq!(first["fix"]["line"], 16);
    assert_eq!(
        first["fix"]["insert"],
        "            checkout:\n                type: service\n                direction: inbound\n"
    );
    assert_eq!(
        first["related"][0]["file"],
        "tests/fixtures/unmatched-outbound/payments.yaml"
    );
}
