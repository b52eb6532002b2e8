import { describe, expect, it } from 'vitest';
import { faultInjector, InjectedFault, parseFaults } from './faults.js';

describe('parseFaults', () => {
  it('reads points, rates and modes', () => {
    const rules = parseFaults('after-db-commit-before-publish:0.05, after-external-call:1:fail');
    expect([...rules]).toEqual([
      ['after-db-commit-before-publish', { rate: 0.05, mode: 'crash' }],
      ['after-external-call', { rate: 1, mode: 'fail' }],
    ]);
    expect(parseFaults(undefined).size).toBe(0);
    expect(parseFaults(' ').size).toBe(0);
  });

  it.each([
    ['no-such-point:0.1', /unknown fault point "no-such-point"/],
    ['handler-mid-batch', /expected <point>:<rate/],
    ['handler-mid-batch:0', /expected <point>:<rate/],
    ['handler-mid-batch:2', /expected <point>:<rate/],
    ['handler-mid-batch:0.1:explode', /mode must be crash or fail/],
  ])('rejects %s', (spec, message) => {
    expect(() => parseFaults(spec)).toThrow(message);
  });
});

describe('faultInjector', () => {
  it('fires only armed points, at the given rate', () => {
    const rolls = [0.01, 0.5];
    const faults = faultInjector(parseFaults('handler-mid-batch:0.1:fail'), { random: () => rolls.shift() ?? 1 });
    expect(() => faults.at('after-external-call')).not.toThrow();
    expect(() => faults.at('handler-mid-batch')).toThrow(InjectedFault);
    expect(() => faults.at('handler-mid-batch')).not.toThrow();
  });

  it('crashes in crash mode', () => {
    const crashed: string[] = [];
    const faults = faultInjector(parseFaults('before-external-call:1'), {
      random: () => 0,
      crash: (point) => {
        crashed.push(point);
        throw new Error('crashed');
      },
    });
    expect(() => faults.at('before-external-call')).toThrow('crashed');
    expect(crashed).toEqual(['before-external-call']);
  });
});
