import * as semver from 'semver';
import { describeValue } from '../known-props';

/** The Alertmanager release a configuration is written for; some receivers and fields need a newer one. */
export class AlertmanagerVersion {
  /**
   * What kube-prometheus-stack 88.5.3 deploys by default
   * (`alertmanager.alertmanagerSpec.image.tag: v0.34.0` in its values.yaml).
   */
  public static readonly V0_34_0 = new AlertmanagerVersion('0.34.0');

  /** Debian bookworm's `prometheus-alertmanager` package (and its amtool). */
  public static readonly V0_25_0 = new AlertmanagerVersion('0.25.0');

  /**
   * Any release, written as its image tag ('v0.27.0') or plain ('0.27.0').
   * @param version a semantic version
   */
  public static of(version: string): AlertmanagerVersion {
    const clean = typeof version === 'string' ? semver.clean(version) : null;
    if (clean === null) {
      throw new Error(`alertmanagerVersion is ${describeValue(version)} but must be an Alertmanager release such as '0.34.0' or 'v0.34.0'`);
    }
    return new AlertmanagerVersion(clean);
  }

  private constructor(
    /** The version without a leading 'v', e.g. '0.34.0'. */
    public readonly version: string,
  ) {}

  /** Whether this release is `version` or newer. */
  public isAtLeast(version: string): boolean {
    return semver.gte(this.version, version);
  }
}
