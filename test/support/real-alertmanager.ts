// The real Alertmanager (the chart's version, built by the harness from the Go module proxy) on loopback, running a
// configuration the stack generated, with the pod's files (mounted Secrets) moved under a folder of the test's own;
// and a local HTTP endpoint that records what Alertmanager's webhook receivers post.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { harnessProgram } from './harness';

export function writeFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/**
 * The configuration with every absolute path under `prefixes` moved under `root`, where the test put the pod's
 * files; a referenced file that the test did not write (a token, a CA) is created empty, as the check needs it to exist.
 */
export function rebase(text: string, root: string, prefixes: readonly string[]): string {
  const pattern = new RegExp(`(${prefixes.map(p => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})[^\\s"']*`, 'g');
  return text.replace(pattern, match => {
    const moved = path.join(root, match);
    if (!match.includes('*') && !match.endsWith('/') && !fs.existsSync(moved)) writeFile(moved, '');
    return moved;
  });
}

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it right away). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise(resolve => server.close(resolve));
  return port;
}

/** One notification a webhook receiver posted: Alertmanager's webhook JSON (version 4). */
export interface Notification {
  /** The URL path it was posted to: which receiver. */
  readonly path: string;
  readonly receiver: string;
  readonly status: string;
  readonly alerts: Array<{ status: string; labels: Record<string, string> }>;
}

/** An HTTP endpoint on loopback that keeps every JSON body posted to it. */
export class WebhookSink {
  public static async start(): Promise<WebhookSink> {
    const sink = new WebhookSink();
    await new Promise<void>(resolve => sink.server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  public readonly received: Notification[] = [];
  private readonly server = http.createServer((request, response) => {
    let body = '';
    request.on('data', chunk => { body += chunk; });
    request.on('end', () => {
      try {
        this.received.push({ path: request.url ?? '', ...JSON.parse(body) });
        response.writeHead(200).end();
      } catch {
        response.writeHead(400).end();
      }
    });
  });

  /** The URL of `receiverPath` on this sink. */
  public url(receiverPath: string): string {
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}/${receiverPath}`;
  }

  /** The notifications posted to `receiverPath` so far. */
  public at(receiverPath: string): Notification[] {
    return this.received.filter(n => n.path === `/${receiverPath}`);
  }

  public async stop(): Promise<void> {
    await new Promise(resolve => this.server.close(resolve));
  }
}

/** An Alertmanager process on 127.0.0.1, without clustering, its data in a folder of its own. */
export class RealAlertmanager {
  /**
   * Starts the harness's alertmanager with `configFile` and waits until it answers /-/ready. Fails with its log
   * when it exits or does not get ready within 30 s (a configuration it refuses, say).
   */
  public static async start(configFile: string, dataDir: string): Promise<RealAlertmanager> {
    const binary = path.join(harnessProgram('alertmanager'), 'alertmanager');
    const port = await freePort();
    const log: string[] = [];
    const child = spawn(binary, [
      `--config.file=${configFile}`, `--storage.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=', '--log.level=debug',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let failed: Error | undefined;
    child.on('error', e => { failed = e; });
    child.stdout!.on('data', chunk => log.push(String(chunk)));
    child.stderr!.on('data', chunk => log.push(String(chunk)));
    const alertmanager = new RealAlertmanager(child, `http://127.0.0.1:${port}`, log);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (failed) throw new Error(`cannot run ${binary}: ${failed.message}`);
      // the port was free when asked; another process may have taken it since: the log says so
      if (child.exitCode !== null) throw new Error(`alertmanager exited with ${child.exitCode}:\n${log.join('')}`);
      try {
        if ((await fetch(`${alertmanager.url}/-/ready`)).ok) return alertmanager;
      } catch {
        // not listening yet
      }
      await new Promise(resolve => setTimeout(resolve, 200));
    }
    await alertmanager.stop();
    throw new Error(`alertmanager did not get ready in 30 s:\n${log.join('')}`);
  }

  private constructor(private readonly child: ChildProcess, public readonly url: string, private readonly logLines: string[]) {}

  /** What it has logged so far. */
  public get log(): string {
    return this.logLines.join('');
  }

  /** Posts alerts to its API (POST /api/v2/alerts), as Prometheus does. */
  public async post(alerts: Array<{ labels: Record<string, string>; annotations?: Record<string, string> }>): Promise<void> {
    const response = await fetch(`${this.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    if (!response.ok) throw new Error(`POST /api/v2/alerts: ${response.status} ${await response.text()}`);
  }

  /** Its alerts (GET /api/v2/alerts), with their state (active, suppressed) and what inhibits them. */
  public async alerts(): Promise<Array<{ labels: Record<string, string>; fingerprint: string; status: { state: string; inhibitedBy: string[] }; receivers: Array<{ name: string }> }>> {
    const response = await fetch(`${this.url}/api/v2/alerts`);
    if (!response.ok) throw new Error(`GET /api/v2/alerts: ${response.status} ${await response.text()}`);
    return response.json() as Promise<never>;
  }

  /** Stops it and waits until it has exited (it writes its state on SIGTERM); SIGKILL after 10 s. */
  public async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise(resolve => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Waits until `done()` holds, polling every 100 ms; fails after `timeoutMs` with `what`. */
export async function until(what: string, done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs / 1000} s: ${what}`);
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}
