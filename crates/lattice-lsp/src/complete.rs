//! Where the cursor is in a spec being typed, and what may be written there.
//!
//! Completion runs on text that is not YAML yet (`direction: ` with nothing
//! after it, a key without its colon), so the place is found from the lines
//! themselves: the indentation of the lines above gives the path of keys
//! from the document's root. Block style only; in flow style (`{...}`)
//! nothing is offered.

use lattice_core::source::LineIndex;

/// A list item in a path.
pub const ITEM: &str = "-";

/// What the cursor is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// A key (possibly partly typed) of the mapping at `path`.
    Key {
        /// Keys from the document root to the mapping; [`ITEM`] for list items.
        path: Vec<String>,
        /// Byte offset where the typed part starts.
        start: usize,
    },
    /// The value of `key` in the mapping at `path`.
    Value {
        /// Keys from the document root to the mapping holding `key`.
        path: Vec<String>,
        /// The key whose value is typed.
        key: String,
        /// Byte offset where the typed part starts (after a quote).
        start: usize,
    },
}

/// The kind of the document the cursor is in, from its `kind:` line.
#[must_use]
pub fn document_kind(text: &str, lines: &LineIndex, offset: usize) -> Option<String> {
    let here = lines.line_of(offset);
    let line = |i: usize| &text[lines.line_start(i)..lines.line_end(text, i)];
    let is_separator = |l: &str| l.starts_with("---");
    let mut first = here;
    while first > 0 && !is_separator(line(first)) {
        first -= 1;
    }
    (first..lines.line_count())
        .skip_while(|&i| i == first && is_separator(line(i)))
        .take_while(|&i| i == first || !is_separator(line(i)))
        .find_map(|i| {
            let value = line(i).strip_prefix("kind:")?.trim();
            Some(value.trim_matches(['"', '\'']).to_owned())
        })
}

/// A line split into its parts.
struct Line<'a> {
    /// Column of the first character of the key (after any `- `).
    column: usize,
    /// Column of the dash, for a list item's first line.
    dash: Option<usize>,
    /// The key, when the line has `key:`.
    key: Option<&'a str>,
    /// What follows `key:`, trimmed.
    value: &'a str,
    /// The text from `column` on.
    rest: &'a str,
}

fn split(line: &str) -> Option<Line<'_>> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let mut rest = &line[indent..];
    if rest.is_empty() || rest.starts_with('#') || rest.starts_with("---") {
        return None;
    }
    let mut column = indent;
    let mut dash = None;
    if rest == "-" || rest.starts_with("- ") {
        dash = Some(indent);
        let after = rest[1..].trim_start_matches(' ');
        column = indent + (rest.len() - after.len());
        rest = after;
    }
    let colon = rest
        .find(": ")
        .or_else(|| rest.ends_with(':').then(|| rest.len() - 1));
    let (key, value) = match colon {
        Some(i) if !rest.starts_with(['{', '[', '"', '\'']) || i > 0 => {
            let key = rest[..i].trim_matches(['"', '\'']);
            (Some(key), rest[i + 1..].trim())
        }
        _ => (None, ""),
    };
    Some(Line {
        column,
        dash,
        key,
        value,
        rest,
    })
}

/// The place of byte `offset` in `text`, or `None` where nothing can be
/// offered (a comment, flow style).
#[must_use]
pub fn place(text: &str, lines: &LineIndex, offset: usize) -> Option<Place> {
    let offset = offset.min(text.len());
    let here = lines.line_of(offset);
    let start = lines.line_start(here);
    let before = text.get(start..offset)?;
    if before.contains('#') || before.contains(['{', '[']) {
        return None;
    }
    let (column, dash, key, typed) = match split(before) {
        None => (before.len(), None, None, ""),
        Some(line) => match line.key {
            Some(key) => (line.column, line.dash, Some(key), line.value),
            None => (line.column, line.dash, None, line.rest),
        },
    };
    let typed_start = offset - typed.len();
    let mut path = parents(text, lines, here, column, dash);
    path.reverse();
    match key {
        Some(key) => {
            let quote = typed.starts_with(['"', '\'']);
            Some(Place::Value {
                path,
                key: key.to_owned(),
                start: typed_start + usize::from(quote),
            })
        }
        None => Some(Place::Key {
            path,
            start: typed_start,
        }),
    }
}

