//! A small YAML emitter: block style, two-space indentation, sequences
//! indented under their key, keys in the mapping's order.
//!
//! Invariants:
//! - The output reads back (with this crate's reader, and with YAML 1.1
//!   readers such as the one `kubectl` uses) as the same value: a string is
//!   written plain only when no reader could take it for anything else, and
//!   double-quoted otherwise (`"8080"`, `"true"`, `"yes"`, `""`).
//! - The same value always gives the same text.

use std::fmt::Write as _;

use serde_json::Value;

use super::doc::Doc;

/// `value` as one YAML document, without a `---` line, ending in a newline.
#[must_use]
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    write_yaml(&mut out, &Doc::from_value(value));
    out
}

/// Append `doc` as one YAML document, without a `---` line, ending in a
/// newline.
pub fn write_yaml(out: &mut String, doc: &Doc<'_>) {
    if is_inline(doc) {
        inline(out, doc);
        out.push('\n');
    } else {
        block(out, doc, 0, false);
    }
}

/// Whether `doc` is written on the line of its key or dash: a scalar, `[]`
/// or `{}`.
fn is_inline(doc: &Doc<'_>) -> bool {
    match doc {
        Doc::Seq(items) => items.is_empty(),
        Doc::Map(entries) => entries.is_empty(),
        _ => true,
    }
}

/// Write a non-empty mapping or sequence, one entry per line at `indent`.
/// With `started`, the cursor already stands after a `- ` at that column,
/// so the first line needs no padding.
fn block(out: &mut String, doc: &Doc<'_>, indent: usize, mut started: bool) {
    let mut pad = |out: &mut String| {
        if !started {
            out.extend(std::iter::repeat_n(' ', indent));
        }
        started = false;
    };
    match doc {
        Doc::Map(entries) => {
            for (key, item) in entries {
                pad(out);
                string(out, key);
                out.push(':');
                after_indicator(out, item, indent + 2, false);
            }
        }
        Doc::Seq(items) => {
            for item in items {
                pad(out);
                out.push('-');
                after_indicator(out, item, indent + 2, true);
            }
        }
        _ => {
            pad(out);
            inline(out, doc);
            out.push('\n');
        }
    }
}

/// Write what follows `key:` or `-`. A nested mapping under a dash starts on
/// the dash's line (`- key: value`); under a key, on the next line.
fn after_indicator(out: &mut String, doc: &Doc<'_>, indent: usize, dash: bool) {
    if is_inline(doc) {
        out.push(' ');
        inline(out, doc);
        out.push('\n');
    } else if dash {
        out.push(' ');
        block(out, doc, indent, true);
    } else {
        out.push('\n');
        block(out, doc, indent, false);
    }
}

fn inline(out: &mut String, doc: &Doc<'_>) {
    match doc {
        Doc::Null => out.push_str("null"),
        Doc::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Doc::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Doc::Str(s) => string(out, s),
        Doc::Seq(_) => out.push_str("[]"),
        Doc::Map(_) => out.push_str("{}"),
    }
}

fn string(out: &mut String, s: &str) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else {
        double_quoted(out, s);
    }
}

/// Whether `s` can be written as a plain scalar and still read back as this
/// string under both YAML 1.2 (core schema) and YAML 1.1 resolution.
fn is_plain_safe(s: &str) -> bool {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if matches!(
        first,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
            | b'~'
            | b'='
    ) || last == b':'
    {
        return false;
    }
    // Nearly every string of a policy is short printable ASCII: checked
    // without a branch per byte, and `: ` and ` #` looked for at spaces only.
    let printable_ascii = bytes
        .iter()
        .fold(true, |ok, b| ok & (b' '..=b'~').contains(b));
    if printable_ascii {
        if first == b' ' || last == b' ' {
            return false;
        }
        let breaks_plain = memchr::memchr_iter(b' ', bytes)
            .any(|i| bytes[i - 1] == b':' || bytes.get(i + 1) == Some(&b'#'));
        return !breaks_plain && !looks_like_other_type(s);
    }
    let starts_blank = s.starts_with(char::is_whitespace);
    if starts_blank || s.ends_with(char::is_whitespace) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.chars().any(needs_escape) {
        return false;
    }
    !looks_like_other_type(s)
}

/// Whether a YAML 1.1 or 1.2 reader could resolve plain `s` to a null,
/// boolean or number. Errs on the side of quoting: anything that starts like
/// a number is quoted.
fn looks_like_other_type(s: &str) -> bool {
    const WORDS: [&str; 13] = [
        "null", "true", "false", "yes", "no", "y", "n", "on", "off", ".inf", ".nan", "<<", "~",
    ];
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let is_word = |text: &str| WORDS.iter().any(|w| w.eq_ignore_ascii_case(text));
    if s.len() <= 6 && (is_word(s) || is_word(unsigned)) {
        return true;
    }
    let mut bytes = unsigned.bytes();
    match bytes.next() {
        Some(c) if c.is_ascii_digit() => true,
        Some(b'.') => bytes
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == b'.'),
        _ => false,
    }
}

