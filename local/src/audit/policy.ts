// The CI gate over `npm audit --omit=dev --json`: high and critical advisories fail unless a dated
// exception in .ci/audit-exceptions.json covers them. Pure: the CLI (local/src/cli/audit.ts) runs
// npm and reads the files.

export type Severity = 'info' | 'low' | 'moderate' | 'high' | 'critical';

/** Severities that fail the gate. */
export const FAILING: readonly Severity[] = ['high', 'critical'];

/** An exception may run at most this long from the day it is checked, so each one gets re-reviewed. */
export const MAX_EXCEPTION_DAYS = 180;

/** One advisory affecting one installed package. */
export interface Finding {
  /** GHSA id from the advisory URL (what exceptions name), else `npm:<source>`. */
  id: string;
  package: string;
  severity: Severity;
  title: string;
  url: string;
  /** Vulnerable version range. */
  range: string;
  /** Where it is installed (node_modules paths). */
  nodes: string[];
}

export interface AuditException {
  id: string;
  package: string;
  reason: string;
  /** YYYY-MM-DD; the exception holds through that day. */
  expires: string;
}

export type AuditOutcome = { kind: 'report'; findings: Finding[] } | { kind: 'unavailable'; reason: string };

interface NpmAdvisory {
  source?: number;
  name?: string;
  title?: string;
  url?: string;
  severity?: string;
  range?: string;
}
interface NpmVulnerability {
  name?: string;
  via?: (string | NpmAdvisory)[];
  nodes?: string[];
}

const SEVERITIES: readonly Severity[] = ['info', 'low', 'moderate', 'high', 'critical'];
const asSeverity = (s: unknown): Severity => (SEVERITIES.includes(s as Severity) ? (s as Severity) : 'critical');

/**
 * Reads npm's stdout. A report has `auditReportVersion` and `vulnerabilities`; anything else (npm
 * prints `{ "message": "405 Method Not Allowed - POST .../advisories/bulk", ... }` when the
 * registry has no audit endpoint, or nothing at all offline) means no advisory was checked.
 */
export function readAuditOutput(stdout: string, stderr = ''): AuditOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    const hint = lastLine(stderr) || lastLine(stdout) || 'no output';
    return { kind: 'unavailable', reason: `npm audit printed no report (${hint})` };
  }
  const report = parsed as { auditReportVersion?: unknown; vulnerabilities?: unknown; message?: unknown };
  if (report.auditReportVersion !== 2 || typeof report.vulnerabilities !== 'object' || !report.vulnerabilities) {
    const message = typeof report.message === 'string' && report.message ? report.message : lastLine(stderr);
    return { kind: 'unavailable', reason: message || 'npm audit printed an unknown format (not auditReportVersion 2)' };
  }
  return { kind: 'report', findings: findingsOf(report.vulnerabilities as Record<string, NpmVulnerability>) };
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .filter((l) => l.trim())
      .pop()
      ?.trim() ?? ''
  );
}

/** Advisories are the object entries of `via` (string entries point at another package's entry). */
function findingsOf(vulnerabilities: Record<string, NpmVulnerability>): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const [name, vuln] of Object.entries(vulnerabilities)) {
    for (const via of vuln.via ?? []) {
      if (typeof via === 'string') continue;
      const ghsa = /GHSA(-[23456789cfghjmpqrvwx]{4}){3}/i.exec(via.url ?? '')?.[0];
      const id = normalizeId(ghsa ?? `npm:${via.source ?? 'unknown'}`);
      const pkg = via.name ?? vuln.name ?? name;
      const key = `${id} ${pkg}`;
      const seen = byKey.get(key);
      if (seen) {
        for (const n of vuln.nodes ?? []) if (!seen.nodes.includes(n)) seen.nodes.push(n);
        continue;
      }
      byKey.set(key, {
        id,
        package: pkg,
        severity: asSeverity(via.severity),
        title: via.title ?? '',
        url: via.url ?? '',
        range: via.range ?? '',
        nodes: [...(vuln.nodes ?? [])],
      });
    }
  }
  return [...byKey.values()].sort((a, b) => a.package.localeCompare(b.package) || a.id.localeCompare(b.id));
}

