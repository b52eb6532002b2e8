import { describe, expect, it } from 'vitest';
import { listeningInodes, parseMachineCpu, parseProcStat, parsePssKb } from './procfs.js';

// Field 3 onwards of a real line; utime 14, stime 15, cutime 16, cstime 17, starttime 22, rss 24.
const statOf = (pid: number, comm: string, f: Partial<Record<number, number>>) => {
  const fields = Array.from({ length: 52 - 2 }, (_, i) => String(f[i + 3] ?? 0));
  fields[0] = 'S';
  return `${pid} (${comm}) ${fields.join(' ')}\n`;
};

describe('parseProcStat', () => {
  it('reads the CPU, identity and memory fields of a real line', () => {
    const line =
      '12077 (cat) R 12075 12075 2261 0 -1 4194304 96 0 0 0 7 3 2 1 20 0 1 0 79272 3133440 381 18446744073709551615 0 0 0 0';
    expect(parseProcStat(line)).toEqual({
      pid: 12077,
      comm: 'cat',
      ppid: 12075,
      utime: 7,
      stime: 3,
      cutime: 2,
      cstime: 1,
      startTime: 79272,
      rssPages: 381,
    });
  });

  it('counts fields from the last parenthesis, so a command name with spaces and ) does not shift them', () => {
    const p = parseProcStat(statOf(42, 'postgres: ecom ecom 127.0.0.1(5) idle', { 4: 7, 14: 11, 15: 5, 22: 999 }));
    expect(p).toMatchObject({ pid: 42, ppid: 7, utime: 11, stime: 5, startTime: 999 });
    expect(p.comm).toBe('postgres: ecom ecom 127.0.0.1(5) idle');
  });

  it('refuses text that is no stat line', () => {
    expect(() => parseProcStat('nothing here')).toThrow(/not a \/proc/);
  });
});

describe('parseMachineCpu', () => {
  it('counts user, nice, system, irq and softirq as busy; idle and iowait as idle; steal apart', () => {
    const text = 'cpu  100 20 30 1000 50 4 6 8 0 0\ncpu0 50 10 15 500 25 2 3 4 0 0\n';
    expect(parseMachineCpu(text)).toEqual({ busy: 160, idle: 1050, steal: 8 });
  });

  it('needs the aggregate line', () => {
    expect(() => parseMachineCpu('cpu0 1 2 3 4\n')).toThrow(/aggregate/);
  });
});

describe('listeningInodes', () => {
  const table = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:3C48 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 22603 1 0 100 0 0 10 0',
    '   1: 00000000:0BB9 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5551 1 0 100 0 0 10 0',
    '   2: 0100007F:0BB9 0100007F:D0F2 01 00000000:00000000 00:00000000 00000000     0        0 7777 1 0 20 4 30 10 -1',
    '   3: 00000000000000000000000000000000:0BBA 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 8888 1 0',
  ].join('\n');

  it('finds the listening socket of a port (3001 = 0BB9), not its established connections', () => {
    expect(listeningInodes(table, 3001)).toEqual(['5551']);
  });

  it('reads IPv6 rows the same way', () => {
    expect(listeningInodes(table, 3002)).toEqual(['8888']);
  });

  it('finds nothing for a port nobody listens on', () => {
    expect(listeningInodes(table, 3003)).toEqual([]);
  });
});

describe('parsePssKb', () => {
  it('reads Pss, not Pss_Anon or Rss', () => {
    expect(parsePssKb('Rss:                2036 kB\nPss:                 541 kB\nPss_Anon:            156 kB\n')).toBe(
      541,
    );
  });
  it('is null without a Pss line', () => {
    expect(parsePssKb('Rss: 1 kB\n')).toBeNull();
  });
});
