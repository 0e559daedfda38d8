//! The policies one service's agreements compile to, as YAML, for the
//! "preview generated policies" command.

use lattice_core::{Analysis, ServiceId};

/// The generated policies that concern `service`, as one YAML stream.
///
/// TODO: the policy compiler is not part of the core this crate builds
/// against yet; until it is, the preview says so instead of guessing.
pub fn policies(analysis: &Analysis, service: &ServiceId) -> Result<String, String> {
    if analysis.graph.get(service).is_none() {
        return Err(format!("{service} is not defined in the workspace"));
    }
    Err("the policy compiler is not available in this build".to_owned())
}

/// Whether [`policies`] can produce anything in this build.
pub const AVAILABLE: bool = false;
