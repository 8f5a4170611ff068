import { ApiObject, Duration, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import type { PodMonitorSpecPodMetricsEndpoints } from '../../imports/podmonitor-monitoring.coreos.com';
import { DNS_SUBDOMAIN } from './kube-names';
import { checkProps, describeValue, PropShape } from './known-props';
import { KubePrometheusStack } from './kube-prometheus-stack';
import { prometheusDuration } from './prometheus-duration';
import { checkEndpoint, kubeObjectOf, requireSameCluster, kubePrometheusStackOf, LabelSelectorJson, MonitoringTarget, namespaceNotSelected, prometheusSelection, requireInsideStack, SelectedKind } from './prometheus-selection';

/** Props of {@link PodMonitor}. */
export interface PodMonitorProps {
  /** The stack whose Prometheus scrapes the pods: its selector labels are set for you. */
  readonly monitoring: MonitoringTarget;
  /**
   * The workload whose pods are scraped: a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or Pod
   * (a cdk8s-plus object of any version, an ApiObject, or a construct whose default child is one).
   * Its pods are selected by the workload's own selector.
   */
  readonly workload: IConstruct;
  /** Name of the container port that serves the metrics; a container of the pod must have a port of that name. */
  readonly port: string;
  /**
   * HTTP path of the metrics.
   * @default '/metrics'
   */
  readonly path?: string;
  /**
   * How often Prometheus scrapes each pod, as a cdk8s Duration or in Prometheus' syntax ('30s').
   * @default - the Prometheus' scrapeInterval (30s in kube-prometheus-stack)
   */
  readonly interval?: Duration | string;
  /**
   * Further fields of the endpoint, typed from the PodMonitor CRD (scheme, TLS, relabelings, ...).
   * @default - none
   */
  readonly endpoint?: Omit<PodMonitorSpecPodMetricsEndpoints, 'port' | 'path' | 'interval'>;
  /**
   * Name of the PodMonitor object.
   * @default - the workload's name
   */
  readonly name?: string;
}

const POD_MONITOR_PROPS: PropShape<PodMonitorProps> = {
  monitoring: true, workload: true, port: true, path: true, interval: true, endpoint: true, name: true,
};
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'Pod'];

/**
 * A prometheus-operator PodMonitor that has the stack's Prometheus scrape every pod of one workload,
 * in the workload's namespace, labelled so that the stack's Prometheus selects it. The pod selector
 * is the workload's own (read when the app is synthesized, so containers and labels added later count).
 *
 * Checked at synth: the workload has a pod selector, a container port of the given name, and the
 * Prometheus looks into its namespace.
 */
export class PodMonitor extends Construct {
  /** The PodMonitor object. */
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: PodMonitorProps) {
    super(scope, id);
    checkProps(`PodMonitor '${id}'`, props, POD_MONITOR_PROPS);
    const generated = require('../../imports/podmonitor-monitoring.coreos.com') as typeof import('../../imports/podmonitor-monitoring.coreos.com');
    checkEndpoint(`PodMonitor '${id}'`, props.endpoint, generated.toJson_PodMonitorSpecPodMetricsEndpoints, 'podmonitor.spec.podMetricsEndpoints');
    const stack = kubePrometheusStackOf(props.monitoring);
    requireInsideStack(this, props.monitoring, !(props.monitoring instanceof KubePrometheusStack), 'monitoring');
    const workload = kubeObjectOf('workload', props.workload);
    requireSameCluster(this, 'workload', workload);
    if (!WORKLOAD_KINDS.includes(workload.kind)) {
      throw new Error(`workload is ${workload.apiVersion} ${workload.kind} '${workload.name}' but must be one of ${WORKLOAD_KINDS.join(', ')}; for a Service use a ServiceMonitor`);
    }
    const namespace = workload.metadata.namespace;
    if (!namespace) {
      throw new Error(`workload '${workload.name}' has no namespace, so the PodMonitor could not be placed beside it; give the workload (or its Chart) a namespace`);
    }
    if (typeof props.port !== 'string' || !props.port) throw new Error(`port is ${describeValue(props.port)} but must name a container port of '${workload.name}', e.g. 'metrics'`);
    const name = props.name ?? workload.name;
    if (!DNS_SUBDOMAIN.test(name)) throw new Error(`name is '${name}' but must be a DNS subdomain (lowercase letters, digits, '-' and '.')`);
    const path = props.path ?? '/metrics';
    if (!path.startsWith('/')) throw new Error(`path is '${path}' but must start with '/', e.g. '/metrics'`);
    const interval = props.interval === undefined ? undefined : prometheusDuration('interval', props.interval, { unit: 'seconds' });
    const selection = prometheusSelection(stack, SelectedKind.POD_MONITOR, 'monitoring');

    this.apiObject = new generated.PodMonitor(this, 'Resource', {
      metadata: { name, namespace, labels: selection.labels },
      spec: {
        // The workload's selector is only final once the app is built (cdk8s-plus adds its own label).
        selector: Lazy.any({ produce: () => podSelector(workload) }),
        namespaceSelector: { matchNames: [namespace] },
        podMetricsEndpoints: [{ ...props.endpoint, port: props.port, path, ...(interval && { interval }) }],
      },
    });
    this.node.addDependency(stack);

    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        const selector = podSelector(workload);
        if (!selector.matchLabels && !selector.matchExpressions?.length) {
          errors.push(`workload '${workload.name}' selects its pods by no label, so the PodMonitor would scrape every pod of namespace '${namespace}'; give the workload a selector (pod labels)`);
        }
        const ports = podTemplate(workload.toJson())?.containers?.flatMap(c => c.ports ?? []) ?? [];
        if (!ports.some(p => p.name === props.port)) {
          const named = ports.filter(p => p.name).map(p => `'${p.name}'`);
          errors.push(`port is '${props.port}' but the containers of '${workload.name}' have ${named.length > 0 ? `only the port(s) ${named.join(', ')}` : 'no named port'}; name the metrics port of the container (ports: [{ name: '${props.port}', number: ... }]) or pass one of its names`);
        }
        const notSelected = namespaceNotSelected(this, selection, SelectedKind.POD_MONITOR, namespace);
        if (notSelected) errors.push(notSelected);
        return errors;
      },
    });
  }
}

interface PodSpecJson {
  containers?: Array<{ ports?: Array<{ name?: string }> }>;
}

/** The pod spec of a workload's JSON (a Pod's own spec, a Job's or Deployment's template). */
function podTemplate(json: any): PodSpecJson | undefined {
  return json.kind === 'Pod' ? json.spec : json.spec?.template?.spec;
}

function podSelector(workload: ApiObject): LabelSelectorJson {
  const json = workload.toJson();
  if (json.kind === 'Pod') return { matchLabels: json.metadata?.labels };
  const selector = json.spec?.selector as LabelSelectorJson | undefined;
  // A Job without a selector gets one from the API server (controller-uid); its template labels are the stable part.
  if (json.kind === 'Job' && !selector) return { matchLabels: json.spec?.template?.metadata?.labels };
  return selector ?? {};
}
