//! The command line: flags and subcommands, with their help text taken from
//! the doc comments below. Flags that kubectl has mean what they mean there.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use clap::{ArgAction, ArgGroup, Args, Parser, Subcommand, ValueEnum};
use lattice_core::compile::CompileOptions;
use lattice_core::view::Depth;

use crate::load::DEFAULT_MAX_FILE_SIZE;

/// Bilateral service-mesh agreements for Kubernetes.
///
/// A caller may reach a callee only when both consent: the caller declares
/// the outbound call and the callee accepts the caller. `kubectl lattice`
/// checks those agreements in Lattice specs (LatticeService and
/// LatticeMeshMember, `lattice.dev/v1alpha1`).
///
/// Exit codes: 0 success, 1 the answer is negative (for `check`: errors were
/// found), 2 usage, I/O or cluster error.
#[expect(
    clippy::doc_markdown,
    reason = "doc comments are the --help text, where backticks would show"
)]
#[derive(Debug, Parser)]
#[command(name = "kubectl-lattice", bin_name = "kubectl lattice", version)]
#[command(propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// Flags every command accepts.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts, before or after the command name.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Namespace of specs that name none [default: default]; with
    /// --from-cluster, the namespace to read [default: the context's].
    #[arg(short, long, global = true, value_name = "NAMESPACE", value_parser = parse_namespace)]
    pub namespace: Option<String>,

    /// Read the specs from the cluster's Lattice objects instead of files.
    #[arg(long, global = true)]
    pub from_cluster: bool,

    /// The kubeconfig context to use (with --from-cluster and for apply).
    #[arg(long, global = true, value_name = "CONTEXT")]
    pub context: Option<String>,

    /// Path to the kubeconfig file to use, instead of KUBECONFIG or
    /// ~/.kube/config (with --from-cluster and for apply).
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// Read specs from every namespace (with --from-cluster).
    #[arg(
        short = 'A',
        long,
        global = true,
        requires = "from_cluster",
        conflicts_with = "namespace"
    )]
    pub all_namespaces: bool,

    /// When to colour the text output.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,

    /// Say more on stderr about what is read and how long it takes; repeat for more.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
}

impl GlobalArgs {
    /// The namespace of specs that name none.
    #[must_use]
    pub fn default_namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }
}

