import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseSettings } from './base.js';
import { kafkaSecurity, kafkaSecuritySettings } from './kafka-security.js';
import { ConfigError, parseConfig } from './parse.js';

const dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const security = (env: Record<string, string>) => kafkaSecurity(parseConfig(kafkaSecuritySettings(), env));
/** The Kafka variables' problems when a service starts with `env` (other settings may complain too). */
const problems = (env: Record<string, string>) => {
  try {
    parseConfig(baseSettings(3000), env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.filter((p) => p.startsWith('KAFKA_'));
    throw error;
  }
  return [];
};

describe('kafka security settings', () => {
  it('are plaintext when nothing is set', () => {
    expect(security({})).toEqual({ protocol: 'plaintext' });
  });

  it('read the CA, the client certificate and the password from their files', () => {
    const env = {
      KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
      KAFKA_SSL_CA_FILE: file('ca.crt', 'CA PEM'),
      KAFKA_SSL_CERT_FILE: file('user.crt', 'CERT PEM'),
      KAFKA_SSL_KEY_FILE: file('user.key', 'KEY PEM'),
      KAFKA_SASL_USERNAME: 'payment',
      // as `echo s3cret > file` writes it: the newline is not part of the password
      KAFKA_SASL_PASSWORD_FILE: file('password', 's3cret\n'),
    };
    expect(security(env)).toEqual({
      protocol: 'sasl_ssl',
      tls: { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' },
      sasl: { mechanism: 'scram-sha-512', username: 'payment', password: 's3cret' },
    });
    expect(security({ ...env, KAFKA_SECURITY_PROTOCOL: 'ssl' })).toEqual({
      protocol: 'ssl',
      tls: { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' },
    });
  });

  it('are part of every service: sasl_ssl without a user is a startup error naming each variable', () => {
    expect(problems({ KAFKA_SECURITY_PROTOCOL: 'sasl_ssl' })).toEqual([
      'KAFKA_SASL_USERNAME: is required when KAFKA_SECURITY_PROTOCOL is sasl_ssl',
      'KAFKA_SASL_PASSWORD_FILE: is required when KAFKA_SECURITY_PROTOCOL is sasl_ssl',
    ]);
  });

  it('name the variable whose file cannot be read, and a certificate without its key', () => {
    const missing = join(dir, 'absent');
    expect(
      problems({
        KAFKA_SECURITY_PROTOCOL: 'tls',
        KAFKA_SSL_CERT_FILE: file('lone.crt', 'CERT PEM'),
        KAFKA_SASL_MECHANISM: 'gssapi',
        KAFKA_SASL_PASSWORD_FILE: missing,
      }),
    ).toEqual([
      'KAFKA_SECURITY_PROTOCOL: must be one of plaintext, ssl, sasl_ssl (got "tls")',
      'KAFKA_SSL_KEY_FILE: is required with KAFKA_SSL_CERT_FILE',
      'KAFKA_SASL_MECHANISM: must be one of scram-sha-512, scram-sha-256, plain (got "gssapi")',
      `KAFKA_SASL_PASSWORD_FILE: cannot read the file: ENOENT (got ${JSON.stringify(missing)})`,
    ]);
  });
});
