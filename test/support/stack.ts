// The whole platform for end-to-end tests: every service as its own OS process (so a test can
// SIGKILL one and restart it), on the real broker and PostgreSQL the global setup started.
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authHeader } from '../../local/src/auth.js';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export const SERVICES = {
  order: 3101,
  payment: 3102,
  inventory: 3103,
  shipping: 3104,
  notification: 3105,
  analytics: 3106,
} as const;
export type ServiceName = keyof typeof SERVICES;

export type ServiceUrls = Partial<Record<ServiceName, string>>;

let urlOverrides: ServiceUrls = {};

/**
 * Where a service answers: its fixed local port of the Stack, unless useServiceUrls() pointed it
 * elsewhere. Everything that talks to the services goes through here (api(), the platform
 * helpers, the load generator, the invariant checker), so one checker serves every deployment.
 */
export function baseUrl(service: ServiceName): string {
  return urlOverrides[service] ?? `http://127.0.0.1:${SERVICES[service]}`;
}

/**
 * Points baseUrl() at other URLs (e.g. a cluster's Services, test/support/cluster.ts) for the
 * services named; returns the function that restores the previous ones. Vitest gives each test
 * file its own module instance, so this never leaks into another file.
 */
export function useServiceUrls(urls: ServiceUrls): () => void {
  const previous = urlOverrides;
  urlOverrides = { ...previous, ...urls };
  return () => {
    urlOverrides = previous;
  };
}

interface Running {
  child: ChildProcess;
  output: string[];
  /** Set when the test itself stops or kills the process, so the exit is not a crash. */
  expectedExit: boolean;
}

export interface StackOptions {
  /**
   * Restart a service that exits on its own (a crash, e.g. an injected fault's SIGKILL), as a
   * supervisor or the kubelet would. `envAfterCrash` may change its env for the restart (the
   * fault tests disarm ECOM_FAULTS once enough crashes happened, so a run always ends).
   */
  restartCrashed?: boolean;
  envAfterCrash?(name: ServiceName, crashes: number): Record<string, string> | undefined;
}

