import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { traceViewer } from './server.js';
import type { TraceSummary } from './store.js';

const T0 = 1_764_000_000_000_000_000n;
const ms = (n: number) => String(T0 + BigInt(n) * 1_000_000n);
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** An OTLP/JSON export as the JS SDK's http/json exporter writes it: hex ids, decimal-string times. */
function exportOf(service: string, trace: number, spans: Array<[span: number, parent: number, name: string]>) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 'ecom' },
            spans: spans.map(([span, parent, name]) => ({
              traceId: hex(trace, 32),
              spanId: hex(span, 16),
              ...(parent ? { parentSpanId: hex(parent, 16) } : {}),
              name,
              kind: 2,
              startTimeUnixNano: ms(span),
              endTimeUnixNano: ms(span + 10),
              attributes: [{ key: 'ecom.order_id', value: { stringValue: `order-${trace}` } }],
              status: name.includes('fail') ? { code: 2, message: 'boom' } : {},
            })),
          },
        ],
      },
    ],
  };
}

let base = '';
let close: () => Promise<void>;

beforeEach(async () => {
  const server = traceViewer({ maxTraces: 2 });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((ok) => server.close(() => ok()));
});

afterEach(() => close());

const post = (body: string, type = 'application/json') =>
  fetch(`${base}/v1/traces`, { method: 'POST', headers: { 'content-type': type }, body });
const summaries = async (query = ''): Promise<TraceSummary[]> =>
  (await fetch(`${base}/api/traces${query}`)).json() as Promise<TraceSummary[]>;

describe('the local trace viewer', () => {
  it('joins the spans of one trace sent by several services in several exports', async () => {
    expect((await post(JSON.stringify(exportOf('order', 1, [[1, 0, 'POST /api/orders']])))).status).toBe(200);
    await post(JSON.stringify(exportOf('payment', 1, [[5, 1, 'process ecom.orders']])));
    await post(JSON.stringify(exportOf('shipping', 1, [[7, 5, 'process fail']])));
    expect(await summaries()).toEqual([
      {
        traceId: hex(1, 32),
        root: 'order: POST /api/orders',
        services: ['order', 'payment', 'shipping'],
        spans: 3,
        errors: 1,
        orderId: 'order-1',
        startTimeUnixNano: ms(1),
        durationMs: 16,
      },
    ]);
  });

  it('draws a trace as a waterfall, on a page and as SVG', async () => {
    await post(
      JSON.stringify(
        exportOf('order', 1, [
          [1, 0, 'POST /api/orders'],
          [2, 1, 'send ecom.orders'],
        ]),
      ),
    );
    const svg = await fetch(`${base}/traces/${hex(1, 32)}.svg`);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    const text = await svg.text();
    expect(text.match(/<rect x="[\d.]+" y="\d+" width="[\d.]+" height="12"/g)).toHaveLength(2);
    expect(text).toContain('order: send ecom.orders');
    const html = await (await fetch(`${base}/traces/${hex(1, 32)}`)).text();
    expect(html).toContain('<svg');
    const list = await (await fetch(`${base}/`)).text();
    expect(list).toContain(`href="/traces/${hex(1, 32)}"`);
  });

  it('keeps the most recently extended traces and finds them by order id', async () => {
    for (const trace of [1, 2, 3]) await post(JSON.stringify(exportOf('order', trace, [[trace * 10, 0, 'root']])));
    // Trace 2 gets a late span: now trace 3 is the older of the two kept.
    await post(JSON.stringify(exportOf('analytics', 2, [[99, 20, 'late']])));
    await post(JSON.stringify(exportOf('order', 4, [[40, 0, 'root']])));
    expect((await summaries()).map((s) => s.orderId)).toEqual(['order-4', 'order-2']);
    expect(await summaries('?order=order-2')).toHaveLength(1);
    expect((await fetch(`${base}/traces/${hex(1, 32)}`)).status).toBe(404);
  });

  it('refuses OTLP/protobuf with how to switch the exporter, and malformed JSON, losing nothing kept', async () => {
    await post(JSON.stringify(exportOf('order', 1, [[1, 0, 'root']])));
    const proto = await post('\x0a\x00', 'application/x-protobuf');
    expect(proto.status).toBe(415);
    expect(await proto.text()).toContain('OTEL_EXPORTER_OTLP_PROTOCOL=http/json');
    const bad = await post('{"resourceSpans": [');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('not an OTLP/JSON ExportTraceServiceRequest');
    expect(await summaries()).toHaveLength(1);
  });
});
