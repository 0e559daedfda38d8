//! Hostile names: every place a spec names something (a workload, a
//! namespace, a resource key, a peer, a port, a service account, a label)
//! is given values that would inject into a label selector or an Istio
//! principal if they were copied: path separators, commas, wildcards,
//! control characters, overlong, uppercase and non-ASCII names.
//!
//! Each must be refused as `invalid-spec` in the right file, with a message
//! that names the object and the field, stays on one line, and says what to
//! do; and the compiled output must not contain the value anywhere. The
//! document is left out, so `compile` refuses unless partial output is
//! allowed (fail closed).

use std::fmt::Write as _;

use lattice_core::compile::{CompileOptions, compile};
use lattice_core::{Analysis, Code, Input, InputContent, Options, Severity, analyze};

const WEB: &str = "apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
  name: web
  namespace: shop
spec:
  workload:
    service:
      ports:
        http:
          port: 80
    resources:
      api:
        direction: outbound
      prom:
        direction: both
        namespace: monitoring
";

const API: &str = "apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
  name: api
  namespace: shop
spec:
  workload:
    service:
      ports:
        http:
          port: 80
          targetPort: 8080
    resources:
      web:
        direction: inbound
";

const PROM: &str = "apiVersion: lattice.dev/v1alpha1
kind: LatticeMeshMember
metadata:
  name: prom
  namespace: monitoring
spec:
  target:
    selector:
      app: prometheus
  ports:
  - port: 9090
    name: metrics
  allowedCallers:
  - name: web
    namespace: shop
  dependencies:
  - name: web
    namespace: shop
  serviceAccount: prometheus
";

/// One place a name is written: the file, the text replaced, its
/// replacement with `X` for the hostile value, the field the message must
/// name, and the hostile values that are legitimate there.
struct Slot {
    file: &'static str,
    find: &'static str,
    replace: &'static str,
    field: &'static str,
    legitimate: &'static [&'static str],
}

const SLOTS: &[Slot] = &[
    Slot {
        file: "api.yaml",
        find: "name: api",
        replace: "name: X",
        field: "metadata.name",
        legitimate: &[],
    },
    Slot {
        file: "api.yaml",
        find: "namespace: shop",
        replace: "namespace: X",
        field: "metadata.namespace",
        legitimate: &[],
    },
    Slot {
        file: "web.yaml",
        find: "      api:\n        direction: outbound",
        replace: "      X:\n        direction: outbound",
        field: "spec.workload.resources",
        legitimate: &[],
    },
    Slot {
        file: "web.yaml",
        find: "      api:\n        direction: outbound",
        replace: "      X:\n        id: api\n        direction: outbound",
        field: "spec.workload.resources",
        legitimate: &[],
    },
    Slot {
        file: "web.yaml",
        find: "      api:\n        direction: outbound",
        replace: "      api:\n        id: X\n        direction: outbound",
        field: ".id",
        legitimate: &[],
    },
    Slot {
        file: "web.yaml",
        find: "        namespace: monitoring",
        replace: "        namespace: X",
        field: ".namespace",
        legitimate: &[],
    },
    Slot {
        file: "web.yaml",
        find: "      prom:\n        direction: both",
        replace: "      prom:\n        type: X\n        direction: both",
        field: ".type",
        legitimate: &[],
    },
    Slot {
        file: "api.yaml",
        find: "        http:\n",
        replace: "        X:\n",
        field: "spec.workload.service.ports",
        legitimate: &[],
    },
    Slot {
        file: "prom.yaml",
        find: "name: prom",
        replace: "name: X",
        field: "metadata.name",
        legitimate: &[],
    },
    Slot {
        file: "prom.yaml",
        find: "serviceAccount: prometheus",
        replace: "serviceAccount: X",
        field: "spec.serviceAccount",
        // Service accounts are DNS subdomains: dots are allowed.
        legitimate: &[
            "evil.dot",
            "io.kubernetes.pod.namespace",
            "io.cilium.k8s.policy.serviceaccount",
        ],
    },
    Slot {
        file: "prom.yaml",
        find: "  - name: web\n    namespace: shop\n  dependencies:",
        replace: "  - name: X\n    namespace: shop\n  dependencies:",
        field: "spec.allowedCallers[0].name",
        // The documented wildcard.
        legitimate: &["*"],
    },
    Slot {
        file: "prom.yaml",
        find: "  - name: web\n    namespace: shop\n  dependencies:",
        replace: "  - name: web\n    namespace: X\n  dependencies:",
        field: "spec.allowedCallers[0].namespace",
        legitimate: &[],
    },
    Slot {
        file: "prom.yaml",
        find: "  - name: web\n    namespace: shop\n  serviceAccount:",
        replace: "  - name: X\n    namespace: shop\n  serviceAccount:",
        field: "spec.dependencies[0].name",
        legitimate: &[],
    },
    Slot {
        file: "prom.yaml",
        find: "  - name: web\n    namespace: shop\n  serviceAccount:",
        replace: "  - name: web\n    namespace: X\n  serviceAccount:",
        field: "spec.dependencies[0].namespace",
        legitimate: &[],
    },
    Slot {
        file: "prom.yaml",
        find: "      app: prometheus",
        replace: "      X: prometheus",
        field: "spec.target.selector",
        // Label keys may have uppercase letters and dots.
        legitimate: &["Evil", "evil.dot"],
    },
    Slot {
        file: "prom.yaml",
        find: "      app: prometheus",
        replace: "      app: X",
        field: "spec.target.selector",
        // Label values may also be empty, and any label key is a valid
        // label value.
        legitimate: &[
            "Evil",
            "evil.dot",
            "",
            "io.kubernetes.pod.namespace",
            "io.cilium.k8s.policy.serviceaccount",
        ],
    },
    Slot {
        file: "prom.yaml",
        find: "    name: metrics",
        replace: "    name: X",
        field: "spec.ports[0].name",
        legitimate: &[],
    },
];

