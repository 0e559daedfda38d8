//! `graph` through the binary: every output format snapshotted on the
//! examples, the queries (`--from`, `--to`, `--depth`, both), the half-made
//! agreements and escape hatches in the pictures, and the exit codes.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn here() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/graphs")
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn graph(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-lattice"))
        .arg("graph")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

/// The output of a run that must succeed quietly.
fn shown(dir: &Path, args: &[&str]) -> String {
    let output = graph(dir, args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stderr.is_empty(), "{args:?}");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

#[test]
fn the_whole_graph_in_every_format() {
    for case in ["shop", "mistakes"] {
        for format in ["text", "dot", "mermaid", "json"] {
            let out = shown(&examples(), &[case, "-o", format]);
            insta::assert_snapshot!(format!("{case}_{format}"), out);
        }
    }
}

#[test]
fn what_a_service_calls_directly_and_transitively() {
    let dir = examples();
    insta::assert_snapshot!(
        "from_direct",
        shown(&dir, &["shop", "--from", "web/frontend"])
    );
    insta::assert_snapshot!(
        "from_all",
        shown(&dir, &["shop", "--from", "web/frontend", "--depth", "all"])
    );
    let json: serde_json::Value = serde_json::from_str(&shown(
        &dir,
        &[
            "shop",
            "--from",
            "web/frontend",
            "--depth",
            "2",
            "-o",
            "json",
        ],
    ))
    .expect("JSON");
    assert_eq!(json["query"]["depth"], 2);
    let deepest = json["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["depth"].as_u64())
        .max();
    assert_eq!(deepest, Some(2));
}

#[test]
fn what_can_reach_a_service() {
    let dir = examples();
    insta::assert_snapshot!(
        "to_depth_2",
        shown(&dir, &["shop", "--to", "data/orders-db", "--depth", "2"])
    );
    // Names take -n; the query restricts every format.
    insta::assert_snapshot!(
        "to_mermaid",
        shown(
            &dir,
            &[
                "-n", "shop", "mistakes", "--to", "payments", "-o", "mermaid"
            ]
        )
    );
    insta::assert_snapshot!(
        "to_dot",
        shown(
            &dir,
            &["-n", "shop", "mistakes", "--to", "payments", "-o", "dot"]
        )
    );
}

#[test]
fn between_two_services_the_walks_from_one_to_the_other() {
    let out = shown(
        &examples(),
        &["shop", "--from", "web/frontend", "--to", "data/orders-db"],
    );
    insta::assert_snapshot!("between", out);
    // orders -> shipping -> orders is on a walk; cart is not.
    assert!(out.contains("commerce/shipping"));
    assert!(!out.contains("commerce/cart"));
}

#[test]
fn escape_hatches_and_cycles_are_labelled() {
    let dir = here();
    insta::assert_snapshot!("cycles_text", shown(&dir, &["cycles"]));
    insta::assert_snapshot!("cycles_dot", shown(&dir, &["cycles", "-o", "dot"]));
    insta::assert_snapshot!("cycles_mermaid", shown(&dir, &["cycles", "-o", "mermaid"]));
    let json: serde_json::Value =
        serde_json::from_str(&shown(&dir, &["cycles", "-o", "json"])).expect("JSON");
    let wildcards: Vec<&str> = json["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["wildcard"].as_str())
        .collect();
    assert_eq!(wildcards, ["id: \"*\"", "dependsAll", "dependsAll"]);
}

#[test]
fn unknown_names_exit_2_with_a_suggestion() {
    let output = graph(&examples(), &["shop", "--from", "web/frontnd"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: no such service web/frontnd in the analyzed specs; did you mean web/frontend?\n"
    );

    let output = graph(
        &examples(),
        &["-n", "shop", "mistakes", "--to", "inventory-svc"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("did you mean shop/inventory?"));
}

#[test]
fn depth_needs_a_query_and_a_positive_number() {
    for args in [
        &["shop", "--depth", "2"][..],
        &["shop", "--from", "web/frontend", "--depth", "0"],
        &["shop", "--from", "web/frontend", "--depth", "most"],
        &["shop", "-o", "png"],
    ] {
        let output = graph(&examples(), args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_service_named_end_stays_a_label_in_mermaid() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(
        dir.path().join("a.yaml"),
        "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: a}\nspec:\n  workload:\n    resources:\n      end: {}\n",
    )
    .expect("write");
    let mermaid = shown(dir.path(), &[".", "-o", "mermaid"]);
    // `end` closes a subgraph in Mermaid; as a generated id's label it cannot.
    assert!(
        mermaid.contains("    n1[\"end<br/><i>defined nowhere</i>\"]:::unknown"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("  n0 -.->|\"unknown service\"| n1"),
        "{mermaid}"
    );
    assert_eq!(
        mermaid.lines().filter(|l| l.trim() == "end").count(),
        1,
        "{mermaid}"
    );
}

/// Graphviz reads every DOT output of the examples.
#[test]
#[ignore = "needs Graphviz's `dot` (scripts/test.sh installs it)"]
fn graphviz_reads_every_picture() {
    let cases: [(&Path, &[&str]); 5] = [
        (&examples(), &["shop"]),
        (&examples(), &["mistakes"]),
        (
            &examples(),
            &["shop", "--from", "web/frontend", "--depth", "all"],
        ),
        (&here(), &["cycles"]),
        (&examples(), &["-n", "shop", "mistakes", "--to", "payments"]),
    ];
    for (dir, args) in cases {
        let mut all = args.to_vec();
        all.extend(["-o", "dot"]);
        let picture = shown(dir, &all);
        let mut dot = Command::new("dot")
            .arg("-Tsvg")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("Graphviz's dot runs");
        dot.stdin
            .take()
            .expect("stdin")
            .write_all(picture.as_bytes())
            .expect("dot reads");
        let result = dot.wait_with_output().expect("dot finishes");
        assert!(
            result.status.success() && result.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&result.stderr)
        );
        assert!(String::from_utf8_lossy(&result.stdout).contains("<svg"));
    }
}
