//! A YAML tree that remembers where every node came from.
//!
//! Built from `saphyr-parser`'s event stream, because the specs' diagnostics
//! need the byte span of every key and value, duplicate keys must be seen (a
//! deserializer into maps silently keeps one of them), and one syntax error
//! must not lose the documents before it.

use std::collections::HashMap;
use std::fmt::Write as _;

use compact_str::CompactString;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError};

use crate::source::{LineIndex, Span};

mod fast;

/// Deepest nesting accepted; deeper input is reported instead of parsed, so
/// hostile input cannot exhaust the stack when the tree is dropped.
const MAX_DEPTH: usize = 200;

/// Mappings with this many keys get a hash index for the duplicate-key
/// check; smaller ones (nearly all of a spec) are scanned.
const INDEX_FROM: usize = 16;

/// Most nodes that aliases may expand to in one file ("billion laughs" guard).
const MAX_ALIAS_NODES: usize = 100_000;

/// One YAML node with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What the node is.
    pub kind: NodeKind,
    /// Where it is: for a scalar its text (quotes included), for a container
    /// from its first to its last character.
    pub span: Span,
}

/// The kinds of YAML node.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// A scalar with its resolved value.
    Scalar(Scalar),
    /// A mapping, keys in document order; duplicates are reported and dropped.
    Mapping(Vec<Entry>),
    /// A sequence.
    Sequence(Vec<Node>),
}

/// A key and its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key node (almost always a string scalar).
    pub key: Node,
    /// The value node.
    pub value: Node,
}

/// A scalar's text and how the YAML 1.2 core schema types it.
#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    /// The scalar's content, unquoted and unescaped (stored inline up to 24
    /// bytes, which is nearly every scalar of a spec).
    pub text: CompactString,
    /// Its type under the core schema: quoted scalars are always strings.
    pub ty: ScalarType,
}

/// Core-schema types of a scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarType {
    /// `null`, `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool,
    /// An integer.
    Int,
    /// A floating point number.
    Float,
    /// Anything else, and every quoted scalar.
    String,
}

impl ScalarType {
    /// The name used in messages: "a string", "an integer", ...
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            ScalarType::Null => "null",
            ScalarType::Bool => "a boolean",
            ScalarType::Int => "an integer",
            ScalarType::Float => "a number",
            ScalarType::String => "a string",
        }
    }
}

impl Node {
    /// The mapping entries, if this is a mapping.
    #[must_use]
    pub fn as_mapping(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items, if this is a sequence.
    #[must_use]
    pub fn as_sequence(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Sequence(items) => Some(items),
            _ => None,
        }
    }

    /// The scalar, if this is one.
    #[must_use]
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a string-typed scalar.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar()
            .filter(|s| s.ty == ScalarType::String)
            .map(|s| s.text.as_str())
    }

    /// Whether this is a null scalar (an empty value included).
    #[must_use]
    pub fn is_null(&self) -> bool {
        self.as_scalar().is_some_and(|s| s.ty == ScalarType::Null)
    }

    /// The entry whose key is the string `key`, in a mapping.
    #[must_use]
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_mapping()?
            .iter()
            .find(|e| e.key.as_scalar().is_some_and(|s| s.text == key))
    }

    /// The value under `key`, in a mapping.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// What the node is, for messages: "a mapping", "a list", "a string", ...
    #[must_use]
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Mapping(_) => "a mapping",
            NodeKind::Sequence(_) => "a list",
            NodeKind::Scalar(s) => s.ty.describe(),
        }
    }

    /// The node as JSON, typed by the core schema as an API server reads
    /// YAML. Numbers JSON cannot hold (`.inf`, `.nan`, integers beyond 64
    /// bits) and keys that are not scalars keep their text as strings.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{Number, Value};
        match &self.kind {
            NodeKind::Scalar(s) => {
                let text = s.text.as_str();
                let number = || {
                    let digits = text.strip_prefix('+').unwrap_or(text);
                    let integer = digits
                        .parse::<i64>()
                        .ok()
                        .or_else(|| i64::from_str_radix(digits.strip_prefix("0x")?, 16).ok())
                        .or_else(|| i64::from_str_radix(digits.strip_prefix("0o")?, 8).ok());
                    match integer {
                        Some(n) => Some(Number::from(n)),
                        None => Number::from_f64(digits.parse().ok()?),
                    }
                };
                match s.ty {
                    ScalarType::Null => Value::Null,
                    ScalarType::Bool => Value::Bool(text.eq_ignore_ascii_case("true")),
                    ScalarType::Int | ScalarType::Float => {
                        number().map_or_else(|| Value::String(text.to_owned()), Value::Number)
                    }
                    ScalarType::String => Value::String(text.to_owned()),
                }
            }
            NodeKind::Sequence(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Mapping(entries) => Value::Object(
                entries
                    .iter()
                    .map(|e| {
                        let key = e.key.as_scalar().map_or("?", |k| k.text.as_str());
                        (key.to_owned(), e.value.to_json())
                    })
                    .collect(),
            ),
        }
    }

    /// Whether the node was written in flow style (`{...}` or `[...]`),
    /// judged from its first byte in `text`.
    #[must_use]
    pub fn is_flow(&self, text: &str) -> bool {
        matches!(
            (&self.kind, text.as_bytes().get(self.span.start as usize)),
            (NodeKind::Mapping(_), Some(b'{')) | (NodeKind::Sequence(_), Some(b'['))
        )
    }
}

