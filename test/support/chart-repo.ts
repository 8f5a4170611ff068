import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { helmBinary } from '../../lib/render/tools';

/** The chart archives the tests render (beside the project, as in CI). */
export const SHARED_CHARTS = path.resolve(__dirname, '..', '..', '..', 'shared', 'charts');

/** A Helm repository on 127.0.0.1, served by a static file server in a process of its own. */
export interface ChartRepo {
  /** Its URL, for CDK8S_CHART_MIRROR or ChartSource.repository. */
  readonly url: string;
  /** The folder it serves. */
  readonly dir: string;
  /** Requests it answered, as 'GET /path'. */
  requests(): string[];
  /** Stops the server and removes its folder. */
  close(): Promise<void>;
}

// A static file server: prints its port, logs each request to a file, and answers from `dir`.
// It runs in a process of its own because renders block this one while helm pulls.
const SERVER = `
const http = require('http'), fs = require('fs'), path = require('path');
const [dir, log, mode] = process.argv.slice(1);
const server = http.createServer((req, res) => {
  fs.appendFileSync(log, req.method + ' ' + req.url + '\\n');
  if (mode === 'silent') return; // accepts and never answers: a hung repository
  const file = path.join(dir, decodeURIComponent(req.url.split('?')[0]));
  if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404); res.end('not found'); return; }
  res.writeHead(200); fs.createReadStream(file).pipe(res);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

/**
 * Serves `archives` (paths of .tgz files) as a Helm repository: copies them into a folder, starts the
 * server and writes index.yaml with `helm repo index`. `mode: 'silent'` accepts connections and never
 * answers.
 */
export async function startChartRepo(archives: readonly string[], mode: 'serve' | 'silent' = 'serve'): Promise<ChartRepo> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-repo-'));
  for (const archive of archives) fs.copyFileSync(archive, path.join(dir, path.basename(archive)));
  return serve(dir, SERVER, [dir, mode], port => {
    const url = `http://127.0.0.1:${port}`;
    if (archives.length > 0) execFileSync(helmBinary(), ['repo', 'index', dir, '--url', url]);
    return url;
  });
}

/** Starts `script` in a process of its own (arguments: `args[0]`, the request log, the rest); it prints its port once it listens. */
async function serve(dir: string, script: string, args: readonly string[], urlOf: (port: number) => string): Promise<ChartRepo> {
  const log = path.join(dir, '.requests.log');
  fs.writeFileSync(log, '');
  const server: ChildProcess = spawn(process.execPath, ['-e', script, args[0], log, ...args.slice(1)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  return {
    url: urlOf(port),
    dir,
    requests: () => fs.readFileSync(log, 'utf8').split('\n').filter(Boolean),
    close: async () => {
      server.kill();
      await new Promise(resolve => server.once('exit', resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The same chart packaged again by `helm package`: the same templates and values, other bytes (and
 * so another digest), optionally with another version in its Chart.yaml.
 */
export function repackage(archive: string, outdir: string, version?: string): string {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'repackage-'));
  try {
    execFileSync('tar', ['-xzf', archive, '-C', work]);
    const [chartDir] = fs.readdirSync(work);
    // A different modification time gives different archive bytes even for the same version.
    const later = new Date(Date.UTC(2030, 0, 1));
    for (const file of listFiles(path.join(work, chartDir))) fs.utimesSync(file, later, later);
    const out = execFileSync(helmBinary(), ['package', path.join(work, chartDir), '--destination', outdir, ...(version ? ['--version', version] : [])], { encoding: 'utf8' });
    return out.trim().split(': ').at(-1)!;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

// A read-only OCI registry (the distribution API helm pull uses: manifests by tag, blobs by digest)
// serving each chart as helm pushes it: a config blob with the chart's metadata, one layer with the archive.
const REGISTRY = `
const http = require('http'), fs = require('fs'), crypto = require('crypto');
const [index, log] = process.argv.slice(1);
const charts = JSON.parse(fs.readFileSync(index, 'utf8'));
const digest = b => 'sha256:' + crypto.createHash('sha256').update(b).digest('hex');
const blobs = {}, manifests = {};
for (const c of charts) {
  const tgz = fs.readFileSync(c.file), config = Buffer.from(JSON.stringify(c.meta));
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: digest(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: digest(tgz), size: tgz.length }] }));
  blobs[digest(tgz)] = tgz; blobs[digest(config)] = config;
  manifests[c.path + ':' + c.meta.version] = manifests[c.path + ':' + digest(manifest)] = manifest;
}
http.createServer((req, res) => {
  fs.appendFileSync(log, req.method + ' ' + req.url + '\\n');
  const send = (type, body, extra) => { res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, ...extra }); res.end(req.method === 'HEAD' ? undefined : body); };
  if (req.url === '/v2/') return send('application/json', Buffer.from('{}'));
  let m = /^\\/v2\\/(.+)\\/manifests\\/(.+)$/.exec(req.url);
  if (m && manifests[m[1] + ':' + m[2]]) { const b = manifests[m[1] + ':' + m[2]]; return send('application/vnd.oci.image.manifest.v1+json', b, { 'Docker-Content-Digest': digest(b) }); }
  m = /^\\/v2\\/(.+)\\/blobs\\/(.+)$/.exec(req.url);
  if (m && blobs[m[2]]) return send('application/octet-stream', blobs[m[2]], { 'Docker-Content-Digest': m[2] });
  res.writeHead(404); res.end();
}).listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n'); });
`;

/** An OCI registry on 127.0.0.1 serving `archives` under `<host>/charts/<name>` (plain HTTP: set CDK8S_CHART_PLAIN_HTTP=true). */
export async function startOciRegistry(archives: readonly string[]): Promise<ChartRepo> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-registry-'));
  const YAML = require('yaml');
  const index = archives.map(file => {
    const meta = YAML.parse(execFileSync(helmBinary(), ['show', 'chart', file], { encoding: 'utf8' }));
    return { file, meta, path: `charts/${meta.name}` };
  });
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify(index));
  return serve(dir, REGISTRY, [path.join(dir, 'index.json')], port => `oci://127.0.0.1:${port}/charts`);
}
