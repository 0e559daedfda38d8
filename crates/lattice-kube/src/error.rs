//! What can go wrong talking to a cluster, in words that say what to do.
//!
//! Every API failure is turned into one of these variants by `from_api`,
//! which knows the verb and the resource it was attempting; the messages name
//! both, because the server's own text ("forbidden", "the server could not
//! find the requested resource") rarely says which request it was.

use std::fmt;

use crate::resources::Kind;

/// A reference to one object, as people read it: `CiliumNetworkPolicy
/// shop/lattice-checkout` (or without namespace when cluster-scoped).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    /// The kind.
    pub kind: Kind,
    /// The namespace; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind.name(), self.name),
            None => write!(f, "{} {}", self.kind.name(), self.name),
        }
    }
}

/// A failure to read from or write to the cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// No kubeconfig could be read, or it has no usable context.
    #[error(
        "cannot use the kubeconfig{}: {source}; pass --kubeconfig or set KUBECONFIG to a valid \
         file, and --context to one of its contexts",
        context_hint(.context.as_deref())
    )]
    Kubeconfig {
        /// The context asked for, if any.
        context: Option<String>,
        /// What kube-rs said.
        #[source]
        source: kube::config::KubeconfigError,
    },

    /// The client could not be built from a valid kubeconfig (TLS material).
    #[error("cannot set up a client for {server}")]
    Client {
        /// The API server's URL.
        server: String,
        /// Why.
        #[source]
        source: kube::Error,
    },

    /// No connection to the API server.
    #[error(
        "cannot reach the API server at {server}: {reason}; check that the cluster is up and \
         that the kubeconfig (--kubeconfig, KUBECONFIG) and context (--context) point at it"
    )]
    Unreachable {
        /// The API server's URL.
        server: String,
        /// What the transport said, innermost cause first.
        reason: String,
    },

    /// The credentials were not accepted (401).
    #[error(
        "the API server at {server} did not accept the credentials of the kubeconfig: {message}; \
         refresh the token or certificate of the context's user"
    )]
    Unauthorized {
        /// The API server's URL.
        server: String,
        /// The server's message.
        message: String,
    },

    /// Custom resource definitions the command needs are not installed.
    #[error("{}", missing_crds(.kinds))]
    CrdsMissing {
        /// The kinds the cluster does not serve.
        kinds: Vec<Kind>,
    },

    /// RBAC denied a request (403).
    #[error(
        "forbidden: {user} may not {verb} {resource}{}: the RBAC rule that allows `{verb}` on \
         `{resource}` is missing; bind the ClusterRole in deploy/rbac.yaml (kubectl-lattice) to \
         this user, or ask a cluster admin to",
        namespace_hint(.namespace.as_deref())
    )]
    Forbidden {
        /// The verb the server denied (`get`, `list`, `watch`, `create`,
        /// `patch`, `delete`): a server-side apply that creates an object
        /// needs `create` as well as `patch`.
        verb: String,
        /// `plural.group`, as RBAC rules name it.
        resource: String,
        /// The namespace of the request, if namespaced.
        namespace: Option<String>,
        /// Who the server says is asking.
        user: String,
    },

    /// Server-side apply found fields owned by another field manager (409).
    #[error(
        "{object} has fields that another field manager set to other values, so it was not \
         changed: {message}. Find out who manages them (`kubectl get -o yaml \
         --show-managed-fields`); if kubectl-lattice should own them, run again with \
         --force-conflicts"
    )]
    Conflict {
        /// The object.
        object: ObjectRef,
        /// The server's list of conflicts.
        message: String,
    },

    /// The object changed or went away between reading and deleting it (409 on delete).
    #[error("{object} changed since it was read, so it was not deleted; run again")]
    Changed {
        /// The object.
        object: ObjectRef,
    },

    /// The namespace of an object does not exist.
    #[error(
        "{object} cannot be written: namespace `{namespace}` does not exist; create it \
         (`kubectl create namespace {namespace}`) or fix the namespace in the spec"
    )]
    NamespaceMissing {
        /// The object.
        object: ObjectRef,
        /// The missing namespace.
        namespace: String,
    },

    /// The API server refused the object (422: schema validation, unknown field).
    #[error("the API server refused {object}: {message}")]
    Invalid {
        /// The object.
        object: ObjectRef,
        /// The server's reasons.
        message: String,
    },

    /// Any other failure of a request.
    #[error("cannot {verb} {what}: {message}")]
    Request {
        /// The verb.
        verb: &'static str,
        /// The object or resource.
        what: String,
        /// What went wrong.
        message: String,
    },
}

fn context_hint(context: Option<&str>) -> String {
    context.map_or_else(String::new, |c| format!(" (context `{c}`)"))
}

fn namespace_hint(namespace: Option<&str>) -> String {
    namespace.map_or_else(
        || " (cluster-wide)".to_owned(),
        |ns| format!(" in namespace `{ns}`"),
    )
}

fn missing_crds(kinds: &[Kind]) -> String {
    let mut lattice = Vec::new();
    let mut cilium = Vec::new();
    let mut istio = Vec::new();
    for kind in kinds {
        let text = format!("{} ({})", kind.name(), kind.api_version());
        match kind.group() {
            "lattice.dev" => lattice.push(text),
            "cilium.io" => cilium.push(text),
            _ => istio.push(text),
        }
    }
    let mut parts = Vec::new();
    if !lattice.is_empty() {
        parts.push(format!(
            "{}: install the Lattice CRDs with `kubectl apply -f deploy/crds/`",
            lattice.join(", ")
        ));
    }
    if !cilium.is_empty() {
        parts.push(format!(
            "{}: install Cilium (its operator installs the CRDs; `cilium install` or the Helm \
             chart)",
            cilium.join(", ")
        ));
    }
    if !istio.is_empty() {
        parts.push(format!(
            "{}: install Istio's CRDs (`istioctl install`, or the `istio/base` Helm chart)",
            istio.join(", ")
        ));
    }
    format!(
        "the cluster does not serve {}; {}",
        if kinds.len() == 1 {
            "a kind this command needs"
        } else {
            "kinds this command needs"
        },
        parts.join("; ")
    )
}

