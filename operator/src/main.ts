#!/usr/bin/env node
import { parseConfig, USAGE } from './config.js';

const parsed = parseConfig(process.argv.slice(2), process.env);
if (parsed.kind === 'help') {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (parsed.kind === 'error') {
  process.stderr.write(`ecom-operator: ${parsed.message}\n\n${USAGE}`);
  process.exit(2);
}

// Loaded after the flags are checked, so --help and flag errors need no cluster libraries.
const { startOperator } = await import('./operator.js');
const operator = await startOperator(parsed.config).catch((error: unknown) => {
  process.stderr.write(`ecom-operator: cannot start: ${(error as Error).message}\n`);
  process.exit(1);
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    // Releasing the lease on the way out lets a standby take over at once instead of after expiry.
    const deadline = setTimeout(() => process.exit(1), 20_000);
    deadline.unref();
    operator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
