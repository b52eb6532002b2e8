import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';

describe('parseConfig', () => {
  it('parses every flag into a typed config', () => {
    const r = parseConfig([
      '--kubeconfig',
      '/k',
      '--namespace',
      'shop',
      '--mode',
      'direct',
      '--kafka-brokers',
      'a:9092, b:9093',
      '--fit-replication-to-brokers',
      '--metrics-port',
      '9100',
      '--lease-name',
      'l',
      '--resync-seconds',
      '30',
      '--identity',
      'me',
    ]);
    expect(r).toEqual({
      kind: 'config',
      config: expect.objectContaining({
        kubeconfig: '/k',
        namespace: 'shop',
        mode: 'direct',
        kafkaBrokers: ['a:9092', 'b:9093'],
        fitReplicationToBrokers: true,
        metricsPort: 9100,
        leaseName: 'l',
        leaseNamespace: 'shop',
        identity: 'me',
        resyncSeconds: 30,
      }),
    });
  });

  it('defaults: all namespaces, no fitting, brokers from KAFKA_BROKERS, lease in POD_NAMESPACE', () => {
    const r = parseConfig([], { KAFKA_BROKERS: 'k:1', POD_NAMESPACE: 'ops' });
    expect(r.kind).toBe('config');
    if (r.kind !== 'config') return;
    expect(r.config).toMatchObject({
      namespace: undefined,
      mode: 'direct',
      kafkaBrokers: ['k:1'],
      fitReplicationToBrokers: false,
      metricsPort: 8080,
      leaseNamespace: 'ops',
      resyncSeconds: 300,
      leaseDurationSeconds: 15,
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 2,
    });
  });

  it('asks for --help', () => {
    expect(parseConfig(['--help'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'.*--help/],
    [['--mode', 'x', '--kafka-brokers', 'a:1'], /--mode must be direct or strimzi/],
    [[], /--mode direct needs --kafka-brokers/],
    [['--mode', 'strimzi'], /--mode strimzi needs --strimzi-cluster/],
    [['--kafka-brokers', 'nohost'], /"nohost" is not host:port/],
    [['--kafka-brokers', 'a:1', '--metrics-port', 'x'], /--metrics-port must be a whole number/],
    [['--kafka-brokers', 'a:1', '--resync-seconds', '0'], /--resync-seconds must be a whole number from 1/],
    [['--kafka-brokers', 'a:1', '--namespace', 'Bad_NS'], /not a valid namespace/],
  ])('rejects %j saying what to fix', (argv, message) => {
    const r = parseConfig(argv);
    expect(r.kind).toBe('error');
    if (r.kind === 'error') expect(r.message).toMatch(message);
  });
});
