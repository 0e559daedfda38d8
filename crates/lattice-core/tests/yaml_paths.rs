//! The fast YAML path must read every text it accepts exactly as the general
//! parser does: same documents, same nodes, same spans, same errors. These
//! tests compare the two on every YAML file in the repository and on
//! thousands of mutated variants of them (lines dropped, re-indented, split,
//! commented, quoted), where the fast path has to recognize what it cannot
//! handle and step aside.

use std::path::{Path, PathBuf};

use lattice_core::source::LineIndex;
use lattice_core::yaml::{parse, parse_fast, parse_general};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn yaml_files(under: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(under)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0 || !(name.starts_with('.') || name == "target" || name == "node_modules")
        })
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_type().is_file()
                && e.path()
                    .extension()
                    .is_some_and(|x| x == "yaml" || x == "yml")
        })
        .map(walkdir::DirEntry::into_path)
        .collect()
}

/// Compare the paths on `text`; returns whether the fast path accepted it.
fn same_on(text: &str, what: &str) -> bool {
    let lines = LineIndex::new(text);
    let general = parse_general(text, &lines);
    assert_eq!(
        parse(text, &lines),
        general,
        "parse differs on {what}:\n{text}"
    );
    match parse_fast(text, &lines) {
        Some(fast) => {
            assert_eq!(fast, general, "fast path differs on {what}:\n{text}");
            true
        }
        None => false,
    }
}

#[test]
fn the_fast_path_reads_every_bundled_spec_and_agrees_with_the_general_parser() {
    let root = repository();
    let examples = yaml_files(&root.join("examples"));
    assert!(examples.len() > 5, "the examples were not found");
    for path in &examples {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(
            same_on(&text, &path.display().to_string()),
            "the fast path gave up on {}, a plain block-style spec",
            path.display()
        );
    }
}

#[test]
fn both_paths_agree_on_every_yaml_file_in_the_repository() {
    let root = repository();
    let mut accepted = 0;
    let files = yaml_files(&root);
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        if same_on(&text, &path.display().to_string()) {
            accepted += 1;
        }
    }
    assert!(
        accepted * 2 > files.len(),
        "{accepted} of {} accepted",
        files.len()
    );
}

/// Small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const PIECES: &[&str] = &[
    " ", "  ", "-", "- ", ":", ": ", "#", " #", "'", "''", "\"", "\\", "---", "...", "[", "]", "{",
    "}", ",", "&a ", "*a", "!t ", "|", ">", "?", "%", "@", "x", "é", "\t", "\r", "a: b", "- a",
    "\n", "\n  ", "k:", "1", "~", "null", "true", "0x1f",
];

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    for _ in 0..=rng.below(3) {
        let i = rng.below(lines.len());
        match rng.below(8) {
            0 => {
                lines.remove(i);
                if lines.is_empty() {
                    lines.push(String::new());
                }
            }
            1 => lines[i].insert(0, ' '),
            2 => {
                if lines[i].starts_with(' ') {
                    lines[i].remove(0);
                }
            }
            3 => {
                let copy = lines[i].clone();
                lines.insert(i, copy);
            }
            4 => {
                let mut at = rng.below(lines[i].len() + 1);
                while !lines[i].is_char_boundary(at) {
                    at -= 1;
                }
                lines[i].truncate(at);
            }
            _ => {
                let line = &mut lines[i];
                let mut at = rng.below(line.len() + 1);
                while !line.is_char_boundary(at) {
                    at -= 1;
                }
                line.insert_str(at, PIECES[rng.below(PIECES.len())]);
            }
        }
    }
    let mut out = lines.join("\n");
    if rng.below(2) == 0 {
        out.push('\n');
    }
    out
}

#[test]
fn both_paths_agree_on_mutated_specs() {
    let root = repository();
    let mut seeds: Vec<String> = yaml_files(&root.join("examples"))
        .into_iter()
        .chain(yaml_files(
            &root.join("crates/kubectl-lattice/tests/fixtures"),
        ))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    seeds.push(
        "a:\n  - b\n  -   c: 1\n      d: 'it''s'\n-\nseq:\n- - x\n  - y\n-\n  m: n\ne:\n---\n---\n"
            .to_owned(),
    );
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut accepted, mut total) = (0, 0);
    // More rounds for a longer hunt: LATTICE_YAML_ROUNDS=2000 cargo test ...
    let rounds = std::env::var("LATTICE_YAML_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(40);
    for round in 0..rounds {
        for (i, seed) in seeds.iter().enumerate() {
            let text = mutate(seed, &mut rng);
            total += 1;
            if same_on(&text, &format!("variant {round}/{i}")) {
                accepted += 1;
            }
        }
    }
    eprintln!("{accepted} of {total} variants took the fast path");
    // Most small mutations leave valid block YAML: the fast path must still
    // be taken for a good share of them, or this test compares nothing.
    assert!(
        accepted * 4 > total,
        "{accepted} of {total} variants accepted"
    );
}

#[test]
fn hand_picked_corners_agree() {
    let cases = [
        "",
        "# only a comment\n",
        "---\n",
        "---\n---\n",
        "a: 1\n---\n",
        "a: 1\n...\n",
        "- a\n- b\n",
        "a:\n- b\n- c\nd: e\n",
        "a:\n  - b\n  - c\n",
        "a:\n-\n  b: c\n",
        "a:\n-   # c\n  b: c\n",
        "a:\n- # c\n\n  - x\n",
        "a:\n  - |\n   x\n  - |-\n    y\n\n  - |+\n    z\n\n\nb: |\n\n  w\n # c\n",
        "- |\n x\n- |\n  y\n   z\n",
        "a: |\n  x\n     \n  y\n",
        "a: |\n  x",
        "a: |\nb: 1\n",
        "a: |2\n   x\n",
        "a: >\n  x\n  y\n",
        "a: | # c\n  x\n",
        "a: |x\n  x\n",
        "a: b\n  c\n",
        "a:\n  b\n",
        "a:   # comment\n  b: c\n",
        "a:  # comment\nb: c\n",
        "a: 'x''y' # c\n",
        "a: \"x\\ny\"\n",
        "\"quoted key\": v\n'single': w\n",
        "a: b: c\n",
        "a: b:\n",
        "a : b\n",
        "a: [1, 2]\n",
        "a: {b: c}\n",
        "a: &x 1\nb: *x\n",
        "a: |\n  text\n",
        "a: !!str 1\n",
        "a: http://x.y/z#frag\n",
        "a: x #c\nb: y#z\n",
        "- - - x\n    - y\n  - z\n",
        "a:\n  b:\n    c:\n  d: 1\n",
        "  a: 1\n  b: 2\n",
        "  a: 1\nb: 2\n",
        "a: 1\na: 2\n",
        "a:\n",
        "a:",
        "-",
        "- \n",
        "key: -1\nother: -x\n",
        "?x: 1\n:y: 2\n",
        "a: 1\r\nb: 2\r\n",
        "a:\tb\n",
        "\u{feff}a: 1\n",
        "a: é\nb: ü: x\n",
        "%YAML 1.2\n---\na: 1\n",
        "--- # c\na: 1\n",
        "--- a\n",
        "a: 1\n--- \nb: 2\n",
        "a: 1\n----\n",
    ];
    for case in cases {
        same_on(case, &format!("{case:?}"));
    }
    let long_key = format!("{}: 1\n", "k".repeat(1100));
    same_on(&long_key, "a key over 1024 characters");
}
