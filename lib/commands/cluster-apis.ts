import { OutputFile } from '../output/validation';
import { groupOf, isBuiltInGroup } from '../render/kube-api';
import { KubectlRunner } from './kubectl';

/**
 * The API versions an output needs the cluster to serve already: those of its custom resources whose
 * CRD the output does not ship (declared at synth with ClusterApi), sorted.
 */
export function requiredClusterApis(files: readonly OutputFile[]): string[] {
  const objects = files.flatMap(f => f.objects);
  const shipped = new Set(objects.filter(o => o.kind === 'CustomResourceDefinition').flatMap(crd => {
    const spec = crd.spec as { group: string; versions?: Array<{ name: string }> };
    return (spec.versions ?? []).map(v => `${spec.group}/${v.name}`);
  }));
  return [...new Set(objects.map(o => o.apiVersion).filter(v => !isBuiltInGroup(groupOf(v)) && !shipped.has(v)))].sort();
}

/**
 * Throws, before anything is applied, unless the cluster serves every API in `apis`, naming the ones it
 * does not and what to do.
 */
export function checkClusterServes(kubectl: KubectlRunner, apis: readonly string[]): void {
  if (apis.length === 0) return;
  const result = kubectl.run(['api-versions']);
  if (result.status !== 0) throw new Error(`kubectl api-versions failed: ${result.stderr.trim()}`);
  const served = new Set(result.stdout.split('\n').map(l => l.trim()).filter(Boolean));
  const missing = apis.filter(api => !served.has(api));
  if (missing.length > 0) {
    throw new Error(`the output has objects of ${missing.join(', ')}, which the cluster does not serve, and their CRDs are not in the output (they were declared with ClusterApi as served by the cluster); install what brings them (a Gateway API implementation, cert-manager, ...) first, or remove the objects; nothing was applied`);
  }
}
