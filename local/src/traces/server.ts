// The local trace viewer: an OTLP/HTTP endpoint that takes the services' spans as OTLP/JSON
// (OTEL_EXPORTER_OTLP_PROTOCOL=http/json) and pages that list the recent traces and draw each as a
// waterfall. For `npm start` and `tilt up -- --traces` on machines where no trace backend image can
// be pulled; anywhere else, point OTEL_EXPORTER_OTLP_ENDPOINT at a collector or Jaeger instead.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { escapeXml } from '../xml.js';
import { flattenExport, type OtlpExport } from './otlp.js';
import { TraceStore, type TraceSummary } from './store.js';
import { traceWaterfallSvg } from './waterfall.js';

export interface ViewerOptions {
  maxTraces: number;
}

/** The largest export accepted, well above what an SDK's batch processor sends (512 spans). */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const TRACE_PATH = /^\/traces\/([0-9a-f]{32})(\.svg)?$/;

function page(title: string, body: string): string {
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(title)}</title>`,
    '<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}',
    'td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:left}.err{color:#c00}</style>',
    `</head><body>${body}</body></html>`,
  ].join('');
}

function listPage(traces: TraceSummary[], orderId: string | undefined): string {
  const rows = traces.map(
    (t) =>
      `<tr><td><a href="/traces/${t.traceId}">${escapeXml(t.root)}</a></td>` +
      `<td>${escapeXml(t.orderId ?? '')}</td><td>${escapeXml(t.services.join(', '))}</td>` +
      `<td>${t.spans}</td><td${t.errors ? ' class="err"' : ''}>${t.errors}</td>` +
      `<td>${t.durationMs.toFixed(1)} ms</td>` +
      `<td>${new Date(Number(BigInt(t.startTimeUnixNano) / 1_000_000n)).toISOString()}</td></tr>`,
  );
  return page(
    'ecom traces',
    [
      `<h1>${traces.length} trace${traces.length === 1 ? '' : 's'}${orderId ? ` of order ${escapeXml(orderId)}` : ''}</h1>`,
      '<form>order id <input name="order" size="40"> <button>find</button> <a href="/">all</a></form>',
      '<table><tr><th>root span</th><th>order</th><th>services</th><th>spans</th><th>errors</th>',
      `<th>duration</th><th>start</th></tr>${rows.join('')}</table>`,
    ].join(''),
  );
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type }).end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function receive(store: TraceStore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
  if (type !== 'application/json') {
    send(
      res,
      415,
      'text/plain',
      `this viewer takes OTLP/JSON only, and the export came as ${type || 'no content type'}: ` +
        'set OTEL_EXPORTER_OTLP_PROTOCOL=http/json in the exporting process\n',
    );
    return;
  }
  const body = await readBody(req);
  if (!body) {
    send(res, 413, 'text/plain', `an export larger than ${MAX_BODY_BYTES} bytes\n`);
    return;
  }
  let spans: ReturnType<typeof flattenExport>;
  try {
    spans = flattenExport(JSON.parse(body.toString()) as OtlpExport);
  } catch (error) {
    send(res, 400, 'text/plain', `not an OTLP/JSON ExportTraceServiceRequest: ${(error as Error).message}\n`);
    return;
  }
  store.add(spans);
  send(res, 200, 'application/json', '{}');
}

function show(store: TraceStore, url: URL, res: ServerResponse): void {
  if (url.pathname === '/') {
    const orderId = url.searchParams.get('order')?.trim() || undefined;
    send(res, 200, 'text/html; charset=utf-8', listPage(store.summaries(orderId), orderId));
    return;
  }
  if (url.pathname === '/api/traces') {
    send(res, 200, 'application/json', JSON.stringify(store.summaries(url.searchParams.get('order') ?? undefined)));
    return;
  }
  const match = TRACE_PATH.exec(url.pathname);
  const spans = match ? store.spans(match[1] as string) : undefined;
  if (!match || !spans) {
    send(res, 404, 'text/plain', `no trace at ${url.pathname} (the viewer keeps the most recent ones in memory)\n`);
    return;
  }
  const title = `trace ${match[1]}: ${spans.length} spans`;
  const svg = traceWaterfallSvg(spans, title);
  if (match[2]) send(res, 200, 'image/svg+xml', svg);
  else send(res, 200, 'text/html; charset=utf-8', page(title, `<p><a href="/">all traces</a></p>${svg}`));
}

/** The viewer's HTTP server, not yet listening. */
export function traceViewer(options: ViewerOptions): Server {
  const store = new TraceStore(options.maxTraces);
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://viewer');
    if (req.method === 'POST' && url.pathname === '/v1/traces') {
      receive(store, req, res).catch((error: Error) => send(res, 500, 'text/plain', `${error.message}\n`));
    } else if (req.method === 'GET' || req.method === 'HEAD') {
      show(store, url, res);
    } else {
      send(res, 405, 'text/plain', `${req.method} ${url.pathname}: the viewer takes POST /v1/traces and GETs\n`);
    }
  });
}
