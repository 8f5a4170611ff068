import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { clusterOf } from '../render/cluster-boundary';
import { DNS_SUBDOMAIN } from './kube-names';
import { checkProps, describeValue, PropShape } from './known-props';
import { KubePrometheusStack } from './kube-prometheus-stack';
import { INamespace, NAMESPACE_REFERENCE_SHAPE } from './namespace';
import { kubePrometheusStackOf, MonitoringTarget, requireInsideStack } from './prometheus-selection';

/** A Grafana dashboard model (the JSON Grafana exports: "Share > Export > Save to file"). */
export class GrafanaDashboardJson {
  /** A dashboard from a JSON file, read when the app is built (a relative path is taken from the working directory). */
  public static fromFile(file: string): GrafanaDashboardJson {
    const resolved = path.resolve(file);
    let text: string;
    try {
      text = fs.readFileSync(resolved, 'utf8');
    } catch (e) {
      throw new Error(`GrafanaDashboardJson.fromFile('${file}'): cannot read ${resolved} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass the path of an exported dashboard JSON file`);
    }
    let model: unknown;
    try {
      model = JSON.parse(text);
    } catch (e) {
      throw new Error(`GrafanaDashboardJson.fromFile('${file}'): ${resolved} is not JSON (${(e as Error).message}); export the dashboard as JSON from Grafana`);
    }
    return new GrafanaDashboardJson(model, `GrafanaDashboardJson.fromFile('${file}')`);
  }

  /** A dashboard from an object (e.g. built in code, or `require`d JSON). */
  public static fromObject(model: { readonly [key: string]: unknown }): GrafanaDashboardJson {
    return new GrafanaDashboardJson(model, 'GrafanaDashboardJson.fromObject');
  }

  /** The dashboard's title. */
  public readonly title: string;
  /** The dashboard's uid, if it has one. */
  public readonly uid?: string;
  /** The model as Grafana reads it. */
  public readonly model: { readonly [key: string]: unknown };

  private constructor(model: unknown, source: string) {
    if (typeof model !== 'object' || model === null || Array.isArray(model)) {
      throw new Error(`${source} is ${Array.isArray(model) ? 'an array' : typeof model} but a dashboard is a JSON object with a title and panels`);
    }
    const dashboard = model as Record<string, unknown>;
    // An export "for sharing externally" wraps nothing but adds __inputs; a dashboard API response wraps the model.
    if (typeof dashboard.dashboard === 'object' && dashboard.dashboard !== null && dashboard.title === undefined) {
      throw new Error(`${source} is a dashboard API response ({ dashboard, meta }); pass its 'dashboard' field`);
    }
    if (typeof dashboard.title !== 'string' || !dashboard.title.trim()) {
      throw new Error(`${source} has title ${JSON.stringify(dashboard.title)} but a dashboard needs a non-empty title`);
    }
    if (dashboard.uid !== undefined && dashboard.uid !== null && (typeof dashboard.uid !== 'string' || !/^[a-zA-Z0-9_-]{1,40}$/.test(dashboard.uid))) {
      throw new Error(`${source} has uid ${JSON.stringify(dashboard.uid)} but a Grafana uid is 1 to 40 letters, digits, '-' and '_'`);
    }
    if (Array.isArray(dashboard.__inputs) && dashboard.__inputs.length > 0) {
      throw new Error(`${source} ('${dashboard.title}') was exported "for sharing externally" and has __inputs (${dashboard.__inputs.map((i: { name?: string }) => i.name).join(', ')}) that provisioning does not fill; export it again without that option`);
    }
    this.title = dashboard.title;
    this.uid = typeof dashboard.uid === 'string' ? dashboard.uid : undefined;
    // Grafana assigns ids itself; a provisioned dashboard with a fixed id can clash with another.
    const { id: _id, ...rest } = dashboard;
    this.model = rest;
  }
}

