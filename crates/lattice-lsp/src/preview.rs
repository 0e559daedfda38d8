//! The policies one service's agreements compile to, as YAML, for the
//! "preview generated policies" command: the compiler's own output, cut down
//! to the objects that belong to that service.

use std::fmt::Write as _;

use lattice_core::compile::{
    CompileOptions, Object, SERVICE_LABEL, compile, pod_namespace, usable, yaml_stream,
};
use lattice_core::{Analysis, ServiceId};

/// The objects `compile` generates for `service` (its own network and
/// authorization policies; the baseline and its peers' objects are left
/// out), as one YAML stream after a comment saying what it is.
pub fn policies(analysis: &Analysis, service: &ServiceId) -> Result<String, String> {
    let Some(index) = analysis.graph.get(service) else {
        return Err(format!("{service} is not defined in the workspace"));
    };
    let workload = &analysis.graph.workloads[index];
    let options = CompileOptions {
        no_baseline: true,
        allow_partial: true,
        ..CompileOptions::default()
    };
    let compiled = compile(analysis, &options);
    let namespace = pod_namespace(workload);
    let own: Vec<Object> = compiled
        .objects
        .into_iter()
        .filter(|o| {
            let meta = o.metadata();
            meta.namespace.as_deref() == Some(namespace)
                && meta.labels.get(SERVICE_LABEL) == Some(&workload.id.name)
        })
        .collect();

    let mut out = format!(
        "# Policies of {} {service}, as `kubectl lattice compile` generates them\n\
         # from the workspace (the default-deny baseline is not shown).\n",
        workload.kind.as_str()
    );
    if !usable(workload) {
        out.push_str("# Left out: its spec has errors, so nothing is generated for it.\n");
    } else if own.is_empty() {
        out.push_str(
            "# It takes part in no agreement: nothing is generated, and the baseline denies\n\
             # all of its traffic.\n",
        );
    }
    for warning in compiled
        .warnings
        .iter()
        .filter(|w| w.caller == *service || w.callee == *service)
    {
        let _ = writeln!(out, "# note: {warning}");
    }
    out.push_str(&yaml_stream(&own));
    Ok(out)
}

/// Whether [`policies`] can produce anything in this build.
pub const AVAILABLE: bool = true;