/// Values that would widen or forge a selector or principal if copied. Each
/// carries a distinctive part, so the output can be searched for it.
fn hostile_values() -> Vec<String> {
    vec![
        "a/ns/evil".to_owned(),
        "evil,x".to_owned(),
        "*".to_owned(),
        "cluster.local/ns/evil/sa/x".to_owned(),
        "evil\nline".to_owned(),
        "evil\0nul".to_owned(),
        format!("evil{}", "x".repeat(70)),
        format!("evil{}", "y".repeat(300)),
        "Evil".to_owned(),
        "evil-".to_owned(),
        "-evil".to_owned(),
        "\u{e9}vil".to_owned(),
        "evil.dot".to_owned(),
        "evil:80".to_owned(),
        "evil sp".to_owned(),
        "evil\u{202e}".to_owned(),
        "io.kubernetes.pod.namespace".to_owned(),
        "io.cilium.k8s.policy.serviceaccount".to_owned(),
        String::new(),
    ]
}

/// `value` as a double-quoted YAML scalar, escapes and all, so that control
/// characters reach the reader as the value and not as broken YAML.
fn yaml_quoted(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn workspace(slot: &Slot, value: &str) -> Vec<(&'static str, String)> {
    [("web.yaml", WEB), ("api.yaml", API), ("prom.yaml", PROM)]
        .into_iter()
        .map(|(file, text)| {
            if file != slot.file {
                return (file, text.to_owned());
            }
            assert_eq!(text.matches(slot.find).count(), 1, "{}", slot.find);
            let replacement = slot.replace.replace('X', &yaml_quoted(value));
            (file, text.replace(slot.find, &replacement))
        })
        .collect()
}

fn run(files: &[(&'static str, String)]) -> Analysis {
    let inputs = files
        .iter()
        .map(|(path, text)| Input {
            path: (*path).to_owned(),
            content: InputContent::Bytes(text.as_bytes().to_vec()),
        })
        .collect();
    analyze(inputs, &Options::default())
}

#[test]
fn the_untouched_workspace_is_clean_and_compiles() {
    let files = workspace(&SLOTS[0], "api");
    let analysis = run(&files);
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
    assert_eq!(analysis.summary.agreements, 3);
    let compiled = compile(&analysis, &CompileOptions::default());
    assert!(!compiled.refused());
    assert!(compiled.to_yaml().contains("cluster.local/ns/shop/sa/web"));
}

#[test]
fn every_hostile_name_is_refused_naming_file_object_and_field() {
    let mut failures = Vec::new();
    for slot in SLOTS {
        for value in hostile_values() {
            if slot.legitimate.contains(&value.as_str()) {
                continue;
            }
            let files = workspace(slot, &value);
            let analysis = run(&files);
            let (file, _) = analysis
                .sources
                .iter()
                .find(|(_, s)| s.path == slot.file)
                .expect("the slot's file was read");
            let refusal = analysis.diagnostics.iter().find(|d| {
                d.code == Code::InvalidSpec
                    && d.severity == Severity::Error
                    && d.location.file == file
                    && d.message.contains(slot.field)
            });
            let Some(refusal) = refusal else {
                failures.push(format!(
                    "{} {:?}: no invalid-spec naming `{}`; got {:?}",
                    slot.replace, value, slot.field, analysis.diagnostics
                ));
                continue;
            };
            let message = &refusal.message;
            let one_line = !message.contains(['\n', '\0', '\u{202e}']);
            let names_object =
                message.starts_with("LatticeService") || message.starts_with("LatticeMeshMember");
            if !one_line || !names_object || message.len() > 300 || refusal.help.is_empty() {
                failures.push(format!(
                    "{} {value:?}: unclear message {message:?} (help {:?})",
                    slot.replace, refusal.help
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn compiled_output_never_contains_a_hostile_name_and_refuses_without_allow_partial() {
    let partial = CompileOptions {
        allow_partial: true,
        ..CompileOptions::default()
    };
    let clean = compile(&run(&workspace(&SLOTS[0], "api")), &partial);
    let clean = [("yaml", clean.to_yaml()), ("json", clean.to_json())];
    let mut failures = Vec::new();
    for slot in SLOTS {
        for value in hostile_values() {
            if slot.legitimate.contains(&value.as_str()) || value.is_empty() {
                continue;
            }
            let analysis = run(&workspace(slot, &value));
            if !compile(&analysis, &CompileOptions::default()).refused() {
                failures.push(format!(
                    "{} {value:?}: compile did not refuse",
                    slot.replace
                ));
            }
            let compiled = compile(&analysis, &partial);
            for ((format, text), (_, clean)) in
                [("yaml", compiled.to_yaml()), ("json", compiled.to_json())]
                    .iter()
                    .zip(&clean)
            {
                // Some values are words the compiler writes itself (`*` is
                // not one, `io.kubernetes.pod.namespace` is): the output
                // may hold each no more often than that of the workspace
                // without the hostile value, of which it is a part.
                let count = |t: &str| {
                    t.matches(value.as_str()).count() + t.matches(&format!("{value:?}")).count()
                };
                if count(text) > count(clean) {
                    failures.push(format!("{} {value:?}: leaked into {format}", slot.replace));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
