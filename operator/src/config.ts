import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import type { KafkaSecurity } from '@ecom/kit';
// The config module alone: the kit's Kafka client (kafkajs) loads only when Kafka is used.
import { ConfigError, kafkaSecurityFromEnv } from '@ecom/kit/config';
import type { OperatorMode } from './api/eventtopic.js';
import { parseReplayKafkaAccess, type ReplayKafkaAccess } from './controllers/deadletterreplay/kafka-access.js';

/** Everything the operator runs with; parsed once from the command line (and a few env defaults). */
export interface OperatorConfig {
  kubeconfig?: string;
  /** Watch this namespace only; undefined = all namespaces. */
  namespace?: string;
  mode: OperatorMode;
  /** direct mode: bootstrap brokers. */
  kafkaBrokers: string[];
  /** TLS and SASL of the Kafka clients, from the kit's KAFKA_SECURITY_PROTOCOL & co. (default plaintext). */
  kafkaSecurity?: KafkaSecurity;
  /** strimzi mode: the strimzi.io/cluster label value of the KafkaTopics. */
  strimziCluster?: string;
  /** Cap replication factor and min.insync.replicas at the broker count (one-broker dev clusters). */
  fitReplicationToBrokers: boolean;
  /** /metrics, /healthz, /readyz; 0 = any free port. */
  metricsPort: number;
  leaseName: string;
  leaseNamespace: string;
  /** Unique name of this instance in the Lease. */
  identity: string;
  resyncSeconds: number;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
  /** Restart a watch that saw nothing (not even a reconnect) for this long. */
  watchSilenceSeconds: number;
  concurrency: number;
  logLevel: string;
  /** Keep PodMonitors/ServiceMonitors for workloads labelled ecom.dev/scrape="true". */
  scrape: boolean;
  /** Labels every monitor carries: what a Prometheus selects monitors on (e.g. release=<its release>). */
  scrapeMonitorLabels: Record<string, string>;
  /** How often the scrape controller re-checks whether the Prometheus Operator CRDs are served. */
  scrapeCrdCheckSeconds: number;
  /** The image whose `ecom replay` the DeadLetterReplay Jobs run (the operator's own). */
  replayImage: string;
  /** The Jobs' Kafka settings: the operator's own, their files from the Secrets --replay-kafka-file names. */
  replayKafkaAccess: ReplayKafkaAccess;
}

/** The image replay Jobs run when --replay-image is not given (the chart always gives it). */
export const DEFAULT_REPLAY_IMAGE = 'ghcr.io/ecom-platform/ecom:0.1.0';

export const USAGE = `Usage: ecom-operator [flags]

Reconciles ecom.dev EventTopic resources into Kafka topics (directly or through Strimzi),
scales ConsumerAutoscaler targets on their consumer group's lag, and runs each DeadLetterReplay
as a Job.

Flags:
  --kubeconfig PATH              kubeconfig to use (default: KUBECONFIG, ~/.kube/config, in-cluster)
  --namespace NS                 watch only this namespace (default: all namespaces)
  --mode direct|strimzi          direct: Kafka Admin API; strimzi: write KafkaTopic resources (default: direct)
  --kafka-brokers HOST:PORT,...  Kafka bootstrap brokers: topics in direct mode, consumer lag for
                                 ConsumerAutoscalers and DeadLetterReplays in either mode (default: $KAFKA_BROKERS)
  --strimzi-cluster NAME         strimzi.io/cluster label of the KafkaTopics, strimzi mode (required there)
  --fit-replication-to-brokers   cap replicationFactor and min.insync.replicas at the broker count (dev clusters)
  --metrics-port PORT            port of /metrics, /healthz and /readyz (default: 8080)
  --lease-name NAME              leader election Lease name (default: ecom-operator)
  --lease-namespace NS           namespace of the Lease (default: --namespace, $POD_NAMESPACE, or default)
  --identity NAME                this instance's name in the Lease (default: hostname plus a random suffix)
  --resync-seconds N             re-check every resource this often, to correct drift (default: 300)
  --lease-duration-seconds N     leader lease duration (default: 15)
  --log-level LEVEL              pino level: fatal, error, warn, info, debug, trace (default: info)
  --scrape                       keep a PodMonitor (Deployments, StatefulSets) or ServiceMonitor (Services)
                                 for every workload labelled ecom.dev/scrape="true" (default: off)
  --scrape-monitor-labels K=V,...  labels of those monitors, the ones a Prometheus selects on
                                 (kube-prometheus-stack: release=<its release name>)
  --scrape-crd-check-seconds N   re-check this often whether the Prometheus Operator CRDs are installed (default: 60)
  --replay-image IMAGE           image of the DeadLetterReplay Jobs, which run its \`ecom replay\` against
                                 --kafka-brokers (default: $ECOM_IMAGE, else ${DEFAULT_REPLAY_IMAGE})
  --replay-kafka-file PATH=SECRET/KEY
                                 the Secret key behind PATH, a file a KAFKA_*_FILE variable names (repeat per file):
                                 replay Jobs get the operator's KAFKA_* settings and mount each file at the same path
  --help                         show this text

Environment: KAFKA_SECURITY_PROTOCOL, KAFKA_SSL_CA_FILE, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD_FILE
and the other KAFKA_SSL_*/KAFKA_SASL_* settings of the services (README settings table) secure the
operator's Kafka clients as they secure the services'.
`;

export type ParseResult =
  | { kind: 'config'; config: OperatorConfig }
  | { kind: 'help' }
  | { kind: 'error'; message: string };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Parses the command line; never exits (main decides), so it is unit-tested directly. */
