import { describe, expect, it } from 'vitest';
import { type AuditException, judge, parseExceptions, readAuditOutput } from './policy.js';

// The shape `npm audit --json` (npm 7+, auditReportVersion 2) prints: advisories are the objects
// in `via`; a string in `via` points at the package whose entry holds the advisory.
const report = (vulnerabilities: Record<string, unknown>) =>
  JSON.stringify({ auditReportVersion: 2, vulnerabilities, metadata: { vulnerabilities: {} } });
const advisory = (source: number, name: string, severity: string, ghsa: string) => ({
  source,
  name,
  dependency: name,
  title: `${name} is vulnerable`,
  url: `https://github.com/advisories/${ghsa}`,
  severity,
  range: '<1.2.3',
});
const sample = report({
  tarpit: {
    name: 'tarpit',
    severity: 'high',
    via: [advisory(1100, 'tarpit', 'high', 'GHSA-2222-3333-4444')],
    nodes: ['node_modules/tarpit'],
  },
  wrapper: { name: 'wrapper', severity: 'high', via: ['tarpit'], nodes: ['node_modules/wrapper'] },
  minor: {
    name: 'minor',
    severity: 'moderate',
    via: [advisory(1200, 'minor', 'moderate', 'GHSA-5555-6666-7777')],
    nodes: ['node_modules/minor'],
  },
  crit: {
    name: 'crit',
    severity: 'critical',
    via: [advisory(1300, 'crit', 'critical', 'GHSA-8888-9999-cccc')],
    nodes: ['node_modules/crit', 'operator/node_modules/crit'],
  },
});
const today = '2026-12-02';
const exception = (id: string, pkg: string, expires: string): AuditException => ({
  id,
  package: pkg,
  reason: 'no fixed release yet; the affected function is never called here',
  expires,
});

describe('reading npm audit output', () => {
  it('lists each advisory once, from the package that has it, not from its dependents', () => {
    const out = readAuditOutput(sample);
    expect(out.kind).toBe('report');
    if (out.kind !== 'report') return;
    expect(out.findings.map((f) => [f.id, f.package, f.severity])).toEqual([
      ['GHSA-8888-9999-cccc', 'crit', 'critical'],
      ['GHSA-5555-6666-7777', 'minor', 'moderate'],
      ['GHSA-2222-3333-4444', 'tarpit', 'high'],
    ]);
    expect(out.findings[0]?.nodes).toEqual(['node_modules/crit', 'operator/node_modules/crit']);
  });

  it('says the audit did not happen when the registry has no audit endpoint (405), instead of passing', () => {
    const npm405 = JSON.stringify({
      message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      statusCode: 405,
    });
    expect(readAuditOutput(npm405)).toEqual({
      kind: 'unavailable',
      reason: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
    });
  });

  it('says the audit did not happen when npm prints no JSON at all', () => {
    const out = readAuditOutput('', 'npm error code ENOTFOUND\nnpm error request to registry failed');
    expect(out).toEqual({
      kind: 'unavailable',
      reason: 'npm audit printed no report (npm error request to registry failed)',
    });
  });

  it('a clean report has no findings', () => {
    expect(readAuditOutput(report({}))).toEqual({ kind: 'report', findings: [] });
  });
});

describe('the gate', () => {
  const findings = (() => {
    const out = readAuditOutput(sample);
    return out.kind === 'report' ? out.findings : [];
  })();

  it('fails on high and critical findings and only reports moderate ones', () => {
    const v = judge(findings, [], today);
    expect(v.failing.map((f) => f.package)).toEqual(['crit', 'tarpit']);
    expect(v.lower.map((f) => f.package)).toEqual(['minor']);
  });

  it('an exception for the advisory and package lets it pass until its expiry day, inclusive', () => {
    const e = exception('GHSA-2222-3333-4444', 'tarpit', today);
    const v = judge(findings, [e], today);
    expect(v.failing.map((f) => f.package)).toEqual(['crit']);
    expect(v.excepted).toEqual([{ finding: expect.objectContaining({ package: 'tarpit' }), exception: e }]);
  });

  it('an expired exception fails again and is named as expired', () => {
    const e = exception('GHSA-2222-3333-4444', 'tarpit', '2026-12-01');
    const v = judge(findings, [e], today);
    expect(v.failing.map((f) => f.package)).toEqual(['crit', 'tarpit']);
    expect(v.expired.map((x) => x.exception)).toEqual([e]);
  });

  it('an exception for the same advisory in another package does not cover it', () => {
    const v = judge(findings, [exception('GHSA-2222-3333-4444', 'wrapper', '2027-01-01')], today);
    expect(v.failing.map((f) => f.package)).toEqual(['crit', 'tarpit']);
    expect(v.unused.map((e) => e.package)).toEqual(['wrapper']);
  });

  it('reports exceptions that match nothing any more, so they get removed', () => {
    const stale = exception('GHSA-aaaa-bbbb-cccc', 'gone', '2027-01-01');
    expect(judge([], [stale], today).unused).toEqual([stale]);
  });
});

describe('the exceptions file', () => {
  it('accepts a complete, dated entry and normalises the id', () => {
    const { exceptions, errors } = parseExceptions(
      { exceptions: [{ ...exception('ghsa-2222-3333-4444', 'tarpit', '2027-01-15') }] },
      today,
    );
    expect(errors).toEqual([]);
    expect(exceptions[0]?.id).toBe('GHSA-2222-3333-4444');
  });

  it('rejects entries without a reason, with a bad date or an expiry too far away, naming each', () => {
    const { exceptions, errors } = parseExceptions(
      {
        exceptions: [
          { id: 'GHSA-2222-3333-4444', package: 'tarpit', reason: 'later', expires: '2027-01-15' },
          { id: 'GHSA-2222-3333-4444', package: 'tarpit', reason: exception('', '', '').reason, expires: '2027-02-30' },
          { id: 'GHSA-2222-3333-4444', package: 'tarpit', reason: exception('', '', '').reason, expires: '2027-12-31' },
          { id: 'CVE-2026-1234', package: 'tarpit', reason: exception('', '', '').reason, expires: '2027-01-15' },
        ],
      },
      today,
    );
    expect(exceptions).toEqual([]);
    expect(errors).toEqual([
      expect.stringMatching(/^exceptions\[0\] \(GHSA-2222-3333-4444\): "reason"/),
      expect.stringMatching(/^exceptions\[1\] .*"expires" must be a date/),
      expect.stringMatching(/^exceptions\[2\] .*more than 180 days away/),
      expect.stringMatching(/^exceptions\[3\] .*"id" must be a GHSA id/),
    ]);
  });

  it('rejects a file without an exceptions array', () => {
    expect(parseExceptions({}, today).errors).toEqual(['it must be an object with an "exceptions" array']);
  });
});
