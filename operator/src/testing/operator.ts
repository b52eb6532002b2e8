// Test-only: runs the operator in-process with short durations against the local stack.
import { pino } from 'pino';
import type { OperatorConfig } from '../config.js';
import { NO_KAFKA_ACCESS } from '../controllers/deadletterreplay/kafka-access.js';
import { type OperatorHandle, startOperator } from '../operator.js';
import { kubeconfigPath } from './kube.js';

export const testBrokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');

/** A config for tests: one namespace, its own Lease there, resync and lease in seconds. */
export function testOperatorConfig(namespace: string, overrides: Partial<OperatorConfig> = {}): OperatorConfig {
  return {
    kubeconfig: kubeconfigPath,
    namespace,
    mode: 'direct',
    kafkaBrokers: testBrokers,
    fitReplicationToBrokers: true,
    metricsPort: 0,
    leaseName: 'ecom-operator',
    leaseNamespace: namespace,
    identity: `test-${Math.random().toString(36).slice(2, 8)}`,
    resyncSeconds: 3,
    leaseDurationSeconds: 3,
    renewDeadlineSeconds: 2,
    retryPeriodSeconds: 1,
    watchSilenceSeconds: 45,
    concurrency: 4,
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    scrape: false,
    scrapeMonitorLabels: {},
    scrapeCrdCheckSeconds: 60,
    replayImage: 'ghcr.io/ecom-platform/ecom:test',
    replayKafkaAccess: NO_KAFKA_ACCESS,
    ...overrides,
  };
}

export async function startTestOperator(config: OperatorConfig): Promise<OperatorHandle> {
  const logger = pino({ level: config.logLevel, base: { identity: config.identity } });
  return startOperator(config, { logger });
}

/** Reads one counter/gauge sample from the operator's registry (sum over matching labels). */
export async function metricValue(
  handle: OperatorHandle,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = (await handle.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as { value: number; labels: Record<string, string | number> }[];
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}
