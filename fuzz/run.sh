#!/usr/bin/env bash
# Run every fuzz target for a bounded time, one after the other, and print
# what each did (executions, time, crashes).
#
#   fuzz/run.sh [SECONDS] [TARGET...]     default: 120 seconds, every target
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# The corpus grows under fuzz/corpus/<target>/ (seeded from examples/ for
# the reader) and is not committed; crashes land in fuzz/artifacts/<target>/.
# A crash is fixed in the code and its minimized input
# (`cargo +nightly fuzz tmin <target> <artifact>`) kept as a regression test
# beside the other hostile inputs (crates/lattice-core/tests/hostile-inputs/,
# run by crates/lattice-core/tests/hostile_inputs.rs).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
seconds=${1:-120}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(read_spec pipeline lsp_edits)

mkdir -p logs
# The reader starts from real specs and from the inputs that once crashed.
mkdir -p corpus/read_spec
find ../examples ../crates/kubectl-lattice/tests/fixtures ../crates/lattice-core/tests/hostile-inputs \
  -type f \( -name '*.yaml' -o -name '*.yml' \) -size -64k 2>/dev/null |
  while read -r f; do cp -n "$f" "corpus/read_spec/$(sha1sum "$f" | cut -c1-16)"; done

status=0
printf '%-10s %12s %8s %9s  %s\n' target executions seconds exec/s result
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "artifacts/$target"
  log="logs/$target.log"
  dict=()
  [[ -f dicts/$target.dict ]] && dict=(-dict="dicts/$target.dict")
  start=$(date +%s)
  # Safe Rust needs no AddressSanitizer; debug assertions catch integer
  # overflow, which release builds would wrap silently.
  cargo +nightly fuzz run -O --sanitizer none --debug-assertions "$target" "corpus/$target" -- "${dict[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -print_final_stats=1 >"$log" 2>&1
  rc=$?
  took=$(($(date +%s) - start))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -n1 | grep -o '[0-9]*$')
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -n1 | grep -o '[0-9]*$')
  if ((rc == 0)); then
    result=ok
  else
    result="CRASH (exit $rc): $(grep -o 'artifacts/[^ ]*' "$log" | tail -n1)"
    status=1
  fi
  printf '%-10s %12s %8s %9s  %s\n' "$target" "${execs:-?}" "$took" "${rate:-?}" "$result"
done
exit $status
