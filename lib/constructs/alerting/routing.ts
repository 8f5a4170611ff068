import { Duration } from 'cdk8s';
import { AlertmanagerVersion } from './alertmanager-version';
import { NULL_RECEIVER_NAME, Receiver } from './receivers';
import { ChartValues } from '../../render/chart-values';
import { checkProps, oneOf, PropShape } from '../known-props';
import { checkDuration } from '../quantity';

/** The `severity` label values kube-prometheus-stack's alerting rules use. */
export enum Severity {
  /** Something is broken or about to break; act now. */
  CRITICAL = 'critical',
  /** Something needs attention soon. */
  WARNING = 'warning',
  /** For information; usually not worth a notification. */
  INFO = 'info',
}

/** Alerts of one severity go to one receiver. */
export interface SeverityRoute {
  /** The `severity` label value. */
  readonly severity: Severity;
  /** Where those alerts go. */
  readonly receiver: Receiver;
}

/** Where alerts go and how they are batched. */
export interface AlertRoutingProps {
  /**
   * One receiver per severity; each severity at most once.
   * @default - none: every alert goes to `defaultReceiver`
   */
  readonly routes?: SeverityRoute[];
  /**
   * Where alerts go that no route takes (other severities, alerts without a severity).
   * @default - none: those alerts go nowhere
   */
  readonly defaultReceiver?: Receiver;
  /**
   * Labels whose values make alerts one notification ('...' alone: every label set is its own).
   * @default ['alertname', 'namespace']
   */
  readonly groupBy?: string[];
  /**
   * How long a new group waits for more alerts before its first notification.
   * @default Duration.seconds(30)
   */
  readonly groupWait?: Duration;
  /**
   * How long a group waits before notifying about alerts added to it.
   * @default Duration.minutes(5)
   */
  readonly groupInterval?: Duration;
  /**
   * How long before a notification is sent again for alerts that still fire: twice a day, so an
   * unfixed problem is not forgotten and nobody is woken every hour by the same one.
   * @default Duration.hours(12)
   */
  readonly repeatInterval?: Duration;
}

/** How alerts leave Alertmanager: nowhere, or to receivers by severity. */
export class AlertDelivery {
  /** No receiver: Alertmanager keeps and shows alerts, but notifies no one. */
  public static none(): AlertDelivery {
    return new AlertDelivery([], undefined, DEFAULT_GROUP_BY, DEFAULT_GROUP_WAIT, DEFAULT_GROUP_INTERVAL, DEFAULT_REPEAT_INTERVAL);
  }

