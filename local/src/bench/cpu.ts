import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '../repo.js';
import { CLOCK_TICKS, readProcStat } from './saga/procfs.js';

/** CPU time (user + system) a process has used so far, in ms; undefined once it is gone. */
export function pidCpuMs(pid: number): number | undefined {
  const stat = readProcStat(pid);
  return stat === null ? undefined : ((stat.utime + stat.stime) * 1000) / CLOCK_TICKS;
}

function stateDir(): string {
  return process.env.KAFKA_STATE_DIR ?? repoPath('.local/kafka');
}

/** The local broker's pid (local/kafka/kafka.sh writes it), if it runs here. */
export function brokerPid(): number | undefined {
  try {
    const pid = Number(readFileSync(join(stateDir(), 'kafka.pid'), 'utf8').trim());
    return pidCpuMs(pid) === undefined ? undefined : pid;
  } catch {
    return undefined;
  }
}

/** Bytes of `topic`'s log segments in the local broker's data directory (what compression saves). */
export function topicLogBytes(topic: string): number | undefined {
  const data = join(stateDir(), 'data');
  try {
    let bytes = 0;
    for (const dir of readdirSync(data).filter((d) => d.startsWith(`${topic}-`))) {
      for (const file of readdirSync(join(data, dir)).filter((f) => f.endsWith('.log'))) {
        bytes += statSync(join(data, dir, file)).size;
      }
    }
    return bytes;
  } catch {
    return undefined;
  }
}

export interface CpuSpent {
  wallMs: number;
  /** This process. */
  selfMs: number;
  /** The local broker, when its pid is known. */
  brokerMs?: number;
}

/** Starts counting this process's and the broker's CPU time; the returned function reads the totals. */
export function cpuMeter(broker = brokerPid()): () => CpuSpent {
  const wall0 = performance.now();
  const self0 = process.cpuUsage();
  const broker0 = broker === undefined ? undefined : pidCpuMs(broker);
  return () => {
    const self = process.cpuUsage(self0);
    const brokerNow = broker === undefined ? undefined : pidCpuMs(broker);
    return {
      wallMs: performance.now() - wall0,
      selfMs: (self.user + self.system) / 1000,
      ...(broker0 !== undefined && brokerNow !== undefined ? { brokerMs: brokerNow - broker0 } : {}),
    };
  };
}

/** CPU-ms per 1,000 records, rounded to 0.01. */
export function per1k(ms: number | undefined, records: number): number | undefined {
  return ms === undefined ? undefined : Math.round((ms / records) * 100_000) / 100;
}
