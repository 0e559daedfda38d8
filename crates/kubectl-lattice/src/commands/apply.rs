//! `kubectl lattice apply [PATH...]`: compile the whole agreement graph and
//! server-side apply what differs from the cluster, optionally pruning what
//! no agreement needs any more, once or (`--watch`) on every change of the
//! specs in the cluster.
//!
//! Compiling the whole graph on every run is what makes a change to one
//! callee re-apply its callers' policies: their egress rules name the
//! callee's ports, so their objects change with it and are the ones that
//! differ. Objects that do not differ are not written.
//!
//! stdout gets one line per object, kubectl style (`CiliumNetworkPolicy
//! shop/lattice-checkout created`); with `--dry-run=client` the objects
//! themselves, with `--dry-run=server` a unified diff per object. When the
//! cluster refuses a write, stderr gets the cause and the list of what was
//! and was not applied, and the exit status is 2.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt as _;
use lattice_core::compile::{self, Compiled, pod_namespace};
use lattice_core::{Analysis, Input, Options};
use lattice_kube::{
    ApplyFailure, ApplyOptions, Cluster, NamespaceSet, PruneScope, Report, Scope, SpecEvent,
};
use serde_json::Value;

use crate::cli::{ApplyArgs, DryRun, GlobalArgs};
use crate::cluster;
use crate::load::LoadOptions;
use crate::specs::write_stdout;
use crate::{Error, ExitStatus};

/// How long `--watch` waits for more changes after one, so that a burst
/// (`kubectl apply -f` of a folder) is applied once.
const SETTLE: Duration = Duration::from_millis(300);

/// Run `apply`.
pub fn run(args: &ApplyArgs, global: &GlobalArgs) -> Result<ExitStatus, Error> {
    init_logging(args.watch, global.verbose);
    if args.watch && args.dry_run != DryRun::None {
        return Err(Error::Usage(
            "--watch applies for real on every change: leave out --dry-run".to_owned(),
        ));
    }
    if args.watch {
        return cluster::block_on(watch(args, global))?;
    }
    if args.dry_run == DryRun::Client && !global.from_cluster {
        let inputs = cluster::inputs(&args.paths, load_options(args), global)?;
        let (analysis, compiled) = compile_specs(inputs, args, global);
        return print_objects(&analysis, &compiled);
    }
    cluster::block_on(once(args, global))?
}

fn load_options(args: &ApplyArgs) -> LoadOptions {
    LoadOptions {
        max_file_size: args.policy.max_file_size,
    }
}

fn init_logging(watch: bool, verbose: u8) {
    let levels = [
        tracing::Level::WARN,
        tracing::Level::INFO,
        tracing::Level::DEBUG,
        tracing::Level::TRACE,
    ];
    let level = levels[(usize::from(watch) + usize::from(verbose)).min(levels.len() - 1)];
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_target(false)
        .with_ansi(false)
        .try_init();
}

/// Read the specs (files or cluster), compile, apply once.
async fn once(args: &ApplyArgs, global: &GlobalArgs) -> Result<ExitStatus, Error> {
    let cluster = lattice_kube::connect(&cluster::options(global)).await?;
    let scope = global
        .from_cluster
        .then(|| cluster::scope(global, &cluster));
    let inputs = match &scope {
        Some(scope) => lattice_kube::read_specs(&cluster, scope).await?,
        None => crate::load::load(&args.paths, load_options(args))?,
    };
    let (analysis, compiled) = compile_specs(inputs, args, global);
    if args.dry_run == DryRun::Client {
        return print_objects(&analysis, &compiled);
    }
    if args.prune && analysis.graph.workloads.is_empty() {
        // Pruning against no specs at all would delete every policy this
        // tool made, the baseline included: almost always a wrong path.
        return Err(Error::Usage(
            "no Lattice specs were read, so --prune would delete every policy kubectl-lattice \
             made; nothing was applied. Pass the files or folders that hold the specs (or -n/-A \
             with --from-cluster)"
                .to_owned(),
        ));
    }
    let Some(options) = apply_options(args, &analysis, &compiled, scope.as_ref()) else {
        return Ok(ExitStatus::Negative);
    };
    let objects: Vec<Value> = compiled.objects.iter().map(compile::to_value).collect();
    match lattice_kube::apply(&cluster, &objects, &options).await {
        Ok(report) if args.dry_run == DryRun::Server => {
            print_diffs(&report)?;
            Ok(ExitStatus::Success)
        }
        Ok(report) => {
            print_report(&report)?;
            Ok(ExitStatus::Success)
        }
        Err(failure) => {
            print_failure(&failure);
            Ok(ExitStatus::Failure)
        }
    }
}

