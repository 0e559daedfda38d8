//! Snapshots of the three renderings of `check` over hand-built analyses, so
//! that the layout is fixed independently of what the core finds.
//!
//! The fixture covers what the renderers must get right: a fix in another
//! file with a wider line number, related locations, help lines, columns
//! after multi-byte characters, a tab before the span, a span over several
//! lines, a file that could not be read, and a fix at the end of a file
//! without a final newline.

use kubectl_lattice::render::{json, sarif, text};
use lattice_core::{
    Analysis, Code, Diagnostic, FileId, Fix, Location, Severity, SourceFile, SourceMap, Span,
    Summary,
};

const CHECKOUT: &str = "\
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
  name: checkout
  namespace: commerce
spec:
  workload:
    resources:
      payments:
        direction: outbound
      café-api:
        id: crème_api
";

const PAYMENTS: &str = "\
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
  name: payments
  namespace: commerce
spec:
  workload:
    resources:
      orders:
        direction: inbound
      anyone:
        id: \"*\"
        direction: inbound
    service:
      ports:
        http:
          port: 8080";

const BROKEN: &str = "\
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
\tname: broken
";

/// The span of the `nth` (from 0) occurrence of `needle` in `text`.
fn span_of(text: &str, needle: &str, nth: usize) -> Span {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .expect("needle in fixture")
        .0;
    Span::new(start, start + needle.len())
}

fn at(file: FileId, text: &str, needle: &str) -> Location {
    Location {
        file,
        span: span_of(text, needle, 0),
    }
}

fn fixture() -> Analysis {
    let mut sources = SourceMap::default();
    let checkout = sources.add(SourceFile::new("specs/checkout.yaml", CHECKOUT));
    let payments = sources.add(SourceFile::new("specs/payments.yaml", PAYMENTS));
    let broken = sources.add(SourceFile::new("specs/broken.yaml", BROKEN));
    let unreadable = sources.add(SourceFile::new("specs/secret dir/locked.yaml", ""));

    let unmatched = Diagnostic::new(
        Code::UnmatchedOutbound,
        at(checkout, CHECKOUT, "payments"),
        "commerce/checkout calls commerce/payments, but payments does not accept it",
    )
    .with_label("outbound declaration to commerce/payments")
    .with_related(
        at(payments, PAYMENTS, "payments"),
        "commerce/payments is defined here",
    )
    .with_help("payments accepts: orders")
    .with_fix(Some(Fix {
        description: "accept commerce/checkout in the spec of commerce/payments".to_owned(),
        file: payments,
        line: 9,
        insert: "      checkout:\n        direction: inbound\n".to_owned(),
    }));

    let invalid_id = Diagnostic::new(
        Code::InvalidSpec,
        at(checkout, CHECKOUT, "crème_api"),
        "`id` must be a DNS label",
    )
    .with_label("`_` is not allowed");

    let tab = Diagnostic::new(
        Code::InvalidYaml,
        at(broken, BROKEN, "name"),
        "tabs are not allowed for indentation",
    )
    .with_label("indented with a tab");

    let whole_document = Location {
        file: checkout,
        span: Span::new(
            span_of(CHECKOUT, "metadata:", 0).start as usize,
            span_of(CHECKOUT, "commerce", 0).end as usize,
        ),
    };
    let multi_line = Diagnostic::new(
        Code::DuplicateService,
        whole_document,
        "commerce/checkout is defined twice",
    );

    let wildcard = Diagnostic::new(
        Code::Wildcard,
        at(payments, PAYMENTS, "anyone"),
        "commerce/payments accepts every caller",
    )
    .with_label("wildcard acceptance")
    .with_help("name each caller in its own inbound declaration")
    .with_fix(Some(Fix {
        description: "add an explicit port".to_owned(),
        file: payments,
        line: 18,
        insert: "\n        grpc:\n\n          port: 9090\n".to_owned(),
    }));

    let io_error = Diagnostic::new(
        Code::IoError,
        Location {
            file: unreadable,
            span: Span::empty(0),
        },
        "specs/secret dir/locked.yaml could not be read: permission denied",
    )
    .with_help("make it readable, or leave it out of the paths");

    let diagnostics = vec![unmatched, invalid_id, multi_line, tab, wildcard, io_error];
    let summary = Summary {
        files: 4,
        services: 2,
        mesh_members: 1,
        agreements: 1,
        errors: 5,
        warnings: 1,
        skipped_documents: 3,
    };
    Analysis {
        sources,
        diagnostics,
        summary,
        ..Analysis::default()
    }
}

