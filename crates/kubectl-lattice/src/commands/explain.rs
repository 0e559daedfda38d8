//! `kubectl lattice explain CALLER CALLEE [PATH...]`: whether CALLER can
//! reach CALLEE, why, what the pair compiles to, and the change that makes it
//! work. The verdict is the exit status: 0 allowed, 1 denied.

use std::io::{self, BufWriter, Write};

use lattice_core::compile::{CompileOptions, to_yaml};
use lattice_core::explain::{Declared, Explanation, explain};
use lattice_core::{Code, Options, ServiceId};

use crate::cli::{ExplainArgs, ExplainFormat, GlobalArgs};
use crate::load::LoadOptions;
use crate::{Error, ExitStatus};

/// Run `explain`.
pub fn run(args: &ExplainArgs, global: &GlobalArgs) -> Result<ExitStatus, Error> {
    let inputs = crate::cluster::inputs(
        &args.paths,
        LoadOptions {
            max_file_size: args.max_file_size,
        },
        global,
    )?;
    let namespace = global.default_namespace();
    let analysis = lattice_core::analyze(
        inputs,
        &Options {
            default_namespace: namespace.to_owned(),
        },
    );
    let options = CompileOptions {
        trust_domain: args.trust_domain.clone(),
        ..CompileOptions::default()
    };
    let caller = ServiceId::parse(&args.caller, namespace);
    let callee = ServiceId::parse(&args.callee, namespace);
    let explanation = explain(&analysis, &caller, &callee, &options)?;

    let written = {
        let mut out = BufWriter::new(io::stdout().lock());
        match args.output {
            ExplainFormat::Text => render_text(&explanation, &mut out),
            ExplainFormat::Json => render_json(&explanation, &mut out),
        }
        .and_then(|()| out.flush())
    };
    match written {
        // The reader went away (`| head`); what it wanted was written.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {}
        Err(error) => return Err(Error::Output(error)),
        Ok(()) => {}
    }

    // An unread file may hold the missing half: the answer is incomplete.
    let unread = analysis
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::IoError);
    let mut incomplete = false;
    for d in unread {
        eprintln!("error: {}", d.message);
        incomplete = true;
    }
    let status = if incomplete {
        ExitStatus::Failure
    } else if explanation.allowed {
        ExitStatus::Success
    } else {
        ExitStatus::Negative
    };
    crate::exit_soon(analysis);
    Ok(status)
}

/// The JSON form of contract section 5, pretty-printed, ending in a newline.
fn render_json(explanation: &Explanation, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, explanation)?;
    writeln!(out)
}

/// The form for people: the verdict, both declarations, and then either the
/// identities and rules of an allowed pair or the reasons and fixes of a
/// denied one.
pub fn render_text(e: &Explanation, out: &mut dyn Write) -> io::Result<()> {
    let verdict = if e.allowed { "allowed" } else { "denied" };
    writeln!(out, "{} -> {}: {verdict}", e.caller, e.callee)?;
    writeln!(out)?;
    write_side(out, "outbound", &e.outbound)?;
    write_side(out, "inbound", &e.inbound)?;
    writeln!(out, "  caller    {}", e.spiffe.caller)?;
    writeln!(out, "  callee    {}", e.spiffe.callee)?;

    if !e.notes.is_empty() {
        writeln!(out)?;
        writeln!(out, "  {}:", if e.allowed { "notes" } else { "why" })?;
        for note in &e.notes {
            writeln!(out, "    {}", printable(note))?;
        }
    }
    if !e.policies.is_empty() {
        writeln!(out)?;
        writeln!(out, "  policies:")?;
        for rule in &e.policies {
            writeln!(
                out,
                "    {} {}/{}, {}:",
                rule.kind, rule.namespace, rule.name, rule.field
            )?;
            let value = serde_json::to_value(&rule.rule)?;
            for line in to_yaml(&value).lines() {
                writeln!(out, "      {line}")?;
            }
        }
    }
    for fix in &e.fix {
        writeln!(out)?;
        writeln!(out, "  fix: {}", printable(&fix.description))?;
        writeln!(
            out,
            "    in {}, before line {}:",
            printable(&fix.file),
            fix.line
        )?;
        for line in fix.insert.trim_start_matches('\n').lines() {
            writeln!(out, "      | {}", printable(line))?;
        }
    }
    Ok(())
}

fn write_side(out: &mut dyn Write, side: &str, declared: &Declared) -> io::Result<()> {
    let what = match (declared.declared, declared.wildcard) {
        (false, _) => "not declared",
        (true, false) => "declared",
        (true, true) => "declared by a wildcard",
    };
    match (&declared.file, declared.line) {
        (Some(file), Some(line)) => {
            writeln!(out, "  {side:<9} {what:<24} {}:{line}", printable(file))
        }
        _ => writeln!(out, "  {side:<9} {what}"),
    }
}

/// Paths and names come from the user's files: keep control characters from
/// reaching the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}