/// A problem found while reading YAML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// Where.
    pub span: Span,
    /// What, in words for a person.
    pub message: String,
    /// Where the first of two duplicate keys is, for duplicate-key errors.
    pub first: Option<Span>,
}

/// One document of a stream.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The root node; `None` for an empty document (`---` alone, or `null`).
    pub root: Option<Node>,
    /// Whether a problem was found inside this document (a duplicate key, an
    /// alias limit); such a document is still returned, but is not trusted to
    /// produce policy.
    pub damaged: bool,
}

/// Every document that could be read, and the problems found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stream {
    /// Documents completed before any syntax error.
    pub documents: Vec<Document>,
    /// Problems, in order of position.
    pub errors: Vec<YamlError>,
}

/// Parse a multi-document YAML stream. A syntax error ends the stream: the
/// documents completed before it are kept, the one it interrupts is dropped.
///
/// Text in the block style specs are written in takes a fast path
/// (`yaml/fast.rs`); anything else is read by saphyr-parser. Both give the same
/// result.
#[must_use]
pub fn parse(text: &str, lines: &LineIndex) -> Stream {
    let mut builder = Builder::new(text, lines);
    if fast::parse(text, &mut builder).is_ok() {
        return builder.stream;
    }
    parse_general(text, lines)
}

/// The fast path alone: `None` when the text needs the general parser. For
/// tests and fuzzing that compare the two paths.
#[doc(hidden)]
#[must_use]
pub fn parse_fast(text: &str, lines: &LineIndex) -> Option<Stream> {
    let mut builder = Builder::new(text, lines);
    fast::parse(text, &mut builder).ok()?;
    Some(builder.stream)
}

/// [`parse`] without the fast path: every text through saphyr-parser. For
/// tests and fuzzing that compare the two paths.
#[doc(hidden)]
#[must_use]
pub fn parse_general(text: &str, lines: &LineIndex) -> Stream {
    let mut builder = Builder::new(text, lines);
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        match next {
            Ok((event, span)) => {
                let start = builder.offset(span.start);
                let end = builder.offset(span.end);
                if let Err(error) = builder.event(event, Span::new(start, end)) {
                    builder.stream.errors.push(error);
                    break;
                }
            }
            Err(error) => {
                builder.stream.errors.push(builder.scan_error(&error));
                break;
            }
        }
    }
    builder.stream
}

enum Frame {
    Mapping {
        start: usize,
        entries: Vec<Entry>,
        key: Option<Node>,
        /// Key to entry position, once the mapping is large.
        index: Option<HashMap<CompactString, usize>>,
        anchor: usize,
    },
    Sequence {
        start: usize,
        items: Vec<Node>,
        anchor: usize,
    },
}

