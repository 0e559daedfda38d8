//! Hostile files, kept as inputs under `tests/hostile-inputs/`: nesting
//! past the parser's limits, alias bombs, control characters, invalid
//! UTF-8, keys beyond YAML's length limit, merge keys, tags, duplicate
//! keys, wildcard calls, look-alike Unicode names, and `kind: List`
//! wrappers around bad specs. Inputs a fuzz target (`fuzz/`) ever fails on
//! belong here too, minimized (`cargo +nightly fuzz tmin`).
//!
//! Each file is analyzed as the `read_spec` fuzz target analyzes its input,
//! beside a valid spec (`web`, which calls and accepts `api`), and must
//! pass the target's checks: no panic, every diagnostic inside its file,
//! `compile` refusing exactly when something was left out, and the output
//! allowing exactly the agreements. A file named `refused-*` must
//! moreover be reported as an error and change nothing in the output:
//! whatever it says about `api`, the compiled policies are those of `web`
//! alone.

mod workspace_model;

use std::path::{Path, PathBuf};

use lattice_core::compile::{CompileOptions, compile};
use lattice_core::{Analysis, Input, InputContent, Options, Severity, analyze};

/// The companion spec of the `read_spec` fuzz target.
const WEB: &str = "apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
  name: web
spec:
  workload:
    service:
      ports:
        http:
          port: 80
    resources:
      api:
        direction: both
";

fn analyzed(bytes: &[u8]) -> Analysis {
    let inputs = vec![
        Input {
            path: "fuzzed.yaml".to_owned(),
            content: InputContent::Bytes(bytes.to_vec()),
        },
        Input {
            path: "web.yaml".to_owned(),
            content: InputContent::Bytes(WEB.as_bytes().to_vec()),
        },
    ];
    analyze(inputs, &Options::default())
}

fn partial() -> CompileOptions {
    CompileOptions {
        allow_partial: true,
        ..CompileOptions::default()
    }
}

/// The checks of the `read_spec` fuzz target.
fn fuzz_target_checks(analysis: &Analysis) -> Result<(), String> {
    workspace_model::locations_in_bounds(analysis)?;
    let strict = compile(analysis, &CompileOptions::default());
    if strict.refused() == strict.left_out.is_empty() {
        return Err("compile refused with nothing left out, or the other way round".to_owned());
    }
    let options = partial();
    let compiled = compile(analysis, &options);
    workspace_model::allowed_equals_agreements(analysis, &compiled, &options)?;
    Ok(())
}

fn refused_and_without_effect(analysis: &Analysis, alone: &str) -> Result<(), String> {
    let reported = analysis.diagnostics.iter().any(|d| {
        d.severity == Severity::Error && analysis.sources.get(d.location.file).path == "fuzzed.yaml"
    });
    if !reported {
        return Err(format!("no error reported: {:?}", analysis.diagnostics));
    }
    if compile(analysis, &partial()).to_yaml() != alone {
        return Err("the compiled output is not that of the valid spec alone".to_owned());
    }
    Ok(())
}

fn inputs() -> Vec<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile-inputs");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .map(|e| e.expect("a readable entry").path())
        .collect();
    entries.sort();
    entries
}

#[test]
fn every_hostile_input_is_analyzed_without_harm() {
    let alone = compile(&analyzed(b""), &partial()).to_yaml();
    let entries = inputs();
    assert!(
        entries.len() >= 10,
        "hostile inputs are missing: {entries:?}"
    );
    let failures: Vec<String> = entries
        .iter()
        .filter_map(|path| {
            let bytes = std::fs::read(path).expect("a readable input");
            let refused = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("refused-"));
            let outcome = std::panic::catch_unwind(|| {
                let analysis = analyzed(&bytes);
                fuzz_target_checks(&analysis)?;
                if refused {
                    refused_and_without_effect(&analysis, &alone)?;
                }
                Ok::<(), String>(())
            })
            .unwrap_or_else(|_| Err("panicked".to_owned()));
            outcome.err().map(|e| format!("{}: {e}", path.display()))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_checks_catch_an_input_that_widens_the_output() {
    // A valid `api` accepting `web` changes the output: the refusal check
    // must see that, or it would pass anything.
    let alone = compile(&analyzed(b""), &partial()).to_yaml();
    let api = WEB
        .replace("name: web", "name: api")
        .replace("api:", "web:");
    let analysis = analyzed(api.as_bytes());
    assert!(fuzz_target_checks(&analysis).is_ok());
    assert!(refused_and_without_effect(&analysis, &alone).is_err());
}
