// The Dockerfile, checked without a Docker engine (none runs here or in CI): hadolint on the
// Dockerfile, then local/packaging/image-smoke.sh, which builds the runtime image's content (npm ci
// --omit=dev, the compiled dist/, migrations, event schemas) into a temp dir and starts the order
// service and the operator through the image's entrypoint against the real local Kafka broker.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function bash(script: string): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile('bash', [script], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}\n${stderr}` });
    });
  });
}

describe('the ecom image', () => {
  it('passes hadolint', async () => {
    const r = await bash('local/packaging/lint-dockerfile.sh');
    expect(r.code, r.output).toBe(0);
  }, 300_000);

  it('builds its production content and starts the services and the operator through the entrypoint', async () => {
    const r = await bash('local/packaging/image-smoke.sh');
    expect(r.code, r.output.split('\n').slice(-60).join('\n')).toBe(0);
    expect(r.output).toContain('OK: the runtime image content builds');
  }, 900_000);
});
