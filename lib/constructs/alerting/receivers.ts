import * as semver from 'semver';
import { AlertmanagerVersion } from './alertmanager-version';
import { SecretKey } from './secret-key';
import { DNS_SUBDOMAIN } from '../kube-names';
import { checkProps, describeValue, oneOf, PropShape } from '../known-props';
import { asNumber } from '../quantity';

/** The kinds of place an alert can be delivered to. */
export enum ReceiverKind {
  /** An email through an SMTP server. */
  EMAIL = 'email',
  /** A Slack channel, through an incoming webhook. */
  SLACK = 'slack',
  /** A Discord channel, through a channel webhook. */
  DISCORD = 'discord',
  /** A Telegram chat, through a bot. */
  TELEGRAM = 'telegram',
  /** Any HTTP endpoint that accepts Alertmanager's webhook JSON. */
  WEBHOOK = 'webhook',
  /** An ntfy topic (phone push notifications), through Alertmanager's webhook. */
  NTFY = 'ntfy',
}

/** Which Discord endpoint Alertmanager posts to. */
export enum DiscordApi {
  /**
   * Discord's Slack-compatible endpoint (the channel webhook URL with `/slack` appended), fed by
   * Alertmanager's Slack integration (`slack_configs[].api_url_file`, Alertmanager >= 0.22.0).
   * Works through every prometheus-operator release: reports up to mid-2026 show the operator's
   * config parser rejecting `discord_configs[].webhook_url_file` (prometheus-operator#7159, #8537),
   * which leaves Alertmanager on its previous configuration.
   */
  SLACK_COMPATIBLE = 'slack-compatible',
  /**
   * Alertmanager's Discord integration (`discord_configs[].webhook_url_file`). Alertmanager
   * >= 0.28.0 reads it (added in 0.27.0, whose config loading still demanded `webhook_url`;
   * alertmanager#3728); the prometheus-operator must also accept the field (see SLACK_COMPATIBLE).
   */
  NATIVE = 'native',
}

/** A field a receiver writes into alertmanager.yaml and the first Alertmanager release that reads it. */
export interface AlertmanagerRequirement {
  /** The field as alertmanager.yaml spells it, e.g. 'telegram_configs[].bot_token_file'. */
  readonly field: string;
  /** The first Alertmanager release that reads it, e.g. '0.26.0'. */
  readonly since: string;
  /** Where that is recorded (changelog entry or pull request). */
  readonly source: string;
}

/** Props every receiver has. */
export interface ReceiverOptions {
  /**
   * The receiver's name in alertmanager.yaml; two different receivers need different names.
   * @default - the kind, e.g. 'slack'
   */
  readonly name?: string;
  /**
   * Whether a notification also goes out when the alerts are resolved.
   * @default true
   */
  readonly sendResolved?: boolean;
}

/** Email through an SMTP server. */
export interface EmailReceiverProps extends ReceiverOptions {
  /** The address alerts are sent to, e.g. 'ops@example.com' (use a mailing list for several people). */
  readonly to: string;
  /** The sender address, e.g. 'alertmanager@example.com'. */
  readonly from: string;
  /** The SMTP server's host name, e.g. 'smtp.example.com'. */
  readonly smtpHost: string;
  /**
   * The SMTP server's port.
   * @default 587
   */
  readonly smtpPort?: number;
  /**
   * The SMTP login user. Set together with `password`.
   * @default - no SMTP authentication
   */
  readonly username?: string;
  /**
   * The Secret key holding the SMTP password (read through `auth_password_file`, Alertmanager >= 0.25.0).
   * @default - no SMTP authentication
   */
  readonly password?: SecretKey;
  /**
   * Whether Alertmanager insists on STARTTLS.
   * @default true
   */
  readonly requireTls?: boolean;
}

/** A Slack channel through an incoming webhook. */
export interface SlackReceiverProps extends ReceiverOptions {
  /** The Secret key holding the incoming webhook URL (https://hooks.slack.com/services/...). */
  readonly webhookUrl: SecretKey;
  /**
   * The channel ('#alerts') or user ('@me') to post to.
   * @default - the channel the webhook was created for
   */
  readonly channel?: string;
}

