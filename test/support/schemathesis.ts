// Schemathesis (from PyPI, provisioned by local/tools/install.sh into a cached venv) against the
// OpenAPI document a service serves at /docs/json, with a fixed seed and a bounded number of
// examples, and a HAR file of every request it sent.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { authHeader } from '../../local/src/auth.js';
import { baseUrl, type ServiceName } from './stack.js';

const run = promisify(execFile);
const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The checks every run applies: no 5xx, and status, content type and body as documented. */
export const CONFORMANCE_CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
] as const;

/** Installs (first run only) and returns the path of the pinned schemathesis executable. */
export async function provisionSchemathesis(): Promise<string> {
  try {
    const { stdout } = await run('bash', [resolve(repoRoot, 'local/tools/install.sh'), 'schemathesis'], {
      cwd: repoRoot,
    });
    const bin = stdout.trim().split('\n').at(-1);
    if (!bin) throw new Error('local/tools/install.sh schemathesis printed no path');
    return bin;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`could not provision schemathesis (bash local/tools/install.sh schemathesis):\n${stderr}`);
  }
}

export interface RunOptions {
  /** positive: valid data only; negative: data that violates the schema (which must be rejected). */
  mode: 'positive' | 'negative';
  phases: Array<'examples' | 'coverage' | 'fuzzing' | 'stateful'>;
  checks: readonly string[];
  maxExamples: number;
  seed: number;
  /** Where the HAR of the run goes. */
  harPath: string;
}

export interface RunResult {
  passed: boolean;
  /** Schemathesis' own report: each failing operation and check, with a curl that reproduces it. */
  report: string;
}

export async function runSchemathesis(bin: string, service: ServiceName, options: RunOptions): Promise<RunResult> {
  const args = [
    'run',
    `${baseUrl(service)}/docs/json`,
    `--url=${baseUrl(service)}`,
    `--mode=${options.mode}`,
    `--phases=${options.phases.join(',')}`,
    `--checks=${options.checks.join(',')}`,
    `--max-examples=${options.maxExamples}`,
    `--seed=${options.seed}`,
    // As a back-office operator: every route is open to it, so the runs reach past the 401.
    `--header=authorization: ${(await authHeader()).authorization}`,
    // One worker: Hypothesis' code reflection is not thread-safe on Python 3.11 ("AST
    // constructor recursion depth mismatch"), and 2 cores are shared with the six services.
    '--workers=1',
    // No example database carried between runs: the same seed then sends the same requests.
    '--generation-database=none',
    '--request-timeout=10',
    '--no-color',
    '--report=har',
    `--report-har-path=${options.harPath}`,
  ];
  try {
    const { stdout } = await run(bin, args, { cwd: repoRoot, maxBuffer: 64 << 20, timeout: 180_000 });
    return { passed: true, report: stdout };
  } catch (error) {
    const { stdout = '', stderr = '', code } = error as { stdout?: string; stderr?: string; code?: unknown };
    return { passed: false, report: `schemathesis exited with ${String(code)}\n${stdout}\n${stderr}` };
  }
}

/** One request Schemathesis sent and the status it got, as its HAR report records them. */
export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  status: number;
}

interface HarEntry {
  request: {
    method: string;
    url: string;
    headers: Array<{ name: string; value: string }>;
    postData?: { text?: string };
  };
  response: { status: number };
}

/** Headers a replay must not copy: they describe the original connection, not the request. */
const HOP_HEADERS = new Set(['host', 'content-length', 'connection', 'accept-encoding', 'transfer-encoding']);

export async function readHar(path: string): Promise<SentRequest[]> {
  const har = JSON.parse(await readFile(path, 'utf8')) as { log: { entries: HarEntry[] } };
  return har.log.entries.map(({ request, response }) => ({
    method: request.method,
    url: request.url,
    headers: Object.fromEntries(
      request.headers.filter((h) => !HOP_HEADERS.has(h.name.toLowerCase())).map((h) => [h.name, h.value]),
    ),
    ...(request.postData?.text === undefined ? {} : { body: request.postData.text }),
    status: response.status,
  }));
}

/**
 * Sends a recorded request again and returns the status it gets now. node:http rather than fetch:
 * fetch refuses some methods Schemathesis probes with (TRACE). A connection of its own each time
 * (no agent): a server closes the connection after answering a request whose body it did not
 * read (a 415), and a kept-alive socket reused at that moment would fail with "socket hang up".
 */
export function resend(sent: SentRequest): Promise<number> {
  const what = `${sent.method} ${sent.url}`;
  return new Promise((done, fail) => {
    const options = { method: sent.method, headers: sent.headers, agent: false, timeout: 10_000 };
    const req = request(sent.url, options, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    req.on('error', (error) => fail(new Error(`resending ${what}: ${error.message}`)));
    req.end(sent.body);
  });
}
