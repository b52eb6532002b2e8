import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from this file's place in local/src or local/dist. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function repoPath(...parts: string[]): string {
  return resolve(repoRoot, ...parts);
}
