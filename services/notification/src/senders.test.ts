import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type OutgoingNotification, WebhookError, WebhookSender } from './senders.js';

const notification: OutgoingNotification = {
  notificationId: '6f1c2f3e-8a55-5c1e-9a57-1b2c3d4e5f60',
  customerId: 'cust-1',
  orderId: '6f1c2f3e-8a55-4c1e-9a57-1b2c3d4e5f60',
  template: 'order-created',
  message: 'hello',
  sourceEventId: 'ce-1',
  sourceEventType: 'ecom.order.created.v1',
};

let server: Server | undefined;

/** A loopback receiver answering with `respond`; returns its URL. */
async function receiver(respond: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  const created = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => respond(req, body, res));
  });
  server = created;
  await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(created.address() as AddressInfo).port}/hook`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('WebhookSender', () => {
  it('POSTs the notification as JSON with the source event id as Idempotency-Key', async () => {
    const seen: Array<{ method?: string; key?: string | string[]; type?: string; body: unknown }> = [];
    const url = await receiver((req, body, res) => {
      seen.push({
        method: req.method,
        key: req.headers['idempotency-key'],
        type: req.headers['content-type'],
        body: JSON.parse(body),
      });
      res.writeHead(204).end();
    });
    await new WebhookSender(url, 1000).send(notification);
    expect(seen).toEqual([
      {
        method: 'POST',
        key: 'ce-1',
        type: 'application/json',
        body: { ...notification, channel: 'WEBHOOK' },
      },
    ]);
  });

  it('throws on a non-2xx answer, naming the status, so the event is retried', async () => {
    const url = await receiver((_req, _body, res) => res.writeHead(503).end('busy'));
    const error = await new WebhookSender(url, 1000).send(notification).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookError);
    expect((error as WebhookError).status).toBe(503);
    expect((error as Error).message).toMatch(/answered 503: busy/);
  });

  it('throws when the receiver does not answer within the timeout', async () => {
    const url = await receiver(() => {
      /* never answers */
    });
    await expect(new WebhookSender(url, 150).send(notification)).rejects.toThrow(/timed out after 150 ms/);
  });
});