fn compile_specs(
    inputs: Vec<Input>,
    args: &ApplyArgs,
    global: &GlobalArgs,
) -> (Analysis, Compiled) {
    let analysis = lattice_core::analyze(
        inputs,
        &Options {
            default_namespace: global.default_namespace().to_owned(),
        },
    );
    let compiled = compile::compile(&analysis, &args.policy.compile_options(args.allow_partial));
    for warning in &compiled.warnings {
        tracing::warn!("{warning}");
    }
    (analysis, compiled)
}

/// What to tell [`lattice_kube::apply`], or `None` (after saying why) when
/// documents were left out and partial output is not allowed.
fn apply_options(
    args: &ApplyArgs,
    analysis: &Analysis,
    compiled: &Compiled,
    scope: Option<&Scope>,
) -> Option<ApplyOptions> {
    if compiled.refused() {
        for left in &compiled.left_out {
            eprintln!("error: {left}");
        }
        eprintln!(
            "error: {} document(s) left out, so nothing was applied: fix them (`kubectl lattice \
             check` shows why) or pass --allow-partial",
            compiled.left_out.len()
        );
        return None;
    }
    for left in &compiled.left_out {
        eprintln!("warning: {left}; its policies in the cluster are kept as they are");
    }
    let protected_owners = compiled
        .left_out
        .iter()
        .filter_map(|left| left.workload.as_ref())
        .map(ToString::to_string)
        .collect();
    Some(ApplyOptions {
        server_dry_run: args.dry_run == DryRun::Server,
        prune: args.prune.then(|| prune_scope(analysis, compiled, scope)),
        force_conflicts: args.force_conflicts,
        protected_owners,
    })
}

/// The namespaces prune looks in: those of the specs and of the objects
/// compiled from them; with `--from-cluster`, the namespace read (or all).
fn prune_scope(analysis: &Analysis, compiled: &Compiled, scope: Option<&Scope>) -> PruneScope {
    let mut namespaces: BTreeSet<String> = compiled
        .objects
        .iter()
        .filter_map(|o| o.metadata().namespace.clone())
        .collect();
    match scope {
        Some(Scope::All) => PruneScope {
            namespaces: NamespaceSet::All,
            cluster_scoped: true,
        },
        Some(Scope::Namespace(ns)) => {
            namespaces.insert(ns.clone());
            PruneScope {
                namespaces: NamespaceSet::Only(namespaces),
                cluster_scoped: false,
            }
        }
        None => {
            for workload in &analysis.graph.workloads {
                namespaces.insert(workload.id.namespace.clone());
                namespaces.insert(pod_namespace(workload).to_owned());
            }
            PruneScope {
                namespaces: NamespaceSet::Only(namespaces),
                cluster_scoped: true,
            }
        }
    }
}

fn print_objects(analysis: &Analysis, compiled: &Compiled) -> Result<ExitStatus, Error> {
    if compiled.refused() {
        for left in &compiled.left_out {
            eprintln!("error: {left}");
        }
        return Ok(ExitStatus::Negative);
    }
    write_stdout(|out| {
        for object in &compiled.objects {
            out.write_all(compile::yaml_document(object).as_bytes())?;
        }
        Ok(())
    })?;
    tracing::info!(
        objects = compiled.objects.len(),
        agreements = analysis.summary.agreements,
        "client dry run: nothing was sent"
    );
    Ok(ExitStatus::Success)
}

fn print_report(report: &Report) -> Result<(), Error> {
    write_stdout(|out| {
        for object in &report.unchanged {
            writeln!(out, "{object} unchanged")?;
        }
        for outcome in &report.done {
            writeln!(out, "{} {}", outcome.object, outcome.verb)?;
        }
        Ok(())
    })
}

fn print_diffs(report: &Report) -> Result<(), Error> {
    write_stdout(|out| {
        for diff in &report.diffs {
            out.write_all(diff.as_bytes())?;
        }
        Ok(())
    })?;
    eprintln!(
        "server dry run: {} change(s) to make, {} object(s) unchanged; nothing was changed",
        report.done.len(),
        report.unchanged.len()
    );
    Ok(())
}

fn print_failure(failure: &ApplyFailure) {
    eprintln!("error: {}", crate::error::chain(&failure.error));
    if failure.done.is_empty() {
        eprintln!("nothing was applied");
    } else {
        eprintln!("applied before the error:");
        for outcome in &failure.done {
            eprintln!("  {} {}", outcome.object, outcome.verb);
        }
    }
    if !failure.not_done.is_empty() {
        eprintln!("not applied:");
        for outcome in &failure.not_done {
            eprintln!("  {}", outcome.object);
        }
    }
    if !failure.unchanged.is_empty() {
        eprintln!(
            "already as compiled (unchanged): {}",
            failure.unchanged.len()
        );
    }
}

