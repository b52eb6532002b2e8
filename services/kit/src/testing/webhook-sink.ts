// A real HTTP receiver for webhook tests: it records every request by its Idempotency-Key, the
// way a receiver that honours the header would, and can refuse the first requests to exercise
// retries. Counting here (not rows in our own tables) is what proves "sent once".
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookSink {
  url: string;
  /** Requests received per Idempotency-Key (including refused ones). */
  received: Map<string, number>;
  /** Requests answered 2xx per Idempotency-Key. */
  accepted: Map<string, number>;
  /** Bodies of the first accepted request per key. */
  bodies: Map<string, unknown>;
  /** Refuses (503) the next `n` requests carrying this Idempotency-Key. */
  refuse(key: string, n: number): void;
  close(): Promise<void>;
}

export async function startWebhookSink(): Promise<WebhookSink> {
  const received = new Map<string, number>();
  const accepted = new Map<string, number>();
  const bodies = new Map<string, unknown>();
  const refusals = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const key = String(request.headers['idempotency-key'] ?? '(none)');
      received.set(key, (received.get(key) ?? 0) + 1);
      const refuse = refusals.get(key) ?? 0;
      if (refuse > 0) {
        refusals.set(key, refuse - 1);
        response.writeHead(503).end('try again');
        return;
      }
      accepted.set(key, (accepted.get(key) ?? 0) + 1);
      if (!bodies.has(key)) bodies.set(key, JSON.parse(Buffer.concat(chunks).toString() || 'null'));
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/notify`,
    received,
    accepted,
    bodies,
    refuse(key, n) {
      refusals.set(key, n);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
