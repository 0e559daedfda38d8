//! What `graph`, `path` and `diff` share: reading the specs under some
//! paths into one analysis, saying on stderr which files could not be read
//! (the answer is then incomplete, so the command exits 2), and writing the
//! answer to stdout.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use lattice_core::{Analysis, Code, Input, Options};

use crate::Error;
use crate::cli::GlobalArgs;
use crate::load::{LoadOptions, display_path};

/// Read every spec under `paths` and analyze them with the namespace of `-n`.
pub fn analyze_paths(
    paths: &[PathBuf],
    max_file_size: u64,
    global: &GlobalArgs,
) -> Result<Analysis, Error> {
    let started = Instant::now();
    let inputs = crate::cluster::inputs(paths, LoadOptions { max_file_size }, global)?;
    note(global, &format!("{} files read", inputs.len()), started);
    if inputs.is_empty() && !global.from_cluster {
        let names: Vec<String> = paths
            .iter()
            .map(|path| format!("`{}`", display_path(path)))
            .collect();
        eprintln!(
            "warning: no *.yaml or *.yml files found in {}: pass the folders that hold the specs",
            names.join(", ")
        );
    }
    Ok(analyze(inputs, global))
}

/// With `-v`, say on stderr how long `what` took since `started`.
pub fn note(global: &GlobalArgs, what: &str, started: Instant) {
    if global.verbose > 0 {
        eprintln!("note: {what} in {} ms", started.elapsed().as_millis());
    }
}

/// Analyze `inputs` with the namespace of `-n`.
#[must_use]
pub fn analyze(inputs: Vec<Input>, global: &GlobalArgs) -> Analysis {
    let started = Instant::now();
    let analysis = lattice_core::analyze(
        inputs,
        &Options {
            default_namespace: global.default_namespace().to_owned(),
        },
    );
    note(global, "analyzed", started);
    analysis
}

/// Print every file that could not be read to stderr; `true` when there
/// was one, since a missing file may hold what the answer lacks.
#[must_use]
pub fn report_unread(analysis: &Analysis) -> bool {
    let mut any = false;
    for d in &analysis.diagnostics {
        if d.code == Code::IoError {
            let path = &analysis.sources.get(d.location.file).path;
            eprintln!("error: {path}: {}", d.message);
            any = true;
        }
    }
    any
}

/// Write to stdout through a buffer. A reader that went away (`| head`)
/// got what it wanted and is not an error.
pub fn write_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Error> {
    let written = {
        let mut out = BufWriter::new(io::stdout().lock());
        write(&mut out).and_then(|()| out.flush())
    };
    match written {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(Error::Output(error)),
        Ok(()) => Ok(()),
    }
}

/// `value` as pretty-printed JSON and a final newline.
pub fn write_json(value: &impl serde::Serialize, out: &mut dyn Write) -> io::Result<()> {
    // serde_json writes a token at a time; a buffer of a known type here
    // takes them inline, and `out` gets a call per filled buffer.
    let mut buffered = BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut buffered, value)?;
    writeln!(buffered)?;
    buffered.flush()
}
