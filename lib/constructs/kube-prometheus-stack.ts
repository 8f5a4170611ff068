import { JsonPatch, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { PrometheusSpec, toJson_PrometheusSpec } from '../../imports/monitoring.coreos.com';
import { checkPinnedVersion, KUBE_PROMETHEUS_STACK_CHART } from '../render/chart-pins';
import { ChartValues, mergeValues } from '../render/chart-values';
import { ContainerResources, resourcesValues } from './container-resources';
import { ControlPlaneComponents, controlPlaneValues } from './control-plane';
import { GrafanaAdminCredentials } from './grafana-admin';
import { addHelmChartObjects, HelmChartObjects } from '../render/helm-chart-objects';
import { HookPolicy } from '../render/helm-render';
import { IStorageClass } from './longhorn-storage-class';
import { Namespace } from './namespace';
import { Placement, placeOnWorkers } from './placement';
import { checkWholeNumber, quantityBytes, storageQuantity } from './quantity';
import { ServiceExposure, ServiceType } from './service-exposure';

/** kube-prometheus-stack chart versions this library renders and tests. */
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
   * Chart version.
   * @default KubePrometheusStackVersion.V88_5_3
   */
  readonly version?: KubePrometheusStackVersion;
  /**
   * Namespace the stack runs in.
   * @default - a `monitoring` Namespace created inside this construct
   */
  readonly namespace?: Namespace;
  /**
   * Helm release name; object names derive from it (e.g. `<release>-grafana`).
   * @default 'kube-prometheus-stack'
   */
  readonly releaseName?: string;
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
   * Days of metrics Prometheus keeps.
   * @default 10
   */
  readonly retentionDays?: number;
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
   * Typed fields of the Prometheus custom resource's `spec`, set on the rendered Prometheus object
   * after everything else (a misspelt field fails to compile). Each top-level field given replaces
   * the rendered one whole: `storage`, for example, replaces the volume claim the props above make.
   * @default - none
   */
  readonly prometheusSpec?: PrometheusSpec;
  /**
   * Scope for the prometheus-operator CustomResourceDefinitions, so they can be applied before everything else.
   * @default - this construct
   */
  readonly crdScope?: Construct;
  /**
   * Raw chart values, deep-merged last over everything this construct sets (lists are replaced whole).
   * @default - none
   */
  readonly values?: ChartValues;
}

const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/;

/**
 * kube-prometheus-stack (Prometheus, Alertmanager, Grafana, node-exporter, kube-state-metrics and
 * prometheus-operator), rendered from its upstream Helm chart at a pinned version, CRDs included.
 */
export class KubePrometheusStack extends Construct {
  /** Namespace the stack runs in. */
  public readonly namespace: Namespace;
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
  /** What the render produced. */
  public readonly rendered: HelmChartObjects;

