//! A fast reader for the part of YAML that specs are written in.
//!
//! General YAML scanning costs most of the time a check of a large
//! workspace takes, yet nearly every spec uses a small part of the language:
//! block mappings and sequences, one-line plain or quoted scalars, comments,
//! and `---` between documents. This reader handles exactly that part, line
//! by line, and feeds the tree builder the events saphyr-parser would emit,
//! with the same spans. On anything else (flow collections, anchors and
//! aliases, tags, block and multi-line scalars, escapes, tabs, carriage
//! returns, directives, syntax errors) it gives up, and the caller parses the
//! text again with saphyr-parser, throwing away what was built. So this path
//! changes how fast a file is read, never what is read from it; the tests
//! compare both paths on every fixture and on many mutated variants.

use std::borrow::Cow;

use saphyr_parser::{Event, ScalarStyle};

use super::Builder;
use crate::source::Span;

/// The text uses YAML this reader does not handle; read it the general way.
pub(super) struct GiveUp;

type Read<T> = Result<T, GiveUp>;

/// Longest key read here, in bytes; YAML limits implicit keys to 1024
/// characters, and longer ones are left to saphyr-parser to report.
const MAX_KEY: usize = 1000;

/// Feed `builder` the events of `text`, or give up without a result to use.
pub(super) fn parse(text: &str, builder: &mut Builder<'_>) -> Read<()> {
    if !plain_characters(text) {
        return Err(GiveUp);
    }
    Reader {
        text,
        bytes: text.as_bytes(),
        builder,
    }
    .stream()
}

/// Whether `text` holds only characters whose meaning to YAML this reader
/// knows: no tabs, carriage returns or other controls, no byte-order marks
/// and no Unicode line separators.
fn plain_characters(text: &str) -> bool {
    if text.is_ascii() {
        // Branch-free, so that it compiles to vector instructions.
        #[expect(
            clippy::needless_bitwise_bool,
            reason = "lazy operators would add a branch per byte"
        )]
        let controls = text.bytes().fold(false, |found, b| {
            found | ((b < 0x20) & (b != b'\n')) | (b == 0x7f)
        });
        return !controls;
    }
    !text
        .chars()
        .any(|c| (c.is_control() && c != '\n') || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}'))
}

/// A line that holds something other than blanks and a comment.
#[derive(Clone, Copy)]
struct Line {
    /// Offset of its first non-space byte.
    first: usize,
    /// Its indentation in spaces.
    indent: usize,
    /// Whether it is a document marker (`---` or `...` at column 0), which
    /// ends every block above it.
    marker: bool,
}

impl Line {
    /// Whether the line continues a block whose entries are at `column`.
    fn at(self, column: usize) -> bool {
        !self.marker && self.indent == column
    }

    /// Whether the line lies inside a block whose entries are at `column`.
    fn inside(self, column: usize) -> bool {
        !self.marker && self.indent > column
    }
}

struct Reader<'t, 'b, 'a> {
    text: &'t str,
    bytes: &'t [u8],
    builder: &'b mut Builder<'a>,
}

impl<'t> Reader<'t, '_, '_> {
    fn emit(&mut self, event: Event<'t>, at: usize, end: usize) -> Read<()> {
        self.builder
            .event(event, Span::new(at, end))
            .map_err(|_| GiveUp)
    }

    fn stream(&mut self) -> Read<()> {
        let mut pos = 0;
        // A `---` was read and its document has no content yet.
        let mut open = false;
        loop {
            let Some(line) = self.next_line(pos) else {
                if open {
                    self.empty_document()?;
                }
                return Ok(());
            };
            if line.marker {
                if self.bytes[line.first] == b'.' {
                    return Err(GiveUp);
                }
                self.rest_is_blank(line.first + 3)?;
                if open {
                    self.empty_document()?;
                }
                open = true;
                pos = self.line_after(line.first);
                continue;
            }
            if line.indent == 0 && self.bytes[line.first] == b'%' {
                return Err(GiveUp);
            }
            self.emit(Event::DocumentStart(open), line.first, line.first)?;
            let next = self.node(line.first, line.indent, None)?;
            if self.next_line(next).is_some_and(|after| !after.marker) {
                return Err(GiveUp);
            }
            self.emit(Event::DocumentEnd, next, next)?;
            open = false;
            pos = next;
        }
    }

    fn empty_document(&mut self) -> Read<()> {
        self.emit(Event::DocumentStart(true), 0, 0)?;
        self.emit(Event::DocumentEnd, 0, 0)
    }

