import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoPath } from '../repo.js';

export interface IdleFigures {
  seconds: number;
  cpuMs: number;
  /** CPU time per wall-clock second: 10 means 1 % of a core. */
  cpuMsPerSecond: number;
  /** Voluntary context switches per second: how often the idle event loop woke up. */
  wakeupsPerSecond: number;
}

/**
 * CPU of a kit consumer that has nothing to read, measured in a process of its own
 * (idle-consumer.ts) so that nothing else of the benchmark counts: kafkajs 2.2.4 unpatched spins a
 * 1 ms timer per broker connection forever (patches/README.md).
 */
export async function measureIdleConsumer(
  brokers: string,
  topic: string,
  seconds: number,
  maxWaitMs?: number,
): Promise<IdleFigures> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      repoPath('local/dist/bench/idle-consumer.js'),
      brokers,
      topic,
      String(seconds),
      ...(maxWaitMs ? [String(maxWaitMs)] : []),
    ],
    { encoding: 'utf8', timeout: (seconds + 60) * 1000 },
  );
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as IdleFigures;
}