  constructor(scope: Construct, id: string, props: KubePrometheusStackProps = {}) {
    super(scope, id);
    const version = checkPinnedVersion('version', KUBE_PROMETHEUS_STACK_CHART, props.version ?? KubePrometheusStackVersion.V88_5_3,
      'KubePrometheusStackVersion', KubePrometheusStackVersion);
    this.releaseName = props.releaseName ?? 'kube-prometheus-stack';
    if (!RELEASE_NAME.test(this.releaseName)) {
      throw new Error(`releaseName is '${this.releaseName}' but a Helm release name must be lowercase letters, digits and '-', at most 53 characters`);
    }
    this.grafanaAdmin = props.grafanaAdmin ?? GrafanaAdminCredentials.fromExistingSecret('grafana-admin');
    if (this.grafanaAdmin.existingSecretName === undefined) {
      process.emitWarning(`${this.node.path}: Grafana's admin password is written into the output in plain text (GrafanaAdminCredentials.unsafePlaintext); anyone who can read it or its Git repository has the password. Use GrafanaAdminCredentials.fromExistingSecret for anything but a throwaway cluster.`, { code: 'CDK8S_PLAINTEXT_SECRET' });
    }
    this.grafanaService = (props.grafanaService ?? ServiceExposure.clusterIP()).validate('grafanaService');
    this.prometheusService = (props.prometheusService ?? ServiceExposure.clusterIP()).validate('prometheusService');
    this.alertmanagerService = (props.alertmanagerService ?? ServiceExposure.clusterIP()).validate('alertmanagerService');
    const exposures: Array<[string, ServiceExposure]> = [['grafanaService', this.grafanaService], ['prometheusService', this.prometheusService], ['alertmanagerService', this.alertmanagerService]];
    for (const [i, [prop, exposure]] of exposures.entries()) {
      const clash = exposures.slice(i + 1).find(([, other]) => exposure.nodePort !== undefined && other.nodePort === exposure.nodePort);
      if (clash) {
        throw new Error(`${prop} and ${clash[0]} both use node port ${exposure.nodePort}; a node port can serve one Service only, give each its own`);
      }
    }
    const retentionDays = checkWholeNumber('retentionDays', props.retentionDays ?? 10, 1);
    const replicas = checkWholeNumber('prometheusReplicas', props.prometheusReplicas ?? 1, 1, 10);
    this.namespace = props.namespace ?? new Namespace(this, 'Namespace', { name: 'monitoring' });

    if (!props.prometheusStorageClass && (props.prometheusStorageSize !== undefined || props.prometheusStorageAccessMode !== undefined)) {
      const set = [['prometheusStorageSize', props.prometheusStorageSize], ['prometheusStorageAccessMode', props.prometheusStorageAccessMode]]
        .filter(([, v]) => v !== undefined).map(([k, v]) => `${k} is '${v}'`).join(' and ');
      throw new Error(`${set} but prometheusStorageClass is not set; pass the StorageClass construct the volume should use (e.g. a LonghornStorageClass), or drop them`);
    }
    // The volume's size, resolved and checked once; only a volume with a StorageClass has one.
    const volumeSize = props.prometheusStorageClass && storageQuantity('prometheusStorageSize', props.prometheusStorageSize ?? '10Gi');
    const retentionSize = retentionSizeFor(props.retentionSize, volumeSize);
    const prometheusSpec: ChartValues = {
      retention: `${retentionDays}d`,
      ...(retentionSize && { retentionSize }),
      replicas,
      ...(props.prometheusResources && { resources: resourcesValues('prometheusResources', props.prometheusResources) }),
      ...(props.prometheusStorageClass && volumeSize && { storageSpec: storageSpec(props.prometheusStorageClass, volumeSize, props.prometheusStorageAccessMode) }),
    };

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
        ...(props.operatorResources && { resources: resourcesValues('operatorResources', props.operatorResources) }),
      },
      grafana: mergeValues(this.grafanaAdmin.grafanaValues, {
        ...exposureValues(this.grafanaService, { path: '/' }),
        ...(props.grafanaResources && { resources: resourcesValues('grafanaResources', props.grafanaResources) }),
      }),
      alertmanager: {
        ...exposureValues(this.alertmanagerService, { paths: ['/'] }),
        ...(props.alertmanagerResources && { alertmanagerSpec: { resources: resourcesValues('alertmanagerResources', props.alertmanagerResources) } }),
      },
      ...(props.kubeStateMetricsResources && { 'kube-state-metrics': { resources: resourcesValues('kubeStateMetricsResources', props.kubeStateMetricsResources) } }),
      prometheus: {
        ...exposureValues(this.prometheusService, { paths: ['/'] }),
        prometheusSpec,
      },
    };

    this.rendered = addHelmChartObjects({ scope: this, crdScope: props.crdScope ?? this }, {
      chart: KUBE_PROMETHEUS_STACK_CHART,
      version,
      releaseName: this.releaseName,
      namespace: this.namespace.name,
      values: mergeValues(values, props.values),
      hooks: HookPolicy.KEEP_INSTALL_HOOKS,
    });
    this.applyPrometheusSpec(props.prometheusSpec);
    if (props.placement === Placement.WORKERS_ONLY) {
      const release = this.releaseName;
      placeOnWorkers(this.rendered.apiObjects, this.rendered.manifests, [
        { kind: 'Prometheus', name: `${release}-prometheus` },
        { kind: 'Alertmanager', name: `${release}-alertmanager` },
        { kind: 'Deployment', name: `${release}-grafana` },
        { kind: 'Deployment', name: `${release}-operator` },
        { kind: 'Deployment', name: `${release}-kube-state-metrics` },
      ]);
    }
  }

  /**
   * The chart's `prometheus.prometheusSpec` values are not the custom resource's spec (some keys
   * differ in shape, some are dropped), so typed fields go onto the rendered object itself.
   */
  private applyPrometheusSpec(spec: PrometheusSpec | undefined): void {
    const fields = toJson_PrometheusSpec(spec) ?? {};
    if (Object.keys(fields).length === 0) return;
    const prometheus = this.rendered.apiObjects.find(o => o.kind === 'Prometheus');
    if (!prometheus) {
      throw new Error('prometheusSpec is set but the render has no Prometheus object (is prometheus.enabled false in values?); drop prometheusSpec or enable Prometheus');
    }
    for (const [field, value] of Object.entries(fields).sort(([a], [b]) => a.localeCompare(b))) {
      prometheus.addJsonPatch(JsonPatch.add(`/spec/${field}`, value));
    }
  }
}

/** The chart's `service` and `ingress` values for one UI; `pathValues` is how that chart spells the path. */
function exposureValues(exposure: ServiceExposure, pathValues: ChartValues): ChartValues {
  const service = exposure.type === ServiceType.NODE_PORT ? { type: exposure.type, nodePort: exposure.nodePort } : { type: exposure.type };
  const ingress = exposure.ingress;
  if (!ingress) return { service };
  return {
    service,
    ingress: {
      enabled: true,
      hosts: [ingress.host],
      ...pathValues,
      ...(ingress.ingressClassName && { ingressClassName: ingress.ingressClassName }),
      ...(ingress.tlsSecretName && { tls: [{ secretName: ingress.tlsSecretName, hosts: [ingress.host] }] }),
    },
  };
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
const PROMETHEUS_BYTES = /^(([0-9]*[.])?[0-9]+)((K|M|G|T|P|E)i?)?B$/;

/** `retentionSize` in Prometheus' notation, defaulted from the volume and checked against it. */
function retentionSizeFor(retentionSize: Size | string | undefined, volumeSize: string | undefined): string | undefined {
  const volume = volumeSize === undefined ? undefined : quantityBytes(volumeSize);
  const ceiling = volume === undefined ? undefined : `${Math.floor((volume * RETENTION_SHARE) / MIB)}MB`;
  if (retentionSize === undefined) return ceiling;
  const text = retentionSize instanceof Size ? `${retentionSize.toMebibytes()}MB` : retentionSize;
  const match = PROMETHEUS_BYTES.exec(text);
  if (!match) {
    throw new Error(`retentionSize is '${text}' but must be a size in Prometheus' units such as '8GB' (B, KB, MB, GB, TB; powers of 2) or Size.gibibytes(8)`);
  }
  const bytes = Number.parseFloat(match[1]) * 1024 ** (match[4] ? 'KMGTPE'.indexOf(match[4]) + 1 : 0);
  if (volume !== undefined && bytes >= volume) {
    throw new Error(`retentionSize is '${text}' but the Prometheus volume is ${volumeSize}: Prometheus would fill it and crash-loop before deleting old data; use at most ${ceiling} (85%)`);
  }
  return text;
}
