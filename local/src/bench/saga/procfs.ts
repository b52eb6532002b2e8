// Reading /proc: CPU ticks and memory of processes, the machine's busy time, and which process
// listens on a TCP port. The parsers are pure (unit-tested on captured text); the readers beside
// them do the I/O. Linux only, like the rest of the one-machine stack.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One process as /proc/<pid>/stat shows it; CPU fields in clock ticks (USER_HZ). */
export interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** Ticks since boot when the process started: with the pid, its identity (pids are reused). */
  startTime: number;
  utime: number;
  stime: number;
  /** CPU of waited-for children that exited (and, recursively, of theirs). */
  cutime: number;
  cstime: number;
  rssPages: number;
}

/** Parses /proc/<pid>/stat. The command name may hold spaces and parentheses, so fields count from the last ')'. */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  // rest[0] is field 3 (state), so field n of proc(5) is rest[n - 3].
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const field = (n: number) => Number(rest[n - 3]);
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    ppid: field(4),
    utime: field(14),
    stime: field(15),
    cutime: field(16),
    cstime: field(17),
    startTime: field(22),
    rssPages: field(24),
  };
}

/** Machine-wide CPU from the first line of /proc/stat, in ticks. */
export interface MachineCpu {
  /** user + nice + system + irq + softirq: time the CPUs worked (guest time is inside user). */
  busy: number;
  /** idle + iowait: time they had nothing to run. */
  idle: number;
  /** Time the hypervisor ran someone else: neither ours nor idle, reported apart. */
  steal: number;
}

export function parseMachineCpu(procStat: string): MachineCpu {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no aggregate "cpu " line in /proc/stat');
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal };
}

/**
 * Socket inodes listening on `port`, from /proc/net/tcp or tcp6 text: rows in state 0A (LISTEN)
 * whose local address ends in the port (hex).
 */
export function listeningInodes(netTcp: string, port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return netTcp
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols[3] === '0A' && cols[1]?.endsWith(`:${hexPort}`))
    .map((cols) => cols[9] ?? '')
    .filter((inode) => inode !== '' && inode !== '0');
}

/** Proportional set size (shared pages split among their sharers) from /proc/<pid>/smaps_rollup, in kB. */
export function parsePssKb(smapsRollup: string): number | null {
  const match = /^Pss:\s+(\d+) kB/m.exec(smapsRollup);
  return match?.[1] ? Number(match[1]) : null;
}

// --- I/O ---------------------------------------------------------------------------------------

const readText = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // the process exited meanwhile, or the file is not readable
  }
};

const getconf = (name: string, fallback: number): number => {
  try {
    return Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim()) || fallback;
  } catch {
    return fallback;
  }
};

/** USER_HZ, the unit of every tick above (100 on Linux nearly everywhere). */
export const CLOCK_TICKS = getconf('CLK_TCK', 100);
export const PAGE_BYTES = getconf('PAGESIZE', 4096);

export function readProcStat(pid: number): ProcStat | null {
  const text = readText(`/proc/${pid}/stat`);
  return text === null ? null : parseProcStat(text);
}

export function readMachineCpu(): MachineCpu {
  return parseMachineCpu(readFileSync('/proc/stat', 'utf8'));
}

export function readPssKb(pid: number): number | null {
  const text = readText(`/proc/${pid}/smaps_rollup`);
  return text === null ? null : parsePssKb(text);
}

export function readCmdline(pid: number): string {
  return (readText(`/proc/${pid}/cmdline`) ?? '').replaceAll('\0', ' ').trim();
}

/** Every process now (a snapshot; processes may exit while it is taken). */
export function readAllProcesses(): ProcStat[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcStat(Number(name)))
    .filter((p): p is ProcStat => p !== null);
}

/**
 * The process that holds a listening socket on each port (IPv4 or IPv6), found through the socket
 * inodes in /proc/net/tcp{,6} and the fd links of every process. Ports nobody listens on (or whose
 * owner this user may not inspect) are absent.
 */
export function pidsListeningOn(ports: number[]): Map<number, number> {
  const tables = ['/proc/net/tcp', '/proc/net/tcp6'].map((p) => readText(p) ?? '').join('\n');
  const portOf = new Map<string, number>();
  for (const port of ports) for (const inode of listeningInodes(tables, port)) portOf.set(`socket:[${inode}]`, port);
  const found = new Map<number, number>();
  if (portOf.size === 0) return found;
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${name}/fd/${fd}`);
      } catch {
        continue;
      }
      const port = portOf.get(target);
      if (port !== undefined && !found.has(port)) found.set(port, Number(name));
    }
  }
  return found;
}
