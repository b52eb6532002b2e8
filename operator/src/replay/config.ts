import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

/** Which dead letters a replay takes: every field set must match (AND); an empty filter takes all. */
export interface ReplayFilter {
  /** The topic the record failed on (dlq_original_topic). */
  originalTopic?: string;
  /** The consumer group that failed it (dlq_consumer_group). */
  consumerGroup?: string;
  /** dlq_error_class, e.g. SchemaViolation, InvalidJson, or a handler's error name. */
  errorClass?: string;
  /** The record key, exactly (the orderId for saga events). */
  key?: string;
  /** Failed at or after (dlq_failed_at). */
  since?: Date;
  /** Failed before (dlq_failed_at). */
  until?: Date;
}

/** Everything one replay runs with; parsed once from the command line. */
export interface ReplayConfig {
  brokers: string[];
  /** The dead-letter topic read. */
  source: string;
  /** The consumer group that holds the replay's progress (also the id that fences a second runner). */
  group: string;
  filter: ReplayFilter;
  /** Where replayed records go; undefined = each record's original topic. */
  target?: string;
  ratePerSecond: number;
  /** The most records to replay (a dry run: to match); the replay ends there. */
  maxMessages: number;
  dryRun: boolean;
  logLevel: string;
}

export const REPLAY_DEFAULTS = {
  source: 'ecom.dlq',
  ratePerSecond: 100,
  maxMessages: 10_000,
} as const;

export const MAX_RATE_PER_SECOND = 100_000;
export const MAX_MESSAGES = 100_000_000;

export const USAGE = `Usage: ecom replay [flags]        (from the repository: npm run replay -- [flags])

Replays dead letters: reads the dead-letter topic, keeps the records every given filter matches,
and produces each to its original topic (or --target) with its key, value, ce_id and CloudEvents
headers. The dlq_* error headers are dropped and ecom_replayed_from=<topic>/<partition>/<offset>
is added. Consumers' inboxes drop what they already processed (same ce_id), so replaying to the
original topic is safe for every group that reads it.

Progress is committed to the consumer group --group after each chunk, with the counts: run it
again with the same --group and it resumes where it stopped (a chunk cut off between producing
and committing goes out once more, which the inboxes drop; it is counted once). It ends at the
end the topic had when the replay first started.

Flags:
  --brokers HOST:PORT,...   Kafka bootstrap brokers (default: $KAFKA_BROKERS)
  --source TOPIC            dead-letter topic to read (default: ${REPLAY_DEFAULTS.source})
  --group NAME              consumer group holding the progress (default: ecom-replay-<random>, printed)
  --original-topic TOPIC    only dead letters of records that failed on this topic
  --consumer-group GROUP    only dead letters of this consumer group
  --error-class CLASS       only this error class (e.g. SchemaViolation, InvalidJson, TypeError)
  --key KEY                 only records with this key (e.g. an orderId)
  --since TIME              only dead letters that failed at or after TIME (RFC 3339)
  --until TIME              only dead letters that failed before TIME (RFC 3339)
  --target TOPIC            produce every match to TOPIC (default: each record's original topic)
  --rate N                  records per second at most (default: ${REPLAY_DEFAULTS.ratePerSecond})
  --max-messages N          stop after replaying N records (default: ${REPLAY_DEFAULTS.maxMessages})
  --dry-run                 count and list the matches, produce nothing
  --log-level LEVEL         fatal, error, warn, info, debug, trace, silent (default: warn)
  --help                    show this text

Output: one JSON line per match ({"event":"match",...}) and a last line
{"event":"done","matched":N,"replayed":N,"skipped":N,...}. Exit 0 when done, 2 for bad flags or a
group that holds another replay's progress, 1 when Kafka fails.
`;

export type ReplayParseResult =
  | { kind: 'config'; config: ReplayConfig }
  | { kind: 'help' }
  | { kind: 'error'; message: string };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
