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

  it("secures its Kafka clients with the services' KAFKA_SECURITY_PROTOCOL & co., naming what is missing", () => {
    const r = parseConfig(['--kafka-brokers', 'k:1'], {
      KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
      KAFKA_SASL_USERNAME: 'op',
    });
    expect(r).toEqual({
      kind: 'error',
      message: 'KAFKA_SASL_PASSWORD_FILE: is required when KAFKA_SECURITY_PROTOCOL is sasl_ssl',
    });
    const plain = parseConfig(['--kafka-brokers', 'k:1']);
    expect(plain.kind === 'config' && plain.config.kafkaSecurity).toEqual({ protocol: 'plaintext' });
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

describe('parseConfig: scrape wiring', () => {
  const base = ['--kafka-brokers', 'a:1'];

  it('is off by default, with no monitor labels and a 60 s CRD re-check', () => {
    const r = parseConfig(base);
    expect(r.kind === 'config' && r.config).toMatchObject({
      scrape: false,
      scrapeMonitorLabels: {},
      scrapeCrdCheckSeconds: 60,
    });
  });

  it('parses --scrape, the monitor labels and the re-check interval', () => {
    const r = parseConfig([
      ...base,
      '--scrape',
      '--scrape-monitor-labels',
      'release=kube-prometheus-stack, example.com/team=shop,empty=',
      '--scrape-crd-check-seconds',
      '5',
    ]);
    expect(r.kind === 'config' && r.config).toMatchObject({
      scrape: true,
      scrapeMonitorLabels: { release: 'kube-prometheus-stack', 'example.com/team': 'shop', empty: '' },
      scrapeCrdCheckSeconds: 5,
    });
  });

  it.each([
    [['--scrape-monitor-labels', 'release'], /--scrape-monitor-labels: "release" is not key=value/],
    [['--scrape-monitor-labels', 'bad key=x'], /"bad key=x" is not key=value with a valid Kubernetes label/],
    [['--scrape-monitor-labels', 'release=a b'], /"release=a b" is not key=value/],
    [['--scrape-monitor-labels', 'app.kubernetes.io/managed-by=me'], /is set by the operator itself/],
    [['--scrape-crd-check-seconds', '0'], /--scrape-crd-check-seconds must be a whole number from 1 to 3600/],
  ])('rejects %j saying what to fix', (argv, message) => {
    const r = parseConfig([...base, ...argv]);
    expect(r.kind).toBe('error');
    if (r.kind === 'error') expect(r.message).toMatch(message);
  });
});

describe('parseConfig: dead-letter replay', () => {
  it('runs replay Jobs from --replay-image, else $ECOM_IMAGE, else the released image', () => {
    const image = (argv: string[], env: Record<string, string> = {}) => {
      const r = parseConfig(argv, { KAFKA_BROKERS: 'k:1', ...env });
      return r.kind === 'config' ? r.config.replayImage : r;
    };
    expect(image(['--replay-image', 'registry.local/ecom:dev'], { ECOM_IMAGE: 'other' })).toBe(
      'registry.local/ecom:dev',
    );
    expect(image([], { ECOM_IMAGE: 'registry.local/ecom:1' })).toBe('registry.local/ecom:1');
    expect(image([])).toBe('ghcr.io/ecom-platform/ecom:0.1.0');
  });
});

describe('parseConfig: the replay Jobs reach Kafka as the operator does', () => {
  it('needs a Secret behind each file its Kafka settings name, and passes the settings on', () => {
    const env = {
      KAFKA_BROKERS: 'k:9093',
      KAFKA_SECURITY_PROTOCOL: 'ssl',
      KAFKA_SSL_CA_FILE: `${import.meta.dirname}/config.test.ts`,
    };
    const missing = parseConfig([], env);
    expect(missing.kind === 'error' && missing.message).toContain(
      `--replay-kafka-file ${env.KAFKA_SSL_CA_FILE}=SECRET/KEY`,
    );
    const r = parseConfig(['--replay-kafka-file', `${env.KAFKA_SSL_CA_FILE}=cluster-ca/ca.crt`], env);
    expect(r.kind === 'config' && r.config.replayKafkaAccess).toEqual({
      env: [
        { name: 'KAFKA_SECURITY_PROTOCOL', value: 'ssl' },
        { name: 'KAFKA_SSL_CA_FILE', value: env.KAFKA_SSL_CA_FILE },
      ],
      files: [{ path: env.KAFKA_SSL_CA_FILE, secret: 'cluster-ca', key: 'ca.crt' }],
    });
  });
});
