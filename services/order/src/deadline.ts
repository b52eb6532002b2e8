import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceDeps } from '@ecom/kit';
import type { OrderMetrics } from './metrics.js';
import { lockOverdueOrders } from './store.js';
import { applyInput, orderFlowEmitter } from './workflow.js';

/** Orders cancelled per transaction: short transactions, so the row locks are held briefly. */
const SWEEP_BATCH = 50;

export interface DeadlineOptions {
  /** ORDER_SAGA_TIMEOUT_MS: how long an order may stay CREATED. */
  timeoutMs: number;
  /** ORDER_SAGA_SCAN_MS: pause between sweeps once no overdue order is left. */
  scanMs: number;
}

/**
 * One sweep: locks up to a batch of overdue CREATED orders (skipping rows another replica or a
 * consumer holds) and applies the saga's timeout input to each in one unit of work, through the
 * same applyInput as every other input, so OrderCancelled (SAGA_TIMEOUT) goes out with the state
 * change. Returns how many orders it locked: a full batch means more may be waiting.
 */
export async function sweepOverdue(
  deps: ServiceDeps,
  metrics: OrderMetrics,
  timeoutMs: number,
  batchSize = SWEEP_BATCH,
): Promise<number> {
  const reason = `saga deadline of ${timeoutMs} ms passed`;
  return deps.events.transact(async (tx, emit, onCommit) => {
    const orderIds = await lockOverdueOrders(tx, timeoutMs, batchSize);
    for (const orderId of orderIds) {
      const result = await applyInput(
        tx,
        orderId,
        { kind: 'timeout' },
        { emit: orderFlowEmitter(emit, orderId), metrics, reason, onCommit },
      );
      if (result.kind !== 'applied' || result.step.transitions.length === 0) continue;
      const { paymentStatus, reservationStatus } = result.order;
      onCommit(() => {
        metrics.sagaTimeouts.inc();
        // Which outcome never came says where to look (a dead letter, a service down).
        deps.logger.warn({ orderId, paymentStatus, reservationStatus }, 'saga deadline passed; order cancelled');
      });
    }
    return orderIds.length;
  });
}

/**
 * Sweeps for overdue orders until stopped: at once again after a full batch, else every scanMs.
 * The first sweep waits a whole timeout after start: outcomes that arrived while this service was
 * down are still on the topics, and its consumer gets that long to apply them before their orders
 * count as abandoned. A failed sweep (database away) is logged and tried again at the next tick.
 */
export function startDeadlineWorker(
  deps: ServiceDeps,
  metrics: OrderMetrics,
  options: DeadlineOptions,
): { stop(): Promise<void> } {
  const abort = new AbortController();
  const loop = (async () => {
    let wait = options.timeoutMs;
    while (await pause(wait, abort.signal)) {
      try {
        const locked = await sweepOverdue(deps, metrics, options.timeoutMs);
        wait = locked === SWEEP_BATCH ? 0 : options.scanMs;
      } catch (error) {
        deps.logger.error({ err: error }, 'saga deadline sweep failed; trying again');
        wait = options.scanMs;
      }
    }
  })();
  return {
    async stop() {
      abort.abort();
      // The sweep in flight finishes (its transaction commits or rolls back) before the DB closes.
      await loop;
    },
  };
}

/** False once stopped. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
