// Every Secret the output refers to without shipping it, found in the output itself (so raw chart values count as
// much as props), with the keys it must hold and, for each reader, the prop that made the reference.
import * as YAML from 'yaml';
import { KubeManifest } from '../render/manifest-parse';

/** One object that reads a Secret, and the prop (or chart value) that made it read it. */
export interface SecretReader {
  /** The object and field, e.g. "Alertmanager monitoring/kube-prometheus-stack-alertmanager spec.secrets". */
  readonly what: string;
  /** The prop or chart value to change, e.g. "alerting: the webhookUrl of Receiver.slack". */
  readonly prop: string;
}

/** A Secret that objects in the output read but that the output does not contain. */
export interface RequiredSecret {
  /** Namespace. */
  readonly namespace: string;
  /** Secret name. */
  readonly name: string;
  /** Keys that must be in its data. */
  readonly keys: string[];
  /**
   * Who reads it, each with the prop that refers to it.
   * @default - none recorded
   */
  readonly readers?: SecretReader[];
  /**
   * A key that makes `keys` unneeded when present (Longhorn takes an S3 IAM role, AWS_IAM_ROLE_ARN, instead of keys).
   * @default - `keys` are always needed
   */
  readonly keysUnless?: string;
  /**
   * Where Grafana reads its initial admin user and password from this Secret (GF_SECURITY_ADMIN_USER/_PASSWORD):
   * such a Secret deploy can create from a password the user gives.
   * @default - not Grafana's admin Secret
   */
  readonly grafanaAdmin?: { readonly userKey: string; readonly passwordKey: string };
}

/** Where the prometheus-operator mounts the Secrets of an Alertmanager's `spec.secrets` (and the configuration reads them). */
const ALERTMANAGER_SECRETS = '/etc/alertmanager/secrets/';
/** The environment variables Grafana reads its initial admin user and password from. */
const GRAFANA_ADMIN_ENV = ['GF_SECURITY_ADMIN_USER', 'GF_SECURITY_ADMIN_PASSWORD'];
/** The prop that names Grafana's admin Secret. */
const GRAFANA_ADMIN_PROP = 'grafanaAdmin (GrafanaAdminCredentials.fromExistingSecret)';
/** The keys Longhorn reads from an S3 backup target's credential Secret unless it has AWS_IAM_ROLE_ARN (longhorn-manager engineapi/backups.go). */
const S3_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

/**
 * The Secrets that objects in the output read (not marked optional) and that the output does not ship:
 * - pod templates: env `secretKeyRef`, `envFrom`, secret volumes;
 * - an Alertmanager's `spec.secrets` and `spec.configSecret`, and each key its configuration reads from a mounted
 *   Secret (`*_file: /etc/alertmanager/secrets/<name>/<key>`), named by receiver;
 * - Longhorn's backup target credentials: the BackupTarget's `credentialSecret` (1.8 on), the
 *   `backup-target-credential-secret` Setting (before), or the chart's default settings.
 */
export function requiredSecretsOf(objects: readonly KubeManifest[]): RequiredSecret[] {
  const shipped = new Set(objects.filter(o => o.kind === 'Secret').map(o => `${o.metadata.namespace}/${o.metadata.name}`));
  const needed = new Map<string, { namespace: string; name: string; keys: string[]; readers: SecretReader[]; grafana: Record<string, string>; keysUnless?: string }>();
  const need = (namespace: string, name: string, reader: SecretReader, keys: string[] = []) => {
    if (shipped.has(`${namespace}/${name}`)) return undefined;
    const entry = needed.get(`${namespace}/${name}`) ?? { namespace, name, keys: [], readers: [], grafana: {} };
    for (const key of keys) if (!entry.keys.includes(key)) entry.keys.push(key);
    if (!entry.readers.some(r => r.what === reader.what && r.prop === reader.prop)) entry.readers.push(reader);
    needed.set(`${namespace}/${name}`, entry);
    return entry;
  };

  for (const object of objects) {
    const namespace = object.metadata.namespace ?? 'default';
    const named = `${object.kind} ${namespace}/${object.metadata.name}`;
    const pod = podSpec(object);
    if (pod) {
      const prop = 'the chart values or construct that made this pod';
      for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
        for (const env of container.env ?? []) {
          const ref = env.valueFrom?.secretKeyRef;
          if (!ref || ref.optional) continue;
          const grafana = env.name && GRAFANA_ADMIN_ENV.includes(env.name);
          const entry = need(namespace, ref.name, { what: `${named} (env ${env.name} of container ${container.name})`, prop: grafana ? GRAFANA_ADMIN_PROP : prop }, [ref.key]);
          if (entry && grafana) entry.grafana[env.name!] = ref.key;
        }
        for (const from of container.envFrom ?? []) {
          if (from.secretRef && !from.secretRef.optional) need(namespace, from.secretRef.name, { what: `${named} (envFrom of container ${container.name})`, prop });
        }
      }
      for (const volume of pod.volumes ?? []) {
        if (volume.secret && !volume.secret.optional) {
          need(namespace, volume.secret.secretName, { what: `${named} (volume ${volume.name})`, prop }, (volume.secret.items ?? []).map(i => i.key));
        }
      }
    }
    if (object.kind === 'Alertmanager') alertmanagerSecrets(object, objects, need);
    longhornBackupCredentials(object, objects, need);
  }

  return [...needed.values()].map(({ grafana, readers, keysUnless, ...secret }) => {
    const [userKey, passwordKey] = GRAFANA_ADMIN_ENV.map(env => grafana[env]);
    const grafanaAdmin = userKey && passwordKey;
    return {
      ...secret,
      // Grafana's sidecars read the admin Secret too (REQ_USERNAME, REQ_PASSWORD): the same prop set it for them
      readers: grafanaAdmin ? readers.map(r => ({ ...r, prop: GRAFANA_ADMIN_PROP })) : readers,
      ...(keysUnless && { keysUnless }),
      ...(grafanaAdmin && { grafanaAdmin: { userKey, passwordKey } }),
    };
  });
}

