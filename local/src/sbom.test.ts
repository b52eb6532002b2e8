import { describe, expect, it } from 'vitest';
import { type Lockfile, lockVersionsOf, type Sbom, type SbomComponent, sbomProblems, versionsOf } from './sbom.js';

const component = (name: string, version: string, path = `node_modules/${name}`): SbomComponent => {
  const [group, bare] = name.startsWith('@') ? (name.split('/') as [string, string]) : [undefined, name];
  return {
    type: 'library',
    ...(group ? { group } : {}),
    name: bare,
    version,
    properties: [{ name: 'cdx:npm:package:path', value: path }],
  };
};
const lock: Lockfile = {
  packages: {
    '': { name: 'ecom' },
    'services/kit': { name: '@ecom/kit', version: '0.1.0' },
    'node_modules/@ecom/kit': { link: true },
    'node_modules/fastify': { version: '5.12.8' },
    'node_modules/kafkajs': { version: '2.2.4' },
    'node_modules/@kubernetes/client-node': { version: '2.0.1' },
    'operator/node_modules/yaml': { version: '2.9.1' },
    'node_modules/yaml': { version: '2.8.0' },
    'node_modules/vitest': { version: '4.1.12', dev: true },
    'node_modules/@esbuild/darwin-arm64': { version: '0.28.2', dev: true, optional: true },
    'node_modules/lz4-napi-darwin-arm64': { version: '2.10.0', optional: true },
  },
};
const good: Sbom = {
  bomFormat: 'CycloneDX',
  specVersion: '1.6',
  components: [
    component('@ecom/kit', '0.1.0'),
    component('fastify', '5.12.8'),
    component('kafkajs', '2.2.4'),
    component('@kubernetes/client-node', '2.0.1'),
    component('yaml', '2.9.1', 'operator/node_modules/yaml'),
    component('yaml', '2.8.0'),
  ],
};
const without = (name: string): Sbom => ({ ...good, components: good.components?.filter((c) => c.name !== name) });

describe('an SBOM against package-lock.json', () => {
  it('matches when it lists every production package at its locked version, nested copies included', () => {
    expect(sbomProblems(good, lock)).toEqual([]);
    expect(versionsOf(good, 'yaml').sort()).toEqual(lockVersionsOf(lock, 'yaml').sort());
    expect(versionsOf(good, '@kubernetes/client-node')).toEqual(['2.0.1']);
  });

  it('names a package whose version differs from the lockfile', () => {
    const stale = { ...good, components: [...(without('kafkajs').components ?? []), component('kafkajs', '2.2.3')] };
    expect(sbomProblems(stale, lock)).toEqual([
      'kafkajs (node_modules/kafkajs) is 2.2.3 in the SBOM, 2.2.4 in package-lock.json',
    ]);
  });

  it('names a production package it leaves out (a nested copy too)', () => {
    expect(sbomProblems(without('fastify'), lock)).toEqual([
      'fastify@5.12.8 (node_modules/fastify) is missing from the SBOM',
    ]);
    const noNested = { ...good, components: good.components?.filter((c) => c.version !== '2.9.1') };
    expect(sbomProblems(noNested, lock)).toEqual(['yaml@2.9.1 (operator/node_modules/yaml) is missing from the SBOM']);
  });

  it('names a dev dependency it lists (the image has none)', () => {
    const withDev = { ...good, components: [...(good.components ?? []), component('vitest', '4.1.12')] };
    expect(sbomProblems(withDev, lock)).toEqual(['vitest (node_modules/vitest) is a dev dependency']);
  });

  it('does not ask for optional packages of other platforms, which are not installed', () => {
    expect(sbomProblems(good, lock)).not.toContainEqual(expect.stringContaining('darwin'));
  });

  it('is not a CycloneDX document without bomFormat CycloneDX', () => {
    expect(sbomProblems({ ...good, bomFormat: 'SPDX' }, lock)).toEqual(['bomFormat is SPDX, not CycloneDX']);
  });
});
