//! `path` through the binary: the shortest chain with both declarations of
//! every hop, `--all` on a graph with cycles, the declarations that block a
//! missing path, and the exit codes (0 found, 1 none, 2 usage).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn graphs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/graphs")
}

fn path(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-lattice"))
        .arg("path")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

#[test]
fn the_shortest_path_names_both_declarations_of_every_hop() {
    let output = path(&examples(), &["web/frontend", "data/orders-db", "shop"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stderr.is_empty());
    insta::assert_snapshot!("shop_text", text(&output.stdout));

    let output = path(
        &examples(),
        &["web/frontend", "data/orders-db", "shop", "-o", "json"],
    );
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!("shop_json", text(&output.stdout));
}

#[test]
fn every_simple_path_through_cycles_shortest_first() {
    let dir = graphs();
    let all = path(&dir, &["mesh/a", "mesh/e", "cycles", "--all"]);
    assert_eq!(all.status.code(), Some(0));
    insta::assert_snapshot!("cycles_all_text", text(&all.stdout));

    let json = path(&dir, &["mesh/a", "mesh/e", "cycles", "--all", "-o", "json"]);
    insta::assert_snapshot!("cycles_all_json", text(&json.stdout));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let lengths: Vec<usize> = report["paths"]
        .as_array()
        .expect("paths")
        .iter()
        .map(|p| p.as_array().expect("hops").len())
        .collect();
    assert_eq!(lengths, [3, 3, 4]);
    assert_eq!(report["truncated"], false);

    // The shortest path, with -n, does not loop round a -> b -> c -> a.
    let shortest = path(&dir, &["-n", "mesh", "c", "b"]);
    assert_eq!(shortest.status.code(), Some(0));
    assert!(text(&shortest.stdout).starts_with("mesh/c -> mesh/a -> mesh/b: 2 agreements\n"));
    let shortest = path(&dir, &["-n", "mesh", "c", "b", "cycles"]);
    assert!(text(&shortest.stdout).starts_with("mesh/c -> mesh/a -> mesh/b: 2 agreements\n"));

    let capped = path(
        &dir,
        &["mesh/a", "mesh/e", "cycles", "--all", "--max-paths", "2"],
    );
    assert_eq!(capped.status.code(), Some(0));
    let capped = text(&capped.stdout);
    assert!(capped.starts_with("mesh/a -> mesh/e: 2 paths, shortest first (more exist)\n"));
    assert!(capped.ends_with("More paths exist: raise --max-paths to list them.\n"));
}

#[test]
fn escape_hatches_are_marked_on_the_hop() {
    let output = path(&graphs(), &["monitoring/scraper", "mesh/e", "cycles"]);
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!("wildcards_text", text(&output.stdout));
}

#[test]
fn no_path_exits_1_naming_what_blocks_it() {
    let output = path(
        &examples(),
        &["-n", "shop", "legacy-billing", "payments", "mistakes"],
    );
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("blocked_text", text(&output.stdout));

    let json = path(
        &examples(),
        &[
            "-n",
            "shop",
            "legacy-billing",
            "payments",
            "mistakes",
            "-o",
            "json",
        ],
    );
    assert_eq!(json.status.code(), Some(1));
    insta::assert_snapshot!("blocked_json", text(&json.stdout));

    // Against the direction of the agreements there is nothing to open.
    let output = path(&graphs(), &["mesh/a", "monitoring/scraper", "cycles"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stdout),
        "No path of agreements from mesh/a to monitoring/scraper.\n"
    );
}

#[test]
fn usage_errors_exit_2() {
    let unknown = path(&examples(), &["web/frontend", "data/orders", "shop"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(unknown.stdout.is_empty());
    assert_eq!(
        text(&unknown.stderr),
        "error: no such service data/orders in the analyzed specs; did you mean commerce/orders?\n"
    );

    let same = path(&examples(), &["web/frontend", "web/frontend", "shop"]);
    assert_eq!(same.status.code(), Some(2));
    assert!(text(&same.stderr).contains("is both FROM and TO"));

    for args in [
        &["web/frontend", "shop", "--max-paths", "3"][..],
        &[
            "web/frontend",
            "data/orders-db",
            "shop",
            "--all",
            "--max-paths",
            "0",
        ],
        &["web/frontend"],
    ] {
        let output = path(&examples(), args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}