/// Characters a plain scalar cannot hold and a double-quoted one must
/// escape: controls (tab and line breaks included) and what YAML does not
/// count as printable.
fn needs_escape(c: char) -> bool {
    let printable = matches!(c, ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        || c >= '\u{10000}';
    !printable || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}')
}

fn double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, json};

    use super::*;
    use crate::source::LineIndex;
    use crate::yaml::{Node, parse};

    /// Read `text` back with the crate's own YAML reader.
    fn read_back(text: &str) -> Value {
        let stream = parse(text, &LineIndex::new(text));
        assert!(stream.errors.is_empty(), "{:?}\n{text}", stream.errors);
        assert_eq!(stream.documents.len(), 1, "{text}");
        stream.documents[0]
            .root
            .as_ref()
            .map_or(Value::Null, Node::to_json)
    }

    #[test]
    fn ports_and_words_that_read_as_other_types_are_quoted() {
        let value = json!({"port": "8080", "protocol": "TCP", "b": "true", "y": "yes", "n": "~",
                           "e": "", "f": "1.5", "v": "1.2.3", "h": "0x1f", "d": ".5", "o": "off"});
        let text = to_yaml(&value);
        assert!(text.contains("port: \"8080\"\n"), "{text}");
        assert!(text.contains("protocol: TCP\n"), "{text}");
        for quoted in [
            "\"true\"", "\"yes\"", "\"~\"", "\"\"", "\"1.5\"", "\"0x1f\"", "\"off\"",
        ] {
            assert!(text.contains(quoted), "{quoted} in {text}");
        }
        assert_eq!(read_back(&text), value);
    }

    #[test]
    fn layout_is_block_style_with_indented_sequences() {
        let value = json!({
            "spec": {
                "egress": [
                    {"toEndpoints": [{"matchLabels": {"app": "x"}}],
                     "toPorts": [{"ports": [{"port": "53", "protocol": "UDP"}]}]},
                    {}
                ],
                "endpointSelector": {},
                "nested": [[1, 2], []]
            }
        });
        let expected = "\
spec:
  egress:
    - toEndpoints:
        - matchLabels:
            app: x
      toPorts:
        - ports:
            - port: \"53\"
              protocol: UDP
    - {}
  endpointSelector: {}
  nested:
    - - 1
      - 2
    - []
";
        assert_eq!(to_yaml(&value), expected);
        assert_eq!(read_back(expected), value);
    }

    #[test]
    fn tricky_strings_round_trip() {
        let strings = [
            "commerce/checkout->commerce/payments,web/frontend->commerce/payments",
            "a: b",
            "ends with colon:",
            "# comment",
            "x #y",
            "x#y",
            "- dash",
            "-",
            "---",
            "...",
            "?",
            "'single'",
            "\"double\"",
            "back\\slash",
            "line\nbreak",
            "tab\there",
            " leading",
            "trailing ",
            "*alias",
            "&anchor",
            "!tag",
            "%directive",
            "@at",
            "`tick",
            "{flow}",
            "[flow]",
            "|literal",
            ">folded",
            "=",
            "<<",
            "NULL",
            "False",
            "+1",
            "-.inf",
            ".NaN",
            "1e3",
            "12:30",
            "café",
            "bell\u{7}",
            "del\u{7f}",
            "nel\u{85}",
            "bom\u{feff}",
            "ls\u{2028}",
            "emoji \u{1f600}",
            "app.kubernetes.io/name",
            "cluster.local/ns/web/sa/frontend",
        ];
        let map: Map<String, Value> = strings
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("k{i:02}"), Value::String((*s).to_owned())))
            .collect();
        let value = Value::Object(map);
        assert_eq!(read_back(&to_yaml(&value)), value);
        let keys: Map<String, Value> = strings
            .iter()
            .map(|s| ((*s).to_owned(), json!(1)))
            .collect();
        let value = Value::Object(keys);
        assert_eq!(read_back(&to_yaml(&value)), value);
    }

    #[test]
    fn scalars_and_empty_documents() {
        assert_eq!(to_yaml(&json!({})), "{}\n");
        assert_eq!(to_yaml(&json!([])), "[]\n");
        assert_eq!(to_yaml(&json!("8080")), "\"8080\"\n");
        let value = json!({"n": null, "t": true, "i": 42, "neg": -3, "list": [null, false]});
        assert_eq!(read_back(&to_yaml(&value)), value);
    }
}
