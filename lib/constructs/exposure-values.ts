import { ChartValues } from '../render/chart-values';
import { OwnedValue } from '../render/values-check';
import { ServiceExposure, ServiceType } from './service-exposure';

/** The chart values of one UI's Service and Ingress, which the UI's exposure prop owns. */
export const exposureOwnedValues = (ui: string, prop: string): OwnedValue[] => ['service.type', 'service.nodePort', 'ingress.enabled', 'ingress.hosts', 'ingress.ingressClassName', 'ingress.tls']
  .map(key => ({ path: `${ui}.${key}`, prop, owns: `how ${ui} is reached` }));

/** The chart's `service` and `ingress` values for one UI; `pathValues` is how that chart spells the path. */
export function exposureValues(exposure: ServiceExposure, pathValues: ChartValues): ChartValues {
  const service = exposure.type === ServiceType.NODE_PORT ? { type: exposure.type, nodePort: exposure.nodePort } : { type: exposure.type };
  const ingress = exposure.ingress;
  if (!ingress) return { service };
  return {
    service,
    ingress: {
      enabled: true,
      hosts: [ingress.host],
      ...pathValues,
      ...(ingress.ingressClassName && { ingressClassName: ingress.ingressClassName }),
      ...(ingress.tlsSecretName && { tls: [{ secretName: ingress.tlsSecretName, hosts: [ingress.host] }] }),
    },
  };
}
