#!/usr/bin/env bash
# Turns the API server of up.sh into a small self-built cluster whose control plane is real and whose kubelets
# and volumes are simulated. Starts, against $K8S_STATE/kubeconfig:
#   - kube-controller-manager and kube-scheduler (real, from build.sh; no node lifecycle controller: see below);
#   - kwok (real, from build.sh) with kwok-stages.yaml: the fake kubelets of the Nodes below;
#   - stand-ins.ts: the stand-in volume provisioner for driver.longhorn.io, the stand-in for the kubelet's volume
#     checks, and the real prometheus-operator once the chart's operator Deployment is applied;
# then registers the Nodes, NAME:ROLE:CPU:MEMORY ..., e.g.
#   sim.sh cp-1:control-plane:2:4Gi worker-1:worker:2:4Gi worker-2:worker:2:4Gi
# Control-plane nodes get kubeadm's label and NoSchedule taint (control-plane-untainted: the label only, as on a
# single-node cluster whose taint was removed). down.sh stops everything (its pids file lists these too).
set -euo pipefail
STATE=${K8S_STATE:?set K8S_STATE to the state folder of a control plane that up.sh started}
KCFG=$STATE/kubeconfig
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
: "${KUBECTL:?set KUBECTL to a kubectl binary}"
K="$KUBECTL --kubeconfig $KCFG"
[ -f "$KCFG" ] || { echo "sim.sh: no $KCFG: run up.sh first" >&2; exit 1; }
DATA=$(cat "$STATE/datadir")
die() { echo "sim.sh: ERROR: $*" >&2; exit 1; }
declare -A DIRS
# (not a process substitution: set -e would not see build.sh fail)
built=$("$HERE/build.sh" kubernetes kwok prometheus-operator) || die "building the harness's programs failed (build.sh's output above)"
while IFS='=' read -r name dir; do DIRS[$name]=$dir; done <<<"$built"
# K8S_BIN_DIR (from up.sh's caller) chooses the Kubernetes version; the newest otherwise.
BIN=${K8S_BIN_DIR:-${DIRS[kubernetes]}}

