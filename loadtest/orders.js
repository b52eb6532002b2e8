// k6 load test: places orders at a constant arrival rate against the running one-machine stack.
//
//   k6 run loadtest/orders.js                       (RATE=1000/s for 30s, seed C's order target)
//   k6 run -e RATE=200 -e DURATION=20s loadtest/orders.js
//
// Usually run through `npm run loadtest`, which also reads the order service's saga histogram.
// Only k6 built-in modules: nothing is fetched at run time.
//
// Env (all optional):
//   RATE           orders started per second                 (1000)
//   DURATION       how long to keep that rate, k6 duration   (30s)
//   PRE_VUS        VUs allocated before the run              (max(50, RATE/5))
//   MAX_VUS        VUs k6 may grow to when responses slow    (max(200, 2*RATE))
//   PRODUCTS       distinct products stocked and ordered     (50)
//   ORDER_URL      order service base URL                    (http://localhost:3001)
//   INVENTORY_URL  inventory service base URL                (http://localhost:3003)
//   SUMMARY_PATH   JSON summary written by handleSummary     (loadtest/results/summary.json)
//   RUN_ID         a label copied into the summary           (none)
//   MODE           'rate' (constant arrival rate) or 'closed': VUS clients each placing the
//                  next order as soon as the last one is answered, to find saturation  (rate)
//   VUS            clients of MODE=closed                    (32)
//   LINES          order lines per order, each a different product (1)
//   CUSTOMER_PREFIX  customer id = prefix + VU number, so a run's orders can be found (loadtest-customer-)
//   SEED_STOCK     0: setup() stocks nothing (the caller stocked the products)  (1)
//   CUSTOMERS      N: customer id = prefix + (1 + iteration mod N) instead of the VU number, so
//                  no customer gets more orders than the checker can list      (unset)
//   PRODUCT_PREFIX product ids = prefix + 4 digits; run.sh makes it run-unique so the stock
//                  check starts from zero                                      (loadtest-sku-)
//
// npm run bench:saga (local/src/cli/bench-saga.ts) uses MODE, VUS, LINES, CUSTOMER_PREFIX and
// SEED_STOCK; npm run loadtest leaves them at their defaults.
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter, Trend } from 'k6/metrics';

const RATE = positiveInt('RATE', 1000);
const DURATION = __ENV.DURATION || '30s';
const DURATION_SECONDS = durationSeconds(DURATION);
const PRE_VUS = positiveInt('PRE_VUS', Math.max(50, Math.ceil(RATE / 5)));
const MAX_VUS = Math.max(PRE_VUS, positiveInt('MAX_VUS', Math.max(200, 2 * RATE)));
const PRODUCTS = positiveInt('PRODUCTS', 50);
const ORDER_URL = (__ENV.ORDER_URL || 'http://localhost:3001').replace(/\/+$/, '');
const INVENTORY_URL = (__ENV.INVENTORY_URL || 'http://localhost:3003').replace(/\/+$/, '');
const SUMMARY_PATH = __ENV.SUMMARY_PATH || 'loadtest/results/summary.json';
// A bearer token with the admin (seeding stock) and service (ordering for any customer) roles;
// run.sh and bench:saga mint one from the development issuer (npm run token).
const AUTH = __ENV.AUTH_TOKEN ? { authorization: `Bearer ${__ENV.AUTH_TOKEN}` } : {};
const MAX_QUANTITY = 3; // each order line asks for 1..3 units
const PRICES = ['12.50', '7.99', '24.00', '3.10', '99.95'];
const MODE = oneOf('MODE', ['rate', 'closed'], 'rate');
const VUS = positiveInt('VUS', 32);
const LINES = positiveInt('LINES', 1);
if (LINES > PRODUCTS)
  throw new Error(`LINES (${LINES}) must not exceed PRODUCTS (${PRODUCTS}): lines are distinct products`);
const CUSTOMER_PREFIX = __ENV.CUSTOMER_PREFIX || 'loadtest-customer-';
const SEED_STOCK = __ENV.SEED_STOCK !== '0';
const CUSTOMERS = positiveInt('CUSTOMERS', 0);
const PRODUCT_PREFIX = __ENV.PRODUCT_PREFIX || 'loadtest-sku-';

