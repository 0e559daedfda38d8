#!/usr/bin/env bash
# The whole test suite, from a fresh clone on a fresh Debian 12 machine.
#
# Installs what the suite needs (Debian packages, a Python virtualenv, npm
# packages), each step idempotent and cached under .cache/ (or
# $LATTICE_CACHE), then runs: formatting, lints, the Rust tests including
# those that need the installed tools, the docs build, and the end-to-end
# tests that drive the real binary through kubectl and check SARIF against
# its JSON schema.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cache=${LATTICE_CACHE:-$root/.cache}
mkdir -p "$cache"

step() { printf '\n==> %s\n' "$*"; }

# Re-run a setup step only when its inputs changed: $1 names the step, the
# rest of the arguments are the files whose content decides.
fresh() {
  local name=$1
  shift
  local stamp="$cache/$name.stamp"
  local want
  want=$(cat "$@" | sha256sum | cut -d' ' -f1)
  [[ -f $stamp && $(cat "$stamp") == "$want" ]]
}
stamp() {
  local name=$1
  shift
  cat "$@" | sha256sum | cut -d' ' -f1 >"$cache/$name.stamp"
}

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    step "apt-get install ${missing[*]}"
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

step "tools"
command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup first" >&2; exit 2; }
command -v python3 >/dev/null || apt_install python3 python3-venv
command -v npm >/dev/null || apt_install nodejs npm
# kubectl: the machine image ships one; Debian's kubernetes-client is the fallback.
command -v kubectl >/dev/null || apt_install kubernetes-client
# Neovim: the language server's tests drive a real headless editor.
command -v nvim >/dev/null || apt_install neovim
# Graphviz: the DOT output of `graph` is read by the real `dot`.
command -v dot >/dev/null || apt_install graphviz
cargo --version
python3 --version
kubectl version --client 2>/dev/null | head -n 1

step "python virtualenv (.cache/venv)"
venv="$cache/venv"
if ! fresh venv tests/e2e/requirements.txt tests/lsp/requirements.txt || [[ ! -x $venv/bin/python ]]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r tests/e2e/requirements.txt
  "$venv/bin/pip" install -q --disable-pip-version-check -r tests/lsp/requirements.txt
  stamp venv tests/e2e/requirements.txt tests/lsp/requirements.txt
fi

step "npm packages (.cache/npm)"
npm_dir="$cache/npm"
if ! fresh npm tests/e2e/package.json || [[ ! -d $npm_dir/node_modules ]]; then
  rm -rf "$npm_dir"
  mkdir -p "$npm_dir"
  cp tests/e2e/package.json "$npm_dir/"
  (cd "$npm_dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  stamp npm tests/e2e/package.json
fi
export LATTICE_SARIF_SCHEMA="$npm_dir/node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json"

step "VS Code extension: typecheck, bundle, package (.cache/vscode)"
vsix="$cache/vscode/lattice.vsix"
(
  cd editors/vscode
  if ! fresh vscode package-lock.json || [[ ! -d node_modules ]]; then
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    stamp vscode package-lock.json
  fi
  npm run -s typecheck
  npm run -s build >/dev/null
  mkdir -p "$(dirname "$vsix")"
  rm -f "$vsix"
  npx --no-install vsce package --no-dependencies --skip-license --out "$vsix" >/dev/null
)
[[ -s $vsix ]] || { echo "the VS Code extension was not packaged: $vsix is missing" >&2; exit 1; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --locked --workspace --all-targets -- -D warnings

step "fuzz targets type-check (fuzz/, its own workspace)"
# They run under cargo-fuzz on nightly (fuzz/run.sh), which CI does not
# install; checking them here keeps an API change from breaking them
# unnoticed. The inputs they ever failed on run in `cargo test`
# (crates/lattice-core/tests/hostile_inputs.rs). libFuzzer's build script
# needs a C++ compiler.
command -v c++ >/dev/null || apt_install g++
RUSTFLAGS="--cfg fuzzing" cargo check --locked --quiet --manifest-path fuzz/Cargo.toml --bins

step "cargo doc"
RUSTDOCFLAGS=-Dwarnings cargo doc --locked --workspace --no-deps --quiet

step "upstream CRDs (Go modules, cached in ${XDG_CACHE_HOME:-~/.cache}/kubectl-lattice)"
# The schema tests (Rust and Python) validate generated policies against them.
command -v go >/dev/null || apt_install golang-go
LATTICE_CRDS_DIR=$(scripts/fetch-crds.sh)
export LATTICE_CRDS_DIR

step "test API server (etcd and kube-apiserver built from their Go modules)"
# Built once per machine and version (tests/cluster/cluster.sh caches the
# binaries under ${XDG_CACHE_HOME:-~/.cache}/kubectl-lattice), started on
# loopback for the cluster tests, and stopped on exit whatever happens.
cluster_dir=$(mktemp -d)
stop_cluster() {
  bash tests/cluster/cluster.sh stop "$cluster_dir"
  rm -rf "$cluster_dir"
}
trap stop_cluster EXIT
trap 'exit 130' INT TERM
bash tests/cluster/cluster.sh start "$cluster_dir"
# shellcheck disable=SC1091
. "$cluster_dir/env"

step "cargo test"
# Tests marked #[ignore] need the tools installed above; they run here.
CI=true cargo test --locked --workspace -- --include-ignored

step "end-to-end tests (pytest)"
cargo build --locked --quiet --bin kubectl-lattice
export LATTICE_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/kubectl-lattice"
"$venv/bin/python" -m pytest -q tests/e2e

step "policy tests (CRD schemas, independent Cilium/Istio evaluator, property test)"
"$venv/bin/python" -m pytest -q tests/policy

step "language server tests (pytest-lsp, headless Neovim)"
"$venv/bin/python" -m pytest -q tests/lsp
