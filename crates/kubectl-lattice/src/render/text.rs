//! The terminal rendering of `check`, shaped like compiler errors: a header
//! with the code, the primary location with its source line and carets,
//! related locations with dashes, help lines, the fix as lines to insert, and
//! one summary line at the end.
//!
//! The source lines shown are the user's text, so tabs are widened to four
//! spaces (and the carets with them) and control characters are replaced,
//! keeping a file from moving the cursor or changing colours.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};

use lattice_core::{Analysis, Diagnostic, Fix, Severity, SourceFile, SourceMap, Summary};

use super::{Position, position};

/// Cells a tab takes in the rendered source lines.
const TAB_WIDTH: usize = 4;

/// Write every diagnostic of `analysis`, then the summary line, to `out`.
/// `color` adds ANSI colours (bold red errors, yellow warnings, blue gutter,
/// green help).
pub fn render(analysis: &Analysis, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let paint = Paint { color };
    for diagnostic in &analysis.diagnostics {
        write_diagnostic(out, paint, &analysis.sources, diagnostic)?;
        writeln!(out)?;
    }
    write_summary(out, paint, &analysis.summary)
}

fn write_diagnostic(
    out: &mut dyn Write,
    paint: Paint,
    sources: &SourceMap,
    diagnostic: &Diagnostic,
) -> io::Result<()> {
    let primary = position(sources, diagnostic.location);
    let related: Vec<(Position<'_>, &str)> = diagnostic
        .related
        .iter()
        .map(|related| {
            (
                position(sources, related.location),
                related.message.as_str(),
            )
        })
        .collect();
    let fix = diagnostic
        .fix
        .as_ref()
        .map(|fix| (sources.get(fix.file), fix));
    let gutter = Gutter::for_lines(
        std::iter::once(&primary)
            .chain(related.iter().map(|(position, _)| position))
            .filter(|position| has_text(position.file))
            .map(|position| u64::from(position.start.line))
            .chain(fix.map(|(_, fix)| last_inserted_line(fix))),
    );

    let marks = match diagnostic.severity {
        Severity::Error => Style::Error,
        Severity::Warning => Style::Warning,
    };
    let header = format!("{}[{}]", diagnostic.severity.as_str(), diagnostic.code);
    writeln!(
        out,
        "{}{}",
        paint.paint(marks, header),
        paint.paint(
            Style::Emphasis,
            format_args!(": {}", printable(&diagnostic.message))
        )
    )?;

    let mut open = write_snippet(
        out,
        paint,
        gutter,
        &Snippet {
            arrow: "-->",
            at: primary,
            mark: ('^', marks),
            label: &diagnostic.label,
        },
    )?;
    for (at, message) in related {
        if open {
            writeln!(out, "{}", paint.paint(Style::Gutter, gutter.bar()))?;
        }
        let snippet = Snippet {
            arrow: ":::",
            at,
            mark: ('-', Style::Gutter),
            label: message,
        };
        open = write_snippet(out, paint, gutter, &snippet)?;
    }

    if open && (!diagnostic.help.is_empty() || fix.is_some()) {
        writeln!(out, "{}", paint.paint(Style::Gutter, gutter.bar()))?;
    }
    for help in &diagnostic.help {
        write_help(out, paint, gutter, help)?;
    }
    if let Some((file, fix)) = fix {
        write_fix(out, paint, gutter, file, fix)?;
    }
    Ok(())
}

/// One location to show with its source line.
struct Snippet<'a> {
    /// `-->` for the primary location, `:::` for related ones.
    arrow: &'static str,
    at: Position<'a>,
    /// The character under the span, and its style.
    mark: (char, Style),
    label: &'a str,
}

/// Write the location line and, when the file has text, the source line with
/// marks under the span. Returns whether a source line was shown, which
/// decides whether the gutter continues.
fn write_snippet(
    out: &mut dyn Write,
    paint: Paint,
    gutter: Gutter,
    snippet: &Snippet<'_>,
) -> io::Result<bool> {
    let Snippet {
        arrow,
        at,
        mark: (mark, mark_style),
        label,
    } = *snippet;
    let path = printable(&at.file.path);
    let arrow = paint.paint(Style::Gutter, format!("{}{arrow}", gutter.pad()));
    if !has_text(at.file) {
        writeln!(out, "{arrow} {path}")?;
        return Ok(false);
    }
    match cluster_field(at) {
        Some(field) => writeln!(
            out,
            "{arrow} {path}:{}:{} ({field})",
            at.start.line, at.start.column
        )?,
        None => writeln!(out, "{arrow} {path}:{}:{}", at.start.line, at.start.column)?,
    }
    writeln!(out, "{}", paint.paint(Style::Gutter, gutter.bar()))?;

    let line = at.file.line_text(at.start.line as usize - 1);
    // A span over several lines is shown on its first line, up to its end.
    let end = if at.end.line == at.start.line {
        at.end.column
    } else {
        u32::MAX
    };
    let (before, under) = cells(line, at.start.column, end);
    write_source_line(out, paint, gutter, at.start.line, &printable(line))?;

    let marks = mark.to_string().repeat(under);
    let label = if label.is_empty() {
        String::new()
    } else {
        format!(" {}", printable(label))
    };
    writeln!(
        out,
        "{} {:before$}{}",
        paint.paint(Style::Gutter, gutter.bar()),
        "",
        paint.paint(mark_style, format_args!("{marks}{label}"))
    )?;
    Ok(true)
}

