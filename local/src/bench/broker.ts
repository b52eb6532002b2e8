import { execFileSync } from 'node:child_process';
import { type Compression, DEFAULT_COMPRESSION } from '@ecom/kit';
import { repoPath } from '../repo.js';

export interface BrokerFigures {
  producer: {
    records: number;
    recordBytes: number;
    recordsPerSec: number;
    mbPerSec: number;
    p50Ms: number;
    p99Ms: number;
  };
  consumer: { records: number; recordsPerSec: number; mbPerSec: number };
}

function runClass(mainClass: string, args: string[]): string {
  return execFileSync('bash', [repoPath('local/kafka/kafka.sh'), 'run-class', mainClass, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

function number(text: string, pattern: RegExp, what: string): number {
  const match = pattern.exec(text);
  if (!match?.[1]) throw new Error(`could not read ${what} from the perf tool's output:\n${text.slice(-2000)}`);
  return Number(match[1]);
}

/** The broker's own perf tools (they ship in the Kafka jars): the ceiling the kit is compared with. */
export function measureBroker(
  brokers: string,
  topic: string,
  records: number,
  recordBytes: number,
  /** The codec the kit's producers use by default, unless told otherwise. */
  compression: Compression = DEFAULT_COMPRESSION,
): BrokerFigures {
  const produced = runClass('org.apache.kafka.tools.ProducerPerformance', [
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--record-size',
    String(recordBytes),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${brokers}`,
    'acks=all',
    'enable.idempotence=true',
    `compression.type=${compression}`,
  ]);
  const summary =
    produced
      .trim()
      .split('\n')
      .filter((l) => l.includes('records sent'))
      .at(-1) ?? '';
  const consumed = runClass('org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server',
    brokers,
    '--topic',
    topic,
    '--messages',
    String(records),
    '--timeout',
    '60000',
  ]);
  // CSV: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ...
  const row =
    consumed
      .trim()
      .split('\n')
      .at(-1)
      ?.split(',')
      .map((s) => s.trim()) ?? [];
  return {
    producer: {
      records,
      recordBytes,
      recordsPerSec: number(summary, /([\d.]+) records\/sec/, 'records/sec'),
      mbPerSec: number(summary, /\(([\d.]+) MB\/sec\)/, 'MB/sec'),
      p50Ms: number(summary, /(\d+) ms 50th/, 'p50'),
      p99Ms: number(summary, /(\d+) ms 99th/, 'p99'),
    },
    consumer: { records: Number(row[4]), recordsPerSec: Number(row[5]), mbPerSec: Number(row[3]) },
  };
}