/** Props of {@link GrafanaDashboard}. */
export interface GrafanaDashboardProps {
  /** The stack whose Grafana loads the dashboard. */
  readonly monitoring: MonitoringTarget;
  /** The dashboard. */
  readonly dashboard: GrafanaDashboardJson;
  /**
   * Grafana folder to put it in. Needs the stack's Grafana to create folders from the sidecar's
   * directories: chart value `grafana.sidecar.dashboards.provider.foldersFromFilesStructure: true`.
   * @default - the General folder
   */
  readonly folder?: string;
  /**
   * Namespace of the ConfigMap (the sidecar must search it; kube-prometheus-stack searches all).
   * @default - the stack's namespace
   */
  readonly namespace?: INamespace;
  /**
   * Name of the ConfigMap.
   * @default - 'dashboard-' and the dashboard's uid, or the construct's path
   */
  readonly name?: string;
}

const GRAFANA_DASHBOARD_PROPS: PropShape<GrafanaDashboardProps> = { monitoring: true, dashboard: true, folder: true, namespace: NAMESPACE_REFERENCE_SHAPE, name: true };

/** ConfigMaps are stored in etcd whole; 1 MiB is the API server's limit for one object. */
const MAX_CONFIGMAP_BYTES = 1024 * 1024 - 16 * 1024;
const DEFAULT_FOLDER_ANNOTATION = 'k8s-sidecar-target-directory';

/** How the stack's Grafana dashboard sidecar finds dashboards, read from the rendered chart. */
interface DashboardSidecar {
  readonly label: string;
  readonly labelValue: string;
  readonly namespaces: 'ALL' | readonly string[];
  readonly folderAnnotation: string;
  readonly foldersFromFiles: boolean;
}

/**
 * A Grafana dashboard as the ConfigMap kube-prometheus-stack's dashboard sidecar loads: labelled as the
 * sidecar looks for (`grafana_dashboard: "1"`, read from the rendered Grafana), in a folder named by the
 * sidecar's folder annotation (`k8s-sidecar-target-directory`).
 *
 * Checked at synth: the stack's Grafana has the sidecar and searches the namespace; a folder needs the
 * chart's `foldersFromFilesStructure`; no two dashboards of one cluster share a uid or a file name in one folder.
 */
export class GrafanaDashboard extends Construct {
  /** The ConfigMap. */
  public readonly apiObject: ApiObject;
  /** The Grafana folder, if any. */
  public readonly folder?: string;
  /** The file the sidecar writes (`<name>.json`). */
  public readonly fileName: string;
  /** The dashboard. */
  public readonly dashboard: GrafanaDashboardJson;

