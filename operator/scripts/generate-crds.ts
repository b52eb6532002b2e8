// Writes k8s/crds/<group>_<plural>.yaml for every CRD in operator/src/api (CRDS).
//   npm run generate:crds -w @ecom/operator              writes the files
//   npm run generate:crds -w @ecom/operator -- --check   fails (exit 1) when a committed file differs
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CRDS } from '../src/api/index.js';
import { crdFileName, GENERATED_HEADER, renderCrd } from '../src/api/render.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = join(repoRoot, 'k8s/crds');

async function readOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const wanted = new Map(CRDS.map((d) => [crdFileName(d), renderCrd(d)]));
  const stale: string[] = [];

  for (const [file, text] of wanted) {
    const path = join(outDir, file);
    if ((await readOrUndefined(path)) === text) continue;
    stale.push(relative(repoRoot, path));
    if (!values.check) {
      await mkdir(outDir, { recursive: true });
      await writeFile(path, text);
    }
  }
  // A generated file whose resource was removed from CRDS would otherwise linger and still be applied.
  const existing = await readdir(outDir).catch(() => [] as string[]);
  for (const file of existing) {
    if (wanted.has(file) || !file.endsWith('.yaml')) continue;
    const text = await readFile(join(outDir, file), 'utf8');
    if (text.startsWith(GENERATED_HEADER))
      stale.push(`${relative(repoRoot, join(outDir, file))} (no longer generated; delete it)`);
  }

  if (values.check) {
    if (stale.length === 0) {
      console.log(`generate-crds: ${wanted.size} CRD file(s) in k8s/crds are up to date`);
      return 0;
    }
    console.error(
      `generate-crds --check: these files differ from operator/src/api:\n  ${stale.join('\n  ')}\nRun \`npm run generate:crds -w @ecom/operator\` and commit the result.`,
    );
    return 1;
  }
  console.log(
    stale.length === 0 ? 'generate-crds: nothing to change' : `generate-crds: wrote\n  ${stale.join('\n  ')}`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('generate-crds failed:', error);
    process.exit(1);
  },
);
