import { describe, expect, it } from 'vitest';
import { costFigures, descendants, type GroupSample, groupDelta, sampleGroup, untrackedCpu } from './cpu.js';
import type { ProcStat } from './procfs.js';

const proc = (pid: number, ppid: number, ticks: Partial<ProcStat> = {}): ProcStat => ({
  pid,
  ppid,
  comm: `p${pid}`,
  startTime: pid * 10,
  utime: 0,
  stime: 0,
  cutime: 0,
  cstime: 0,
  rssPages: 100,
  ...ticks,
});

const postgres = { name: 'postgres', pid: 10, scope: 'tree' as const };

describe('descendants', () => {
  it('walks the whole tree below a process and nothing beside it', () => {
    const all = [proc(1, 0), proc(10, 1), proc(11, 10), proc(12, 10), proc(13, 12), proc(20, 1)];
    expect(descendants(all, 10).map((p) => p.pid)).toEqual([10, 11, 12, 13]);
  });
  it('is empty when the process is gone', () => {
    expect(descendants([proc(1, 0)], 10)).toEqual([]);
  });
});

describe('a PostgreSQL tree over a window', () => {
  it('counts a backend that lived only inside the window, through the postmaster cutime', () => {
    const start = sampleGroup([proc(10, 1, { utime: 50 }), proc(11, 10, { utime: 5 })], postgres);
    // Backend 12 was born, used 30 + 10 ticks and was reaped; 11 kept working.
    const end = sampleGroup([proc(10, 1, { utime: 52, cutime: 30, cstime: 10 }), proc(11, 10, { utime: 8 })], postgres);
    expect(groupDelta(start, end)).toEqual({ ticks: 2 + 40 + 3, partial: false });
  });

  it('counts a backend alive at the start and gone at the end only for its share inside the window', () => {
    const start = sampleGroup([proc(10, 1), proc(11, 10, { utime: 100, stime: 20 })], postgres);
    // 11 used 15 more ticks, then exited: its whole 135 moved into the postmaster's cutime/cstime.
    const end = sampleGroup([proc(10, 1, { cutime: 110, cstime: 25 })], postgres);
    expect(groupDelta(start, end).ticks).toBe(15);
  });

  it('counts a backend born in the window and still alive in full', () => {
    const start = sampleGroup([proc(10, 1)], postgres);
    const end = sampleGroup([proc(10, 1), proc(14, 10, { utime: 7, stime: 2 })], postgres);
    expect(groupDelta(start, end).ticks).toBe(9);
  });

  it('sums resident pages over the tree', () => {
    const s = sampleGroup([proc(10, 1), proc(11, 10), proc(99, 1)], postgres);
    expect(s).toMatchObject({ rssPages: 200, processes: 2, pids: [10, 11] });
  });
});

describe('groupDelta', () => {
  const sample = (over: Partial<GroupSample>): GroupSample => ({
    name: 'order',
    pid: 5,
    startTime: 50,
    ticks: 0,
    rssPages: 0,
    processes: 1,
    pids: [5],
    ...over,
  });

  it('marks a restarted process (same pid, new start time) as partial and counts only the new one', () => {
    expect(groupDelta(sample({ ticks: 500 }), sample({ startTime: 900, ticks: 40 }))).toEqual({
      ticks: 40,
      partial: true,
    });
  });

  it('marks a process gone at the end as partial', () => {
    expect(groupDelta(sample({ ticks: 500 }), null)).toEqual({ ticks: 0, partial: true });
  });

  it('a `self` process does not count its children', () => {
    const start = sampleGroup([proc(5, 1, { utime: 10, cutime: 1000 })], { name: 'h', pid: 5, scope: 'self' });
    const end = sampleGroup([proc(5, 1, { utime: 12, cutime: 5000 }), proc(6, 5, { utime: 99 })], {
      name: 'h',
      pid: 5,
      scope: 'self',
    });
    expect(groupDelta(start, end).ticks).toBe(2);
  });
});

describe('costFigures', () => {
  const sample = (name: string, ticks: number): GroupSample => ({
    name,
    pid: 1,
    startTime: 1,
    ticks,
    rssPages: 0,
    processes: 1,
    pids: [1],
  });

  const figures = costFigures({
    clockTicks: 100,
    machine: { start: { busy: 1000, idle: 0, steal: 0 }, end: { busy: 1600, idle: 0, steal: 4 } },
    loadGeneratorTicks: 100,
    groups: [
      { name: 'order', start: sample('order', 0), end: sample('order', 200) },
      { name: 'postgres', start: sample('postgres', 50), end: sample('postgres', 250) },
    ],
    shipped: 100,
  });

  it('subtracts the load generator from the machine-wide busy time and divides by shipped orders', () => {
    // 600 ticks busy = 6000 ms, k6 used 1000 ms: the platform cost 5000 ms for 100 orders.
    expect(figures).toMatchObject({ machineMs: 6000, loadGeneratorMs: 1000, machineMinusLoadMs: 5000, perOrderMs: 50 });
    expect(figures.stealMs).toBe(40);
  });

  it('reports each process, its share, and what no tracked process explains', () => {
    expect(figures.processes.order).toEqual({ cpuMs: 2000, perOrderMs: 20, share: 0.4, partial: false });
    expect(figures.processes.postgres?.cpuMs).toBe(2000);
    expect(figures.trackedMs).toBe(4000);
    expect(figures.trackedPerOrderMs).toBe(40);
    expect(figures.unattributedMs).toBe(1000);
  });

  it('has no per-order figure when nothing shipped', () => {
    const none = costFigures({
      clockTicks: 100,
      machine: { start: { busy: 0, idle: 0, steal: 0 }, end: { busy: 100, idle: 0, steal: 0 } },
      loadGeneratorTicks: 0,
      groups: [{ name: 'order', start: sample('order', 0), end: sample('order', 10) }],
      shipped: 0,
    });
    expect(none.perOrderMs).toBeNull();
    expect(none.processes.order?.perOrderMs).toBeNull();
  });
});

describe('untrackedCpu', () => {
  it('sums what other processes used in the window by command, largest first, leaving out the excluded', () => {
    const start = [proc(1, 0, { utime: 5 }), proc(30, 1, { comm: 'tsc', utime: 100 }), proc(40, 1, { utime: 50 })];
    const end = [
      proc(1, 0, { utime: 5 }), // idle: left out
      proc(30, 1, { comm: 'tsc', utime: 400 }),
      proc(31, 1, { comm: 'tsc', utime: 100 }), // born in the window: in full
      proc(40, 1, { utime: 90 }), // excluded (a stack process)
      proc(50, 1, { comm: 'node', utime: 20, cutime: 30 }),
    ];
    expect(untrackedCpu(start, end, new Set([40]))).toEqual([
      { comm: 'tsc', ticks: 400, processes: 2 },
      { comm: 'node', ticks: 50, processes: 1 },
    ]);
  });

  it('tells a reused pid from the process it had at the start', () => {
    const start = [proc(30, 1, { comm: 'old', utime: 900 })];
    const end = [{ ...proc(30, 1, { comm: 'new', utime: 10 }), startTime: 12345 }];
    expect(untrackedCpu(start, end, new Set())).toEqual([{ comm: 'new', ticks: 10, processes: 1 }]);
  });
});
