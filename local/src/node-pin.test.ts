// One Node.js pin: the Dockerfile's `ARG NODE_IMAGE=node:<x.y.z>-<suite>-slim`. The image, the base
// local/cluster/images.sh builds, and the Node.js local/lib.sh provisions all read it; what cannot
// read it (engines, @types/node) must agree with it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath } from './repo.js';

const dockerfile = readFileSync(repoPath('Dockerfile'), 'utf8');
const pin = /^ARG NODE_IMAGE=node:(\d+)\.(\d+)\.(\d+)-[a-z]+-slim$/m.exec(dockerfile);
const rootPackage = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

describe('the Node.js pin', () => {
  it('is an exact node:<x.y.z>-<suite>-slim image of an LTS line, 24 or newer', () => {
    expect(pin, 'ARG NODE_IMAGE=node:<x.y.z>-<suite>-slim in the Dockerfile').not.toBeNull();
    const major = Number(pin?.[1]);
    expect(major).toBeGreaterThanOrEqual(24);
    expect(major % 2, 'even majors are the LTS lines').toBe(0);
  });

  it('is what local/lib.sh provisions', () => {
    const out = execFileSync('bash', ['-c', 'source local/lib.sh && node_pin'], { cwd: repoPath(), encoding: 'utf8' });
    expect(out.trim()).toBe(`${pin?.[1]}.${pin?.[2]}.${pin?.[3]}`);
  });

  it('is the minimum of the root engines field', () => {
    expect(rootPackage.engines.node).toBe(`>=${pin?.[1]}.${pin?.[2]}.${pin?.[3]}`);
  });

  it('has @types/node of the same major', () => {
    expect(rootPackage.devDependencies['@types/node']).toMatch(new RegExp(`^\\^${pin?.[1]}\\.`));
  });
});
