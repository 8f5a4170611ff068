// The Gateway API's standard CRDs, from the sigs.k8s.io/gateway-api Go module (test/cluster/build.sh gateway-api-crds,
// cached beside the harness's programs), for tests that apply routes to the harness's real API server.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ControlPlane } from './control-plane';
import { HARNESS_DIR } from './harness';

/** The CustomResourceDefinitions of the Gateway API's standard channel (its other manifests left out), as YAML. */
export function gatewayApiCrds(): string[] {
  const result = spawnSync('bash', [path.join(HARNESS_DIR, 'build.sh'), 'gateway-api-crds'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const dir = result.stdout?.match(/^gateway-api-crds=(.+)$/m)?.[1];
  if (result.status !== 0 || !dir) throw new Error(`test/cluster/build.sh gateway-api-crds failed (exit ${result.status}${result.error ? `: ${result.error.message}` : ''}); its output is above`);
  // vap_safeupgrades.yaml is a ValidatingAdmissionPolicy, not a CRD: it would refuse other tests' stand-in CRDs.
  return fs.readdirSync(dir).filter(f => f.endsWith('.yaml')).sort()
    .map(f => fs.readFileSync(path.join(dir, f), 'utf8'))
    .filter(text => YAML.parseAllDocuments(text).some(d => d.toJS()?.kind === 'CustomResourceDefinition'));
}

/** Applies the Gateway API CRDs to `controlPlane` (server-side, taking over a stand-in's fields) and waits until each is served. */
export function applyGatewayApiCrds(controlPlane: ControlPlane, fieldManager: string): void {
  const crds = gatewayApiCrds();
  const applied = controlPlane.kubectl(['apply', '--server-side', `--field-manager=${fieldManager}`, '--force-conflicts', '-f', '-'], { input: crds.join('\n---\n'), timeoutMs: 120_000 });
  if (applied.status !== 0) throw new Error(`applying the Gateway API CRDs failed: ${applied.stderr}`);
  const names = crds.flatMap(text => YAML.parseAllDocuments(text).map(d => d.toJS()?.metadata?.name as string | undefined)).filter((n): n is string => !!n);
  const established = controlPlane.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...names.map(n => `crd/${n}`)]);
  if (established.status !== 0) throw new Error(`the Gateway API CRDs were not established: ${established.stderr}`);
}
