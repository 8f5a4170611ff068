import { ChartValues } from '../render/chart-values';
import { OwnedValue } from '../render/values-check';
import { HttpRouteOptions, HttpRoutePathType, IngressOptions, ServiceExposure } from './service-exposure';

/**
 * The chart values of one UI's Service, Ingress and HTTPRoute, which the UI's exposure prop owns. The route
 * and the Service's annotations are owned only when the exposure sets them (a dotted prop counts when set):
 * a raw HTTPRoute beside a NodePort, or raw Service annotations, stand.
 */
export const exposureOwnedValues = (ui: string, prop: string): OwnedValue[] => [
  ...['service.type', 'service.nodePort', 'service.loadBalancerIP', 'ingress.enabled', 'ingress.hosts', 'ingress.ingressClassName',
    'ingress.annotations', 'ingress.path', 'ingress.paths', 'ingress.pathType', 'ingress.tls']
    .map(key => ({ path: `${ui}.${key}`, prop, owns: `how ${ui} is reached` })),
  { path: `${ui}.service.annotations`, prop: `${prop}.loadBalancer.annotations`, owns: `${ui}'s Service annotations`, use: `give them all in ${prop}: ServiceExposure.loadBalancer({ annotations })` },
  ...['enabled', 'hostnames', 'parentRefs', 'matches'].map(key => ({
    path: `${ui}.route.main.${key}`, prop: `${prop}.route`, owns: `${ui}'s HTTPRoute`, use: `set it in ${prop}: ServiceExposure.httpRoute({ parentRefs, hostnames, paths })`,
  })),
];

/**
 * The chart's `service`, `ingress` and `route` values for one UI, whose exposure is the prop `prop`;
 * `pathKey` is how that chart spells the Ingress path: one `path` (Grafana's) or a list of `paths`.
 */
export function exposureValues(exposure: ServiceExposure, prop: string, pathKey: 'path' | 'paths'): ChartValues {
  const lb = exposure.loadBalancer;
  const values: ChartValues = {
    service: {
      type: exposure.type,
      ...(exposure.nodePort !== undefined && { nodePort: exposure.nodePort }),
      ...(lb?.loadBalancerIP !== undefined && { loadBalancerIP: lb.loadBalancerIP }),
      ...(lb?.annotations && { annotations: lb.annotations }),
    },
  };
  if (exposure.ingress) values.ingress = ingressValues(exposure.ingress, prop, pathKey);
  if (exposure.route) values.route = { main: routeValues(exposure.route) };
  return values;
}

function ingressValues(ingress: IngressOptions, prop: string, pathKey: 'path' | 'paths'): ChartValues {
  const hosts = ingress.hosts ?? [ingress.host!];
  const paths = ingress.paths ?? ['/'];
  if (pathKey === 'path' && paths.length > 1) {
    throw new Error(`${prop} has Ingress paths [${paths.map(p => `'${p}'`).join(', ')}] but its chart takes one path per host; give one (a UI under a sub-path also needs its own root URL setting)`);
  }
  const tls = ingress.tls?.map(t => ({ secretName: t.secretName, hosts: t.hosts }))
    ?? (ingress.tlsSecretName !== undefined ? [{ secretName: ingress.tlsSecretName, hosts }] : undefined);
  return {
    enabled: true,
    hosts,
    ...(pathKey === 'path' ? { path: paths[0] } : { paths }),
    ...(ingress.pathType && { pathType: ingress.pathType }),
    ...(ingress.ingressClassName && { ingressClassName: ingress.ingressClassName }),
    ...(ingress.annotations && { annotations: ingress.annotations }),
    ...(tls && { tls }),
  };
}

function routeValues(route: HttpRouteOptions): ChartValues {
  return {
    enabled: true,
    parentRefs: route.parentRefs.map(ref => ({
      name: ref.name,
      ...(ref.namespace !== undefined && { namespace: ref.namespace }),
      ...(ref.sectionName !== undefined && { sectionName: ref.sectionName }),
    })),
    ...(route.hostnames && { hostnames: route.hostnames }),
    matches: (route.paths ?? [{ value: '/' }]).map(p => ({ path: { type: p.type ?? HttpRoutePathType.PATH_PREFIX, value: p.value } })),
  };
}
