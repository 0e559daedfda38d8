#!/usr/bin/env bash
# Reproduces every figure of BENCHMARKS.md: builds the release binary, generates
# workspaces of 1k, 10k and 50k services, times the commands end to end
# (hyperfine), records peak memory (/usr/bin/time -v), measures the language
# server's edit latency, and draws bench/scaling.svg.
#
# Needs hyperfine, GNU time and python3; installs the first two with apt-get
# when they are missing.
# Workspaces go to $BENCH_DIR (default target/bench); results to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

BENCH_DIR=${BENCH_DIR:-target/bench}
SIZES=${SIZES:-"1000 10000 50000"}
SEED=${SEED:-42}
RESULTS=bench/results
mkdir -p "$BENCH_DIR" "$RESULTS"

# `--example` alone would build only the examples, so the binary is built on its own.
cargo build --release -p kubectl-lattice
cargo build --release -p lattice-core --example gen_workspace
TARGET=${CARGO_TARGET_DIR:-target}
BIN=$TARGET/release/kubectl-lattice
GEN=$TARGET/release/examples/gen_workspace

record() { # size, command (no commas), peak RSS: a line of cli.csv from hyperfine's last export
  python3 - "$BENCH_DIR/h.json" "$1" "$2" "$3" >>"$RESULTS/cli.csv" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"{sys.argv[2]},{sys.argv[3]},{r['mean']:.3f},{r['stddev'] or 0:.3f},{r['min']:.3f},{r['max']:.3f},{sys.argv[4]}")
PY
}

peak_rss() { # peak resident set of a command, in MiB
  /usr/bin/time -v "$@" >/dev/null 2>"$BENCH_DIR/time.txt" || true
  awk '/Maximum resident set size/ { printf "%.0f\n", $6 / 1024 }' "$BENCH_DIR/time.txt"
}

echo "size,command,mean_s,stddev_s,min_s,max_s,peak_rss_mib" >"$RESULTS/cli.csv"
for n in $SIZES; do
  ws="$BENCH_DIR/ws-$n"
  "$GEN" "$n" "$SEED" "$ws"
  runs=5
  [ "$n" -ge 50000 ] && runs=3
  for cmd in check compile; do
    # check exits 1 on the generated one-sided calls; that is its answer, not a failure.
    hyperfine --warmup 1 --runs "$runs" -i --export-json "$BENCH_DIR/h.json" \
      "$BIN $cmd $ws -o json" >/dev/null
    rss=$(peak_rss "$BIN" "$cmd" "$ws" -o json)
    record "$n" "$cmd" "$rss"
  done
done

largest=$(echo "$SIZES" | tr ' ' '\n' | sort -n | tail -1)
ws="$BENCH_DIR/ws-$largest"
# A second version of the largest workspace for `diff`: 100 files whose calls
# turned around, as a week of changes might.
changed="$BENCH_DIR/ws-$largest-changed"
rm -rf "$changed" && cp -r "$ws" "$changed"
find "$changed" -name '*.yaml' | sort | awk 'NR % 480 == 0 && n++ < 100' |
  xargs sed -i 's/direction: inbound/direction: outbound/'
first=$(find "$ws" -name '*.yaml' | sort | sed -n 1p)
last=$(find "$ws" -name '*.yaml' | sort | tail -1)
ns_of() { basename "$(dirname "$1")"; }
a="$(ns_of "$first")/$(basename "$first" .yaml)"
z="$(ns_of "$last")/$(basename "$last" .yaml)"
while IFS='|' read -r name args; do
  # shellcheck disable=SC2086 # the arguments are meant to split
  hyperfine --warmup 1 --runs 3 -i --export-json "$BENCH_DIR/h.json" "$BIN $args" >/dev/null
  # shellcheck disable=SC2086
  rss=$(peak_rss "$BIN" $args)
  record "$largest" "$name" "$rss"
