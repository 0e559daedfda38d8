//! How the graph queries scale: a generated workspace of 50,000 services
//! (500 namespaces of 100, about three calls each, every call accepted by
//! name, with cross-namespace calls and calls back up the graph that make
//! cycles), and the queries `graph`, `path` and `diff` run on it.
//!
//! Run with `cargo bench -p lattice-core --bench queries`; set
//! `LATTICE_BENCH_SERVICES` for another size. Reading and analyzing the
//! specs is setup here, not measured: it is the same for every command.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, criterion_main};
use lattice_core::compile::CompileOptions;
use lattice_core::diff::diff;
use lattice_core::query::{self, Adjacency, Direction};
use lattice_core::view::{self, Depth, Query};
use lattice_core::{Analysis, Input, InputContent, Options, ServiceId, analyze};

const PER_NAMESPACE: usize = 100;

/// The calls of service `i` out of `n`: two further down the graph, one
/// into another namespace, and for every tenth service one back up.
fn calls(i: usize, n: usize) -> Vec<usize> {
    // A fixed pseudo-random sequence per service: the same graph every run.
    let pick = |draw: u64, modulus: usize| {
        let x = (i as u64)
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(draw.wrapping_mul(1_442_695_040_888_963_407));
        (x >> 33) as usize % modulus.max(1)
    };
    let mut out = Vec::new();
    let ahead = n - i - 1;
    if ahead > 0 {
        out.push(i + 1 + pick(1, ahead.min(50)));
        out.push(i + 1 + pick(2, ahead.min(400)));
        out.push(i + 1 + pick(3, ahead));
    }
    if i % 10 == 9 {
        out.push(pick(4, i));
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn id(i: usize) -> ServiceId {
    ServiceId::new(format!("ns-{}", i / PER_NAMESPACE), format!("svc-{i}"))
}

/// One spec per service, with `extra` calls `(caller, callee)` added on
/// both sides.
fn workspace(n: usize, extra: &[(usize, usize)]) -> Vec<Input> {
    let mut outbound: Vec<Vec<usize>> = (0..n).map(|i| calls(i, n)).collect();
    for &(a, b) in extra {
        outbound[a].push(b);
    }
    let mut inbound: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (a, callees) in outbound.iter().enumerate() {
        for &b in callees {
            inbound[b].push(a);
        }
    }
    (0..n)
        .map(|i| {
            let me = id(i);
            let mut text = format!(
                "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: {}\n  namespace: {}\nspec:\n  workload:\n    service:\n      ports:\n        http:\n          port: 80\n          targetPort: 8080\n    resources:\n",
                me.name, me.namespace
            );
            for &b in &outbound[i] {
                let peer = id(b);
                let _ = write!(text, "      {}:\n        type: service\n", peer.name);
                if peer.namespace != me.namespace {
                    let _ = writeln!(text, "        namespace: {}", peer.namespace);
                }
            }
            for &a in &inbound[i] {
                let peer = id(a);
                let _ = write!(
                    text,
                    "      {}-in:\n        id: {}\n        direction: inbound\n",
                    peer.name, peer.name
                );
                if peer.namespace != me.namespace {
                    let _ = writeln!(text, "        namespace: {}", peer.namespace);
                }
            }
            Input {
                path: format!("{}/{}.yaml", me.namespace, me.name),
                content: InputContent::Bytes(text.into_bytes()),
            }
        })
        .collect()
}

fn size() -> usize {
    std::env::var("LATTICE_BENCH_SERVICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000)
}

fn queries(c: &mut Criterion) {
    let n = size();
    let analysis: Analysis = analyze(workspace(n, &[]), &Options::default());
    assert!(
        analysis.diagnostics.is_empty(),
        "the generated specs are clean"
    );
    let graph = &analysis.graph;
    let adjacency = Adjacency::new(graph);
    let first = graph.get(&id(0)).expect("the first service");
    let middle = graph.get(&id(n / 2)).expect("a service in the middle");
    let last = graph.get(&id(n - 1)).expect("the last service");

    let mut group = c.benchmark_group(format!("{n} services"));
    group.sample_size(20);
    group.bench_function("adjacency index", |b| {
        b.iter(|| Adjacency::new(black_box(graph)));
    });
    group.bench_function("reach, direct (graph --from)", |b| {
        b.iter(|| query::reach(&adjacency, black_box(middle), Direction::Outbound, Some(1)));
    });
    group.bench_function("reach, all depths (graph --from --depth all)", |b| {
        b.iter(|| query::reach(&adjacency, black_box(first), Direction::Outbound, None));
    });
    group.bench_function("reach, all depths inbound (graph --to --depth all)", |b| {
        b.iter(|| query::reach(&adjacency, black_box(last), Direction::Inbound, None));
    });
    group.bench_function("shortest path (path)", |b| {
        b.iter(|| query::shortest_path(&adjacency, black_box(first), black_box(last)));
    });
    group.bench_function("20 shortest simple paths (path --all)", |b| {
        b.iter(|| query::all_paths(&adjacency, black_box(first), black_box(last), 20));
    });
    group.bench_function("view, direct (graph --from)", |b| {
        b.iter(|| {
            let sub = query::subgraph(&adjacency, Some(middle), None, Some(1));
            view::graph_view(&analysis, &sub, Some(asked(n / 2, Depth::Hops(1))))
        });
    });
    group.bench_function("view, all depths (graph --from --depth all)", |b| {
        b.iter(|| {
            let sub = query::subgraph(&adjacency, Some(middle), None, None);
            view::graph_view(&analysis, &sub, Some(asked(n / 2, Depth::All)))
        });
    });
    group.bench_function("path report (path)", |b| {
        b.iter(|| view::path_report(&analysis, &adjacency, first, last, 1));
    });
    group.finish();

    // One agreement more, from the middle of the graph back to its start.
    let changed = analyze(workspace(n, &[(n / 2, 1)]), &Options::default());
    let mut group = c.benchmark_group(format!("{n} services, one agreement added"));
    group.sample_size(10);
    group.bench_function("diff (compiles both sides)", |b| {
        b.iter(|| diff(&analysis, &changed, &CompileOptions::default()));
    });
    group.finish();
}

/// The query `graph --from` echoes, for service number `from`.
fn asked(from: usize, depth: Depth) -> Query {
    Query {
        from: Some(id(from)),
        to: None,
        depth,
    }
}

/// The group lives in a private module: the function the macro makes has
/// no place for a doc comment.
mod group {
    criterion::criterion_group!(benches, super::queries);
}

criterion_main!(group::benches);
