import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { keepClusterScoped } from '../constructs/cluster-scoped';
import { DroppedHook, HelmRenderRequest, renderHelmChart } from './helm-render';
import { KubeManifest } from '../output/kube-scope';

/** Where a Helm-rendered construct puts what it renders. */
export interface HelmChartPlacement {
  /** Scope for the chart's objects. */
  readonly scope: Construct;
  /** Scope for the chart's CustomResourceDefinitions, which must be applied before anything uses them. */
  readonly crdScope: Construct;
}

/** The objects one Helm render added to the app. */
export interface HelmChartObjects {
  /** Every object added, CRDs included, in helm's install order. */
  readonly apiObjects: ApiObject[];
  /** The rendered manifests behind {@link apiObjects}. */
  readonly manifests: KubeManifest[];
  /** Hook objects the render left out. */
  readonly droppedHooks: DroppedHook[];
}

/** Renders a chart and adds each object to the app as an `ApiObject`, CRDs into their own scope. */
export function addHelmChartObjects(placement: HelmChartPlacement, request: HelmRenderRequest): HelmChartObjects {
  const { manifests, droppedHooks } = renderHelmChart(request);
  const apiObjects = manifests.map(manifest => {
    const scope = manifest.kind === 'CustomResourceDefinition' ? placement.crdScope : placement.scope;
    const id = [manifest.kind, manifest.metadata.namespace, manifest.metadata.name].filter(Boolean).join('-');
    const object = new ApiObject(scope, id, manifest);
    // The render left a namespace only on namespaced objects.
    return manifest.metadata.namespace === undefined ? keepClusterScoped(object) : object;
  });
  return { apiObjects, manifests, droppedHooks };
}
