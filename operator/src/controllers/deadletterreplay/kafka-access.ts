import { posix } from 'node:path';

const { basename, dirname, isAbsolute, normalize } = posix;

/**
 * How a replay Job reaches Kafka: as the operator does (its Kafka user, whose ACLs cover the
 * replay), with the operator's own KAFKA_* settings and the same files, mounted from the Secrets
 * that back them in the operator's pod. Only names and paths go into the Job; secrets stay in
 * Secrets.
 */
export interface ReplayKafkaAccess {
  env: Array<{ name: string; value: string }>;
  /** Each file a KAFKA_*_FILE setting names, and the Secret key it is mounted from. */
  files: Array<{ path: string; secret: string; key: string }>;
}

export const NO_KAFKA_ACCESS: ReplayKafkaAccess = { env: [], files: [] };

/** The kit's Kafka security settings (services/kit/src/config/kafka-security.ts): none holds a secret. */
const PASSED_ON = [
  'KAFKA_SECURITY_PROTOCOL',
  'KAFKA_SSL_CA_FILE',
  'KAFKA_SSL_CERT_FILE',
  'KAFKA_SSL_KEY_FILE',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD_FILE',
] as const;

export const REPLAY_KAFKA_FILE_FLAG = '--replay-kafka-file';

const SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * The operator's KAFKA_* settings and its `--replay-kafka-file PATH=SECRET/KEY` flags, as the
 * replay Jobs' access; every problem names what to fix. Each file a setting names must come from a
 * Secret (a replay pod has nothing else), and files of one directory from one Secret (one volume
 * per directory).
 */
export function parseReplayKafkaAccess(
  env: Record<string, string | undefined>,
  fileFlags: readonly string[],
): { access: ReplayKafkaAccess; problems: string[] } {
  const problems: string[] = [];
  const files: ReplayKafkaAccess['files'] = [];
  for (const flag of fileFlags) {
    const match = /^([^=]+)=([^/]+)\/(.+)$/.exec(flag);
    const [given, secret, key] = match ? [match[1] ?? '', match[2] ?? '', match[3] ?? ''] : ['', '', ''];
    const path = normalize(given);
    if (!match || !isAbsolute(path) || !SECRET_NAME.test(secret) || secret.length > 253 || !SECRET_KEY.test(key)) {
      problems.push(
        `${REPLAY_KAFKA_FILE_FLAG}: ${JSON.stringify(flag)} is not PATH=SECRET/KEY (an absolute path, a Secret name, one of its keys)`,
      );
    } else if (files.some((f) => f.path === path)) {
      problems.push(`${REPLAY_KAFKA_FILE_FLAG}: ${path} is given twice`);
    } else {
      files.push({ path, secret, key });
    }
  }
  for (const f of files) {
    const other = files.find((g) => dirname(g.path) === dirname(f.path) && g.secret !== f.secret);
    if (other && f.path < other.path) {
      problems.push(
        `${REPLAY_KAFKA_FILE_FLAG}: ${f.path} (Secret ${f.secret}) and ${other.path} (Secret ${other.secret}) share a directory; a replay pod mounts one Secret per directory`,
      );
    }
  }
  const passed = PASSED_ON.flatMap((name) => {
    const value = env[name];
    return value === undefined || value === '' ? [] : [{ name, value }];
  });
  for (const { name, value } of passed.filter((e) => e.name.endsWith('_FILE'))) {
    if (!files.some((f) => f.path === normalize(value))) {
      problems.push(
        `${name}=${value}: the replay Jobs need that file too; say which Secret holds it with ${REPLAY_KAFKA_FILE_FLAG} ${value}=SECRET/KEY`,
      );
    }
  }
  return { access: { env: passed, files }, problems };
}

interface SecretVolume {
  name: string;
  secret: { secretName: string; defaultMode: number; items: Array<{ key: string; path: string }> };
}

/** The Job pod's parts for that access: env entries, one read-only Secret volume per directory. */
export function replayKafkaPodParts(access: ReplayKafkaAccess): {
  env: ReplayKafkaAccess['env'];
  volumes: SecretVolume[];
  volumeMounts: Array<{ name: string; mountPath: string; readOnly: true }>;
} {
  const byDirectory = new Map<string, ReplayKafkaAccess['files']>();
  for (const f of access.files) byDirectory.set(dirname(f.path), [...(byDirectory.get(dirname(f.path)) ?? []), f]);
  const directories = [...byDirectory.entries()].sort(([a], [b]) => a.localeCompare(b));
  return {
    env: access.env,
    volumes: directories.map(([, files], i) => ({
      name: `kafka-${i}`,
      secret: {
        secretName: files[0]?.secret ?? '',
        // Read by the pod's group (fsGroup), as in the chart's own pods.
        defaultMode: 0o440,
        items: files.map((f) => ({ key: f.key, path: basename(f.path) })),
      },
    })),
    volumeMounts: directories.map(([mountPath], i) => ({ name: `kafka-${i}`, mountPath, readOnly: true })),
  };
}
