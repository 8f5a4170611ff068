import { Chart, Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { checkConverted, checkProps, describeValue, oneOf, PropShape } from './known-props';
import type { PrometheusSpec } from '../../imports/prometheus-monitoring.coreos.com';
import { ChartSource } from '../render/chart-source';
import { ClusterApi, setKubernetesVersion } from '../render/kube-api';
import { ChartValues, mergeValues } from '../render/chart-values';
import { checkChartVersion, KUBE_PROMETHEUS_STACK_CHART } from '../render/charts';
import { HookPolicy, ObjectSelector } from '../render/pipeline';
import { HookRevivingValue, OwnedValue, ownedBySetProps, valueAt } from '../render/values-check';
import { addRenderedObjects, RenderedObjects } from '../render/rendered-objects';
import { CONTAINER_RESOURCES_SHAPE, ContainerResources, resourcesValues } from './container-resources';
import { CONTROL_PLANE_CHART_KEYS, CONTROL_PLANE_SHAPE, ControlPlaneComponents, ControlPlaneMonitoring, controlPlaneValues } from './control-plane';
import { folderOf } from '../render/cluster-boundary';
import { reportOf } from '../render/report';
import { AlertDelivery, alertDeliveryChartValues, AlertmanagerVersion, renderAlertDelivery } from './alerting';
import { GrafanaAdminCredentials } from './grafana-admin';
import { IStorageClass } from './longhorn-storage-class';
import { INamespace, Namespace, NAMESPACE_REFERENCE_SHAPE, PodSecurityLevel, releaseNamespace, requirePodSecurity } from './namespace';
import { Placement } from './placement';
import { prometheusDuration } from './prometheus-duration';
import { checkWholeNumber, ParsedSize, prometheusSize, storageSize } from './quantity';
import { ServiceExposure } from './service-exposure';
import { exposureOwnedValues, exposureValues } from './exposure-values';

/** kube-prometheus-stack chart versions the tests cover (any other version string renders too, with a warning). */
export enum KubePrometheusStackVersion {
  /** 88.5.3 (prometheus-operator v0.93.1). */
  V88_5_3 = '88.5.3',
}

/** How a volume may be mounted. */
export enum AccessMode {
  /** Read-write by one node. */
  READ_WRITE_ONCE = 'ReadWriteOnce',
  /** Read-write by one pod. */
  READ_WRITE_ONCE_POD = 'ReadWriteOncePod',
}

/** Props of {@link KubePrometheusStack}. */
export interface KubePrometheusStackProps {
  /**
   * Chart version: a tested one from {@link KubePrometheusStackVersion}, or any other exact version,
   * which renders with a warning.
   * @default KubePrometheusStackVersion.V88_5_3
   */
  readonly version?: KubePrometheusStackVersion | string;
  /**
   * Where the chart comes from, e.g. `ChartSource.oci('oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack')`.
   * @default - the prometheus-community Helm repository (or CDK8S_CHART_MIRROR), through the chart folder and charts.lock
   */
  readonly chartSource?: ChartSource;
  /**
   * Namespace the stack runs in. node-exporter uses the host's network, PID namespace and paths, so a
   * Namespace that enforces a narrower Pod Security level than `privileged` is an error.
   * @default - a `monitoring` Namespace (Pod Security `privileged`) created inside this construct
   */
  readonly namespace?: INamespace;
  /**
   * Helm release name; object names derive from it (e.g. `<release>-grafana`).
   * @default 'kube-prometheus-stack'
   */
  readonly releaseName?: string;
  /**
   * The Kubernetes minor of the cluster (e.g. `'1.34'`), for every construct of it: what charts are rendered for, what
   * the output is validated against, the Pod Security labels' version and what deploy expects. Set it on the first
   * construct of the cluster; on a MonitoringStack it is `cluster.kubernetesVersion`.
   * @default - DEFAULT_KUBERNETES_VERSION, the newest supported minor (1.35)
   */
  readonly kubernetesVersion?: string;
  /**
   * Grafana's initial admin credentials.
   * @default GrafanaAdminCredentials.fromExistingSecret('grafana-admin')
   */
  readonly grafanaAdmin?: GrafanaAdminCredentials;
  /**
   * How Grafana's Service is reached.
   * @default ServiceExposure.clusterIP()
   */
  readonly grafanaService?: ServiceExposure;
  /**
   * How Prometheus' Service is reached.
   * @default ServiceExposure.clusterIP()
   */
  readonly prometheusService?: ServiceExposure;
  /**
   * How Alertmanager's Service is reached.
   * @default ServiceExposure.clusterIP()
   */
  readonly alertmanagerService?: ServiceExposure;
  /**
   * StorageClass of Prometheus' data volume.
   * @default - no volume claim: data lives in an emptyDir and is lost when the pod is rescheduled
   */
  readonly prometheusStorageClass?: IStorageClass;
  /**
   * Size of Prometheus' data volume, as a cdk8s Size or a Kubernetes quantity ('10Gi').
   * Only with `prometheusStorageClass`.
   * @default '10Gi'
   */
  readonly prometheusStorageSize?: Size | string;
  /**
   * Access mode of Prometheus' data volume.
   * @default AccessMode.READ_WRITE_ONCE
   */
  readonly prometheusStorageAccessMode?: AccessMode;
  /**
   * How long Prometheus keeps metrics: a cdk8s Duration, or a string in Prometheus' syntax ('12h', '2w').
   * @default Duration.days(10)
   */
  readonly retention?: Duration | string;
  /**
   * Most disk Prometheus' data may take before the oldest blocks go, as a cdk8s Size or in Prometheus'
   * units ('8GB'; Prometheus counts KB, MB, GB in powers of 2). Must be below the volume size: a full
   * volume makes Prometheus crash-loop.
   * @default - 85% of `prometheusStorageSize` when Prometheus has a volume; none otherwise
   */
  readonly retentionSize?: Size | string;
  /**
   * Prometheus replicas (each scrapes everything and keeps its own copy).
   * @default 1
   */
  readonly prometheusReplicas?: number;
  /**
   * Prometheus container resources.
   * @default - none set (the chart's default)
   */
  readonly prometheusResources?: ContainerResources;
  /**
   * Grafana container resources.
   * @default - none set (the chart's default)
   */
  readonly grafanaResources?: ContainerResources;
  /**
   * Alertmanager container resources.
   * @default - none set (the chart's default)
   */
  readonly alertmanagerResources?: ContainerResources;
  /**
   * prometheus-operator container resources.
   * @default - none set (the chart's default)
   */
  readonly operatorResources?: ContainerResources;
  /**
   * kube-state-metrics container resources.
   * @default - none set (the chart's default)
   */
  readonly kubeStateMetricsResources?: ContainerResources;
  /**
   * Where Prometheus, Alertmanager, Grafana, the operator and kube-state-metrics run
   * (node-exporter always runs on every node).
   * @default Placement.ANY_NODE
   */
  readonly placement?: Placement;
  /**
   * Which control-plane components Prometheus scrapes and alerts on.
   * @default - every component scraped (the chart's default)
   */
  readonly controlPlane?: ControlPlaneComponents;
  /**
   * Where alerts go: receivers (email, Slack, Discord, Telegram, webhook, ntfy) routed by severity,
   * their secrets read from existing Secrets. Alertmanager's own config is made from it.
   * @default AlertDelivery.none(): alerts go nowhere (the synth summary says so)
   */
  readonly alerting?: AlertDelivery;
  /**
   * The Alertmanager version the chart deploys, which decides the receiver fields available.
   * @default AlertmanagerVersion.V0_34_0 (what kube-prometheus-stack 88.5.3 deploys)
   */
  readonly alertmanagerVersion?: AlertmanagerVersion;
  /**
   * Typed fields of the Prometheus custom resource's `spec`, set on the rendered Prometheus object
   * after everything else (a misspelt field fails to compile). Each top-level field given replaces
   * the rendered one whole: `storage`, for example, replaces the volume claim the props above make.
   * @default - none
   */
  readonly prometheusSpec?: PrometheusSpec;
  /**
   * Scope for the prometheus-operator CustomResourceDefinitions, so they can be applied (and waited
   * for) before everything else.
   * @default - a Chart of their own inside this construct, which cdk8s writes before this one's
   */
  readonly crdScope?: Construct;
  /**
   * Raw chart values, deep-merged last over everything this construct sets (lists are replaced whole).
   * Checked against the chart before it renders: a key the chart does not know, a value that a prop
   * set here says otherwise (`grafana.adminPassword` with `grafanaAdmin` set,
   * `prometheus.prometheusSpec.retention` with `retention` set), or one that brings back a Helm hook
   * or an admission webhook is an error. Where the prop is unset, the raw value stands (an
   * `alertmanager.config` replaces the default routing whole; `grafana.adminPassword` or
   * `grafana.admin.existingSecret` become `grafanaAdmin`).
   * @default - none
   */
  readonly values?: ChartValues;
  /**
   * The name the raw values go by in messages (a composite passes its own prop's name).
   * @default 'values'
   */
  readonly valuesPropName?: string;
  /**
   * The names, in messages, of props a composite sets from props of its own (`{ namespace: 'monitoringNamespace' }`).
   * @default - this construct's prop names
   */
  readonly propNames?: Readonly<Record<string, string>>;
}

/**
 * Values that move one component into a namespace of its own, and the Pod Security level its pods need
 * there (node-exporter and windows-exporter use the host's network and PID namespace).
 */
const COMPONENT_NAMESPACES: ReadonlyArray<[string, PodSecurityLevel]> = [
  ['alertmanager.namespaceOverride', PodSecurityLevel.BASELINE],
  ['grafana.namespaceOverride', PodSecurityLevel.BASELINE],
  ['kube-state-metrics.namespaceOverride', PodSecurityLevel.BASELINE],
  ['prometheus-node-exporter.namespaceOverride', PodSecurityLevel.PRIVILEGED],
  ['prometheus-windows-exporter.namespaceOverride', PodSecurityLevel.PRIVILEGED],
];

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/;

/**
 * kube-prometheus-stack (Prometheus, Alertmanager, Grafana, node-exporter, kube-state-metrics and
 * prometheus-operator), rendered from its upstream Helm chart at a pinned version, CRDs included.
 */
export class KubePrometheusStack extends Construct {
  /** Namespace the stack runs in. */
  public readonly namespace: INamespace;
  /** Helm release name. */
  public readonly releaseName: string;
  /** Grafana's initial admin credentials. */
  public readonly grafanaAdmin: GrafanaAdminCredentials;
  /** How Grafana is reached. */
  public readonly grafanaService: ServiceExposure;
  /** How Prometheus is reached. */
  public readonly prometheusService: ServiceExposure;
  /** How Alertmanager is reached. */
  public readonly alertmanagerService: ServiceExposure;
  /** What the render produced (undefined when the chart is missing: the synth then fails, naming it). */
  public readonly rendered?: RenderedObjects;
  /** Where alerts go. */
  public readonly alerting: AlertDelivery;

  constructor(scope: Construct, id: string, props: KubePrometheusStackProps = {}) {
    super(scope, id);
    checkProps(`KubePrometheusStack '${id}'`, props, KUBE_PROMETHEUS_STACK_SHAPE);
    const typedSpec = props.prometheusSpec && prometheusSpecJson(`KubePrometheusStack '${id}'`, props.prometheusSpec);
    // A composite's own name for a prop, in messages.
    const propName = (prop: keyof KubePrometheusStackProps): string => props.propNames?.[prop] ?? prop;
    if (props.kubernetesVersion !== undefined) setKubernetesVersion(this, props.kubernetesVersion, propName('kubernetesVersion'));
    const version = checkChartVersion(propName('version'), KUBE_PROMETHEUS_STACK_CHART, props.version ?? KubePrometheusStackVersion.V88_5_3);
    this.releaseName = props.releaseName ?? 'kube-prometheus-stack';
    if (typeof this.releaseName !== 'string' || !RELEASE_NAME.test(this.releaseName)) {
      throw new Error(`releaseName is ${describeValue(this.releaseName)} but a Helm release name must be lowercase letters, digits and '-', at most 53 characters`);
    }
    const valuesProp = props.valuesPropName ?? 'values';
    const raw = (path: string): unknown => valueAt(props.values, path.split('.'));
    this.grafanaAdmin = props.grafanaAdmin ?? grafanaAdminFromValues(raw, valuesProp) ?? GrafanaAdminCredentials.fromExistingSecret('grafana-admin');
    if (this.grafanaAdmin.existingSecretName === undefined) {
      process.emitWarning(`${this.node.path}: Grafana's admin password is written into the output in plain text (GrafanaAdminCredentials.unsafePlaintext); anyone who can read it or its Git repository has the password. Use GrafanaAdminCredentials.fromExistingSecret for anything but a throwaway cluster.`, { code: 'CDK8S_PLAINTEXT_SECRET' });
    }
    this.grafanaService = (props.grafanaService ?? ServiceExposure.clusterIP()).validate('grafanaService', this);
    this.prometheusService = (props.prometheusService ?? ServiceExposure.clusterIP()).validate('prometheusService', this);
    this.alertmanagerService = (props.alertmanagerService ?? ServiceExposure.clusterIP()).validate('alertmanagerService', this);
    const exposures: Array<[string, ServiceExposure]> = [['grafanaService', this.grafanaService], ['prometheusService', this.prometheusService], ['alertmanagerService', this.alertmanagerService]];
    for (const [i, [prop, exposure]] of exposures.entries()) {
      const clash = exposures.slice(i + 1).find(([, other]) => exposure.nodePort !== undefined && other.nodePort === exposure.nodePort);
      if (clash) {
        throw new Error(`${prop} and ${clash[0]} both use node port ${exposure.nodePort}; a node port can serve one Service only, give each its own`);
      }
    }
    const retention = prometheusDuration(propName('retention'), props.retention ?? Duration.days(10));
    const replicas = checkWholeNumber('prometheusReplicas', props.prometheusReplicas ?? 1, 1, 10);
    const namespaceProp = propName('namespace');
    if (props.namespace) requirePodSecurity(props.namespace, PodSecurityLevel.PRIVILEGED, "node-exporter's pods (host network, PID namespace and paths)", namespaceProp);
    this.namespace = releaseNamespace(this, { namespace: props.namespace, override: raw('namespaceOverride'), defaultName: 'monitoring', podSecurity: PodSecurityLevel.PRIVILEGED, namespaceProp, valuesProp });
    this.addComponentNamespaces(raw);

    if (!props.prometheusStorageClass && (props.prometheusStorageSize !== undefined || props.prometheusStorageAccessMode !== undefined)) {
      const set = [['prometheusStorageSize', props.prometheusStorageSize], ['prometheusStorageAccessMode', props.prometheusStorageAccessMode]]
        .filter(([, v]) => v !== undefined).map(([k, v]) => `${k} is '${v}'`).join(' and ');
      throw new Error(`${set} but prometheusStorageClass is not set; pass the StorageClass construct the volume should use (e.g. a LonghornStorageClass), or drop them`);
    }
    // The volume's size, resolved and checked once; only a volume with a StorageClass has one.
    const volumeSize = props.prometheusStorageClass && storageSize('prometheusStorageSize', props.prometheusStorageSize ?? '10Gi');
    const retentionSize = retentionSizeFor(props.retentionSize, volumeSize);
    const prometheusSpec: ChartValues = {
      retention,
      ...(retentionSize && { retentionSize }),
      replicas,
      ...(props.prometheusResources && { resources: resourcesValues(propName('prometheusResources'), props.prometheusResources) }),
      ...(props.prometheusStorageClass && volumeSize && { storageSpec: storageSpec(props.prometheusStorageClass, volumeSize.text, props.prometheusStorageAccessMode) }),
    };

    this.alerting = props.alerting ?? AlertDelivery.none();
    const notScraped = Object.entries(props.controlPlane ?? {}).filter(([, m]) => m === ControlPlaneMonitoring.DISABLED).map(([k]) => CONTROL_PLANE_NAMES[k as keyof ControlPlaneComponents]);
    if (notScraped.length > 0) {
      reportOf(this).leftOut.push({ folder: folderOf(this), line: `not scraped, no alerts: ${notScraped.join(', ')} (on kubeadm they listen on 127.0.0.1; the README says how to scrape them)` });
    }
    // Unset, alerting gives way to an Alertmanager config in the raw values, whole (a deep merge of two
    // routing trees would route like neither).
    const alertValues = props.alerting === undefined && raw('alertmanager.config') !== undefined
      ? {} : alertDeliveryChartValues(renderAlertDelivery(this.alerting, { alertmanagerVersion: props.alertmanagerVersion }));
    const values: ChartValues = {
      ...controlPlaneValues(props.controlPlane ?? {}),
      // The admission webhook's certificate is made and patched in by Helm hook Jobs, which plain
      // kubectl and GitOps tools do not run at the right moment (and Argo CD would fight the patched
      // caBundle). Off, with operator TLS off too: otherwise the operator waits forever for the
      // Secret those Jobs would have made. The operator still checks every PrometheusRule and skips
      // invalid ones; only the reject-at-apply step is lost.
      prometheusOperator: {
        admissionWebhooks: { enabled: false },
        tls: { enabled: false },
        ...(props.operatorResources && { resources: resourcesValues(propName('operatorResources'), props.operatorResources) }),
      },
      grafana: mergeValues(this.grafanaAdmin.grafanaValues, {
        ...exposureValues(this.grafanaService, 'grafanaService', 'path'),
        ...(props.grafanaResources && { resources: resourcesValues(propName('grafanaResources'), props.grafanaResources) }),
        // Dashboards in ConfigMaps go into the folder their k8s-sidecar-target-directory annotation names.
        sidecar: { dashboards: { provider: { foldersFromFilesStructure: true } } },
      }),
      alertmanager: {
        ...exposureValues(this.alertmanagerService, 'alertmanagerService', 'paths'),
        ...(props.alertmanagerResources && { alertmanagerSpec: { resources: resourcesValues(propName('alertmanagerResources'), props.alertmanagerResources) } }),
      },
      ...(props.kubeStateMetricsResources && { 'kube-state-metrics': { resources: resourcesValues(propName('kubeStateMetricsResources'), props.kubeStateMetricsResources) } }),
      prometheus: {
        ...exposureValues(this.prometheusService, 'prometheusService', 'paths'),
        prometheusSpec,
      },
    };

    if (raw(CERT_MANAGER_VALUE) === true && !ClusterApi.declaredFor(this).includes(ClusterApi.CERT_MANAGER_V1)) {
      throw new Error(`${valuesProp}.${CERT_MANAGER_VALUE} is true, so the admission webhook's certificates are cert-manager Certificates, but the cluster is not declared to serve cert-manager; declare it (clusterApis: [ClusterApi.CERT_MANAGER_V1] on the MonitoringStack, or ClusterApi.declare(app, ClusterApi.CERT_MANAGER_V1) before this construct), or drop the value`);
    }
    if (props.prometheusSpec && raw('prometheus.enabled') === false) {
      throw new Error(`prometheusSpec is set but ${valuesProp}.prometheus.enabled is false, so there is no Prometheus to set it on; enable Prometheus in the values or drop prometheusSpec`);
    }
    this.rendered = addRenderedObjects({ scope: this, crdScope: props.crdScope ?? new Chart(this, 'crds') }, {
      chart: KUBE_PROMETHEUS_STACK_CHART,
      version,
      source: props.chartSource,
      releaseName: this.releaseName,
      namespace: this.namespace.name,
      values: mergeValues(values, alertValues, props.values),
      rawValues: props.values && {
        prop: valuesProp,
        values: props.values,
        owned: ownedBySetProps(OWNED_VALUES, props, mergeValues(values, alertValues), props.propNames),
        hookReviving: raw(CERT_MANAGER_VALUE) === true ? [] : HOOK_VALUES,
      },
    }, {
      hooks: HookPolicy.KEEP_INSTALL_HOOKS,
      keepOffControlPlane: props.placement === Placement.WORKERS_ONLY ? SERVERS : [],
      // The chart's prometheus.prometheusSpec values are not the custom resource's spec (some keys differ
      // in shape, some are dropped), so typed fields go onto the rendered object itself, after everything else.
      overrides: typedSpec ? [{ prop: 'prometheusSpec', select: { kind: 'Prometheus' }, fields: typedSpec }] : [],
    });
  }

  /**
   * A Namespace for each component that raw values move out of the stack's namespace, at the Pod
   * Security level its pods need; the most any component there needs wins.
   */
  private addComponentNamespaces(raw: (path: string) => unknown): void {
    const levels = new Map<string, PodSecurityLevel>();
    for (const [path, level] of COMPONENT_NAMESPACES) {
      const name = raw(path);
      // Kubernetes' own namespaces exist already, and their labels are not this stack's to set.
      if (typeof name !== 'string' || name === '' || name === this.namespace.name || SYSTEM_NAMESPACES.includes(name)) continue;
      levels.set(name, levels.get(name) === PodSecurityLevel.PRIVILEGED ? PodSecurityLevel.PRIVILEGED : level);
    }
    for (const [name, podSecurity] of levels) new Namespace(this, `Namespace-${name}`, { name, podSecurity });
  }
}

const CONTROL_PLANE_NAMES: Record<keyof ControlPlaneComponents, string> = {
  controllerManager: 'kube-controller-manager', scheduler: 'kube-scheduler', etcd: 'etcd', kubeProxy: 'kube-proxy',
};

/** Chart values the typed props set: a raw value there would be silently overridden or fight the prop. */
const OWNED_VALUES: OwnedValue[] = [
  { path: 'grafana.adminPassword', prop: 'grafanaAdmin', owns: "Grafana's admin credentials", hint: 'the existing Secret the prop names wins over adminPassword, so this value would be silently ignored', use: 'use grafanaAdmin: GrafanaAdminCredentials.fromExistingSecret(...) (or, for a throwaway cluster, unsafePlaintext)' },
  { path: 'grafana.adminUser', prop: 'grafanaAdmin', owns: "Grafana's admin credentials" },
  { path: 'grafana.admin', prop: 'grafanaAdmin', owns: "Grafana's admin credentials" },
  ...exposureOwnedValues('grafana', 'grafanaService'),
  ...exposureOwnedValues('prometheus', 'prometheusService'),
  ...exposureOwnedValues('alertmanager', 'alertmanagerService'),
  { path: 'prometheus.prometheusSpec.storageSpec', prop: 'prometheusStorageClass', owns: "Prometheus' volume (with prometheusStorageSize and prometheusStorageAccessMode)" },
  { path: 'prometheus.prometheusSpec.retention', prop: 'retention' },
  { path: 'prometheus.prometheusSpec.retentionSize', prop: 'retentionSize' },
  { path: 'prometheus.prometheusSpec.replicas', prop: 'prometheusReplicas' },
  { path: 'prometheus.prometheusSpec.resources', prop: 'prometheusResources' },
  { path: 'grafana.resources', prop: 'grafanaResources' },
  { path: 'alertmanager.alertmanagerSpec.resources', prop: 'alertmanagerResources' },
  { path: 'prometheusOperator.resources', prop: 'operatorResources' },
  { path: 'kube-state-metrics.resources', prop: 'kubeStateMetricsResources' },
  { path: 'alertmanager.config', prop: 'alerting', owns: "Alertmanager's receivers and routes" },
  { path: 'alertmanager.alertmanagerSpec.secrets', prop: 'alerting', owns: 'the Secrets mounted for receivers' },
  ...Object.entries(CONTROL_PLANE_CHART_KEYS).map(([key, chartKey]) => ({ path: `${chartKey}.enabled`, prop: `controlPlane.${key}`, owns: `whether ${CONTROL_PLANE_NAMES[key as keyof ControlPlaneComponents]} is scraped` })),
];

/**
 * With this value true, cert-manager makes the admission webhook's certificates and injects its CA, in
 * place of the hook Jobs: the webhook and operator TLS then need no hook.
 */
const CERT_MANAGER_VALUE = 'prometheusOperator.admissionWebhooks.certManager.enabled';

/** Chart values that bring back Helm hooks or admission webhooks, which plain YAML cannot run at their moment (unless cert-manager makes the certificates). */
const HOOK_VALUES: HookRevivingValue[] = [
  { path: 'prometheusOperator.admissionWebhooks.enabled', value: true, why: "the webhook's certificate is made and patched in by Helm hook Jobs, which kubectl and GitOps tools run at the wrong moment (or not at all); the webhook would then reject every PrometheusRule (with cert-manager in the cluster, set prometheusOperator.admissionWebhooks.certManager.enabled too and declare ClusterApi.CERT_MANAGER_V1: cert-manager then makes the certificates)" },
  { path: 'prometheusOperator.tls.enabled', value: true, why: 'the operator would wait forever for the TLS Secret that the admission webhook hook Jobs make' },
];

/** Raw Grafana admin values, as credentials: an existing Secret, or a plain password. */
function grafanaAdminFromValues(raw: (path: string) => unknown, valuesProp: string): GrafanaAdminCredentials | undefined {
  const existing = raw('grafana.admin.existingSecret');
  if (typeof existing === 'string' && existing !== '') {
    return GrafanaAdminCredentials.fromExistingSecret(existing, { userKey: raw('grafana.admin.userKey') as string | undefined, passwordKey: raw('grafana.admin.passwordKey') as string | undefined });
  }
  const password = raw('grafana.adminPassword');
  if (typeof password === 'string' && password.length < 8) {
    throw new Error(`${valuesProp}.grafana.adminPassword has ${password.length} characters but needs at least 8; better, keep it out of the code: grafanaAdmin: GrafanaAdminCredentials.fromExistingSecret(...)`);
  }
  return typeof password === 'string' ? GrafanaAdminCredentials.unsafePlaintext((raw('grafana.adminUser') as string | undefined) ?? 'admin', password) : undefined;
}


/**
 * The stack's servers, by kind and the labels the charts give them whatever the release is named
 * (node-exporter, a per-node agent, is not among them).
 */
const SERVERS: ObjectSelector[] = [
  { kind: 'Prometheus' },
  { kind: 'Alertmanager' },
  { kind: 'ThanosRuler' },
  { kind: 'Deployment', labels: { 'app.kubernetes.io/component': 'prometheus-operator' } },
  { kind: 'Deployment', labels: { 'app.kubernetes.io/name': 'grafana' } },
  { kind: 'Deployment', labels: { 'app.kubernetes.io/name': 'kube-state-metrics' } },
];

/**
 * The JSON form of typed Prometheus spec fields. The Prometheus kind's generated module (1.2 MB) is
 * loaded only when an app sets them.
 */
function prometheusSpecJson(construct: string, spec: PrometheusSpec): Record<string, unknown> {
  const { toJson_PrometheusSpec } = require('../../imports/prometheus-monitoring.coreos.com') as typeof import('../../imports/prometheus-monitoring.coreos.com');
  return checkConverted(construct, 'prometheusSpec', spec, toJson_PrometheusSpec(spec) ?? {}, 'prometheus.spec');
}

function storageSpec(storageClass: IStorageClass, size: string, accessMode: AccessMode | undefined): ChartValues {
  return {
    volumeClaimTemplate: {
      spec: {
        storageClassName: storageClass.storageClassName,
        accessModes: [accessMode ?? AccessMode.READ_WRITE_ONCE],
        resources: { requests: { storage: size } },
      },
    },
  };
}

/** The share of the volume Prometheus may fill by default: room for the WAL and compaction. */
const RETENTION_SHARE = 0.85;
const MIB = 2 ** 20;

/** `retentionSize` in Prometheus' notation, defaulted from the volume and checked against it. */
function retentionSizeFor(retentionSize: Size | string | undefined, volume: ParsedSize | undefined): string | undefined {
  const ceiling = volume === undefined ? undefined : `${Math.floor((volume.value * RETENTION_SHARE) / MIB)}MB`;
  if (retentionSize === undefined) return ceiling;
  const size = prometheusSize('retentionSize', retentionSize);
  if (volume !== undefined && size.value >= volume.value) {
    throw new Error(`retentionSize is '${size.text}' but must be below the Prometheus volume (${volume.text}): Prometheus would fill it and crash-loop before deleting old data; the default, ${ceiling} (85%), leaves room for the write-ahead log and compaction`);
  }
  return size.text;
}

const KUBE_PROMETHEUS_STACK_SHAPE: PropShape<KubePrometheusStackProps> = {
  version: true, kubernetesVersion: true, chartSource: ChartSource, namespace: NAMESPACE_REFERENCE_SHAPE, releaseName: true, grafanaAdmin: GrafanaAdminCredentials,
  grafanaService: ServiceExposure, prometheusService: ServiceExposure, alertmanagerService: ServiceExposure, prometheusStorageClass: true, prometheusStorageSize: true, prometheusStorageAccessMode: oneOf(AccessMode, 'AccessMode'),
  retention: true, retentionSize: true, prometheusReplicas: true, prometheusResources: CONTAINER_RESOURCES_SHAPE, grafanaResources: CONTAINER_RESOURCES_SHAPE,
  alertmanagerResources: CONTAINER_RESOURCES_SHAPE, operatorResources: CONTAINER_RESOURCES_SHAPE, kubeStateMetricsResources: CONTAINER_RESOURCES_SHAPE,
  placement: oneOf(Placement, 'Placement'), controlPlane: CONTROL_PLANE_SHAPE, alerting: AlertDelivery, alertmanagerVersion: true, prometheusSpec: true, crdScope: true, values: true,
  valuesPropName: true, propNames: true,
};
