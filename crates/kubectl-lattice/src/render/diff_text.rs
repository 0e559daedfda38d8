//! `diff` for people: each kind of change under its own heading, `+` for
//! what NEW adds, `-` for what it takes away, `~` for what it changes, and
//! a closing line that counts them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use lattice_core::diff::{ChangedAgreement, Changes, Pair, PolicyRef};
use lattice_core::view::{Edge, Status};

use super::graph_text::{count, printable};

/// What the two sides are called on the command line.
#[derive(Clone, Copy, Debug)]
pub struct Labels<'a> {
    /// OLD as given.
    pub old: &'a str,
    /// NEW as given.
    pub new: &'a str,
}

/// Write `changes` as text.
pub fn render(changes: &Changes, labels: Labels<'_>, out: &mut dyn Write) -> io::Result<()> {
    let (old, new) = (printable(labels.old), printable(labels.new));
    if changes.is_empty() {
        return writeln!(out, "No changes from {old} to {new}.");
    }
    writeln!(out, "Changes from {old} to {new}:")?;

    section(out, "Agreements added", &changes.added, |e| {
        format!("+ {}", agreement(e))
    })?;
    section(out, "Agreements removed", &changes.removed, |e| {
        format!("- {}", agreement(e))
    })?;
    section(out, "Agreements changed", &changes.changed, |c| {
        format!(
            "~ {} -> {}: {}",
            c.new.caller,
            c.new.callee,
            what_changed(c)
        )
    })?;
    section(
        out,
        "Declarations the change left unmatched",
        &changes.newly_unmatched,
        |e| format!("+ {}", unmatched(e)),
    )?;
    section(
        out,
        "Declarations now matched or gone",
        &changes.resolved,
        |e| format!("- {}", unmatched(e)),
    )?;
    let gained = by_start(&changes.newly_reachable);
    section(
        out,
        "Newly reachable through agreements",
        &gained,
        |(from, to)| format!("+ {from} can now reach {}", to.join(", ")),
    )?;
    let lost = by_start(&changes.no_longer_reachable);
    section(out, "No longer reachable", &lost, |(from, to)| {
        format!("- {from} can no longer reach {}", to.join(", "))
    })?;
    if changes.reachability_truncated {
        writeln!(
            out,
            "  (incomplete: the change affects more pairs than can be listed)"
        )?;
    }
    section(
        out,
        "Workloads now left out of the policies (their documents have errors)",
        &changes.newly_broken,
        |b| format!("! {}  {}:{}", b.workload, b.file, b.line),
    )?;
    let policies = &changes.policies;
    let mut objects: Vec<(char, &PolicyRef)> = Vec::new();
    objects.extend(policies.created.iter().map(|p| ('+', p)));
    objects.extend(policies.changed.iter().map(|p| ('~', p)));
    objects.extend(policies.deleted.iter().map(|p| ('-', p)));
    section(out, "Policy objects", &objects, |(mark, policy)| {
        format!("{mark} {policy}")
    })?;

    writeln!(out)?;
    writeln!(out, "{}", summary(changes))
}

/// One line counting every kind of change.
#[must_use]
pub fn summary(changes: &Changes) -> String {
    let mut parts = vec![format!(
        "{} added, {} removed, {} changed",
        count(changes.added.len(), "agreement", "agreements"),
        changes.removed.len(),
        changes.changed.len()
    )];
    parts.push(format!(
        "{} left unmatched, {} resolved",
        count(changes.newly_unmatched.len(), "declaration", "declarations"),
        changes.resolved.len()
    ));
    parts.push(format!(
        "{} newly reachable, {} no longer",
        count(changes.newly_reachable.len(), "pair", "pairs"),
        changes.no_longer_reachable.len()
    ));
    let p = &changes.policies;
    parts.push(format!(
        "{} created, {} changed, {} deleted",
        count(p.created.len(), "policy object", "policy objects"),
        p.changed.len(),
        p.deleted.len()
    ));
    parts.join("; ")
}

fn section<T>(
    out: &mut dyn Write,
    title: &str,
    items: &[T],
    line: impl Fn(&T) -> String,
) -> io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{title} ({}):", items.len())?;
    for item in items {
        writeln!(out, "  {}", printable(&line(item)))?;
    }
    Ok(())
}

fn agreement(edge: &Edge) -> String {
    let mut text = format!("{} -> {}", edge.caller, edge.callee);
    if let Some(wildcard) = edge.wildcard {
        let _ = write!(text, "  via {wildcard}");
    }
    if !edge.enforced {
        text.push_str("  (compiles to no policy)");
    }
    if let (Some(outbound), Some(inbound)) = (&edge.outbound, &edge.inbound) {
        let _ = write!(text, "  {outbound} / {inbound}");
    }
    text
}

/// An unmatched declaration: its edge, what is missing, and where it is.
fn unmatched(edge: &Edge) -> String {
    let site = edge
        .outbound
        .as_ref()
        .or(edge.inbound.as_ref())
        .map_or_else(String::new, |site| format!("  {site}"));
    let what = missing(edge);
    let code = edge.status.code().map_or("", |c| c.as_str());
    format!("{} ..> {}  {code}: {what}{site}", edge.caller, edge.callee)
}

/// What an unmatched declaration lacks, in words.
pub(crate) fn missing(edge: &Edge) -> String {
    match edge.status {
        Status::UnmatchedOutbound => format!("{} does not accept the call", edge.callee),
        Status::UnmatchedInbound => format!("{} does not declare the call", edge.caller),
        Status::UnknownService if edge.outbound.is_some() => {
            format!("{} is defined nowhere", edge.callee)
        }
        _ => format!("{} is defined nowhere", edge.caller),
    }
}

/// In words: what changed about an agreement both sides have.
pub(crate) fn what_changed(change: &ChangedAgreement) -> String {
    let (old, new) = (&change.old, &change.new);
    let mut parts = Vec::new();
    if old.wildcard != new.wildcard {
        parts.push(match (old.wildcard, new.wildcard) {
            (_, Some(now)) => format!(
                "now via {now} (was {})",
                old.wildcard.unwrap_or("named on both sides")
            ),
            (Some(was), None) => format!("now named on both sides (was via {was})"),
            (None, None) => String::new(),
        });
    }
    if old.enforced != new.enforced {
        parts.push(if new.enforced {
            "now compiles to policy".to_owned()
        } else {
            "no longer compiles to policy".to_owned()
        });
    }
    parts.join("; ")
}

/// Pairs grouped by their start, each with its ends.
pub(crate) fn by_start(pairs: &[Pair]) -> Vec<(String, Vec<String>)> {
    let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in pairs {
        grouped
            .entry(pair.from.to_string())
            .or_default()
            .push(pair.to.to_string());
    }
    grouped.into_iter().collect()
}