/// The keys above line `here`, innermost first, for a key at `column`
/// (of a list item whose dash is at `dash`).
fn parents(
    text: &str,
    lines: &LineIndex,
    here: usize,
    column: usize,
    dash: Option<usize>,
) -> Vec<String> {
    let mut path = Vec::new();
    let mut column = column;
    // Set while looking for the key that holds the list of the current item.
    let mut list_at = dash;
    if list_at.is_some() {
        path.push(ITEM.to_owned());
    }
    for i in (0..here).rev() {
        let raw = &text[lines.line_start(i)..lines.line_end(text, i)];
        if raw.starts_with("---") {
            break;
        }
        let Some(line) = split(raw) else { continue };
        if let Some(d) = list_at {
            if line.dash.is_none() && line.column <= d {
                let Some(key) = line.key else { break };
                path.push(key.to_owned());
                column = line.column;
                list_at = None;
            }
            continue;
        }
        match line.dash {
            // A key of the item itself, or nested under its first line.
            Some(d) if line.column == column || (d < column && line.column < column) => {
                path.push(ITEM.to_owned());
                list_at = Some(d);
            }
            None if line.column < column => {
                let Some(key) = line.key else { break };
                path.push(key.to_owned());
                column = line.column;
            }
            // Siblings, deeper lines and items of deeper lists.
            _ => {}
        }
        if column == 0 && list_at.is_none() {
            break;
        }
    }
    path
}

/// Fields and values of the Lattice CRDs, for completion.
pub mod schema {
    /// Top-level keys of a document.
    pub const ROOT: [&str; 4] = ["apiVersion", "kind", "metadata", "spec"];
    /// Keys of `metadata`.
    pub const METADATA: [&str; 4] = ["name", "namespace", "labels", "annotations"];
    /// Keys of a `LatticeService` `spec`.
    pub const SERVICE_SPEC: [&str; 2] = ["workload", "replicas"];
    /// Keys of `spec.workload`.
    pub const WORKLOAD: [&str; 3] = ["containers", "service", "resources"];
    /// Keys of a `spec.workload.resources` entry.
    pub const RESOURCE: [&str; 7] = [
        "type",
        "direction",
        "id",
        "namespace",
        "class",
        "metadata",
        "params",
    ];
    /// Keys of a `spec.workload.service.ports` entry.
    pub const SERVICE_PORT: [&str; 3] = ["port", "targetPort", "protocol"];
    /// Keys of a `LatticeMeshMember` `spec`.
    pub const MESH_SPEC: [&str; 6] = [
        "target",
        "ports",
        "allowedCallers",
        "dependencies",
        "dependsAll",
        "serviceAccount",
    ];
    /// Keys of `spec.target`.
    pub const TARGET: [&str; 2] = ["selector", "namespace"];
    /// Keys of a mesh member's `spec.ports` item.
    pub const MESH_PORT: [&str; 3] = ["port", "name", "peerAuth"];
    /// Keys of an `allowedCallers` or `dependencies` item.
    pub const PEER: [&str; 2] = ["name", "namespace"];

    /// Values of `apiVersion`.
    pub const API_VERSIONS: [&str; 1] = [lattice_core::read::API_VERSION];
    /// Values of `kind`.
    pub const KINDS: [&str; 2] = ["LatticeService", "LatticeMeshMember"];
    /// Values of a resource's `direction`.
    pub const DIRECTIONS: [&str; 3] = ["outbound", "inbound", "both"];
    /// Built-in values of a resource's `type`.
    pub const TYPES: [&str; 5] = ["service", "external-service", "volume", "secret", "gpu"];
    /// Values of a port's `protocol`.
    pub const PROTOCOLS: [&str; 3] = ["TCP", "UDP", "SCTP"];
    /// Values of a mesh member port's `peerAuth`.
    pub const PEER_AUTH: [&str; 3] = ["Strict", "Permissive", "Webhook"];
    /// Values of `dependsAll`.
    pub const BOOLEANS: [&str; 2] = ["true", "false"];
}

/// What may be written at a place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Offer {
    /// These field names.
    Fields(&'static [&'static str]),
    /// These fixed values.
    Values(&'static [&'static str]),
    /// Names of services; `wildcard` when `*` is allowed too.
    Services {
        /// Whether `*` may be offered.
        wildcard: bool,
    },
    /// Names of namespaces.
    Namespaces,
}

