//! An open document: the editor's text, kept in step with incremental
//! changes.
//!
//! The text is one `String` with a line index rebuilt after each change.
//! Applying a change costs a copy of the text, which for specs (kilobytes,
//! at most the 16 MiB cap) is far below the cost of analyzing them again, and
//! keeps the text a plain `&str` for the core.

use lattice_core::source::LineIndex;
use lsp_types::TextDocumentContentChangeEvent;

use crate::position::{Encoding, Positions};

/// The editor's version of one file.
#[derive(Clone, Debug)]
pub struct Document {
    /// The full text.
    pub text: String,
    /// Line starts of `text`.
    pub lines: LineIndex,
    /// The editor's version number.
    pub version: i32,
}

impl Document {
    /// A document with `text` at `version`.
    #[must_use]
    pub fn new(text: String, version: i32) -> Self {
        let lines = LineIndex::new(&text);
        Self {
            text,
            lines,
            version,
        }
    }

    /// Apply the changes of one `didChange`, in order, and take `version`.
    pub fn apply(
        &mut self,
        changes: Vec<TextDocumentContentChangeEvent>,
        version: i32,
        encoding: Encoding,
    ) {
        for change in changes {
            match change.range {
                None => self.text = change.text,
                Some(range) => {
                    let span = Positions::new(&self.text, &self.lines, encoding).span(range);
                    self.text.replace_range(span.range(), &change.text);
                }
            }
            self.lines = LineIndex::new(&self.text);
        }
        self.version = version;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    fn change(from: (u32, u32), to: (u32, u32), text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(
                Position::new(from.0, from.1),
                Position::new(to.0, to.1),
            )),
            range_length: None,
            text: text.to_owned(),
        }
    }

    #[test]
    fn incremental_changes_count_utf16_units() {
        let mut doc = Document::new("name: 🚀café\nnext: x\n".to_owned(), 1);
        // Replace "café" (after the rocket, which is two UTF-16 units).
        doc.apply(vec![change((0, 8), (0, 12), "tea")], 2, Encoding::Utf16);
        assert_eq!(doc.text, "name: 🚀tea\nnext: x\n");
        doc.apply(
            vec![
                change((1, 6), (1, 7), "y"),
                change((2, 0), (2, 0), "z: 1\n"),
            ],
            3,
            Encoding::Utf16,
        );
        assert_eq!(doc.text, "name: 🚀tea\nnext: y\nz: 1\n");
        assert_eq!(doc.version, 3);
    }

    #[test]
    fn full_replacement() {
        let mut doc = Document::new("a".to_owned(), 1);
        let full = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "b: 2\n".to_owned(),
        };
        doc.apply(vec![full], 2, Encoding::Utf8);
        assert_eq!(doc.text, "b: 2\n");
        assert_eq!(doc.lines.line_count(), 2);
    }
}
