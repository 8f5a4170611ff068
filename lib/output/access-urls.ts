import { OutputFile } from './validation';

/** Where a person opens a UI the output exposes. */
export interface AccessUrl {
  /** `namespace/name` of the Service or Ingress. */
  readonly via: string;
  /** The URL; `<node-ip>` stands for the address of any node. */
  readonly url: string;
}

/** URLs of every fixed NodePort and every Ingress host in the output. */
export function accessUrls(files: readonly OutputFile[]): AccessUrl[] {
  const urls: AccessUrl[] = [];
  for (const o of files.flatMap(f => f.objects)) {
    const via = `${o.metadata.namespace}/${o.metadata.name}`;
    const spec = o.spec as any;
    if (o.kind === 'Service' && spec?.type === 'NodePort') {
      for (const port of spec.ports ?? []) {
        if (port.nodePort !== undefined) urls.push({ via, url: `http://<node-ip>:${port.nodePort}` });
      }
    }
    if (o.kind === 'Ingress') {
      const tlsHosts = new Set<string>((spec?.tls ?? []).flatMap((t: { hosts?: string[] }) => t.hosts ?? []));
      for (const rule of spec?.rules ?? []) {
        if (rule.host) urls.push({ via, url: `${tlsHosts.has(rule.host) ? 'https' : 'http'}://${rule.host}/` });
      }
    }
  }
  return urls;
}