/** GitHub writes GHSA ids as `GHSA-` and lower-case groups; npm's numeric ids as `npm:<n>`. */
const normalizeId = (id: string) =>
  /^ghsa-/i.test(id) ? `GHSA-${id.slice(5).toLowerCase()}` : `npm:${id.replace(/^npm:/i, '')}`;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isDate = (s: string) => DATE.test(s) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** Validates the exceptions file's content; every problem is reported, none is skipped silently. */
export function parseExceptions(content: unknown, today: string): { exceptions: AuditException[]; errors: string[] } {
  const errors: string[] = [];
  const list = (content as { exceptions?: unknown } | null)?.exceptions;
  if (!Array.isArray(list)) return { exceptions: [], errors: ['it must be an object with an "exceptions" array'] };
  const exceptions: AuditException[] = [];
  list.forEach((raw: unknown, i) => {
    const e = (raw ?? {}) as Record<string, unknown>;
    const where = `exceptions[${i}]${typeof e.id === 'string' ? ` (${e.id})` : ''}`;
    const problems: string[] = [];
    const str = (k: string) => (typeof e[k] === 'string' ? (e[k] as string).trim() : '');
    if (!/^(GHSA(-[23456789cfghjmpqrvwx]{4}){3}|npm:\d+)$/i.test(str('id')))
      problems.push('"id" must be a GHSA id (GHSA-xxxx-xxxx-xxxx) or npm:<number>');
    if (!str('package')) problems.push('"package" must name the affected package');
    if (str('reason').length < 20)
      problems.push('"reason" must say why it cannot be fixed yet and why it is acceptable (20+ characters)');
    const expires = str('expires');
    if (!isDate(expires)) problems.push('"expires" must be a date YYYY-MM-DD');
    else if (daysBetween(today, expires) > MAX_EXCEPTION_DAYS)
      problems.push(`"expires" ${expires} is more than ${MAX_EXCEPTION_DAYS} days away: review it sooner`);
    if (problems.length) errors.push(...problems.map((p) => `${where}: ${p}`));
    else exceptions.push({ id: normalizeId(str('id')), package: str('package'), reason: str('reason'), expires });
  });
  return { exceptions, errors };
}

export interface Verdict {
  /** High/critical findings without a valid exception: the gate fails. */
  failing: Finding[];
  /** Findings an exception covered, which expired before today: listed with the failing ones. */
  expired: { finding: Finding; exception: AuditException }[];
  excepted: { finding: Finding; exception: AuditException }[];
  /** Below the threshold: reported, not failing. */
  lower: Finding[];
  /** Exceptions matching no finding any more: to remove. */
  unused: AuditException[];
}

export function judge(findings: Finding[], exceptions: AuditException[], today: string): Verdict {
  const verdict: Verdict = { failing: [], expired: [], excepted: [], lower: [], unused: [] };
  const used = new Set<AuditException>();
  for (const finding of findings) {
    if (!FAILING.includes(finding.severity)) {
      verdict.lower.push(finding);
      continue;
    }
    const exception = exceptions.find((e) => e.id === finding.id && e.package === finding.package);
    if (!exception) {
      verdict.failing.push(finding);
      continue;
    }
    used.add(exception);
    if (exception.expires < today) {
      verdict.expired.push({ finding, exception });
      verdict.failing.push(finding);
    } else verdict.excepted.push({ finding, exception });
  }
  verdict.unused = exceptions.filter((e) => !used.has(e));
  return verdict;
}

export const describeFinding = (f: Finding) =>
  `${f.severity} ${f.id} in ${f.package} ${f.range}: ${f.title}${f.url ? ` (${f.url})` : ''}${
    f.nodes.length ? ` at ${f.nodes.join(', ')}` : ''
  }`;
