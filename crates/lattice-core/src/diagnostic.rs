//! The one diagnostic type of the project. It knows nothing of output formats:
//! the terminal, JSON, SARIF and LSP renderings are each one function over it,
//! in the front ends.

use crate::source::{FileId, Location};

/// A stable diagnostic code. The string forms are part of the public contract
/// (`check -o json`, SARIF rule ids, LSP diagnostic codes): never rename one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// The file is not YAML (syntax error, not UTF-8, duplicate key).
    InvalidYaml,
    /// A field has the wrong type or value.
    InvalidSpec,
    /// Two documents define the same namespace/name.
    DuplicateService,
    /// A calls B, B exists, B does not accept A.
    UnmatchedOutbound,
    /// B accepts A, A exists, A does not call B.
    UnmatchedInbound,
    /// The peer is defined nowhere.
    UnknownService,
    /// The callee of an agreement exposes no port.
    NoPorts,
    /// An escape hatch: `id: "*"`, `name: "*"`, `dependsAll`.
    Wildcard,
    /// A service names itself.
    SelfReference,
    /// A file or folder could not be read (permissions, symlink loop, vanished).
    IoError,
    /// A file is larger than the size limit and was not read.
    FileTooLarge,
    /// A YAML file holds no document at all.
    EmptyFile,
}

impl Code {
    /// Every code, in the order of the contract's table.
    pub const ALL: [Code; 12] = [
        Code::InvalidYaml,
        Code::InvalidSpec,
        Code::DuplicateService,
        Code::UnmatchedOutbound,
        Code::UnmatchedInbound,
        Code::UnknownService,
        Code::NoPorts,
        Code::Wildcard,
        Code::SelfReference,
        Code::IoError,
        Code::FileTooLarge,
        Code::EmptyFile,
    ];

    /// The stable kebab-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidYaml => "invalid-yaml",
            Code::InvalidSpec => "invalid-spec",
            Code::DuplicateService => "duplicate-service",
            Code::UnmatchedOutbound => "unmatched-outbound",
            Code::UnmatchedInbound => "unmatched-inbound",
            Code::UnknownService => "unknown-service",
            Code::NoPorts => "no-ports",
            Code::Wildcard => "wildcard",
            Code::SelfReference => "self-reference",
            Code::IoError => "io-error",
            Code::FileTooLarge => "file-too-large",
            Code::EmptyFile => "empty-file",
        }
    }

    /// The severity a diagnostic of this code has unless the analysis says
    /// otherwise (`unknown-service` drops to a warning for foreign namespaces).
    #[must_use]
    pub fn default_severity(self) -> Severity {
        match self {
            Code::UnmatchedInbound
            | Code::NoPorts
            | Code::Wildcard
            | Code::SelfReference
            | Code::EmptyFile => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// One sentence on what the code means, for SARIF rule metadata and help.
    #[must_use]
    pub fn summary(self) -> &'static str {
        match self {
            Code::InvalidYaml => "The file is not valid YAML; its specs were not analyzed.",
            Code::InvalidSpec => "A field of a Lattice spec has the wrong type or value.",
            Code::DuplicateService => "Two documents define the same namespace/name.",
            Code::UnmatchedOutbound => {
                "A service calls a peer that does not accept it: no policy is generated and \
                 the traffic is denied."
            }
            Code::UnmatchedInbound => {
                "A service accepts a caller that does not call it: a stale or one-sided \
                 acceptance."
            }
            Code::UnknownService => "A declaration names a service that is defined nowhere.",
            Code::NoPorts => "The callee of an agreement exposes no port, so no rule can be made.",
            Code::Wildcard => "A wildcard declaration widens access beyond named peers.",
            Code::SelfReference => "A service declares a dependency on itself.",
            Code::IoError => "A file or folder could not be read.",
            Code::FileTooLarge => "A file is larger than the size limit and was not read.",
            Code::EmptyFile => "A YAML file holds no document.",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad a diagnostic is. Only errors make `check` exit 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The specs are wrong: traffic will break or the input was not understood.
    Error,
    /// Worth a look: works, but is stale, one-sided or wider than needed.
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A secondary location, such as the counterpart's spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// Where.
    pub location: Location,
    /// What is there.
    pub message: String,
}

/// A fix: `insert` goes in front of 1-based `line` of `file`. `line` may be one
/// past the last line, meaning the end of the file; `insert` then starts with a
/// line break when the file does not end with one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, in a few words.
    pub description: String,
    /// The file to edit.
    pub file: FileId,
    /// Insert before this 1-based line.
    pub line: u32,
    /// The lines to insert, each ending with `\n`, indented as that file is.
    pub insert: String,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence naming the objects involved.
    pub message: String,
    /// The node at fault: the declaration's key, or the offending node.
    pub location: Location,
    /// A short label for the primary span, shown under the caret.
    pub label: String,
    /// Other places that matter, such as the counterpart's spec.
    pub related: Vec<Related>,
    /// What to do, one line each (suggestions such as "did you mean").
    pub help: Vec<String>,
    /// A mechanical fix, when one exists.
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity and nothing but a message.
    #[must_use]
    pub fn new(code: Code, location: Location, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.default_severity(),
            message: message.into(),
            location,
            label: String::new(),
            related: Vec::new(),
            help: Vec::new(),
            fix: None,
        }
    }

    /// Set the label under the caret.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Add a related location.
    #[must_use]
    pub fn with_related(mut self, location: Location, message: impl Into<String>) -> Self {
        self.related.push(Related {
            location,
            message: message.into(),
        });
        self
    }

    /// Add a help line.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    /// Set the fix.
    #[must_use]
    pub fn with_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }

    /// Override the severity.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}