function exited(child: ChildProcess): boolean {
  // A process killed by a signal has a signalCode and a null exitCode.
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Runs the six services from their sources (tsx, `source` export condition) on their own test
 * ports, with extra env per service. Output is kept (last 200 lines each) for failure messages.
 */
export class Stack {
  private readonly running = new Map<ServiceName, Running>();
  /** Crashes (exits the test did not cause) per service. */
  readonly crashes = new Map<ServiceName, number>();
  /** Lines each service printed that say an injected fault fired, per service. */
  readonly faultsFired = new Map<ServiceName, string[]>();
  private stopping = false;

  constructor(
    private readonly env: Partial<Record<ServiceName, Record<string, string>>> = {},
    private readonly options: StackOptions = {},
  ) {}

  async start(names: ServiceName[] = Object.keys(SERVICES) as ServiceName[]): Promise<void> {
    // A leftover process from an aborted run would answer in place of the code under test.
    for (const name of names) {
      const alive = await fetch(`${baseUrl(name)}/healthz`).then(
        () => true,
        () => false,
      );
      if (alive)
        throw new Error(`port ${SERVICES[name]} already serves something: stop the leftover ${name} process first`);
    }
    for (const name of names) this.spawn(name);
    await Promise.all(names.map((name) => this.waitReady(name)));
  }

  private spawn(name: ServiceName): void {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=source',
        // Inert unless the env sets an OTLP endpoint (services/kit/src/telemetry/register.ts).
        '--import',
        resolve(repoRoot, 'services/kit/src/telemetry/register.ts'),
        resolve(repoRoot, `services/${name}/src/main.ts`),
      ],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          PORT: String(SERVICES[name]),
          HOST: '127.0.0.1',
          LOG_LEVEL: process.env.TEST_SERVICE_LOG_LEVEL ?? 'warn',
          CONSUMER_RETRY_BASE_MS: '50',
          // A killed process's claimed effects and Idempotency-Keys are taken over within seconds.
          EFFECT_LEASE_MS: '3000',
          IDEMPOTENCY_PENDING_TIMEOUT_MS: '5000',
          OUTBOX_SWEEP_MS: '200',
          KAFKA_SESSION_TIMEOUT_MS: '6000',
          SHUTDOWN_DEADLINE_MS: '5000',
          ...this.env[name],
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const output: string[] = [];
    const keep = (chunk: Buffer) => {
      const lines = chunk.toString().split('\n').filter(Boolean);
      output.push(...lines);
      output.splice(0, Math.max(0, output.length - 200));
      const fired = lines.filter((line) => line.startsWith('fault injected:'));
      if (fired.length > 0) this.faultsFired.set(name, [...(this.faultsFired.get(name) ?? []), ...fired]);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const running: Running = { child, output, expectedExit: false };
    this.running.set(name, running);
    child.once('exit', () => {
      if (running.expectedExit || this.stopping || this.running.get(name) !== running) return;
      const crashes = (this.crashes.get(name) ?? 0) + 1;
      this.crashes.set(name, crashes);
      if (!this.options.restartCrashed) return;
      const override = this.options.envAfterCrash?.(name, crashes);
      if (override) this.env[name] = { ...this.env[name], ...override };
      setTimeout(() => {
        if (!this.stopping && this.running.get(name) === running) this.spawn(name);
      }, 200);
    });
  }

  /** Changes a service's env for its next start (restart()). */
  setEnv(name: ServiceName, env: Record<string, string>): void {
    this.env[name] = { ...this.env[name], ...env };
  }

  /** Forgets crash and fault counts (between runs of one stack). */
  resetCrashes(): void {
    this.crashes.clear();
    this.faultsFired.clear();
  }

  /** Total injected faults that fired, across services. */
  faultCount(): number {
    return [...this.faultsFired.values()].reduce((sum, lines) => sum + lines.length, 0);
  }

  /** Waits until every service answers /readyz (after crashes and restarts). */
  async allReady(timeoutMs = 60_000): Promise<void> {
    await Promise.all([...this.running.keys()].map((name) => this.waitReady(name, timeoutMs)));
  }

  /** Polls /readyz until 200; fails with the service's last output if it exits or takes too long. */
  async waitReady(name: ServiceName, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let running = this.running.get(name);
    while (Date.now() < deadline) {
      // A supervised service may have been replaced by its restart meanwhile.
      running = this.running.get(name);
      if (!running || (exited(running.child) && !this.options.restartCrashed)) break;
      try {
        const res = await fetch(`${baseUrl(name)}/readyz`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${name} did not become ready:\n${running?.output.slice(-40).join('\n')}`);
  }

  /** SIGKILL: no shutdown hooks run, as in a crash or an OOM kill. */
  async kill(name: ServiceName): Promise<void> {
    const running = this.running.get(name);
    if (!running || exited(running.child)) return;
    running.expectedExit = true;
    const gone = new Promise((r) => running.child.once('exit', r));
    running.child.kill('SIGKILL');
    await gone;
  }

  async restart(name: ServiceName): Promise<void> {
    await this.kill(name);
    this.spawn(name);
    await this.waitReady(name);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.running.values()].map(({ child }) => {
        if (exited(child)) return Promise.resolve();
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        return gone.then(() => clearTimeout(force));
      }),
    );
    this.running.clear();
    this.stopping = false;
  }

  /** The last lines each service printed, for failure messages. */
  outputs(lines = 30): string {
    return [...this.running].map(([name, { output }]) => `--- ${name}\n${output.slice(-lines).join('\n')}`).join('\n');
  }
}

/**
 * JSON over HTTP against a service of the stack, as a back-office operator (authHeader) unless
 * `headers` bring their own authorization.
 */
export async function api<T = unknown>(
  service: ServiceName,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${baseUrl(service)}${path}`, {
    method,
    headers: {
      ...(await authHeader()),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}
