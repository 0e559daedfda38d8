//! `diff` through the binary: two folders and two git revisions (read
//! through git, without a checkout) with an agreement added, one removed
//! and one broken on one side; every output format snapshotted; the same
//! answer from folders and from git; and the exit codes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mistakes() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mistakes")
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create the copy");
    for entry in fs::read_dir(from).expect("read the examples") {
        let entry = entry.expect("an entry");
        fs::copy(entry.path(), to.join(entry.file_name())).expect("copy a spec");
    }
}

fn edit(path: &Path, old: &str, new: &str) {
    let text = fs::read_to_string(path).expect("read a spec");
    assert!(text.contains(old), "{} lacks {old:?}", path.display());
    fs::write(path, text.replacen(old, new, 1)).expect("write a spec");
}

/// The change under test, applied to a copy of `examples/mistakes`.
fn change(specs: &Path) {
    // Add: orders now calls inventory by its new name, which accepts it.
    edit(&specs.join("orders.yaml"), "inventory-svc:", "inventory:");
    // Remove: checkout stops calling cart; cart still accepts it.
    edit(
        &specs.join("checkout.yaml"),
        "      cart:\n        type: service\n        direction: outbound\n",
        "",
    );
    // Break one side: payments no longer accepts orders, which still calls.
    edit(
        &specs.join("payments.yaml"),
        "            orders:\n                type: service\n                direction: inbound\n",
        "",
    );
}

fn lattice(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-lattice"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// `old/` and `new/` in a temporary folder.
fn two_trees() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    copy_dir(&mistakes(), &dir.path().join("old"));
    copy_dir(&mistakes(), &dir.path().join("new"));
    change(&dir.path().join("new"));
    dir
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A repository whose last two commits are the two trees, under `specs/`,
/// beside files that are not specs.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path();
    git(root, &["init", "-q"]);
    copy_dir(&mistakes(), &root.join("specs"));
    fs::write(root.join("README.md"), "# specs\n").expect("write");
    fs::create_dir_all(root.join(".github")).expect("mkdir");
    fs::write(root.join(".github/ci.yaml"), "on: push\n").expect("write");
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "the mistakes"]);
    change(&root.join("specs"));
    git(root, &["commit", "-q", "-a", "-m", "add, remove, break"]);
    dir
}

#[test]
fn two_folders_in_every_format() {
    let dir = two_trees();
    for (format, name) in [
        ("text", "folders_text"),
        ("json", "folders_json"),
        ("markdown", "folders_markdown"),
    ] {
        let output = lattice(dir.path(), &["diff", "old", "new", "-o", format]);
        assert_eq!(output.status.code(), Some(0), "{format}");
        assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
        insta::assert_snapshot!(name, text(&output.stdout));
    }
}

#[test]
fn what_the_change_did() {
    let dir = two_trees();
    let output = lattice(dir.path(), &["diff", "old", "new", "-o", "json"]);
    let changes: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let pairs = |key: &str| -> Vec<String> {
        changes[key]
            .as_array()
            .expect("a list")
            .iter()
            .map(|e| {
                format!(
                    "{} {}->{}",
                    e["status"].as_str().unwrap_or(""),
                    e["caller"],
                    e["callee"]
                )
            })
            .collect()
    };
    assert_eq!(
        pairs("added"),
        ["agreement \"shop/orders\"->\"shop/inventory\""]
    );
    assert_eq!(
        pairs("removed"),
        [
            "agreement \"shop/checkout\"->\"shop/cart\"",
            "agreement \"shop/orders\"->\"shop/payments\""
        ]
    );
    assert_eq!(
        pairs("newlyUnmatched"),
        [
            "unmatched-inbound \"shop/checkout\"->\"shop/cart\"",
            "unmatched-outbound \"shop/orders\"->\"shop/payments\""
        ]
    );
    assert_eq!(
        pairs("resolved"),
        [
            "unmatched-inbound \"shop/orders\"->\"shop/inventory\"",
            "unknown-service \"shop/orders\"->\"shop/inventory-svc\""
        ]
    );
    // checkout reached payments only through orders.
    assert_eq!(
        changes["noLongerReachable"],
        serde_json::json!([{"from": "shop/checkout", "to": "shop/payments"}])
    );
    assert_eq!(
        changes["newlyReachable"],
        serde_json::json!([{"from": "shop/checkout", "to": "shop/inventory"}])
    );
    let policies = &changes["policies"];
    assert!(!policies["created"].as_array().expect("created").is_empty());
    assert!(!policies["changed"].as_array().expect("changed").is_empty());
}

