//! The whole check-and-compile pipeline on structured input: workspaces
//! derived with `arbitrary` (see `workspace_model`), rendered to YAML files.
//!
//! Must hold: nothing panics; diagnostics point inside their files; the
//! compiled objects allow exactly the agreements; and, when no service is
//! defined twice, reading the files in another order gives the same
//! diagnostics and byte-identical output.

#![no_main]

#[path = "../../crates/lattice-core/tests/workspace_model/mod.rs"]
mod workspace_model;

use lattice_core::compile::{CompileOptions, compile};
use lattice_core::{Code, Options, analyze};
use libfuzzer_sys::fuzz_target;
use workspace_model::{WorkspaceSpec, allowed_equals_agreements, inputs, locations_in_bounds, normalized};

fuzz_target!(|spec: WorkspaceSpec| {
    let options = Options {
        default_namespace: "alpha".to_owned(),
    };
    let files = spec.files();
    let analysis = analyze(inputs(&files), &options);
    if let Err(problem) = locations_in_bounds(&analysis) {
        panic!("{problem}");
    }
    let partial = CompileOptions {
        allow_partial: true,
        ..CompileOptions::default()
    };
    let compiled = compile(&analysis, &partial);
    if let Err(problem) = allowed_equals_agreements(&analysis, &compiled, &partial) {
        panic!("{problem}\nfiles: {files:#?}");
    }

    if files.len() < 2 || analysis.diagnostics.iter().any(|d| d.code == Code::DuplicateService) {
        return;
    }
    let mut rotated = files.clone();
    rotated.rotate_left(1);
    let again = analyze(inputs(&rotated), &options);
    assert_eq!(normalized(&analysis), normalized(&again), "files: {files:#?}");
    assert_eq!(compiled.to_yaml(), compile(&again, &partial).to_yaml(), "files: {files:#?}");
});
