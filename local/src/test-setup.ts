// Global setup of the vitest `integration` project: brings up the real one-machine infrastructure
// the integration tests run against. Each step is idempotent and reuses what already runs, and is
// left running afterwards so the next run (and `npm start`) start fast; `local/*/…sh stop` stops it.
//
// Kafka: `local/kafka/kafka.sh start` (nothing when KAFKA_BROKERS is set), then k8s/topics applied. PostgreSQL:
// `local/postgres/postgres.sh start` (nothing when DATABASE_URL is set). kube-apiserver + etcd:
// `local/kube/kube.sh start`. Tests find them through KAFKA_BROKERS, DATABASE_URL and KUBECONFIG,
// which are set here before the test workers start (KUBECONFIG only for the tests' processes), and
// through AUTH_* (the development token issuer of .local/auth). In CI a missing piece fails the run, loudly.
import { execFileSync } from 'node:child_process';
import { createLogger } from '@ecom/kit';
import { localIssuer } from './auth.js';
import { repoPath } from './repo.js';
import { applyRepoTopics, describePlan } from './topics.js';

function run(script: string, args: string[], options: { capture?: boolean } = {}): string {
  try {
    return (
      execFileSync('bash', [repoPath(script), ...args], {
        cwd: repoPath(),
        encoding: 'utf8',
        stdio: ['ignore', options.capture ? 'pipe' : 'inherit', 'inherit'],
      })?.trim() ?? ''
    );
  } catch (err) {
    const status = (err as { status?: number }).status;
    throw new Error(
      `integration setup: \`bash ${script} ${args.join(' ')}\` failed (exit ${status ?? '?'}); its output above says what is missing`,
    );
  }
}

export default async function setup(): Promise<void> {
  run('local/kafka/kafka.sh', ['start']);
  process.env.KAFKA_BROKERS = run('local/kafka/kafka.sh', ['brokers'], { capture: true });
  // The services and the tests publish to the topics of k8s/topics, as on `npm start`.
  const plans = await applyRepoTopics({
    brokers: process.env.KAFKA_BROKERS.split(','),
    logger: createLogger('topics', 'warn'),
  });
  for (const plan of plans) console.log(`topics: ${describePlan(plan)}`);
  if (!process.env.DATABASE_URL) {
    run('local/postgres/postgres.sh', ['start']);
    process.env.DATABASE_URL = run('local/postgres/postgres.sh', ['url'], { capture: true });
  }
  // Every service a test starts trusts the development issuer, as on `npm start`; local/src/auth.ts
  // signs with it. In-process service tests turn auth off unless they test it (startTestService).
  Object.assign(process.env, (await localIssuer()).env);
  run('local/kube/kube.sh', ['start']);
  process.env.KUBECONFIG = repoPath('.local/kube/kubeconfig');
}
