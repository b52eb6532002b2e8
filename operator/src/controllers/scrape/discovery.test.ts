import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { changedKinds, MonitorDiscovery } from './discovery.js';
import type { ServedMonitors } from './monitors.js';

const none: ServedMonitors = { PodMonitor: false, ServiceMonitor: false };
const both: ServedMonitors = { PodMonitor: true, ServiceMonitor: true };

function discovery(results: ServedMonitors[]) {
  const changes: [ServedMonitors, ServedMonitors | undefined][] = [];
  let checks = 0;
  const d = new MonitorDiscovery({
    check: async () => results[Math.min(checks++, results.length - 1)] as ServedMonitors,
    intervalMs: 60_000,
    onChange: (served, previous) => {
      changes.push([served, previous]);
    },
    logger: pino({ level: 'silent' }),
  });
  return { d, changes, checks: () => checks };
}

describe('changedKinds', () => {
  it.each([
    [none, undefined, ['PodMonitor', 'ServiceMonitor']],
    [none, none, []],
    [both, none, ['PodMonitor', 'ServiceMonitor']],
    [{ PodMonitor: false, ServiceMonitor: true }, none, ['ServiceMonitor']],
  ] as const)('%j after %j -> %j', (served, previous, kinds) => {
    expect(changedKinds(served, previous)).toEqual(kinds);
  });
});

describe('MonitorDiscovery', () => {
  it('checks once when first asked and then answers from the last result', async () => {
    const { d, checks } = discovery([none]);
    expect(await d.current()).toEqual(none);
    expect(await d.current()).toEqual(none);
    expect(checks()).toBe(1);
  });

  it('tells about the first result and about changes only', async () => {
    const { d, changes } = discovery([none, none, both]);
    await d.recheck();
    await d.recheck();
    await d.recheck();
    expect(changes).toEqual([
      [none, undefined],
      [both, none],
    ]);
    expect(await d.current()).toEqual(both);
  });

  it('shares one request between concurrent re-checks', async () => {
    const { d, checks } = discovery([both]);
    await Promise.all([d.recheck(), d.recheck(), d.current()]);
    expect(checks()).toBe(1);
  });

  it('a failed check throws to the caller and leaves no result behind', async () => {
    let fail = true;
    const d = new MonitorDiscovery({
      check: async () => {
        if (fail) throw new Error('API server unreachable');
        return both;
      },
      intervalMs: 60_000,
      onChange: () => undefined,
      logger: pino({ level: 'silent' }),
    });
    await expect(d.current()).rejects.toThrow('API server unreachable');
    fail = false;
    expect(await d.current()).toEqual(both);
  });
});

describe('MonitorDiscovery after stop', () => {
  it('a result that arrives after stop() changes nothing downstream', async () => {
    const { d, changes } = discovery([both]);
    d.stop();
    await d.recheck();
    expect(changes).toEqual([]);
  });
});
