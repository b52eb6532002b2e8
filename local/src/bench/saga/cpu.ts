// CPU accounting over a measurement window, from two snapshots of /proc (pure: unit-tested).
//
// A PostgreSQL server is a tree whose backends come and go. Summing utime+stime+cutime+cstime
// over every live process of the tree counts each exited member too, because its parent waited
// for it and so carries its CPU in cutime/cstime: a backend that lived only inside the window
// shows up in the postmaster's cutime at the end, one that lived across the start is counted in
// full at the end and partly at the start. The difference of the two sums is the tree's CPU in
// the window.
import type { MachineCpu, ProcStat } from './procfs.js';

/** A process whose CPU is reported: its own (`self`) or with every descendant (`tree`). */
export interface Tracked {
  name: string;
  pid: number;
  scope: 'self' | 'tree';
}

export interface GroupSample {
  name: string;
  pid: number;
  /** With the pid, tells a restarted process (same name, new pid or start time) from the old one. */
  startTime: number;
  ticks: number;
  rssPages: number;
  /** Processes summed (1 for `self`). */
  processes: number;
  pids: number[];
}

/** Every process below `pid` in `all` (by ppid), the process itself first. */
export function descendants(all: ProcStat[], pid: number): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const p of all) {
    const siblings = children.get(p.ppid);
    if (siblings) siblings.push(p);
    else children.set(p.ppid, [p]);
  }
  const root = all.find((p) => p.pid === pid);
  if (!root) return [];
  const out: ProcStat[] = [];
  const queue = [root];
  for (let p = queue.shift(); p; p = queue.shift()) {
    out.push(p);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return out;
}

/** The tracked process's CPU ticks so far and resident memory, from one snapshot; null when it is gone. */
export function sampleGroup(all: ProcStat[], tracked: Tracked): GroupSample | null {
  const members = tracked.scope === 'tree' ? descendants(all, tracked.pid) : all.filter((p) => p.pid === tracked.pid);
  const root = members[0];
  if (!root) return null;
  const ticks =
    tracked.scope === 'tree'
      ? members.reduce((n, p) => n + p.utime + p.stime + p.cutime + p.cstime, 0)
      : root.utime + root.stime; // `self`: its children are reported on their own
  return {
    name: tracked.name,
    pid: root.pid,
    startTime: root.startTime,
    ticks,
    rssPages: members.reduce((n, p) => n + p.rssPages, 0),
    processes: members.length,
    pids: members.map((p) => p.pid),
  };
}

export interface GroupDelta {
  ticks: number;
  /**
   * The process at the end is not the one at the start (it crashed and was restarted, or was gone
   * at the end): the figure holds only what the live one used, so it is a lower bound.
   */
  partial: boolean;
}

export function groupDelta(start: GroupSample | null, end: GroupSample | null): GroupDelta {
  if (!start || !end) return { ticks: end?.ticks ?? 0, partial: true };
  if (start.pid !== end.pid || start.startTime !== end.startTime) return { ticks: end.ticks, partial: true };
  return { ticks: Math.max(0, end.ticks - start.ticks), partial: false };
}

export interface CostInput {
  clockTicks: number;
  machine: { start: MachineCpu; end: MachineCpu };
  /** The load generator's CPU in the window, in ticks (k6 runs inside the window only). */
  loadGeneratorTicks: number;
  groups: { name: string; start: GroupSample | null; end: GroupSample | null }[];
  /** Orders that reached SHIPPED in the window: the divisor of every per-order figure. */
  shipped: number;
}

export interface ProcessCost {
  cpuMs: number;
  perOrderMs: number | null;
  /** Of machine-wide CPU without the load generator. */
  share: number | null;
  partial: boolean;
}

export interface CostFigures {
  machineMs: number;
  loadGeneratorMs: number;
  /** Machine-wide busy CPU minus the load generator's own: what the platform cost. */
  machineMinusLoadMs: number;
  perOrderMs: number | null;
  stealMs: number;
  processes: Record<string, ProcessCost>;
  /** Sum over the tracked processes. */
  trackedMs: number;
  trackedPerOrderMs: number | null;
  /** Machine-wide minus load generator minus tracked: kernel work, other jobs on the machine. */
  unattributedMs: number;
}

export function costFigures(input: CostInput): CostFigures {
  const ms = (ticks: number) => (ticks * 1000) / input.clockTicks;
  const perOrder = (value: number) => (input.shipped > 0 ? value / input.shipped : null);
  const machineMs = ms(input.machine.end.busy - input.machine.start.busy);
  const loadGeneratorMs = ms(input.loadGeneratorTicks);
  const machineMinusLoadMs = Math.max(0, machineMs - loadGeneratorMs);
  const processes: Record<string, ProcessCost> = {};
  let trackedMs = 0;
  for (const group of input.groups) {
    const delta = groupDelta(group.start, group.end);
    const cpuMs = ms(delta.ticks);
    trackedMs += cpuMs;
    processes[group.name] = {
      cpuMs,
      perOrderMs: perOrder(cpuMs),
      share: machineMinusLoadMs > 0 ? cpuMs / machineMinusLoadMs : null,
      partial: delta.partial,
    };
  }
  return {
    machineMs,
    loadGeneratorMs,
    machineMinusLoadMs,
    perOrderMs: perOrder(machineMinusLoadMs),
    stealMs: ms(input.machine.end.steal - input.machine.start.steal),
    processes,
    trackedMs,
    trackedPerOrderMs: perOrder(trackedMs),
    unattributedMs: machineMinusLoadMs - trackedMs,
  };
}

export interface UntrackedCpu {
  comm: string;
  ticks: number;
  processes: number;
}

/**
 * CPU of the processes outside the measured stack, by command name, largest first: what the
 * machine-wide figure holds beside the stack (another job's compiler, a test run). Approximate: a
 * process counts with its reaped children, one born in the window counts in full, one that
 * exited in the window is missing unless its parent reaped it.
 */
export function untrackedCpu(start: ProcStat[], end: ProcStat[], exclude: Set<number>): UntrackedCpu[] {
  const total = (p: ProcStat) => p.utime + p.stime + p.cutime + p.cstime;
  const before = new Map(start.map((p) => [`${p.pid}/${p.startTime}`, total(p)]));
  const byComm = new Map<string, UntrackedCpu>();
  for (const p of end) {
    if (exclude.has(p.pid)) continue;
    const ticks = total(p) - (before.get(`${p.pid}/${p.startTime}`) ?? 0);
    if (ticks <= 0) continue;
    const entry = byComm.get(p.comm) ?? { comm: p.comm, ticks: 0, processes: 0 };
    entry.ticks += ticks;
    entry.processes += 1;
    byComm.set(p.comm, entry);
  }
  return [...byComm.values()].sort((a, b) => b.ticks - a.ticks);
}
