import { describe, expect, it } from 'vitest';
import { parseReplayKafkaAccess, replayKafkaPodParts } from './kafka-access.js';

// What the chart gives the operator with its Strimzi cluster (charts/ecom/templates/operator.yaml).
const STRIMZI_ENV = {
  KAFKA_BROKERS: 'ecom-kafka-bootstrap:9093',
  KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
  KAFKA_SSL_CA_FILE: '/etc/ecom/kafka/ca/ca.crt',
  KAFKA_SASL_MECHANISM: 'scram-sha-512',
  KAFKA_SASL_USERNAME: 'ecom-operator',
  KAFKA_SASL_PASSWORD_FILE: '/etc/ecom/kafka/user/password',
  KAFKA_SASL_PASSWORD: 'never-passed-on',
  DATABASE_URL: 'postgres://not-passed-on',
};
const STRIMZI_FILES = [
  '/etc/ecom/kafka/ca/ca.crt=ecom-kafka-cluster-ca-cert/ca.crt',
  '/etc/ecom/kafka/user/password=ecom-operator/password',
];

describe('parseReplayKafkaAccess', () => {
  it("passes on the operator's Kafka security settings (names and paths only) and the Secrets behind its files", () => {
    expect(parseReplayKafkaAccess(STRIMZI_ENV, STRIMZI_FILES)).toEqual({
      problems: [],
      access: {
        env: [
          { name: 'KAFKA_SECURITY_PROTOCOL', value: 'sasl_ssl' },
          { name: 'KAFKA_SSL_CA_FILE', value: '/etc/ecom/kafka/ca/ca.crt' },
          { name: 'KAFKA_SASL_MECHANISM', value: 'scram-sha-512' },
          { name: 'KAFKA_SASL_USERNAME', value: 'ecom-operator' },
          { name: 'KAFKA_SASL_PASSWORD_FILE', value: '/etc/ecom/kafka/user/password' },
        ],
        files: [
          { path: '/etc/ecom/kafka/ca/ca.crt', secret: 'ecom-kafka-cluster-ca-cert', key: 'ca.crt' },
          { path: '/etc/ecom/kafka/user/password', secret: 'ecom-operator', key: 'password' },
        ],
      },
    });
  });

  it('is empty for a plaintext operator', () => {
    expect(parseReplayKafkaAccess({ KAFKA_BROKERS: 'k:9092' }, [])).toEqual({
      problems: [],
      access: { env: [], files: [] },
    });
  });

  it.each([
    [
      'a file setting without a Secret',
      { KAFKA_SSL_CA_FILE: '/etc/ca.crt' },
      [],
      'KAFKA_SSL_CA_FILE=/etc/ca.crt: the replay Jobs need that file too; say which Secret holds it with --replay-kafka-file /etc/ca.crt=SECRET/KEY',
    ],
    ['no key', {}, ['/etc/ca.crt=ca-secret'], '--replay-kafka-file: "/etc/ca.crt=ca-secret" is not PATH=SECRET/KEY'],
    ['a relative path', {}, ['ca.crt=s/ca.crt'], '"ca.crt=s/ca.crt" is not PATH=SECRET/KEY'],
    ['a bad Secret name', {}, ['/etc/ca.crt=Bad_Name/ca.crt'], '"/etc/ca.crt=Bad_Name/ca.crt" is not PATH=SECRET/KEY'],
    ['a path twice', {}, ['/a/x=s/x', '/a/./x=s/y'], '--replay-kafka-file: /a/x is given twice'],
    [
      'two Secrets in one directory',
      {},
      ['/k/ca.crt=ca/ca.crt', '/k/password=user/password'],
      '--replay-kafka-file: /k/ca.crt (Secret ca) and /k/password (Secret user) share a directory; a replay pod mounts one Secret per directory',
    ],
  ])('refuses %s, saying what to fix', (_, env, flags, problem) => {
    const { problems } = parseReplayKafkaAccess(env, flags);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });
});

describe('replayKafkaPodParts', () => {
  it('mounts each directory from its Secret, only the keys named, at the paths the settings name', () => {
    const { access } = parseReplayKafkaAccess(
      { KAFKA_SSL_CERT_FILE: '/tls/tls.crt', KAFKA_SSL_KEY_FILE: '/tls/tls.key' },
      ['/tls/tls.key=client/user.key', '/tls/tls.crt=client/user.crt', '/ca/ca.crt=cluster-ca/ca.crt'],
    );
    const parts = replayKafkaPodParts(access);
    expect(parts.env.map((e) => e.name)).toEqual(['KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE']);
    expect(parts.volumes).toEqual([
      {
        name: 'kafka-0',
        secret: { secretName: 'cluster-ca', defaultMode: 0o440, items: [{ key: 'ca.crt', path: 'ca.crt' }] },
      },
      {
        name: 'kafka-1',
        secret: {
          secretName: 'client',
          defaultMode: 0o440,
          items: [
            { key: 'user.key', path: 'tls.key' },
            { key: 'user.crt', path: 'tls.crt' },
          ],
        },
      },
    ]);
    expect(parts.volumeMounts).toEqual([
      { name: 'kafka-0', mountPath: '/ca', readOnly: true },
      { name: 'kafka-1', mountPath: '/tls', readOnly: true },
    ]);
  });
});
