//! Loading spec workspaces for the compile and explain tests.

use std::path::{Path, PathBuf};

use lattice_core::{Analysis, Input, InputContent, Options, analyze};

/// The repository's `examples/` folder.
pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Every `*.yaml` / `*.yml` under `examples/<name>`, sorted, with paths
/// relative to `examples/` so snapshots do not depend on the checkout.
pub fn example_inputs(name: &str) -> Vec<Input> {
    let root = examples();
    let mut files = Vec::new();
    collect(&root.join(name), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| Input {
            content: InputContent::Bytes(std::fs::read(&path).expect("example files are readable")),
            path: path
                .strip_prefix(&root)
                .expect("under examples/")
                .to_string_lossy()
                .replace('\\', "/"),
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("example folders are readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// The analysis of example workspace `name`.
pub fn example(name: &str) -> Analysis {
    analyze(example_inputs(name), &Options::default())
}

/// The analysis of in-memory files `(path, text)`.
pub fn files(files: &[(&str, &str)]) -> Analysis {
    let inputs = files
        .iter()
        .map(|(path, text)| Input {
            path: (*path).to_owned(),
            content: InputContent::Bytes(text.as_bytes().to_vec()),
        })
        .collect();
    analyze(inputs, &Options::default())
}

/// A `LatticeService` with one `http` port (target `target_port`, none when
/// 0) and the given `resources` block (indented by six spaces).
pub fn service(name: &str, ns: &str, target_port: u16, resources: &str) -> String {
    let ports = if target_port == 0 {
        String::new()
    } else {
        format!(
            "    service:\n      ports:\n        http:\n          port: 80\n          targetPort: {target_port}\n"
        )
    };
    format!(
        "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  workload:\n{ports}    resources:\n{resources}"
    )
}

/// A YAML text as a JSON value, read with the core's own reader; panics on
/// any reader error, and expects exactly one document.
pub fn yaml_value(text: &str) -> serde_json::Value {
    let mut all = yaml_values(text);
    assert_eq!(all.len(), 1, "one document expected");
    all.remove(0)
}

/// Every document of a YAML stream as a JSON value.
pub fn yaml_values(text: &str) -> Vec<serde_json::Value> {
    use lattice_core::source::LineIndex;
    let stream = lattice_core::yaml::parse(text, &LineIndex::new(text));
    assert!(stream.errors.is_empty(), "{:?}", stream.errors);
    stream
        .documents
        .iter()
        .filter_map(|d| d.root.as_ref().map(lattice_core::yaml::Node::to_json))
        .collect()
}