struct Builder<'a> {
    text: &'a str,
    lines: &'a LineIndex,
    ascii: bool,
    stream: Stream,
    stack: Vec<Frame>,
    anchors: Vec<(usize, Node)>,
    alias_nodes: usize,
    damaged: bool,
    root: Option<Node>,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str, lines: &'a LineIndex) -> Self {
        Builder {
            text,
            lines,
            ascii: text.is_ascii(),
            stream: Stream::default(),
            stack: Vec::new(),
            anchors: Vec::new(),
            alias_nodes: 0,
            damaged: false,
            root: None,
        }
    }

    /// Byte offset of a parser marker (which counts characters).
    fn offset(&self, marker: Marker) -> usize {
        if self.ascii {
            marker.index().min(self.text.len())
        } else {
            self.lines
                .offset_of(self.text, marker.line().saturating_sub(1), marker.col())
        }
    }

    fn scan_error(&self, error: &ScanError) -> YamlError {
        let at = self.offset(*error.marker());
        YamlError {
            span: Span::new(at, at),
            message: describe_scan_error(error.info()),
            first: None,
        }
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        match event {
            Event::DocumentStart(_) => {
                self.stack.clear();
                self.anchors.clear();
                self.alias_nodes = 0;
                self.damaged = false;
            }
            Event::DocumentEnd => {
                let root = self.root.take().filter(|r| !r.is_null());
                self.stream.documents.push(Document {
                    root,
                    damaged: self.damaged,
                });
            }
            Event::Scalar(value, style, anchor, tag) => {
                let ty = if matches!(style, ScalarStyle::Plain) && tag.is_none() {
                    resolve_plain(&value)
                } else {
                    ScalarType::String
                };
                let node = Node {
                    kind: NodeKind::Scalar(Scalar {
                        text: CompactString::from(value),
                        ty,
                    }),
                    span,
                };
                self.finish(node, anchor);
            }
            Event::MappingStart(anchor, _) => {
                self.push(Frame::Mapping {
                    start: span.start as usize,
                    entries: Vec::new(),
                    key: None,
                    index: None,
                    anchor,
                })?;
            }
            Event::SequenceStart(anchor, _) => {
                self.push(Frame::Sequence {
                    start: span.start as usize,
                    items: Vec::new(),
                    anchor,
                })?;
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Ok(());
                };
                let (node, anchor) = match frame {
                    Frame::Mapping {
                        start,
                        entries,
                        anchor,
                        ..
                    } => {
                        let end = entries
                            .last()
                            .map_or(span.end as usize, |e| e.value.span.end as usize);
                        let end = container_end(self.text, start, end, b'{', b'}');
                        (
                            Node {
                                kind: NodeKind::Mapping(entries),
                                span: Span::new(start, end),
                            },
                            anchor,
                        )
                    }
                    Frame::Sequence {
                        start,
                        items,
                        anchor,
                    } => {
                        let end = items
                            .last()
                            .map_or(span.end as usize, |n| n.span.end as usize);
                        let end = container_end(self.text, start, end, b'[', b']');
                        (
                            Node {
                                kind: NodeKind::Sequence(items),
                                span: Span::new(start, end),
                            },
                            anchor,
                        )
                    }
                };
                self.finish(node, anchor);
            }
            Event::Alias(id) => {
                let Some(node) = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, n)| n.clone())
                else {
                    return Err(YamlError {
                        span,
                        message: "alias refers to an anchor that is not defined before it".into(),
                        first: None,
                    });
                };
                self.alias_nodes += count_nodes(&node);
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(YamlError {
                        span,
                        message: format!(
                            "aliases expand to more than {MAX_ALIAS_NODES} nodes; \
                             write the content out instead of repeating anchors"
                        ),
                        first: None,
                    });
                }
                self.finish(node, 0);
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn push(&mut self, frame: Frame) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            let at = match &frame {
                Frame::Mapping { start, .. } | Frame::Sequence { start, .. } => *start,
            };
            return Err(YamlError {
                span: Span::empty(at),
                message: format!("nesting is deeper than {MAX_DEPTH} levels"),
                first: None,
            });
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Attach a completed node to its parent, or make it the document root.
    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            self.anchors.push((anchor, node.clone()));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Sequence { items, .. }) => items.push(node),
            Some(Frame::Mapping {
                entries,
                key,
                index,
                ..
            }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    let duplicate = k.as_scalar().and_then(|ks| {
                        let position = match index {
                            Some(index) => index.get(&ks.text).copied(),
                            None => entries
                                .iter()
                                .position(|e| e.key.as_scalar().is_some_and(|s| s.text == ks.text)),
                        };
                        position.map(|i| &entries[i])
                    });
                    if let Some(first) = duplicate {
                        let name = k.as_scalar().map(|s| s.text.clone()).unwrap_or_default();
                        let first_span = first.key.span;
                        let error = YamlError {
                            span: k.span,
                            message: format!("duplicate key `{name}`; the first one is kept"),
                            first: Some(first_span),
                        };
                        self.stream.errors.push(error);
                        self.damaged = true;
                    } else {
                        if let (Some(index), Some(ks)) = (index.as_mut(), k.as_scalar()) {
                            index.insert(ks.text.clone(), entries.len());
                        }
                        entries.push(Entry {
                            key: k,
                            value: node,
                        });
                        if index.is_none() && entries.len() >= INDEX_FROM {
                            *index = Some(key_index(entries));
                        }
                    }
                }
            },
        }
    }
}

