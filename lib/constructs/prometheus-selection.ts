import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { clusterOf } from '../render/cluster-boundary';
import { checkConverted } from './known-props';
import { KubePrometheusStack } from './kube-prometheus-stack';

/** A construct that holds a kube-prometheus-stack, such as a whole `MonitoringStack` (a cluster with its own output folder). */
export interface IMonitoringTarget extends IConstruct {
  /** The kube-prometheus-stack whose Prometheus selects the objects and whose Grafana loads them. */
  readonly kubePrometheusStack: KubePrometheusStack;
}

/**
 * Where monitoring objects go: a whole `MonitoringStack` (any {@link IMonitoringTarget}), or a
 * {@link KubePrometheusStack} used on its own. Its Prometheus selects them and its Grafana loads them.
 */
export type MonitoringTarget = IMonitoringTarget | KubePrometheusStack;

/** The kube-prometheus-stack of `target`. */
export function kubePrometheusStackOf(target: MonitoringTarget): KubePrometheusStack {
  return target instanceof KubePrometheusStack ? target : target.kubePrometheusStack;
}

/** A Kubernetes label selector, as in the API (`matchLabels` and `matchExpressions`). */
export interface LabelSelectorJson {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: string; readonly values?: readonly string[] }>;
}

/** The kinds of objects a Prometheus selects by label, with the field of its spec that selects each. */
export enum SelectedKind {
  /** ServiceMonitor: `serviceMonitorSelector`, `serviceMonitorNamespaceSelector`. */
  SERVICE_MONITOR = 'serviceMonitor',
  /** PodMonitor: `podMonitorSelector`, `podMonitorNamespaceSelector`. */
  POD_MONITOR = 'podMonitor',
  /** PrometheusRule: `ruleSelector`, `ruleNamespaceSelector`. */
  RULE = 'rule',
}

/** How the stack's Prometheus picks objects of one kind, read from the rendered Prometheus object. */
export interface PrometheusSelection {
  /** Labels an object needs for the Prometheus to select it. */
  readonly labels: Record<string, string>;
  /** The namespace selector: undefined selects only the Prometheus' own namespace, `{}` every namespace. */
  readonly namespaceSelector?: LabelSelectorJson;
  /** The Prometheus' own namespace. */
  readonly prometheusNamespace: string;
}

/**
 * The labels and namespaces the stack's Prometheus selects `kind` by, as the chart rendered them
 * (kube-prometheus-stack selects on `release: <releaseName>` unless its values say otherwise). Throws
 * when the Prometheus selects no object of that kind, or selects in a way no set of labels satisfies.
 */
export function prometheusSelection(stack: KubePrometheusStack, kind: SelectedKind, prop: string): PrometheusSelection {
  const prometheus = stack.rendered?.manifests.find(m => m.kind === 'Prometheus');
  // Where the render put it: raw values may move it.
  const prometheusNamespace = prometheus?.metadata.namespace ?? stack.namespace.name;
  // Without a render (a missing chart) the synth fails anyway, naming the chart; assume the chart's default.
  if (!prometheus) return { labels: { release: stack.releaseName }, namespaceSelector: {}, prometheusNamespace };
  const spec = (prometheus.spec ?? {}) as Record<string, LabelSelectorJson | null | undefined>;
  const field = kind === SelectedKind.RULE ? 'ruleSelector' : `${kind}Selector`;
  const selector = spec[field];
  if (!selector) {
    throw new Error(`${prop} is ${stack.node.path}, whose Prometheus has no ${field} and so selects no ${kindName(kind)}; set prometheus.prometheusSpec.${field} (e.g. {}) in its chart values`);
  }
  const labels: Record<string, string> = { ...selector.matchLabels };
  for (const expression of selector.matchExpressions ?? []) {
    if (expression.operator === 'In' && expression.values?.length) {
      labels[expression.key] ??= expression.values[0];
    } else if (expression.operator === 'Exists') {
      labels[expression.key] ??= 'true';
    } else if (expression.operator === 'NotIn' || expression.operator === 'DoesNotExist') {
      if (expression.key in labels && (expression.operator === 'DoesNotExist' || expression.values?.includes(labels[expression.key]))) {
        throw new Error(`${prop} is ${stack.node.path}, whose Prometheus ${field} both requires and excludes label '${expression.key}'; no ${kindName(kind)} can be selected; fix the selector in its chart values`);
      }
    } else {
      throw new Error(`${prop} is ${stack.node.path}, whose Prometheus ${field} has an expression with operator '${expression.operator}' on '${expression.key}' that this library cannot satisfy; use matchLabels in its chart values`);
    }
  }
  return { labels, namespaceSelector: spec[`${kind === SelectedKind.RULE ? 'rule' : kind}NamespaceSelector`] ?? undefined, prometheusNamespace };
}

/**
 * Why the Prometheus does not look into `namespace` for objects of `kind`, or undefined when it does.
 * A namespace selector with labels is checked against the Namespace object in the app, if there is one.
 */