    /// A block node whose first token starts at `at`, in column `column`.
    /// `in_line` is the column of the sequence whose item starts at `at`
    /// after a dash on the same line, and `None` when the token begins its
    /// line (a scalar alone on a line is not read here: it may continue on
    /// the next lines). Returns the offset of the line after the node.
    fn node(&mut self, at: usize, column: usize, in_line: Option<usize>) -> Read<usize> {
        if self.is_dash(at) {
            return self.sequence(at, column, false);
        }
        if let Some(key) = self.key(at)? {
            return self.mapping(at, key, column);
        }
        match in_line {
            Some(parent) => self.scalar(at, parent),
            None => Err(GiveUp),
        }
    }

    fn mapping(&mut self, at: usize, mut key: Key<'t>, column: usize) -> Read<usize> {
        self.emit(Event::MappingStart(0, None), at, at)?;
        loop {
            self.emit_scalar(key.scalar)?;
            let next = self.value(key.colon, column)?;
            match self.next_line(next) {
                Some(line) if line.at(column) => {
                    key = self.key(line.first)?.ok_or(GiveUp)?;
                }
                Some(line) if line.inside(column) => return Err(GiveUp),
                _ => {
                    self.emit(Event::MappingEnd, next, next)?;
                    return Ok(next);
                }
            }
        }
    }

    /// The value after the colon at `colon` of a key in column `column`.
    fn value(&mut self, colon: usize, column: usize) -> Read<usize> {
        let at = self.skip_spaces(colon + 1);
        if !self.ends_line(at) {
            if self.is_dash(at) {
                return Err(GiveUp);
            }
            return self.scalar(at, column);
        }
        let next = self.line_after(at);
        match self.next_line(next) {
            Some(line) if line.inside(column) => self.node(line.first, line.indent, None),
            Some(line) if line.at(column) && self.is_dash(line.first) => {
                self.sequence(line.first, column, true)
            }
            _ => {
                self.emit(
                    Event::Scalar(Cow::Borrowed(""), ScalarStyle::Plain, 0, None),
                    colon,
                    colon,
                )?;
                Ok(next)
            }
        }
    }

    /// A block sequence whose first `-` is at `at`. An indentless sequence
    /// (one in the column of the keys of the mapping it is a value of) is
    /// placed by saphyr-parser after the spaces and comment following its
    /// first dash, any other at its dash.
    fn sequence(&mut self, mut at: usize, column: usize, indentless: bool) -> Read<usize> {
        let start = if indentless {
            let first = self.skip_spaces(at + 1);
            if self.bytes.get(first) == Some(&b'#') {
                self.line_end(first)
            } else {
                first
            }
        } else {
            at
        };
        self.emit(Event::SequenceStart(0, None), start, start)?;
        loop {
            let item = self.skip_spaces(at + 1);
            let next = if self.ends_line(item) {
                match self.next_line(self.line_after(item)) {
                    Some(line) if line.inside(column) => {
                        self.node(line.first, line.indent, None)?
                    }
                    _ => return Err(GiveUp),
                }
            } else {
                let line_start = self.line_start(item);
                self.node(item, item - line_start, Some(column))?
            };
            match self.next_line(next) {
                Some(line) if line.at(column) && self.is_dash(line.first) => at = line.first,
                Some(line) if line.inside(column) || (line.at(column) && !indentless) => {
                    return Err(GiveUp);
                }
                _ => {
                    self.emit(Event::SequenceEnd, next, next)?;
                    return Ok(next);
                }
            }
        }
    }

    /// A one-line scalar starting at `at`, with nothing but a comment after
    /// it on its line, or a literal block scalar whose content is indented
    /// deeper than `parent`, the column of the collection holding it.
    fn scalar(&mut self, at: usize, parent: usize) -> Read<usize> {
        let scalar = match self.bytes[at] {
            b'|' => return self.literal(at, parent),
            b'"' | b'\'' => {
                let mut scalar = self.quoted(at)?;
                self.rest_is_blank(scalar.end)?;
                // saphyr-parser ends a quoted value's span where its line
                // ends, after any spaces and comment that follow the quote.
                scalar.end = self.line_end(scalar.end);
                scalar
            }
            _ => {
                let scalar = self.plain(at)?;
                // `a: b: c` is an error, `a: b:` a mapping in a wrong place.
                if scalar.text.contains(": ") || scalar.text.ends_with(':') {
                    return Err(GiveUp);
                }
                scalar
            }
        };
        let end = scalar.end;
        self.emit_scalar(scalar)?;
        self.rest_is_blank(end)?;
        Ok(self.line_after(end))
    }

