//! The loader on real folders: what is taken, what is skipped, in which
//! order, and how files that cannot be read are reported instead of
//! stopping the load.

use std::fs;
use std::path::{Path, PathBuf};

use kubectl_lattice::Error;
use kubectl_lattice::load::{LoadOptions, display_path, load};
use lattice_core::{Input, InputContent};
use tempfile::TempDir;

fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

/// Paths relative to `root`, with what became of each file.
fn outline(root: &Path, inputs: &[Input]) -> Vec<(String, String)> {
    let prefix = format!("{}/", display_path(root));
    inputs
        .iter()
        .map(|input| {
            let path = input
                .path
                .strip_prefix(&prefix)
                .unwrap_or(&input.path)
                .to_owned();
            let what = match &input.content {
                InputContent::Bytes(bytes) => format!("{} bytes", bytes.len()),
                InputContent::Unreadable(reason) => format!("unreadable: {reason}"),
                InputContent::TooLarge { size, limit } => format!("too large: {size} > {limit}"),
            };
            (path, what)
        })
        .collect()
}

fn load_one(path: &Path) -> Vec<Input> {
    load(&[path.to_owned()], LoadOptions::default()).unwrap()
}

#[test]
fn folders_yield_yaml_files_sorted_by_name() {
    let dir = tree(&[
        ("b.yaml", "b"),
        ("a.yml", "a"),
        ("Z.YAML", "z"),
        ("sub/c.yaml", "c"),
        ("notes.txt", "not yaml"),
        ("README.md", "not yaml"),
        ("yaml", "no extension"),
    ]);

    let inputs = load_one(dir.path());

    let names: Vec<String> = outline(dir.path(), &inputs)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(names, ["Z.YAML", "a.yml", "b.yaml", "sub/c.yaml"]);
}

#[test]
fn hidden_entries_node_modules_and_target_are_skipped() {
    let dir = tree(&[
        ("spec.yaml", "x"),
        (".git/config.yaml", "x"),
        (".hidden.yaml", "x"),
        ("node_modules/pkg/x.yaml", "x"),
        ("target/debug/x.yaml", "x"),
        ("nested/.cache/x.yaml", "x"),
    ]);

    let inputs = load_one(dir.path());

    let names: Vec<String> = outline(dir.path(), &inputs)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(names, ["spec.yaml"]);
}

#[test]
fn a_hidden_folder_named_on_the_command_line_is_walked() {
    let dir = tree(&[(".specs/a.yaml", "a")]);

    let inputs = load_one(&dir.path().join(".specs"));

    assert_eq!(inputs.len(), 1);
    assert!(inputs[0].path.ends_with(".specs/a.yaml"));
}

#[test]
fn a_named_file_is_read_whatever_its_extension() {
    let dir = tree(&[("specs.txt", "kind: LatticeService\n")]);

    let inputs = load_one(&dir.path().join("specs.txt"));

    assert_eq!(
        outline(dir.path(), &inputs),
        [("specs.txt".to_owned(), "21 bytes".to_owned())]
    );
}

#[test]
fn order_is_the_arguments_then_names_whatever_the_parallel_reads() {
    let files: Vec<(String, String)> = (0..64)
        .map(|i| (format!("many/{i:03}.yaml"), "x".repeat(i)))
        .collect();
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = tree(&borrowed);
    fs::write(dir.path().join("first.yaml"), "f").unwrap();
    let args = [dir.path().join("first.yaml"), dir.path().join("many")];

    let inputs = load(&args, LoadOptions::default()).unwrap();

    let got = outline(dir.path(), &inputs);
    assert_eq!(got[0], ("first.yaml".to_owned(), "1 bytes".to_owned()));
    for (i, (path, what)) in got[1..].iter().enumerate() {
        assert_eq!(path, &format!("many/{i:03}.yaml"));
        assert_eq!(what, &format!("{i} bytes"));
    }
}

#[test]
fn a_file_reached_twice_is_read_once() {
    let dir = tree(&[("a.yaml", "a"), ("b.yaml", "b")]);
    let args = [dir.path().to_owned(), dir.path().join("a.yaml")];

    let inputs = load(&args, LoadOptions::default()).unwrap();

    let names: Vec<String> = outline(dir.path(), &inputs)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(names, ["a.yaml", "b.yaml"]);
}

