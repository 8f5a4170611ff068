import { Duration } from 'cdk8s';
import { ControlPlaneMonitoring, HttpRoutePathType, IngressPathType, KUBEADM_CONTROL_PLANE, KubePrometheusStackProps, MonitoringStackProps, Placement, ServiceExposure } from '../../lib';

/**
 * A second cluster beside the reference one, set apart from the defaults in several ways that do not
 * touch each other: 3 workers, 30 days of retention, etcd scraped, Grafana putting every dashboard in
 * one folder, and no Alertmanager (turned off by a raw chart value). Tests of each of these
 * (multi-cluster, monitoring-stack and grafana-dashboard) use this one configuration, so its charts
 * are rendered once for all of them.
 */
export const OFFICE: MonitoringStackProps = {
  cluster: { workerNodes: 3 },
  retention: Duration.days(30),
  controlPlane: { ...KUBEADM_CONTROL_PLANE, etcd: ControlPlaneMonitoring.SCRAPE },
  kubePrometheusStackValues: { grafana: { sidecar: { dashboards: { provider: { foldersFromFilesStructure: false } } } }, alertmanager: { enabled: false } },
};

/**
 * A standalone KubePrometheusStack set apart in ways that do not touch each other: a volume of an
 * odd size ('1e10'), worker-only placement, a node affinity of its own for Prometheus, and a
 * Prometheus that selects ServiceMonitors only in namespaces labelled monitoring=on. Review defects 3
 * and 7 and the ServiceMonitor namespace-selector tests each check one of these, on one render.
 */
export const OWN_PROMETHEUS_AFFINITY = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }] } };
export const SELECTIVE_PROMETHEUS: KubePrometheusStackProps = {
  placement: Placement.WORKERS_ONLY,
  prometheusSpec: { affinity: { nodeAffinity: OWN_PROMETHEUS_AFFINITY as any } },
  prometheusStorageClass: { storageClassName: 'x' },
  prometheusStorageSize: '1e10',
  values: { prometheus: { prometheusSpec: { serviceMonitorNamespaceSelector: { matchLabels: { monitoring: 'on' } } } } },
};

/**
 * A release name that is neither the chart's name nor the namespace the stack creates, so that tests of
 * what follows the release (labels the Prometheus selects, names of placed objects) cannot pass on the
 * wrong one. Review defect 2 and the ServiceMonitor/PodMonitor tests with a KubePrometheusStack of
 * their own use it, with otherwise default values: one render for all three.
 */
export const RELEASE_OF_ITS_OWN = 'mon';

/**
 * Each new way in, once: Grafana on a MetalLB LoadBalancer address, Prometheus through an HTTPRoute (two
 * hostnames, a wildcard among them, a prefix and an exact path), Alertmanager through an Ingress with an
 * annotation, two hosts, two paths and a TLS Secret per host. service-exposure.test checks the objects and
 * the summary, exposure.integration.test what the real API server makes of them.
 */
export const TYPED_EXPOSURES: KubePrometheusStackProps = {
  grafanaService: ServiceExposure.loadBalancer({ loadBalancerIP: '192.168.1.240', annotations: { 'metallb.universe.tf/address-pool': 'lab' } }),
  prometheusService: ServiceExposure.httpRoute({
    parentRefs: [{ name: 'homelab', namespace: 'gateway', sectionName: 'https' }],
    hostnames: ['prometheus.lab.example.com', '*.metrics.lab.example.com'],
    paths: [{ value: '/' }, { type: HttpRoutePathType.EXACT, value: '/graph' }],
  }),
  alertmanagerService: ServiceExposure.ingress({
    hosts: ['alerts.lab.example.com', 'am.lab.example.com'],
    paths: ['/', '/api'],
    pathType: IngressPathType.PREFIX,
    annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' },
    ingressClassName: 'nginx',
    tls: [{ hosts: ['alerts.lab.example.com'], secretName: 'alerts-tls' }, { hosts: ['am.lab.example.com'], secretName: 'am-tls' }],
  }),
};