/** A Discord channel through a channel webhook. */
export interface DiscordReceiverProps extends ReceiverOptions {
  /**
   * The Secret key holding the channel webhook URL: `https://discord.com/api/webhooks/<id>/<token>`,
   * with `/slack` appended for {@link DiscordApi.SLACK_COMPATIBLE}.
   */
  readonly webhookUrl: SecretKey;
  /**
   * Which Discord endpoint Alertmanager posts to.
   * @default DiscordApi.SLACK_COMPATIBLE
   */
  readonly api?: DiscordApi;
}

/** A Telegram chat through a bot. */
export interface TelegramReceiverProps extends ReceiverOptions {
  /** The Secret key holding the bot token from @BotFather. */
  readonly botToken: SecretKey;
  /** The chat to post to (negative for groups and channels, e.g. -1001234567890). */
  readonly chatId: number;
}

/** Any HTTP endpoint that accepts Alertmanager's webhook JSON. */
export interface WebhookReceiverProps extends ReceiverOptions {
  /** The Secret key holding the endpoint URL. */
  readonly url: SecretKey;
  /**
   * The Secret key holding a token sent as `Authorization: Bearer <token>`.
   * @default - no Authorization header
   */
  readonly bearerToken?: SecretKey;
  /**
   * Most alerts in one request (0 for all).
   * @default 0
   */
  readonly maxAlerts?: number;
}

/**
 * An ntfy topic. Alertmanager has no ntfy integration (none up to 0.34), so this is its webhook
 * posting to the topic URL; the ntfy server turns Alertmanager's JSON into a readable push
 * message with its built-in `alertmanager` template (ntfy's pre-defined templates, ntfy PR #1390,
 * July 2025). Without `?template=alertmanager` in the URL, or on an older ntfy server, the phone
 * shows the raw JSON.
 */
export interface NtfyReceiverProps extends ReceiverOptions {
  /**
   * The Secret key holding the topic URL with the template parameter, e.g.
   * `https://ntfy.example.com/homelab-alerts?template=alertmanager`. A Secret because on a server
   * without access control the topic name is the password.
   */
  readonly topicUrl: SecretKey;
  /**
   * The Secret key holding an ntfy access token (`tk_...`), sent as `Authorization: Bearer <token>`.
   * @default - no Authorization header (the topic must allow anonymous publishing)
   */
  readonly accessToken?: SecretKey;
}

const RECEIVER_OPTIONS: PropShape<ReceiverOptions> = { name: true, sendResolved: 'boolean' };
const EMAIL_RECEIVER_PROPS: PropShape<EmailReceiverProps> = {
  ...RECEIVER_OPTIONS, to: true, from: true, smtpHost: true, smtpPort: true, username: true, password: true, requireTls: 'boolean',
};
const SLACK_RECEIVER_PROPS: PropShape<SlackReceiverProps> = { ...RECEIVER_OPTIONS, webhookUrl: true, channel: true };
const DISCORD_RECEIVER_PROPS: PropShape<DiscordReceiverProps> = { ...RECEIVER_OPTIONS, webhookUrl: true, api: oneOf(DiscordApi, 'DiscordApi') };
const TELEGRAM_RECEIVER_PROPS: PropShape<TelegramReceiverProps> = { ...RECEIVER_OPTIONS, botToken: true, chatId: true };
const WEBHOOK_RECEIVER_PROPS: PropShape<WebhookReceiverProps> = { ...RECEIVER_OPTIONS, url: true, bearerToken: true, maxAlerts: true };
const NTFY_RECEIVER_PROPS: PropShape<NtfyReceiverProps> = { ...RECEIVER_OPTIONS, topicUrl: true, accessToken: true };

const RECEIVER_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** Alertmanager's own name for the receiver that drops alerts; kube-prometheus-stack uses it too. */
export const NULL_RECEIVER_NAME = 'null';
const EMAIL_ADDRESS = /^[^\s@,<>"]+@[^\s@,<>"]+$/;