#[test]
fn files_over_the_limit_are_reported_not_read() {
    let dir = tree(&[("big.yaml", "12345678901"), ("fits.yaml", "1234567890")]);

    let inputs = load(&[dir.path().to_owned()], LoadOptions { max_file_size: 10 }).unwrap();

    assert_eq!(
        outline(dir.path(), &inputs),
        [
            ("big.yaml".to_owned(), "too large: 11 > 10".to_owned()),
            ("fits.yaml".to_owned(), "10 bytes".to_owned()),
        ]
    );
}

#[test]
fn missing_paths_fail_naming_each_of_them() {
    let dir = tree(&[("a.yaml", "a")]);
    let args = [
        dir.path().join("nope"),
        dir.path().join("a.yaml"),
        dir.path().join("a.yaml/child"),
    ];

    let Err(Error::PathNotFound { paths }) = load(&args, LoadOptions::default()) else {
        panic!("missing paths were accepted");
    };

    assert_eq!(paths, [args[0].clone(), args[2].clone()]);
}

#[cfg(unix)]
mod unix {
    use std::os::unix::fs::symlink;
    use std::process::Command;

    use super::*;

    #[test]
    fn a_symlink_loop_is_reported_and_the_rest_is_read() {
        let dir = tree(&[("specs/a.yaml", "a"), ("specs/sub/b.yaml", "b")]);
        symlink("..", dir.path().join("specs/sub/loop")).unwrap();

        let inputs = load_one(&dir.path().join("specs"));

        let got = outline(dir.path(), &inputs);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0], ("specs/a.yaml".to_owned(), "1 bytes".to_owned()));
        assert_eq!(got[1].0, "specs/sub/b.yaml");
        assert_eq!(got[2].0, "specs/sub/loop");
        assert!(got[2].1.starts_with("unreadable: symlink loop"), "{got:?}");
    }

    #[test]
    fn a_broken_symlink_is_unreadable() {
        let dir = tree(&[("a.yaml", "a")]);
        symlink("gone.yaml", dir.path().join("b.yaml")).unwrap();

        let inputs = load_one(dir.path());

        assert_eq!(
            outline(dir.path(), &inputs),
            [
                ("a.yaml".to_owned(), "1 bytes".to_owned()),
                (
                    "b.yaml".to_owned(),
                    "unreadable: broken symlink: its target does not exist".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn a_broken_symlink_of_another_type_is_skipped_like_the_file() {
        let dir = tree(&[("a.yaml", "a")]);
        symlink("gone.md", dir.path().join("README.md")).unwrap();

        let inputs = load_one(dir.path());

        assert_eq!(inputs.len(), 1);
    }

    #[test]
    fn a_broken_symlink_named_on_the_command_line_is_unreadable() {
        let dir = tree(&[]);
        let link = dir.path().join("link.yaml");
        symlink("gone.yaml", &link).unwrap();

        let inputs = load_one(&link);

        let got = outline(dir.path(), &inputs);
        assert_eq!(
            got[0].1,
            "unreadable: broken symlink: its target does not exist"
        );
    }

    #[test]
    fn symlinked_folders_are_followed() {
        let dir = tree(&[("real/a.yaml", "a")]);
        fs::create_dir(dir.path().join("specs")).unwrap();
        symlink("../real", dir.path().join("specs/linked")).unwrap();

        let inputs = load_one(&dir.path().join("specs"));

        assert_eq!(
            outline(dir.path(), &inputs),
            [("specs/linked/a.yaml".into(), "1 bytes".into())]
        );
    }

    #[test]
    fn a_fifo_in_a_folder_is_reported_without_being_opened() {
        let dir = tree(&[("a.yaml", "a")]);
        let fifo = dir.path().join("pipe.yaml");
        let made = Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            eprintln!("skipped: no mkfifo on this machine");
            return;
        }

        // Opening a FIFO with no writer blocks forever: finishing at all is the point.
        let inputs = load_one(dir.path());

        let got = outline(dir.path(), &inputs);
        assert_eq!(got[1].0, "pipe.yaml");
        assert!(
            got[1].1.starts_with("unreadable: not a regular file"),
            "{got:?}"
        );
    }
}

#[test]
fn display_paths_keep_the_argument_as_given() {
    let input = PathBuf::from("./examples/mistakes/checkout.yaml");
    assert_eq!(display_path(&input), "examples/mistakes/checkout.yaml");
}
