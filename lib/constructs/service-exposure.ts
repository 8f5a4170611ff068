import { isIP } from 'net';
import { IConstruct } from 'constructs';
import { ClusterApi } from '../render/kube-api';
import { DNS_LABEL, DNS_SUBDOMAIN } from './kube-names';
import { checkProps, oneOf, PropShape } from './known-props';
import { asNumber } from './quantity';

/** Kubernetes Service types this library exposes web UIs with. */
export enum ServiceType {
  /** Reachable only inside the cluster (use `kubectl port-forward` or an Ingress). */
  CLUSTER_IP = 'ClusterIP',
  /** Reachable on every node's IP at a fixed port from 30000 to 32767. */
  NODE_PORT = 'NodePort',
  /** Reachable on an address a load balancer (MetalLB, kube-vip, a cloud's) gives the Service. */
  LOAD_BALANCER = 'LoadBalancer',
}

/** The range of node ports a default kube-apiserver accepts (`--service-node-port-range`). */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

/** How an Ingress path matches request paths. */
export enum IngressPathType {
  /** By path elements: '/grafana' matches '/grafana' and '/grafana/login', not '/grafanax'. */
  PREFIX = 'Prefix',
  /** The path exactly. */
  EXACT = 'Exact',
  /** As the IngressClass decides (ingress-nginx: a prefix, or a regular expression with its annotation). */
  IMPLEMENTATION_SPECIFIC = 'ImplementationSpecific',
}

/** TLS for some of an Ingress' hosts. */
export interface IngressTls {
  /** Hosts the certificate covers; each must be one of the Ingress' hosts. */
  readonly hosts: string[];
  /** Secret (in the UI's namespace) holding the certificate, e.g. one cert-manager writes. */
  readonly secretName: string;
}

/**
 * An Ingress in front of a web UI. Give its hosts with `hosts` (or one with `host`) and TLS per host with
 * `tls` (or one Secret for every host with `tlsSecretName`): `{ host: 'a', tlsSecretName: 's' }` is
 * `{ hosts: ['a'], tls: [{ hosts: ['a'], secretName: 's' }] }`.
 */
export interface IngressOptions {
  /**
   * The one host name the UI answers on (e.g. 'grafana.lab.example.com'); for several, use `hosts`.
   * @default - `hosts`
   */
  readonly host?: string;
  /**
   * Host names the UI answers on; a leading '*.' is a wildcard.
   * @default - [host]
   */
  readonly hosts?: string[];
  /**
   * Paths on each host that lead to the UI. Grafana's chart takes one: serve Grafana under a sub-path with its
   * `root_url` setting.
   * @default ['/']
   */
  readonly paths?: string[];
  /**
   * How the paths match.
   * @default - the chart's: IngressPathType.PREFIX for Grafana, IngressPathType.IMPLEMENTATION_SPECIFIC for Prometheus and Alertmanager
   */
  readonly pathType?: IngressPathType;
  /**
   * Annotations of the Ingress, e.g. `{ 'cert-manager.io/cluster-issuer': 'letsencrypt' }`.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
  /**
   * IngressClass that serves it.
   * @default - the cluster's default IngressClass
   */
  readonly ingressClassName?: string;
  /**
   * TLS per host: which Secret holds the certificate of which hosts.
   * @default - `tlsSecretName` for every host, or plain HTTP
   */
  readonly tls?: IngressTls[];
  /**
   * Secret (in the UI's namespace) holding the TLS certificate for every host; for one per host, use `tls`.
   * @default - plain HTTP
   */
  readonly tlsSecretName?: string;
}

/** A Gateway an HTTPRoute attaches to. */
export interface GatewayParentRef {
  /** The Gateway's name. */
  readonly name: string;
  /**
   * The Gateway's namespace (it must allow routes from the UI's namespace).
   * @default - the UI's namespace
   */
  readonly namespace?: string;
  /**
   * The Gateway listener to attach to.
   * @default - every listener of the Gateway that accepts the route
   */
  readonly sectionName?: string;
}

/** How an HTTPRoute path matches request paths. */
export enum HttpRoutePathType {
  /** By path elements: '/grafana' matches '/grafana' and '/grafana/login', not '/grafanax'. */
  PATH_PREFIX = 'PathPrefix',
  /** The path exactly. */
  EXACT = 'Exact',
  /** A regular expression, in the Gateway implementation's dialect. */
  REGULAR_EXPRESSION = 'RegularExpression',
}

