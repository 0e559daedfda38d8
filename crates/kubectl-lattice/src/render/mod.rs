//! The renderings of an [`Analysis`](lattice_core::Analysis): one module per
//! output format, each one function over the analysis; and those of the
//! graph views, paths and diffs the core derives from it.
//!
//! All of them place diagnostics through [`position`], so a location reads the
//! same in the terminal, in JSON and in SARIF: 1-based lines, 1-based columns
//! counted in characters, the end one past the last character. Fixes, which
//! name only a line, are placed through [`insertion_point`].

pub mod diff_text;
pub mod dot;
pub mod graph_text;
pub mod json;
pub mod markdown;
pub mod mermaid;
pub mod path_text;
pub mod sarif;
pub mod text;

use lattice_core::{LineCol, Location, SourceFile, SourceMap};

/// A location resolved for people and tools.
#[derive(Clone, Copy, Debug)]
pub struct Position<'a> {
    /// The file, for its path and its lines.
    pub file: &'a SourceFile,
    /// The first character.
    pub start: LineCol,
    /// One past the last character; equal to `start` for an empty span.
    pub end: LineCol,
}

/// Resolve `location` in `sources`. A file without text (one that could not
/// be read) resolves to line 1, column 1.
///
/// # Panics
/// When the location's file is not in `sources`, which the core never
/// produces.
#[must_use]
pub fn position(sources: &SourceMap, location: Location) -> Position<'_> {
    let file = sources.get(location.file);
    Position {
        file,
        start: file.line_col(location.span.start as usize),
        end: file.line_col(location.span.end as usize),
    }
}

/// Where text inserted before 1-based `line` of `file` goes, as a real
/// position. A fix may name the line one past the last of a file without a
/// final newline, which has no position of its own: that is the end of the
/// file.
#[must_use]
pub fn insertion_point(file: &SourceFile, line: u32) -> LineCol {
    if line as usize > file.lines.line_count() {
        file.line_col(file.text.len())
    } else {
        LineCol { line, column: 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insertion_past_the_last_line_is_the_end_of_the_file() {
        let file = SourceFile::new("a.yaml", "a: 1\nb: 22");
        assert_eq!(insertion_point(&file, 2), LineCol { line: 2, column: 1 });
        assert_eq!(insertion_point(&file, 3), LineCol { line: 2, column: 6 });
    }

    #[test]
    fn insertion_after_a_final_newline_is_the_empty_last_line() {
        let file = SourceFile::new("a.yaml", "a: 1\n");
        assert_eq!(insertion_point(&file, 2), LineCol { line: 2, column: 1 });
    }
}
