// Schemathesis against the OpenAPI document every service serves (/docs/json), on the six services
// as processes with the real broker and PostgreSQL: generated valid requests never get a 5xx and
// every answer has a documented status, content type and body; generated invalid requests are
// rejected; and no request that got a 4xx (invalid, unknown id, conflict) wrote anything.
import { mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CONFORMANCE_CHECKS,
  provisionSchemathesis,
  readHar,
  resend,
  runSchemathesis,
  type SentRequest,
} from '../support/schemathesis.js';
import { SERVICES, type ServiceName, Stack } from '../support/stack.js';
import { changes, type WriteWatcher, watchWrites } from '../support/writes.js';

const SEED = 20261201;
const reports = resolve(fileURLToPath(new URL('../../.local/schemathesis', import.meta.url)));
const serviceNames = Object.keys(SERVICES) as ServiceName[];
const isClientError = (status: number) => status >= 400 && status < 500;

const stack = new Stack();
let schemathesis: string;
let watcher: WriteWatcher;
/** Requests of the runs that a service rejected with a 4xx, for the last test. */
const rejected: SentRequest[] = [];

beforeAll(async () => {
  schemathesis = await provisionSchemathesis();
  await rm(reports, { recursive: true, force: true });
  await mkdir(reports, { recursive: true });
  await stack.start();
  watcher = await watchWrites();
}, 300_000);

afterAll(async () => {
  await watcher?.close();
  await stack.stop();
});

afterEach(({ task }) => {
  if (task.result?.state === 'fail') console.log(stack.outputs());
});

describe('Schemathesis against every service’s OpenAPI document', () => {
  it.each(serviceNames)(
    '%s: valid generated requests never get a 5xx, and every answer has a documented status, content type and body',
    async (service) => {
      const harPath = resolve(reports, `${service}-positive.har.json`);
      const result = await runSchemathesis(schemathesis, service, {
        mode: 'positive',
        // Stateful: sequences that follow the Location links inferred from the POST responses
        // (create an order, then read, update and cancel it).
        phases: ['coverage', 'fuzzing', 'stateful'],
        checks: CONFORMANCE_CHECKS,
        maxExamples: 40,
        seed: SEED,
        harPath,
      });
      expect(result.passed, result.report).toBe(true);
      rejected.push(...(await readHar(harPath)).filter((sent) => isClientError(sent.status)));
    },
    180_000,
  );

  it('invalid generated requests are all rejected with a 4xx, documented like any other answer', async () => {
    for (const service of serviceNames) {
      const harPath = resolve(reports, `${service}-negative.har.json`);
      const result = await runSchemathesis(schemathesis, service, {
        mode: 'negative',
        phases: ['coverage', 'fuzzing'],
        // negative_data_rejection: a request that violates the schema must get a 4xx.
        checks: [...CONFORMANCE_CHECKS, 'negative_data_rejection'],
        maxExamples: 25,
        seed: SEED,
        harPath,
      });
      expect(result.passed, `${service}:\n${result.report}`).toBe(true);
      rejected.push(...(await readHar(harPath)).filter((sent) => isClientError(sent.status)));
    }
  }, 300_000);

  it('every request a service rejected with a 4xx writes nothing: sent again, it changes no table and no topic', async () => {
    // Watching the runs themselves would not do: a negative run also sends some valid requests
    // (stock ADDs to ids it saw in responses), which rightly write. So the rejected requests of
    // all runs are sent again. A rejection can also become a success once later requests changed
    // the state (a 409 for too little stock, then stock added), and a success may write: a first
    // resend finds the requests rejected in today's state, and only the second one is watched.
    await watcher.settled();
    const stillRejected: SentRequest[] = [];
    for (const sent of rejected) {
      const status = await resend(sent);
      if (isClientError(status)) stillRejected.push({ ...sent, status });
    }
    // Every run ends in many 400s, 404s and 409s; few means the harness lost them.
    expect(stillRejected.length).toBeGreaterThan(100);

    const before = await watcher.settled();
    const answeredDifferently: string[] = [];
    for (const sent of stillRejected) {
      const status = await resend(sent);
      if (status !== sent.status) answeredDifferently.push(`${sent.method} ${sent.url}: ${sent.status}, now ${status}`);
    }
    const after = await watcher.settled();
    expect(changes(before, after), `after resending ${stillRejected.length} rejected requests`).toEqual([]);
    expect(answeredDifferently).toEqual([]);
  }, 300_000);
});
