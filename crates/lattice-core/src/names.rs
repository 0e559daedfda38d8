//! Kubernetes name rules, the quoting of user text in messages, and "did
//! you mean" suggestions.
//!
//! Every name a spec gives ends up in a label selector or an Istio principal,
//! so each is held to the rule Kubernetes itself applies to it before it is
//! used: a value that fails is an `invalid-spec` error and never reaches the
//! output. The rules are allow-lists of characters, so `/`, `,`, `*`, `:`,
//! whitespace, control characters and anything outside ASCII are refused
//! without a list of what is dangerous.

/// Why `text` is not an RFC 1123 DNS label (what Kubernetes requires of
/// namespace and Service names), or `None` when it is one.
#[must_use]
pub fn dns_label_problem(text: &str) -> Option<String> {
    if text.is_empty() {
        return Some("is empty".to_owned());
    }
    if text.len() > 63 {
        return Some(format!(
            "is {} characters long; the limit is 63",
            text.chars().count()
        ));
    }
    if let Some(bad) = text
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Some(format!(
            "contains {bad:?}; only lowercase letters, digits and '-' are allowed"
        ));
    }
    if text.starts_with('-') || text.ends_with('-') {
        return Some("must start and end with a letter or digit".to_owned());
    }
    None
}

/// Longest stretch of user text quoted in a message: a name past the
/// 63-character limit is shown by its start and its length, so that a
/// hostile value cannot flood the terminal or an editor.
const SHOWN_CHARS: usize = 48;

/// `text` as a message quotes it: in double quotes with control characters
/// and quotes escaped (a newline or NUL shows as `\n` or `\0`), cut after
/// 48 characters with the full length given.
#[must_use]
pub fn shown(text: &str) -> String {
    let count = text.chars().count();
    if count <= SHOWN_CHARS {
        return format!("{text:?}");
    }
    let head: String = text.chars().take(SHOWN_CHARS).collect();
    format!("{head:?}... ({count} characters)")
}

/// Why the label key `key`, valid as it is, may not select a mesh member's
/// pods, or `None`. Cilium derives labels under `io.kubernetes.pod.` and
/// `io.cilium.` itself (the pod's namespace, its service account, its
/// namespace's labels): a selector naming one would choose pods by those
/// instead of by their own labels, or, for the namespace, contradict the
/// one the compiler adds; and Istio would look for a label no pod carries.
#[must_use]
pub fn reserved_selector_key(key: &str) -> Option<String> {
    ["io.kubernetes.pod.", "io.cilium."]
        .into_iter()
        .find(|prefix| key.starts_with(prefix))
        .map(|prefix| {
            format!("starts with `{prefix}`, which Cilium reserves for labels it derives")
        })
}

/// The path of the field `key` under `parent`, for messages:
/// `spec.workload.resources.payments`, or with a key that is no plain name
/// `spec.workload.resources["a/ns/b"]`, quoted as [`shown`] quotes it.
#[must_use]
pub fn field_path(parent: &str, key: &str) -> String {
    if label_value_problem(key).is_none() && !key.is_empty() && !key.contains('.') {
        format!("{parent}.{key}")
    } else {
        format!("{parent}[{}]", shown(key))
    }
}

/// Why `text` is not a SPIFFE trust domain (the first part of every Istio
/// principal), or `None`. Lowercase letters, digits, `.`, `-` and `_`, at
/// most 255 characters: a `/` would let it pose as a namespace or service
/// account in the principal, a `*` would turn the principal into a pattern.
#[must_use]
pub fn trust_domain_problem(text: &str) -> Option<String> {
    if text.is_empty() {
        return Some("is empty".to_owned());
    }
    if text.len() > 255 {
        return Some(format!(
            "is {} characters long; the limit is 255",
            text.chars().count()
        ));
    }
    if let Some(bad) = text
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_')))
    {
        return Some(format!(
            "contains {bad:?}; only lowercase letters, digits, '.', '-' and '_' are allowed"
        ));
    }
    None
}

/// Why `text` is not an RFC 1123 DNS subdomain (service account names), or `None`.
#[must_use]
pub fn dns_subdomain_problem(text: &str) -> Option<String> {
    if text.len() > 253 {
        return Some(format!(
            "is {} characters long; the limit is 253",
            text.chars().count()
        ));
    }
    text.split('.')
        .find_map(|part| dns_label_problem(part).map(|p| format!("has a part that {p}")))
}

/// Why `key` is not a valid Kubernetes label key, or `None`.
#[must_use]
pub fn label_key_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(problem) = prefix.and_then(dns_subdomain_problem) {
        return Some(format!("prefix {problem}"));
    }
    label_value_problem(name).or_else(|| name.is_empty().then(|| "name is empty".to_owned()))
}