/**
 * Orders offered in the run: what "sustained the rate" is measured against. A closed loop offers
 * no fixed number (each client waits for its answer), so it has none.
 */
const OFFERED = MODE === 'rate' ? Math.round(RATE * DURATION_SECONDS) : null;

// Orders answered 201 (accepted: stored as CREATED, OrderCreated in the outbox) and the others.
const ordersAccepted = new Counter('orders_accepted');
const ordersRejected = new Counter('orders_rejected');
// The subset of orders_rejected that got no answer within the 10 s request timeout. The service may
// still have committed such an order (the saga then runs and is counted by run.sh), so a timeout
// is "not acknowledged", not "not placed".
const ordersNoResponse = new Counter('orders_no_response');
// Latency of accepted orders only: http_req_duration also holds fast failures (a 400, a 503) that
// would flatter the percentiles if the service started shedding load.
const orderAcceptTime = new Trend('order_accept_duration', true);

const scenario =
  MODE === 'rate'
    ? {
        executor: 'constant-arrival-rate',
        rate: RATE,
        timeUnit: '1s',
        duration: DURATION,
        preAllocatedVUs: PRE_VUS,
        maxVUs: MAX_VUS,
        gracefulStop: '30s',
      }
    : { executor: 'constant-vus', vus: VUS, duration: DURATION, gracefulStop: '30s' };

// The throughput thresholds compare with the orders offered, which only an arrival rate fixes.
const rateThresholds =
  OFFERED === null
    ? {}
    : {
        orders_accepted: [`count>=${Math.floor(OFFERED * 0.99)}`],
        dropped_iterations: [`count<${Math.max(1, Math.ceil(OFFERED * 0.01))}`],
      };

export const options = {
  scenarios: { orders: scenario },
  discardResponseBodies: true, // the status is all an iteration looks at; bodies cost k6 CPU
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
  // Seed C ("Performance Metrics"): orders 1,000 events/second; critical events (orders,
  // payments) under 100 ms. k6 sees the HTTP side only; the saga (created → CONFIRMED, the part
  // that goes through Kafka and the payment service) is measured by run.sh from the order
  // service's saga_completion_seconds histogram and compared with the same 100 ms there.
  // A threshold missed makes k6 exit 99; run.sh reports it as a finding, not as a failure.
  thresholds: {
    // Throughput (rateThresholds above, MODE=rate only). "1,000 orders/s" is a rate, and a
    // Counter's `rate` threshold divides by the whole test time (setup and graceful stop
    // included), so it under-reads. The honest equivalent is a count: at least 99% of the orders
    // offered (RATE × DURATION) were accepted. It tests seed C's 1,000/s only when RATE=1000 (the
    // default); at another RATE it tests "the stack sustains the offered rate". And the offered
    // rate really left k6: iterations k6 could not start because every VU was busy waiting on
    // slow responses (the SUT not keeping up) stay under 1% (dropped_iterations). Without this a
    // slow service would turn into a lower arrival rate that the other thresholds never see.
    ...rateThresholds,
    // Accepted means 201: fewer than 1% of order requests fail (status >= 400 or no response).
    'http_req_failed{name:create_order}': ['rate<0.01'],
    // "Critical events < 100 ms (orders)": the closest client-visible stage is the order POST
    // (validate, price, insert the order and its OrderCreated outbox row in one transaction).
    // Read as p95 < 100 ms (a ceiling on every request would fail on one GC pause).
    'http_req_duration{name:create_order}': ['p(95)<100'],
    // The same bound over accepted orders only (see order_accept_duration above).
    order_accept_duration: ['p(95)<100'],
  },
};

function oneOf(name, allowed, fallback) {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  if (!allowed.includes(raw)) throw new Error(`${name} must be one of ${allowed.join(', ')}; got '${raw}'`);
  return raw;
}

function positiveInt(name, fallback) {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return n;
}