/// The request that failed, for [`from_api`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Attempt<'a> {
    /// The RBAC verb.
    pub verb: &'static str,
    /// What kind of object.
    pub kind: Kind,
    /// The namespace, for namespaced requests.
    pub namespace: Option<&'a str>,
    /// The object's name, for requests on one object.
    pub name: Option<&'a str>,
}

impl Attempt<'_> {
    fn object(&self) -> ObjectRef {
        ObjectRef {
            kind: self.kind,
            namespace: self.namespace.map(str::to_owned),
            name: self.name.unwrap_or_default().to_owned(),
        }
    }

    fn what(&self) -> String {
        match (self.name, self.namespace) {
            (Some(_), _) => self.object().to_string(),
            (None, Some(ns)) => format!("{} in namespace `{ns}`", self.kind.resource()),
            (None, None) => self.kind.resource(),
        }
    }
}

/// Turn a failed request into a [`ClusterError`] that says what was being done.
pub(crate) fn from_api(error: kube::Error, attempt: Attempt<'_>, server: &str) -> ClusterError {
    let status = match error {
        kube::Error::Api(status) => status,
        other => return transport(&other, server, attempt),
    };
    let message = status.message.clone();
    match status.code {
        401 => ClusterError::Unauthorized {
            server: server.to_owned(),
            message,
        },
        403 => ClusterError::Forbidden {
            verb: denied_verb(&message).unwrap_or(attempt.verb).to_owned(),
            resource: attempt.kind.resource(),
            namespace: attempt.namespace.map(str::to_owned),
            user: forbidden_user(&message),
        },
        409 if attempt.verb == "delete" => ClusterError::Changed {
            object: attempt.object(),
        },
        409 => ClusterError::Conflict {
            object: attempt.object(),
            message,
        },
        404 if status
            .details
            .as_ref()
            .is_some_and(|d| d.kind == "namespaces") =>
        {
            ClusterError::NamespaceMissing {
                object: attempt.object(),
                namespace: status
                    .details
                    .map(|d| d.name)
                    .or_else(|| attempt.namespace.map(str::to_owned))
                    .unwrap_or_default(),
            }
        }
        404 if attempt.name.is_none() || attempt.verb == "patch" => ClusterError::CrdsMissing {
            kinds: vec![attempt.kind],
        },
        422 => ClusterError::Invalid {
            object: attempt.object(),
            message,
        },
        code => ClusterError::Request {
            verb: attempt.verb,
            what: attempt.what(),
            message: format!("{message} (HTTP {code}, {})", status.reason),
        },
    }
}

/// A failure below HTTP: no connection, TLS, a timeout.
pub(crate) fn transport(error: &kube::Error, server: &str, attempt: Attempt<'_>) -> ClusterError {
    match error {
        kube::Error::HyperError(_) | kube::Error::Service(_) => ClusterError::Unreachable {
            server: server.to_owned(),
            reason: innermost(error),
        },
        other => ClusterError::Request {
            verb: attempt.verb,
            what: attempt.what(),
            message: innermost(other),
        },
    }
}

/// The innermost cause of `error`, which is the one that says what happened
/// ("Connection refused"); the outer ones only say where.
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut last = error;
    while let Some(source) = last.source() {
        last = source;
    }
    last.to_string()
}

/// The verb a 403 message says was denied (`... cannot create resource ...`).
fn denied_verb(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once(" cannot ")?;
    let (verb, _) = rest.split_once(' ')?;
    verb.chars().all(|c| c.is_ascii_lowercase()).then_some(verb)
}

/// The user named in a 403 message (`User "x" cannot ...`), or "the user of
/// the kubeconfig" when the message names none.
fn forbidden_user(message: &str) -> String {
    message
        .strip_prefix("User \"")
        .or_else(|| message.split_once(": User \"").map(|(_, rest)| rest))
        .and_then(|rest| rest.split_once('"'))
        .map_or_else(
            || "the user of the kubeconfig".to_owned(),
            |(user, _)| format!("`{user}`"),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forbidden_user_is_taken_from_the_message() {
        let message = "latticeservices.lattice.dev is forbidden: User \
                       \"system:serviceaccount:t:applier\" cannot list resource";
        assert_eq!(forbidden_user(message), "`system:serviceaccount:t:applier`");
        assert_eq!(forbidden_user("forbidden"), "the user of the kubeconfig");
        assert_eq!(denied_verb(message), Some("list"));
        assert_eq!(denied_verb("forbidden"), None);
    }

    #[test]
    fn missing_crds_say_how_to_install_each_family() {
        let text = missing_crds(&[Kind::LatticeService, Kind::CiliumNetworkPolicy]);
        assert!(
            text.contains("LatticeService (lattice.dev/v1alpha1)"),
            "{text}"
        );
        assert!(text.contains("kubectl apply -f deploy/crds/"), "{text}");
        assert!(text.contains("install Cilium"), "{text}");
        assert!(!text.contains("Istio"), "{text}");
    }
}