/// Why `value` is not a valid Kubernetes label value, or `None`.
#[must_use]
pub fn label_value_problem(value: &str) -> Option<String> {
    if value.len() > 63 {
        return Some(format!(
            "is {} characters long; the limit is 63",
            value.chars().count()
        ));
    }
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Some(format!(
            "contains {bad:?}; only letters, digits, '-', '_' and '.' are allowed"
        ));
    }
    let edge_ok = |c: Option<char>| c.is_none_or(|c| c.is_ascii_alphanumeric());
    if !edge_ok(value.chars().next()) || !edge_ok(value.chars().last()) {
        return Some("must start and end with a letter or digit".to_owned());
    }
    None
}

/// The candidate closest to `word`, if any is close enough to be a likely
/// typo or rename: same stem with a suffix or prefix added or dropped
/// (`inventory-svc` for `inventory`), or a small edit distance. Among equally
/// close candidates, the first by name.
///
/// A candidate whose edit distance cannot be small enough, judged from a
/// bound that costs one pass over its letters, is not measured: a check of
/// thousands of services in one namespace asks this for every unknown peer.
#[must_use]
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let bound = DistanceBound::new(word);
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let mut ceiling = bound.score_ceiling(candidate);
        if is_stem_pair(word, candidate) {
            ceiling = ceiling.max(STEM_SCORE);
        } else if ceiling < MIN_SCORE {
            continue;
        }
        if best.is_some_and(|(score, _)| ceiling < score) {
            continue;
        }
        let Some(score) = similarity(word, candidate) else {
            continue;
        };
        let better = best.is_none_or(|(top, name)| {
            // Higher, or as high and first by name.
            score.total_cmp(&top).then_with(|| name.cmp(candidate)) == std::cmp::Ordering::Greater
        });
        if better {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, name)| name)
}

/// The least normalized similarity of a typo.
const MIN_SCORE: f64 = 0.6;
/// The similarity a shared stem is worth at least.
const STEM_SCORE: f64 = 0.7;

/// A lower bound on the Damerau-Levenshtein distance from one word: the
/// difference in length and, for ASCII, the bag distance (the letters one
/// word has and the other lacks). No edit, transposition included, moves
/// either by more than one.
struct DistanceBound {
    chars: usize,
    /// Letter counts, when the word is ASCII.
    counts: Option<[u32; 128]>,
}

impl DistanceBound {
    fn new(word: &str) -> Self {
        let counts = word.is_ascii().then(|| {
            let mut counts = [0; 128];
            for b in word.bytes() {
                counts[usize::from(b)] += 1;
            }
            counts
        });
        Self {
            chars: word.chars().count(),
            counts,
        }
    }

    /// The highest normalized similarity `candidate` could have, computed
    /// the way the similarity is, so it is never below it.
    fn score_ceiling(&self, candidate: &str) -> f64 {
        let chars = candidate.chars().count();
        let longest = chars.max(self.chars);
        if longest == 0 {
            return 1.0;
        }
        let mut lower = chars.abs_diff(self.chars);
        if let (Some(counts), true) = (&self.counts, candidate.is_ascii()) {
            // Letters of the candidate the word lacks; the rest pair up, and
            // the word's unpaired letters are the ones the candidate lacks.
            let mut counts = *counts;
            let mut extra = 0;
            for b in candidate.bytes() {
                let count = &mut counts[usize::from(b)];
                if *count > 0 {
                    *count -= 1;
                } else {
                    extra += 1;
                }
            }
            let missing = self.chars - (chars - extra);
            lower = lower.max(missing.max(extra));
        }
        #[expect(clippy::cast_precision_loss, reason = "names are short")]
        let ceiling = 1.0 - lower as f64 / longest as f64;
        ceiling
    }
}

/// Whether one of the words is the other with a prefix or suffix added.
fn is_stem_pair(word: &str, candidate: &str) -> bool {
    let stem = |long: &str, short: &str| {
        short.len() >= 3
            && (long.starts_with(short) || long.ends_with(short))
            && long.len() - short.len() <= long.len() / 2 + 1
    };
    stem(word, candidate) || stem(candidate, word)
}

