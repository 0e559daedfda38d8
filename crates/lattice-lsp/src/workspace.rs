//! The workspace model: every Lattice spec under the workspace folders, with
//! the editor's open documents taking precedence over the disk, and the
//! current analysis of the whole set.
//!
//! Each file keeps its own parse ([`ParsedFile`]); an edit reads again only
//! the file it touched, and the cross-file part (graph, agreements,
//! relational checks) is brought up to date by [`Incremental`], which redoes
//! only what can depend on that file and says which files' diagnostics it
//! computed again. When a file enters or leaves the analysis (file ids
//! follow path order), or when many files changed at once, the whole set is
//! linked again.
//!
//! Files that never mention the Lattice API group are kept out: they cannot
//! hold a Lattice document, and reporting their YAML syntax errors is the
//! job of a YAML server, not of this one.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lattice_core::parsed::ParsedFile;
use lattice_core::{Analysis, FileId, Input, InputContent, Options};
use lsp_types::{TextDocumentContentChangeEvent, Uri};
use rayon::prelude::*;

use crate::document::Document;
use crate::incremental::{Incremental, Update};
use crate::position::Encoding;
use crate::walk;

/// Largest file read, as the command line's default: a larger file is
/// reported (when open) or left out (when only on disk), never read whole.
pub const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// Above this many changed files in one refresh (a branch checkout, a
/// formatter run over the tree), one full link is cheaper than as many
/// incremental updates.
const INCREMENTAL_UP_TO: usize = 64;

/// Text every file holding a Lattice document contains.
const MARKER: &str = "lattice.dev/";

/// What the disk holds for a file the workspace tracks.
#[derive(Clone, Debug)]
enum Disk {
    /// The text of a file that mentions Lattice.
    Text(Arc<str>),
    /// A file over the size limit: left out, as its content is unknown.
    TooLarge,
}

#[derive(Clone, Debug, Default)]
struct Entry {
    disk: Option<Disk>,
    open: Option<Document>,
    /// The URI as the client spelled it, when it named the file.
    uri: Option<Uri>,
    /// The parse of the current content; `None` when it must be read again.
    parsed: Option<Arc<ParsedFile>>,
}

impl Entry {
    /// The content the analysis sees, or `None` when the file is left out.
    fn input(&self, max: u64) -> Option<InputContent> {
        if let Some(doc) = &self.open {
            let size = doc.text.len() as u64;
            if size > max {
                return Some(InputContent::TooLarge { size, limit: max });
            }
            return doc
                .text
                .contains(MARKER)
                .then(|| InputContent::Bytes(doc.text.clone().into_bytes()));
        }
        match self.disk.as_ref()? {
            Disk::Text(text) => Some(InputContent::Bytes(text.as_bytes().to_vec())),
            Disk::TooLarge => None,
        }
    }
}

/// Which files' diagnostics a [`Workspace::refresh`] may have changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refreshed {
    /// Any file's: the set was linked again in full.
    All,
    /// Only these files' (paths of analyzed files).
    Files(Vec<PathBuf>),
}

/// Every tracked file and the analysis of the set.
#[derive(Debug)]
pub struct Workspace {
    roots: Vec<PathBuf>,
    files: BTreeMap<PathBuf, Entry>,
    options: Options,
    max_file_size: u64,
    linked: Incremental,
    /// The path of each file of the analysis, by file id.
    ids: Vec<PathBuf>,
    /// The file id of each path of the analysis.
    id_of: HashMap<PathBuf, FileId>,
    /// Paths whose content or tracking changed since the last refresh.
    dirty: BTreeSet<PathBuf>,
    /// Whether the set was ever linked.
    linked_once: bool,
}

impl Workspace {
    /// An empty workspace analyzed with `options`.
    #[must_use]
    pub fn new(options: Options, max_file_size: u64) -> Self {
        Self {
            roots: Vec::new(),
            files: BTreeMap::new(),
            options,
            max_file_size,
            linked: Incremental::default(),
            ids: Vec::new(),
            id_of: HashMap::new(),
            dirty: BTreeSet::new(),
            linked_once: false,
        }
    }

