// Checks an SBOM written by `npm run sbom` against a lockfile (default: the repository's
// package-lock.json; local/packaging/image-smoke.sh passes the image's node_modules/.package-lock.json).
//   npx tsx --conditions=source local/src/cli/check-sbom.ts SBOM [LOCKFILE]
// Prints one summary line; exit 1 with one line per problem when it does not match.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { repoPath } from '../repo.js';
import { type Lockfile, type Sbom, sbomProblems, versionsOf } from '../sbom.js';

const usage =
  "usage: npx tsx --conditions=source local/src/cli/check-sbom.ts SBOM [LOCKFILE]   (LOCKFILE: the repository's package-lock.json by default)";
const args = process.argv.slice(2);
if (args.includes('-h') || args.includes('--help')) {
  console.log(usage);
  process.exit(0);
}
const [sbomFile, lockFile = repoPath('package-lock.json')] = args;
if (!sbomFile) {
  console.error(usage);
  process.exit(2);
}
const sbom = JSON.parse(readFileSync(sbomFile, 'utf8')) as Sbom;
const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as Lockfile;
const shownPath = (p: string) => (p.startsWith(`${process.cwd()}/`) ? relative(process.cwd(), p) : p);
const problems = sbomProblems(sbom, lock);
if (problems.length) {
  console.log(`${sbomFile} does not match ${lockFile}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
const shown = ['fastify', 'kafkajs', '@kubernetes/client-node']
  .map((n) => `${n} ${versionsOf(sbom, n).join('/')}`)
  .join(', ');
console.log(
  `CycloneDX ${sbom.specVersion}, ${sbom.components?.length ?? 0} components, each at its version in ${shownPath(lockFile)} (${shown})`,
);