type Need = (namespace: string, name: string, reader: SecretReader, keys?: string[]) => { keysUnless?: string } | undefined;

/** An Alertmanager's mounted Secrets, its own configuration Secret, and the keys its configuration reads from them. */
function alertmanagerSecrets(alertmanager: KubeManifest, objects: readonly KubeManifest[], need: Need): void {
  const namespace = alertmanager.metadata.namespace ?? 'default';
  const named = `Alertmanager ${namespace}/${alertmanager.metadata.name}`;
  const spec = (alertmanager.spec ?? {}) as { secrets?: string[]; configSecret?: string };
  // The operator reads alertmanager-<name> when configSecret is unset; the chart ships that one.
  const configName = spec.configSecret || `alertmanager-${alertmanager.metadata.name}`;
  const mounted = spec.secrets ?? [];
  const reads = new Map<string, Array<{ key: string; reader: SecretReader }>>();
  const config = configText(objects.find(o => o.kind === 'Secret' && o.metadata.namespace === namespace && o.metadata.name === configName));
  for (const file of config ? configFiles(config) : []) {
    if (!file.path.startsWith(ALERTMANAGER_SECRETS)) continue;
    const [secret, ...key] = file.path.slice(ALERTMANAGER_SECRETS.length).split('/');
    const list = reads.get(secret) ?? [];
    list.push({ key: key.join('/'), reader: { what: `${named}: receiver '${file.receiver}' ${file.field}`, prop: receiverProp(file.field) } });
    reads.set(secret, list);
  }
  for (const secret of mounted) {
    const keys = reads.get(secret) ?? [];
    const prop = 'alerting (each SecretKey.fromExistingSecret of its receivers), or the chart value alertmanager.alertmanagerSpec.secrets';
    if (keys.length === 0) need(namespace, secret, { what: `${named} spec.secrets`, prop });
    for (const { key, reader } of keys) need(namespace, secret, { what: `${reader.what} (mounted by spec.secrets)`, prop: reader.prop }, [key]);
  }
  // A receiver reading a Secret that spec.secrets does not mount finds no file: still name it, and say so.
  for (const [secret, keys] of reads) {
    if (mounted.includes(secret)) continue;
    for (const { key, reader } of keys) {
      need(namespace, secret, { what: `${reader.what} (NOT mounted: add it to spec.secrets, or Alertmanager finds no file)`, prop: `${reader.prop}; the chart value alertmanager.alertmanagerSpec.secrets` }, [key]);
    }
  }
  if (spec.configSecret) {
    need(namespace, spec.configSecret, { what: `${named} spec.configSecret`, prop: 'the chart value alertmanager.alertmanagerSpec.configSecret' }, ['alertmanager.yaml']);
  }
}

/** alertmanager.yaml from a configuration Secret of the output, if it has one. */
function configText(secret: KubeManifest | undefined): string | undefined {
  if (!secret) return undefined;
  const stringData = (secret.stringData ?? {}) as Record<string, string>;
  if (stringData['alertmanager.yaml']) return stringData['alertmanager.yaml'];
  const data = (secret.data ?? {}) as Record<string, string>;
  return data['alertmanager.yaml'] ? Buffer.from(data['alertmanager.yaml'], 'base64').toString('utf8') : undefined;
}