    /// The workspace folders.
    #[must_use]
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Load every YAML file under `root` and track it from now on.
    pub fn add_root(&mut self, root: PathBuf) {
        if self.roots.contains(&root) {
            return;
        }
        let files = walk::yaml_files(&root);
        tracing::info!(root = %root.display(), files = files.len(), "workspace folder loaded");
        let max = self.max_file_size;
        let loaded: Vec<(PathBuf, Option<Disk>)> = files
            .into_par_iter()
            .map(|path| {
                let disk = read_disk(&path, max);
                (path, disk)
            })
            .collect();
        for (path, disk) in loaded {
            self.set_disk(path, disk);
        }
        self.roots.push(root);
    }

    /// Stop tracking the files under `root` that are not open and not under
    /// another folder.
    pub fn remove_root(&mut self, root: &Path) {
        self.roots.retain(|r| r != root);
        let roots = self.roots.clone();
        let dirty = &mut self.dirty;
        self.files.retain(|path, entry| {
            let keep = entry.open.is_some()
                || !path.starts_with(root)
                || roots.iter().any(|r| path.starts_with(r));
            if !keep {
                dirty.insert(path.clone());
            }
            keep
        });
    }

    /// Whether a change on disk at `path` concerns the workspace: a YAML
    /// file under a folder and outside the skipped ones, or a tracked file.
    #[must_use]
    pub fn watches(&self, path: &Path) -> bool {
        self.files.contains_key(path)
            || (walk::is_yaml(path)
                && self
                    .roots
                    .iter()
                    .any(|r| path.starts_with(r) && !walk::is_skipped(r, path)))
    }

    /// The editor opened `path`.
    pub fn open(&mut self, path: PathBuf, uri: Uri, text: String, version: i32) {
        let entry = self.files.entry(path.clone()).or_default();
        entry.open = Some(Document::new(text, version));
        entry.uri = Some(uri);
        entry.parsed = None;
        self.dirty.insert(path);
    }

    /// The editor changed `path`; unknown paths are ignored (a change before
    /// an open is a client error, and the next open brings the text).
    pub fn change(
        &mut self,
        path: &Path,
        changes: Vec<TextDocumentContentChangeEvent>,
        version: i32,
        encoding: Encoding,
    ) {
        let Some(entry) = self.files.get_mut(path) else {
            return;
        };
        let Some(doc) = entry.open.as_mut() else {
            return;
        };
        doc.apply(changes, version, encoding);
        entry.parsed = None;
        self.dirty.insert(path.to_path_buf());
    }

    /// The editor closed `path`: the disk's content counts again.
    pub fn close(&mut self, path: &Path) {
        if let Some(entry) = self.files.get_mut(path) {
            entry.open = None;
        }
        self.reload(path);
    }

    /// Read `path` from disk again (created or changed on disk).
    pub fn reload(&mut self, path: &Path) {
        let disk = if self.watches(path) {
            read_disk(path, self.max_file_size)
        } else {
            None
        };
        self.set_disk(path.to_path_buf(), disk);
    }

    /// `path` was deleted on disk: a file, or a folder with every file under it.
    pub fn deleted(&mut self, path: &Path) {
        let gone: Vec<PathBuf> = self
            .files
            .keys()
            .filter(|p| p.starts_with(path))
            .cloned()
            .collect();
        for path in gone {
            self.set_disk(path, None);
        }
    }

    fn set_disk(&mut self, path: PathBuf, disk: Option<Disk>) {
        self.dirty.insert(path.clone());
        match (disk, self.files.get_mut(&path)) {
            (None, Some(entry)) if entry.open.is_none() => {
                self.files.remove(&path);
            }
            (disk, Some(entry)) => {
                entry.disk = disk;
                if entry.open.is_none() {
                    entry.parsed = None;
                }
            }
            (Some(disk), None) => {
                self.files.insert(
                    path,
                    Entry {
                        disk: Some(disk),
                        ..Entry::default()
                    },
                );
            }
            (None, None) => {}
        }
    }