    /// A literal block scalar (`|`, `|-` or `|+`) whose header is at `at`.
    /// Folded scalars, explicit indentation, content lines holding only
    /// spaces beyond the indentation, and scalars without content or
    /// without a final line break are left to saphyr-parser.
    fn literal(&mut self, at: usize, parent: usize) -> Read<usize> {
        let (chomp, header_end) = match self.bytes.get(at + 1) {
            Some(b'-') => (Chomp::Strip, at + 2),
            Some(b'+') => (Chomp::Keep, at + 2),
            _ => (Chomp::Clip, at + 1),
        };
        if !self.is_separator(header_end) {
            return Err(GiveUp);
        }
        self.rest_is_blank(header_end)?;
        let content_start = self.line_after(header_end);
        // The indentation is that of the first line holding more than spaces.
        let first = self.next_nonblank(content_start).ok_or(GiveUp)?;
        let indent = first - self.line_start(first);
        if indent <= parent {
            return Err(GiveUp);
        }
        let mut text = String::new();
        let mut pending_breaks = 0;
        let mut line = content_start;
        let end = loop {
            if line >= self.bytes.len() {
                break self.bytes.len();
            }
            let content = self.skip_spaces(line);
            let spaces = content - line;
            match self.bytes.get(content) {
                None => break self.bytes.len(),
                Some(b'\n') => {
                    if spaces > indent {
                        return Err(GiveUp);
                    }
                    pending_breaks += 1;
                    line = content + 1;
                }
                Some(_) if spaces < indent => break content,
                Some(_) => {
                    let line_end = self.line_end(content);
                    if line_end == self.bytes.len() {
                        return Err(GiveUp);
                    }
                    for _ in 0..pending_breaks {
                        text.push('\n');
                    }
                    pending_breaks = 0;
                    text.push_str(&self.text[line + indent..line_end]);
                    text.push('\n');
                    line = line_end + 1;
                }
            }
        };
        match chomp {
            Chomp::Strip => {
                text.pop();
            }
            Chomp::Clip => {}
            Chomp::Keep => {
                for _ in 0..pending_breaks {
                    text.push('\n');
                }
            }
        }
        self.emit(
            Event::Scalar(Cow::Owned(text), ScalarStyle::Literal, 0, None),
            first,
            end,
        )?;
        Ok(self.line_start(end).max(content_start))
    }

    /// The first byte at or after the line starting at `start` that is not
    /// a space or a line break.
    fn next_nonblank(&self, start: usize) -> Option<usize> {
        self.bytes[start..]
            .iter()
            .position(|&b| b != b' ' && b != b'\n')
            .map(|i| start + i)
    }

    fn emit_scalar(&mut self, scalar: Scalar<'t>) -> Read<()> {
        self.emit(
            Event::Scalar(scalar.text, scalar.style, 0, None),
            scalar.start,
            scalar.end,
        )
    }

