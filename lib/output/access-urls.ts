import { isIP } from 'net';
import { KubeManifest } from '../render/manifest-parse';
import { OutputFile } from './validation';

/** Where a person opens a UI the output exposes. */
export interface AccessUrl {
  /** `namespace/name` of the Service, Ingress or HTTPRoute. */
  readonly via: string;
  /**
   * The URL. Placeholders stand for what the cluster decides: `<node-ip>` (any node), `<node-port of x>` (a
   * node port the API server assigns), `<load-balancer-ip>`, `<ingress>` (the Ingress controller's address),
   * `<gateway>` (the Gateway's); `http(s)` where the Gateway listener's protocol is not in the output.
   */
  readonly url: string;
}

/** MetalLB's annotations for a Service's fixed addresses (comma-separated), old and new spelling. */
const LOAD_BALANCER_IP_ANNOTATIONS = ['metallb.universe.tf/loadBalancerIPs', 'metallb.io/loadBalancerIPs'];

/**
 * Every way in from outside the cluster the output has, read from the objects: NodePort and LoadBalancer
 * Services (each port), Ingresses (each host and path) and HTTPRoutes (each hostname and path).
 */
export function accessUrls(files: readonly OutputFile[]): AccessUrl[] {
  const objects = files.flatMap(f => f.objects);
  const urls: AccessUrl[] = [];
  for (const o of objects) {
    const via = `${o.metadata.namespace}/${o.metadata.name}`;
    const spec = o.spec as any;
    const add = (url: string) => { if (!urls.some(u => u.via === via && u.url === url)) urls.push({ via, url }); };
    if (o.kind === 'Service' && spec?.type === 'NodePort') {
      for (const port of spec.ports ?? []) add(`http://<node-ip>:${port.nodePort ?? `<node-port of ${port.name ?? port.port}>`}`);
    }
    if (o.kind === 'Service' && spec?.type === 'LoadBalancer') {
      const addresses = [spec.loadBalancerIP, ...LOAD_BALANCER_IP_ANNOTATIONS.flatMap(a => (o.metadata.annotations?.[a] ?? '').split(','))]
        .map(a => (a ?? '').trim()).filter(a => a !== '');
      for (const address of addresses.length > 0 ? [...new Set(addresses)] : ['<load-balancer-ip>']) {
        for (const port of spec.ports ?? []) add(`http://${isIP(address) === 6 ? `[${address}]` : address}:${port.port}`);
      }
    }
    if (o.kind === 'Ingress') {
      const tlsHosts = new Set<string>((spec?.tls ?? []).flatMap((t: { hosts?: string[] }) => t.hosts ?? []));
      if (spec?.defaultBackend) add('http://<ingress>/');
      for (const rule of spec?.rules ?? []) {
        const scheme = rule.host && tlsHosts.has(rule.host) ? 'https' : 'http';
        for (const p of rule.http?.paths ?? [{}]) add(`${scheme}://${rule.host ?? '<ingress>'}${p.path ?? '/'}`);
      }
    }
    if (o.kind === 'HTTPRoute') {
      const scheme = routeScheme(o, objects);
      const paths: string[] = (spec?.rules ?? []).flatMap((r: any) => (r.matches ?? [{}]).map((m: any) => m.path?.value ?? '/'));
      for (const host of spec?.hostnames ?? ['<gateway>']) {
        for (const path of paths.length > 0 ? paths : ['/']) add(`${scheme}://${host}${path}`);
      }
    }
  }
  return urls;
}

/** http or https as the listeners of the route's Gateways in the output say; 'http(s)' when they are elsewhere or mixed. */
function routeScheme(route: KubeManifest, objects: readonly KubeManifest[]): string {
  const protocols = new Set<string>();
  for (const ref of ((route.spec as any)?.parentRefs ?? []) as Array<{ name: string; namespace?: string; sectionName?: string }>) {
    const gateway = objects.find(o => o.kind === 'Gateway' && o.metadata.name === ref.name && o.metadata.namespace === (ref.namespace ?? route.metadata.namespace));
    const listeners = ((gateway?.spec as any)?.listeners ?? []) as Array<{ name: string; protocol: string }>;
    const used = listeners.filter(l => ref.sectionName === undefined || l.name === ref.sectionName);
    if (used.length === 0) return 'http(s)';
    used.forEach(l => protocols.add(l.protocol === 'HTTPS' ? 'https' : 'http'));
  }
  return protocols.size === 1 ? [...protocols][0] : 'http(s)';
}
