import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration } from 'cdk8s';
import * as YAML from 'yaml';
import { ChartValues, KubeManifest, KUBE_PROMETHEUS_STACK_CHART } from '../lib';
import { renderManifests } from './support/render';
import {
  ALERTMANAGER_SECRETS_MOUNT_PATH, AlertDelivery, INHIBIT_EQUAL_LABELS, alertDeliveryChartValues, AlertmanagerVersion, DiscordApi, Receiver,
  renderAlertDelivery, SecretKey, Severity,
} from '../lib/constructs/alerting';
import { findObject } from './inventory';

// The real amtool (Debian bookworm's prometheus-alertmanager is 0.25.0; AMTOOL_BIN may name a newer one).
// It checks syntax and semantics only: it never opens the *_file paths (verified with 0.25.0 on
// paths that do not exist), so the configurations keep the operator's mount path.
const AMTOOL = process.env.AMTOOL_BIN ?? 'amtool';
const amtoolVersion = installedAmtool();
if (!amtoolVersion && process.env.CI !== 'true') {
  console.warn(`alerting.test.ts: '${AMTOOL}' not found; skipping the amtool checks (apt-get install -y prometheus-alertmanager)`);
}
const withAmtool = amtoolVersion ? test : test.skip;

/** Values a user puts into the Secrets; none of them may ever show up in a render. */
const SECRET_VALUES = {
  slackUrl: 'https://hooks.slack.com/services/T0000/B0000/slack-secret-3f9a',
  discordUrl: 'https://discord.com/api/webhooks/1234/discord-secret-77c1/slack',
  smtpPassword: 'smtp-secret-e41d',
  botToken: '123456:telegram-secret-b5e0',
  webhookUrl: 'https://relay.example.com/hook/webhook-secret-a9d2',
  webhookToken: 'bearer-secret-0c6f',
  ntfyUrl: 'https://ntfy.example.com/homelab-ntfy-secret-51aa?template=alertmanager',
  ntfyToken: 'tk_ntfy-secret-d03e',
};

const slackWebhook = SecretKey.fromExistingSecret('slack-webhook', 'url');
const smtpPassword = SecretKey.fromExistingSecret('smtp-credentials', 'password');
const telegramBot = SecretKey.fromExistingSecret('telegram-bot', 'token');
const discordWebhook = SecretKey.fromExistingSecret('discord-webhook', 'url');

const slack = () => Receiver.slack({ webhookUrl: slackWebhook, channel: '#alerts' });
const email = () => Receiver.email({ to: 'ops@example.com', from: 'alertmanager@example.com', smtpHost: 'smtp.example.com', username: 'alertmanager', password: smtpPassword });
const telegram = () => Receiver.telegram({ botToken: telegramBot, chatId: -1001234567890 });
const discord = (api?: DiscordApi) => Receiver.discord({ webhookUrl: discordWebhook, api });

/** Every receiver kind (and variant), each with its own name and Secret. */
const EVERY_RECEIVER: Array<[string, () => Receiver]> = [
  ['email with SMTP authentication', email],
  ['email through a relay without authentication', () => Receiver.email({ name: 'relay-email', to: 'ops@example.com', from: 'am@example.com', smtpHost: 'relay.lan', smtpPort: 25, requireTls: false })],
  ['slack', slack],
  ['discord through its Slack-compatible endpoint', () => discord()],
  ['discord through its native integration', () => Receiver.discord({ name: 'discord-native', webhookUrl: SecretKey.fromExistingSecret('discord-native-webhook', 'url'), api: DiscordApi.NATIVE })],
  ['telegram', telegram],
  ['webhook with a bearer token', () => Receiver.webhook({ url: SecretKey.fromExistingSecret('relay-webhook', 'url'), bearerToken: SecretKey.fromExistingSecret('relay-webhook', 'token'), maxAlerts: 20 })],
  ['ntfy with an access token', () => Receiver.ntfy({ topicUrl: SecretKey.fromExistingSecret('ntfy', 'topic-url'), accessToken: SecretKey.fromExistingSecret('ntfy', 'token') })],
];

