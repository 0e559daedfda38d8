//! Writes a synthetic Lattice workspace for benchmarks: `gen_workspace N SEED OUT_DIR`.
//!
//! N services in N/250 namespaces (one folder per namespace, one file per
//! service, every 25th file holding two documents), 0 to 8 calls each, about
//! 15% of them across namespaces. Both halves of a call are declared except
//! for about 2% (one-sided), about 1% of the workloads are mesh members and a
//! handful accept any caller. The same N and seed give the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// splitmix64: tiny, dependency-free and stable across platforms and releases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(1000) < percent * 10
    }
}

/// What one workload says about one peer.
#[derive(Clone, Copy, Default)]
struct Side {
    outbound: bool,
    inbound: bool,
}

struct Workload {
    namespace: usize,
    mesh_member: bool,
    wildcard: bool,
    peers: BTreeMap<usize, Side>,
}

const PER_NAMESPACE: usize = 250;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, n, seed, out] = args.as_slice() else {
        eprintln!("usage: gen_workspace N SEED OUT_DIR");
        std::process::exit(2);
    };
    let (Ok(n), Ok(seed)) = (n.parse::<usize>(), seed.parse::<u64>()) else {
        eprintln!("N and SEED must be non-negative integers");
        std::process::exit(2);
    };
    if let Err(e) = write(&files(n, seed), Path::new(out)) {
        eprintln!("writing {out}: {e}");
        std::process::exit(2);
    }
}

/// The workspace of `n` services from `seed`: each file's path relative to
/// the workspace folder (`team-000/svc-00000.yaml`) and its text, in the
/// order the files sort by name. The benchmarks that read from memory use
/// this directly.
#[must_use]
pub fn files(n: usize, seed: u64) -> Vec<(String, String)> {
    let workloads = plan(n, seed);
    let mut files = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    let path = |i: usize| format!("{}/{}.yaml", namespace(workloads[i].namespace), name(i));
    for (i, w) in workloads.iter().enumerate() {
        let doc = if w.mesh_member {
            mesh_member(i, w, &workloads)
        } else {
            service(i, w, &workloads)
        };
        // Every 25th file holds its service and the next one in the same namespace.
        if i % 25 == 0 {
            pending = Some((i, doc));
            continue;
        }
        match pending.take() {
            Some((first, text)) if workloads[first].namespace == w.namespace => {
                files.push((path(first), format!("{text}---\n{doc}")));
            }
            Some((first, text)) => {
                files.push((path(first), text));
                files.push((path(i), doc));
            }
            None => files.push((path(i), doc)),
        }
    }
    if let Some((first, text)) = pending {
        files.push((path(first), text));
    }
    files
}

fn plan(n: usize, seed: u64) -> Vec<Workload> {
    let mut rng = Rng(seed);
    let mut workloads: Vec<Workload> = (0..n)
        .map(|i| Workload {
            namespace: i / PER_NAMESPACE,
            mesh_member: rng.chance(1),
            wildcard: false,
            peers: BTreeMap::new(),
        })
        .collect();
    // A few wildcard acceptors, as in a real cluster (a metrics scraper, a gateway).
    for _ in 0..(n / 5000).max(1).min(n) {
        let w = rng.below(n);
        if !workloads[w].mesh_member {
            workloads[w].wildcard = true;
        }
    }

    for caller in 0..n {
        let calls = rng.below(9);
        for _ in 0..calls {
            let callee = if rng.chance(15) {
                rng.below(n)
            } else {
                workloads[caller].namespace * PER_NAMESPACE + rng.below(PER_NAMESPACE)
            };
            if callee == caller || callee >= n {
                continue;
            }
            let one_sided = rng.chance(2);
            workloads[caller].peers.entry(callee).or_default().outbound = true;
            if !one_sided && !workloads[callee].wildcard {
                workloads[callee].peers.entry(caller).or_default().inbound = true;
            }
        }
    }
    workloads
}

fn name(i: usize) -> String {
    format!("svc-{i:05}")
}

fn namespace(i: usize) -> String {
    format!("team-{i:03}")
}

/// Replace `out` with a folder holding `files`.
fn write(files: &[(String, String)], out: &Path) -> std::io::Result<()> {
    if out.exists() {
        std::fs::remove_dir_all(out)?;
    }
    for (path, text) in files {
        let path = out.join(path);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}

fn service(i: usize, w: &Workload, all: &[Workload]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "# {name} (generated)\napiVersion: lattice.dev/v1alpha1\nkind: LatticeService\n\
         metadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    team: {ns}\n\
         spec:\n  replicas: 2\n  workload:\n    containers:\n      main:\n        \
         image: registry.example.com/{ns}/{name}:1.{i}.0\n        resources:\n          \
         requests:\n            cpu: 100m\n            memory: 128Mi\n    service:\n      \
         ports:\n        http:\n          port: 80\n          targetPort: 8080\n",
        name = name(i),
        ns = namespace(w.namespace),
    );
    if i % 3 == 0 {
        s.push_str("        metrics:\n          port: 9090\n");
    }
    if w.peers.is_empty() && !w.wildcard {
        return s;
    }
    s.push_str("    resources:\n");
    if w.wildcard {
        s.push_str("      any-caller:\n        direction: inbound\n        id: \"*\"\n");
    }
    for (&peer, side) in &w.peers {
        let direction = match (side.outbound, side.inbound) {
            (true, true) => "both",
            (false, true) => "inbound",
            _ => "outbound",
        };
        let _ = write!(
            s,
            "      {}:\n        type: service\n        direction: {direction}\n",
            name(peer)
        );
        if all[peer].namespace != w.namespace {
            let _ = writeln!(s, "        namespace: {}", namespace(all[peer].namespace));
        }
    }
    s
}

fn mesh_member(i: usize, w: &Workload, all: &[Workload]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "apiVersion: lattice.dev/v1alpha1\nkind: LatticeMeshMember\nmetadata:\n  \
         name: {name}\n  namespace: {ns}\nspec:\n  target:\n    selector:\n      \
         app: {name}\n  ports:\n    - port: 8080\n      name: http\n",
        name = name(i),
        ns = namespace(w.namespace),
    );
    let mut list = |key: &str, pick: fn(&Side) -> bool| {
        let peers: Vec<usize> = w
            .peers
            .iter()
            .filter(|(_, side)| pick(side))
            .map(|(&p, _)| p)
            .collect();
        if peers.is_empty() {
            return;
        }
        let _ = writeln!(s, "  {key}:");
        for p in peers {
            let _ = writeln!(s, "    - name: {}", name(p));
            if all[p].namespace != w.namespace {
                let _ = writeln!(s, "      namespace: {}", namespace(all[p].namespace));
            }
        }
    };
    list("allowedCallers", |side| side.inbound);
    list("dependencies", |side| side.outbound);
    s
}