  /** Alerts go to receivers by severity, the rest to a default receiver (or nowhere). */
  public static route(props: AlertRoutingProps): AlertDelivery {
    checkProps('AlertDelivery.route', props, ALERT_ROUTING_PROPS);
    const routes = props.routes ?? [];
    routes.forEach((route, i) => {
      if (route.receiver === undefined) throw new Error(`AlertDelivery.route routes[${i}].receiver is undefined but must be a Receiver, e.g. Receiver.slack({ ... })`);
    });
    if (routes.length === 0 && !props.defaultReceiver) {
      throw new Error('AlertDelivery.route has no routes and no defaultReceiver, so alerts would go nowhere; set at least one, or use AlertDelivery.none() to say so');
    }
    routes.forEach((route, i) => {
      const earlier = routes.slice(0, i).find(r => r.severity === route.severity);
      if (earlier) {
        throw new Error(`AlertDelivery.route routes has severity '${route.severity}' twice (to '${earlier.receiver.name}' and to '${route.receiver.name}'); route each severity once`);
      }
    });
    const receivers = distinct([...(props.defaultReceiver ? [props.defaultReceiver] : []), ...routes.map(r => r.receiver)]);
    receivers.forEach((receiver, i) => {
      const namesake = receivers.slice(0, i).find(r => r.name === receiver.name);
      if (namesake) {
        throw new Error(`AlertDelivery.route has two different receivers named '${receiver.name}' (${namesake.description} and ${receiver.description}); give each its own name prop, or pass the same Receiver object to reuse one`);
      }
    });
    const groupBy = props.groupBy ?? DEFAULT_GROUP_BY;
    checkGroupBy(groupBy);
    const groupWait = checkDuration('AlertDelivery.route groupWait', props.groupWait ?? DEFAULT_GROUP_WAIT, 'seconds', 30);
    const groupInterval = checkDuration('AlertDelivery.route groupInterval', props.groupInterval ?? DEFAULT_GROUP_INTERVAL, 'minutes', 5);
    const repeatInterval = checkDuration('AlertDelivery.route repeatInterval', props.repeatInterval ?? DEFAULT_REPEAT_INTERVAL, 'minutes', 60);
    const waitSeconds = wholeSeconds('groupWait', groupWait, 0);
    const intervalSeconds = wholeSeconds('groupInterval', groupInterval, 1);
    const repeatSeconds = wholeSeconds('repeatInterval', repeatInterval, 1);
    if (repeatSeconds < intervalSeconds) {
      throw new Error(`AlertDelivery.route repeatInterval is ${repeatInterval.toHumanString()} but groupInterval is ${groupInterval.toHumanString()}; Alertmanager only repeats at a group interval, so use repeatInterval >= groupInterval`);
    }
    if (waitSeconds > intervalSeconds) {
      throw new Error(`AlertDelivery.route groupWait is ${groupWait.toHumanString()} but groupInterval is ${groupInterval.toHumanString()}; a new group would wait longer than an existing one, so use groupWait <= groupInterval`);
    }
    return new AlertDelivery(routes, props.defaultReceiver, groupBy, groupWait, groupInterval, repeatInterval);
  }

  private constructor(
    /** Severity routes, in the order given. */
    public readonly routes: readonly SeverityRoute[],
    /** Where unrouted alerts go; none means nowhere. */
    public readonly defaultReceiver: Receiver | undefined,
    /** Labels alerts are grouped by. */
    public readonly groupBy: readonly string[],
    /** Wait before a new group's first notification. */
    public readonly groupWait: Duration,
    /** Wait before notifying about alerts added to a group. */
    public readonly groupInterval: Duration,
    /** Wait before notifying again about alerts that still fire. */
    public readonly repeatInterval: Duration,
  ) {}

  /** Every receiver used, default first, each once. */
  public get receivers(): Receiver[] {
    return distinct([...(this.defaultReceiver ? [this.defaultReceiver] : []), ...this.routes.map(r => r.receiver)]);
  }
}

/** What Alertmanager is configured for. */
export interface AlertDeliveryOptions {
  /**
   * The Alertmanager release the configuration must load in; receivers that need a newer one are refused.
   * @default AlertmanagerVersion.V0_34_0 (what kube-prometheus-stack 88.5.3 deploys)
   */
  readonly alertmanagerVersion?: AlertmanagerVersion;
}

/** An Alertmanager configuration and what it needs from the cluster. */
export interface AlertDeliveryConfig {
  /** The content of alertmanager.yaml (kube-prometheus-stack's `alertmanager.config` value). */
  readonly config: Record<string, unknown>;
  /**
   * Existing Secrets the Alertmanager pod must mount (the `alertmanager.alertmanagerSpec.secrets`
   * value), sorted; the configuration reads them from /etc/alertmanager/secrets/<name>/<key>.
   */
  readonly secretNames: string[];
  /** One line for people, e.g. "alerts: critical → slack (secret slack-webhook), warning → email ops@example.com". */
  readonly summary: string;
}

