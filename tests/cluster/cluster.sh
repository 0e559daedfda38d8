#!/usr/bin/env bash
# A throwaway Kubernetes control plane for the cluster tests: etcd and
# kube-apiserver on 127.0.0.1, no nodes, no controllers.
#
#   cluster.sh build          build etcd and kube-apiserver (cached per version)
#   cluster.sh start DIR [PID]
#                             start both with state in DIR, install the CRDs,
#                             write DIR/*.kubeconfig and DIR/env; with PID, stop
#                             them (and remove DIR) once that process is gone
#   cluster.sh stop DIR       stop what `start DIR` started and remove its state
#   cluster.sh env DIR        print the variables the tests read (sourceable)
#
# The binaries are built from their Go modules (the go.mod files beside this
# script pin the versions) and kept in a machine-level cache,
# ${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-lattice/bin, keyed by the content of
# those go.mod/go.sum files: a fresh clone in another folder reuses the build.
#
# Security: the admin user is a static token and a client certificate made
# for this run only; everything listens on loopback.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
machine_cache=${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-lattice

log() { printf 'cluster: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 2
}

# The cache key of a Go program: its sources, pinned dependencies and link flags.
key_of() {
  { cat "$1/go.mod" "$1/go.sum" "$1"/*.go && printf '%s' "$2"; } | sha256sum | cut -c1-16
}

# build_one NAME DIR LDFLAGS: prints the path of the cached binary.
build_one() {
  local name=$1 dir=$2 ldflags=$3
  local bin="$machine_cache/bin/$name-$(key_of "$dir" "$ldflags")"
  if [[ ! -x $bin ]]; then
    command -v go >/dev/null || die "go is missing: the test cluster is built from Go modules"
    mkdir -p "$machine_cache/bin"
    log "building $name (first time on this machine; cached in $machine_cache/bin)"
    local start=$SECONDS
    # Two builds of the same key racing (two clones on one machine) each
    # write their own file; the rename makes whichever finishes last win
    # without anyone seeing a half-written binary.
    (cd "$dir" && GOTOOLCHAIN=local go build -buildvcs=false -trimpath -ldflags "-s -w $ldflags" -o "$bin.tmp.$$" .)
    mv -f "$bin.tmp.$$" "$bin"
    log "built $name in $((SECONDS - start)) s"
  fi
  printf '%s\n' "$bin"
}

kube_version() {
  awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit }
       $1 == "require" && $2 == "k8s.io/kubernetes" { print $3; exit }' "$here/apiserver/go.mod"
}

# Without these the server reports v0.0.0, which kubectl and kube-rs warn about.
version_ldflags() {
  local version major minor
  version=$(kube_version)
  major=${version#v}
  major=${major%%.*}
  minor=$(cut -d. -f2 <<<"$version")
  local pkg=k8s.io/component-base/version
  printf '%s' "-X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
}

cmd_build() {
  build_one etcd "$here/etcd" "" >/dev/null
  build_one kube-apiserver "$here/apiserver" "$(version_ldflags)" >/dev/null
}

# A free TCP port on loopback. Another process may take it before the server
# binds it; start then fails and says which port.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# make_certs DIR: a CA, the API server's serving certificate for
# 127.0.0.1/localhost, and the service-account signing key. rustls (the
# tool's TLS stack) insists on v3 certificates with the right extensions.
make_certs() {
  local pki=$1/pki
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=lattice-test-ca \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver \
    -keyout "$pki/apiserver.key" -out "$pki/apiserver.csr" 2>/dev/null
  printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' \
    'extendedKeyUsage=serverAuth' 'subjectAltName=IP:127.0.0.1,DNS:localhost' >"$pki/apiserver.ext"
  openssl x509 -req -in "$pki/apiserver.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
    -CAcreateserial -days 2 -extfile "$pki/apiserver.ext" -out "$pki/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
}

# wait_ready URL TOKEN SECONDS PIDFILE LOG
wait_ready() {
  local url=$1 token=$2 deadline=$((SECONDS + $3)) pidfile=$4 logfile=$5
  until curl -sk --max-time 2 -H "Authorization: Bearer $token" "$url" 2>/dev/null | grep -qx ok; do
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      tail -n 30 "$logfile" >&2
      die "$(basename "$pidfile" .pid) exited during start (log: $logfile)"
    fi
    ((SECONDS < deadline)) || die "no answer from $url within $3 s (log: $logfile)"
    sleep 0.5
  done
}

# start_apiserver DIR NAME ETCD_URL PREFIX: one API server; its kubeconfig
# is DIR/NAME.kubeconfig.
start_apiserver() {
  local dir=$1 name=$2 etcd_url=$3 prefix=$4
  local port token
  port=$(free_port)
  token=$(cat "$dir/admin.token")
  "$apiserver_bin" \
    --etcd-servers="$etcd_url" --etcd-prefix="$prefix" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$port" \
    --tls-cert-file="$dir/pki/apiserver.crt" --tls-private-key-file="$dir/pki/apiserver.key" \
    --client-ca-file="$dir/pki/ca.crt" \
    --token-auth-file="$dir/tokens.csv" \
    --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$dir/pki/sa.pub" \
    --service-account-signing-key-file="$dir/pki/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 \
    --cert-dir="$dir/pki/$name" \
    >"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
  wait_ready "https://127.0.0.1:$port/readyz" "$token" 120 "$dir/$name.pid" "$dir/$name.log"
  cat >"$dir/$name.kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: lattice-test
    cluster:
      server: https://127.0.0.1:$port
      certificate-authority: $dir/pki/ca.crt
users:
  - name: admin
    user:
      token: $token
contexts:
  - name: lattice-test
    context:
      cluster: lattice-test
      user: admin
current-context: lattice-test
KUBECONFIG
  log "$name: kube-apiserver on https://127.0.0.1:$port (pid $(cat "$dir/$name.pid"))"
}

cmd_start() {
  local dir=${1:?usage: cluster.sh start DIR [PID]}
  local owner=${2:-}
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [[ ! -f $dir/etcd.pid ]] || die "$dir already holds a cluster: stop it first"
  # Whatever fails below, nothing that was started stays behind.
  cluster_dir=$dir
  trap '[[ -n ${cluster_started:-} ]] || cmd_stop "$cluster_dir"' EXIT
  trap 'exit 2' INT TERM

  local etcd_bin
  etcd_bin=$(build_one etcd "$here/etcd" "")
  apiserver_bin=$(build_one kube-apiserver "$here/apiserver" "$(version_ldflags)")
  local crds
  crds=$("$root/scripts/fetch-crds.sh" 2>"$dir/fetch-crds.log") ||
    die "the Cilium and Istio CRDs could not be fetched: $(tail -n 3 "$dir/fetch-crds.log")"

  make_certs "$dir"
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/admin.token"
  printf '%s,lattice-admin,lattice-admin,"system:masters"\n' "$(cat "$dir/admin.token")" >"$dir/tokens.csv"

  local client_port peer_port
  client_port=$(free_port)
  peer_port=$(free_port)
  local etcd_url=http://127.0.0.1:$client_port
  "$etcd_bin" --name=lattice-test --data-dir="$dir/etcd" \
    --listen-client-urls="$etcd_url" --advertise-client-urls="$etcd_url" \
    --listen-peer-urls="http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls="http://127.0.0.1:$peer_port" \
    --initial-cluster="lattice-test=http://127.0.0.1:$peer_port" \
    --unsafe-no-fsync --log-level=warn \
    >"$dir/etcd.log" 2>&1 &
  echo $! >"$dir/etcd.pid"
  local deadline=$((SECONDS + 60))
  until curl -s --max-time 2 "$etcd_url/health" 2>/dev/null | grep -q '"health":"true"'; do
    kill -0 "$(cat "$dir/etcd.pid")" 2>/dev/null || die "etcd exited during start (log: $dir/etcd.log)"
    ((SECONDS < deadline)) || die "etcd did not become healthy within 60 s (log: $dir/etcd.log)"
    sleep 0.2
  done
  log "etcd on $etcd_url (pid $(cat "$dir/etcd.pid"))"

  # The main server gets every CRD; the bare one, sharing etcd under another
  # prefix, none: the tests of "CRDs missing" run against it.
  start_apiserver "$dir" apiserver "$etcd_url" /registry &
  local main=$!
  start_apiserver "$dir" bare "$etcd_url" /registry-bare &
  local bare=$!
  wait "$main" || die "the main API server did not start"
  wait "$bare" || die "the bare API server did not start"

  local kubectl=(kubectl --kubeconfig "$dir/apiserver.kubeconfig")
  "${kubectl[@]}" apply -f "$root/deploy/crds/" -f "$crds/" >"$dir/crds.log" 2>&1 ||
    die "the CRDs were not installed: $(tail -n 5 "$dir/crds.log")"
  "${kubectl[@]}" wait --for condition=established --timeout=60s crd --all >/dev/null

  cmd_env "$dir" >"$dir/env"
  cluster_started=1
  if [[ -n $owner ]]; then
    # A test binary that started the cluster for itself cannot be relied on
    # to stop it (test harnesses have no teardown), so this watcher does.
    setsid bash -c '
      while kill -0 "$1" 2>/dev/null; do sleep 1; done
      bash "$2" stop "$3"
      rm -rf "$3"
    ' watcher "$owner" "$here/cluster.sh" "$dir" </dev/null >/dev/null 2>&1 &
  fi
  log "ready: . $dir/env"
}

# stop_pid FILE: stop the process whose id FILE holds, if it still runs.
stop_pid() {
  local pidfile=$1 pid
  [[ -f $pidfile ]] || return 0
  pid=$(cat "$pidfile")
  if kill "$pid" 2>/dev/null; then
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

cmd_stop() {
  local dir=${1:?usage: cluster.sh stop DIR}
  [[ -d $dir ]] || return 0
  stop_pid "$dir/apiserver.pid"
  stop_pid "$dir/bare.pid"
  stop_pid "$dir/etcd.pid"
  # Only what start made: the folder may be the caller's own.
  rm -rf "$dir/etcd" "$dir/pki" "$dir"/*.log "$dir"/*.kubeconfig "$dir/env" \
    "$dir/admin.token" "$dir/tokens.csv" "$dir/fetch-crds.log" "$dir/crds.log"
}

cmd_env() {
  local dir=${1:?usage: cluster.sh env DIR}
  dir=$(cd "$dir" && pwd)
  [[ -f $dir/apiserver.kubeconfig ]] || die "no cluster in $dir: run cluster.sh start $dir"
  printf 'export LATTICE_TEST_KUBECONFIG=%q\n' "$dir/apiserver.kubeconfig"
  printf 'export LATTICE_TEST_BARE_KUBECONFIG=%q\n' "$dir/bare.kubeconfig"
  printf 'export LATTICE_TEST_CLUSTER_DIR=%q\n' "$dir"
}

case ${1:-} in
build) cmd_build ;;
start) cmd_start "${2:-}" "${3:-}" ;;
stop) cmd_stop "${2:-}" ;;
env) cmd_env "${2:-}" ;;
*)
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