/// The commands.
#[expect(
    clippy::doc_markdown,
    reason = "doc comments are the --help text, where backticks would show"
)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint the specs: unmatched declarations, unknown services, invalid fields.
    ///
    /// Reads every *.yaml and *.yml file under the given folders (hidden
    /// folders, node_modules and target are skipped) and every file named on
    /// the command line, whatever its extension.
    ///
    /// Exit codes: 0 no errors (warnings alone still exit 0), 1 errors were
    /// found, 2 a path does not exist, a file could not be read, or the
    /// command line is wrong.
    Check(CheckArgs),

    /// Print the Cilium and Istio policies the agreements compile to.
    ///
    /// For every agreement A -> B: a CiliumNetworkPolicy egress rule on A and
    /// ingress rule on B on B's target ports, and an Istio
    /// AuthorizationPolicy on B allowing A's identity; one policy object per
    /// workload. A default-deny baseline is added unless --no-baseline. The
    /// output is deterministic and can be piped to `kubectl apply -f -`.
    ///
    /// A document with errors contributes no policy. Exit codes: 0 the
    /// policies were printed, 1 documents had to be left out (they are named
    /// on stderr, and nothing is printed unless --allow-partial), 2 usage or
    /// I/O error.
    Compile(CompileArgs),

    /// Explain whether CALLER can reach CALLEE, why, what it compiles to,
    /// and the fix.
    ///
    /// Names are `name` (in the namespace of -n, default `default`) or
    /// `namespace/name`. Exit codes: 0 allowed, 1 denied, 2 a name is
    /// unknown (with a suggestion), usage or I/O error.
    Explain(ExplainArgs),

    /// The agreement graph, or what a service calls, or what can reach it.
    ///
    /// --from X shows what X calls, --to Y what can reach Y: directly, or
    /// through chains of agreements with --depth N or --depth all; with
    /// both, the agreements on the walks from X to Y. Declarations still
    /// waiting for their counterpart are shown too (dashed in pictures), and
    /// agreements through an escape hatch (id: "*", name: "*", dependsAll)
    /// say so.
    ///
    /// Names are `name` (in the namespace of -n, default `default`) or
    /// `namespace/name`. Exit codes: 0 shown, 2 a name is unknown (with a
    /// suggestion), usage or I/O error.
    Graph(GraphArgs),

    /// Is there a chain of agreements from FROM to TO? Print the shortest,
    /// with the file and line of both declarations of every hop.
    ///
    /// --all lists the simple paths, shortest first, up to --max-paths.
    /// When there is none, the declarations that would open one once their
    /// counterpart is written are listed. Exit codes: 0 a path exists, 1
    /// none does, 2 a name is unknown (with a suggestion), usage or I/O
    /// error.
    Path(PathArgs),

    /// What changed between OLD and NEW: agreements, unmatched
    /// declarations, reachability and the generated policies.
    ///
    /// OLD and NEW are files or folders, or with --git two revisions of the
    /// git repository around the current folder, read through git without a
    /// checkout (PATHs then narrow it to files and folders inside it).
    /// Exit codes: 0 done (with --exit-code: nothing changed), 1 something
    /// changed and --exit-code was given, 2 usage, I/O or git error.
    Diff(DiffArgs),

    /// Server-side apply the compiled policies to the cluster.
    ///
    /// Compiles the whole graph, as compile does, and applies every object
    /// that differs from the cluster's (field manager kubectl-lattice);
    /// objects that are already as compiled are reported unchanged and not
    /// written. Writes that add allows come first, then those that remove
    /// allows and the default-deny baseline, then deletes, so agreed traffic
    /// is never denied in between.
    ///
    /// Exit codes: 0 applied (or nothing to do), 1 documents with errors
    /// had to be left out and nothing was applied (unless --allow-partial),
    /// 2 usage, I/O or cluster error: the cluster unreachable, CRDs missing,
    /// RBAC denied a request, or another field manager owns a field; what
    /// was and was not applied is then listed on stderr.
    Apply(ApplyArgs),

    /// Run the language server on stdin and stdout, for editors.
    ///
    /// Speaks LSP 3.17 for the YAML files of the workspace folders the editor
    /// names: diagnostics across files, completion, hover, go to definition,
    /// references, rename, quick fixes and code lenses. Logs go to stderr
    /// (LATTICE_LOG=debug for more); stdout carries only the protocol.
    Lsp,
}

/// Arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders holding the specs.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(short, long, value_name = "FORMAT", default_value = "text")]
    pub output: CheckFormat,

    /// Files larger than this many bytes (default 16 MiB) are reported, not read.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
}

/// The flags `compile` and `apply` share: how the policies are made, and
/// the largest file read.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Leave out the default-deny baseline.
    #[arg(long)]
    pub no_baseline: bool,

    /// Put one Istio deny-all into the Istio root namespace instead of one
    /// into every namespace that holds specs.
    #[arg(long)]
    pub mesh_wide_baseline: bool,

    /// The mesh's trust domain, the first part of every principal.
    #[arg(long, value_name = "DOMAIN", default_value = "cluster.local", value_parser = parse_trust_domain)]
    pub trust_domain: String,

    /// The Istio root namespace, where istiod runs and a mesh-wide baseline goes.
    #[arg(long, value_name = "NAMESPACE", default_value = "istio-system", value_parser = parse_namespace)]
    pub istio_root_namespace: String,

    /// The namespace Cilium runs in, left alone by the baseline.
    #[arg(long, value_name = "NAMESPACE", default_value = "kube-system", value_parser = parse_namespace)]
    pub cilium_namespace: String,

    /// Another namespace the baseline leaves alone; repeat for more.
    #[arg(long = "system-namespace", value_name = "NAMESPACE", value_parser = parse_namespace)]
    pub system_namespaces: Vec<String>,

    /// Files larger than this many bytes (default 16 MiB) are reported, not read.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
}

