import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
}

export interface SupervisorOptions {
  /** Where prefixed output goes. */
  write(line: string): void;
  /** Restart delay after a crash; doubles on each quick crash, up to 30 s. */
  restartDelayMs?: number;
  /** How long a stop waits for SIGTERM before SIGKILL. */
  stopDeadlineMs?: number;
}

const COLORS = [36, 33, 35, 32, 34, 31, 96, 93];

/**
 * Runs processes with prefixed output, restarts any that exits while the supervisor runs (with
 * backoff, reset once a process stayed up a while), and stops them all with SIGTERM on stop().
 */
export class Supervisor {
  private readonly children = new Map<string, ChildProcess>();
  private stopping = false;
  private readonly width: number;

  constructor(
    private readonly specs: ProcessSpec[],
    private readonly options: SupervisorOptions,
  ) {
    this.width = Math.max(...specs.map((s) => s.name.length));
  }

  start(): void {
    for (const [i, spec] of this.specs.entries()) {
      this.launch(spec, COLORS[i % COLORS.length] ?? 37, this.options.restartDelayMs ?? 1000);
    }
  }

  private launch(spec: ProcessSpec, color: number, delayMs: number): void {
    const prefix = `\x1b[${color}m${spec.name.padEnd(this.width)} |\x1b[0m `;
    const startedAt = Date.now();
    const child = spawn(spec.command, spec.args, {
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.set(spec.name, child);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.options.write(prefix + line));
    }
    child.on('exit', (code, signal) => {
      this.children.delete(spec.name);
      if (this.stopping) return;
      // A process that stayed up for a minute gets the short delay again.
      const next =
        Date.now() - startedAt > 60_000 ? (this.options.restartDelayMs ?? 1000) : Math.min(delayMs * 2, 30_000);
      this.options.write(`${prefix}exited (${signal ?? `code ${code}`}); restarting in ${delayMs} ms`);
      setTimeout(() => !this.stopping && this.launch(spec, color, next), delayMs);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const deadline = this.options.stopDeadlineMs ?? 20_000;
    await Promise.all(
      [...this.children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => child.kill('SIGKILL'), deadline);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}
