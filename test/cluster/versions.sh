# The versions the cluster harness builds (test/cluster/build.sh) and where it keeps them. Sourced by bash.
# Kubernetes: the control planes' versions: the newest and the oldest minor the project supports (SUPPORTED_KUBERNETES_VERSIONS in lib/render/kube-api.ts).
# kubectl is the pinned npm package's (v1.35.2): against the oldest, deploy warns of the skew as on a real 1.28 cluster.
KUBERNETES_VERSION=v1.35.4
KUBERNETES_OLDEST_VERSION=v1.28.15
KWOK_VERSION=v0.8.0
# The operator kube-prometheus-stack 88.5.3 deploys (its appVersion).
PROMETHEUS_OPERATOR_VERSION=v0.93.1
# The Prometheus and Alertmanager that chart deploys; Prometheus 3.x publishes its Go module as v0.3xx.y.
PROMETHEUS_VERSION=v3.14.0
PROMETHEUS_MODULE_VERSION=v0.314.0
ALERTMANAGER_VERSION=v0.34.0
CLUSTER_TOOLS_DIR=${CLUSTER_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-monitoring-stack/cluster-tools}
