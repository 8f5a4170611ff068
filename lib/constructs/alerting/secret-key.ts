import { DNS_SUBDOMAIN } from '../kube-names';
import { describeValue } from '../known-props';

/**
 * Where the prometheus-operator mounts each Secret listed in the Alertmanager resource's
 * `spec.secrets`: `<path>/<secret-name>/<key>` inside the Alertmanager container.
 */
export const ALERTMANAGER_SECRETS_MOUNT_PATH = '/etc/alertmanager/secrets';

/** What Kubernetes accepts as a key in a Secret's `data`. */
const SECRET_DATA_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

/**
 * One key of a Secret that already exists in Alertmanager's namespace: a webhook URL, a bot
 * token, a password. Only the Secret's name and key go into the configuration; Alertmanager reads
 * the value from the file the operator mounts, so no secret value is ever written to dist/.
 */
export class SecretKey {
  /**
   * A key of a Secret you create yourself, e.g.
   * `kubectl -n monitoring create secret generic slack-webhook --from-literal=url=https://hooks.slack.com/services/...`.
   * @param secretName the Secret's name (a DNS subdomain), in Alertmanager's namespace
   * @param key the key in the Secret's data that holds the value
   */
  public static fromExistingSecret(secretName: string, key: string): SecretKey {
    if (typeof secretName !== 'string' || !DNS_SUBDOMAIN.test(secretName)) {
      throw new Error(`SecretKey.fromExistingSecret secretName is ${describeValue(secretName)} but a Secret name must be a DNS subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters (e.g. 'slack-webhook')`);
    }
    if (typeof key !== 'string' || !SECRET_DATA_KEY.test(key) || key === '.' || key === '..') {
      throw new Error(`SecretKey.fromExistingSecret key is ${describeValue(key)} but a Secret key must be letters, digits, '-', '_' and '.' (not '.' or '..'), at most 253 characters (e.g. 'url')`);
    }
    return new SecretKey(secretName, key);
  }

  private constructor(
    /** The Secret's name. */
    public readonly secretName: string,
    /** The key in the Secret's data. */
    public readonly key: string,
  ) {}

  /** The file Alertmanager reads the value from once the operator has mounted the Secret. */
  public get mountedFile(): string {
    return `${ALERTMANAGER_SECRETS_MOUNT_PATH}/${this.secretName}/${this.key}`;
  }
}
