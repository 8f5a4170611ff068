/**
 * Fields of the Kubernetes workload API whose values are Kubernetes objects, maps or lists
 * (ObjectMeta, PodSpec, Container, the Deployment/DaemonSet/StatefulSet specs, ServiceSpec,
 * PersistentVolumeClaimSpec). Charts pass such values into their manifests as they are, so the
 * keys below them are Kubernetes', not the chart's, whatever the chart's default shows.
 * The same list serves every chart: it names Kubernetes fields, not any chart's values.
 */
const KUBERNETES_OBJECT_FIELDS = new Set([
  // ObjectMeta
  'labels', 'annotations',
  // PodSpec
  'affinity', 'tolerations', 'nodeSelector', 'securityContext', 'volumes', 'containers', 'initContainers',
  'imagePullSecrets', 'hostAliases', 'dnsConfig', 'topologySpreadConstraints', 'readinessGates', 'overhead',
  'resourceClaims', 'schedulingGates',
  // Container
  'args', 'command', 'env', 'envFrom', 'lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe', 'ports',
  'resources', 'volumeMounts', 'volumeDevices', 'resizePolicy',
  // Deployment, DaemonSet and StatefulSet specs
  'strategy', 'updateStrategy', 'volumeClaimTemplates', 'persistentVolumeClaimRetentionPolicy',
  // ServiceSpec
  'externalIPs', 'loadBalancerSourceRanges', 'sessionAffinityConfig', 'ipFamilies',
  // PersistentVolumeClaimSpec
  'accessModes', 'dataSource', 'dataSourceRef',
]);

/** Of those, the maps of strings: a default holding maps under them is the chart's own structure. */
const STRING_MAPS = new Set(['labels', 'annotations', 'nodeSelector']);

/** Suffixes charts put on those fields: `podSecurityContext`, `podAnnotations`, `serviceLabels`. */
const SUFFIXES = [...KUBERNETES_OBJECT_FIELDS].filter(f => f.length > 4).map(f => f[0].toUpperCase() + f.slice(1));

/**
 * The Kubernetes field a values key stands for, if any: the key itself (`resources`, `affinity`)
 * or its last camel-case words (`containerSecurityContext`, `podLabels`). `defaults` is the
 * chart's default: `additionalRuleGroupLabels: { alertmanager: {} }` is a map of label maps, the
 * chart's own structure, not a Kubernetes label map.
 */
export function isKubernetesObjectField(key: string, defaults?: Record<string, unknown>): string | undefined {
  const suffix = SUFFIXES.find(s => key.length > s.length && key.endsWith(s));
  const field = KUBERNETES_OBJECT_FIELDS.has(key) ? key : suffix && suffix[0].toLowerCase() + suffix.slice(1);
  if (field && STRING_MAPS.has(field) && defaults && Object.values(defaults).some(v => typeof v === 'object' && v !== null)) return undefined;
  return field;
}
