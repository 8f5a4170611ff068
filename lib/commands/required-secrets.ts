// Secrets the pods read but the output never ships (Grafana's admin password must not sit in dist/ or in Git):
// deploy finds each one, or creates Grafana's from a password the user gives, so a fresh cluster needs one run.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import { addSecretKeysHint, createSecretHint, RequiredSecret } from './apply-plan';
import { commandLine, KubectlRunner } from './kubectl';

/** Environment variable deploy reads Grafana's initial admin password from. */
export const GRAFANA_PASSWORD_ENV = 'GRAFANA_ADMIN_PASSWORD';

/** Where Grafana's initial admin password comes from when its Secret does not exist yet. */
export interface GrafanaPasswordSource {
  /**
   * A file holding the password (a trailing newline is dropped).
   * @default - none
   */
  readonly passwordFile?: string;
  /**
   * Generate a random password (32 characters).
   * @default false
   */
  readonly generate?: boolean;
  /**
   * The admin user's name.
   * @default 'admin'
   */
  readonly user?: string;
  /**
   * The environment to read GRAFANA_ADMIN_PASSWORD from.
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Grafana's admin password from the one source given (file, environment, generated), or undefined when none was.
 * Throws for two sources, an unreadable file, or a password under 8 characters.
 */
export function grafanaPassword(source: GrafanaPasswordSource): GrafanaPassword | undefined {
  const fromEnv = (source.env ?? process.env)[GRAFANA_PASSWORD_ENV];
  const given = [source.passwordFile && '--grafana-admin-password-file', fromEnv && GRAFANA_PASSWORD_ENV, source.generate && '--generate-grafana-admin-password'].filter(Boolean);
  if (given.length > 1) {
    throw new Error(`${given.join(' and ')} both give Grafana's admin password; use one`);
  }
  if (source.passwordFile) {
    let text: string;
    try {
      text = fs.readFileSync(source.passwordFile, 'utf8');
    } catch (e) {
      throw new Error(`--grafana-admin-password-file is '${source.passwordFile}' but it cannot be read (${(e as NodeJS.ErrnoException).code}); give a file that holds only the password`);
    }
    return { password: checkPassword(text.replace(/\r?\n$/, ''), `the file ${source.passwordFile}`), from: `the file ${source.passwordFile}` };
  }
  if (fromEnv) return { password: checkPassword(fromEnv, GRAFANA_PASSWORD_ENV), from: `the environment variable ${GRAFANA_PASSWORD_ENV}` };
  if (source.generate) return { password: randomBytes(24).toString('base64url'), from: 'a random password' };
  return undefined;
}

function checkPassword(password: string, where: string): string {
  if (password.length < 8 || /[\r\n]/.test(password)) {
    throw new Error(`${where} holds a password of ${password.length} characters${/[\r\n]/.test(password) ? ' over several lines' : ''}; Grafana's admin password needs at least 8 characters on one line`);
  }
  return password;
}

/** A password for Grafana's admin Secret and where it came from. */
export interface GrafanaPassword {
  readonly password: string;
  readonly from: string;
}

/**
 * Before anything is applied: throws one error naming every Secret that is missing (and that deploy cannot create:
 * not Grafana's, or Grafana's without a password) or lacks a key that is read from it, with its namespace, who
 * reads it, the prop that refers to it, and how to create it; so a deploy never stops half-way for one.
 */
export function checkSecretsCanBeMet(kubectl: KubectlRunner, secrets: readonly RequiredSecret[], password: GrafanaPassword | undefined): void {
  const problems = secrets.flatMap(secret => {
    const found = lookUp(kubectl, secret);
    if (!found.exists && secret.grafanaAdmin && password) return [];
    if (!found.exists) return [secret.grafanaAdmin ? missingMessage(secret) : describeProblem(secret, 'does not exist')];
    const lacking = missingKeys(secret, found.keys);
    return lacking.length === 0 ? [] : [describeProblem(secret, `exists but lacks ${lacking.length === 1 ? 'key' : 'keys'} ${lacking.join(', ')}${secret.keysUnless ? ` (or ${secret.keysUnless})` : ''}`, lacking)];
  });
  if (problems.length === 0) return;
  throw new Error([
    `stopped before applying anything: ${problems.length} Secret${problems.length === 1 ? '' : 's'} that dist/ refers to ${problems.length === 1 ? 'is' : 'are'} missing or incomplete, and ${problems.length === 1 ? 'its' : 'their'} readers would fail in the cluster:`,
    ...problems.map(p => `- ${p}`),
  ].join('\n'));
}

/** "Secret ns/name <problem>", who reads it with which prop, and how to create it. */
function describeProblem(secret: RequiredSecret, problem: string, lacking?: readonly string[]): string {
  const readers = (secret.readers ?? []).map(r => `\n    read by ${r.what}\n      set by ${r.prop}`).join('');
  const fix = lacking ? `add ${lacking.length === 1 ? 'it' : 'them'}: ${addSecretKeysHint(secret, lacking)}` : `create it: ${createSecretHint(secret, false)}`;
  return `Secret ${secret.namespace}/${secret.name} ${problem}${readers}\n    ${fix}`;
}

/** Keys `secret` must hold that `present` lacks (none when it has the key that stands in for them). */
function missingKeys(secret: RequiredSecret, present: readonly string[]): string[] {
  if (secret.keysUnless && present.includes(secret.keysUnless)) return [];
  return secret.keys.filter(k => !present.includes(k));
}

/**
 * Finds `secret` in the cluster, or creates it when it is Grafana's admin Secret and a password was given.
 * Never changes an existing Secret. The password goes to kubectl on standard input only (never on a command
 * line) and is never printed.
 */
export function ensureSecret(kubectl: KubectlRunner, secret: RequiredSecret, password: GrafanaPassword | undefined, user: string, log: (line: string) => void): void {
  const where = `Secret ${secret.namespace}/${secret.name}`;
  if (exists(kubectl, secret)) {
    log(`found ${where}; deploy leaves it as it is${secret.grafanaAdmin && password ? ` (the password from ${password.from} is not used: to change it, delete the Secret and deploy again, or change it in Grafana)` : ''}`);
    return;
  }
  if (!secret.grafanaAdmin || !password) throw new Error(missingMessage(secret));
  const { userKey, passwordKey } = secret.grafanaAdmin;
  const manifest = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secret.name,
      namespace: secret.namespace,
      annotations: { 'cdk8s-monitoring-stack.internal/created-by': 'cdk8s-monitoring deploy, once; it never changes or deletes it' },
    },
    type: 'Opaque',
    data: {
      [userKey]: Buffer.from(user).toString('base64'),
      [passwordKey]: Buffer.from(password.password).toString('base64'),
    },
  };
  const created = kubectl.run(['create', '--filename=-', '--output=name'], JSON.stringify(manifest));
  if (created.status !== 0) throw new Error(`cannot create ${where}: ${created.stderr.trim()}`);
  const read = `${commandLine(['--namespace', secret.namespace, 'get', 'secret', secret.name], kubectl.context)} --output=jsonpath='{.data.${passwordKey}}'`;
  log(`created ${where} with user '${user}' and the password from ${password.from}; read it with: ${read} | base64 -d`);
}

