//! Kubernetes name rules and "did you mean" suggestions.

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
/// (`inventory-svc` for `inventory`), or a small edit distance.
#[must_use]
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .filter_map(|c| similarity(word, c).map(|s| (s, c)))
        .max_by(|(a, ca), (b, cb)| a.total_cmp(b).then_with(|| cb.cmp(ca)))
        .map(|(_, c)| c)
}

fn similarity(word: &str, candidate: &str) -> Option<f64> {
    let score = strsim::normalized_damerau_levenshtein(word, candidate);
    let stem = |long: &str, short: &str| {
        short.len() >= 3
            && (long.starts_with(short) || long.ends_with(short))
            && long.len() - short.len() <= long.len() / 2 + 1
    };
    if stem(word, candidate) || stem(candidate, word) {
        return Some(score.max(0.7));
    }
    (score >= 0.6).then_some(score)
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

    #[test]
    fn label_keys() {
        assert_eq!(label_key_problem("app.kubernetes.io/name"), None);
        assert!(label_key_problem("bad key").is_some());
        assert!(label_value_problem("x\ny").is_some());
    }
}