describe('alert delivery', () => {
  if (!amtoolVersion && process.env.CI === 'true') {
    test('amtool is installed (CI validates every configuration with it)', () => {
      throw new Error(`'${AMTOOL}' is not installed but CI=true; install it with 'apt-get install -y prometheus-alertmanager' or set AMTOOL_BIN`);
    });
  }

  describe('by default (no receiver)', () => {
    const rendered = renderAlertDelivery();

    test('routes every alert to the null receiver, with the chart\'s inhibit rules', () => {
      expect(rendered.config).toEqual({
        global: { resolve_timeout: '5m' },
        route: {
          receiver: 'null',
          group_by: ['alertname', 'namespace'],
          group_wait: '30s',
          group_interval: '5m',
          repeat_interval: '12h',
          routes: [
            { receiver: 'null', matchers: ['alertname = "Watchdog"'] },
            { receiver: 'null', matchers: ['alertname = "InfoInhibitor"'] },
          ],
        },
        inhibit_rules: [
          { source_matchers: ['severity = critical'], target_matchers: ['severity =~ warning|info'], equal: INHIBIT_EQUAL_LABELS },
          { source_matchers: ['severity = warning'], target_matchers: ['severity = info'], equal: INHIBIT_EQUAL_LABELS },
          { source_matchers: ['alertname = InfoInhibitor'], target_matchers: ['severity = info'], equal: ['namespace'] },
          { target_matchers: ['alertname = InfoInhibitor'] },
        ],
        receivers: [{ name: 'null' }],
        templates: ['/etc/alertmanager/config/*.tmpl'],
      });
    });

    test("has the chart's inhibit rules, the severity ones per object: the chart's labels and the object's", () => {
      const chartSecret = renderManifests({ chart: KUBE_PROMETHEUS_STACK_CHART, version: '88.5.3', releaseName: 'kube-prometheus-stack', namespace: 'monitoring', values: {} })
        .find(o => o.kind === 'Secret' && o.metadata.name === 'alertmanager-kube-prometheus-stack-alertmanager') as any;
      const chartRules: Array<{ source_matchers?: string[]; target_matchers: string[]; equal?: string[] }> =
        YAML.parse(Buffer.from(chartSecret.data['alertmanager.yaml'], 'base64').toString('utf8')).inhibit_rules;
      const ours = rendered.config.inhibit_rules as typeof chartRules;
      expect(ours.map(r => [r.source_matchers, r.target_matchers])).toEqual(chartRules.map(r => [r.source_matchers, r.target_matchers]));
      ours.forEach((rule, i) => {
        const severities = (rule.source_matchers ?? []).some(m => m.startsWith('severity'));
        expect(rule.equal).toEqual(severities ? INHIBIT_EQUAL_LABELS : chartRules[i].equal);
        if (severities) expect(rule.equal!.slice(0, chartRules[i].equal!.length).sort()).toEqual([...chartRules[i].equal!].sort());
      });
      expect(INHIBIT_EQUAL_LABELS).toEqual(expect.arrayContaining(['node', 'disk', 'volume', 'pod', 'persistentvolumeclaim', 'instance', 'mountpoint']));
      // equal labels must never include the ones that tell the severities of one alert apart
      expect(INHIBIT_EQUAL_LABELS).not.toEqual(expect.arrayContaining(['severity']));
      for (const label of ['severity', 'long', 'short', 'condition', 'state']) expect(INHIBIT_EQUAL_LABELS).not.toContain(label);
    });

    test('mounts no Secret and says that alerts go nowhere', () => {
      expect(rendered.secretNames).toEqual([]);
      expect(rendered.summary).toBe('alerts: go nowhere until a receiver is set');
      expect(alertDeliveryChartValues(rendered)).toEqual({ alertmanager: { config: rendered.config } });
    });

    withAmtool('passes amtool check-config', () => {
      expectValid(YAML.stringify(rendered.config));
    });
  });

  describe('a homelab: critical to Telegram, warning to email, info to Discord', () => {
    const delivery = AlertDelivery.route({
      routes: [
        { severity: Severity.CRITICAL, receiver: telegram() },
        { severity: Severity.WARNING, receiver: email() },
        { severity: Severity.INFO, receiver: discord() },
      ],
    });
    const rendered = renderAlertDelivery(delivery);
    const config = rendered.config as any;

    test('says where each severity goes, by receiver and Secret', () => {
      expect(rendered.summary).toBe('alerts: critical → telegram chat -1001234567890 (secret telegram-bot), '
        + 'warning → email ops@example.com (secret smtp-credentials), info → discord (secret discord-webhook); anything else goes nowhere');
    });

    test('mounts exactly the Secrets the receivers read, sorted', () => {
      expect(rendered.secretNames).toEqual(['discord-webhook', 'smtp-credentials', 'telegram-bot']);
    });

    test('points every secret field at the operator\'s mount path and holds no secret literal', () => {
      expect(config.receivers).toEqual([
        { name: 'null' },
        { name: 'telegram', telegram_configs: [{ send_resolved: true, bot_token_file: '/etc/alertmanager/secrets/telegram-bot/token', chat_id: -1001234567890 }] },
        {
          name: 'email',
          email_configs: [{
            send_resolved: true, to: 'ops@example.com', from: 'alertmanager@example.com', smarthost: 'smtp.example.com:587',
            auth_username: 'alertmanager', auth_password_file: '/etc/alertmanager/secrets/smtp-credentials/password', require_tls: true,
          }],
        },
        // Discord by default through its Slack-compatible endpoint: the operator accepts slack api_url_file.
        { name: 'discord', slack_configs: [{ send_resolved: true, api_url_file: '/etc/alertmanager/secrets/discord-webhook/url' }] },
      ]);
      expect(secretLiteralFields(rendered.config)).toEqual([]);
    });

    test('drops Watchdog and InfoInhibitor before routing by severity', () => {
      expect(config.route.receiver).toBe('null');
      expect(config.route.routes).toEqual([
        { receiver: 'null', matchers: ['alertname = "Watchdog"'] },
        { receiver: 'null', matchers: ['alertname = "InfoInhibitor"'] },
        { receiver: 'telegram', matchers: ['severity = "critical"'] },
        { receiver: 'email', matchers: ['severity = "warning"'] },
        { receiver: 'discord', matchers: ['severity = "info"'] },
      ]);
    });

    withAmtool('passes amtool check-config, or only telegram fails on an amtool older than 0.26.0', () => {
      const text = YAML.stringify(rendered.config);
      if (amtoolVersion!.isAtLeast('0.26.0')) {
        expectValid(text);
      } else {
        expect(amtoolCheck(text).output).toMatch(/field bot_token_file not found/);
        expectValid(YAML.stringify(renderAlertDelivery(AlertDelivery.route({ routes: [{ severity: Severity.WARNING, receiver: email() }, { severity: Severity.INFO, receiver: discord() }] })).config));
      }
    });

    withAmtool('routes test alerts as intended (amtool config routes test)', () => {
      const text = YAML.stringify(renderAlertDelivery(AlertDelivery.route({
        routes: [{ severity: Severity.CRITICAL, receiver: slack() }, { severity: Severity.WARNING, receiver: email() }, { severity: Severity.INFO, receiver: discord() }],
      })).config);
      expectRoute(text, ['alertname=KubePodCrashLooping', 'severity=critical'], 'slack');
      expectRoute(text, ['alertname=KubeMemoryOvercommit', 'severity=warning'], 'email');
      expectRoute(text, ['alertname=KubeletTooManyPods', 'severity=info'], 'discord');
      expectRoute(text, ['alertname=Watchdog', 'severity=none'], 'null');
      expectRoute(text, ['alertname=InfoInhibitor', 'severity=none'], 'null');
      expectRoute(text, ['alertname=Custom'], 'null');
    });
  });

  describe('each receiver', () => {
    for (const [label, make] of EVERY_RECEIVER) {
      const receiver = make();
      const text = YAML.stringify(renderAlertDelivery(AlertDelivery.route({ defaultReceiver: receiver })).config);
      if (amtoolVersion && !amtoolVersion.isAtLeast(receiver.minimumVersion)) {
        // amtool 0.25 does not know these fields; the stack's Alertmanager 0.34.0 does.
        test.todo(`amtool ${amtoolVersion.version} cannot check ${label}: it writes ${receiver.unmetRequirements(amtoolVersion).map(r => r.field).join(', ')} (Alertmanager >= ${receiver.minimumVersion})`);
      } else {
        withAmtool(`${label} passes amtool check-config`, () => {
          expectValid(text);
        });
      }
    }

    test('discord natively writes discord_configs webhook_url_file', () => {
      expect(discord(DiscordApi.NATIVE).toAlertmanagerConfig()).toEqual({
        name: 'discord', discord_configs: [{ send_resolved: true, webhook_url_file: '/etc/alertmanager/secrets/discord-webhook/url' }],
      });
    });

    test('ntfy is Alertmanager\'s webhook with the topic URL and token from Secrets', () => {
      const ntfy = Receiver.ntfy({ topicUrl: SecretKey.fromExistingSecret('ntfy', 'topic-url'), accessToken: SecretKey.fromExistingSecret('ntfy', 'token'), sendResolved: false });
      expect(ntfy.toAlertmanagerConfig()).toEqual({
        name: 'ntfy',
        webhook_configs: [{
          send_resolved: false,
          url_file: '/etc/alertmanager/secrets/ntfy/topic-url',
          http_config: { authorization: { type: 'Bearer', credentials_file: '/etc/alertmanager/secrets/ntfy/token' } },
        }],
      });
      expect(ntfy.description).toBe('ntfy (secret ntfy)');
    });

    test('one receiver used for two severities is configured and mounted once', () => {
      const shared = slack();
      const rendered = renderAlertDelivery(AlertDelivery.route({
        routes: [{ severity: Severity.CRITICAL, receiver: shared }, { severity: Severity.WARNING, receiver: shared }], defaultReceiver: shared,
      }));
      expect((rendered.config as any).receivers.map((r: any) => r.name)).toEqual(['null', 'slack']);
      expect(rendered.secretNames).toEqual(['slack-webhook']);
      expect(rendered.summary).toBe('alerts: critical → slack #alerts (secret slack-webhook), warning → slack #alerts (secret slack-webhook), anything else → slack #alerts (secret slack-webhook)');
    });

    test('a default receiver alone takes all alerts', () => {
      const rendered = renderAlertDelivery(AlertDelivery.route({ defaultReceiver: Receiver.email({ name: 'ops', to: 'ops@example.com', from: 'am@example.com', smtpHost: 'relay.lan' }) }));
      expect(rendered.summary).toBe('alerts: all → ops: email ops@example.com');
      expect((rendered.config as any).route.receiver).toBe('ops');
    });

    test('grouping and timing are configurable', () => {
      const route = (renderAlertDelivery(AlertDelivery.route({
        defaultReceiver: slack(), groupBy: ['alertname', 'cluster'], groupWait: Duration.seconds(45), groupInterval: Duration.minutes(2), repeatInterval: Duration.days(1),
      })).config as any).route;
      expect([route.group_by, route.group_wait, route.group_interval, route.repeat_interval]).toEqual([['alertname', 'cluster'], '45s', '2m', '24h']);
    });
  });

  describe('through the kube-prometheus-stack 88.5.3 chart', () => {
    const everything = AlertDelivery.route({
      routes: [{ severity: Severity.CRITICAL, receiver: telegram() }, { severity: Severity.WARNING, receiver: email() }],
      defaultReceiver: slack(),
    });
    // The homelab routing, with every receiver kind listed, so that the Secret list and the
    // secret-free checks cover all of them.
    const allKinds = renderAlertDelivery(everything);
    const allKindsReceivers = EVERY_RECEIVER.map(([, make]) => make());
    const allKindsConfig = { ...allKinds.config, receivers: [{ name: 'null' }, ...allKindsReceivers.map(r => r.toAlertmanagerConfig())] };
    const allKindsSecrets = [...new Set(allKindsReceivers.flatMap(r => r.secretKeys.map(k => k.secretName)))].sort();
    let manifests: KubeManifest[];
    let noneManifests: KubeManifest[];

    beforeAll(() => {
      manifests = renderStack(alertDeliveryChartValues({ ...allKinds, config: allKindsConfig, secretNames: allKindsSecrets }));
      // Without a receiver: the MonitoringStack's own render (the default), which the last tests use too.
      noneManifests = defaultStackObjects();
    });

    test('the Alertmanager runs the version the configuration is checked against by default', () => {
      expect(findObject(manifests, 'Alertmanager', 'kube-prometheus-stack-alertmanager').spec.version).toBe(`v${AlertmanagerVersion.V0_34_0.version}`);
    });

    test('the config Secret holds the configuration unchanged (numbers such as chat_id stay integers)', () => {
      const text = alertmanagerYaml(manifests);
      expect(YAML.parse(text)).toEqual(allKindsConfig);
      expect(text).toContain('chat_id: -1001234567890');
    });

    test('the Alertmanager resource mounts every Secret a *_file path reads, and only those', () => {
      const am = findObject(manifests, 'Alertmanager', 'kube-prometheus-stack-alertmanager');
      expect(am.spec.secrets).toEqual(allKindsSecrets);
      const read = filePaths(YAML.parse(alertmanagerYaml(manifests))).map(file => {
        expect(file.startsWith(`${ALERTMANAGER_SECRETS_MOUNT_PATH}/`)).toBe(true);
        return file.slice(ALERTMANAGER_SECRETS_MOUNT_PATH.length + 1).split('/')[0];
      });
      expect([...new Set(read)].sort()).toEqual(am.spec.secrets);
    });

    test('no secret value appears anywhere in the render', () => {
      const everythingText = [JSON.stringify(manifests), ...manifests.filter(m => m.kind === 'Secret').flatMap(m => Object.values((m as any).data ?? {}) as string[]).map(v => Buffer.from(v, 'base64').toString('utf8'))].join('\n');
      for (const value of Object.values(SECRET_VALUES)) {
        expect(everythingText).not.toContain(value);
      }
      expect(secretLiteralFields(YAML.parse(alertmanagerYaml(manifests)))).toEqual([]);
    });

    test('without a receiver the Alertmanager mounts no Secret', () => {
      expect(findObject(noneManifests, 'Alertmanager', 'kube-prometheus-stack-alertmanager').spec.secrets).toBeUndefined();
      expect(YAML.parse(alertmanagerYaml(noneManifests))).toEqual(renderAlertDelivery().config);
    });

    withAmtool('amtool check-config accepts the chart\'s Secret with no receiver', () => {
      expectValid(alertmanagerYaml(noneManifests));
    });

    withAmtool('amtool check-config accepts the chart\'s Secret with every receiver the installed amtool knows', () => {
      const checkable = EVERY_RECEIVER.map(([, make]) => make()).filter(r => amtoolVersion!.isAtLeast(r.minimumVersion));
      expect(checkable.map(r => r.name)).toEqual(expect.arrayContaining(['email', 'relay-email', 'slack', 'discord']));
      const rendered = renderAlertDelivery(AlertDelivery.route({
        routes: [{ severity: Severity.CRITICAL, receiver: checkable[0] }, { severity: Severity.WARNING, receiver: checkable[1] }],
        defaultReceiver: checkable[2],
      }));
      const config = { ...rendered.config, receivers: [{ name: 'null' }, ...checkable.map(r => r.toAlertmanagerConfig())] };
      expectValid(alertmanagerYaml(renderStack(alertDeliveryChartValues({ ...rendered, config }))));
    });

    withAmtool('amtool check-config accepts the chart\'s Secret for the homelab routing, as far as the installed amtool knows the fields', () => {
      const text = alertmanagerYaml(renderStack(alertDeliveryChartValues(renderAlertDelivery(everything))));
      if (amtoolVersion!.isAtLeast('0.26.0')) {
        expectValid(text);
      } else {
        expect(amtoolCheck(text).output).toMatch(/field bot_token_file not found/);
      }
    });
  });

  describe('refuses what the target Alertmanager cannot read', () => {
    test('fails when the Alertmanager version cannot read telegram\'s bot token from a file', () => {
      expect(() => renderAlertDelivery(AlertDelivery.route({ defaultReceiver: telegram() }), { alertmanagerVersion: AlertmanagerVersion.V0_25_0 })).toThrow(
        "alertmanagerVersion is '0.25.0' but receiver 'telegram' (telegram) writes telegram_configs[].bot_token_file (Alertmanager >= 0.26.0: alertmanager#3226, Alertmanager 0.26.0); "
        + 'use alertmanagerVersion >= 0.26.0 (kube-prometheus-stack 88.5.3 deploys 0.34.0) or a receiver that 0.25.0 can read');
    });

    test('fails when native Discord targets an Alertmanager before 0.28.0', () => {
      expect(() => renderAlertDelivery(AlertDelivery.route({ defaultReceiver: discord(DiscordApi.NATIVE) }), { alertmanagerVersion: AlertmanagerVersion.of('v0.27.0') }))
        .toThrow(/^alertmanagerVersion is '0.27.0' but receiver 'discord' \(discord\) writes discord_configs\[\].webhook_url_file \(Alertmanager >= 0.28.0: .*\); use alertmanagerVersion >= 0.28.0/);
    });

    test('fails when a webhook or ntfy URL file targets an Alertmanager before 0.26.0', () => {
      const ntfy = Receiver.ntfy({ topicUrl: SecretKey.fromExistingSecret('ntfy', 'url') });
      expect(() => renderAlertDelivery(AlertDelivery.route({ defaultReceiver: ntfy }), { alertmanagerVersion: AlertmanagerVersion.V0_25_0 }))
        .toThrow(/receiver 'ntfy' \(ntfy\) writes webhook_configs\[\].url_file \(Alertmanager >= 0.26.0/);
    });

    test('fails when the SMTP password file targets an Alertmanager before 0.25.0', () => {
      expect(() => renderAlertDelivery(AlertDelivery.route({ defaultReceiver: email() }), { alertmanagerVersion: AlertmanagerVersion.of('0.24.0') }))
        .toThrow(/receiver 'email' \(email\) writes email_configs\[\].auth_password_file \(Alertmanager >= 0.25.0/);
    });

    test('the Slack-compatible Discord and an unauthenticated email relay work with Alertmanager 0.25.0', () => {
      const relay = Receiver.email({ to: 'ops@example.com', from: 'am@example.com', smtpHost: 'relay.lan' });
      expect(renderAlertDelivery(AlertDelivery.route({ routes: [{ severity: Severity.CRITICAL, receiver: discord() }], defaultReceiver: relay }),
        { alertmanagerVersion: AlertmanagerVersion.V0_25_0 }).secretNames).toEqual(['discord-webhook']);
    });

    test('fails when the Alertmanager version is not a version', () => {
      expect(() => AlertmanagerVersion.of('latest')).toThrow("alertmanagerVersion is 'latest' but must be an Alertmanager release such as '0.34.0' or 'v0.34.0'");
    });
  });

  describe('refuses bad input', () => {
    test('fails when an email address has no @', () => {
      expect(() => Receiver.email({ to: 'ops.example.com', from: 'am@example.com', smtpHost: 'smtp.example.com' }))
        .toThrow("Receiver.email to is 'ops.example.com' but must be one email address such as 'ops@example.com'");
    });

    test('fails when the SMTP port is out of range', () => {
      expect(() => Receiver.email({ to: 'ops@example.com', from: 'am@example.com', smtpHost: 'smtp.example.com', smtpPort: 70000 }))
        .toThrow('Receiver.email smtpPort is 70000 but must be a whole number from 1 to 65535 (587 for STARTTLS submission, 465 for implicit TLS)');
    });

    test('fails when the SMTP host carries a port', () => {
      expect(() => Receiver.email({ to: 'ops@example.com', from: 'am@example.com', smtpHost: 'smtp.example.com:587' }))
        .toThrow("Receiver.email smtpHost is 'smtp.example.com:587' but must be a lowercase host name or IP address such as 'smtp.example.com' (the port goes in smtpPort)");
    });

    test('fails when an SMTP username comes without a password', () => {
      expect(() => Receiver.email({ to: 'ops@example.com', from: 'am@example.com', smtpHost: 'smtp.example.com', username: 'am' }))
        .toThrow('Receiver.email username is set but password is not; SMTP authentication needs both (password as SecretKey.fromExistingSecret(...)), or neither for a relay without authentication');
    });

    test('fails when a Secret name is not a DNS subdomain', () => {
      expect(() => SecretKey.fromExistingSecret('Slack_Webhook', 'url')).toThrow(
        "SecretKey.fromExistingSecret secretName is 'Slack_Webhook' but a Secret name must be a DNS subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters (e.g. 'slack-webhook')");
    });

    test('fails when a Secret key is a path', () => {
      expect(() => SecretKey.fromExistingSecret('slack-webhook', 'a/url')).toThrow(
        "SecretKey.fromExistingSecret key is 'a/url' but a Secret key must be letters, digits, '-', '_' and '.' (not '.' or '..'), at most 253 characters (e.g. 'url')");
    });

    test('fails when two different receivers have one name', () => {
      const other = Receiver.slack({ webhookUrl: SecretKey.fromExistingSecret('other-webhook', 'url') });
      expect(() => AlertDelivery.route({ routes: [{ severity: Severity.CRITICAL, receiver: slack() }, { severity: Severity.WARNING, receiver: other }] })).toThrow(
        "AlertDelivery.route has two different receivers named 'slack' (slack #alerts (secret slack-webhook) and slack (secret other-webhook)); give each its own name prop, or pass the same Receiver object to reuse one");
    });

    test('fails when a severity is routed twice', () => {
      expect(() => AlertDelivery.route({ routes: [{ severity: Severity.CRITICAL, receiver: slack() }, { severity: Severity.CRITICAL, receiver: email() }] }))
        .toThrow("AlertDelivery.route routes has severity 'critical' twice (to 'slack' and to 'email'); route each severity once");
    });

    test('fails when a receiver is named null', () => {
      expect(() => Receiver.slack({ name: 'null', webhookUrl: slackWebhook })).toThrow(
        "Receiver.slack name is 'null' but that name is reserved for the receiver that drops alerts (Watchdog, InfoInhibitor, unrouted alerts); pick another name");
    });

    test('fails when a receiver name has spaces', () => {
      expect(() => Receiver.telegram({ name: 'my phone', botToken: telegramBot, chatId: 1 })).toThrow(/^Receiver.telegram name is 'my phone' but a receiver name must be/);
    });

    test('fails when a Telegram chat id is not a whole number', () => {
      expect(() => Receiver.telegram({ botToken: telegramBot, chatId: 12.5 })).toThrow(
        'Receiver.telegram chatId is 12.5 but must be a non-zero whole number (a user id, or a negative group or channel id such as -1001234567890)');
    });

    test('fails when routing has neither routes nor a default receiver', () => {
      expect(() => AlertDelivery.route({})).toThrow(
        'AlertDelivery.route has no routes and no defaultReceiver, so alerts would go nowhere; set at least one, or use AlertDelivery.none() to say so');
    });

    test('fails when groupBy names no label or a bad one', () => {
      expect(() => AlertDelivery.route({ defaultReceiver: slack(), groupBy: [] })).toThrow(/^AlertDelivery.route groupBy is \[\] but that makes every alert one notification/);
      expect(() => AlertDelivery.route({ defaultReceiver: slack(), groupBy: ['alert-name'] })).toThrow(
        "AlertDelivery.route groupBy has 'alert-name' but a label name is letters, digits and '_', not starting with a digit (e.g. 'alertname')");
    });

    test('fails when notifications would repeat faster than a group is re-evaluated', () => {
      expect(() => AlertDelivery.route({ defaultReceiver: slack(), groupInterval: Duration.minutes(10), repeatInterval: Duration.minutes(5) })).toThrow(
        'AlertDelivery.route repeatInterval is 5 minutes but groupInterval is 10 minutes; Alertmanager only repeats at a group interval, so use repeatInterval >= groupInterval');
    });

    test('fails when an interval is not whole seconds', () => {
      expect(() => AlertDelivery.route({ defaultReceiver: slack(), groupWait: Duration.millis(1500) })).toThrow(
        /^AlertDelivery.route groupWait is .* but must be a whole number of seconds, at least 0s/);
    });

    test('fails when a webhook would send a negative number of alerts', () => {
      expect(() => Receiver.webhook({ url: SecretKey.fromExistingSecret('hook', 'url'), maxAlerts: -1 })).toThrow(
        'Receiver.webhook maxAlerts is -1 but must be a whole number >= 0 (0 sends every alert)');
    });
  });
});

let defaultStack: KubeManifest[] | undefined;

/** The objects of a MonitoringStack with every default (no alert receiver), synthesized once. */
function defaultStackObjects(): KubeManifest[] {
  if (!defaultStack) {
    const { MonitoringStack } = require('../lib') as typeof import('../lib');
    const { synthApp } = require('./support/synth') as typeof import('./support/synth');
    defaultStack = synthApp(app => new MonitoringStack(app, 'lab')).flatMap(f => f.objects);
  }
  return defaultStack;
}

/** The one place this test calls the chart renderer (its signature may change). */
function renderStack(values: ChartValues): KubeManifest[] {
  return renderManifests({ chart: KUBE_PROMETHEUS_STACK_CHART, version: '88.5.3', releaseName: 'kube-prometheus-stack', namespace: 'monitoring', values });
}

/** alertmanager.yaml as the chart writes it into the Secret the operator reads. */
function alertmanagerYaml(manifests: KubeManifest[]): string {
  const secret = findObject(manifests, 'Secret', 'alertmanager-kube-prometheus-stack-alertmanager');
  return Buffer.from(secret.data['alertmanager.yaml'], 'base64').toString('utf8');
}

function installedAmtool(): AlertmanagerVersion | undefined {
  const result = spawnSync(AMTOOL, ['--version'], { encoding: 'utf8' });
  const match = /version (\d+\.\d+\.\d+)/.exec(`${result.stdout ?? ''}${result.stderr ?? ''}`);
  return result.status === 0 && match ? AlertmanagerVersion.of(match[1]) : undefined;
}

function amtoolCheck(text: string): { status: number | null; output: string } {
  return withConfigFile(text, file => {
    const result = spawnSync(AMTOOL, ['check-config', file], { encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  });
}

function expectValid(text: string): void {
  expect(amtoolCheck(text)).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
}

/** Asserts with `amtool config routes test` that an alert with `labels` reaches `receiver`. */
function expectRoute(text: string, labels: string[], receiver: string): void {
  const result = withConfigFile(text, file => spawnSync(AMTOOL, ['config', 'routes', 'test', `--config.file=${file}`, `--verify.receivers=${receiver}`, ...labels], { encoding: 'utf8' }));
  expect({ labels, receiver: result.stdout.trim(), status: result.status }).toEqual({ labels, receiver, status: 0 });
}

function withConfigFile<T>(text: string, use: (file: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alertmanager-'));
  try {
    const file = path.join(dir, 'alertmanager.yaml');
    fs.writeFileSync(file, text);
    return use(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Fields whose value would be a secret literal (each has a *_file twin the model uses instead). */
const SECRET_LITERAL_FIELDS = new Set(['api_url', 'webhook_url', 'bot_token', 'auth_password', 'url', 'credentials', 'password', 'token', 'smtp_auth_password', 'slack_api_url']);

function secretLiteralFields(node: unknown, at = ''): string[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => secretLiteralFields(item, `${at}[${i}]`));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) => [
    ...(SECRET_LITERAL_FIELDS.has(key) ? [`${at}.${key}`] : []),
    ...secretLiteralFields(value, `${at}.${key}`),
  ]);
}

function filePaths(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(filePaths);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) => (key.endsWith('_file') && typeof value === 'string' ? [value] : filePaths(value)));
}

describe('alert delivery through the MonitoringStack', () => {
  const { MonitoringStack } = require('../lib') as typeof import('../lib');
  const { synthApp } = require('./support/synth') as typeof import('./support/synth');
  const { preflight } = require('../lib/output/preflight') as typeof import('../lib/output/preflight');
  const withSlack = synthApp(app => new MonitoringStack(app, 'lab', {
    alerting: AlertDelivery.route({ routes: [{ severity: Severity.CRITICAL, receiver: Receiver.slack({ webhookUrl: SecretKey.fromExistingSecret('slack-webhook', 'url'), channel: '#alerts' }) }] }),
  })).flatMap(f => f.objects);
  const without = defaultStackObjects();

  (amtoolVersion ? test : test.skip)('a typed Slack receiver with its URL from a Secret renders a configuration amtool accepts', () => {
    const yaml = alertmanagerYaml(withSlack);
    expect(amtoolCheck(yaml)).toMatchObject({ status: 0 });
    expect(yaml).toContain('api_url_file: /etc/alertmanager/secrets/slack-webhook/url');
    expect((withSlack.find(o => o.kind === 'Alertmanager')!.spec as any).secrets).toEqual(['slack-webhook']);
  });

  test('the synth summary says where alerts go, and that they go nowhere without a receiver', () => {
    expect(preflight(withSlack).find(l => l.startsWith('alerts: '))).toBe('alerts: severity = "critical" → slack (slack), anything else goes nowhere');
    expect(preflight(without).find(l => l.startsWith('alerts: '))).toBe('alerts: go nowhere: no receiver is set (MonitoringStack prop alerting, e.g. AlertDelivery.route with Receiver.slack)');
  });

  test('with only a default receiver, the summary says all alerts go to it', () => {
    const config = 'route:\n  receiver: slack\nreceivers:\n  - name: slack\n    slack_configs:\n      - channel: "#ops"\n';
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'alertmanager-lab', namespace: 'monitoring' }, data: { 'alertmanager.yaml': Buffer.from(config).toString('base64') } };
    expect(preflight([secret]).find(l => l.startsWith('alerts: '))).toBe('alerts: all → slack');
  });
});