fn clean(warnings: usize) -> Analysis {
    let mut sources = SourceMap::default();
    let payments = sources.add(SourceFile::new("payments.yaml", PAYMENTS));
    let diagnostics = (0..warnings)
        .map(|_| {
            Diagnostic::new(
                Code::Wildcard,
                at(payments, PAYMENTS, "anyone"),
                "a wildcard",
            )
            .with_severity(Severity::Warning)
        })
        .collect();
    let summary = Summary {
        files: 1,
        services: 1,
        warnings,
        ..Summary::default()
    };
    Analysis {
        sources,
        diagnostics,
        summary,
        ..Analysis::default()
    }
}

fn render_text(analysis: &Analysis, color: bool) -> String {
    let mut out = Vec::new();
    text::render(analysis, color, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn render_json(analysis: &Analysis) -> String {
    let mut out = Vec::new();
    json::render(analysis, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn render_sarif(analysis: &Analysis) -> String {
    let mut out = Vec::new();
    sarif::render(analysis, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn text() {
    insta::assert_snapshot!(render_text(&fixture(), false));
}

#[test]
fn text_in_colour() {
    let mut analysis = fixture();
    analysis.diagnostics.truncate(1);
    insta::assert_snapshot!(render_text(&analysis, true).replace('\x1b', "␛"));
}

#[test]
fn text_without_colour_has_no_escapes() {
    assert!(!render_text(&fixture(), false).contains('\x1b'));
}

#[test]
fn text_when_clean() {
    insta::assert_snapshot!(render_text(&clean(0), false), @"ok: no errors or warnings in 1 file (1 service, 0 mesh members, 0 agreements)");
}

#[test]
fn text_with_warnings_only() {
    let text = render_text(&clean(2), false);
    let summary = text.lines().last().unwrap();
    insta::assert_snapshot!(summary, @"warning: 0 errors, 2 warnings in 1 file (1 service, 0 mesh members, 0 agreements)");
}

#[test]
fn json() {
    insta::assert_snapshot!(render_json(&fixture()));
}

#[test]
fn json_keys_follow_the_contract() {
    let json = render_json(&fixture());
    let first = &json[json.find("{\n      \"code\"").unwrap()..];
    let keys = [
        "code",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "endLine",
        "endColumn",
        "related",
        "fix",
    ];
    let positions: Vec<usize> = keys
        .iter()
        .map(|key| first.find(&format!("\"{key}\":")).unwrap())
        .collect();
    assert!(positions.is_sorted(), "keys out of order: {positions:?}");
    assert!(json.ends_with("}\n"));
}

#[test]
fn json_when_clean() {
    let value: serde_json::Value = serde_json::from_str(&render_json(&clean(0))).unwrap();
    assert_eq!(value["diagnostics"], serde_json::json!([]));
    assert_eq!(value["summary"]["files"], 1);
    assert_eq!(value["summary"]["meshMembers"], 0);
}

#[test]
fn sarif() {
    insta::assert_snapshot!(render_sarif(&fixture()));
}

#[test]
fn sarif_columns_match_json() {
    let json: serde_json::Value = serde_json::from_str(&render_json(&fixture())).unwrap();
    let sarif: serde_json::Value = serde_json::from_str(&render_sarif(&fixture())).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(results.len(), diagnostics.len());
    for (result, diagnostic) in results.iter().zip(diagnostics) {
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], diagnostic["line"]);
        assert_eq!(region["startColumn"], diagnostic["column"]);
        assert_eq!(region["endLine"], diagnostic["endLine"]);
        assert_eq!(region["endColumn"], diagnostic["endColumn"]);
        assert_eq!(result["ruleId"], diagnostic["code"]);
        assert_eq!(result["level"], diagnostic["severity"]);
    }
}
