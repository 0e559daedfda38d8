//! `explain` through the binary: the verdict is the exit status, names take
//! `-n`, the JSON form is the core's, unknown names exit 2 with a
//! suggestion, and the text form reads as snapshotted.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn explain(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-lattice"))
        .arg("explain")
        .args(args)
        .current_dir(examples())
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

#[test]
fn an_allowed_pair_exits_0_with_its_rules() {
    let output = explain(&["web/frontend", "commerce/checkout", "shop"]);

    assert_eq!(output.status.code(), Some(0));
    assert!(output.stderr.is_empty());
    insta::assert_snapshot!("allowed_text", text(&output.stdout));
}

#[test]
fn a_denied_pair_exits_1_with_the_fix() {
    let output = explain(&["-n", "shop", "checkout", "payments", "mistakes"]);

    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("one_sided_text", text(&output.stdout));

    let both = explain(&["shop/cart", "shop/checkout", "mistakes"]);
    assert_eq!(both.status.code(), Some(1));
    insta::assert_snapshot!("both_missing_text", text(&both.stdout));
}

#[test]
fn json_is_the_contract_form() {
    let output = explain(&["shop/checkout", "shop/payments", "mistakes", "-o", "json"]);

    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["caller"], "shop/checkout");
    assert_eq!(json["callee"], "shop/payments");
    assert_eq!(json["allowed"], false);
    assert_eq!(json["outbound"]["declared"], true);
    assert_eq!(json["outbound"]["file"], "mistakes/checkout.yaml");
    assert_eq!(json["inbound"]["file"], serde_json::Value::Null);
    assert_eq!(json["fix"]["file"], "mistakes/payments.yaml");
    assert_eq!(json["fix"]["line"], 33);
    assert_eq!(json["policies"], serde_json::json!([]));

    let wildcard = explain(&[
        "-n",
        "shop",
        "legacy-billing",
        "status-page",
        "mistakes",
        "-o",
        "json",
    ]);
    assert_eq!(wildcard.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&wildcard.stdout).expect("JSON");
    assert_eq!(json["inbound"]["wildcard"], true);
    assert_eq!(json["policies"].as_array().expect("policies").len(), 3);
}

#[test]
fn an_unknown_name_exits_2_with_a_suggestion() {
    let output = explain(&["-n", "shop", "orders", "inventory-svc", "mistakes"]);

    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert_eq!(
        text(&output.stderr),
        "error: no such service shop/inventory-svc (the callee) in the analyzed specs; did you \
         mean shop/inventory?\n"
    );

    let same = explain(&["shop/orders", "shop/orders", "mistakes"]);
    assert_eq!(same.status.code(), Some(2));
}