impl PolicyArgs {
    /// The compiler's options for these flags.
    #[must_use]
    pub fn compile_options(&self, allow_partial: bool) -> CompileOptions {
        CompileOptions {
            trust_domain: self.trust_domain.clone(),
            istio_root_namespace: self.istio_root_namespace.clone(),
            cilium_namespace: self.cilium_namespace.clone(),
            system_namespaces: self.system_namespaces.clone(),
            no_baseline: self.no_baseline,
            mesh_wide_baseline: self.mesh_wide_baseline,
            allow_partial,
        }
    }
}

/// Arguments of `compile`.
#[derive(Debug, Args)]
pub struct CompileArgs {
    /// Files or folders holding the specs.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format: a YAML stream, or a JSON `List`.
    #[arg(short, long, value_name = "FORMAT", default_value = "yaml")]
    pub output: CompileFormat,

    /// Write one file per object into this folder (created if missing)
    /// instead of printing them.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,

    /// Print the policies even when documents with errors had to be left out.
    #[arg(long)]
    pub allow_partial: bool,

    /// How the policies are made.
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// Arguments of `apply`.
#[expect(
    clippy::doc_markdown,
    reason = "doc comments are the --help text, where backticks would show"
)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "each is a kubectl-style switch of its own"
)]
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Files or folders holding the specs.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Change nothing: `client` prints the objects that would be applied,
    /// `server` prints a diff of each object the server would change.
    #[arg(long, value_name = "MODE", default_value = "none", num_args = 0..=1,
          default_missing_value = "client", require_equals = true)]
    pub dry_run: DryRun,

    /// Delete the objects this tool applied before (managed-by label and
    /// owner annotation) that no agreement needs any more, in the
    /// namespaces the specs cover (with --from-cluster -n: that namespace;
    /// -A or files: also the cluster-wide baseline). Objects of specs that
    /// could not be compiled are kept.
    #[arg(long)]
    pub prune: bool,

    /// Take over fields that another field manager owns, instead of failing.
    #[arg(long)]
    pub force_conflicts: bool,

    /// After applying, keep watching the LatticeService and
    /// LatticeMeshMember objects and apply again on every change, until
    /// interrupted (needs --from-cluster).
    #[arg(long, requires = "from_cluster")]
    pub watch: bool,

    /// Apply the policies of the valid specs even when documents with
    /// errors had to be left out (their objects are kept as they are).
    #[arg(long)]
    pub allow_partial: bool,

    /// How the policies are made.
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// `apply --dry-run` modes, as kubectl has them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DryRun {
    /// Apply for real.
    None,
    /// Print the objects; the cluster is not contacted.
    Client,
    /// Ask the server what would change; print a diff per object.
    Server,
}

/// Output formats of `compile`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CompileFormat {
    /// One YAML document per object, each starting with `---`.
    Yaml,
    /// One JSON object of kind `List` holding the objects.
    Json,
}

/// Arguments of `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The calling service: `name` or `namespace/name`.
    #[arg(value_name = "CALLER")]
    pub caller: String,

    /// The called service: `name` or `namespace/name`.
    #[arg(value_name = "CALLEE")]
    pub callee: String,

    /// Files or folders holding the specs.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(short, long, value_name = "FORMAT", default_value = "text")]
    pub output: ExplainFormat,

    /// The mesh's trust domain, for the identities and principals shown.
    #[arg(long, value_name = "DOMAIN", default_value = "cluster.local", value_parser = parse_trust_domain)]
    pub trust_domain: String,

    /// Files larger than this many bytes (default 16 MiB) are reported, not read.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
}

/// Output formats of `explain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// For people.
    Text,
    /// One JSON object, as the contract fixes it.
    Json,
}