/** A path an HTTPRoute sends to the UI. */
export interface HttpRoutePath {
  /**
   * How `value` matches.
   * @default HttpRoutePathType.PATH_PREFIX
   */
  readonly type?: HttpRoutePathType;
  /** The path, e.g. '/'. */
  readonly value: string;
}

/** A Gateway API HTTPRoute in front of a web UI. */
export interface HttpRouteOptions {
  /** The Gateways it attaches to, e.g. `[{ name: 'homelab', namespace: 'gateway' }]`. */
  readonly parentRefs: GatewayParentRef[];
  /**
   * Host names it answers on; a leading '*.' is a wildcard.
   * @default - every host name the Gateway's listeners accept
   */
  readonly hostnames?: string[];
  /**
   * Paths that lead to the UI.
   * @default [{ type: HttpRoutePathType.PATH_PREFIX, value: '/' }]
   */
  readonly paths?: HttpRoutePath[];
}

/** A LoadBalancer Service (MetalLB, kube-vip, Cilium, a cloud's load balancer). */
export interface LoadBalancerOptions {
  /**
   * The address to ask for, as the Service's `spec.loadBalancerIP` (which MetalLB, kube-vip and Cilium honour).
   * For MetalLB's annotation instead, put `metallb.universe.tf/loadBalancerIPs` in `annotations`.
   * @default - one the load balancer picks
   */
  readonly loadBalancerIP?: string;
  /**
   * Annotations of the Service, e.g. `{ 'metallb.universe.tf/address-pool': 'lab' }`.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

const INGRESS_OPTIONS: PropShape<IngressOptions> = {
  hosts: [true], host: true, paths: [true], pathType: oneOf(IngressPathType, 'IngressPathType'), annotations: true, ingressClassName: true, tls: [{ hosts: [true], secretName: true }], tlsSecretName: true,
};
const HTTP_ROUTE_OPTIONS: PropShape<HttpRouteOptions> = {
  parentRefs: [{ name: true, namespace: true, sectionName: true }], hostnames: [true], paths: [{ type: oneOf(HttpRoutePathType, 'HttpRoutePathType'), value: true }],
};
const LOAD_BALANCER_OPTIONS: PropShape<LoadBalancerOptions> = { loadBalancerIP: true, annotations: true };

/** How a web UI's Service is reached. */
export class ServiceExposure {
  /** On every node at `port` (30000-32767), fixed so bookmarks and firewall rules stay valid. */
  public static nodePort(port: number): ServiceExposure {
    return new ServiceExposure(ServiceType.NODE_PORT, { nodePort: port });
  }

  /** Inside the cluster only. */
  public static clusterIP(): ServiceExposure {
    return new ServiceExposure(ServiceType.CLUSTER_IP);
  }

  /** Through an Ingress (the Service stays ClusterIP). */
  public static ingress(options: IngressOptions): ServiceExposure {
    checkProps('ServiceExposure.ingress', options, INGRESS_OPTIONS);
    return new ServiceExposure(ServiceType.CLUSTER_IP, { ingress: options });
  }

  /**
   * Through a Gateway API HTTPRoute (the Service stays ClusterIP). The cluster must serve Gateway API v1:
   * declare it with `clusterApis: [ClusterApi.GATEWAY_API_V1]` on the MonitoringStack.
   */
  public static httpRoute(options: HttpRouteOptions): ServiceExposure {
    checkProps('ServiceExposure.httpRoute', options, HTTP_ROUTE_OPTIONS);
    return new ServiceExposure(ServiceType.CLUSTER_IP, { route: options });
  }

  /** On an address of the cluster's load balancer (a LoadBalancer Service). */
  public static loadBalancer(options: LoadBalancerOptions = {}): ServiceExposure {
    checkProps('ServiceExposure.loadBalancer', options, LOAD_BALANCER_OPTIONS);
    return new ServiceExposure(ServiceType.LOAD_BALANCER, { loadBalancer: options });
  }

  /** The fixed node port, for {@link ServiceType.NODE_PORT}. */
  public readonly nodePort?: number;
  /** The Ingress, for {@link ServiceExposure.ingress}. */
  public readonly ingress?: IngressOptions;
  /** The HTTPRoute, for {@link ServiceExposure.httpRoute}. */
  public readonly route?: HttpRouteOptions;
  /** The load balancer's settings, for {@link ServiceExposure.loadBalancer}. */
  public readonly loadBalancer?: LoadBalancerOptions;

