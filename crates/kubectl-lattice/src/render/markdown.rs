//! `diff -o markdown`: a pull-request comment. A summary line, a Mermaid
//! picture of the changed part of the graph, tables of the agreement and
//! declaration changes, and the reachability and policy changes folded
//! away in `<details>`, since they can be long.

use std::fmt::Write as _;
use std::io::{self, Write};

use lattice_core::diff::Changes;
use lattice_core::view::Edge;

use super::diff_text::{Labels, by_start, missing, summary, what_changed};
use super::graph_text::count;
use super::mermaid;

/// Write `changes` as Markdown.
pub fn render(changes: &Changes, labels: Labels<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "### Lattice agreements: {} → {}",
        code(labels.old),
        code(labels.new)
    )?;
    writeln!(out)?;
    if changes.is_empty() {
        return writeln!(out, "No changes.");
    }
    writeln!(out, "{}", summary(changes))?;

    let mut picture = Vec::new();
    mermaid::diff(changes, &mut picture)?;
    if !picture.is_empty() {
        writeln!(out)?;
        writeln!(out, "```mermaid")?;
        out.write_all(&picture)?;
        writeln!(out, "```")?;
    }

    let agreements =
        !changes.added.is_empty() || !changes.removed.is_empty() || !changes.changed.is_empty();
    if agreements {
        writeln!(out)?;
        writeln!(out, "#### Agreements")?;
        writeln!(out)?;
        writeln!(out, "| change | caller | callee | declarations |")?;
        writeln!(out, "| --- | --- | --- | --- |")?;
        for edge in &changes.added {
            agreement_row(out, "added", edge, &declarations(edge))?;
        }
        for edge in &changes.removed {
            agreement_row(out, "removed", edge, &declarations(edge))?;
        }
        for change in &changes.changed {
            agreement_row(out, "changed", &change.new, &cell(&what_changed(change)))?;
        }
    }

    unmatched_table(
        out,
        "Declarations the change left unmatched",
        &changes.newly_unmatched,
    )?;
    unmatched_table(out, "Declarations now matched or gone", &changes.resolved)?;
    list(
        out,
        "Workloads now left out of the policies (their documents have errors)",
        &changes.newly_broken,
        |b| {
            format!(
                "{} at {}",
                code(&b.workload.to_string()),
                code(&format!("{}:{}", b.file, b.line))
            )
        },
    )?;

    let gained = by_start(&changes.newly_reachable);
    let lost = by_start(&changes.no_longer_reachable);
    if !gained.is_empty() || !lost.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "<details><summary>Reachability: {} newly reachable, {} no longer</summary>",
            count(changes.newly_reachable.len(), "pair", "pairs"),
            changes.no_longer_reachable.len()
        )?;
        writeln!(out)?;
        for (from, to) in &gained {
            writeln!(out, "- {} can now reach {}", code(from), codes(to))?;
        }
        for (from, to) in &lost {
            writeln!(out, "- {} can no longer reach {}", code(from), codes(to))?;
        }
        if changes.reachability_truncated {
            writeln!(
                out,
                "- (incomplete: the change affects more pairs than can be listed)"
            )?;
        }
        writeln!(out)?;
        writeln!(out, "</details>")?;
    }

    let policies = &changes.policies;
    if !policies.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "<details><summary>Policy objects: {} created, {} changed, {} deleted</summary>",
            policies.created.len(),
            policies.changed.len(),
            policies.deleted.len()
        )?;
        writeln!(out)?;
        writeln!(out, "| change | kind | namespace | name |")?;
        writeln!(out, "| --- | --- | --- | --- |")?;
        let rows = policies
            .created
            .iter()
            .map(|p| ("created", p))
            .chain(policies.changed.iter().map(|p| ("changed", p)))
            .chain(policies.deleted.iter().map(|p| ("deleted", p)));
        for (change, policy) in rows {
            writeln!(
                out,
                "| {change} | {} | {} | {} |",
                policy.kind,
                policy
                    .namespace
                    .as_deref()
                    .map_or_else(|| "(cluster)".to_owned(), code),
                code(&policy.name)
            )?;
        }
        writeln!(out)?;
        writeln!(out, "</details>")?;
    }
    Ok(())
}

fn agreement_row(out: &mut dyn Write, change: &str, edge: &Edge, detail: &str) -> io::Result<()> {
    writeln!(
        out,
        "| {change} | {} | {} | {detail} |",
        code(&edge.caller.to_string()),
        code(&edge.callee.to_string())
    )
}

/// Both declarations of an agreement, and its escape hatch.
fn declarations(edge: &Edge) -> String {
    let sites: Vec<String> = [&edge.outbound, &edge.inbound]
        .into_iter()
        .flatten()
        .map(|site| code(&site.to_string()))
        .collect();
    let mut text = sites.join(" → ");
    if let Some(wildcard) = edge.wildcard {
        let _ = write!(text, " (via {})", code(wildcard));
    }
    if !edge.enforced {
        text.push_str(" (compiles to no policy)");
    }
    text
}

/// Unmatched declarations: code, edge, where it is written, what is missing.
fn unmatched_table(out: &mut dyn Write, title: &str, edges: &[Edge]) -> io::Result<()> {
    if edges.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "#### {title}")?;
    writeln!(out)?;
    writeln!(out, "| code | caller | callee | declared at | missing |")?;
    writeln!(out, "| --- | --- | --- | --- | --- |")?;
    for edge in edges {
        let site = edge.outbound.as_ref().or(edge.inbound.as_ref());
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            code(edge.status.code().map_or("", |c| c.as_str())),
            code(&edge.caller.to_string()),
            code(&edge.callee.to_string()),
            site.map_or_else(String::new, |s| code(&s.to_string())),
            cell(&missing(edge)),
        )?;
    }
    Ok(())
}

fn list<T>(
    out: &mut dyn Write,
    title: &str,
    items: &[T],
    line: impl Fn(&T) -> String,
) -> io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "#### {title}")?;
    writeln!(out)?;
    for item in items {
        writeln!(out, "- {}", line(item))?;
    }
    Ok(())
}

/// `text` as an inline code span that is safe in a table cell: no
/// backticks to end it early, no pipes to end the cell, no line breaks.
fn code(text: &str) -> String {
    format!("`{}`", cell(&text.replace('`', "'")))
}

fn codes(texts: &[String]) -> String {
    texts.iter().map(|t| code(t)).collect::<Vec<_>>().join(", ")
}

/// `text` safe inside a table cell.
fn cell(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .replace('|', "\\|")
}