/// Arguments of `graph`.
#[derive(Debug, Args)]
#[command(group = ArgGroup::new("endpoint").multiple(true))]
pub struct GraphArgs {
    /// Files or folders holding the specs.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format: text for people, dot (Graphviz), mermaid, or json.
    #[arg(short, long, value_name = "FORMAT", default_value = "text")]
    pub output: GraphFormat,

    /// Show what this service calls: `name` or `namespace/name`.
    #[arg(long, value_name = "SERVICE", group = "endpoint")]
    pub from: Option<String>,

    /// Show what can reach this service: `name` or `namespace/name`.
    #[arg(long, value_name = "SERVICE", group = "endpoint")]
    pub to: Option<String>,

    /// How many agreements to follow: a number, or `all` [default: 1, or
    /// all with both --from and --to].
    #[arg(long, value_name = "N|all", requires = "endpoint", value_parser = parse_depth)]
    pub depth: Option<Depth>,

    /// Files larger than this many bytes (default 16 MiB) are reported, not read.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
}

/// Output formats of `graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// For people: each service with what it calls.
    Text,
    /// Graphviz, for `dot -Tsvg`.
    Dot,
    /// A Mermaid flowchart, for Markdown that renders it.
    Mermaid,
    /// One JSON object with the nodes and edges.
    Json,
}

/// Arguments of `path`.
#[derive(Debug, Args)]
pub struct PathArgs {
    /// Where the path starts: `name` or `namespace/name`.
    #[arg(value_name = "FROM")]
    pub from: String,

    /// Where it ends: `name` or `namespace/name`.
    #[arg(value_name = "TO")]
    pub to: String,

    /// Files or folders holding the specs.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(short, long, value_name = "FORMAT", default_value = "text")]
    pub output: PathFormat,

    /// List every simple path (no service twice), shortest first.
    #[arg(long)]
    pub all: bool,

    /// With --all, list at most this many paths.
    #[arg(long, value_name = "N", default_value_t = 20, requires = "all", value_parser = clap::value_parser!(u16).range(1..))]
    pub max_paths: u16,

    /// Files larger than this many bytes (default 16 MiB) are reported, not read.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
}

/// Output formats of `path`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PathFormat {
    /// For people: every hop with its two declarations.
    Text,
    /// One JSON object.
    Json,
}

/// Arguments of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old side: a file or folder, or with --git a revision.
    #[arg(value_name = "OLD")]
    pub old: String,

    /// The new side: a file or folder, or with --git a revision.
    #[arg(value_name = "NEW")]
    pub new: String,

    /// With --git: files and folders inside the repository to compare
    /// (default: all of it).
    #[arg(value_name = "PATH", requires = "git")]
    pub paths: Vec<PathBuf>,

    /// OLD and NEW are git revisions (commits, branches, tags) of the
    /// repository around the current folder.
    #[arg(long)]
    pub git: bool,

    /// Output format: text, json, or markdown for a pull-request comment.
    #[arg(short, long, value_name = "FORMAT", default_value = "text")]
    pub output: DiffFormat,

    /// Exit 1 when something changed, like `git diff --exit-code`.
    #[arg(long)]
    pub exit_code: bool,

    /// The mesh's trust domain, for the policies compared.
    #[arg(long, value_name = "DOMAIN", default_value = "cluster.local", value_parser = parse_trust_domain)]
    pub trust_domain: String,

    /// Leave the default-deny baseline out of the policies compared.
    #[arg(long)]
    pub no_baseline: bool,

    /// Files larger than this many bytes (default 16 MiB) are reported, not read.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
}

/// Output formats of `diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// For people.
    Text,
    /// One JSON object.
    Json,
    /// Markdown with a Mermaid picture, for a pull-request comment.
    Markdown,
}

/// Output formats of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// For people, in the style of compiler errors.
    Text,
    /// One JSON object, as the contract fixes it.
    Json,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
}