const ALERT_ROUTING_PROPS: PropShape<AlertRoutingProps> = {
  routes: [{ severity: oneOf(Severity, 'Severity'), receiver: Receiver }], defaultReceiver: Receiver, groupBy: [true], groupWait: true, groupInterval: true, repeatInterval: true,
};
const DEFAULT_GROUP_BY = ['alertname', 'namespace'];
const DEFAULT_GROUP_WAIT = Duration.seconds(30);
const DEFAULT_GROUP_INTERVAL = Duration.minutes(5);
const DEFAULT_REPEAT_INTERVAL = Duration.hours(12);
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Sent alerts that only exist to be silenced: they must not notify anyone. */
const DROPPED_ALERTS = [
  // Always firing, to show the alerting pipeline works; for a dead man's switch, not for people.
  'Watchdog',
  // Fires to inhibit info alerts (see the inhibit rules); its own severity is 'none'.
  'InfoInhibitor',
];

/**
 * Labels that name what an alert is about, where an alert has them: Longhorn's node, disk, volume, backup and
 * instance manager; Kubernetes' pod, container, claim, node and scrape target; node-exporter's filesystem;
 * Alertmanager's integration. A critical alert mutes a warning only when both have the same value for each of these
 * (a label neither has counts as the same), so a full disk A does not hide a filling disk B. None of them differs
 * between the severities of one alert about one object: each severity of an alert reads the same series and keeps
 * the same labels; kube-prometheus-stack's KubeAPIErrorBudgetBurn severities differ in `long` and `short` only,
 * which are not here.
 */
export const INHIBIT_EQUAL_LABELS = [
  'namespace', 'alertname',
  'node', 'disk', 'volume', 'backup', 'instance_manager',
  'pod', 'container', 'persistentvolumeclaim', 'instance', 'job', 'service',
  'device', 'mountpoint', 'integration',
];

/**
 * kube-prometheus-stack's inhibit rules, each made per object with {@link INHIBIT_EQUAL_LABELS}: a critical alert
 * mutes the warning and info alerts of the same name about the same object, a warning the info ones. The chart
 * matches on namespace and alert name only, and every Longhorn alert is in namespace longhorn-system, so there one
 * critical disk muted the warnings of every disk.
 *
 * InfoInhibitor (kube-prometheus' always-firing helper) keeps the chart's rule: it is made per namespace, to mute
 * info alerts in a namespace that has no warning or critical one, so it has no object to match on.
 */
const INHIBIT_RULES = [
  { source_matchers: ['severity = critical'], target_matchers: ['severity =~ warning|info'], equal: INHIBIT_EQUAL_LABELS },
  { source_matchers: ['severity = warning'], target_matchers: ['severity = info'], equal: INHIBIT_EQUAL_LABELS },
  { source_matchers: ['alertname = InfoInhibitor'], target_matchers: ['severity = info'], equal: ['namespace'] },
  { target_matchers: ['alertname = InfoInhibitor'] },
];

/**
 * The alertmanager.yaml for `delivery`, the Secrets it reads, and a one-line summary.
 * Throws when a receiver needs a newer Alertmanager than `options.alertmanagerVersion`.
 */
