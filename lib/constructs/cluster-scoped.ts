import { ApiObject, Chart, JsonPatch } from 'cdk8s';

/**
 * Keeps a cluster-scoped object free of a namespace even inside a Chart that has one (cdk8s stamps
 * a Chart's namespace on every object in it, and the API server rejects or misfiles such objects).
 */
export function keepClusterScoped(object: ApiObject): ApiObject {
  if (Chart.of(object).namespace !== undefined) {
    object.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
  return object;
}
