#!/usr/bin/env bash
# Fetch the upstream CRDs that generated policies are validated against, from
# the Go modules of Cilium and Istio at pinned versions, so the suite needs
# nothing beside the repository.
#
# The files land in the machine-level cache (${XDG_CACHE_HOME:-~/.cache}/
# kubectl-lattice), not in the clone: every clone on the machine, CI's fresh
# one included, reuses them, and the Go module downloads behind them. A
# complete, verified folder is reused without touching the network.
#
# Prints the folder on stdout (for LATTICE_CRDS_DIR); progress and the
# comparison with ../shared/crds go to stderr. Exit 2 when a module cannot be
# fetched or a file is not the pinned one.
set -euo pipefail

cilium_module=github.com/cilium/cilium
cilium_version=v1.19.1
cilium_dir=pkg/k8s/apis/cilium.io/client/crds/v2

# Istio tags releases `1.29.1`, which is not a semantic version, so the module
# proxy may refuse istio.io/istio at that tag. The CRDs are then taken from
# istio.io/api at the version that Istio's client library of the same release
# (istio.io/client-go v1.29.1) requires: the commit the release was cut from.
istio_module=istio.io/istio
istio_version=1.29.1
istio_chart_file=manifests/charts/base/files/crd-all.gen.yaml
istio_client_module=istio.io/client-go
istio_client_version=v1.29.1
istio_api_module=istio.io/api
istio_api_file=kubernetes/customresourcedefinitions.gen.yaml

# The files as the repository expects them. The pins make a changed upstream
# file (or a wrong cut of Istio's multi-document file) fail here, not as a
# puzzling validation result later.
declare -A sha256=(
  [cilium.io_ciliumnetworkpolicies.yaml]=1b1738a904de1152c43078e6a873440aea100f30f10ce5ed4e8622524c13fa43
  [cilium.io_ciliumclusterwidenetworkpolicies.yaml]=ae742b7ad66ddb4af752b6ae9787f2d3bc4597e3f29df80417967767f9bf2a79
  [security.istio.io_authorizationpolicies.yaml]=1b04947d1d5a4ec01dd7d44080c83be3b626648812fc41e3be5efb7735873db3
  [security.istio.io_peerauthentications.yaml]=c4896e77c84c454f79bbb592c16ec04a86519c28f617ab5c3d7618279c20b77b
)

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-lattice
out="$cache/crds/cilium-$cilium_version-istio-$istio_version"

say() { printf '%s\n' "$*" >&2; }
fail() {
  say "fetch-crds: $*"
  exit 2
}

verified() {
  local dir=$1 file
  for file in "${!sha256[@]}"; do
    [[ -f $dir/$file ]] || return 1
    [[ $(sha256sum "$dir/$file" | cut -d' ' -f1) == "${sha256[$file]}" ]] || return 1
  done
}

# The copies kept beside the repository for reference, when there are any.
compare_with_shared() {
  local shared="$root/../shared/crds" file
  if [[ ! -d $shared ]]; then
    say "fetch-crds: no ../shared/crds beside the repository to compare with"
    return
  fi
  for file in $(printf '%s\n' "${!sha256[@]}" | sort); do
    if [[ ! -f $shared/$file ]]; then
      say "fetch-crds: $file: not in ../shared/crds"
    elif cmp -s "$out/$file" "$shared/$file"; then
      say "fetch-crds: $file: identical to ../shared/crds/$file"
    else
      say "fetch-crds: $file: DIFFERS from ../shared/crds/$file"
    fi
  done
}

if verified "$out"; then
  compare_with_shared
  printf '%s\n' "$out"
  exit 0
fi

command -v go >/dev/null || fail "the go command is needed to download the CRDs' Go modules"

# A private GOPATH keeps these downloads out of the user's module cache and
# lets every clone share them.
export GOPATH="$cache/go"
export GOMODCACHE="$cache/go/pkg/mod"
export GOFLAGS=-mod=mod
export GOTOOLCHAIN=local
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Outside any module, so that no go.mod around the clone takes part.
cd "$work"

# `go mod download -json` prints one object; pick a string field from it.
field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}\$/\1/p"; }

download() {
  local json
  json=$(go mod download -json "$1" 2>/dev/null) || {
    say "fetch-crds: $1: $(field Error <<<"$json" | sed 's/\\n.*//')"
    return 1
  }
  printf '%s\n' "$json"
}

# Print the document of a multi-document YAML file whose metadata.name is $2,
# cut at its `---` lines and otherwise unchanged.
cut_document() {
  awk -v name="  name: $2" '
    /^---$/ { if (hit) exit; doc = ""; next }
    { doc = doc $0 "\n"; if ($0 == name) hit = 1 }
    END { if (hit) printf "%s", doc }
  ' "$1"
}

staging="$work/crds"
mkdir -p "$staging"

say "fetch-crds: $cilium_module@$cilium_version"
cilium_json=$(download "$cilium_module@$cilium_version") || fail "could not download $cilium_module@$cilium_version"
cilium_src=$(field Dir <<<"$cilium_json")
for kind in ciliumnetworkpolicies ciliumclusterwidenetworkpolicies; do
  cp "$cilium_src/$cilium_dir/$kind.yaml" "$staging/cilium.io_$kind.yaml"
done
sources="$cilium_module@$cilium_version $(field Sum <<<"$cilium_json")"

say "fetch-crds: $istio_module@$istio_version"
if istio_json=$(download "$istio_module@$istio_version"); then
  istio_src="$(field Dir <<<"$istio_json")/$istio_chart_file"
  sources+=$'\n'"$istio_module@$istio_version $(field Sum <<<"$istio_json")"
else
  say "fetch-crds: falling back to $istio_api_module at the version $istio_client_module@$istio_client_version requires"
  client_json=$(download "$istio_client_module@$istio_client_version") ||
    fail "could not download $istio_client_module@$istio_client_version"
  api_version=$(awk -v m="$istio_api_module" '$1 == m { print $2; exit }' "$(field GoMod <<<"$client_json")")
  [[ -n $api_version ]] || fail "$istio_client_module@$istio_client_version does not require $istio_api_module"
  say "fetch-crds: $istio_api_module@$api_version"
  api_json=$(download "$istio_api_module@$api_version") || fail "could not download $istio_api_module@$api_version"
  istio_src="$(field Dir <<<"$api_json")/$istio_api_file"
  sources+=$'\n'"$istio_api_module@$api_version $(field Sum <<<"$api_json")"
fi
for kind in authorizationpolicies peerauthentications; do
  cut_document "$istio_src" "$kind.security.istio.io" >"$staging/security.istio.io_$kind.yaml"
done

chmod u+w "$staging"/*
if ! verified "$staging"; then
  for file in $(printf '%s\n' "${!sha256[@]}" | sort); do
    say "fetch-crds: $file: sha256 $(sha256sum "$staging/$file" | cut -d' ' -f1), pinned ${sha256[$file]}"
  done
  fail "the fetched CRDs are not the pinned files"
fi
printf '%s\n' "$sources" >"$staging/SOURCES"

# Publish whole: a concurrent run either finds the complete folder or
# publishes its own identical one.
mkdir -p "$(dirname "$out")"
rm -rf "$out.partial.$$"
mv "$staging" "$out.partial.$$"
if ! mv -T "$out.partial.$$" "$out" 2>/dev/null; then
  rm -rf "$out.partial.$$"
  if ! verified "$out"; then
    rm -rf "$out"
    fail "$out held other files; removed it, run again"
  fi
fi
compare_with_shared
printf '%s\n' "$out"