fn similarity(word: &str, candidate: &str) -> Option<f64> {
    let score = strsim::normalized_damerau_levenshtein(word, candidate);
    if is_stem_pair(word, candidate) {
        return Some(score.max(STEM_SCORE));
    }
    (score >= MIN_SCORE).then_some(score)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert_eq!(dns_label_problem("payments-v2"), None);
        assert!(dns_label_problem("Payments").unwrap().contains("'P'"));
        assert!(dns_label_problem("-a").is_some());
        assert!(dns_label_problem(&"a".repeat(64)).unwrap().contains("63"));
        assert!(dns_label_problem("a.b").is_some());
        assert!(dns_label_problem("a/b").is_some());
    }

    #[test]
    fn renamed_services_are_suggested() {
        let names = ["inventory", "orders", "payments"];
        assert_eq!(closest("inventory-svc", names), Some("inventory"));
        assert_eq!(closest("paymnets", names), Some("payments"));
        assert_eq!(closest("zebra", names), None);
    }

    /// `closest` as it reads without the distance bound: every candidate
    /// measured.
    fn closest_measuring_all<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
        candidates
            .iter()
            .copied()
            .filter(|c| *c != word)
            .filter_map(|c| similarity(word, c).map(|s| (s, c)))
            .max_by(|(a, ca), (b, cb)| a.total_cmp(b).then_with(|| cb.cmp(ca)))
            .map(|(_, c)| c)
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 2048,
            rng_seed: proptest::test_runner::RngSeed::Fixed(7),
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]

        // A small alphabet, with a letter outside ASCII now and then, makes
        // near misses, stems and ties common.
        #[test]
        fn skipping_by_the_bound_never_changes_the_suggestion(
            word in "[abc\\-é]{0,8}",
            candidates in proptest::collection::vec("[abc\\-é]{0,9}", 0..24),
        ) {
            let candidates: Vec<&str> = candidates.iter().map(String::as_str).collect();
            proptest::prop_assert_eq!(
                closest(&word, candidates.iter().copied()),
                closest_measuring_all(&word, &candidates)
            );
        }
    }

    #[test]
    fn names_that_would_inject_into_selectors_or_principals_are_not_labels() {
        let long = "a".repeat(64);
        for hostile in [
            "a/ns/b",
            "x,y",
            "*",
            "cluster.local/ns/evil/sa/x",
            "a\nb",
            "a\0b",
            long.as_str(),
            "Api",
            "api-",
            "ap i",
            "a:b",
            "caf\u{e9}",
            "",
        ] {
            assert!(dns_label_problem(hostile).is_some(), "{hostile:?}");
            assert!(dns_subdomain_problem(hostile).is_some(), "{hostile:?}");
        }
        assert_eq!(dns_subdomain_problem("prometheus.server"), None);
        assert!(dns_subdomain_problem("a..b").is_some());
    }

    #[test]
    fn trust_domains_cannot_carry_a_path_or_a_pattern() {
        assert_eq!(trust_domain_problem("cluster.local"), None);
        assert_eq!(trust_domain_problem("prod_eu.example"), None);
        for hostile in ["", "evil/ns/x", "*", "Cluster.local", "a b", "x\n"] {
            assert!(trust_domain_problem(hostile).is_some(), "{hostile:?}");
        }
    }

    #[test]
    fn field_paths_quote_keys_that_are_not_plain_names() {
        assert_eq!(field_path("spec.ports", "http"), "spec.ports.http");
        assert_eq!(field_path("spec.ports", "a/b"), "spec.ports[\"a/b\"]");
        assert_eq!(field_path("spec.ports", "a\nb"), "spec.ports[\"a\\nb\"]");
        assert_eq!(
            field_path("s", "app.kubernetes.io/name"),
            "s[\"app.kubernetes.io/name\"]"
        );
    }

    #[test]
    fn quoted_text_is_escaped_and_cut() {
        assert_eq!(shown("a\nb\0"), "\"a\\nb\\0\"");
        let long = "x".repeat(10_000);
        let quoted = shown(&long);
        assert!(quoted.len() < 80, "{quoted}");
        assert!(quoted.ends_with("(10000 characters)"), "{quoted}");
    }

    #[test]
    fn labels_cilium_derives_cannot_select_pods() {
        assert!(reserved_selector_key("io.kubernetes.pod.namespace").is_some());
        assert!(reserved_selector_key("io.cilium.k8s.policy.serviceaccount").is_some());
        assert!(reserved_selector_key("io.cilium.k8s.namespace.labels.team").is_some());
        assert_eq!(reserved_selector_key("app.kubernetes.io/name"), None);
        assert_eq!(reserved_selector_key("k8s-app"), None);
    }

    #[test]
    fn label_keys() {
        assert_eq!(label_key_problem("app.kubernetes.io/name"), None);
        assert!(label_key_problem("bad key").is_some());
        assert!(label_value_problem("x\ny").is_some());
    }
}