/// What may be written at `place` in a document of `kind`.
#[must_use]
pub fn offer(kind: Option<&str>, place: &Place) -> Option<Offer> {
    use schema::{
        API_VERSIONS, BOOLEANS, DIRECTIONS, KINDS, MESH_PORT, MESH_SPEC, METADATA, PEER, PEER_AUTH,
        PROTOCOLS, RESOURCE, ROOT, SERVICE_PORT, SERVICE_SPEC, TARGET, TYPES, WORKLOAD,
    };
    let mesh = kind == Some("LatticeMeshMember");
    let norm = |path: &[String]| -> Vec<String> {
        // The keys of `resources` and `ports` entries are names, not fields.
        let mut out: Vec<String> = Vec::new();
        for key in path {
            let named = matches!(
                out.iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .as_slice(),
                ["spec", "workload", "resources"] | ["spec", "workload", "service", "ports"]
            );
            out.push(if named { "*".to_owned() } else { key.clone() });
        }
        out
    };
    match place {
        Place::Key { path, .. } => {
            let path = norm(path);
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            Some(match path.as_slice() {
                [] => Offer::Fields(&ROOT),
                ["metadata"] => Offer::Fields(&METADATA),
                ["spec"] if mesh => Offer::Fields(&MESH_SPEC),
                ["spec"] => Offer::Fields(&SERVICE_SPEC),
                ["spec", "workload"] => Offer::Fields(&WORKLOAD),
                ["spec", "workload", "service"] => Offer::Fields(&["ports"]),
                ["spec", "workload", "resources"] => Offer::Services { wildcard: false },
                ["spec", "workload", "resources", "*"] => Offer::Fields(&RESOURCE),
                ["spec", "workload", "service", "ports", "*"] => Offer::Fields(&SERVICE_PORT),
                ["spec", "target"] => Offer::Fields(&TARGET),
                ["spec", "ports", ITEM] => Offer::Fields(&MESH_PORT),
                ["spec", "allowedCallers" | "dependencies", ITEM] => Offer::Fields(&PEER),
                _ => return None,
            })
        }
        Place::Value { path, key, .. } => {
            let path = norm(path);
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            Some(match (path.as_slice(), key.as_str()) {
                ([], "apiVersion") => Offer::Values(&API_VERSIONS),
                ([], "kind") => Offer::Values(&KINDS),
                (
                    ["metadata"]
                    | ["spec", "target"]
                    | ["spec", "workload", "resources", "*"]
                    | ["spec", "allowedCallers" | "dependencies", ITEM],
                    "namespace",
                ) => Offer::Namespaces,
                (["spec", "workload", "resources", "*"], "direction") => Offer::Values(&DIRECTIONS),
                (["spec", "workload", "resources", "*"], "type") => Offer::Values(&TYPES),
                (["spec", "workload", "resources", "*"], "id") => {
                    Offer::Services { wildcard: true }
                }
                (["spec", "workload", "service", "ports", "*"], "protocol") => {
                    Offer::Values(&PROTOCOLS)
                }
                (["spec", "ports", ITEM], "peerAuth") => Offer::Values(&PEER_AUTH),
                (["spec", "allowedCallers", ITEM], "name") => Offer::Services { wildcard: true },
                (["spec", "dependencies", ITEM], "name") => Offer::Services { wildcard: false },
                (["spec"], "dependsAll") => Offer::Values(&BOOLEANS),
                _ => return None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_cursor(text_with_cursor: &str) -> (Option<String>, Option<Place>) {
        let offset = text_with_cursor.find('|').unwrap();
        let text = text_with_cursor.replace('|', "");
        let lines = LineIndex::new(&text);
        (
            document_kind(&text, &lines, offset),
            place(&text, &lines, offset),
        )
    }

    fn offered(text_with_cursor: &str) -> Option<Offer> {
        let (kind, place) = at_cursor(text_with_cursor);
        offer(kind.as_deref(), &place?)
    }

    const SERVICE: &str = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: checkout\nspec:\n  workload:\n    resources:\n      payments:\n        type: service\n";

    #[test]
    fn values_of_resource_fields() {
        let text = format!("{SERVICE}        direction: in|\n");
        assert_eq!(offered(&text), Some(Offer::Values(&schema::DIRECTIONS)));
        let text = format!("{SERVICE}        type: |");
        assert_eq!(offered(&text), Some(Offer::Values(&schema::TYPES)));
        let text = format!("{SERVICE}        id: \"pa|");
        let (_, place) = at_cursor(&text);
        let Some(Place::Value { start, .. }) = place else {
            panic!("a value")
        };
        assert_eq!(start, text.find("pa|").unwrap());
        assert_eq!(offered(&text), Some(Offer::Services { wildcard: true }));
        let text = format!("{SERVICE}        namespace: |");
        assert_eq!(offered(&text), Some(Offer::Namespaces));
    }

    #[test]
    fn keys_at_each_level() {
        let text = format!("{SERVICE}        dir|");
        assert_eq!(offered(&text), Some(Offer::Fields(&schema::RESOURCE)));
        let text = format!("{SERVICE}      orde|");
        assert_eq!(offered(&text), Some(Offer::Services { wildcard: false }));
        let text = format!("{SERVICE}    |");
        assert_eq!(offered(&text), Some(Offer::Fields(&schema::WORKLOAD)));
        assert_eq!(offered("|"), Some(Offer::Fields(&schema::ROOT)));
        assert_eq!(offered("kind: |"), Some(Offer::Values(&schema::KINDS)));
    }

    #[test]
    fn mesh_member_lists_in_both_styles() {
        let head = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeMeshMember\nmetadata:\n  name: prom\nspec:\n";
        let text = format!("{head}  ports:\n  - port: 9090\n    peerAuth: |");
        assert_eq!(offered(&text), Some(Offer::Values(&schema::PEER_AUTH)));
        let text = format!("{head}  ports:\n    - port: 9090\n      |");
        assert_eq!(offered(&text), Some(Offer::Fields(&schema::MESH_PORT)));
        let text = format!("{head}  allowedCallers:\n  - name: a\n  - name: |");
        assert_eq!(offered(&text), Some(Offer::Services { wildcard: true }));
        let text = format!("{head}  dependencies:\n  - |");
        assert_eq!(offered(&text), Some(Offer::Fields(&schema::PEER)));
        let text = format!("{head}  |");
        assert_eq!(offered(&text), Some(Offer::Fields(&schema::MESH_SPEC)));
    }

    #[test]
    fn nothing_in_comments_or_flow_style() {
        assert_eq!(offered(&format!("{SERVICE}        # direction: |")), None);
        assert_eq!(offered(&format!("{SERVICE}      x: {{direction: |")), None);
    }

    #[test]
    fn documents_are_told_apart() {
        let text = format!("{SERVICE}---\nkind: LatticeMeshMember\nspec:\n  |");
        assert_eq!(offered(&text), Some(Offer::Fields(&schema::MESH_SPEC)));
    }

    #[test]
    fn enum_values_are_the_ones_the_core_accepts() {
        use lattice_core::{Input, InputContent, Options, analyze};
        use std::fmt::Write as _;
        let mut text = String::from(
            "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: a}\nspec:\n  workload:\n    service:\n      ports:\n",
        );
        for (i, protocol) in schema::PROTOCOLS.iter().enumerate() {
            writeln!(
                text,
                "        p{i}: {{port: {}, protocol: {protocol}}}",
                80 + i
            )
            .unwrap();
        }
        text.push_str("    resources:\n");
        for (i, direction) in schema::DIRECTIONS.iter().enumerate() {
            writeln!(text, "      b{i}: {{direction: {direction}}}").unwrap();
        }
        for (i, ty) in schema::TYPES.iter().enumerate() {
            writeln!(text, "      t{i}: {{type: {ty}}}").unwrap();
        }
        let mut mesh = String::from(
            "---\napiVersion: lattice.dev/v1alpha1\nkind: LatticeMeshMember\nmetadata: {name: m}\nspec:\n  target: {selector: {app: m}}\n  ports:\n",
        );
        for (i, auth) in schema::PEER_AUTH.iter().enumerate() {
            writeln!(
                mesh,
                "  - {{port: {}, name: p{i}, peerAuth: {auth}}}",
                90 + i
            )
            .unwrap();
        }
        text.push_str(&mesh);
        let input = Input {
            path: "a.yaml".into(),
            content: InputContent::Bytes(text.into_bytes()),
        };
        let analysis = analyze(vec![input], &Options::default());
        let invalid: Vec<_> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.code.as_str() == "invalid-spec")
            .map(|d| &d.message)
            .collect();
        assert!(invalid.is_empty(), "{invalid:?}");
    }
}