  constructor(scope: Construct, id: string, props: GrafanaDashboardProps) {
    super(scope, id);
    checkProps(`GrafanaDashboard '${id}'`, props, GRAFANA_DASHBOARD_PROPS);
    const stack = kubePrometheusStackOf(props.monitoring);
    requireInsideStack(this, props.monitoring, !(props.monitoring instanceof KubePrometheusStack), 'monitoring');
    if (!(props.dashboard instanceof GrafanaDashboardJson)) {
      throw new Error(`dashboard is ${describeValue(props.dashboard)} but must be a GrafanaDashboardJson: GrafanaDashboardJson.fromFile('dashboards/web.json') or GrafanaDashboardJson.fromObject({ title, panels })`);
    }
    this.dashboard = props.dashboard;
    if (props.folder !== undefined && (!/^[^/\\]+$/.test(props.folder) || props.folder === '.' || props.folder === '..' || !props.folder.trim())) {
      throw new Error(`folder is '${props.folder}' but must be one folder name, without '/' (Grafana folders from the sidecar are one level deep)`);
    }
    this.folder = props.folder;
    const namespace = (props.namespace ?? stack.namespace).name;
    const name = props.name ?? (props.dashboard.uid ? `dashboard-${props.dashboard.uid.toLowerCase().replace(/_/g, '-')}` : undefined);
    if (name !== undefined && !DNS_SUBDOMAIN.test(name)) {
      throw new Error(`name is '${name}' but must be a DNS subdomain (lowercase letters, digits, '-' and '.')${props.name ? '' : "; the dashboard's uid gives it, so pass name"}`);
    }
    const json = JSON.stringify(props.dashboard.model);
    if (Buffer.byteLength(json) > MAX_CONFIGMAP_BYTES) {
      throw new Error(`dashboard '${props.dashboard.title}' is ${Buffer.byteLength(json)} bytes of JSON but a ConfigMap holds at most about 1 MiB; split it into several dashboards`);
    }
    const sidecar = dashboardSidecar(stack);
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        ...(name && { name }),
        namespace,
        labels: { [sidecar.label]: sidecar.labelValue },
        ...(this.folder && { annotations: { [sidecar.folderAnnotation]: this.folder } }),
      },
      // The sidecar writes each key as a file; the object's name (generated when not given) names it.
      data: Lazy.any({ produce: () => ({ [this.fileName]: json }) }),
    });
    this.fileName = `${this.apiObject.name}.json`;
    this.node.addDependency(stack);

    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        if (sidecar.namespaces !== 'ALL' && !sidecar.namespaces.includes(namespace)) {
          errors.push(`the Grafana of ${stack.node.path} loads dashboards only from namespace(s) ${sidecar.namespaces.join(', ')}, and this one is in '${namespace}'; pass one of those as namespace, or set grafana.sidecar.dashboards.searchNamespace: ALL in its chart values`);
        }
        if (this.folder && !sidecar.foldersFromFiles) {
          errors.push(`folder is '${this.folder}' but the Grafana of ${stack.node.path} puts every dashboard in one folder; set grafana.sidecar.dashboards.provider.foldersFromFilesStructure: true in its chart values`);
        }
        for (const other of dashboardsOf(clusterOf(this))) {
          if (other === this || other.node.path > this.node.path) continue;
          if (this.dashboard.uid && other.dashboard.uid === this.dashboard.uid) {
            errors.push(`dashboard '${this.dashboard.title}' has uid '${this.dashboard.uid}', as has ${other.node.path} ('${other.dashboard.title}'); Grafana keeps only one of them, so give each its own uid`);
          }
          if (other.fileName === this.fileName && other.folder === this.folder) {
            errors.push(`writes ${this.fileName} into folder '${this.folder ?? 'General'}', as does ${other.node.path}; the sidecar keeps only one, so give them different names`);
          }
        }
        return errors;
      },
    });
  }
}

function dashboardsOf(cluster: IConstruct): GrafanaDashboard[] {
  return cluster.node.findAll().filter((c): c is GrafanaDashboard => c instanceof GrafanaDashboard);
}

function dashboardSidecar(stack: KubePrometheusStack): DashboardSidecar {
  const manifests = stack.rendered?.manifests;
  // Without a render (a missing chart) the synth fails anyway, naming the chart; assume the chart's defaults.
  if (!manifests) return { label: 'grafana_dashboard', labelValue: '1', namespaces: 'ALL', folderAnnotation: DEFAULT_FOLDER_ANNOTATION, foldersFromFiles: false };
  const grafana = manifests.find(m => m.kind === 'Deployment' && m.metadata.labels?.['app.kubernetes.io/name'] === 'grafana') as any;
  const container = grafana?.spec?.template?.spec?.containers?.find((c: { name: string }) => c.name === 'grafana-sc-dashboard');
  if (!container) {
    throw new Error(`monitoring is ${stack.node.path}, whose Grafana has no dashboard sidecar (grafana.enabled or grafana.sidecar.dashboards.enabled is false in its chart values), so nothing would load this dashboard`);
  }
  const env = (name: string): string | undefined => container.env?.find((e: { name: string }) => e.name === name)?.value;
  const namespaces = env('NAMESPACE');
  const provider = manifests.find(m => m.kind === 'ConfigMap' && /-config-dashboards$/.test(m.metadata.name) && m.metadata.labels?.['app.kubernetes.io/name'] === 'grafana') as any;
  return {
    label: env('LABEL') ?? 'grafana_dashboard',
    labelValue: env('LABEL_VALUE') ?? '',
    namespaces: namespaces === undefined ? [stack.namespace.name] : namespaces === 'ALL' ? 'ALL' : namespaces.split(','),
    folderAnnotation: env('FOLDER_ANNOTATION') ?? DEFAULT_FOLDER_ANNOTATION,
    foldersFromFiles: /foldersFromFilesStructure:\s*true/.test(String(provider?.data?.['provider.yaml'] ?? '')),
  };
}