#[test]
fn exit_code_says_whether_anything_changed() {
    let dir = two_trees();
    let changed = lattice(dir.path(), &["diff", "old", "new", "--exit-code"]);
    assert_eq!(changed.status.code(), Some(1));
    let same = lattice(dir.path(), &["diff", "old", "old", "--exit-code"]);
    assert_eq!(same.status.code(), Some(0));
    assert_eq!(text(&same.stdout), "No changes from old to old.\n");
    let quiet = lattice(dir.path(), &["diff", "old", "new"]);
    assert_eq!(quiet.status.code(), Some(0));

    let missing = lattice(dir.path(), &["diff", "old", "nowhere"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("`nowhere` does not exist"));
    // Paths after OLD and NEW belong to --git.
    let stray = lattice(dir.path(), &["diff", "old", "new", "more"]);
    assert_eq!(stray.status.code(), Some(2));
}

#[test]
fn two_revisions_read_through_git() {
    let repo = repository();
    let root = repo.path();
    // No checkout: the working tree may hold anything, even nothing.
    fs::remove_dir_all(root.join("specs")).expect("remove the working tree's specs");

    let output = lattice(root, &["diff", "--git", "HEAD~1", "HEAD"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
    insta::assert_snapshot!("git_text", text(&output.stdout));

    let output = lattice(root, &["diff", "--git", "HEAD~1", "HEAD", "--exit-code"]);
    assert_eq!(output.status.code(), Some(1));
    let output = lattice(root, &["diff", "--git", "HEAD", "HEAD", "--exit-code"]);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn git_and_folders_give_the_same_answer() {
    let repo = repository();
    let from_git = lattice(
        repo.path(),
        &["diff", "--git", "HEAD~1", "HEAD", "-o", "json"],
    );
    let trees = two_trees();
    let from_folders = lattice(trees.path(), &["diff", "old", "new", "-o", "json"]);
    let folders = text(&from_folders.stdout)
        .replace("\"old/", "\"specs/")
        .replace("\"new/", "\"specs/");
    assert_eq!(text(&from_git.stdout), folders);
}

#[test]
fn git_paths_narrow_the_comparison() {
    let repo = repository();
    let root = repo.path();
    // From inside the repository, paths are relative to where we are.
    let output = lattice(
        &root.join("specs"),
        &[
            "diff",
            "--git",
            "HEAD~1",
            "HEAD",
            "payments.yaml",
            "orders.yaml",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    assert!(
        out.contains("- shop/orders -> shop/payments  orders.yaml:"),
        "{out}"
    );
    assert!(!out.contains("shop/cart"), "{out}");

    let markdown = lattice(
        root,
        &["diff", "--git", "HEAD~1", "HEAD", "specs", "-o", "markdown"],
    );
    insta::assert_snapshot!("git_markdown", text(&markdown.stdout));
}

#[test]
fn bad_revisions_and_places_exit_2() {
    let repo = repository();
    for (args, said) in [
        (
            &["diff", "--git", "HEAD~1", "no-such-branch"][..],
            "cannot read revision `no-such-branch`",
        ),
        (
            &["diff", "--git", "--", "-x", "HEAD"],
            "cannot read revision `-x`",
        ),
    ] {
        let output = lattice(repo.path(), args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            text(&output.stderr).contains(said),
            "{}",
            text(&output.stderr)
        );
        assert!(output.stdout.is_empty());
    }

    let elsewhere = tempfile::tempdir().expect("a temporary folder");
    let output = lattice(elsewhere.path(), &["diff", "--git", "HEAD~1", "HEAD"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("not a git repository"),
        "{}",
        text(&output.stderr)
    );
}
