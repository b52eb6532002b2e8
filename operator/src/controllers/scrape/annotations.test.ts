import { describe, expect, it } from 'vitest';
import { isScrapeLabelled, parseScrapeAnnotations } from './annotations.js';

describe('parseScrapeAnnotations', () => {
  it.each([
    ['no annotations: the port named http, /metrics, every 30s', undefined, { name: 'http' }, '/metrics', '30s'],
    ['a port name', { 'ecom.dev/scrape-port': 'metrics' }, { name: 'metrics' }, '/metrics', '30s'],
    ['a port number', { 'ecom.dev/scrape-port': '9100' }, { number: 9100 }, '/metrics', '30s'],
    ['surrounding spaces are trimmed', { 'ecom.dev/scrape-port': ' web ' }, { name: 'web' }, '/metrics', '30s'],
    ['an empty value means the default', { 'ecom.dev/scrape-path': '' }, { name: 'http' }, '/metrics', '30s'],
    [
      'path and interval',
      { 'ecom.dev/scrape-path': '/prometheus/metrics', 'ecom.dev/scrape-interval': '1m30s' },
      { name: 'http' },
      '/prometheus/metrics',
      '1m30s',
    ],
    ['milliseconds', { 'ecom.dev/scrape-interval': '500ms' }, { name: 'http' }, '/metrics', '500ms'],
  ])('%s', (_name, annotations, port, path, interval) => {
    expect(parseScrapeAnnotations(annotations)).toEqual({ ok: true, settings: { port, path, interval } });
  });

  it.each([
    ['port 0', { 'ecom.dev/scrape-port': '0' }, 'ecom.dev/scrape-port 0 is not a port number (1-65535)'],
    ['port 70000', { 'ecom.dev/scrape-port': '70000' }, 'ecom.dev/scrape-port 70000 is not a port number'],
    ['an upper-case name', { 'ecom.dev/scrape-port': 'HTTP' }, 'ecom.dev/scrape-port "HTTP" is neither'],
    ['a name of 16 characters', { 'ecom.dev/scrape-port': 'abcdefghijklmnop' }, 'is neither a port number'],
    ['a name with --', { 'ecom.dev/scrape-port': 'a--b' }, 'is neither a port number'],
    ['a name of digits and -', { 'ecom.dev/scrape-port': '80-80' }, 'is neither a port number'],
    ['a relative path', { 'ecom.dev/scrape-path': 'metrics' }, 'ecom.dev/scrape-path "metrics" must be an HTTP path'],
    ['a path with a query', { 'ecom.dev/scrape-path': '/metrics?x=1' }, 'no spaces, query or fragment'],
    ['an interval without unit', { 'ecom.dev/scrape-interval': '30' }, 'ecom.dev/scrape-interval "30" must be'],
    ['a zero interval', { 'ecom.dev/scrape-interval': '0m0s' }, 'a Prometheus duration above zero'],
    ['a Go-style interval', { 'ecom.dev/scrape-interval': '1.5m' }, 'a Prometheus duration above zero'],
  ])('refuses %s with a message naming the annotation', (_name, annotations, message) => {
    const r = parseScrapeAnnotations(annotations);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join('\n')).toContain(message);
  });

  it('reports every bad annotation at once', () => {
    const r = parseScrapeAnnotations({
      'ecom.dev/scrape-port': 'Bad_Port',
      'ecom.dev/scrape-path': 'x',
      'ecom.dev/scrape-interval': 'soon',
    });
    expect(r.ok ? [] : r.problems).toHaveLength(3);
  });
});

describe('isScrapeLabelled', () => {
  it.each([
    [{ 'ecom.dev/scrape': 'true' }, true],
    [{ 'ecom.dev/scrape': 'false' }, false],
    [{ 'ecom.dev/scrape': 'True' }, false],
    [{}, false],
    [undefined, false],
  ])('%j -> %s', (labels, expected) => {
    expect(isScrapeLabelled(labels)).toBe(expected);
  });
});
