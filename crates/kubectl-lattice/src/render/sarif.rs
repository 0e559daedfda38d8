//! `check -o sarif`: SARIF 2.1.0, the format code-scanning services read.
//!
//! One run; every diagnostic code is a rule (in [`Code::ALL`] order, so rule
//! indexes are stable), every diagnostic a result with its location, related
//! locations and fix. Columns count Unicode code points, as everywhere else.

use std::fmt::Write as _;
use std::io::{self, Write};

use lattice_core::{Analysis, Code, Diagnostic, Fix, Severity, SourceMap};
use serde::Serialize;

use super::{Position, insertion_point, position};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Write `analysis` as one pretty-printed SARIF log and a final newline.
pub fn render(analysis: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool { driver: driver() },
            column_kind: "unicodeCodePoints",
            results: analysis
                .diagnostics
                .iter()
                .map(|diagnostic| result(&analysis.sources, diagnostic))
                .collect(),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn driver() -> Driver {
    Driver {
        name: "kubectl-lattice",
        version: env!("CARGO_PKG_VERSION"),
        information_uri: env!("CARGO_PKG_REPOSITORY"),
        rules: Code::ALL
            .iter()
            .map(|&code| Rule {
                id: code.as_str(),
                short_description: Message {
                    text: code.summary().to_owned(),
                },
                default_configuration: Configuration {
                    level: level(code.default_severity()),
                },
            })
            .collect(),
    }
}

fn result(sources: &SourceMap, diagnostic: &Diagnostic) -> SarifResult {
    let mut text = diagnostic.message.clone();
    for help in &diagnostic.help {
        let _ = write!(text, "\nhelp: {help}");
    }
    let label = (!diagnostic.label.is_empty()).then(|| Message {
        text: diagnostic.label.clone(),
    });

    SarifResult {
        rule_id: diagnostic.code.as_str(),
        rule_index: rule_index(diagnostic.code),
        level: level(diagnostic.severity),
        message: Message { text },
        locations: [SarifLocation {
            id: None,
            physical_location: physical(position(sources, diagnostic.location)),
            message: label,
        }],
        related_locations: (1..)
            .zip(&diagnostic.related)
            .map(|(id, related)| SarifLocation {
                id: Some(id),
                physical_location: physical(position(sources, related.location)),
                message: Some(Message {
                    text: related.message.clone(),
                }),
            })
            .collect(),
        fixes: diagnostic
            .fix
            .iter()
            .map(|fix| sarif_fix(sources, fix))
            .collect(),
    }
}

/// `None` only for a code missing from `Code::ALL`; the result then names its
/// rule by id alone, which SARIF allows.
fn rule_index(code: Code) -> Option<usize> {
    Code::ALL.iter().position(|&c| c == code)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn physical(at: Position<'_>) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: uri(&at.file.path),
        },
        region: Region {
            start_line: at.start.line,
            start_column: at.start.column,
            end_line: at.end.line,
            end_column: at.end.column,
        },
    }
}

/// The insertion as a replacement of the empty region at the start of the
/// fix's line (or at the end of the file, for a fix past its last line).
fn sarif_fix(sources: &SourceMap, fix: &Fix) -> SarifFix {
    let file = sources.get(fix.file);
    let at = insertion_point(file, fix.line);
    let empty_region = Region {
        start_line: at.line,
        start_column: at.column,
        end_line: at.line,
        end_column: at.column,
    };
    SarifFix {
        description: Message {
            text: fix.description.clone(),
        },
        artifact_changes: [ArtifactChange {
            artifact_location: ArtifactLocation {
                uri: uri(&file.path),
            },
            replacements: [Replacement {
                deleted_region: empty_region,
                inserted_content: Content {
                    text: fix.insert.clone(),
                },
            }],
        }],
    }
}

/// A URI reference for a display path: relative paths stay relative,
/// absolute ones become `file://` URIs. Every byte outside the unreserved
/// set and `/` is percent-encoded; `:` too, so that a relative first segment
/// is never read as a scheme.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let (prefix, rest) = if path.starts_with('/') {
        ("file://", path.as_str())
    } else if is_drive_path(&path) {
        ("file:///", &path[2..])
    } else {
        ("", path.as_str())
    };
    let mut out = String::from(prefix);
    if prefix == "file:///" {
        out.push_str(&path[..2]);
    }
    for byte in rest.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// `C:/...`, an absolute Windows path.
fn is_drive_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/'
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    short_description: Message,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message,
    locations: [SarifLocation; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Message,
    artifact_changes: [ArtifactChange; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: [Replacement; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: Content,
}

#[derive(Serialize)]
struct Content {
    text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_stay_relative_and_are_encoded() {
        assert_eq!(uri("specs/checkout.yaml"), "specs/checkout.yaml");
        assert_eq!(uri("my specs/café.yaml"), "my%20specs/caf%C3%A9.yaml");
        assert_eq!(uri("a:b.yaml"), "a%3Ab.yaml");
        assert_eq!(uri("../x#1.yaml"), "../x%231.yaml");
    }

    #[test]
    fn absolute_paths_become_file_uris() {
        assert_eq!(uri("/srv/specs/a b.yaml"), "file:///srv/specs/a%20b.yaml");
        assert_eq!(uri("C:/specs/a.yaml"), "file:///C:/specs/a.yaml");
    }

    #[test]
    fn every_code_is_a_rule_at_its_index() {
        let rules = driver().rules;
        for code in Code::ALL {
            assert_eq!(rule_index(code).map(|i| rules[i].id), Some(code.as_str()));
        }
    }
}