function exists(kubectl: KubectlRunner, secret: RequiredSecret): boolean {
  return lookUp(kubectl, secret).exists;
}

/** Whether the Secret exists and its data's keys: kubectl prints only the key names, never a value. */
function lookUp(kubectl: KubectlRunner, secret: RequiredSecret): { exists: boolean; keys: string[] } {
  // --ignore-not-found: a missing Secret, or a namespace not created yet, is empty output, not an error
  const found = kubectl.run(['get', 'secret', secret.name, '--namespace', secret.namespace, '--ignore-not-found',
    '--output=go-template=found{{"\\n"}}{{range $key, $value := .data}}{{$key}}{{"\\n"}}{{end}}']);
  if (found.status !== 0) throw new Error(`cannot check Secret ${secret.namespace}/${secret.name}: ${found.stderr.trim()}`);
  const [first, ...keys] = found.stdout.split('\n').filter(line => line !== '');
  return { exists: first === 'found', keys };
}

function missingMessage(secret: RequiredSecret): string {
  const where = `Secret ${secret.namespace}/${secret.name}`;
  if (!secret.grafanaAdmin) return describeProblem(secret, 'does not exist');
  return [
    `${where} does not exist, and Grafana reads its admin user and password from it (the output never holds the password). Give deploy the password with one of:`,
    '  --grafana-admin-password-file FILE     (a file holding only the password)',
    `  ${GRAFANA_PASSWORD_ENV}=...              (in the environment)`,
    '  --generate-grafana-admin-password      (a random one; deploy says how to read it)',
    `or create it yourself: ${createSecretHint(secret, false)}`,
  ].join('\n');
}

/** For diff: a line saying the Secret is missing or lacks keys and what deploy would do, or undefined when it is complete. */
export function ensureSecretNote(kubectl: KubectlRunner, secret: RequiredSecret): string | undefined {
  const found = lookUp(kubectl, secret);
  if (found.exists) {
    const lacking = missingKeys(secret, found.keys);
    return lacking.length === 0 ? undefined : `+ Secret ${secret.namespace}/${secret.name}: lacks ${lacking.join(', ')}${secret.keysUnless ? ` (or ${secret.keysUnless})` : ''}; deploy stops until it has ${lacking.length === 1 ? 'it' : 'them'}`;
  }
  return `+ Secret ${secret.namespace}/${secret.name}: missing; ${secret.grafanaAdmin
    ? `deploy creates it from --grafana-admin-password-file, ${GRAFANA_PASSWORD_ENV} or --generate-grafana-admin-password, and stops without one`
    : `deploy stops until you create it: ${createSecretHint(secret)}`}`;
}