export function namespaceNotSelected(scope: IConstruct, selection: PrometheusSelection, kind: SelectedKind, namespace: string): string | undefined {
  const selector = selection.namespaceSelector;
  if (!selector) {
    return namespace === selection.prometheusNamespace ? undefined
      : `the Prometheus only selects ${kindName(kind)}s in its own namespace '${selection.prometheusNamespace}', and this one is in '${namespace}'; put it there or set the Prometheus' ${kind === SelectedKind.RULE ? 'rule' : kind}NamespaceSelector to {}`;
  }
  if (!selector.matchLabels && !selector.matchExpressions?.length) return undefined;
  const namespaceObject = scope.node.root.node.findAll()
    .find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Namespace' && c.name === namespace);
  if (!namespaceObject) {
    return `the Prometheus only selects ${kindName(kind)}s in namespaces labelled ${JSON.stringify(selector)}, and namespace '${namespace}' is not in this app, so that cannot be checked; add the Namespace (with those labels) to the app`;
  }
  const labels = (namespaceObject.toJson().metadata?.labels ?? {}) as Record<string, string>;
  return matchesSelector(labels, selector) ? undefined
    : `the Prometheus only selects ${kindName(kind)}s in namespaces labelled ${JSON.stringify(selector)}, and namespace '${namespace}' has labels ${JSON.stringify(labels)}; label the Namespace to match`;
}

/** Whether `labels` satisfy `selector`, as the API server decides it. */
export function matchesSelector(labels: Readonly<Record<string, string>>, selector: LabelSelectorJson): boolean {
  const labelsMatch = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return labelsMatch && (selector.matchExpressions ?? []).every(e => {
    switch (e.operator) {
      case 'In': return k(e.key) && (e.values ?? []).includes(labels[e.key]);
      case 'NotIn': return !k(e.key) || !(e.values ?? []).includes(labels[e.key]);
      case 'Exists': return k(e.key);
      case 'DoesNotExist': return !k(e.key);
      default: return false;
    }
  });
  function k(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(labels, key);
  }
}

function kindName(kind: SelectedKind): string {
  return kind === SelectedKind.SERVICE_MONITOR ? 'ServiceMonitor' : kind === SelectedKind.POD_MONITOR ? 'PodMonitor' : 'PrometheusRule';
}

/**
 * Throws when `target` is a MonitoringStack (a cluster with its own output folder) and `construct` is
 * not inside it: its objects would be written outside the stack's folder, which holds the CRDs they need
 * and is applied on its own. A Longhorn or KubePrometheusStack used on its own has no folder to be in.
 */
export function requireInsideStack(construct: IConstruct, target: IConstruct, isStack: boolean, prop: string): void {
  if (!isStack || construct.node.scopes.includes(target)) return;
  throw new Error(`${prop} is the MonitoringStack '${target.node.id}' but ${construct.node.path} is outside it, so its objects would be written outside dist/${target.node.id}/, which holds the CRDs they need and is applied on its own; create it in a Chart inside the stack, e.g. new Chart(stack, 'apps')`);
}

/**
 * The Kubernetes object of `construct`: itself when it is an ApiObject, else its default child (what
 * cdk8s' `ApiObject.of` finds: the `Resource` child of a cdk8s-plus Service or Deployment, of any
 * cdk8s-plus version, since only the cdk8s object is read).
 */
export function kubeObjectOf(prop: string, construct: IConstruct): ApiObject {
  try {
    return ApiObject.of(construct);
  } catch {
    throw new Error(`${prop} is ${construct.node.path}, which is no ApiObject and has none as its default child; pass a cdk8s-plus object, an ApiObject, or a construct whose 'Resource' child is one`);
  }
}

/**
 * Throws unless `object` (the prop `prop`) is in the cluster of `monitor`: a Prometheus scrapes its own cluster only,
 * and each cluster (MonitoringStack) is a folder of its own, applied to its own cluster.
 */
export function requireSameCluster(monitor: IConstruct, prop: string, object: IConstruct): void {
  const [here, there] = [clusterOf(monitor), clusterOf(object)];
  // Outside any stack is no other cluster: a plain App writes every chart into one folder.
  const root = monitor.node.root;
  if (here === there || (object.node.root === root && (here === root || there === root))) return;
  const name = (cluster: IConstruct) => (cluster.node.root !== monitor.node.root ? 'another App'
    : cluster === cluster.node.root ? 'the app, outside any MonitoringStack' : `MonitoringStack '${cluster.node.id}'`);
  throw new Error(`${prop} ${object.node.path} is in ${name(there)}, but ${monitor.node.path} is in ${name(here)}, whose Prometheus cannot scrape another cluster; create the monitor in a Chart of the stack the ${prop} is in`);
}

/**
 * Checks a monitor's `endpoint` prop (typed from its CRD, `convert` its generated converter): the fields its own
 * props set (port, path, interval) are not taken from it, and a field the CRD lacks would be dropped without a word.
 */
export function checkEndpoint(construct: string, endpoint: object | undefined, convert: (endpoint: never) => unknown, explain: string): void {
  if (endpoint === undefined) return;
  const own = ['port', 'path', 'interval'].find(key => (endpoint as Record<string, unknown>)[key] !== undefined);
  if (own) throw new Error(`${construct} endpoint.${own} is set, but the ${own} prop sets the endpoint's ${own}: use ${own} instead`);
  checkConverted(construct, 'endpoint', endpoint, convert(endpoint as never), explain);
}
