//! Prints the analysis of the YAML files given on the command line, for debugging the core
//! without the CLI.
use lattice_core::{Input, InputContent, Options, analyze};

fn main() {
    let inputs = std::env::args()
        .skip(1)
        .map(|path| Input {
            content: InputContent::Bytes(std::fs::read(&path).unwrap_or_default()),
            path,
        })
        .collect();
    let analysis = analyze(inputs, &Options::default());
    for d in &analysis.diagnostics {
        let file = analysis.sources.get(d.location.file);
        let at = file.line_col(d.location.span.start as usize);
        println!(
            "{}:{}:{} {}[{}] {}",
            file.path,
            at.line,
            at.column,
            d.severity.as_str(),
            d.code,
            d.message
        );
        for h in &d.help {
            println!("    help: {h}");
        }
        for r in &d.related {
            let f = analysis.sources.get(r.location.file);
            let at = f.line_col(r.location.span.start as usize);
            println!(
                "    related {}:{}:{} {}",
                f.path, at.line, at.column, r.message
            );
        }
        if let Some(fix) = &d.fix {
            println!(
                "    fix {}:{} {}\n{}",
                analysis.sources.get(fix.file).path,
                fix.line,
                fix.description,
                fix.insert
            );
        }
    }
    println!("{:?}", analysis.summary);
}
