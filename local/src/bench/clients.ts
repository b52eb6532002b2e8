import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Compression } from '@ecom/kit';
import { repoPath } from '../repo.js';
import { median } from './median.js';

export interface ClientPhase {
  recordsPerSec: number;
  cpuMsPer1k?: number;
  brokerCpuMsPer1k?: number;
}

export interface ClientFigures {
  client: 'kafkajs' | 'platformatic';
  node: string;
  compression: Compression;
  records: number;
  /** Records per produce request. */
  batch: number;
  produce: ClientPhase;
  consume: ClientPhase;
}

/** @platformatic/kafka's engines field: >= 22.22 on 22, >= 24.6 from 24 on. */
export function supportsPlatformatic(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return major === 22 ? minor >= 22 : major === 24 ? minor >= 6 : major > 24;
}

/** One client's produce-then-consume run in a child process (client-work.ts) under `node`. */
export async function measureClient(
  node: string,
  client: ClientFigures['client'],
  brokers: string,
  topic: string,
  records: number,
  compression: Compression,
  batch = 500,
): Promise<ClientFigures> {
  const { stdout } = await promisify(execFile)(
    node,
    [repoPath('local/dist/bench/client-work.js'), client, brokers, topic, String(records), compression, String(batch)],
    { encoding: 'utf8', timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as ClientFigures;
}

/** How much better `b` is than `a` in records/s and in CPU per record (positive: b better). */
export function advantage(a: ClientPhase, b: ClientPhase) {
  const pct = (x: number) => Math.round(x * 1000) / 10;
  return {
    throughputPct: pct(b.recordsPerSec / a.recordsPerSec - 1),
    ...(a.cpuMsPer1k && b.cpuMsPer1k ? { cpuPct: pct(1 - b.cpuMsPer1k / a.cpuMsPer1k) } : {}),
  };
}

/** The median of each phase's figures over runs of one client. */
export function medianClient(runs: ClientFigures[]): ClientFigures & { runs: number } {
  const first = runs[0];
  if (!first) throw new Error('no runs');
  const phase = (name: 'produce' | 'consume'): ClientPhase => ({
    recordsPerSec: median(runs.map((r) => r[name].recordsPerSec)) ?? 0,
    cpuMsPer1k: median(runs.map((r) => r[name].cpuMsPer1k)),
    brokerCpuMsPer1k: median(runs.map((r) => r[name].brokerCpuMsPer1k)),
  });
  return { ...first, runs: runs.length, produce: phase('produce'), consume: phase('consume') };
}
