import { describe, expect, it } from 'vitest';
import { parseReplayArgs, type ReplayConfig, replayArgs } from './config.js';

const env = { KAFKA_BROKERS: 'k1:9092,k2:9092' };

function config(argv: string[]): ReplayConfig {
  const r = parseReplayArgs(argv, env);
  if (r.kind !== 'config') throw new Error(`expected a config, got ${JSON.stringify(r)}`);
  return r.config;
}

function error(argv: string[]): string {
  const r = parseReplayArgs(argv, env);
  if (r.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(r)}`);
  return r.message;
}

describe('parseReplayArgs', () => {
  it('defaults: ecom.dlq, every dead letter, original topics, 100/s, 10000, a fresh group', () => {
    const c = config([]);
    expect(c).toMatchObject({
      brokers: ['k1:9092', 'k2:9092'],
      source: 'ecom.dlq',
      filter: {},
      ratePerSecond: 100,
      maxMessages: 10_000,
      dryRun: false,
    });
    expect(c.target).toBeUndefined();
    expect(c.group).toMatch(/^ecom-replay-[0-9a-f]{8}$/);
    expect(config([]).group).not.toBe(c.group);
  });

  it('reads every filter, the target, the limits and dry run', () => {
    expect(
      config([
        '--brokers=b:1',
        '--source=my.dlq',
        '--group=g1',
        '--original-topic=ecom.orders',
        '--consumer-group=payment',
        '--error-class=SchemaViolation',
        '--key=order-1',
        '--since=2026-01-01T00:00:00Z',
        '--until=2026-01-02T00:00:00+01:00',
        '--target=ecom.orders.retry',
        '--rate=5',
        '--max-messages=7',
        '--dry-run',
      ]),
    ).toEqual({
      brokers: ['b:1'],
      source: 'my.dlq',
      group: 'g1',
      filter: {
        originalTopic: 'ecom.orders',
        consumerGroup: 'payment',
        errorClass: 'SchemaViolation',
        key: 'order-1',
        since: new Date('2026-01-01T00:00:00Z'),
        until: new Date('2026-01-01T23:00:00Z'),
      },
      target: 'ecom.orders.retry',
      ratePerSecond: 5,
      maxMessages: 7,
      dryRun: true,
      logLevel: 'warn',
    });
  });

  it('an empty --target means the original topic', () => {
    expect(config(['--target=']).target).toBeUndefined();
  });

  it('names every bad flag, with what to write instead', () => {
    const message = error([
      '--rate=0',
      '--max-messages=1.5',
      '--since=yesterday',
      '--target=bad topic',
      '--log-level=loud',
    ]);
    expect(message).toContain('--rate must be a whole number from 1 to 100000, got "0"');
    expect(message).toContain('--max-messages must be a whole number');
    expect(message).toContain('--since must be an RFC 3339 time such as 2026-01-31T08:00:00Z, got "yesterday"');
    expect(message).toContain('--target "bad topic" is not a Kafka name');
    expect(message).toContain('--log-level must be one of');
  });

  it('refuses a window that ends before it starts, and a target that is the source', () => {
    expect(error(['--since=2026-01-02T00:00:00Z', '--until=2026-01-01T00:00:00Z'])).toBe(
      '--since must be before --until',
    );
    expect(error(['--target=ecom.dlq'])).toContain('--target must differ from --source (ecom.dlq)');
  });

  it('needs brokers and says where they come from', () => {
    expect(parseReplayArgs([], {})).toEqual({
      kind: 'error',
      message: '--brokers host:port[,host:port] is required (or set KAFKA_BROKERS)',
    });
    expect(error(['--brokers=nohost'])).toContain('"nohost" is not host:port');
  });

  it('rejects unknown flags and positionals, and answers --help', () => {
    expect(error(['--topic=x'])).toContain("Unknown option '--topic'");
    expect(error(['replay'])).toContain('Run with --help');
    expect(parseReplayArgs(['--help'], {})).toEqual({ kind: 'help' });
  });
});

describe('replayArgs', () => {
  it('is the command line that parses back to the same config (the Job runs exactly the spec)', () => {
    const full = config([
      '--group=ecom-replay-1234',
      '--original-topic=ecom.orders',
      '--consumer-group=payment',
      '--error-class=TypeError',
      '--key=k',
      '--since=2026-01-01T00:00:00.000Z',
      '--until=2026-01-02T00:00:00.000Z',
      '--target=t',
      '--rate=3',
      '--max-messages=9',
      '--dry-run',
    ]);
    const minimal = config(['--group=g']);
    for (const c of [full, minimal]) {
      expect(parseReplayArgs(replayArgs(c), {})).toEqual({ kind: 'config', config: c });
    }
    expect(replayArgs(minimal)).toEqual([
      '--brokers=k1:9092,k2:9092',
      '--source=ecom.dlq',
      '--group=g',
      '--rate=100',
      '--max-messages=10000',
      '--log-level=warn',
    ]);
  });
});
