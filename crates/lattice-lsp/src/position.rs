//! Positions: the core's byte offsets to LSP positions and back.
//!
//! The core counts bytes; LSP counts code units of the encoding negotiated at
//! initialization: UTF-16 unless the client offers UTF-8 (LSP 3.17
//! `positionEncodings`). This is the only module that converts columns, so
//! a character outside ASCII is counted the same way everywhere.

use lattice_core::Span;
use lattice_core::source::{LineIndex, SourceFile};
use lsp_types::{Position, PositionEncodingKind, Range};

/// How the `character` of an LSP position counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 code units, which are bytes.
    Utf8,
    /// UTF-16 code units: the LSP default, which every client supports.
    #[default]
    Utf16,
}

impl Encoding {
    /// The encoding to use with a client that offers `offered`: UTF-8 when it
    /// is offered, since the core counts bytes, else the mandatory UTF-16.
    #[must_use]
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Self {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    /// The LSP name, for the server capabilities.
    #[must_use]
    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    fn units(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        }
    }
}

/// A text with its line index, seen in one encoding.
#[derive(Clone, Copy)]
pub struct Positions<'a> {
    text: &'a str,
    lines: &'a LineIndex,
    encoding: Encoding,
}

impl<'a> Positions<'a> {
    /// Positions in `text`, whose line index is `lines`.
    #[must_use]
    pub fn new(text: &'a str, lines: &'a LineIndex, encoding: Encoding) -> Self {
        Self {
            text,
            lines,
            encoding,
        }
    }

    /// Positions in a file of an analysis.
    #[must_use]
    pub fn of(file: &'a SourceFile, encoding: Encoding) -> Self {
        Self::new(&file.text, &file.lines, encoding)
    }

    /// The position of byte `offset` (clamped to the text, and moved back to
    /// the start of the character it falls in).
    #[must_use]
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.lines.line_of(offset);
        let start = self.lines.line_start(line);
        let character: usize = self.text[start..offset]
            .chars()
            .map(|c| self.encoding.units(c))
            .sum();
        Position::new(line as u32, character as u32)
    }

    /// The byte offset of `position`. A line past the end means the end of
    /// the text; a character past the end of its line means the end of that
    /// line (as LSP asks); a character inside a UTF-16 surrogate pair means
    /// the start of that character.
    #[must_use]
    pub fn offset(&self, position: Position) -> usize {
        let line = position.line as usize;
        if line >= self.lines.line_count() {
            return self.text.len();
        }
        let start = self.lines.line_start(line);
        let end = self.lines.line_end(self.text, line);
        let want = position.character as usize;
        let mut units = 0;
        for (i, c) in self.text[start..end].char_indices() {
            let next = units + self.encoding.units(c);
            if next > want {
                return start + i;
            }
            units = next;
        }
        end
    }

    /// The range of a byte span.
    #[must_use]
    pub fn range(&self, span: Span) -> Range {
        Range::new(
            self.position(span.start as usize),
            self.position(span.end as usize),
        )
    }

    /// The byte span of a range (start and end ordered).
    #[must_use]
    pub fn span(&self, range: Range) -> Span {
        let start = self.offset(range.start);
        let end = self.offset(range.end);
        Span::new(start.min(end), start.max(end))
    }

    /// The byte offset where 1-based `line` starts; a line past the last one
    /// means the end of the text (what a core fix's line may say).
    #[must_use]
    pub fn line_start(&self, line: u32) -> usize {
        let line0 = line.saturating_sub(1) as usize;
        if line0 >= self.lines.line_count() {
            self.text.len()
        } else {
            self.lines.line_start(line0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(text: &str, encoding: Encoding) {
        let lines = LineIndex::new(text);
        let p = Positions::new(text, &lines, encoding);
        for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
            // The middle of a CRLF is no position of its own.
            if text[..offset].ends_with('\r') {
                continue;
            }
            assert_eq!(
                p.offset(p.position(offset)),
                offset,
                "offset {offset} in {text:?}"
            );
        }
    }

    #[test]
    fn utf16_counts_code_units_of_non_ascii_and_astral_characters() {
        let text = "name: café\n# 🚀 launch: x\nlast: ü";
        let lines = LineIndex::new(text);
        let p = Positions::new(text, &lines, Encoding::Utf16);
        let after_cafe = "name: café".len();
        assert_eq!(p.position(after_cafe), Position::new(0, 10));
        let launch = text.find("launch").unwrap();
        // '#', ' ', the rocket (two UTF-16 units), ' '.
        assert_eq!(p.position(launch), Position::new(1, 5));
        assert_eq!(p.offset(Position::new(1, 5)), launch);
        assert_eq!(p.position(text.len()), Position::new(2, 7));
    }

    #[test]
    fn utf8_counts_bytes() {
        let text = "a: é🚀b\n";
        let lines = LineIndex::new(text);
        let p = Positions::new(text, &lines, Encoding::Utf8);
        let b = text.find('b').unwrap();
        assert_eq!(p.position(b), Position::new(0, b as u32));
        assert_eq!(p.offset(Position::new(0, b as u32)), b);
    }

    #[test]
    fn positions_round_trip_in_both_encodings() {
        for text in ["", "a\nb", "ü\r\n🚀x\n\n€", "plain ascii\n"] {
            roundtrip(text, Encoding::Utf16);
            roundtrip(text, Encoding::Utf8);
        }
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let text = "ab\r\ncd";
        let lines = LineIndex::new(text);
        let p = Positions::new(text, &lines, Encoding::Utf16);
        assert_eq!(
            p.offset(Position::new(0, 99)),
            2,
            "end of line, before CRLF"
        );
        assert_eq!(p.offset(Position::new(9, 0)), text.len());
        // Inside the surrogate pair of an astral character: its start.
        let text = "🚀x";
        let lines = LineIndex::new(text);
        let p = Positions::new(text, &lines, Encoding::Utf16);
        assert_eq!(p.offset(Position::new(0, 1)), 0);
        assert_eq!(p.offset(Position::new(0, 2)), 4);
    }

    #[test]
    fn negotiation_prefers_utf8_only_when_offered() {
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
        let offered = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&offered)), Encoding::Utf8);
        let offered = [PositionEncodingKind::UTF32];
        assert_eq!(Encoding::negotiate(Some(&offered)), Encoding::Utf16);
    }

    #[test]
    fn fix_lines_past_the_end_mean_the_end() {
        let text = "a\nb";
        let lines = LineIndex::new(text);
        let p = Positions::new(text, &lines, Encoding::Utf16);
        assert_eq!(p.line_start(2), 2);
        assert_eq!(p.line_start(3), 3);
    }
}
