// Applies every service's least-privilege Kafka ACLs, derived from its own definition
// (serviceKafkaAcls), to the principal User:<service name>: the SCRAM users of the local broker's
// SASL_SSL listener (`bash local/kafka/kafka.sh users`), or any cluster whose users are named so.
// Exact: ACLs of those principals that the definitions no longer give are deleted.
//   npm run -s kafka:acls                                          (plaintext, the local broker)
//   env $(bash local/kafka/kafka.sh sasl-env admin) npm run -s kafka:acls   (as the admin user)
import { applyPrincipalAcls, createLogger, type KafkaOptions, kafkaSecurityFromEnv, serviceKafkaAcls } from '@ecom/kit';
import { SERVICES } from './services.js';

export interface AppliedAcls {
  principal: string;
  created: number;
  deleted: number;
}

/** Makes each service's principal hold exactly the ACLs of its definition; needs a super user's client. */
export async function applyServiceAcls(options: KafkaOptions): Promise<AppliedAcls[]> {
  const applied: AppliedAcls[] = [];
  for (const definition of SERVICES) {
    const principal = `User:${definition.name}`;
    applied.push({ principal, ...(await applyPrincipalAcls(options, principal, serviceKafkaAcls(definition))) });
  }
  return applied;
}

if (process.argv[1]?.endsWith('kafka-acls.ts')) {
  const applied = await applyServiceAcls({
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
    clientId: 'ecom-acls',
    logger: createLogger('kafka-acls', 'warn'),
    security: kafkaSecurityFromEnv(process.env),
  });
  for (const { principal, created, deleted } of applied) {
    console.log(`${principal}: ${created} ACLs created, ${deleted} deleted`);
  }
}