/** k6 duration strings ("20s", "1m30s", "500ms", "1h") in seconds. */
function durationSeconds(text) {
  const unit = { h: 3600, m: 60, s: 1, ms: 0.001 };
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * unit[m[2]];
    consumed += m[0].length;
  }
  if (consumed !== text.length || total <= 0)
    throw new Error(`DURATION must look like 30s, 1m or 1m30s; got '${text}'`);
  return total;
}

function productId(i) {
  return `${PRODUCT_PREFIX}${String(i).padStart(4, '0')}`;
}

/**
 * Stocks every product with enough units that the run measures confirmed orders rather than
 * out-of-stock cancellations: the worst case (every order asks MAX_QUANTITY) spread over the
 * products, doubled for the uneven random spread, plus a margin. Stock left from earlier runs
 * only adds to it.
 */
export function setup() {
  if (!SEED_STOCK) return { units: 0 };
  // A closed loop has no offered count: stock for 1,000 orders/s, seed C's target.
  const expected = OFFERED ?? Math.round(1000 * DURATION_SECONDS);
  const units = Math.ceil((expected * LINES * MAX_QUANTITY * 2) / PRODUCTS) + 1000;
  const body = JSON.stringify({ quantity: units, operation: 'ADD', reason: 'RESTOCK' });
  const params = {
    headers: { ...AUTH, 'content-type': 'application/json' },
    tags: { name: 'seed_stock' },
    timeout: '30s',
  };
  for (let start = 0; start < PRODUCTS; start += 10) {
    const batch = [];
    for (let i = start; i < Math.min(start + 10, PRODUCTS); i++) {
      batch.push(['PUT', `${INVENTORY_URL}/api/inventory/${productId(i)}`, body, params]);
    }
    const responses = http.batch(batch);
    responses.forEach((r, k) => {
      if (r.status !== 200 && r.status !== 201) {
        throw new Error(`seeding ${productId(start + k)} failed: HTTP ${r.status} ${r.error || ''}`);
      }
    });
  }
  const load = MODE === 'rate' ? `offering ${RATE} orders/s` : `${VUS} clients ordering as fast as answered`;
  console.log(`seeded ${PRODUCTS} products with +${units} units each; ${load} for ${DURATION}`);
  return { units };
}

/** LINES different products, at random: the order service refuses a product twice in one order. */
function pickProducts() {
  const picked = new Set();
  while (picked.size < LINES) picked.add(productId(Math.floor(Math.random() * PRODUCTS)));
  return [...picked];
}

export default function () {
  const body = JSON.stringify({
    customerId: `${CUSTOMER_PREFIX}${CUSTOMERS ? 1 + (exec.scenario.iterationInTest % CUSTOMERS) : exec.vu.idInTest}`,
    items: pickProducts().map((product) => ({
      productId: product,
      quantity: 1 + Math.floor(Math.random() * MAX_QUANTITY),
      price: PRICES[Math.floor(Math.random() * PRICES.length)],
    })),
    currency: 'USD',
    paymentMethod: 'card',
  });
  const res = http.post(`${ORDER_URL}/api/orders`, body, {
    headers: { ...AUTH, 'content-type': 'application/json' },
    tags: { name: 'create_order' },
    timeout: '10s',
  });
  if (res.status === 201) {
    ordersAccepted.add(1);
    orderAcceptTime.add(res.timings.duration);
  } else {
    ordersRejected.add(1, { status: String(res.status) });
    if (res.status === 0) ordersNoResponse.add(1);
  }
}

// ---------------------------------------------------------------------------------------------
// Summary. k6's default end-of-test text is produced only when handleSummary is absent, and the
// textSummary() helper that reproduces it lives in a remote jslib module (not allowed here), so
// handleSummary renders the same figures itself: thresholds with ✓/✗, then every metric.

function fmtValue(metric, key, v) {
  if (typeof v !== 'number') return String(v);
  if (metric.type === 'trend' && metric.contains === 'time') return fmtMs(v);
  if (metric.type === 'rate' && key === 'rate') return `${(v * 100).toFixed(2)}%`;
  if (key === 'rate') return `${v.toFixed(2)}/s`;
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

function fmtMs(ms) {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms >= 1) return `${ms.toFixed(2)}ms`;
  return `${(ms * 1000).toFixed(0)}µs`;
}

