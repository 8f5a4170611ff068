import { DNS_SUBDOMAIN } from './kube-names';

/** Kubernetes Service types this library exposes web UIs with. */
export enum ServiceType {
  /** Reachable only inside the cluster (use `kubectl port-forward` or an Ingress). */
  CLUSTER_IP = 'ClusterIP',
  /** Reachable on every node's IP at a fixed port from 30000 to 32767. */
  NODE_PORT = 'NodePort',
}

/** The range of node ports a default kube-apiserver accepts (`--service-node-port-range`). */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

/** An Ingress in front of a web UI. */
export interface IngressOptions {
  /** Host name the UI answers on (e.g. 'grafana.lab.example.com'). */
  readonly host: string;
  /**
   * IngressClass that serves it.
   * @default - the cluster's default IngressClass
   */
  readonly ingressClassName?: string;
  /**
   * Secret (in the UI's namespace) holding the TLS certificate for `host`.
   * @default - plain HTTP
   */
  readonly tlsSecretName?: string;
}

/** How a web UI's Service is reached. */
export class ServiceExposure {
  /** On every node at `port` (30000-32767), fixed so bookmarks and firewall rules stay valid. */
  public static nodePort(port: number): ServiceExposure {
    return new ServiceExposure(ServiceType.NODE_PORT, port);
  }

  /** Inside the cluster only. */
  public static clusterIP(): ServiceExposure {
    return new ServiceExposure(ServiceType.CLUSTER_IP);
  }

  /** Through an Ingress on `host` (the Service stays ClusterIP). */
  public static ingress(options: IngressOptions): ServiceExposure {
    return new ServiceExposure(ServiceType.CLUSTER_IP, undefined, options);
  }

  private constructor(
    /** The Service type. */
    public readonly type: ServiceType,
    /** The fixed node port, for {@link ServiceType.NODE_PORT}. */
    public readonly nodePort?: number,
    /** The Ingress, for {@link ServiceExposure.ingress}. */
    public readonly ingress?: IngressOptions,
  ) {}

  /** Throws, naming `prop`, when the node port is outside the range the API server accepts. */
  public validate(prop: string): this {
    if (this.nodePort !== undefined && (!Number.isInteger(this.nodePort) || this.nodePort < NODE_PORT_RANGE.min || this.nodePort > NODE_PORT_RANGE.max)) {
      throw new Error(`${prop} has node port ${this.nodePort} but node ports must be whole numbers from ${NODE_PORT_RANGE.min} to ${NODE_PORT_RANGE.max} (the kube-apiserver --service-node-port-range default); pick one in that range, e.g. ServiceExposure.nodePort(30300)`);
    }
    if (this.ingress && !DNS_SUBDOMAIN.test(this.ingress.host)) {
      throw new Error(`${prop} has Ingress host '${this.ingress.host}' but a host must be a lowercase DNS name such as 'grafana.lab.example.com'`);
    }
    return this;
  }
}
