import { describe, expect, it } from 'vitest';
import { escapeXml } from '../../xml.js';
import { type CurvePoint, curveSvg, logTicks, niceCeiling } from './svg.js';

const point = (offeredRate: number, over: Partial<CurvePoint> = {}): CurvePoint => ({
  offeredRate,
  acceptedPerSec: offeredRate,
  cpuMsPerOrder: 20,
  stackCpuMsPerOrder: 18,
  httpP99Ms: 50,
  sagaConfirmedP99Ms: 800,
  sagaShippedP99Ms: 1500,
  ...over,
});

const count = (svg: string, pattern: RegExp) => svg.match(pattern)?.length ?? 0;

describe('curveSvg', () => {
  const svg = curveSvg({
    title: 'Saga cost curve: AMD EPYC <2 cores> & co',
    subtitle: '2026-12-02',
    points: [point(100), point(250), point(500, { acceptedPerSec: 290 })],
  });

  it('is one SVG document with the title escaped', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('AMD EPYC &lt;2 cores&gt; &amp; co');
    expect(svg).not.toContain('<2 cores>');
  });

  it('draws a point per rate for each of the five series and a line through each', () => {
    expect(count(svg, /<circle class="point"/g)).toBe(3 * 5);
    expect(count(svg, /<polyline class="series"/g)).toBe(5);
  });

  it('labels both axes of both panels and the accepted rate at each point', () => {
    expect(svg).toContain('CPU-ms per order');
    expect(svg).toContain('p99 (log scale)');
    expect(count(svg, /offered orders\/s/g)).toBe(2);
    expect(svg).toContain('290/s acc.');
  });

  it('places a higher CPU cost higher in the panel', () => {
    const twoPoints = curveSvg({
      title: 't',
      subtitle: 's',
      points: [point(100, { cpuMsPerOrder: 5 }), point(1000, { cpuMsPerOrder: 40 })],
    });
    const ys = [...twoPoints.matchAll(/<circle class="point" cx="[\d.]+" cy="([\d.]+)" r="3.5" fill="#1f77b4"/g)].map(
      (m) => Number(m[1]),
    );
    expect(ys).toHaveLength(2);
    expect(ys[1]).toBeLessThan(ys[0] ?? 0); // SVG y grows downwards
  });

  it('leaves out a value that was not measured instead of drawing it at zero', () => {
    const gaps = curveSvg({
      title: 't',
      subtitle: 's',
      points: [point(100), point(2000, { cpuMsPerOrder: null, stackCpuMsPerOrder: null, sagaShippedP99Ms: null })],
    });
    expect(count(gaps, /<circle class="point"/g)).toBe(5 + 2);
    expect(gaps).not.toContain('NaN');
    expect(gaps).not.toContain('Infinity');
  });

  it('draws a single point without a line and without NaN', () => {
    const one = curveSvg({ title: 't', subtitle: 's', points: [point(250)] });
    expect(count(one, /<circle class="point"/g)).toBe(5);
    expect(count(one, /<polyline/g)).toBe(0);
    expect(one).not.toContain('NaN');
  });
});

describe('axis helpers', () => {
  it('logTicks spans the range with 1-2-5 steps', () => {
    expect(logTicks(30, 700)).toEqual([20, 50, 100, 200, 500, 1000]);
    expect(logTicks(100, 100)).toEqual([100]);
  });

  it('niceCeiling rounds up to a 1-2-5 step', () => {
    expect(niceCeiling(24.9)).toBe(50);
    expect(niceCeiling(2)).toBe(2);
    expect(niceCeiling(0)).toBe(1);
  });

  it('escapeXml escapes markup and quotes', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});
