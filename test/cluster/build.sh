#!/usr/bin/env bash
# Builds the Go programs of the cluster harness from the Go module proxy, at pinned versions, into a cache folder
# outside the repository: one folder per program and version, reused by every later run (and by CI on the same
# machine). Nothing is downloaded from anywhere but the Go module proxy.
#
#   test/cluster/build.sh [kubernetes] [kubernetes-oldest] [kwok] [prometheus-operator] [prometheus] [alertmanager] [gateway-api-crds]   (default: all)
#
# Prints the folder of each program it was asked for, one "name=folder" line each. A folder holds its binaries and
# a `built` marker; it is written under a temporary name and renamed when complete, so an interrupted build never
# leaves a half-built folder that a later run would trust.
#
# Modules with replace directives (k8s.io/kubernetes, prometheus-operator) cannot be `go install`ed: each program is
# built from a throwaway module that requires it and pins every module its replace directives point at a local
# folder to the published version (the k8s.io staging modules to v0.<minor>.<patch>).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
. "$HERE/versions.sh"

# Set per program below, never taken from the caller's environment.
unset PREPARE

log() { echo "build.sh: $*" >&2; }
die() { echo "build.sh: ERROR: $*" >&2; exit 1; }
command -v go >/dev/null || die "no 'go' on PATH: the harness builds its programs with Go (1.26 at /usr/local/go on this project's machines)"

# A module that needs a newer Go than the local one would make `go` stop; GOTOOLCHAIN=auto lets it take that
# toolchain from the module proxy (golang.org/toolchain), the one registry allowed here. Local stays first.
export GOTOOLCHAIN="${GOTOOLCHAIN_FOR_HARNESS:-auto}"
export GOFLAGS=-mod=mod CGO_ENABLED=0