export function parseConfig(argv: string[], env: Record<string, string | undefined> = {}): ParseResult {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        kubeconfig: { type: 'string' },
        namespace: { type: 'string' },
        mode: { type: 'string', default: 'direct' },
        'kafka-brokers': { type: 'string' },
        'strimzi-cluster': { type: 'string' },
        'fit-replication-to-brokers': { type: 'boolean', default: false },
        'metrics-port': { type: 'string', default: '8080' },
        'lease-name': { type: 'string', default: 'ecom-operator' },
        'lease-namespace': { type: 'string' },
        identity: { type: 'string' },
        'resync-seconds': { type: 'string', default: '300' },
        'lease-duration-seconds': { type: 'string', default: '15' },
        'log-level': { type: 'string', default: 'info' },
        scrape: { type: 'boolean', default: false },
        'scrape-monitor-labels': { type: 'string', default: '' },
        'scrape-crd-check-seconds': { type: 'string', default: '60' },
        'replay-image': { type: 'string' },
        'replay-kafka-file': { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: `${(error as Error).message}. Run with --help for the flags.` };
  }
  if (values.help) return { kind: 'help' };

  const problems: string[] = [];
  const str = (k: string) => values[k] as string | undefined;
  const int = (k: string, min: number, max: number): number => {
    const raw = str(k) ?? '';
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      problems.push(`--${k} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return min;
    }
    return n;
  };

  const mode = str('mode');
  if (mode !== 'direct' && mode !== 'strimzi')
    problems.push(`--mode must be direct or strimzi, got ${JSON.stringify(mode)}`);
  const brokersText = str('kafka-brokers') ?? env.KAFKA_BROKERS ?? '';
  const kafkaBrokers = brokersText
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (mode === 'direct' && kafkaBrokers.length === 0) {
    problems.push('--mode direct needs --kafka-brokers host:port[,host:port] (or KAFKA_BROKERS)');
  }
  for (const b of kafkaBrokers) {
    if (!/^[^\s:]+:\d+$/.test(b)) problems.push(`--kafka-brokers: ${JSON.stringify(b)} is not host:port`);
  }
  let kafkaSecurity: KafkaSecurity | undefined;
  try {
    kafkaSecurity = kafkaSecurityFromEnv(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const strimziCluster = str('strimzi-cluster');
  if (mode === 'strimzi' && !strimziCluster)
    problems.push('--mode strimzi needs --strimzi-cluster (the Kafka cluster name)');
  const metricsPort = int('metrics-port', 0, 65535);
  const resyncSeconds = int('resync-seconds', 1, 86_400);
  const leaseDurationSeconds = int('lease-duration-seconds', 2, 3600);
  const logLevel = str('log-level') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  const namespace = str('namespace');
  if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) {
    problems.push(`--namespace ${JSON.stringify(namespace)} is not a valid namespace name`);
  }
  const scrapeCrdCheckSeconds = int('scrape-crd-check-seconds', 1, 3600);
  const replayKafka = parseReplayKafkaAccess(env, values['replay-kafka-file'] as string[]);
  problems.push(...replayKafka.problems);
  const scrapeMonitorLabels = parseLabels('--scrape-monitor-labels', str('scrape-monitor-labels') ?? '', problems);
  if (problems.length > 0) return { kind: 'error', message: problems.join('\n') };

  return {
    kind: 'config',
    config: {
      kubeconfig: str('kubeconfig'),
      namespace,
      mode: mode as OperatorMode,
      kafkaBrokers,
      kafkaSecurity,
      strimziCluster,
      fitReplicationToBrokers: values['fit-replication-to-brokers'] === true,
      metricsPort,
      leaseName: str('lease-name') ?? 'ecom-operator',
      leaseNamespace: str('lease-namespace') ?? namespace ?? env.POD_NAMESPACE ?? 'default',
      identity: str('identity') ?? `${env.POD_NAME ?? hostname()}-${Math.random().toString(36).slice(2, 8)}`,
      resyncSeconds,
      leaseDurationSeconds,
      // client-go's proportions: renew deadline 2/3 of the lease, retry every 2/15.
      renewDeadlineSeconds: Math.max(1, Math.floor((leaseDurationSeconds * 2) / 3)),
      retryPeriodSeconds: Math.max(1, Math.floor((leaseDurationSeconds * 2) / 15)),
      watchSilenceSeconds: Math.max(90, resyncSeconds * 2),
      concurrency: 4,
      logLevel,
      scrape: values.scrape === true,
      scrapeMonitorLabels,
      scrapeCrdCheckSeconds,
      replayImage: str('replay-image') ?? env.ECOM_IMAGE ?? DEFAULT_REPLAY_IMAGE,
      replayKafkaAccess: replayKafka.access,
    },
  };
}

/** Kubernetes label keys (optional DNS-subdomain prefix, then a name) and values. */
const LABEL_NAME = '[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const LABEL_KEY = new RegExp(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?${LABEL_NAME}$`);
const LABEL_VALUE = new RegExp(`^(${LABEL_NAME})?$`);

/** `key=value,key=value` into labels; each bad entry is a problem naming the flag. */
function parseLabels(flag: string, text: string, problems: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  const entries = text.split(',').map((e) => e.trim());
  for (const entry of entries.filter((e) => e !== '')) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq).trim();
    const value = eq < 0 ? '' : entry.slice(eq + 1).trim();
    if (eq < 0 || !LABEL_KEY.test(key) || key.length > 317 || !LABEL_VALUE.test(value)) {
      problems.push(`${flag}: ${JSON.stringify(entry)} is not key=value with a valid Kubernetes label key and value`);
    } else if (key === 'app.kubernetes.io/managed-by') {
      problems.push(`${flag}: app.kubernetes.io/managed-by is set by the operator itself`);
    } else {
      labels[key] = value;
    }
  }
  return labels;
}
