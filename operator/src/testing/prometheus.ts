// Test-only: the real prometheus-operator (built from the Go module proxy by local/tools/install.sh)
// and Debian's prometheus, run as child processes against the local kube-apiserver.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { kubeconfigPath, repoRoot, runScript } from './kube.js';

/** Installs (builds on a fresh machine, minutes) a tool of local/tools/install.sh and returns its path. */
export async function installTool(name: 'prometheus-operator' | 'prometheus'): Promise<string> {
  const out = await runScript('local/tools/install.sh', [name]);
  const path = out.trim().split('\n').pop() ?? '';
  if (!path) throw new Error(`local/tools/install.sh ${name} printed no path`);
  return path;
}

/** How a process outside the cluster reaches the test kube-apiserver: its URL and the admin client cert. */
export interface KubeApiAccess {
  server: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

export function kubeApiAccess(): KubeApiAccess {
  const kubeconfig = parse(readFileSync(kubeconfigPath, 'utf8')) as { clusters: { cluster: { server: string } }[] };
  const server = kubeconfig.clusters[0]?.cluster.server;
  if (!server) throw new Error(`no cluster server in ${kubeconfigPath}`);
  const pki = resolve(repoRoot, '.local/kube/pki');
  return { server, caFile: `${pki}/ca.crt`, certFile: `${pki}/admin.crt`, keyFile: `${pki}/admin.key` };
}

/** A port that was free a moment ago (for servers that cannot report the port they bound). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

export interface RunningProcess {
  /** Where its stdout and stderr go, for the failure message of a test. */
  logFile: string;
  exited(): boolean;
  stop(): Promise<void>;
}

/** Starts a binary with its output in `logFile`; stop() sends SIGTERM, then SIGKILL after 10 s. */
export function startProcess(binary: string, args: string[], logFile: string): RunningProcess {
  const log = createWriteStream(logFile);
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited = false;
  const done = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  return {
    logFile,
    exited: () => exited,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await done;
        clearTimeout(kill);
      }
      log.end();
    },
  };
}

/** The last lines of a process log, to put in an assertion message. */
export function tail(logFile: string, lines = 40): string {
  try {
    return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