done <<QUERIES
explain|explain $a $z $ws
path|path $a $z $ws
graph --from --depth all|graph --from $a --depth all -o json $ws
graph (whole)|graph -o json $ws
diff|diff $ws $changed -o json
QUERIES

# Workspaces unlike the generator's, at 10k services, each made from the
# generated one by editing its files: no service declares ports (every
# callee gets a no-ports warning); every namespace is `default` and the calls
# to one service in ten name it by a name that exists nowhere (a rename, so
# every one gets a "did you mean" searched among 10,000 names); one spec in
# seven has an out-of-range port (compile lists the agreements it loses);
# every service calls one shared service (bench/hub.py).
SHAPE_N=${SHAPE_N:-10000}
[ -d "$BENCH_DIR/ws-$SHAPE_N" ] || "$GEN" "$SHAPE_N" "$SEED" "$BENCH_DIR/ws-$SHAPE_N"
shape() { # name, sed script, every how many files (1 for all)
  local out="$BENCH_DIR/ws-$SHAPE_N-$1"
  rm -rf "$out" && cp -r "$BENCH_DIR/ws-$SHAPE_N" "$out"
  find "$out" -name '*.yaml' | sort | awk -v k="$3" 'NR % k == 0' | xargs sed -i -E "$2"
}
shape noports '/^    service:$/d; /^      ports:$/d; /^        (http|metrics):$/d; /^          (port|targetPort): [0-9]+$/d' 1
shape renamed 's/^(  |      |        )namespace: team-[0-9]+$/\1namespace: default/; s/^      svc-([0-9]+)7:$/      gone-\17:/' 1
shape faulty 's/^          port: 80$/          port: 99999/' 7
# And every service calling one shared service, which names all of them.
python3 bench/hub.py "$BENCH_DIR/ws-$SHAPE_N" "$BENCH_DIR/ws-$SHAPE_N-hub"
while IFS='|' read -r name args; do
  # shellcheck disable=SC2086 # the arguments are meant to split
  hyperfine --warmup 1 --runs 5 -i --export-json "$BENCH_DIR/h.json" "$BIN $args" >/dev/null
  # shellcheck disable=SC2086
  rss=$(peak_rss "$BIN" $args)
  record "$SHAPE_N" "$name" "$rss"
done <<SHAPES
check: no ports|check $BENCH_DIR/ws-$SHAPE_N-noports -o json
check: renamed services in one namespace|check $BENCH_DIR/ws-$SHAPE_N-renamed -o json
compile: one spec in seven faulty|compile $BENCH_DIR/ws-$SHAPE_N-faulty --allow-partial -o json
check: one service called by all|check $BENCH_DIR/ws-$SHAPE_N-hub -o json
SHAPES

# The language server on 10k services: 50 edits, each changing two files' diagnostics.
LSP_N=${LSP_N:-10000}
[ -d "$BENCH_DIR/ws-$LSP_N" ] || "$GEN" "$LSP_N" "$SEED" "$BENCH_DIR/ws-$LSP_N"
/usr/bin/time -v python3 bench/lsp_edit.py "$BIN" "$BENCH_DIR/ws-$LSP_N" 50 \
  >"$RESULTS/lsp.txt" 2>"$BENCH_DIR/time.txt"
awk '/Maximum resident set size/ { printf "peak RSS (largest of client and server): %.0f MiB\n", $6 / 1024 }' \
  "$BENCH_DIR/time.txt" >>"$RESULTS/lsp.txt"
# And editing the shared service of the shared-service workspace, whose
# every caller's diagnostics depend on it: 20 edits.
hub="$BENCH_DIR/ws-$SHAPE_N-hub"
python3 bench/lsp_edit.py "$BIN" "$hub" 20 "$(find "$hub" -name '*.yaml' | sort | head -1)" \
  >"$RESULTS/lsp-shared.txt"

python3 bench/plot.py "$RESULTS/cli.csv" bench/scaling.svg
cat "$RESULTS/cli.csv" "$RESULTS/lsp.txt" "$RESULTS/lsp-shared.txt"