/// Types a plain scalar by the YAML 1.2 core schema.
fn resolve_plain(text: &str) -> ScalarType {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return ScalarType::Null,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => return ScalarType::Bool,
        ".inf" | "-.inf" | "+.inf" | ".Inf" | "-.Inf" | "+.Inf" | ".INF" | "-.INF" | "+.INF"
        | ".nan" | ".NaN" | ".NAN" => return ScalarType::Float,
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let is_int = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        || text
            .strip_prefix("0x")
            .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
        || text
            .strip_prefix("0o")
            .is_some_and(|o| !o.is_empty() && o.bytes().all(|b| (b'0'..=b'7').contains(&b)));
    if is_int {
        return ScalarType::Int;
    }
    let looks_numeric = digits
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || b == b'.')
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if looks_numeric && digits.parse::<f64>().is_ok() {
        return ScalarType::Float;
    }
    ScalarType::String
}

/// For a flow container the parser's end marker lies before the closing
/// bracket; extend the span over it so the span covers the whole node.
fn container_end(text: &str, start: usize, end: usize, open: u8, close: u8) -> usize {
    let bytes = text.as_bytes();
    if bytes.get(start) != Some(&open) {
        return end;
    }
    let mut at = end;
    while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\r' | b'\n' | b',') {
        at += 1;
    }
    if bytes.get(at) == Some(&close) {
        at + 1
    } else {
        end
    }
}

fn key_index(entries: &[Entry]) -> HashMap<CompactString, usize> {
    entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.key.as_scalar().map(|s| (s.text.clone(), i)))
        .collect()
}

