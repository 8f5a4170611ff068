#!/usr/bin/env bash
# Stops what up.sh and sim.sh started: kills exactly the PIDs listed in $K8S_STATE/pids
# (only if each PID still runs the binary it was recorded for), then removes the
# temp data dir recorded in $K8S_STATE/datadir and the kubeconfig.
# Logs ($K8S_STATE/*.log) are kept for inspection.
set -uo pipefail

STATE=${K8S_STATE:?set K8S_STATE to the state folder of this control plane}
log() { echo "down.sh: $*"; }

pid_matches() { # pid name -> true if pid is alive and runs the binary "name"
  local pid=$1 name=$2 exe
  [[ "$pid" =~ ^[0-9]+$ ]] && [ -d "/proc/$pid" ] || return 1
  exe=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n1) || return 1
  [ "$(basename -- "$exe")" = "$name" ]
}

if [ -f "$STATE/pids" ]; then
  # stop the API server before etcd: reverse order of start; but sim.sh's stand-ins (node) first of all, which stop
  # the prometheus-operators they started and would start again any stopped before them
  mapfile -t entries < <(tac "$STATE/pids" | awk '$1 == "node"'; tac "$STATE/pids" | awk '$1 != "node"')
  for entry in "${entries[@]}"; do
    read -r name pid <<<"$entry"
    [ -n "${name:-}" ] || continue
    if pid_matches "$pid" "$name"; then
      log "stopping $name (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do pid_matches "$pid" "$name" || break; sleep 0.2; done
      if pid_matches "$pid" "$name"; then
        log "$name (pid $pid) still running after 20s; sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.5
      fi
    else
      log "$name (pid ${pid:-?}) is not running"
    fi
  done
  rm -f "$STATE/pids"
else
  log "nothing recorded in $STATE/pids (not started by up.sh, or already down)"
fi
rm -f "$STATE"/*.pid

if [ -f "$STATE/datadir" ]; then
  d=$(cat "$STATE/datadir")
  case "$d" in
    "$STATE"/data.*)
      if [ -d "$d" ]; then rm -rf -- "$d" && log "removed data dir $d"; fi ;;
    *) log "refusing to remove unexpected data dir path '$d'" ;;
  esac
  rm -f "$STATE/datadir"
fi
rm -f "$STATE/kubeconfig"
log "down"
