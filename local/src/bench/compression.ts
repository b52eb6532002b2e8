import type { Compression } from '@ecom/kit';
import { cpuMeter, per1k, topicLogBytes } from './cpu.js';
import { type KitBenchContext, measureProducer, sampleEvents, startPipeline } from './kit.js';
import { median } from './median.js';

export interface CodecFigures {
  compression: Compression;
  producer: {
    recordsPerSec: number;
    /** This process (the kit producer). */
    cpuMsPer1k?: number;
    /** The broker, which decompresses every batch to validate it. */
    brokerCpuMsPer1k?: number;
    /** Log segment bytes per record on the broker's disk. */
    logBytesPerRecord?: number;
  };
  passThrough: {
    eventsPerSec: number;
    /** Consumer runner, DB transaction, relay, producer and the reader of the output, in this process. */
    cpuMsPer1k?: number;
    brokerCpuMsPer1k?: number;
  };
}

/**
 * The kit producer and the pass-through service with every batch compressed by `compression`:
 * rates and CPU per record of this process and of the broker. `topic(name)` names this codec's
 * topics, which exist already.
 */
export async function measureCodec(
  base: KitBenchContext,
  compression: Compression,
  records: number,
  topic: (name: string) => string,
): Promise<CodecFigures> {
  const ctx = { ...base, kafka: { ...base.kafka, compression } };
  const events = sampleEvents(ctx.codec, records, topic('producer'));
  const producing = cpuMeter();
  const produced = await measureProducer(ctx, events, 500);
  const producerCpu = producing();
  const logBytes = topicLogBytes(topic('producer'));

  await measureProducer(ctx, sampleEvents(ctx.codec, records, topic('pass-in')), 500);
  const passing = cpuMeter();
  const pass = await startPipeline(ctx, topic('pass-in'), topic('pass-out'));
  await pass.reached(records);
  const passCpu = passing();
  await pass.stop();

  return {
    compression,
    producer: {
      recordsPerSec: Math.round(produced.recordsPerSec),
      cpuMsPer1k: per1k(producerCpu.selfMs, records),
      brokerCpuMsPer1k: per1k(producerCpu.brokerMs, records),
      ...(logBytes !== undefined ? { logBytesPerRecord: Math.round(logBytes / records) } : {}),
    },
    passThrough: {
      eventsPerSec: Math.round(records / (passCpu.wallMs / 1000)),
      cpuMsPer1k: per1k(passCpu.selfMs, records),
      brokerCpuMsPer1k: per1k(passCpu.brokerMs, records),
    },
  };
}

/** The median of each figure over rounds of one codec (the rounds ran in rotated codec order). */
export function medianFigures(rounds: CodecFigures[]): CodecFigures & { rounds: number } {
  const first = rounds[0];
  if (!first) throw new Error('no rounds');
  const of = <P extends 'producer' | 'passThrough'>(phase: P) =>
    Object.fromEntries(
      Object.keys(first[phase]).map((key) => [
        key,
        median(rounds.map((r) => (r[phase] as unknown as Record<string, number | undefined>)[key])),
      ]),
    ) as unknown as CodecFigures[P];
  return {
    compression: first.compression,
    rounds: rounds.length,
    producer: of('producer'),
    passThrough: of('passThrough'),
  };
}

/** Each round measures every codec once, starting one further along, so no codec always goes first. */
export function rotations<T>(items: readonly T[], rounds: number): T[][] {
  return Array.from({ length: rounds }, (_, r) => items.map((_, i) => items[(i + r) % items.length] as T));
}
