// Test-only: runs the replay CLI as its own process (as a Job's container runs it) and reads topics
// to the end, for the replay's integration tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { type IncomingRecord, type KafkaOptions, openOffsetReader, readRanges } from '@ecom/kit';
import { repoRoot } from './kube.js';

export interface CliRun {
  code: number | null;
  /** stdout, one parsed JSON value per line. */
  lines: Record<string, unknown>[];
  stderr: string;
}

/**
 * Starts `operator/src/replay/main.ts <args>` (what `ecom replay <args>` runs in the image, from the
 * sources). `onLine` sees each output line as it comes, e.g. to kill the process mid-run.
 */
export function startReplayCli(
  args: string[],
  onLine: (line: Record<string, unknown>, child: ChildProcess) => void = () => {},
): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', resolve(repoRoot, 'operator/src/replay/main.ts'), ...args],
    { cwd: repoRoot, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const text of complete.filter(Boolean)) {
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      onLine(line, child);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<CliRun>((resolvePromise) => {
    child.once('close', (code) => resolvePromise({ code, lines, stderr }));
  });
  return { child, done };
}

export function runReplayCli(args: string[]): Promise<CliRun> {
  return startReplayCli(args).done;
}

/** Every committed record of `topic`, read to today's log end with a throwaway group. */
export async function readAll(kafka: KafkaOptions, topic: string, groupId: string): Promise<IncomingRecord[]> {
  const reader = await openOffsetReader(kafka);
  const bounds = await reader.bounds(topic).finally(() => reader.close());
  const records: IncomingRecord[] = [];
  await readRanges({
    ...kafka,
    groupId,
    topic,
    ranges: bounds.map((b) => ({ partition: b.partition, from: b.low, to: b.high })),
    onBatch: async (batch) => {
      records.push(...batch.records);
      return true;
    },
  });
  return records;
}
