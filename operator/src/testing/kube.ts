// Test-only helpers for operator integration tests against the real local kube-apiserver
// (local/kube/kube.sh) and the real `kubectl` binary. Not part of the operator runtime.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const kubeconfigPath = resolve(repoRoot, '.local/kube/kubeconfig');

/**
 * Starts (or reuses) the local kube-apiserver + etcd. `kube.sh start` is idempotent and waits for
 * /readyz. The vitest global setup should do this for every integration run; until it does, the
 * operator's tests call it from their own beforeAll.
 */
export async function ensureKubeApiserver(): Promise<string> {
  await runScript('local/kube/kube.sh', ['start']);
  if (!existsSync(kubeconfigPath)) {
    throw new Error(`kube.sh start succeeded but ${kubeconfigPath} is missing`);
  }
  return kubeconfigPath;
}

export async function runScript(script: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('bash', [resolve(repoRoot, script), ...args], {
      cwd: repoRoot,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const e = error as { code?: number; stderr?: string };
    throw new Error(`\`bash ${script} ${args.join(' ')}\` failed (exit ${e.code ?? '?'}):\n${e.stderr ?? ''}`);
  }
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real kubectl against the local API server; never throws on a non-zero exit. */
export async function kubectl(args: string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      'kubectl',
      ['--kubeconfig', kubeconfigPath, ...args],
      { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** kubectl that must succeed; the error carries kubectl's stderr. */
export async function kubectlOk(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (exit ${r.code}): ${r.stderr}`);
  return r.stdout;
}

export async function kubectlJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectlOk([...args, '-o', 'json'])) as T;
}

/**
 * Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` with the
 * last thing it saw (so a failing test says how far it got).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last error: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Applies the generated CRDs (and the test-only ones) with server-side apply, then waits until they serve. */
export async function installCrds(...dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', resolve(repoRoot, dir)]);
  }
  await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
}

/** A fresh namespace per test file, so runs and files never see each other's objects. */
export async function createNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await kubectlOk(['create', 'namespace', name]);
  return name;
}

/**
 * Deletes a test namespace. Objects still carrying the operator's finalizer are released first
 * (the operator may already be stopped), or the namespace would hang in Terminating.
 */
export async function deleteNamespace(namespace: string): Promise<void> {
  for (const kind of ['eventtopics.ecom.dev', 'kafkatopics.kafka.strimzi.io']) {
    const r = await kubectl(['get', kind, '-n', namespace, '-o', 'name']);
    for (const name of r.stdout.split('\n').filter(Boolean)) {
      await kubectl(['patch', name, '-n', namespace, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    }
  }
  await kubectl(['delete', 'namespace', namespace, '--wait=false']);
}

/** `kubectl patch <kind> <name> -n <namespace> --type=merge -p <patch>`, which must succeed. */
export function kubectlMergePatch(kind: string, name: string, namespace: string, patch: object): Promise<string> {
  return kubectlOk(['patch', kind, name, '-n', namespace, '--type=merge', '-p', JSON.stringify(patch)]);
}
