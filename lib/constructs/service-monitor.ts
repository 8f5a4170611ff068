import { ApiObject, Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import type { ServiceMonitorSpecEndpoints } from '../../imports/servicemonitor-monitoring.coreos.com';
import { DNS_SUBDOMAIN } from './kube-names';
import { checkProps, describeValue, PropShape } from './known-props';
import { prometheusDuration } from './prometheus-duration';
import { KubePrometheusStack } from './kube-prometheus-stack';
import { checkEndpoint, kubeObjectOf, requireSameCluster, kubePrometheusStackOf, matchesSelector, MonitoringTarget, namespaceNotSelected, prometheusSelection, requireInsideStack, SelectedKind } from './prometheus-selection';

/** The label this library gives a Service without labels, so that a ServiceMonitor can select it. */
export const SERVICE_NAME_LABEL = 'app.kubernetes.io/name';

/** Props of {@link ServiceMonitor}. */
export interface ServiceMonitorProps {
  /** The stack whose Prometheus scrapes the Service: its selector labels are set for you. */
  readonly monitoring: MonitoringTarget;
  /**
   * The Service to scrape: a cdk8s-plus `Service` of any version (e.g. `deployment.exposeViaService()`),
   * an ApiObject, or a construct whose default child is one. Only the cdk8s ApiObject is read, so no
   * cdk8s-plus is needed at run time.
   */
  readonly service: IConstruct;
  /** Name of the Service port that serves the metrics; the Service must have a port of that name. */
  readonly port: string;
  /**
   * HTTP path of the metrics.
   * @default '/metrics'
   */
  readonly path?: string;
  /**
   * How often Prometheus scrapes it, as a cdk8s Duration or in Prometheus' syntax ('30s').
   * @default - the Prometheus' scrapeInterval (30s in kube-prometheus-stack)
   */
  readonly interval?: Duration | string;
  /**
   * Labels that select the Service (every one must be on it).
   * @default - the Service's `app.kubernetes.io/name` label, which is added (as the Service's name) when the Service has none
   */
  readonly selector?: { readonly [key: string]: string };
  /**
   * Further fields of the endpoint, typed from the ServiceMonitor CRD (scheme, TLS, relabelings, ...).
   * @default - none
   */
  readonly endpoint?: Omit<ServiceMonitorSpecEndpoints, 'port' | 'path' | 'interval'>;
  /**
   * Name of the ServiceMonitor object.
   * @default - the Service's name
   */
  readonly name?: string;
}

const SERVICE_MONITOR_PROPS: PropShape<ServiceMonitorProps> = {
  monitoring: true, service: true, port: true, path: true, interval: true, selector: true, endpoint: true, name: true,
};

/**
 * A prometheus-operator ServiceMonitor that has the stack's Prometheus scrape one Service, in the
 * Service's namespace, labelled so that the stack's Prometheus selects it (read from the rendered
 * Prometheus: `release: <releaseName>` by default). It keeps only endpoints of that one Service
 * (by `__meta_kubernetes_service_name`), however broad the label selector.
 *
 * Checked at synth, after the app is built: the Service has the port, the selector matches the
 * Service's labels, and the Prometheus looks into the Service's namespace.
 */
export class ServiceMonitor extends Construct {
  /** The ServiceMonitor object. */
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: ServiceMonitorProps) {
    super(scope, id);
    checkProps(`ServiceMonitor '${id}'`, props, SERVICE_MONITOR_PROPS);
    const generated = require('../../imports/servicemonitor-monitoring.coreos.com') as typeof import('../../imports/servicemonitor-monitoring.coreos.com');
    checkEndpoint(`ServiceMonitor '${id}'`, props.endpoint, generated.toJson_ServiceMonitorSpecEndpoints, 'servicemonitor.spec.endpoints');
    const stack = kubePrometheusStackOf(props.monitoring);
    requireInsideStack(this, props.monitoring, !(props.monitoring instanceof KubePrometheusStack), 'monitoring');
    const service = kubeObjectOf('service', props.service);
    requireSameCluster(this, 'service', service);
    if (service.kind !== 'Service' || service.apiVersion !== 'v1') {
      throw new Error(`service is ${service.apiVersion} ${service.kind} '${service.name}' but must be a v1 Service; for a Deployment or other workload use a PodMonitor`);
    }
    const namespace = service.metadata.namespace;
    if (!namespace) {
      throw new Error(`service '${service.name}' has no namespace, so the ServiceMonitor could not be placed beside it; give the Service (or its Chart) a namespace`);
    }
    if (typeof props.port !== 'string' || !props.port) throw new Error(`port is ${describeValue(props.port)} but must name a port of Service '${service.name}', e.g. 'metrics'`);
    const name = props.name ?? service.name;
    if (!DNS_SUBDOMAIN.test(name)) throw new Error(`name is '${name}' but must be a DNS subdomain (lowercase letters, digits, '-' and '.')`);
    const path = props.path ?? '/metrics';
    if (!path.startsWith('/')) throw new Error(`path is '${path}' but must start with '/', e.g. '/metrics'`);
    const interval = props.interval === undefined ? undefined : prometheusDuration('interval', props.interval, { unit: 'seconds' });
    const selection = prometheusSelection(stack, SelectedKind.SERVICE_MONITOR, 'monitoring');

    let selector: Record<string, string>;
    if (props.selector) {
      if (Object.keys(props.selector).length === 0) {
        throw new Error('selector is {} but would select every Service in the namespace; give at least one label of the Service, or leave selector out');
      }
      selector = { ...props.selector };
    } else {
      const own = service.metadata.getLabel(SERVICE_NAME_LABEL);
      if (own === undefined) service.metadata.addLabel(SERVICE_NAME_LABEL, service.name);
      selector = { [SERVICE_NAME_LABEL]: own ?? service.name };
    }

    this.apiObject = new generated.ServiceMonitor(this, 'Resource', {
      metadata: { name, namespace, labels: selection.labels },
      spec: {
        selector: { matchLabels: selector },
        namespaceSelector: { matchNames: [namespace] },
        endpoints: [{
          ...props.endpoint,
          port: props.port,
          path,
          ...(interval && { interval }),
          relabelings: [
            // Only this Service's endpoints, even where another Service carries the same labels.
            { sourceLabels: ['__meta_kubernetes_service_name'], regex: service.name, action: generated.ServiceMonitorSpecEndpointsRelabelingsAction.KEEP },
            ...(props.endpoint?.relabelings ?? []),
          ],
        }],
      },
    });
    // Its chart is applied after the stack's (the CRD and the Prometheus come first).
    this.node.addDependency(stack);

    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        const json = service.toJson();
        const labels = (json.metadata?.labels ?? {}) as Record<string, string>;
        if (!matchesSelector(labels, { matchLabels: selector })) {
          errors.push(`selector ${JSON.stringify(selector)} matches nothing of Service '${service.name}', whose labels are ${JSON.stringify(labels)}; use labels the Service has, or leave selector out`);
        }
        const ports = ((json.spec?.ports ?? []) as Array<{ name?: string; port?: number }>);
        if (!ports.some(p => p.name === props.port)) {
          const named = ports.filter(p => p.name).map(p => `'${p.name}'`);
          errors.push(`port is '${props.port}' but Service '${service.name}' has ${named.length > 0 ? `only the port(s) ${named.join(', ')}` : 'no named port'}; name the metrics port of the Service (ports: [{ name: '${props.port}', port: ... }]) or pass one of its names`);
        }
        const notSelected = namespaceNotSelected(this, selection, SelectedKind.SERVICE_MONITOR, namespace);
        if (notSelected) errors.push(notSelected);
        return errors;
      },
    });
  }
}
