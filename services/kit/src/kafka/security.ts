/** How the Kafka clients reach the brokers; KafkaOptions.security, mapped to kafkajs in client.ts. */
export const KAFKA_SECURITY_PROTOCOLS = ['plaintext', 'ssl', 'sasl_ssl'] as const;
export type KafkaSecurityProtocol = (typeof KAFKA_SECURITY_PROTOCOLS)[number];

/** The SASL mechanisms kafkajs implements that send no password in the clear beyond TLS. */
export const KAFKA_SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** PEM texts; a missing CA means the system's trusted CAs, cert + key make it mutual TLS. */
export interface KafkaTls {
  ca?: string;
  cert?: string;
  key?: string;
}

export type KafkaSecurity =
  | { protocol: 'plaintext' }
  | { protocol: 'ssl'; tls: KafkaTls }
  | {
      protocol: 'sasl_ssl';
      tls: KafkaTls;
      sasl: { mechanism: KafkaSaslMechanism; username: string; password: string };
    };

export const PLAINTEXT: KafkaSecurity = { protocol: 'plaintext' };