  private constructor(
    /** The Service type. */
    public readonly type: ServiceType,
    how: { nodePort?: number; ingress?: IngressOptions; route?: HttpRouteOptions; loadBalancer?: LoadBalancerOptions } = {},
  ) {
    this.nodePort = how.nodePort;
    this.ingress = how.ingress;
    this.route = how.route;
    this.loadBalancer = how.loadBalancer;
  }

  /**
   * Throws, naming `prop`, when a setting is one the API server would refuse or that cannot work: a node port
   * out of range, a host that is no DNS name, a TLS host the Ingress does not serve, an empty list, an
   * HTTPRoute on a cluster `scope` (the construct that uses it) is not declared to serve Gateway API v1.
   */
  public validate(prop: string, scope: IConstruct): this {
    if (this.nodePort !== undefined && (!Number.isInteger(this.nodePort) || this.nodePort < NODE_PORT_RANGE.min || this.nodePort > NODE_PORT_RANGE.max)) {
      throw new Error(`${prop} has node port ${asNumber(this.nodePort)} but node ports must be whole numbers from ${NODE_PORT_RANGE.min} to ${NODE_PORT_RANGE.max} (the kube-apiserver --service-node-port-range default); pick one in that range, e.g. ServiceExposure.nodePort(30300)`);
    }
    if (this.ingress) validateIngress(prop, this.ingress);
    if (this.route) validateRoute(prop, this.route, scope);
    if (this.loadBalancer) {
      const { loadBalancerIP, annotations } = this.loadBalancer;
      if (loadBalancerIP !== undefined && isIP(loadBalancerIP) === 0) {
        throw new Error(`${prop} has load balancer IP '${loadBalancerIP}' but it must be an IPv4 or IPv6 address such as '192.168.1.240' (one of the load balancer's pool), or left out for one the load balancer picks`);
      }
      checkAnnotations(prop, 'Service', annotations);
    }
    return this;
  }
}

/** A host name, or a wildcard ('*.lab.example.com'), as Ingress hosts and HTTPRoute hostnames take them. */
const HOST = new RegExp(`^(\\*\\.)?${DNS_SUBDOMAIN.source.slice(1)}`);
/** An annotation key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
const ANNOTATION_KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const list = (values: readonly string[]): string => `[${values.map(v => `'${v}'`).join(', ')}]`;

function validateIngress(prop: string, ingress: IngressOptions): void {
  if (ingress.host !== undefined && ingress.hosts !== undefined) {
    throw new Error(`${prop} has Ingress host '${ingress.host}' and hosts ${list(ingress.hosts)}; give them all in hosts (host is the short form for one)`);
  }
  const hosts = ingress.hosts ?? (ingress.host !== undefined ? [ingress.host] : []);
  if (hosts.length === 0) {
    throw new Error(`${prop} has an Ingress without hosts${ingress.hosts ? ' (hosts is [])' : ''}; give the names it answers on, e.g. hosts: ['grafana.lab.example.com']`);
  }
  for (const host of hosts) {
    if (!HOST.test(host)) throw new Error(`${prop} has Ingress host '${host}' but a host must be a lowercase DNS name such as 'grafana.lab.example.com' (or a wildcard such as '*.lab.example.com')`);
  }
  const twice = hosts.find((h, i) => hosts.indexOf(h) !== i);
  if (twice) throw new Error(`${prop} has Ingress host '${twice}' twice in hosts ${list(hosts)}; give each host once`);
  if (ingress.paths?.length === 0) throw new Error(`${prop} has Ingress paths [] but an Ingress needs a path; leave paths out for ['/']`);
  const relative = ingress.paths?.find(p => !p.startsWith('/'));
  if (relative !== undefined) throw new Error(`${prop} has Ingress path '${relative}' but a path must start with '/', e.g. '/${relative}'`);
  checkAnnotations(prop, 'Ingress', ingress.annotations);
  if (ingress.tls && ingress.tlsSecretName !== undefined) {
    throw new Error(`${prop} has both Ingress tls and tlsSecretName '${ingress.tlsSecretName}'; give the Secret in tls: [{ hosts, secretName: '${ingress.tlsSecretName}' }] instead`);
  }
  if (ingress.tls?.length === 0) throw new Error(`${prop} has Ingress tls []; leave tls out for plain HTTP, or give [{ hosts, secretName }]`);
  const secrets = [...(ingress.tls ?? []).map(t => t.secretName), ...(ingress.tlsSecretName !== undefined ? [ingress.tlsSecretName] : [])];
  const badSecret = secrets.find(s => !DNS_SUBDOMAIN.test(s));
  if (badSecret !== undefined) throw new Error(`${prop} has TLS Secret name '${badSecret}' but a Secret name must be a lowercase DNS name such as 'grafana-tls'`);
  for (const tls of ingress.tls ?? []) {
    if (!tls.hosts?.length) throw new Error(`${prop} has Ingress TLS with Secret '${tls.secretName}' for no hosts; name the hosts it covers, e.g. hosts: ['${hosts[0]}']`);
    const stranger = tls.hosts.find(h => !hosts.includes(h));
    if (stranger !== undefined) {
      throw new Error(`${prop} has TLS host '${stranger}' (Secret '${tls.secretName}') but the Ingress hosts are ${list(hosts)}; add it to hosts or take it out of tls`);
    }
  }
}

function validateRoute(prop: string, route: HttpRouteOptions, scope: IConstruct): void {
  if (!ClusterApi.declaredFor(scope).some(api => api.apiVersion === ClusterApi.GATEWAY_API_V1.apiVersion)) {
    throw new Error(`${prop} is an HTTPRoute (ServiceExposure.httpRoute) but the cluster is not declared to serve Gateway API v1 (${ClusterApi.GATEWAY_API_V1.apiVersion}), so the route would be refused; declare it: clusterApis: [ClusterApi.GATEWAY_API_V1] on the MonitoringStack, or ClusterApi.declare(app, ClusterApi.GATEWAY_API_V1) before adding this construct`);
  }
  if (!route.parentRefs?.length) {
    throw new Error(`${prop} has an HTTPRoute with parentRefs [], so no Gateway would serve it; name the Gateway, e.g. parentRefs: [{ name: 'homelab', namespace: 'gateway' }]`);
  }
  for (const ref of route.parentRefs) {
    if (!DNS_SUBDOMAIN.test(ref.name)) throw new Error(`${prop} has HTTPRoute parentRef name '${ref.name}' but a Gateway name must be a lowercase DNS name such as 'homelab'`);
    if (ref.namespace !== undefined && !DNS_LABEL.test(ref.namespace)) throw new Error(`${prop} has HTTPRoute parentRef namespace '${ref.namespace}' but a namespace must be a lowercase DNS label such as 'gateway'`);
    if (ref.sectionName !== undefined && !DNS_SUBDOMAIN.test(ref.sectionName)) throw new Error(`${prop} has HTTPRoute parentRef sectionName '${ref.sectionName}' but a listener name must be a lowercase DNS name such as 'https'`);
  }
  if (route.hostnames?.length === 0) throw new Error(`${prop} has HTTPRoute hostnames []; leave hostnames out for every host the Gateway accepts, or name them`);
  const badHost = route.hostnames?.find(h => !HOST.test(h));
  if (badHost !== undefined) throw new Error(`${prop} has HTTPRoute hostname '${badHost}' but a hostname must be a lowercase DNS name such as 'grafana.lab.example.com' (or a wildcard such as '*.lab.example.com')`);
  if (route.paths?.length === 0) throw new Error(`${prop} has HTTPRoute paths []; leave paths out for every path ('/' as a prefix), or name them`);
  const relative = route.paths?.find(p => (p.type ?? HttpRoutePathType.PATH_PREFIX) !== HttpRoutePathType.REGULAR_EXPRESSION && !p.value.startsWith('/'));
  if (relative) throw new Error(`${prop} has HTTPRoute path '${relative.value}' but a ${relative.type ?? HttpRoutePathType.PATH_PREFIX} path must start with '/', e.g. '/${relative.value}'`);
}

function checkAnnotations(prop: string, kind: string, annotations: Record<string, string> | undefined): void {
  const bad = Object.keys(annotations ?? {}).find(k => !ANNOTATION_KEY.test(k));
  if (bad !== undefined) {
    throw new Error(`${prop} has ${kind} annotation '${bad}' but an annotation key is a name of letters, digits, '-', '_' and '.' (at most 63), optionally after a DNS-name prefix and '/', e.g. 'cert-manager.io/cluster-issuer'`);
  }
}
