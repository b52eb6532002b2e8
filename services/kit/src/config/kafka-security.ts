import {
  KAFKA_SASL_MECHANISMS,
  KAFKA_SECURITY_PROTOCOLS,
  type KafkaSecurity,
  type KafkaTls,
  PLAINTEXT,
} from '../kafka/security.js';
import { type ConfigOf, type Env, fileContents, oneOf, optional, parseConfig, requiredWhen } from './parse.js';

const PROTOCOL = 'KAFKA_SECURITY_PROTOCOL';
const forSasl = (env: Env) => (env[PROTOCOL] === 'sasl_ssl' ? `when ${PROTOCOL} is sasl_ssl` : undefined);
const alongside = (other: string) => (env: Env) => (env[other] ? `with ${other}` : undefined);

/**
 * The Kafka clients' TLS and SASL settings (part of baseSettings; the operator and the replay CLI
 * parse them alone). Secrets and certificates come from files, so a Kubernetes Secret mounts as
 * is (Strimzi's KafkaUser Secret has a `password` key, its cluster CA Secret a `ca.crt`).
 */
export function kafkaSecuritySettings() {
  return {
    kafkaSecurityProtocol: oneOf(
      PROTOCOL,
      'How the Kafka clients connect: in the clear, over TLS, or over TLS with a SASL login',
      KAFKA_SECURITY_PROTOCOLS,
      'plaintext',
    ),
    kafkaSslCa: fileContents(
      'KAFKA_SSL_CA_FILE',
      "PEM file of the CA that signed the brokers' certificates (ssl, sasl_ssl); unset trusts the system's CAs",
    ),
    kafkaSslCert: requiredWhen(
      fileContents('KAFKA_SSL_CERT_FILE', 'PEM client certificate for mutual TLS, with KAFKA_SSL_KEY_FILE'),
      alongside('KAFKA_SSL_KEY_FILE'),
    ),
    kafkaSslKey: requiredWhen(
      fileContents('KAFKA_SSL_KEY_FILE', "PEM private key of KAFKA_SSL_CERT_FILE's certificate"),
      alongside('KAFKA_SSL_CERT_FILE'),
    ),
    kafkaSaslMechanism: oneOf(
      'KAFKA_SASL_MECHANISM',
      "How KAFKA_SASL_USERNAME logs in with sasl_ssl; Strimzi's scram-sha-512 users need the default",
      KAFKA_SASL_MECHANISMS,
      'scram-sha-512',
    ),
    kafkaSaslUsername: requiredWhen(
      optional('KAFKA_SASL_USERNAME', "SASL user, required with sasl_ssl (with Strimzi: the KafkaUser's name)"),
      forSasl,
    ),
    kafkaSaslPassword: requiredWhen(
      fileContents(
        'KAFKA_SASL_PASSWORD_FILE',
        "File holding KAFKA_SASL_USERNAME's password, required with sasl_ssl (with Strimzi: the `password` key of the KafkaUser's Secret, mounted); one trailing newline is ignored",
      ),
      forSasl,
    ),
  };
}

export type KafkaSecurityConfig = ConfigOf<ReturnType<typeof kafkaSecuritySettings>>;

/** The one place a parsed config becomes KafkaOptions.security. */
export function kafkaSecurity(config: KafkaSecurityConfig): KafkaSecurity {
  if (config.kafkaSecurityProtocol === 'plaintext') return PLAINTEXT;
  const tls: KafkaTls = {
    ...(config.kafkaSslCa === undefined ? {} : { ca: config.kafkaSslCa }),
    ...(config.kafkaSslCert === undefined ? {} : { cert: config.kafkaSslCert }),
    ...(config.kafkaSslKey === undefined ? {} : { key: config.kafkaSslKey }),
  };
  if (config.kafkaSecurityProtocol === 'ssl') return { protocol: 'ssl', tls };
  const { kafkaSaslUsername: username, kafkaSaslPassword: password } = config;
  // parseConfig refuses sasl_ssl without them (requiredWhen): this only narrows the types.
  if (username === undefined || password === undefined) {
    throw new Error(`${PROTOCOL}=sasl_ssl needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD_FILE`);
  }
  // `echo secret > file` and `kubectl create secret --from-file` keep the newline; no password ends in one.
  return {
    protocol: 'sasl_ssl',
    tls,
    sasl: { mechanism: config.kafkaSaslMechanism, username, password: password.replace(/\r?\n$/, '') },
  };
}

/** kafkaSecurity for a process without a settings spec (the operator, the replay CLI); throws ConfigError. */
export function kafkaSecurityFromEnv(env: Env): KafkaSecurity {
  return kafkaSecurity(parseConfig(kafkaSecuritySettings(), env));
}