    /// The key starting at `at`, if the line holds `key:` there.
    fn key(&self, at: usize) -> Read<Option<Key<'t>>> {
        let scalar = if matches!(self.bytes[at], b'"' | b'\'') {
            // A quoted scalar followed by anything but a colon is a value.
            let scalar = self.quoted(at)?;
            if self.bytes.get(scalar.end) != Some(&b':') {
                return Ok(None);
            }
            scalar
        } else {
            let Ok(scalar) = self.plain_key(at) else {
                return Ok(None);
            };
            scalar
        };
        // saphyr-parser refuses implicit keys longer than 1024 characters.
        if scalar.end - scalar.start > MAX_KEY {
            return Err(GiveUp);
        }
        let colon = scalar.end;
        if self.bytes.get(colon) != Some(&b':') || !self.is_separator(colon + 1) {
            return Ok(None);
        }
        Ok(Some(Key { scalar, colon }))
    }

    /// A plain key: the text up to the first `: ` (or colon at the end of
    /// the line), when no comment comes first.
    fn plain_key(&self, at: usize) -> Read<Scalar<'t>> {
        if !self.plain_first(at) {
            return Err(GiveUp);
        }
        let end = self.line_end(at);
        let mut i = at;
        while i < end {
            match self.bytes[i] {
                b':' if self.is_separator(i + 1) => break,
                b'#' if self.bytes[i - 1] == b' ' => return Err(GiveUp),
                _ => i += 1,
            }
        }
        // `key : value` is valid YAML, but rare enough to leave to saphyr.
        if i == end || self.bytes[i - 1] == b' ' {
            return Err(GiveUp);
        }
        Ok(Scalar {
            text: Cow::Borrowed(&self.text[at..i]),
            style: ScalarStyle::Plain,
            start: at,
            end: i,
        })
    }

    /// A plain scalar running to the end of its line or to a comment.
    fn plain(&self, at: usize) -> Read<Scalar<'t>> {
        if !self.plain_first(at) {
            return Err(GiveUp);
        }
        let line_end = self.line_end(at);
        let mut end = at;
        for i in at..line_end {
            match self.bytes[i] {
                b'#' if self.bytes[i - 1] == b' ' => break,
                b' ' => {}
                _ => end = i + 1,
            }
        }
        Ok(Scalar {
            text: Cow::Borrowed(&self.text[at..end]),
            style: ScalarStyle::Plain,
            start: at,
            end,
        })
    }

    /// A single- or double-quoted scalar closed on its own line. Escapes
    /// (`\\` in double quotes, `''` in single quotes) are left to saphyr,
    /// whose spans for them end elsewhere than the closing quote.
    fn quoted(&self, at: usize) -> Read<Scalar<'t>> {
        let quote = self.bytes[at];
        let line_end = self.line_end(at);
        let close = self.bytes[at + 1..line_end]
            .iter()
            .position(|&b| b == quote || b == b'\\')
            .map(|i| at + 1 + i)
            .ok_or(GiveUp)?;
        if self.bytes[close] != quote || self.bytes.get(close + 1) == Some(&quote) {
            return Err(GiveUp);
        }
        let style = if quote == b'"' {
            ScalarStyle::DoubleQuoted
        } else {
            ScalarStyle::SingleQuoted
        };
        Ok(Scalar {
            text: Cow::Borrowed(&self.text[at + 1..close]),
            style,
            start: at,
            end: close + 1,
        })
    }

    /// Whether a plain scalar may start at `at`: not with an indicator,
    /// except `-`, `?` and `:` directly followed by a non-space.
    fn plain_first(&self, at: usize) -> bool {
        match self.bytes[at] {
            b'-' | b'?' | b':' => !self.is_separator(at + 1),
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`' | b' ' | b'\n' => false,
            _ => true,
        }
    }

    /// Whether `at` holds a block sequence's dash.
    fn is_dash(&self, at: usize) -> bool {
        self.bytes[at] == b'-' && self.is_separator(at + 1)
    }

    /// Whether `at` is a space, a line end or the end of the text.
    fn is_separator(&self, at: usize) -> bool {
        matches!(self.bytes.get(at), None | Some(b' ' | b'\n'))
    }

    /// Whether nothing but a comment follows `at` on its line (`at` being
    /// after any spaces).
    fn ends_line(&self, at: usize) -> bool {
        match self.bytes.get(at) {
            None | Some(b'\n') => true,
            Some(b'#') => self.bytes[at - 1] == b' ',
            Some(_) => false,
        }
    }

    /// Give up unless only spaces and a comment follow `at` on its line.
    fn rest_is_blank(&self, at: usize) -> Read<()> {
        let after = self.skip_spaces(at);
        if self.ends_line(after) && (after > at || self.bytes.get(after) != Some(&b'#')) {
            Ok(())
        } else {
            Err(GiveUp)
        }
    }

    fn skip_spaces(&self, mut at: usize) -> usize {
        while self.bytes.get(at) == Some(&b' ') {
            at += 1;
        }
        at
    }

    fn line_end(&self, at: usize) -> usize {
        memchr::memchr(b'\n', &self.bytes[at..]).map_or(self.bytes.len(), |i| at + i)
    }

    fn line_start(&self, at: usize) -> usize {
        memchr::memrchr(b'\n', &self.bytes[..at]).map_or(0, |i| i + 1)
    }

    /// The offset of the line after the one holding `at`.
    fn line_after(&self, at: usize) -> usize {
        (self.line_end(at) + 1).min(self.bytes.len())
    }

    /// The first line at or after the line starting at `start` that holds
    /// more than blanks and a comment.
    fn next_line(&self, mut start: usize) -> Option<Line> {
        while start < self.bytes.len() {
            let first = self.skip_spaces(start);
            match self.bytes.get(first) {
                None => return None,
                Some(b'\n' | b'#') => start = self.line_after(first),
                Some(_) => {
                    let indent = first - start;
                    let rest = &self.bytes[first..];
                    let marker = indent == 0
                        && (rest.starts_with(b"---") || rest.starts_with(b"..."))
                        && self.is_separator(first + 3);
                    return Some(Line {
                        first,
                        indent,
                        marker,
                    });
                }
            }
        }
        None
    }
}

struct Scalar<'t> {
    text: Cow<'t, str>,
    style: ScalarStyle,
    start: usize,
    end: usize,
}

/// What a block scalar does with the line breaks at its end.
#[derive(Clone, Copy)]
enum Chomp {
    /// `|-`: drop them all.
    Strip,
    /// `|`: keep one.
    Clip,
    /// `|+`: keep them all.
    Keep,
}

struct Key<'t> {
    scalar: Scalar<'t>,
    /// Offset of the colon after the key.
    colon: usize,
}