const STAT_ORDER = ['count', 'rate', 'value', 'passes', 'fails', 'avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'];

function statRank(stat) {
  const i = STAT_ORDER.indexOf(stat);
  return i === -1 ? STAT_ORDER.length : i;
}

function textSummary(data) {
  const lines = [];
  const names = Object.keys(data.metrics).sort();
  const withThresholds = names.filter((n) => data.metrics[n].thresholds);
  if (withThresholds.length > 0) {
    lines.push('', '  THRESHOLDS (seed C targets; a ✗ is a finding, see loadtest/README.md)', '');
    for (const name of withThresholds) {
      const m = data.metrics[name];
      lines.push(`    ${name}`);
      for (const [source, t] of Object.entries(m.thresholds)) {
        const stat = source.split(/[<>=!]/)[0].trim();
        const actual = m.values[stat];
        lines.push(`    ${t.ok ? '✓' : '✗'} '${source}' ${stat}=${fmtValue(m, stat, actual)}`);
      }
    }
  }
  lines.push('', '  METRICS', '');
  const width = Math.max(...names.map((n) => n.length)) + 2;
  for (const name of names) {
    const m = data.metrics[name];
    const values = Object.keys(m.values)
      .sort((a, b) => statRank(a) - statRank(b))
      .map((k) => `${k}=${fmtValue(m, k, m.values[k])}`)
      .join(' ');
    lines.push(`    ${name.padEnd(width, '.')}: ${values}`);
  }
  return `${lines.join('\n')}\n\n`;
}

export function handleSummary(data) {
  const create = data.metrics['http_req_duration{name:create_order}'];
  const accepted = data.metrics.orders_accepted ? data.metrics.orders_accepted.values.count : 0;
  const rejected = data.metrics.orders_rejected ? data.metrics.orders_rejected.values.count : 0;
  const noResponse = data.metrics.orders_no_response ? data.metrics.orders_no_response.values.count : 0;
  const dropped = data.metrics.dropped_iterations ? data.metrics.dropped_iterations.values.count : 0;
  const thresholds = {};
  for (const [name, m] of Object.entries(data.metrics)) {
    for (const [source, t] of Object.entries(m.thresholds || {})) thresholds[`${name}: ${source}`] = t.ok;
  }
  const figures = {
    runId: __ENV.RUN_ID || null,
    config: {
      mode: MODE,
      rate: MODE === 'rate' ? RATE : null,
      vus: MODE === 'closed' ? VUS : null,
      duration: DURATION,
      durationSeconds: DURATION_SECONDS,
      products: PRODUCTS,
      lines: LINES,
      preAllocatedVUs: PRE_VUS,
      maxVUs: MAX_VUS,
      orderUrl: ORDER_URL,
    },
    // Where the invariant checker (loadtest/src/check.ts) finds this run's orders and stock.
    placed: {
      customerPrefix: CUSTOMER_PREFIX,
      // Customer numbers run 1..customers: CUSTOMERS, or every VU k6 started.
      customers: CUSTOMERS || (data.metrics.vus_max ? data.metrics.vus_max.values.max : MAX_VUS),
      products: Array.from({ length: PRODUCTS }, (_, i) => productId(i)),
      seededUnitsPerProduct: data.setup_data ? data.setup_data.units : null,
    },
    orders: {
      offered: OFFERED,
      accepted,
      rejected,
      noResponse,
      droppedIterations: dropped,
      // Accepted orders over the scenario's configured duration (setup excluded).
      acceptedPerSecond: accepted / DURATION_SECONDS,
    },
    createOrderHttpMs: create
      ? {
          p50: create.values.med,
          p95: create.values['p(95)'],
          p99: create.values['p(99)'],
          avg: create.values.avg,
          max: create.values.max,
        }
      : null,
    thresholds,
    thresholdsOk: Object.values(thresholds).every(Boolean),
    testRunDurationMs: data.state.testRunDurationMs,
  };
  return {
    stdout: textSummary(data),
    [SUMMARY_PATH]: JSON.stringify({ loadtest: figures, k6: data }, null, 2),
  };
}