const SLACK_API_URL_FILE: AlertmanagerRequirement = { field: 'slack_configs[].api_url_file', since: '0.22.0', source: 'Alertmanager 0.22.0 changelog: set the Slack URL from a file (#2534)' };
const AUTHORIZATION_CREDENTIALS_FILE: AlertmanagerRequirement = { field: 'http_config.authorization.credentials_file', since: '0.22.0', source: 'Alertmanager 0.22.0 changelog: custom authorization scheme (#2499)' };
const WEBHOOK_URL_FILE: AlertmanagerRequirement = { field: 'webhook_configs[].url_file', since: '0.26.0', source: 'alertmanager#3223, released in 0.26.0' };

/**
 * Where alerts are delivered: one Alertmanager receiver. Secrets (URLs, tokens, passwords) come
 * only from existing Secrets by reference and are read by Alertmanager from the mounted files.
 */
export class Receiver {
  /** Email through an SMTP server. */
  public static email(props: EmailReceiverProps): Receiver {
    checkProps('Receiver.email', props, EMAIL_RECEIVER_PROPS);
    const name = receiverName('Receiver.email', props.name, ReceiverKind.EMAIL);
    checkEmailAddress('Receiver.email to', props.to);
    checkEmailAddress('Receiver.email from', props.from);
    if (typeof props.smtpHost !== 'string' || !DNS_SUBDOMAIN.test(props.smtpHost)) {
      throw new Error(`Receiver.email smtpHost is ${describeValue(props.smtpHost)} but must be a lowercase host name or IP address such as 'smtp.example.com' (the port goes in smtpPort)`);
    }
    const port = props.smtpPort ?? 587;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`Receiver.email smtpPort is ${asNumber(port)} but must be a whole number from 1 to 65535 (587 for STARTTLS submission, 465 for implicit TLS)`);
    }
    if ((props.username === undefined) !== (props.password === undefined)) {
      const [set, unset] = props.username === undefined ? ['password', 'username'] : ['username', 'password'];
      throw new Error(`Receiver.email ${set} is set but ${unset} is not; SMTP authentication needs both (password as SecretKey.fromExistingSecret(...)), or neither for a relay without authentication`);
    }
    if (props.password !== undefined) requireSecretKey('Receiver.email password', props.password);
    if (props.username !== undefined && props.username.trim() === '') {
      throw new Error('Receiver.email username is \'\' but must name the SMTP login user');
    }
    return new Receiver(name, ReceiverKind.EMAIL, props.password ? [props.password] : [],
      props.password ? [{ field: 'email_configs[].auth_password_file', since: '0.25.0', source: 'alertmanager#3038, Alertmanager 0.25.0' }] : [],
      `email ${props.to}`, {
        email_configs: [{
          send_resolved: props.sendResolved ?? true,
          to: props.to,
          from: props.from,
          smarthost: `${props.smtpHost}:${port}`,
          ...(props.username !== undefined && props.password && { auth_username: props.username, auth_password_file: props.password.mountedFile }),
          require_tls: props.requireTls ?? true,
        }],
      });
  }

  /** A Slack channel through an incoming webhook. */
  public static slack(props: SlackReceiverProps): Receiver {
    checkProps('Receiver.slack', props, SLACK_RECEIVER_PROPS);
    const name = receiverName('Receiver.slack', props.name, ReceiverKind.SLACK);
    requireSecretKey('Receiver.slack webhookUrl', props.webhookUrl);
    if (props.channel !== undefined && !/^\S+$/.test(props.channel)) {
      throw new Error(`Receiver.slack channel is '${props.channel}' but must be a channel ('#alerts') or user ('@me') without spaces, or left out to use the webhook's channel`);
    }
    return new Receiver(name, ReceiverKind.SLACK, [props.webhookUrl], [SLACK_API_URL_FILE],
      `slack${props.channel ? ` ${props.channel}` : ''}`, {
        slack_configs: [{
          send_resolved: props.sendResolved ?? true,
          api_url_file: props.webhookUrl.mountedFile,
          ...(props.channel && { channel: props.channel }),
        }],
      });
  }

  /** A Discord channel through a channel webhook. */
  public static discord(props: DiscordReceiverProps): Receiver {
    checkProps('Receiver.discord', props, DISCORD_RECEIVER_PROPS);
    const name = receiverName('Receiver.discord', props.name, ReceiverKind.DISCORD);
    requireSecretKey('Receiver.discord webhookUrl', props.webhookUrl);
    const api = props.api ?? DiscordApi.SLACK_COMPATIBLE;
    const sendResolved = props.sendResolved ?? true;
    if (api === DiscordApi.SLACK_COMPATIBLE) {
      return new Receiver(name, ReceiverKind.DISCORD, [props.webhookUrl], [SLACK_API_URL_FILE],
        'discord', { slack_configs: [{ send_resolved: sendResolved, api_url_file: props.webhookUrl.mountedFile }] });
    }
    return new Receiver(name, ReceiverKind.DISCORD, [props.webhookUrl], [
      { field: 'discord_configs', since: '0.25.0', source: 'Alertmanager 0.25.0 changelog: Discord integration (#2948)' },
      { field: 'discord_configs[].webhook_url_file', since: '0.28.0', source: 'added in 0.27.0 (alertmanager#3555), loadable without webhook_url from 0.28.0 (alertmanager#3728)' },
    ], 'discord', { discord_configs: [{ send_resolved: sendResolved, webhook_url_file: props.webhookUrl.mountedFile }] });
  }

  /** A Telegram chat through a bot. */
  public static telegram(props: TelegramReceiverProps): Receiver {
    checkProps('Receiver.telegram', props, TELEGRAM_RECEIVER_PROPS);
    const name = receiverName('Receiver.telegram', props.name, ReceiverKind.TELEGRAM);
    requireSecretKey('Receiver.telegram botToken', props.botToken);
    if (!Number.isSafeInteger(props.chatId) || props.chatId === 0) {
      throw new Error(`Receiver.telegram chatId is ${asNumber(props.chatId)} but must be a non-zero whole number (a user id, or a negative group or channel id such as -1001234567890)`);
    }
    return new Receiver(name, ReceiverKind.TELEGRAM, [props.botToken], [
      { field: 'telegram_configs', since: '0.24.0', source: 'Alertmanager 0.24.0 changelog: Telegram integration' },
      { field: 'telegram_configs[].bot_token_file', since: '0.26.0', source: 'alertmanager#3226, Alertmanager 0.26.0' },
    ], `telegram chat ${props.chatId}`, {
      telegram_configs: [{ send_resolved: props.sendResolved ?? true, bot_token_file: props.botToken.mountedFile, chat_id: props.chatId }],
    });
  }

  /** Any HTTP endpoint that accepts Alertmanager's webhook JSON. */
  public static webhook(props: WebhookReceiverProps): Receiver {
    checkProps('Receiver.webhook', props, WEBHOOK_RECEIVER_PROPS);
    const name = receiverName('Receiver.webhook', props.name, ReceiverKind.WEBHOOK);
    requireSecretKey('Receiver.webhook url', props.url);
    if (props.bearerToken !== undefined) requireSecretKey('Receiver.webhook bearerToken', props.bearerToken);
    const maxAlerts = props.maxAlerts ?? 0;
    if (!Number.isInteger(maxAlerts) || maxAlerts < 0) {
      throw new Error(`Receiver.webhook maxAlerts is ${asNumber(maxAlerts)} but must be a whole number >= 0 (0 sends every alert)`);
    }
    return new Receiver(name, ReceiverKind.WEBHOOK, [props.url, ...(props.bearerToken ? [props.bearerToken] : [])],
      [WEBHOOK_URL_FILE, ...(props.bearerToken ? [AUTHORIZATION_CREDENTIALS_FILE] : [])], 'webhook', {
        webhook_configs: [{
          send_resolved: props.sendResolved ?? true,
          url_file: props.url.mountedFile,
          ...(maxAlerts > 0 && { max_alerts: maxAlerts }),
          ...(props.bearerToken && bearerAuthorization(props.bearerToken)),
        }],
      });
  }

  /** An ntfy topic, through Alertmanager's webhook and ntfy's `alertmanager` template (see {@link NtfyReceiverProps}). */
  public static ntfy(props: NtfyReceiverProps): Receiver {
    checkProps('Receiver.ntfy', props, NTFY_RECEIVER_PROPS);
    const name = receiverName('Receiver.ntfy', props.name, ReceiverKind.NTFY);
    requireSecretKey('Receiver.ntfy topicUrl', props.topicUrl);
    if (props.accessToken !== undefined) requireSecretKey('Receiver.ntfy accessToken', props.accessToken);
    return new Receiver(name, ReceiverKind.NTFY, [props.topicUrl, ...(props.accessToken ? [props.accessToken] : [])],
      [WEBHOOK_URL_FILE, ...(props.accessToken ? [AUTHORIZATION_CREDENTIALS_FILE] : [])], 'ntfy', {
        webhook_configs: [{
          send_resolved: props.sendResolved ?? true,
          url_file: props.topicUrl.mountedFile,
          ...(props.accessToken && bearerAuthorization(props.accessToken)),
        }],
      });
  }

  private constructor(
    /** The receiver's name in alertmanager.yaml. */
    public readonly name: string,
    /** What kind of place it delivers to. */
    public readonly kind: ReceiverKind,
    /** The Secret keys Alertmanager reads, in the order the props name them. */
    public readonly secretKeys: readonly SecretKey[],
    /** The fields it writes that not every Alertmanager release reads. */
    public readonly requirements: readonly AlertmanagerRequirement[],
    private readonly detail: string,
    private readonly integrations: Record<string, unknown>,
  ) {}

  /** One human-readable phrase, e.g. "slack #alerts (secret slack-webhook)". */
  public get description(): string {
    const secrets = [...new Set(this.secretKeys.map(k => k.secretName))];
    const suffix = secrets.length === 0 ? '' : ` (secret${secrets.length > 1 ? 's' : ''} ${secrets.join(', ')})`;
    return `${this.name === this.kind ? '' : `${this.name}: `}${this.detail}${suffix}`;
  }

  /** The newest Alertmanager release this receiver needs. */
  public get minimumVersion(): string {
    return this.requirements.map(r => r.since).reduce((a, b) => (semver.gte(a, b) ? a : b), '0.0.0');
  }

  /** The requirements `version` does not meet. */
  public unmetRequirements(version: AlertmanagerVersion): AlertmanagerRequirement[] {
    return this.requirements.filter(r => !version.isAtLeast(r.since));
  }

  /** This receiver's entry under `receivers:` in alertmanager.yaml. */
  public toAlertmanagerConfig(): Record<string, unknown> {
    return { name: this.name, ...this.integrations };
  }
}

