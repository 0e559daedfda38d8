//! Source files as the core sees them: a display path and UTF-8 text, plus the
//! mapping from byte offsets to 1-based lines and columns.
//!
//! Spans are byte ranges everywhere in the core. Columns handed to people and to
//! JSON are counted in Unicode scalar values (characters), as rustc does; the
//! language server converts to UTF-16 in its own front end.

use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A half-open byte range `start..end` in one file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (bytes).
    #[must_use]
    pub fn new(start: usize, end: usize) -> Self {
        Self {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    /// An empty span at `offset`.
    #[must_use]
    pub fn empty(offset: usize) -> Self {
        Self::new(offset, offset)
    }

    /// The range as `usize`, for slicing.
    #[must_use]
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A location in a file: the file and a byte span in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The file.
    pub file: FileId,
    /// The bytes.
    pub span: Span,
}

/// A 1-based line and column; the column counts characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// Line, from 1.
    pub line: u32,
    /// Column in characters, from 1.
    pub column: u32,
}

/// Byte offsets of line starts, for offset to line/column conversion.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    /// Index the line starts of `text`. Lines end at `\n`; a `\r` before it is
    /// part of the line ending and never counted as a column.
    #[must_use]
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| (i + 1) as u32));
        Self { starts }
    }

    /// Number of lines (a final line without `\n` counts; an empty text has one line).
    #[must_use]
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset where 0-based `line` starts, clamped to the last line.
    #[must_use]
    pub fn line_start(&self, line: usize) -> usize {
        self.starts[line.min(self.starts.len() - 1)] as usize
    }

    /// The 0-based line holding byte `offset`.
    #[must_use]
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&(offset as u32)) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// The 1-based line and character column of byte `offset` in `text`.
    #[must_use]
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let column = text[start..offset].chars().count() + 1;
        LineCol {
            line: line as u32 + 1,
            column: column as u32,
        }
    }

    /// Byte offset of the 0-based `line` and 0-based character column `col`,
    /// clamped to the end of that line.
    #[must_use]
    pub fn offset_of(&self, text: &str, line: usize, col: usize) -> usize {
        let start = self.line_start(line);
        let end = self.line_end(text, line);
        text[start..end]
            .char_indices()
            .nth(col)
            .map_or(end, |(i, _)| start + i)
    }

    /// Byte offset of the end of 0-based `line`, before its `\r\n` or `\n`.
    #[must_use]
    pub fn line_end(&self, text: &str, line: usize) -> usize {
        let next = if line + 1 < self.starts.len() {
            self.starts[line + 1] as usize
        } else {
            text.len()
        };
        let bytes = text.as_bytes();
        let mut end = next.max(self.line_start(line));
        if end > 0 && end <= bytes.len() && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
            if end > 0 && bytes[end - 1] == b'\r' {
                end -= 1;
            }
        }
        end.max(self.line_start(line))
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// One source file.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as shown to people: the path given on the command line joined
    /// with the file's path under it, or an object reference for specs read
    /// from a cluster.
    pub path: String,
    /// The file's text; empty when the file could not be read.
    pub text: Arc<str>,
    /// Line starts of `text`.
    pub lines: LineIndex,
}

impl SourceFile {
    /// A file with its line index.
    #[must_use]
    pub fn new(path: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let text = text.into();
        let lines = LineIndex::new(&text);
        Self {
            path: path.into(),
            text,
            lines,
        }
    }

    /// 1-based line and column of byte `offset`.
    #[must_use]
    pub fn line_col(&self, offset: usize) -> LineCol {
        self.lines.line_col(&self.text, offset)
    }

    /// The text of 0-based `line`, without its line ending.
    #[must_use]
    pub fn line_text(&self, line: usize) -> &str {
        &self.text[self.lines.line_start(line)..self.lines.line_end(&self.text, line)]
    }
}

/// Every file of one analysis, addressed by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Add a file and return its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId((self.files.len() - 1) as u32)
    }

    /// The file with `id`.
    ///
    /// # Panics
    /// When `id` was not returned by this map's [`SourceMap::add`].
    #[must_use]
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Put `file` in the place of file `id`, which keeps its id; `false`
    /// (and no change) when there is no such file.
    pub fn replace(&mut self, id: FileId, file: SourceFile) -> bool {
        let Some(slot) = self.files.get_mut(id.0 as usize) else {
            return false;
        };
        *slot = file;
        true
    }

    /// All files with their ids, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// Number of files.
    #[must_use]
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are no files.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let file = SourceFile::new("a.yaml", "name: café\nnext: x\n");
        let offset = "name: café\nnext: ".len();
        assert_eq!(file.line_col(offset), LineCol { line: 2, column: 7 });
        let after_e = "name: caf".len();
        assert_eq!(
            file.line_col(after_e + 2),
            LineCol {
                line: 1,
                column: 11
            }
        );
    }

    #[test]
    fn crlf_is_not_part_of_the_line() {
        let file = SourceFile::new("a.yaml", "a: 1\r\nb: 2\r\n");
        assert_eq!(file.line_text(0), "a: 1");
        assert_eq!(file.line_text(1), "b: 2");
        assert_eq!(file.lines.offset_of(&file.text, 1, 3), 9);
    }

    #[test]
    fn offset_past_the_end_is_clamped() {
        let file = SourceFile::new("a.yaml", "a");
        assert_eq!(file.line_col(10), LineCol { line: 1, column: 2 });
    }
}
