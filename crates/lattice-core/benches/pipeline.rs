//! Where the time of `check` and `compile` goes, in process: the workspace
//! `bench/run.sh` times end to end (the `gen_workspace` example's files, held
//! in memory here, so disk and process start-up are left out), taken through
//! each stage on its own.
//!
//! - YAML parsing of every file on one core: the reader's raw throughput.
//! - `analyze`: parsing on every core, reading the specs, matching
//!   declarations into agreements and checking them; what `check` does
//!   between reading the files and printing.
//! - `compile`: the policy objects of an analysis on every core, then the
//!   text `compile -o json` and `-o yaml` print for them, on one core (the
//!   command spreads it over every core).
//!
//! Run with `cargo bench -p lattice-core --bench pipeline`; set
//! `LATTICE_BENCH_SERVICES` for another size (default 10,000).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_main};
use lattice_core::compile::{CompileOptions, compile, json_item, yaml_document};
use lattice_core::source::LineIndex;
use lattice_core::{Input, InputContent, Options, analyze, yaml};

#[path = "../examples/gen_workspace.rs"]
#[expect(
    dead_code,
    reason = "the example's main and folder writer are not used here, only its files"
)]
mod gen_workspace;

/// The seed `bench/run.sh` uses, so the figures describe the same workspace.
const SEED: u64 = 42;

fn size() -> usize {
    std::env::var("LATTICE_BENCH_SERVICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn inputs(files: &[(String, String)]) -> Vec<Input> {
    files
        .iter()
        .map(|(path, text)| Input {
            path: path.clone(),
            content: InputContent::Bytes(text.clone().into_bytes()),
        })
        .collect()
}

fn pipeline(c: &mut Criterion) {
    let n = size();
    let files = gen_workspace::files(n, SEED);
    let bytes: usize = files.iter().map(|(_, text)| text.len()).sum();

    let mut group = c.benchmark_group(format!("{n} services"));
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("YAML parse, one core", |b| {
        b.iter(|| {
            for (_, text) in &files {
                black_box(yaml::parse(text, &LineIndex::new(text)));
            }
        });
    });
    group.bench_function("analyze (parse, read specs, match, check)", |b| {
        b.iter_batched(
            || inputs(&files),
            |inputs| analyze(inputs, &Options::default()),
            criterion::BatchSize::LargeInput,
        );
    });

    let analysis = analyze(inputs(&files), &Options::default());
    let options = CompileOptions::default();
    // The command never frees what it compiled, so neither is that measured.
    group.bench_function("compile, objects", |b| {
        b.iter_with_large_drop(|| compile(&analysis, &options));
    });

    // Printing is measured against the bytes it writes.
    let compiled = compile(&analysis, &options);
    let json: usize = compiled.objects.iter().map(|o| json_item(o).len()).sum();
    group.throughput(Throughput::Bytes(json as u64));
    group.bench_function("compile, objects as JSON text, one core", |b| {
        b.iter(|| {
            for object in &compiled.objects {
                black_box(json_item(object));
            }
        });
    });
    let yaml: usize = compiled
        .objects
        .iter()
        .map(|o| yaml_document(o).len())
        .sum();
    group.throughput(Throughput::Bytes(yaml as u64));
    group.bench_function("compile, objects as YAML text, one core", |b| {
        b.iter(|| {
            for object in &compiled.objects {
                black_box(yaml_document(object));
            }
        });
    });
    group.finish();
}

/// The group lives in a private module: the function the macro makes has
/// no place for a doc comment.
mod group {
    criterion::criterion_group!(benches, super::pipeline);
}

criterion_main!(group::benches);