STARTED=()
start_bg() { # name logfile cmd...
  local name=$1 logf=$2; shift 2
  rm -f "$STATE/$name.pid"
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$STATE/$name.pid" "$@" >"$logf" 2>&1 </dev/null &
  for _ in $(seq 1 50); do [ -s "$STATE/$name.pid" ] && break; sleep 0.1; done
  [ -s "$STATE/$name.pid" ] || die "could not start $name (no pid within 5 s); see $logf"
  echo "$(basename -- "$1") $(cat "$STATE/$name.pid")" >>"$STATE/pids"
  STARTED+=("$name:$(cat "$STATE/$name.pid"):$logf")
}
# Each started process still runs (a taken port or a bad flag ends one at once), and those that serve /healthz
# answer ok: a failure here names the process and its log instead of surfacing later as a deploy that never ends.
check_started() {
  local entry name pid logf port
  for entry in "${STARTED[@]}"; do
    IFS=: read -r name pid logf <<<"$entry"
    [ -d "/proc/$pid" ] || die "$name exited right after it started; see $logf: $(tail -n 5 "$logf" | tr '\n' ' ')"
  done
  for entry in "kube-controller-manager:${CONTROLLER_MANAGER_PORT}" "kube-scheduler:${SCHEDULER_PORT}"; do
    name=${entry%%:*} port=${entry##*:}
    for _ in $(seq 1 120); do
      [ "$(curl -sk --max-time 2 "https://127.0.0.1:$port/healthz" 2>/dev/null)" = ok ] && continue 2
      sleep 0.5
    done
    die "$name did not answer ok on https://127.0.0.1:$port/healthz within 60 s; see $STATE/$name.log"
  done
  for _ in $(seq 1 120); do grep -q 'stand-ins started' "$STATE/stand-ins.log" 2>/dev/null && return 0; sleep 0.5; done
  die "stand-ins.ts did not start within 60 s; see $STATE/stand-ins.log: $(tail -n 5 "$STATE/stand-ins.log" | tr '\n' ' ')"
}
# The node lifecycle controller is off: kwok keeps the nodes' status, and the nodes must never be tainted
# unreachable and their pods evicted because this machine was slow for a moment.
start_bg kube-controller-manager "$STATE/kube-controller-manager.log" "$BIN/kube-controller-manager" \
  --kubeconfig "$KCFG" --authentication-kubeconfig "$KCFG" --authorization-kubeconfig "$KCFG" \
  --bind-address 127.0.0.1 --secure-port "${CONTROLLER_MANAGER_PORT:?}" --leader-elect=false \
  --controllers '*,-node-lifecycle-controller,-node-ipam-controller,-cloud-node-lifecycle-controller,-service-lb-controller,-node-route-controller' \
  --service-account-private-key-file "$DATA/pki/sa.key" --root-ca-file "$DATA/pki/ca.crt" --use-service-account-credentials=false
start_bg kube-scheduler "$STATE/kube-scheduler.log" "$BIN/kube-scheduler" \
  --kubeconfig "$KCFG" --authentication-kubeconfig "$KCFG" --authorization-kubeconfig "$KCFG" \
  --bind-address 127.0.0.1 --secure-port "${SCHEDULER_PORT:?}" --leader-elect=false
start_bg kwok "$STATE/kwok.log" "${DIRS[kwok]}/kwok" \
  --kubeconfig "$KCFG" --config "$HERE/kwok-stages.yaml" \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --cidr=10.244.0.0/16 --node-ip=10.96.0.10
export K8S_STATE="$STATE" PROMETHEUS_OPERATOR="${DIRS[prometheus-operator]}/operator"
start_bg stand-ins "$STATE/stand-ins.log" "$(command -v node)" -r "$ROOT/scripts/register-ts.js" "$HERE/stand-ins.ts"
check_started

for spec in "$@"; do
  IFS=: read -r name role cpu mem <<<"$spec"
  labels="kubernetes.io/hostname: $name
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64"
  taints="[]"
  case $role in
    control-plane|control-plane-untainted)
      labels="$labels
    node-role.kubernetes.io/control-plane: \"\"
    node.kubernetes.io/exclude-from-external-load-balancers: \"\""
      if [ "$role" = control-plane ]; then taints='[{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]'; fi ;;
    worker) ;;
    *) echo "sim.sh: role '$role' of $name must be control-plane, control-plane-untainted or worker" >&2; exit 1 ;;
  esac
  $K apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Node
metadata:
  name: $name
  labels:
    $labels
spec:
  taints: $taints
YAML
  # Capacity and node info first; kwok takes the node over (the annotation) only then, and keeps them.
  $K patch node "$name" --subresource=status --type=merge -p "{\"status\":{\"capacity\":{\"cpu\":\"$cpu\",\"memory\":\"$mem\",\"pods\":\"110\",\"ephemeral-storage\":\"50Gi\"},\"allocatable\":{\"cpu\":\"$cpu\",\"memory\":\"$mem\",\"pods\":\"110\",\"ephemeral-storage\":\"50Gi\"},\"nodeInfo\":{\"kubeletVersion\":\"$("$BIN/kube-apiserver" --version | awk '{print $2}')\",\"operatingSystem\":\"linux\",\"architecture\":\"amd64\",\"containerRuntimeVersion\":\"containerd://2.1.0\",\"kernelVersion\":\"6.8.0\",\"osImage\":\"Ubuntu 24.04 LTS (simulated by kwok)\",\"kubeProxyVersion\":\"\",\"machineID\":\"$name\",\"systemUUID\":\"$name\",\"bootID\":\"$name\"}}}" >/dev/null
  # The API server taints every new node not-ready; the (disabled) node lifecycle controller would lift it.
  $K taint node "$name" node.kubernetes.io/not-ready:NoSchedule- >/dev/null 2>&1 || true
  $K annotate node "$name" kwok.x-k8s.io/node=fake node.alpha.kubernetes.io/ttl=0 >/dev/null
done
for spec in "$@"; do
  name=${spec%%:*}
  $K wait --for=condition=Ready --timeout=60s "node/$name" >/dev/null || { echo "sim.sh: kwok did not make node $name Ready; see $STATE/kwok.log" >&2; exit 1; }
done
echo "sim.sh: controller-manager, scheduler, kwok and stand-ins up; nodes: $($K get nodes --no-headers | awk '{print $1}' | tr '\n' ' ')"
