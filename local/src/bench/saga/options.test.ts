import { describe, expect, it } from 'vitest';
import { durationSeconds, parseOptions } from './options.js';

const ok = (argv: string[]) => {
  const parsed = parseOptions(argv);
  if (!('options' in parsed)) throw new Error(`expected options, got ${JSON.stringify(parsed)}`);
  return parsed.options;
};
const error = (argv: string[]) => {
  const parsed = parseOptions(argv);
  if (!('error' in parsed)) throw new Error(`expected an error for ${argv.join(' ')}`);
  return parsed.error;
};

describe('parseOptions', () => {
  it('defaults to the issue: 250/s and 32 closed-loop clients for 30 s, the five-rate curve, two-line orders', () => {
    expect(ok([])).toMatchObject({
      rate: 250,
      durationSeconds: 30,
      closedVus: 32,
      curve: [100, 250, 500, 1000, 2000],
      curveDurationSeconds: 20,
      lines: 2,
      skipRaw: false,
      useRunning: false,
    });
  });

  it('reads the short verification run', () => {
    const o = ok(['--duration', '15s', '--curve', '250,100', '--curve-duration', '10s', '--skip-raw']);
    expect(o).toMatchObject({ durationSeconds: 15, curve: [100, 250], curveDurationSeconds: 10, skipRaw: true });
  });

  it('takes --curve none and 0 to skip phases', () => {
    expect(ok(['--curve', 'none', '--closed-vus', '0', '--idle', '0'])).toMatchObject({
      curve: [],
      closedVus: 0,
      idleSeconds: 0,
    });
  });

  it('names the option and the form it takes when a value is wrong', () => {
    expect(error(['--rate', 'fast'])).toMatch(/--rate must be a whole number ≥ 0, got 'fast'/);
    expect(error(['--duration', '30'])).toMatch(/--duration must be a k6 duration like 20s/);
    expect(error(['--curve', '100,abc'])).toMatch(/--curve takes rates ≥ 1 .* got 'abc'/);
    expect(error(['--lines', '0'])).toMatch(/--lines must be a whole number ≥ 1/);
    expect(error(['--lines', '5', '--products', '3'])).toMatch(/--lines \(5\) must not exceed --products \(3\)/);
  });

  it('refuses unknown options and a run with nothing to measure', () => {
    expect(error(['--rates', '5'])).toMatch(/Unknown option '--rates'.*see --help/);
    expect(error(['--rate', '0', '--closed-vus', '0', '--curve', 'none'])).toMatch(/nothing to measure/);
  });

  it('reports help', () => {
    expect(parseOptions(['-h'])).toEqual({ help: true });
  });
});

describe('durationSeconds', () => {
  it('reads k6 durations', () => {
    expect(durationSeconds('1m30s')).toBe(90);
    expect(durationSeconds('500ms')).toBe(0.5);
    expect(durationSeconds('2h')).toBe(7200);
  });
  it('is null for anything else', () => {
    expect(durationSeconds('30')).toBeNull();
    expect(durationSeconds('30s ')).toBeNull();
    expect(durationSeconds('0s')).toBeNull();
  });
});
