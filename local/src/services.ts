import { existsSync, readdirSync } from 'node:fs';
import { repoPath } from './repo.js';
import type { ProcessSpec } from './supervisor.js';

/** The services that exist in this checkout: every services/<name> with a built dist/main.js, but the kit. */
export function discoverServices(): string[] {
  return readdirSync(repoPath('services'))
    .filter((name) => name !== 'kit' && existsSync(repoPath('services', name, 'dist/main.js')))
    .sort();
}

export interface StackEnv {
  kafkaBrokers: string;
  /** Unset: each service falls back to embedded PGlite in its own folder under .local/pglite. */
  databaseUrl: string | undefined;
  /** AUTH_* of the token issuer the services trust. */
  auth: Record<string, string>;
}

/** How to run each service as a process of the one-machine stack; ports are the services' own defaults. */
export function serviceProcesses(names: string[], stack: StackEnv): ProcessSpec[] {
  return names.map((name) => ({
    name,
    command: process.execPath,
    // The telemetry preload does nothing unless OTEL_EXPORTER_OTLP_ENDPOINT is set (kit telemetry/register.ts).
    args: [
      '--enable-source-maps',
      '--import',
      repoPath('services/kit/dist/telemetry/register.js'),
      repoPath('services', name, 'dist/main.js'),
    ],
    env: {
      NODE_OPTIONS: withYoungGenerationCap(process.env.NODE_OPTIONS),
      ...stack.auth,
      KAFKA_BROKERS: stack.kafkaBrokers,
      ...(stack.databaseUrl ? { DATABASE_URL: stack.databaseUrl } : { PGLITE_DIR: repoPath('.local/pglite', name) }),
    },
  }));
}

/**
 * V8 sizes the young generation from the machine's memory: two 64 MB semi-spaces on a 24 GiB
 * machine, most of a service's RSS growth under load. Capped at 16 MB a semi-space, the order
 * service's RSS after a closed-loop saga run went from about 375 to 260-310 MB at no measurable CPU
 * cost (README, Performance). The image's entrypoint (local/packaging/entrypoint.sh) sets the same;
 * the caller's own NODE_OPTIONS come after it, so a --max-semi-space-size there wins.
 */
function withYoungGenerationCap(nodeOptions: string | undefined): string {
  return ['--max-semi-space-size=16', nodeOptions].filter(Boolean).join(' ');
}
