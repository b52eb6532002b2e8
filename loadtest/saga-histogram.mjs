#!/usr/bin/env node
// Saga completion percentiles from two scrapes of the order service's /metrics:
//
//   node loadtest/saga-histogram.mjs BEFORE.prom AFTER.prom   (BEFORE may be '-': no earlier scrape)
//
// Prints JSON: count, meanSeconds, p50/p95/p99Seconds (interpolated from the cumulative buckets of
// the DELTA after − before, as Prometheus' histogram_quantile does), aboveHighestBucket, buckets.
// The logic is the pure module src/saga-histogram.mjs (unit-tested there).
import { readFileSync } from 'node:fs';
import { sagaSummary } from './src/saga-histogram.mjs';

const usage = 'usage: node loadtest/saga-histogram.mjs BEFORE.prom|- AFTER.prom\n';
const args = process.argv.slice(2);
if (args.includes('-h') || args.includes('--help')) {
  process.stdout.write(usage);
  process.exit(0);
}
const [beforePath, afterPath] = args;
if (!beforePath || !afterPath) {
  process.stderr.write(usage);
  process.exit(2);
}
const before = beforePath === '-' ? null : readFileSync(beforePath, 'utf8');
const after = readFileSync(afterPath, 'utf8');
process.stdout.write(`${JSON.stringify(sagaSummary(before, after), null, 2)}\n`);
