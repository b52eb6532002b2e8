import { parseArgs } from 'node:util';
import { traceViewer } from '../traces/server.js';

const usage = `Usage: npm run traces -- [--host 127.0.0.1] [--port 4318] [--max-traces 500]

A trace viewer for local runs: takes the services' spans over OTLP/HTTP as JSON at
http://HOST:PORT/v1/traces and shows the recent traces at http://HOST:PORT/ (a list you can
filter by order id, and each trace as a waterfall: /traces/<trace id>, or .svg). Point the
services at it with the standard variables:

  OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 OTEL_EXPORTER_OTLP_PROTOCOL=http/json npm start

It keeps the --max-traces most recently extended traces in memory, nothing on disk. For anything
longer-lived, send the spans to an OpenTelemetry Collector or Jaeger instead.`;

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, not '${text}'`);
  return n;
}

try {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '4318' },
      'max-traces': { type: 'string', default: '500' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
  } else {
    const port = positiveInt('port', values.port);
    const server = traceViewer({ maxTraces: positiveInt('max-traces', values['max-traces']) });
    server.on('error', (error) => {
      console.error(`traces: cannot listen on ${values.host}:${port}: ${error.message}`);
      process.exit(1);
    });
    server.listen(port, values.host, () => {
      const base = `http://${values.host}:${port}`;
      console.log(`traces: OTLP/JSON at ${base}/v1/traces; traces at ${base}/ (Ctrl-C stops)`);
    });
  }
} catch (error) {
  console.error(`traces: ${(error as Error).message}\n\n${usage}`);
  process.exitCode = 2;
}