    /// Bring the analysis up to date, reading again only the files whose
    /// content changed; which files' diagnostics may have changed.
    pub fn refresh(&mut self) -> Refreshed {
        let dirty = std::mem::take(&mut self.dirty);
        let max = self.max_file_size;
        let options = &self.options;
        let files = &self.files;
        let fresh: Vec<(&PathBuf, Option<Arc<ParsedFile>>)> = dirty
            .par_iter()
            .filter_map(|path| {
                let entry = files.get(path)?;
                if entry.parsed.is_some() {
                    return None;
                }
                let parsed = entry.input(max).map(|content| {
                    let input = Input {
                        path: path.to_string_lossy().into_owned(),
                        content,
                    };
                    Arc::new(ParsedFile::read(input, options))
                });
                Some((path, parsed))
            })
            .collect();
        for (path, parsed) in fresh {
            if let Some(entry) = self.files.get_mut(path) {
                entry.parsed = parsed;
            }
        }

        let analyzed = |path: &PathBuf| self.files.get(path).is_some_and(|e| e.parsed.is_some());
        let moved = dirty
            .iter()
            .any(|path| self.id_of.contains_key(path) != analyzed(path));
        // TODO: a file created, deleted or gaining its first Lattice document
        // links everything again (a few hundred milliseconds at 10,000
        // services), because file ids are positions in path order; ids that
        // stay put (a free list) would let it take the incremental path.
        let changed = dirty.iter().filter(|p| self.id_of.contains_key(*p)).count();
        if moved || !self.linked_once || changed > INCREMENTAL_UP_TO {
            self.link_all();
            return Refreshed::All;
        }

        let mut affected = BTreeSet::new();
        let mut all = false;
        for path in &dirty {
            let (Some(&id), Some(parsed)) = (
                self.id_of.get(path),
                self.files.get(path).and_then(|e| e.parsed.clone()),
            ) else {
                continue;
            };
            match self.linked.replace(id, parsed) {
                Update::All => all = true,
                Update::Files(ids) => affected.extend(ids),
            }
        }
        if all {
            return Refreshed::All;
        }
        Refreshed::Files(
            affected
                .into_iter()
                .map(|id| self.path(id).to_path_buf())
                .collect(),
        )
    }

    /// Link every analyzed file again, giving file ids in path order.
    fn link_all(&mut self) {
        let mut ids = Vec::new();
        let mut parsed = Vec::new();
        for (path, entry) in &self.files {
            if let Some(p) = &entry.parsed {
                ids.push(path.clone());
                parsed.push(Arc::clone(p));
            }
        }
        self.linked = Incremental::new(parsed);
        self.id_of = ids
            .iter()
            .enumerate()
            .map(|(i, path)| (path.clone(), FileId(i as u32)))
            .collect();
        self.ids = ids;
        self.linked_once = true;
    }

    /// The analysis of the last [`Workspace::refresh`].
    #[must_use]
    pub fn analysis(&self) -> &Analysis {
        self.linked.analysis()
    }

    /// The path of a file of the analysis.
    #[must_use]
    pub fn path(&self, id: FileId) -> &Path {
        &self.ids[id.0 as usize]
    }

    /// The id of `path` in the analysis, when it takes part.
    #[must_use]
    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.id_of.get(path).copied()
    }

    /// Paths of the files of the analysis, by file id.
    #[must_use]
    pub fn analyzed_paths(&self) -> &[PathBuf] {
        &self.ids
    }

    /// The URI to show for `path`: the client's own spelling when it opened
    /// the file, else one made from the path.
    #[must_use]
    pub fn uri(&self, path: &Path) -> Uri {
        self.files
            .get(path)
            .and_then(|e| e.uri.clone())
            .unwrap_or_else(|| crate::uri::from_path(path))
    }

    /// The editor's version of `path`, when it is open.
    #[must_use]
    pub fn version(&self, path: &Path) -> Option<i32> {
        self.files.get(path)?.open.as_ref().map(|d| d.version)
    }

    /// The current text of `path` (the editor's when open), when tracked.
    #[must_use]
    pub fn text(&self, path: &Path) -> Option<&str> {
        let entry = self.files.get(path)?;
        if let Some(doc) = &entry.open {
            return Some(&doc.text);
        }
        match entry.disk.as_ref()? {
            Disk::Text(text) => Some(text),
            Disk::TooLarge => None,
        }
    }

    /// Whether `path` is tracked (open, or a Lattice file on disk).
    #[must_use]
    pub fn contains(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }
}