/// When to colour output.
#[expect(
    clippy::doc_markdown,
    reason = "doc comments are the --help text, where backticks would show"
)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal, NO_COLOR is unset or empty and TERM is not `dumb`.
    Auto,
    /// Even when stdout is a file or a pipe.
    Always,
    /// Plain text.
    Never,
}

impl ColorChoice {
    /// Whether to colour what goes to stdout now.
    #[must_use]
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                let dumb = std::env::var_os("TERM").is_some_and(|v| v == "dumb");
                !no_color && !dumb && std::io::stdout().is_terminal()
            }
        }
    }
}

/// `all`, or a number of hops of at least 1.
fn parse_depth(value: &str) -> Result<Depth, String> {
    if value == "all" {
        return Ok(Depth::All);
    }
    match value.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(Depth::Hops(n)),
        _ => Err(format!(
            "`{value}` is not a depth: use a number of hops of at least 1, or `all`"
        )),
    }
}

/// Kubernetes namespaces are RFC 1123 labels; refusing others here keeps a
/// typo from silently creating a namespace no spec lives in.
fn parse_namespace(value: &str) -> Result<String, String> {
    let bytes = value.as_bytes();
    let valid_char = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
    let edge_ok = |b: Option<&u8>| b.is_some_and(|b| *b != b'-');
    if bytes.len() <= 63
        && bytes.iter().all(valid_char)
        && edge_ok(bytes.first())
        && edge_ok(bytes.last())
    {
        Ok(value.to_owned())
    } else {
        Err(format!(
            "`{value}` is not a namespace name: use at most 63 lowercase letters, digits and \
             '-', starting and ending with a letter or digit"
        ))
    }
}

/// The trust domain opens every Istio principal; a `/` or `*` in it would
/// make principals that name other identities, or patterns.
fn parse_trust_domain(value: &str) -> Result<String, String> {
    match lattice_core::names::trust_domain_problem(value) {
        None => Ok(value.to_owned()),
        Some(problem) => Err(format!(
            "{} is not a trust domain: it {problem}",
            lattice_core::names::shown(value)
        )),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn namespaces_must_be_dns_labels() {
        assert!(parse_namespace("commerce").is_ok());
        assert!(parse_namespace("team-1").is_ok());
        for bad in ["", "-a", "a-", "Commerce", "a_b", "a.b", &"a".repeat(64)] {
            assert!(parse_namespace(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn trust_domains_that_would_forge_principals_are_refused() {
        assert!(parse_trust_domain("cluster.local").is_ok());
        for bad in ["", "evil/ns/x", "*", "Cluster.local", "a,b", "a\nb"] {
            assert!(parse_trust_domain(bad).is_err(), "{bad:?} accepted");
        }
        let refused = Cli::try_parse_from([
            "kubectl-lattice",
            "compile",
            "--trust-domain",
            "cluster.local/ns/evil/sa/x",
        ]);
        assert!(refused.is_err());
    }

    #[test]
    fn flags_may_follow_the_command() {
        let cli = Cli::try_parse_from([
            "kubectl-lattice",
            "check",
            "specs",
            "-n",
            "shop",
            "-o",
            "json",
        ])
        .unwrap();
        assert_eq!(cli.global.default_namespace(), "shop");
        let Command::Check(check) = cli.command else {
            panic!("parsed as another command");
        };
        assert_eq!(check.output, CheckFormat::Json);
        assert_eq!(check.paths, [PathBuf::from("specs")]);
    }

    #[test]
    fn cluster_flags_need_from_cluster() {
        assert!(Cli::try_parse_from(["kubectl-lattice", "-A", "check"]).is_err());
        assert!(Cli::try_parse_from(["kubectl-lattice", "apply", "--watch"]).is_err());
        assert!(Cli::try_parse_from(["kubectl-lattice", "apply", "--context", "prod"]).is_ok());
        assert!(
            Cli::try_parse_from([
                "kubectl-lattice",
                "--from-cluster",
                "--context",
                "prod",
                "check"
            ])
            .is_ok()
        );
    }
}