# build NAME MODULE VERSION PIN LDFLAGS PACKAGE...
#   PIN: the version for modules that MODULE's go.mod replaces with a local folder
#   PREPARE (environment): a function given a writable copy of MODULE's source, built instead of the module itself
build() {
  local name=$1 module=$2 version=$3 pin=$4 ldflags=$5; shift 5
  local dest="$CLUSTER_TOOLS_DIR/$name-$version"
  if is_built "$dest" "$@"; then echo "$name=$dest"; return 0; fi
  # One build per program at a time: a second run (a test run beside `npm run cluster:build`, say) waits for the
  # first and takes what it built, instead of building into, or deleting, the same .partial folder.
  local lock
  exec {lock}>"$dest.lock"
  if ! flock -n "$lock"; then
    log "waiting for another build of $name $version to finish"
    flock "$lock"
  fi
  if is_built "$dest" "$@"; then exec {lock}>&-; echo "$name=$dest"; return 0; fi
  local work started
  started=$(date +%s)
  work=$(mktemp -d "${TMPDIR:-/tmp}/cluster-tools-build.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  log "building $name $version from $module (first build only; cached in $dest)"
  (
    cd "$work"
    printf 'module cdk8s-monitoring-stack/cluster-tools/%s\n\ngo 1.26\n\nrequire %s %s\n' "$name" "$module" "$version" >go.mod
    local gomod
    gomod=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
    [ -f "$gomod" ] || die "the Go module proxy has no go.mod for $module@$version"
    # Its replace directives, single-line or in a block: local folders are pinned, others copied as they are.
    awk -v pin="$pin" '
      /^replace[[:space:]]*\($/ { block = 1; next }
      block && /^\)/ { block = 0; next }
      { line = $0; sub(/^replace[[:space:]]+/, "", line) }
      (block || $1 == "replace") && line ~ /=>/ {
        split(line, parts, /[[:space:]]*=>[[:space:]]*/)
        gsub(/^[[:space:]]+|[[:space:]]+$/, "", parts[1]); gsub(/^[[:space:]]+|[[:space:]]+$/, "", parts[2])
        split(parts[1], left, /[[:space:]]+/)
        if (parts[2] ~ /^\.\.?\//) print "replace " left[1] " => " left[1] " " pin
        else print "replace " parts[1] " => " parts[2]
      }' "$gomod" >>go.mod
    if [ -n "${PREPARE:-}" ]; then
      # The module's own files, as the proxy serves them (the module cache is read-only), changed by PREPARE.
      local dir
      dir=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
      { cp -R "$dir" source && chmod -R u+w source && "$PREPARE" source; } || die "preparing a copy of $module@$version failed"
      printf 'replace %s => ./source\n' "$module" >>go.mod
    fi
    mkdir -p "$dest.partial"
    go build -trimpath -ldflags "-s -w $ldflags" -o "$dest.partial/" "$@"
  ) || { rm -rf "$dest.partial" "$work"; die "building $name $version failed (see the go output above)"; }
  date -u +%Y-%m-%dT%H:%M:%SZ >"$dest.partial/built"
  rm -rf "$dest"
  mv "$dest.partial" "$dest"
  log "built $name $version in $(( $(date +%s) - started )) s"
  exec {lock}>&-
  echo "$name=$dest"
}

# The Gateway API's standard-channel CRDs (config/crd/standard/*.yaml of the sigs.k8s.io/gateway-api module), for
# the tests that apply HTTPRoutes: nothing to build, the module's own files, copied into the cache folder like a build.
GATEWAY_API_VERSION=v1.6.3
fetch_gateway_api_crds() {
  local dest="$CLUSTER_TOOLS_DIR/gateway-api-crds-$GATEWAY_API_VERSION" dir empty
  if [ -f "$dest/built" ]; then echo "gateway-api-crds=$dest"; return 0; fi
  log "fetching the Gateway API $GATEWAY_API_VERSION CRDs from sigs.k8s.io/gateway-api (first time only; cached in $dest)"
  # `go mod download` outside a module: from an empty folder, so no go.mod around it takes part.
  empty=$(mktemp -d "${TMPDIR:-/tmp}/gateway-api.XXXXXX")
  dir=$(cd "$empty" && go mod download -json "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  rmdir "$empty"
  compgen -G "$dir/config/crd/standard/*.yaml" >/dev/null || die "the Go module proxy's sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION has no config/crd/standard/*.yaml"
  local partial="$dest.partial.$$"
  rm -rf "$partial" && mkdir -p "$partial"
  cp "$dir"/config/crd/standard/*.yaml "$partial/" && chmod -R u+w "$partial"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$partial/built"
  # A run beside this one may have finished first: keep its folder (mv -T does not replace a non-empty one).
  mv -T "$partial" "$dest" 2>/dev/null || rm -rf "$partial"
  echo "gateway-api-crds=$dest"
}

# Whether folder $1 holds a finished build with a binary for each package in $2...
is_built() {
  local dest=$1; shift
  [ -f "$dest/built" ] || return 1
  local package
  for package in "$@"; do [ -x "$dest/${package##*/}" ] || return 1; done
}

# The alertmanager server embeds its web UI from ui/app/dist, which its release build makes with npm (Elm and Vite)
# and the Go module does not hold: `go build` stops on "pattern app/dist: no matching files found". The harness needs
# its API only (/api/v2), so the build embeds one page that says so in place of the UI.
alertmanager_without_ui() {
  mkdir -p "$1/ui/app/dist"
  printf '%s\n' '<!doctype html><title>Alertmanager</title>' \
    '<p>This Alertmanager was built by the cdk8s-monitoring-stack cluster harness without its web UI (the Go module does not hold it). Its API is at <a href="api/v2/status">api/v2</a>.</p>' \
    >"$1/ui/app/dist/index.html"
}

k8s_ldflags() {
  local v=${1#v} p=k8s.io/component-base/version
  local major=${v%%.*} rest=${v#*.}
  echo "-X $p.gitVersion=$1 -X $p.gitMajor=$major -X $p.gitMinor=${rest%%.*} -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
}

mkdir -p "$CLUSTER_TOOLS_DIR"
[ $# -gt 0 ] || set -- kubernetes kubernetes-oldest kwok prometheus-operator prometheus alertmanager gateway-api-crds
for tool in "$@"; do
  case $tool in
    kubernetes | kubernetes-oldest)
      version=$KUBERNETES_VERSION
      [ "$tool" = kubernetes ] || version=$KUBERNETES_OLDEST_VERSION
      # Both in folders named kubernetes-<version>; the line printed names the program asked for.
      build kubernetes k8s.io/kubernetes "$version" "v0.${version#v1.}" "$(k8s_ldflags "$version")" \
        k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
        | sed "s/^kubernetes=/$tool=/" ;;
    kwok)
      build kwok sigs.k8s.io/kwok "$KWOK_VERSION" "$KWOK_VERSION" \
        "-X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" sigs.k8s.io/kwok/cmd/kwok ;;
    prometheus-operator)
      build prometheus-operator github.com/prometheus-operator/prometheus-operator "$PROMETHEUS_OPERATOR_VERSION" "$PROMETHEUS_OPERATOR_VERSION" \
        "-X github.com/prometheus/common/version.Version=${PROMETHEUS_OPERATOR_VERSION#v}" github.com/prometheus-operator/prometheus-operator/cmd/operator ;;
    prometheus)
      build prometheus github.com/prometheus/prometheus "$PROMETHEUS_MODULE_VERSION" "$PROMETHEUS_MODULE_VERSION" \
        "-X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION#v}" github.com/prometheus/prometheus/cmd/promtool ;;
    alertmanager)
      PREPARE=alertmanager_without_ui build alertmanager github.com/prometheus/alertmanager "$ALERTMANAGER_VERSION" "$ALERTMANAGER_VERSION" \
        "-X github.com/prometheus/common/version.Version=${ALERTMANAGER_VERSION#v}" \
        github.com/prometheus/alertmanager/cmd/alertmanager github.com/prometheus/alertmanager/cmd/amtool ;;
    gateway-api-crds) fetch_gateway_api_crds ;;
    *) die "unknown program '$tool': kubernetes, kubernetes-oldest, kwok, prometheus-operator, prometheus, alertmanager or gateway-api-crds" ;;
  esac
done
