//! The spec reader on arbitrary bytes: one file of fuzzed bytes beside a
//! fixed valid spec that names it, analyzed and compiled.
//!
//! Must hold for any input: nothing panics, every diagnostic points inside
//! its file, `compile` refuses exactly when something was left out, and
//! the compiled objects allow exactly the agreements of usable workloads.

#![no_main]

#[path = "../../crates/lattice-core/tests/workspace_model/mod.rs"]
mod workspace_model;

use lattice_core::compile::{CompileOptions, compile};
use lattice_core::{Input, InputContent, Options, analyze};
use libfuzzer_sys::fuzz_target;

/// A valid caller of `api`, so the fuzzed file's declarations meet a
/// counterpart when they name `web`.
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

fuzz_target!(|data: &[u8]| {
    let inputs = vec![
        Input {
            path: "fuzzed.yaml".to_owned(),
            content: InputContent::Bytes(data.to_vec()),
        },
        Input {
            path: "web.yaml".to_owned(),
            content: InputContent::Bytes(WEB.as_bytes().to_vec()),
        },
    ];
    let analysis = analyze(inputs, &Options::default());
    if let Err(problem) = workspace_model::locations_in_bounds(&analysis) {
        panic!("{problem}");
    }

    let strict = compile(&analysis, &CompileOptions::default());
    assert_eq!(strict.refused(), !strict.left_out.is_empty());
    let options = CompileOptions {
        allow_partial: true,
        ..CompileOptions::default()
    };
    let compiled = compile(&analysis, &options);
    let _ = compiled.to_yaml();
    let _ = compiled.to_json();
    if let Err(problem) = workspace_model::allowed_equals_agreements(&analysis, &compiled, &options) {
        panic!("{problem}");
    }
});