/// The disk's content of `path` when it may hold Lattice specs; `None` when
/// it is gone, unreadable, or holds no Lattice document.
fn read_disk(path: &Path, max: u64) -> Option<Disk> {
    let size = match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => meta.len(),
        Ok(_) => return None,
        Err(error) => {
            tracing::debug!(path = %path.display(), %error, "not read");
            return None;
        }
    };
    if size > max {
        tracing::warn!(path = %path.display(), size, max, "file over the size limit, left out");
        return Some(Disk::TooLarge);
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "file not read");
            return None;
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    text.contains(MARKER).then(|| Disk::Text(text.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    const CALLER: &str = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: checkout\nspec:\n  workload:\n    resources:\n      payments:\n        type: service\n";
    const CALLEE: &str = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: payments\nspec:\n  workload:\n    service:\n      ports:\n        http:\n          port: 8080\n";

    fn codes(ws: &Workspace, path: &Path) -> Vec<&'static str> {
        let id = ws.file_id(path).unwrap();
        ws.analysis()
            .diagnostics
            .iter()
            .filter(|d| d.location.file == id)
            .map(|d| d.code.as_str())
            .collect()
    }

    fn setup() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("checkout.yaml"), CALLER).unwrap();
        std::fs::write(dir.path().join("payments.yaml"), CALLEE).unwrap();
        std::fs::write(dir.path().join("other.yaml"), "kind: ConfigMap\n").unwrap();
        std::fs::create_dir(dir.path().join("node_modules")).unwrap();
        std::fs::write(dir.path().join("node_modules/x.yaml"), CALLEE).unwrap();
        let mut ws = Workspace::new(Options::default(), MAX_FILE_SIZE);
        ws.add_root(dir.path().to_path_buf());
        ws.refresh();
        (dir, ws)
    }

    #[test]
    fn loads_lattice_files_only_and_analyzes_across_them() {
        let (dir, ws) = setup();
        assert_eq!(ws.analyzed_paths().len(), 2);
        assert!(!ws.contains(&dir.path().join("other.yaml")));
        assert_eq!(
            codes(&ws, &dir.path().join("checkout.yaml")),
            vec!["unmatched-outbound"]
        );
    }

    #[test]
    fn open_documents_override_the_disk_and_edits_are_incremental() {
        let (dir, mut ws) = setup();
        let path = dir.path().join("payments.yaml");
        let uri = crate::uri::from_path(&path);
        ws.open(path.clone(), uri, CALLEE.to_owned(), 1);
        let end = CALLEE.lines().count() as u32;
        let accept = "    resources:\n      checkout:\n        direction: inbound\n";
        let edit = TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(end, 0), Position::new(end, 0))),
            range_length: None,
            text: accept.to_owned(),
        };
        ws.change(&path, vec![edit], 2, Encoding::Utf16);
        let before = Arc::clone(
            ws.files[&dir.path().join("checkout.yaml")]
                .parsed
                .as_ref()
                .unwrap(),
        );
        ws.refresh();
        assert!(codes(&ws, &dir.path().join("checkout.yaml")).is_empty());
        assert_eq!(ws.analysis().summary.agreements, 1);
        let after = ws.files[&dir.path().join("checkout.yaml")]
            .parsed
            .as_ref()
            .unwrap();
        assert!(
            Arc::ptr_eq(&before, after),
            "the unchanged file is not read again"
        );
        assert_eq!(ws.version(&path), Some(2));

        ws.close(&path);
        ws.refresh();
        assert_eq!(
            codes(&ws, &dir.path().join("checkout.yaml")),
            vec!["unmatched-outbound"]
        );
    }

    #[test]
    fn files_created_and_deleted_on_disk_are_followed() {
        let (dir, mut ws) = setup();
        let payments = dir.path().join("payments.yaml");
        std::fs::remove_file(&payments).unwrap();
        ws.deleted(&payments);
        ws.refresh();
        assert_eq!(
            codes(&ws, &dir.path().join("checkout.yaml")),
            vec!["unknown-service"]
        );
        let moved = dir.path().join("team/payments.yml");
        std::fs::create_dir(dir.path().join("team")).unwrap();
        std::fs::write(&moved, CALLEE).unwrap();
        assert!(ws.watches(&moved));
        assert!(!ws.watches(&dir.path().join("node_modules/y.yaml")));
        ws.reload(&moved);
        ws.refresh();
        assert_eq!(
            codes(&ws, &dir.path().join("checkout.yaml")),
            vec!["unmatched-outbound"]
        );
    }

    #[test]
    fn oversized_open_documents_are_reported_not_read() {
        let (dir, mut ws) = setup();
        ws.max_file_size = 64;
        let path = dir.path().join("checkout.yaml");
        ws.open(
            path.clone(),
            crate::uri::from_path(&path),
            CALLER.to_owned(),
            1,
        );
        ws.refresh();
        assert_eq!(codes(&ws, &path), vec!["file-too-large"]);
    }

    /// What a client sees: each file's last published list, kept up to date
    /// the way the server does it (only the files a refresh names).
    fn follow(
        ws: &mut Workspace,
        shown: &mut BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>>,
    ) -> Refreshed {
        let refreshed = ws.refresh();
        match &refreshed {
            Refreshed::All => *shown = crate::diagnostics::by_file(ws, Encoding::Utf16),
            Refreshed::Files(paths) => {
                for path in paths {
                    let id = ws.file_id(path).unwrap();
                    let list = crate::diagnostics::of_file(ws, id, Encoding::Utf16);
                    shown.insert(path.clone(), list);
                }
            }
        }
        refreshed
    }

    #[test]
    fn every_file_whose_diagnostics_change_is_refreshed_and_bystanders_are_not() {
        let (dir, mut ws) = setup();
        let bystander = dir.path().join("inventory.yaml");
        std::fs::write(
            &bystander,
            CALLEE
                .replace("payments", "inventory")
                .replace("8080", "9090"),
        )
        .unwrap();
        ws.reload(&bystander);
        let mut shown = BTreeMap::new();
        assert_eq!(follow(&mut ws, &mut shown), Refreshed::All);

        let payments = dir.path().join("payments.yaml");
        let checkout = dir.path().join("checkout.yaml");
        let accepting =
            format!("{CALLEE}    resources:\n      checkout:\n        direction: inbound\n");
        let renamed = CALLEE.replace("name: payments", "name: payment");
        ws.open(
            payments.clone(),
            crate::uri::from_path(&payments),
            CALLEE.to_owned(),
            1,
        );
        for (version, text) in [(2, accepting.as_str()), (3, CALLEE), (4, &renamed)] {
            let whole = TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: text.to_owned(),
            };
            ws.change(&payments, vec![whole], version, Encoding::Utf16);
            let refreshed = follow(&mut ws, &mut shown);
            assert_eq!(
                refreshed,
                Refreshed::Files(vec![checkout.clone(), payments.clone()])
            );
            assert_eq!(shown, crate::diagnostics::by_file(&ws, Encoding::Utf16));
        }
        let checkout_codes = codes(&ws, &checkout);
        assert_eq!(
            checkout_codes,
            vec!["unknown-service"],
            "did you mean payment?"
        );

        ws.close(&payments);
        follow(&mut ws, &mut shown);
        assert_eq!(shown, crate::diagnostics::by_file(&ws, Encoding::Utf16));
        assert_eq!(codes(&ws, &checkout), vec!["unmatched-outbound"]);

        std::fs::remove_file(&bystander).unwrap();
        ws.deleted(&bystander);
        assert_eq!(follow(&mut ws, &mut shown), Refreshed::All);
        assert_eq!(ws.analyzed_paths().len(), 2);
    }

    #[test]
    fn many_files_changed_at_once_are_linked_in_full() {
        let (dir, mut ws) = setup();
        let paths: Vec<PathBuf> = (0..=INCREMENTAL_UP_TO)
            .map(|i| dir.path().join(format!("s{i}.yaml")))
            .collect();
        for (i, path) in paths.iter().enumerate() {
            std::fs::write(path, CALLEE.replace("payments", &format!("s{i}"))).unwrap();
            ws.reload(path);
        }
        assert_eq!(ws.refresh(), Refreshed::All, "files were added");
        for path in &paths {
            std::fs::write(path, CALLEE.replace("payments", "payments-copy")).unwrap();
            ws.reload(path);
        }
        assert_eq!(ws.refresh(), Refreshed::All);
        assert_eq!(
            ws.analysis().summary.errors,
            INCREMENTAL_UP_TO + 1,
            "one duplicate-service per copy after the first, and checkout's unmatched call"
        );
    }
}