/// Apply, then apply again on every change of the specs until SIGINT or
/// SIGTERM.
async fn watch(args: &ApplyArgs, global: &GlobalArgs) -> Result<ExitStatus, Error> {
    let cluster = lattice_kube::connect(&cluster::options(global)).await?;
    let scope = cluster::scope(global, &cluster);
    let mut events = Box::pin(lattice_kube::spec_events(&cluster, &scope));
    let mut stop = Box::pin(stop_signal());
    tracing::info!(server = %cluster.server, ?scope, "watching LatticeService and LatticeMeshMember");

    let mut ready = false;
    loop {
        let event = tokio::select! {
            signal = &mut stop => {
                tracing::info!(signal, "stopping");
                return Ok(ExitStatus::Success);
            }
            event = events.next() => event,
        };
        let Some(event) = event else {
            return Ok(ExitStatus::Success);
        };
        match event {
            Err(error) if !ready => return Err(error.into()),
            Err(error) => {
                tracing::warn!("{}", crate::error::chain(&error));
                continue;
            }
            Ok(SpecEvent::Ready) => {
                ready = true;
                tracing::info!("specs listed; applying");
            }
            Ok(event) => {
                log_event(&event);
                settle(&mut events).await;
            }
        }
        apply_round(&cluster, &scope, args, global).await;
    }
}

fn log_event(event: &SpecEvent) {
    match event {
        SpecEvent::Changed {
            path,
            resource_version,
        } => tracing::info!(object = %path, %resource_version, "spec changed"),
        SpecEvent::Deleted { path } => tracing::info!(object = %path, "spec deleted"),
        SpecEvent::Resynced { kind } => {
            tracing::info!(kind = kind.name(), "watch restarted; specs listed again");
        }
        SpecEvent::Ready => {}
    }
}

/// Take the changes that follow within [`SETTLE`] of each other.
async fn settle<S>(events: &mut S)
where
    S: futures::Stream<Item = Result<SpecEvent, lattice_kube::ClusterError>> + Unpin,
{
    while let Ok(Some(event)) = tokio::time::timeout(SETTLE, events.next()).await {
        match event {
            Ok(event) => log_event(&event),
            Err(error) => tracing::warn!("{}", crate::error::chain(&error)),
        }
    }
}

/// One read-compile-apply round of `--watch`; failures are logged and the
/// watch goes on, since the next change may fix them.
async fn apply_round(cluster: &Cluster, scope: &Scope, args: &ApplyArgs, global: &GlobalArgs) {
    let inputs = match lattice_kube::read_specs(cluster, scope).await {
        Ok(inputs) => inputs,
        Err(error) => {
            tracing::error!("{}", crate::error::chain(&error));
            return;
        }
    };
    let (analysis, compiled) = compile_specs(inputs, args, global);
    if args.prune && analysis.graph.workloads.is_empty() {
        tracing::error!(
            "no Lattice specs left: --prune would delete every policy; nothing applied"
        );
        return;
    }
    let Some(options) = apply_options(args, &analysis, &compiled, Some(scope)) else {
        tracing::error!("specs with errors: nothing applied until they are fixed");
        return;
    };
    let objects: Vec<Value> = compiled.objects.iter().map(compile::to_value).collect();
    match lattice_kube::apply(cluster, &objects, &options).await {
        Ok(report) => {
            for outcome in &report.done {
                tracing::info!(object = %outcome.object, "{}", outcome.verb);
            }
            tracing::info!(
                written = report.done.len(),
                unchanged = report.unchanged.len(),
                agreements = analysis.summary.agreements,
                "applied"
            );
        }
        Err(failure) => {
            tracing::error!("{}", crate::error::chain(&failure.error));
            for outcome in &failure.done {
                tracing::error!(object = %outcome.object, "applied before the error: {}", outcome.verb);
            }
            for outcome in &failure.not_done {
                tracing::error!(object = %outcome.object, "not applied");
            }
        }
    }
}

/// Resolves with the name of the first SIGINT or SIGTERM.
async fn stop_signal() -> &'static str {
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(error) => {
                tracing::warn!(%error, "SIGTERM cannot be caught; stop with SIGINT");
                let _ = tokio::signal::ctrl_c().await;
                return "SIGINT";
            }
        };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "SIGINT",
        _ = terminate.recv() => "SIGTERM",
    }
}