/// For a spec read from a cluster (its path is `LatticeService ns/name`),
/// the field at `at`: the text shown is the object written back as YAML,
/// whose line numbers mean nothing in the cluster, but field paths do.
fn cluster_field(at: Position<'_>) -> Option<String> {
    let file = at.file;
    let from_cluster = lattice_kube::Kind::SPECS
        .iter()
        .any(|kind| file.path.starts_with(&format!("{} ", kind.name())));
    if !from_cluster {
        return None;
    }
    let offset = file.lines.offset_of(
        &file.text,
        at.start.line as usize - 1,
        at.start.column as usize - 1,
    );
    let stream = lattice_core::yaml::parse(&file.text, &file.lines);
    let root = stream.documents.first()?.root.as_ref()?;
    let field = lattice_core::yaml::field_path(root, offset);
    (!field.is_empty()).then_some(field)
}

fn write_source_line(
    out: &mut dyn Write,
    paint: Paint,
    gutter: Gutter,
    number: u32,
    text: &str,
) -> io::Result<()> {
    let number = paint.paint(
        Style::Gutter,
        format!("{number:>width$} |", width = gutter.width),
    );
    if text.is_empty() {
        writeln!(out, "{number}")
    } else {
        writeln!(out, "{number} {text}")
    }
}

fn write_help(out: &mut dyn Write, paint: Paint, gutter: Gutter, text: &str) -> io::Result<()> {
    writeln!(
        out,
        "{} {}: {}",
        paint.paint(Style::Gutter, format_args!("{}=", gutter.pad_bar())),
        paint.paint(Style::Positive, "help"),
        printable(text)
    )
}

/// The fix as the lines it inserts, numbered as they will be once inserted.
fn write_fix(
    out: &mut dyn Write,
    paint: Paint,
    gutter: Gutter,
    file: &SourceFile,
    fix: &Fix,
) -> io::Result<()> {
    write_help(out, paint, gutter, &fix.description)?;
    let arrow = paint.paint(Style::Gutter, format!("{}-->", gutter.pad()));
    writeln!(out, "{arrow} {}:{}", printable(&file.path), fix.line)?;
    writeln!(out, "{}", paint.paint(Style::Gutter, gutter.bar()))?;
    for (number, line) in (u64::from(fix.line)..).zip(inserted_lines(fix)) {
        let number = paint.paint(
            Style::Gutter,
            format!("{number:>width$}", width = gutter.width),
        );
        let line = printable(line);
        if line.is_empty() {
            writeln!(out, "{number} {}", paint.paint(Style::Added, "+"))?;
        } else {
            writeln!(
                out,
                "{number} {}",
                paint.paint(Style::Added, format_args!("+ {line}"))
            )?;
        }
    }
    writeln!(out, "{}", paint.paint(Style::Gutter, gutter.bar()))
}

/// The number the last inserted line will have.
fn last_inserted_line(fix: &Fix) -> u64 {
    let extra = inserted_lines(fix).count().saturating_sub(1);
    u64::from(fix.line) + extra as u64
}

/// The lines a fix inserts. The line break that an insertion at the end of a
/// file without a final newline starts with is not a line of its own.
fn inserted_lines(fix: &Fix) -> std::str::Lines<'_> {
    let insert = fix
        .insert
        .strip_prefix('\n')
        .or_else(|| fix.insert.strip_prefix("\r\n"));
    insert.unwrap_or(&fix.insert).lines()
}

fn write_summary(out: &mut dyn Write, paint: Paint, summary: &Summary) -> io::Result<()> {
    let problems = format!(
        "{}, {}",
        count(summary.errors, "error", "errors"),
        count(summary.warnings, "warning", "warnings")
    );
    let (style, head, problems) = if summary.errors > 0 {
        (Style::Error, "error", problems)
    } else if summary.warnings > 0 {
        (Style::Warning, "warning", problems)
    } else {
        (Style::Positive, "ok", "no errors or warnings".to_owned())
    };
    let skipped = if summary.skipped_documents == 0 {
        String::new()
    } else {
        format!(
            "; {} skipped",
            count(
                summary.skipped_documents,
                "other document",
                "other documents"
            )
        )
    };
    writeln!(
        out,
        "{}: {problems} in {} ({}, {}, {}{skipped})",
        paint.paint(style, head),
        count(summary.files, "file", "files"),
        count(summary.services, "service", "services"),
        count(summary.mesh_members, "mesh member", "mesh members"),
        count(summary.agreements, "agreement", "agreements"),
    )
}

fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// Unreadable files have no text, and an empty file has no line worth showing.
fn has_text(file: &SourceFile) -> bool {
    !file.text.is_empty()
}

/// The cells before, and under, the characters from 1-based column `start`
/// up to (not including) `end` of `line`, counting a tab as [`TAB_WIDTH`]
/// cells the way [`printable`] widens it. At least one cell is marked, so an
/// empty span still shows where it is.
fn cells(line: &str, start: u32, end: u32) -> (usize, usize) {
    let (mut before, mut under) = (0, 0);
    for (column, c) in (1..).zip(line.chars()) {
        let width = if c == '\t' { TAB_WIDTH } else { 1 };
        if column < start {
            before += width;
        } else if column < end {
            under += width;
        } else {
            break;
        }
    }
    (before, under.max(1))
}

/// `text` with tabs widened to [`TAB_WIDTH`] spaces and other control
/// characters replaced by U+FFFD, one cell each.
fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.extend(std::iter::repeat_n(' ', TAB_WIDTH)),
            c if c.is_control() => out.push(char::REPLACEMENT_CHARACTER),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The width of the line-number column of one diagnostic.
#[derive(Clone, Copy, Debug)]
struct Gutter {
    width: usize,
}

impl Gutter {
    fn for_lines(lines: impl Iterator<Item = u64>) -> Self {
        let widest = lines.max().unwrap_or(1).max(1);
        Self {
            width: widest.to_string().len(),
        }
    }

    /// Spaces in front of `-->` and `:::`.
    fn pad(self) -> String {
        " ".repeat(self.width)
    }

    /// Spaces in front of `|` and `=`.
    fn pad_bar(self) -> String {
        " ".repeat(self.width + 1)
    }

    /// An empty gutter line.
    fn bar(self) -> String {
        format!("{}|", self.pad_bar())
    }
}

/// Roles of the coloured parts.
#[derive(Clone, Copy, Debug)]
enum Style {
    Error,
    Warning,
    Positive,
    Gutter,
    Added,
    Emphasis,
}

impl Style {
    /// The SGR parameters of the ANSI escape.
    fn sgr(self) -> &'static str {
        match self {
            Style::Error => "1;31",
            Style::Warning => "1;33",
            Style::Positive => "1;32",
            Style::Gutter => "1;34",
            Style::Added => "32",
            Style::Emphasis => "1",
        }
    }
}

/// Whether colours are on; hands out [`Painted`] values.
#[derive(Clone, Copy, Debug)]
struct Paint {
    color: bool,
}

impl Paint {
    fn paint<T>(self, style: Style, value: T) -> Painted<T> {
        Painted {
            sgr: self.color.then(|| style.sgr()),
            value,
        }
    }
}

/// A value that displays wrapped in an ANSI colour, or plain.
struct Painted<T> {
    sgr: Option<&'static str>,
    value: T,
}

impl<T: fmt::Display> fmt::Display for Painted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.sgr {
            Some(sgr) => write!(f, "\x1b[{sgr}m{}\x1b[0m", self.value),
            None => self.value.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_move_the_carets_with_the_text() {
        // `\tname: x`: column 2 is `n`, after a tab four cells wide.
        assert_eq!(cells("\tname: x", 2, 6), (4, 4));
        assert_eq!(printable("\tname"), "    name");
    }

    #[test]
    fn an_empty_span_marks_one_cell() {
        assert_eq!(cells("abc", 2, 2), (1, 1));
        assert_eq!(cells("", 1, 1), (0, 1));
    }

    #[test]
    fn a_span_past_the_line_end_stops_at_it() {
        assert_eq!(cells("abc", 2, u32::MAX), (1, 2));
    }

    #[test]
    fn control_characters_cannot_reach_the_terminal() {
        assert_eq!(printable("a\x1b[2Jb"), "a\u{fffd}[2Jb");
    }

    #[test]
    fn fix_lines_skip_the_leading_line_break() {
        let fix = Fix {
            description: String::new(),
            file: lattice_core::FileId(0),
            line: 3,
            insert: "\n  a:\n  b:\n".to_owned(),
        };
        assert_eq!(inserted_lines(&fix).collect::<Vec<_>>(), ["  a:", "  b:"]);
    }
}
