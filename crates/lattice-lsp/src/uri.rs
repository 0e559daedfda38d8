//! `file:` URIs to paths and back.
//!
//! Only `file:` URIs name files the server can load; anything else (an
//! untitled buffer, a git diff view) is answered as a document without a
//! place on disk.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use lsp_types::Uri;

/// The path a `file:` URI names, or `None` for other schemes.
#[must_use]
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // The authority is empty or `localhost`; the path starts at the next slash.
    let path = &rest[rest.find('/')?..];
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let bytes = decode(path)?;
    let text = String::from_utf8(bytes).ok()?;
    Some(PathBuf::from(text))
}

/// The `file:` URI of an absolute path.
///
/// # Panics
/// Never for an absolute path: every byte outside the unreserved set is
/// percent-encoded, which always makes a valid URI.
#[must_use]
pub fn from_path(path: &Path) -> Uri {
    let mut out = String::from("file://");
    for &b in path.to_string_lossy().as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    Uri::from_str(&out).expect("a percent-encoded path is a valid URI")
}

fn decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_with_spaces_and_non_ascii() {
        let path = Path::new("/work/my specs/café/a#1.yaml");
        let uri = from_path(path);
        assert_eq!(uri.as_str(), "file:///work/my%20specs/caf%C3%A9/a%231.yaml");
        assert_eq!(to_path(&uri).unwrap(), path);
    }

    #[test]
    fn localhost_authority_and_other_schemes() {
        let uri = Uri::from_str("file://localhost/tmp/a.yaml").unwrap();
        assert_eq!(to_path(&uri).unwrap(), Path::new("/tmp/a.yaml"));
        let uri = Uri::from_str("untitled:Untitled-1").unwrap();
        assert!(to_path(&uri).is_none());
    }
}
