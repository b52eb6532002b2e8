// A real trace backend for end-to-end tests: the OpenTelemetry Collector (local/tools/otelcol,
// built from the Go module proxy by local/tools/install.sh) receiving OTLP/HTTP from the services
// and exporting OTLP/JSON to an HTTP sink in the test process, which keeps every span it is sent.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type ExportedSpan, flattenExport } from '../../local/src/traces/otlp.js';

export { type ExportedSpan, SpanKinds } from '../../local/src/traces/otlp.js';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise((ok) => server.close(ok));
  return port;
}

/** Builds the collector if it is not cached yet (minutes, once) and returns its path. */
export async function collectorBinary(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [join(repoRoot, 'local/tools/install.sh'), 'otelcol'], {
    cwd: repoRoot,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim().split('\n').at(-1) as string;
}

export class TraceBackend {
  readonly spans: ExportedSpan[] = [];
  private sink: Server | undefined;
  private collector: ChildProcess | undefined;
  private dir: string | undefined;
  private output: string[] = [];
  /** Where the services send OTLP/HTTP: OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint = '';

  async start(): Promise<void> {
    this.sink = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') this.spans.push(...flattenExport(JSON.parse(Buffer.concat(chunks).toString())));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((ok) => this.sink?.listen(0, '127.0.0.1', ok));
    const sinkPort = (this.sink.address() as AddressInfo).port;
    const port = await freePort();
    this.dir = await mkdtemp(join(tmpdir(), 'ecom-otelcol-'));
    const config = join(this.dir, 'config.yaml');
    await writeFile(
      config,
      [
        'receivers:',
        '  otlp:',
        '    protocols:',
        '      http:',
        `        endpoint: 127.0.0.1:${port}`,
        'exporters:',
        '  otlp_http:',
        `    endpoint: http://127.0.0.1:${sinkPort}`,
        '    encoding: json',
        '    compression: none',
        'service:',
        '  telemetry:',
        '    metrics:',
        '      level: none',
        '  pipelines:',
        '    traces:',
        '      receivers: [otlp]',
        '      exporters: [otlp_http]',
        '',
      ].join('\n'),
    );
    const bin = await collectorBinary();
    const child = spawn(bin, ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.collector = child;
    const keep = (chunk: Buffer) => {
      this.output.push(...chunk.toString().split('\n'));
      this.output = this.output.slice(-100);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.endpoint = `http://127.0.0.1:${port}`;
    // Ready once the receiver answers (an empty export is a valid request).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await fetch(`${this.endpoint}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`the collector did not start:\n${this.output.join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The collector's last lines, for failure messages. */
  logs(): string {
    return this.output.join('\n');
  }

  async stop(): Promise<void> {
    const child = this.collector;
    if (child && child.exitCode === null) {
      const exited = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGTERM');
      await exited;
    }
    await new Promise((ok) => (this.sink ? this.sink.close(ok) : ok(undefined)));
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
