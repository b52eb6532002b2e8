// The stack under measurement: started here (the services as child processes of this one, through
// the Supervisor `npm start` uses) or already running (`--use-running`). Either way every process
// is found by the port it listens on, so both modes measure the same set.

import { createWriteStream, type WriteStream } from 'node:fs';
import { createLogger } from '@ecom/kit';
import { localIssuer } from '../../auth.js';
import { discoverServices, serviceProcesses } from '../../services.js';
import { Supervisor } from '../../supervisor.js';
import { applyRepoTopics } from '../../topics.js';
import type { Tracked } from './cpu.js';
import { pidsListeningOn, readCmdline, readProcStat } from './procfs.js';

/** The services' default ports (ARCHITECTURE §4), which serviceProcesses leaves as they are. */
export const SERVICE_PORTS: Record<string, number> = {
  order: 3001,
  payment: 3002,
  inventory: 3003,
  shipping: 3004,
  notification: 3005,
  analytics: 3006,
};

export const serviceUrl = (name: string) => `http://127.0.0.1:${SERVICE_PORTS[name]}`;

export interface Stack {
  /** Services, Kafka and PostgreSQL (each whose process is on this machine). */
  tracked: Tracked[];
  /** npm start's supervisor, which forwards the services' logs (--use-running); null when this run is it. */
  supervisor: Tracked | null;
  notes: string[];
  stop(): Promise<void>;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0']);

/** The port of `host:port` when the host is this machine; null otherwise. */
export function localPort(hostPort: string): number | null {
  const at = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, at);
  const port = Number(hostPort.slice(at + 1));
  return LOCAL_HOSTS.has(host) && Number.isInteger(port) && port > 0 ? port : null;
}

export function databasePort(url: string): number | null {
  const parsed = new URL(url);
  return localPort(`${parsed.hostname}:${parsed.port || '5432'}`);
}

async function allReady(): Promise<string[]> {
  const down: string[] = [];
  for (const name of Object.keys(SERVICE_PORTS)) {
    const status = await fetch(`${serviceUrl(name)}/readyz`, { signal: AbortSignal.timeout(3000) })
      .then((r) => r.status)
      .catch(() => 0);
    if (status !== 200) down.push(`${name} (:${SERVICE_PORTS[name]} answered ${status || 'nothing'})`);
  }
  return down;
}

async function waitReady(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let down = await allReady();
  while (down.length > 0) {
    if (Date.now() > deadline) throw new Error(`services not ready after ${timeoutMs / 1000} s: ${down.join(', ')}`);
    await new Promise((r) => setTimeout(r, 1000));
    down = await allReady();
  }
}

function track(env: { kafkaBrokers: string; databaseUrl: string }): { tracked: Tracked[]; notes: string[] } {
  const notes: string[] = [];
  const kafkaPort = localPort(env.kafkaBrokers.split(',')[0] ?? '');
  const pgPort = databasePort(env.databaseUrl);
  const ports = [...Object.values(SERVICE_PORTS), ...(kafkaPort ? [kafkaPort] : []), ...(pgPort ? [pgPort] : [])];
  const owners = pidsListeningOn(ports);
  const tracked: Tracked[] = [];
  for (const [name, port] of Object.entries(SERVICE_PORTS)) {
    const pid = owners.get(port);
    if (pid === undefined) throw new Error(`no process listens on :${port} (${name}), though it answered /readyz`);
    tracked.push({ name, pid, scope: 'tree' });
  }
  const kafkaPid = kafkaPort ? owners.get(kafkaPort) : undefined;
  if (kafkaPid) tracked.push({ name: 'kafka', pid: kafkaPid, scope: 'tree' });
  else
    notes.push(
      `Kafka (${env.kafkaBrokers}) is not a process of this machine: its CPU is not in the per-process figures`,
    );
  // The postmaster holds the listening socket; its backends and helpers are its children.
  const pgPid = pgPort ? owners.get(pgPort) : undefined;
  if (pgPid) tracked.push({ name: 'postgres', pid: pgPid, scope: 'tree' });
  else notes.push('PostgreSQL is not a process of this machine: its CPU is not in the per-process figures');
  return { tracked, notes };
}

/** Starts topics and every service (not Kafka or PostgreSQL: local/bench-saga.sh does). */
export async function startStack(env: { kafkaBrokers: string; databaseUrl: string; logPath: string }): Promise<Stack> {
  const busy = pidsListeningOn(Object.values(SERVICE_PORTS));
  if (busy.size > 0) {
    const which = [...busy].map(([port, pid]) => `:${port} (pid ${pid}, ${readCmdline(pid).slice(0, 80)})`).join(', ');
    throw new Error(`the services' ports are taken: ${which}. Stop that stack, or measure it with --use-running`);
  }
  await applyRepoTopics({ brokers: env.kafkaBrokers.split(','), logger: createLogger('topics', 'warn') });
  const names = discoverServices();
  const missing = Object.keys(SERVICE_PORTS).filter((n) => !names.includes(n));
  if (missing.length > 0) throw new Error(`services not built: ${missing.join(', ')} (run npx tsc -b)`);
  const log: WriteStream = createWriteStream(env.logPath, { flags: 'w' });
  const supervisor = new Supervisor(
    serviceProcesses(names, {
      kafkaBrokers: env.kafkaBrokers,
      databaseUrl: env.databaseUrl,
      auth: (await localIssuer()).env,
    }),
    { write: (line) => log.write(`${line}\n`) },
  );
  supervisor.start();
  const stop = async () => {
    await supervisor.stop();
    await new Promise<void>((resolve) => log.end(resolve));
  };
  try {
    await waitReady(180_000);
    const { tracked, notes } = track(env);
    for (const t of tracked.filter((t) => t.name in SERVICE_PORTS)) {
      if (readProcStat(t.pid)?.ppid !== process.pid) notes.push(`${t.name} (pid ${t.pid}) is not a child of this run`);
    }
    notes.push("this run supervises the services: forwarding their log lines is in the harness's CPU");
    return { tracked, supervisor: null, notes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The stack `npm start` runs; nothing is stopped at the end. */
export async function attachStack(env: { kafkaBrokers: string; databaseUrl: string }): Promise<Stack> {
  const down = await allReady();
  if (down.length > 0) {
    throw new Error(`--use-running, but the stack is not ready: ${down.join(', ')}. Start it with npm start first`);
  }
  const { tracked, notes } = track(env);
  // npm start's supervisor (local/dist/cli/up.js) forwards every log line: part of what the stack costs.
  const order = tracked.find((t) => t.name === 'order');
  const parent = order ? readProcStat(order.pid)?.ppid : undefined;
  const supervisor =
    parent && readCmdline(parent).includes('cli/up.js')
      ? { name: 'supervisor', pid: parent, scope: 'self' as const }
      : null;
  return { tracked, supervisor, notes, stop: async () => {} };
}