export function renderAlertDelivery(delivery: AlertDelivery = AlertDelivery.none(), options: AlertDeliveryOptions = {}): AlertDeliveryConfig {
  const version = options.alertmanagerVersion ?? AlertmanagerVersion.V0_34_0;
  const receivers = delivery.receivers;
  for (const receiver of receivers) {
    const unmet = receiver.unmetRequirements(version);
    if (unmet.length > 0) {
      const needed = receiver.minimumVersion;
      throw new Error(`alertmanagerVersion is '${version.version}' but receiver '${receiver.name}' (${receiver.kind}) writes ${unmet.map(r => `${r.field} (Alertmanager >= ${r.since}: ${r.source})`).join(' and ')}; `
        + `use alertmanagerVersion >= ${needed} (kube-prometheus-stack 88.5.3 deploys 0.34.0) or a receiver that ${version.version} can read`);
    }
  }
  const config = {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: delivery.defaultReceiver?.name ?? NULL_RECEIVER_NAME,
      group_by: [...delivery.groupBy],
      group_wait: alertmanagerDuration(delivery.groupWait),
      group_interval: alertmanagerDuration(delivery.groupInterval),
      repeat_interval: alertmanagerDuration(delivery.repeatInterval),
      routes: [
        ...DROPPED_ALERTS.map(alertname => ({ receiver: NULL_RECEIVER_NAME, matchers: [`alertname = "${alertname}"`] })),
        ...delivery.routes.map(route => ({ receiver: route.receiver.name, matchers: [`severity = "${route.severity}"`] })),
      ],
    },
    inhibit_rules: INHIBIT_RULES,
    receivers: [{ name: NULL_RECEIVER_NAME }, ...receivers.map(r => r.toAlertmanagerConfig())],
    // Where the chart mounts its alertmanager.templateFiles.
    templates: ['/etc/alertmanager/config/*.tmpl'],
  };
  const secretNames = [...new Set(receivers.flatMap(r => r.secretKeys.map(k => k.secretName)))].sort();
  return { config, secretNames, summary: summaryOf(delivery) };
}

/**
 * kube-prometheus-stack chart values that install `rendered`: `alertmanager.config` and the
 * Secrets to mount (`alertmanager.alertmanagerSpec.secrets`, left out when there are none).
 */
export function alertDeliveryChartValues(rendered: AlertDeliveryConfig): ChartValues {
  return {
    alertmanager: {
      config: rendered.config,
      ...(rendered.secretNames.length > 0 && { alertmanagerSpec: { secrets: [...rendered.secretNames] } }),
    },
  };
}

function summaryOf(delivery: AlertDelivery): string {
  const routes = delivery.routes.map(r => `${r.severity} → ${r.receiver.description}`);
  if (routes.length === 0 && !delivery.defaultReceiver) {
    return 'alerts: go nowhere until a receiver is set';
  }
  if (!delivery.defaultReceiver) {
    return `alerts: ${routes.join(', ')}; anything else goes nowhere`;
  }
  const rest = `${routes.length === 0 ? 'all' : 'anything else'} → ${delivery.defaultReceiver.description}`;
  return `alerts: ${[...routes, rest].join(', ')}`;
}

function checkGroupBy(groupBy: readonly string[]): void {
  if (groupBy.length === 0) {
    throw new Error('AlertDelivery.route groupBy is [] but that makes every alert one notification; list labels such as [\'alertname\', \'namespace\'], or [\'...\'] for one notification per alert');
  }
  if (groupBy.includes('...') && groupBy.length > 1) {
    throw new Error(`AlertDelivery.route groupBy is ${JSON.stringify(groupBy)} but '...' (group by every label) must stand alone; use ['...'] or a list of label names`);
  }
  for (const label of groupBy) {
    if (label !== '...' && !LABEL_NAME.test(label)) {
      throw new Error(`AlertDelivery.route groupBy has '${label}' but a label name is letters, digits and '_', not starting with a digit (e.g. 'alertname')`);
    }
  }
  const repeated = groupBy.find((label, i) => groupBy.indexOf(label) !== i);
  if (repeated) {
    throw new Error(`AlertDelivery.route groupBy has '${repeated}' twice; list each label once`);
  }
}

function wholeSeconds(prop: string, duration: Duration, minimum: number): number {
  const seconds = duration.toMilliseconds({ integral: false }) / 1000;
  if (!Number.isInteger(seconds) || seconds < minimum) {
    throw new Error(`AlertDelivery.route ${prop} is ${duration.toHumanString()} but must be a whole number of seconds, at least ${minimum}s (e.g. Duration.minutes(5))`);
  }
  return seconds;
}

/** A duration in Alertmanager's notation, in the largest unit that keeps it whole ('30s', '5m', '12h'). */
function alertmanagerDuration(duration: Duration): string {
  const seconds = duration.toMilliseconds({ integral: false }) / 1000;
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

function distinct<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
