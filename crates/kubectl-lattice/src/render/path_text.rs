//! `path` for people: the chain of agreements hop by hop, each with the
//! file and line of the caller's outbound declaration and of the callee's
//! acceptance, escape hatches marked; or, when there is no path, the
//! declarations that would open one once their counterpart is written.

use std::fmt::Write as _;
use std::io::{self, Write};

use lattice_core::view::{Edge, PathReport, Site};

use super::graph_text::{count, printable};

/// Write `report` as text; `listing` says whether `--all` asked for every
/// path.
pub fn render(report: &PathReport, listing: bool, out: &mut dyn Write) -> io::Result<()> {
    let (from, to) = (&report.from, &report.to);
    if !report.found {
        writeln!(out, "No path of agreements from {from} to {to}.")?;
        if report.blocked.is_empty() {
            return Ok(());
        }
        writeln!(out)?;
        writeln!(
            out,
            "Declarations on the way that wait for their counterpart:"
        )?;
        for edge in &report.blocked {
            let (site, what) = match (&edge.outbound, &edge.inbound) {
                (Some(site), _) => (site, format!("{} does not accept it", edge.callee)),
                (None, Some(site)) => (site, format!("{} does not declare the call", edge.caller)),
                (None, None) => continue,
            };
            writeln!(
                out,
                "  {} ..> {}  {}: {what}",
                edge.caller,
                edge.callee,
                printable(&site.to_string())
            )?;
        }
        writeln!(out)?;
        writeln!(
            out,
            "`kubectl lattice explain CALLER CALLEE` shows the lines to add for each."
        )?;
        return Ok(());
    }

    if listing {
        let more = if report.truncated {
            " (more exist)"
        } else {
            ""
        };
        writeln!(
            out,
            "{from} -> {to}: {}, shortest first{more}",
            count(report.paths.len(), "path", "paths")
        )?;
    }
    for (number, path) in report.paths.iter().enumerate() {
        let chain: Vec<String> = std::iter::once(from.to_string())
            .chain(path.iter().map(|e| e.callee.to_string()))
            .collect();
        if listing {
            writeln!(out)?;
            writeln!(out, "{}. {}", number + 1, chain.join(" -> "))?;
        } else {
            writeln!(
                out,
                "{}: {}",
                chain.join(" -> "),
                count(path.len(), "agreement", "agreements")
            )?;
        }
        for edge in path {
            write_hop(out, edge)?;
        }
    }
    if report.truncated {
        writeln!(out)?;
        if listing {
            writeln!(out, "More paths exist: raise --max-paths to list them.")?;
        } else {
            writeln!(out, "Other paths exist: --all lists them.")?;
        }
    }
    Ok(())
}

fn write_hop(out: &mut dyn Write, edge: &Edge) -> io::Result<()> {
    let mut title = format!("  {} -> {}", edge.caller, edge.callee);
    if let Some(wildcard) = edge.wildcard {
        let _ = write!(title, "  (via {wildcard})");
    }
    if !edge.enforced {
        title.push_str("  (compiles to no policy)");
    }
    writeln!(out, "{}", printable(&title))?;
    write_site(out, "outbound", edge.outbound.as_ref())?;
    write_site(out, "inbound", edge.inbound.as_ref())
}

fn write_site(out: &mut dyn Write, side: &str, site: Option<&Site>) -> io::Result<()> {
    let Some(site) = site else {
        return writeln!(out, "    {side:<9} not declared");
    };
    let wildcard = if site.wildcard { "  wildcard" } else { "" };
    writeln!(
        out,
        "    {side:<9} {}{wildcard}",
        printable(&site.to_string())
    )
}
