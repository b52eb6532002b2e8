// The SBOM the image build writes: `npm run sbom` (cyclonedx-npm --omit dev), the command the
// Dockerfile's build stage runs, on this checkout's installed tree.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type Lockfile, lockVersionsOf, type Sbom, sbomProblems, versionsOf } from '../../local/src/sbom.js';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'ecom-sbom-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function npmRunSbom(file: string): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(
      'npm',
      ['run', '--silent', 'sbom', '--', '--output-file', file],
      { cwd: repoRoot },
      (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

describe('npm run sbom', () => {
  it('writes a CycloneDX SBOM of exactly the production dependencies, at the versions of package-lock.json', async () => {
    const file = join(dir, 'sbom.cdx.json');
    const r = await npmRunSbom(file);
    expect(r.code, r.output).toBe(0);
    const sbom = JSON.parse(readFileSync(file, 'utf8')) as Sbom;
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as Lockfile;

    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(sbom.metadata?.component?.name).toBe('ecom');
    for (const name of ['fastify', 'kafkajs', 'pg', '@kubernetes/client-node']) {
      expect(versionsOf(sbom, name).length, `${name} in the SBOM`).toBeGreaterThan(0);
      expect(versionsOf(sbom, name).sort(), name).toEqual(lockVersionsOf(lock, name).sort());
    }
    for (const dev of ['vitest', 'typescript', '@biomejs/biome', '@cyclonedx/cyclonedx-npm'])
      expect(versionsOf(sbom, dev), `${dev} is a dev dependency`).toEqual([]);
    expect(sbomProblems(sbom, lock)).toEqual([]);
  }, 120_000);
});