/** Every `*_file` field of every receiver, with its path in the receiver ("slack_configs[0].api_url_file"). */
function configFiles(text: string): Array<{ receiver: string; field: string; path: string }> {
  let config: { receivers?: Array<Record<string, unknown>> };
  try {
    config = YAML.parse(text) ?? {};
  } catch {
    return [];
  }
  const found: Array<{ receiver: string; field: string; path: string }> = [];
  const walk = (value: unknown, at: string, receiver: string) => {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${at}[${i}]`, receiver));
    else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        const field = at ? `${at}.${key}` : key;
        if (key.endsWith('_file') && typeof item === 'string') found.push({ receiver, field, path: item });
        else walk(item, field, receiver);
      }
    }
  };
  for (const receiver of config.receivers ?? []) walk({ ...receiver, name: undefined }, '', String(receiver.name));
  return found;
}

/** The typed receiver prop that writes an Alertmanager configuration field, by field. */
function receiverProp(field: string): string {
  const shape = field.replace(/\[\d+\]/g, '[]');
  const props: Record<string, string> = {
    'slack_configs[].api_url_file': 'the webhookUrl of Receiver.slack or Receiver.discord',
    'discord_configs[].webhook_url_file': 'the webhookUrl of Receiver.discord',
    'email_configs[].auth_password_file': 'the password of Receiver.email',
    'telegram_configs[].bot_token_file': 'the botToken of Receiver.telegram',
    'webhook_configs[].url_file': 'the url of Receiver.webhook or the topicUrl of Receiver.ntfy',
    'webhook_configs[].http_config.authorization.credentials_file': 'the bearerToken of Receiver.webhook or the accessToken of Receiver.ntfy',
  };
  return `alerting: ${props[shape] ?? `the receiver's ${shape}`} (or the chart value alertmanager.config)`;
}

/** Longhorn's backup target credential Secret, wherever the output sets it. */
function longhornBackupCredentials(object: KubeManifest, objects: readonly KubeManifest[], need: Need): void {
  const namespace = object.metadata.namespace ?? 'default';
  const named = `${object.kind} ${namespace}/${object.metadata.name}`;
  const prop = 'credentialsSecretName of LonghornBackupTarget (addLonghornBackupTarget)';
  const credentials = (name: string, url: string | undefined, reader: SecretReader) => {
    if (!name) return;
    const s3 = url?.startsWith('s3://');
    const entry = need(namespace, name, reader, s3 ? S3_KEYS : []);
    if (entry && s3) entry.keysUnless = 'AWS_IAM_ROLE_ARN';
  };
  if (object.kind === 'BackupTarget' && object.apiVersion?.startsWith('longhorn.io/')) {
    const spec = (object.spec ?? {}) as { credentialSecret?: string; backupTargetURL?: string };
    credentials(spec.credentialSecret ?? '', spec.backupTargetURL, { what: `${named} spec.credentialSecret`, prop });
  }
  if (object.kind === 'Setting' && object.apiVersion?.startsWith('longhorn.io/') && object.metadata.name === 'backup-target-credential-secret') {
    const target = objects.find(o => o.kind === 'Setting' && o.metadata.namespace === namespace && o.metadata.name === 'backup-target');
    credentials(String(object.value ?? ''), target && String(target.value ?? ''), { what: `${named} value`, prop });
  }
  // The chart's default settings: defaultSettings.backupTargetCredentialSecret (before 1.8) and
  // defaultBackupStore.backupTargetCredentialSecret (from 1.8), rendered as YAML into a ConfigMap.
  if (object.kind === 'ConfigMap' && ['longhorn-default-setting', 'longhorn-default-resource'].includes(object.metadata.name)) {
    for (const text of Object.values((object.data ?? {}) as Record<string, string>)) {
      let settings: Record<string, unknown>;
      try {
        settings = YAML.parse(text) ?? {};
      } catch {
        continue;
      }
      if (typeof settings !== 'object') continue;
      const name = settings['backup-target-credential-secret'];
      if (typeof name === 'string' && name) {
        const value = object.metadata.name === 'longhorn-default-setting' ? 'defaultSettings.backupTargetCredentialSecret' : 'defaultBackupStore.backupTargetCredentialSecret';
        credentials(name, typeof settings['backup-target'] === 'string' ? settings['backup-target'] as string : undefined,
          { what: `${named} backup-target-credential-secret`, prop: `the Longhorn chart value ${value} (longhornValues)` });
      }
    }
  }
}

interface PodSpecLike {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  volumes?: Array<{ name?: string; secret?: { secretName: string; optional?: boolean; items?: Array<{ key: string }> } }>;
}
interface ContainerLike {
  name?: string;
  env?: Array<{ name?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }>;
  envFrom?: Array<{ secretRef?: { name: string; optional?: boolean } }>;
}

function podSpec(object: KubeManifest): PodSpecLike | undefined {
  const spec = object.spec as { template?: { spec?: PodSpecLike }; jobTemplate?: { spec?: { template?: { spec?: PodSpecLike } } } } | undefined;
  if (object.kind === 'Pod') return object.spec as PodSpecLike;
  return spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec;
}