fn count_nodes(node: &Node) -> usize {
    match &node.kind {
        NodeKind::Scalar(_) => 1,
        NodeKind::Mapping(entries) => {
            1 + entries
                .iter()
                .map(|e| count_nodes(&e.key) + count_nodes(&e.value))
                .sum::<usize>()
        }
        NodeKind::Sequence(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
    }
}

/// The parser's messages are terse; say the common ones in words a person
/// editing a spec recognizes.
fn describe_scan_error(info: &str) -> String {
    let hint = if info.contains("mapping values are not allowed") {
        "; a value holding `: ` may need quotes, or a key is indented wrongly"
    } else if info.contains("did not find expected key") || info.contains("expected key") {
        "; check the indentation of this line against the keys above it"
    } else if info
        .split(|c: char| !c.is_ascii_alphabetic())
        .any(|word| word == "tab" || word == "tabs")
    {
        "; YAML indentation must use spaces, not tabs"
    } else if info.contains("recursion limit") {
        "; the nesting is too deep for a spec"
    } else if info.contains("unprintable") {
        "; YAML text may not hold control characters such as NUL: remove it, or write it \
         as an escape (`\\0`) inside double quotes"
    } else {
        ""
    };
    format!("{info}{hint}")
}

/// The dotted path of the field at byte `offset` of `root`
/// (`spec.workload.resources.payments`, `spec.ports[0].port`): the keys and
/// sequence indexes leading to the deepest key or value that holds it.
/// Empty when `offset` is outside every field. Specs read from a cluster
/// have no file of their own, and this is how a position in them is named.
#[must_use]
pub fn field_path(root: &Node, offset: usize) -> String {
    let offset = offset as u32;
    let inside = |span: Span| span.start <= offset && offset < span.end.max(span.start + 1);
    let mut path = String::new();
    let mut node = root;
    loop {
        match &node.kind {
            NodeKind::Mapping(entries) => {
                let Some(entry) = entries
                    .iter()
                    .find(|e| inside(e.key.span) || inside(e.value.span))
                else {
                    break;
                };
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(entry.key.as_str().unwrap_or("?"));
                if inside(entry.key.span) {
                    break;
                }
                node = &entry.value;
            }
            NodeKind::Sequence(items) => {
                let Some((i, item)) = items.iter().enumerate().find(|(_, n)| inside(n.span)) else {
                    break;
                };
                let _ = write!(path, "[{i}]");
                node = item;
            }
            NodeKind::Scalar(_) => break,
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Stream {
        parse(text, &LineIndex::new(text))
    }

    fn root(text: &str) -> Node {
        parse_str(text).documents.remove(0).root.expect("a root")
    }

    #[test]
    fn key_spans_are_byte_ranges() {
        let text = "a:\n  payments:\n    type: service\n";
        let node = root(text);
        let inner = node.get("a").unwrap();
        let entry = inner.entry("payments").unwrap();
        assert_eq!(&text[entry.key.span.range()], "payments");
        assert_eq!(
            &text[entry.value.get("type").unwrap().span.range()],
            "service"
        );
    }

    #[test]
    fn spans_are_right_after_non_ascii_text() {
        let text = "# café ünïcode\nname: prix\n";
        let node = root(text);
        assert_eq!(&text[node.get("name").unwrap().span.range()], "prix");
    }

    #[test]
    fn duplicate_keys_are_reported_and_the_first_is_kept() {
        let stream = parse_str("a: 1\nb: 2\na: 3\n");
        assert_eq!(stream.errors.len(), 1);
        assert!(stream.errors[0].message.contains("duplicate key `a`"));
        assert!(stream.errors[0].first.is_some());
        let doc = &stream.documents[0];
        assert!(doc.damaged);
        assert_eq!(
            doc.root
                .as_ref()
                .unwrap()
                .get("a")
                .unwrap()
                .as_scalar()
                .unwrap()
                .text,
            "1"
        );
    }

    #[test]
    fn documents_before_a_syntax_error_are_kept() {
        let stream = parse_str("a: 1\n---\nb: [unclosed\n");
        assert_eq!(stream.documents.len(), 1);
        assert_eq!(stream.errors.len(), 1);
    }

    #[test]
    fn empty_documents_have_no_root() {
        let stream = parse_str("---\n---\na: 1\n");
        assert_eq!(stream.documents.len(), 2);
        assert!(stream.documents[0].root.is_none());
    }

    #[test]
    fn plain_scalars_are_typed_by_the_core_schema() {
        let node = root("a: 1\nb: \"1\"\nc: true\nd: ~\ne: x1\nf: 1.5\ng:\n");
        let ty = |k: &str| node.get(k).unwrap().as_scalar().unwrap().ty;
        assert_eq!(ty("a"), ScalarType::Int);
        assert_eq!(ty("b"), ScalarType::String);
        assert_eq!(ty("c"), ScalarType::Bool);
        assert_eq!(ty("d"), ScalarType::Null);
        assert_eq!(ty("e"), ScalarType::String);
        assert_eq!(ty("f"), ScalarType::Float);
        assert_eq!(ty("g"), ScalarType::Null);
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let stream = parse_str(&text);
        assert!(!stream.errors.is_empty());
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let prev = i - 1;
            let refs = vec![format!("*a{prev}"); 10].join(", ");
            writeln!(text, "a{i}: &a{i} [{refs}]").unwrap();
        }
        let stream = parse_str(&text);
        assert!(
            stream
                .errors
                .iter()
                .any(|e| e.message.contains("aliases expand"))
        );
    }

    #[test]
    fn a_control_character_is_not_mistaken_for_a_tab() {
        let stream = parse_str("name: a\0b\n");
        let message = &stream.errors[0].message;
        assert!(message.contains("control characters"), "{message}");
        assert!(!message.contains("tabs"), "{message}");
    }

    #[test]
    fn flow_mapping_spans_cover_the_braces() {
        let text = "a: {b: 1, c: 2}\n";
        let node = root(text);
        assert_eq!(&text[node.get("a").unwrap().span.range()], "{b: 1, c: 2}");
    }

    #[test]
    fn field_paths_name_keys_and_indexes() {
        let text = "spec:\n  workload:\n    resources:\n      payments:\n        direction: outbound\n  ports:\n    - port: 80\n";
        let node = root(text);
        let at = |needle: &str| field_path(&node, text.find(needle).unwrap());
        assert_eq!(at("payments"), "spec.workload.resources.payments");
        assert_eq!(at("outbound"), "spec.workload.resources.payments.direction");
        assert_eq!(at("80"), "spec.ports[0].port");
        assert_eq!(at("spec"), "spec");
    }
}
