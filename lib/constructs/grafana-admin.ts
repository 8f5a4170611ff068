import { checkProps, PropShape } from './known-props';
import { ChartValues } from '../render/chart-values';

/** Where Grafana's initial admin user and password come from. */
export class GrafanaAdminCredentials {
  /**
   * From a Secret you create in Grafana's namespace before applying, e.g.
   * `kubectl -n monitoring create secret generic grafana-admin --from-literal=admin-user=admin --from-literal=admin-password=...`.
   * Nothing secret is written to dist/, and every synth gives the same bytes.
   * @param secretName the Secret's name, in Grafana's namespace
   * @param keys the Secret's keys for the user (default 'admin-user') and the password (default 'admin-password')
   */
  public static fromExistingSecret(secretName: string, keys: { userKey?: string; passwordKey?: string } = {}): GrafanaAdminCredentials {
    checkProps('GrafanaAdminCredentials.fromExistingSecret', keys, ADMIN_SECRET_KEYS);
    return new GrafanaAdminCredentials({
      admin: { existingSecret: secretName, userKey: keys.userKey ?? 'admin-user', passwordKey: keys.passwordKey ?? 'admin-password' },
    }, secretName);
  }

  /**
   * A user and password written into a Secret in dist/ in plain (base64) form. Only for throwaway
   * clusters: anyone who can read dist/ or the Git repository holding it has the password.
   */
  public static unsafePlaintext(user: string, password: string): GrafanaAdminCredentials {
    if (password.length < 8) {
      throw new Error(`GrafanaAdminCredentials.unsafePlaintext password has ${password.length} characters but needs at least 8; better, use GrafanaAdminCredentials.fromExistingSecret`);
    }
    return new GrafanaAdminCredentials({ adminUser: user, adminPassword: password });
  }

  private constructor(
    /** Values for the grafana subchart. */
    public readonly grafanaValues: ChartValues,
    /** The referenced Secret's name, when credentials come from one. */
    public readonly existingSecretName?: string,
  ) {}
}

/** The keys of the Secret {@link GrafanaAdminCredentials.fromExistingSecret} reads. */
const ADMIN_SECRET_KEYS: PropShape<NonNullable<Parameters<typeof GrafanaAdminCredentials.fromExistingSecret>[1]>> = { userKey: true, passwordKey: true };