/** Kafka's legal topic and group names (a group may hold more, but nothing else is needed here). */
const KAFKA_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses the command line; never exits (main decides), so it is unit-tested directly. */
export function parseReplayArgs(argv: string[], env: Record<string, string | undefined> = {}): ReplayParseResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        brokers: { type: 'string' },
        source: { type: 'string', default: REPLAY_DEFAULTS.source },
        group: { type: 'string' },
        'original-topic': { type: 'string' },
        'consumer-group': { type: 'string' },
        'error-class': { type: 'string' },
        key: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        target: { type: 'string' },
        rate: { type: 'string', default: String(REPLAY_DEFAULTS.ratePerSecond) },
        'max-messages': { type: 'string', default: String(REPLAY_DEFAULTS.maxMessages) },
        'dry-run': { type: 'boolean', default: false },
        'log-level': { type: 'string', default: 'warn' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: `${(error as Error).message}. Run with --help for the flags.` };
  }
  if (values.help) return { kind: 'help' };

  const problems: string[] = [];
  const str = (k: string) => values[k] as string | undefined;
  const int = (k: string, max: number): number => {
    const raw = str(k) ?? '';
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < 1 || n > max) {
      problems.push(`--${k} must be a whole number from 1 to ${max}, got ${JSON.stringify(raw)}`);
    }
    return n;
  };
  const name = (k: string): string | undefined => {
    const v = str(k);
    if (v !== undefined && !KAFKA_NAME.test(v)) {
      problems.push(`--${k} ${JSON.stringify(v)} is not a Kafka name (letters, digits, ".", "_", "-")`);
    }
    return v;
  };
  const time = (k: string): Date | undefined => {
    const v = str(k);
    if (v === undefined) return undefined;
    if (!RFC3339.test(v) || Number.isNaN(Date.parse(v))) {
      problems.push(`--${k} must be an RFC 3339 time such as 2026-01-31T08:00:00Z, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return new Date(v);
  };

  const brokers = (str('brokers') ?? env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0) problems.push('--brokers host:port[,host:port] is required (or set KAFKA_BROKERS)');
  for (const b of brokers) {
    if (!/^[^\s:]+:\d+$/.test(b)) problems.push(`--brokers: ${JSON.stringify(b)} is not host:port`);
  }
  const source = name('source') ?? REPLAY_DEFAULTS.source;
  const group = name('group') ?? `ecom-replay-${randomBytes(4).toString('hex')}`;
  const rawTarget = str('target');
  // An empty --target is "the original topic", as an empty spec.target.topic is.
  const target = rawTarget === '' ? undefined : name('target');
  if (target === source) {
    problems.push(`--target must differ from --source (${source}): replaying a dead-letter topic into itself loops`);
  }
  const filter: ReplayFilter = {};
  const originalTopic = name('original-topic');
  if (originalTopic !== undefined) filter.originalTopic = originalTopic;
  const consumerGroup = str('consumer-group');
  if (consumerGroup !== undefined) filter.consumerGroup = consumerGroup;
  const errorClass = str('error-class');
  if (errorClass !== undefined) filter.errorClass = errorClass;
  const key = str('key');
  if (key !== undefined) filter.key = key;
  const since = time('since');
  if (since) filter.since = since;
  const until = time('until');
  if (until) filter.until = until;
  if (since && until && since >= until) problems.push('--since must be before --until');
  const ratePerSecond = int('rate', MAX_RATE_PER_SECOND);
  const maxMessages = int('max-messages', MAX_MESSAGES);
  const logLevel = str('log-level') ?? 'warn';
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  }
  if (problems.length > 0) return { kind: 'error', message: problems.join('\n') };

  return {
    kind: 'config',
    config: {
      brokers,
      source,
      group,
      filter,
      ...(target !== undefined ? { target } : {}),
      ratePerSecond,
      maxMessages,
      dryRun: values['dry-run'] === true,
      logLevel,
    },
  };
}

/**
 * The command line that makes `parseReplayArgs` return `config` (the operator's Job arguments):
 * one `--flag=value` per set field, so `kubectl describe job` shows exactly what runs.
 */
export function replayArgs(config: Omit<ReplayConfig, 'logLevel'> & { logLevel?: string }): string[] {
  const { filter } = config;
  const args = [`--brokers=${config.brokers.join(',')}`, `--source=${config.source}`, `--group=${config.group}`];
  if (filter.originalTopic !== undefined) args.push(`--original-topic=${filter.originalTopic}`);
  if (filter.consumerGroup !== undefined) args.push(`--consumer-group=${filter.consumerGroup}`);
  if (filter.errorClass !== undefined) args.push(`--error-class=${filter.errorClass}`);
  if (filter.key !== undefined) args.push(`--key=${filter.key}`);
  if (filter.since) args.push(`--since=${filter.since.toISOString()}`);
  if (filter.until) args.push(`--until=${filter.until.toISOString()}`);
  if (config.target !== undefined) args.push(`--target=${config.target}`);
  args.push(`--rate=${config.ratePerSecond}`, `--max-messages=${config.maxMessages}`);
  if (config.dryRun) args.push('--dry-run');
  if (config.logLevel !== undefined) args.push(`--log-level=${config.logLevel}`);
  return args;
}
