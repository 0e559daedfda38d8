//! `kubectl lattice compile [PATH...]`: compile the agreements into Cilium
//! and Istio policies and print them, or write one file per object.
//!
//! stdout carries only the policies, so the output can be piped into
//! `kubectl apply -f -`; warnings and left-out documents go to stderr. When
//! documents had to be left out, nothing is printed unless
//! `--allow-partial`: a pipeline must not apply a policy set that silently
//! lacks agreements.

use std::fs;
use std::io::{self, BufWriter, Write as _};
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;

use lattice_core::Code;
use lattice_core::compile::{self, Compiled, Object};

use crate::cli::{CompileArgs, CompileFormat, GlobalArgs};
use crate::{Error, ExitStatus};

/// Run `compile`.
pub fn run(args: &CompileArgs, global: &GlobalArgs) -> Result<ExitStatus, Error> {
    let analysis = crate::specs::analyze_paths(&args.paths, args.policy.max_file_size, global)?;
    let started = Instant::now();
    let compiled = compile::compile(&analysis, &args.policy.compile_options(args.allow_partial));
    crate::specs::note(global, "compiled", started);
    let unread = analysis.diagnostics.iter().any(|d| d.code == Code::IoError);

    for warning in &compiled.warnings {
        eprintln!("warning: {warning}");
    }
    if compiled.refused() {
        for left in &compiled.left_out {
            eprintln!("error: {left}");
        }
        eprintln!(
            "error: {} left out, so no policy was written: fix them (`kubectl lattice check` \
             shows why) or pass --allow-partial",
            documents(compiled.left_out.len())
        );
        return Ok(if unread {
            ExitStatus::Failure
        } else {
            ExitStatus::Negative
        });
    }
    for left in &compiled.left_out {
        eprintln!("warning: {left}");
    }

    let started = Instant::now();
    match &args.out_dir {
        Some(dir) => write_files(dir, &compiled, args.output)?,
        None => match print(&compiled, args.output) {
            // The reader went away (`| head`); what it wanted was written.
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {}
            Err(error) => return Err(Error::Output(error)),
            Ok(()) => {}
        },
    }
    crate::specs::note(global, "written", started);
    if global.verbose > 0 {
        eprintln!(
            "note: {} objects for {} agreements",
            compiled.objects.len(),
            analysis.summary.agreements
        );
    }
    crate::exit_soon((analysis, compiled));
    Ok(ExitStatus::Success)
}

fn documents(n: usize) -> String {
    if n == 1 {
        "1 document was".to_owned()
    } else {
        format!("{n} documents were")
    }
}

/// Writes the same bytes as [`Compiled::to_yaml`] and [`Compiled::to_json`],
/// a slice of objects at a time: at 50,000 services the whole stream is over
/// 150 MB, and holding it as one string would add that (and its
/// reallocations) to the peak memory. Rendering text is most of the work of
/// `compile`, so each slice is rendered on every core, then written in order.
fn print(compiled: &Compiled, format: CompileFormat) -> io::Result<()> {
    const SLICE: usize = 512;
    let mut out = BufWriter::new(io::stdout().lock());
    match format {
        CompileFormat::Yaml => {
            for slice in compiled.objects.chunks(SLICE) {
                let texts: Vec<String> = slice.par_iter().map(compile::yaml_document).collect();
                for text in texts {
                    out.write_all(text.as_bytes())?;
                }
            }
        }
        CompileFormat::Json => {
            out.write_all(compile::JSON_LIST_START.as_bytes())?;
            let mut first = true;
            for slice in compiled.objects.chunks(SLICE) {
                let texts: Vec<Vec<u8>> = slice.par_iter().map(compile::json_item).collect();
                for text in texts {
                    out.write_all(compile::json_list_separator(first).as_bytes())?;
                    first = false;
                    out.write_all(&text)?;
                }
            }
            if first {
                // No item: the list closes on the line it opened.
                out.write_all(b"]\n}\n")?;
            } else {
                out.write_all(compile::JSON_LIST_END.as_bytes())?;
            }
        }
    }
    out.flush()
}

/// One file per object, named by kind, namespace and name; `.json` files
/// hold one object each. Files already in `dir` are left alone.
fn write_files(dir: &Path, compiled: &Compiled, format: CompileFormat) -> Result<(), Error> {
    fs::create_dir_all(dir).map_err(|source| Error::WriteFile {
        path: dir.to_owned(),
        source,
    })?;
    for object in &compiled.objects {
        let (name, text) = file(object, format);
        let path = dir.join(name);
        fs::write(&path, text).map_err(|source| Error::WriteFile { path, source })?;
    }
    Ok(())
}

fn file(object: &Object, format: CompileFormat) -> (String, Vec<u8>) {
    let yaml_name = object.file_name();
    match format {
        CompileFormat::Yaml => (yaml_name, compile::yaml_document(object).into_bytes()),
        CompileFormat::Json => {
            let stem = yaml_name.strip_suffix(".yaml").unwrap_or(&yaml_name);
            (format!("{stem}.json"), compile::json_document(object))
        }
    }
}