function receiverName(factory: string, name: string | undefined, kind: ReceiverKind): string {
  const result = name ?? kind;
  if (result === NULL_RECEIVER_NAME) {
    throw new Error(`${factory} name is '${NULL_RECEIVER_NAME}' but that name is reserved for the receiver that drops alerts (Watchdog, InfoInhibitor, unrouted alerts); pick another name`);
  }
  if (typeof result !== 'string' || !RECEIVER_NAME.test(result)) {
    throw new Error(`${factory} name is ${describeValue(result)} but a receiver name must be letters, digits, '-', '_' and '.', starting and ending with a letter or digit, at most 63 characters (e.g. 'ops-email')`);
  }
  return result;
}

function checkEmailAddress(prop: string, address: string): void {
  if (typeof address !== 'string' || !EMAIL_ADDRESS.test(address)) {
    throw new Error(`${prop} is ${describeValue(address)} but must be one email address such as 'ops@example.com'`);
  }
}

/** Throws, naming `prop`, unless `value` is a SecretKey (a URL or token itself must never be in the code, nor in the message). */
function requireSecretKey(prop: string, value: SecretKey): void {
  if (!(value instanceof SecretKey)) {
    throw new Error(`${prop} is ${typeof value === 'string' ? 'a string' : describeValue(value)} but must be a SecretKey naming the Secret that holds the value, e.g. SecretKey.fromExistingSecret('alertmanager-secrets', 'url')`);
  }
}

function bearerAuthorization(token: SecretKey): Record<string, unknown> {
  return { http_config: { authorization: { type: 'Bearer', credentials_file: token.mountedFile } } };
}
