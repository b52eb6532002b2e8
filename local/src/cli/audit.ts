// npm run audit:prod: `npm audit --omit=dev` as a gate (CI runs it from .ci/run). High and critical
// advisories in the production dependency tree fail unless .ci/audit-exceptions.json holds a dated
// exception for them; see local/src/audit/policy.ts.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeFinding, judge, parseExceptions, readAuditOutput } from '../audit/policy.js';
import { repoRoot } from '../repo.js';

const usage = `Usage: npm run audit:prod [-- --unavailable fail|warn] [--exceptions FILE]

Runs \`npm audit --omit=dev --json\` and fails (exit 1) on high or critical advisories that no
unexpired exception in .ci/audit-exceptions.json covers. Moderate and low ones are listed only.
When the registry answers no audit report (e.g. its audit endpoint is missing: 405), nothing was
checked: exit 3 with --unavailable fail (the default), a warning and exit 0 with warn.`;

const { values } = parseArgs({
  options: {
    unavailable: { type: 'string', default: 'fail' },
    exceptions: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (values.unavailable !== 'fail' && values.unavailable !== 'warn') {
  console.error(`audit: --unavailable must be fail or warn, not '${values.unavailable}'\n\n${usage}`);
  process.exit(2);
}

const root = repoRoot;
const exceptionsFile = resolve(root, values.exceptions ?? '.ci/audit-exceptions.json');
const today = new Date().toISOString().slice(0, 10);
const say = (line: string) => console.log(`    ${line}`);

let content: unknown;
try {
  content = JSON.parse(readFileSync(exceptionsFile, 'utf8'));
} catch (error) {
  console.error(`audit: cannot read ${exceptionsFile}: ${(error as Error).message}`);
  process.exit(1);
}
const { exceptions, errors } = parseExceptions(content, today);
if (errors.length) {
  console.error(`audit: ${exceptionsFile} is invalid:`);
  for (const e of errors) console.error(`    ${e}`);
  process.exit(1);
}

const npm = spawnSync('npm', ['audit', '--omit=dev', '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
const outcome = readAuditOutput(npm.stdout ?? '', npm.stderr ?? '');
if (outcome.kind === 'unavailable') {
  const registry = spawnSync('npm', ['config', 'get', 'registry'], { cwd: root, encoding: 'utf8' }).stdout?.trim();
  console.log(
    `audit: NOT CHECKED: the registry (${registry || 'npm config get registry'}) gave no audit report: ${outcome.reason}`,
  );
  say('No advisory was looked up, so nothing is known about high or critical findings.');
  if (values.unavailable === 'warn') {
    say('Passing only because --unavailable warn was given (ECOM_AUDIT_UNAVAILABLE=warn in .ci/run).');
    process.exit(0);
  }
  say('Run it where the registry has its audit endpoint, or pass --unavailable warn to go on regardless.');
  process.exit(3);
}

const verdict = judge(outcome.findings, exceptions, today);
for (const { finding, exception } of verdict.excepted)
  say(`excepted until ${exception.expires}: ${describeFinding(finding)}; reason: ${exception.reason}`);
for (const { finding, exception } of verdict.expired)
  say(`EXCEPTION EXPIRED on ${exception.expires}: ${finding.id} in ${finding.package}`);
for (const finding of verdict.failing) say(`FAIL ${describeFinding(finding)}`);
for (const finding of verdict.lower) say(`below the threshold: ${describeFinding(finding)}`);
for (const e of verdict.unused) say(`unused exception (no such finding any more; remove it): ${e.id} in ${e.package}`);
const counts = `${outcome.findings.length} advisories in the production dependencies, ${verdict.failing.length} high/critical without a valid exception`;
if (verdict.failing.length) {
  console.log(`audit: FAILED: ${counts}. Update the package (npm update / a direct dependency bump / overrides),`);
  say(`or add a dated exception to ${exceptionsFile} (README: "Supply chain").`);
  process.exit(1);
}
console.log(`audit: OK: ${counts}.`);
