/**
 * Named fault points for reliability tests: each marks a window in which a crash or a failed call
 * must lose nothing and duplicate nothing. Armed only by the ECOM_FAULTS setting (tests), e.g.
 * `ECOM_FAULTS=after-db-commit-before-publish:0.05,after-external-call:0.1:fail`: at each pass the
 * point fires with that probability, either killing the process on the spot (SIGKILL: no cleanup,
 * no flush, as in an OOM kill) or, with `:fail`, throwing an InjectedFault.
 */
export const FAULT_POINTS = [
  /** A unit of work committed its state and outbox rows; the relay has not published them. */
  'after-db-commit-before-publish',
  /** Kafka acknowledged the outbox rows; they are not deleted yet. */
  'after-publish-before-outbox-delete',
  /** A consumer batch committed in the database; its Kafka offset is not committed yet. */
  'after-db-commit-before-offset-commit',
  /** Between two records of a batch, inside its transaction. */
  'handler-mid-batch',
  /** An effect (gateway charge, webhook) is claimed; the external call has not been made. */
  'before-external-call',
  /** The external call returned; its outcome is not recorded yet. */
  'after-external-call',
  /** A dead letter was written (outbox); the record's offset is not committed yet. */
  'dlq-write-before-offset-commit',
] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

export interface FaultRule {
  rate: number;
  mode: 'crash' | 'fail';
}

export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
  constructor(readonly point: FaultPoint) {
    super(`injected fault at ${point}`);
  }
}

/** Parses ECOM_FAULTS; throws a message naming what to fix. */
export function parseFaults(spec: string | undefined): Map<FaultPoint, FaultRule> {
  const rules = new Map<FaultPoint, FaultRule>();
  if (!spec?.trim()) return rules;
  for (const part of spec.split(',')) {
    const [name = '', rateText = '', mode = 'crash', ...rest] = part.trim().split(':');
    if (!(FAULT_POINTS as readonly string[]).includes(name)) {
      throw new Error(`unknown fault point "${name}" (known: ${FAULT_POINTS.join(', ')})`);
    }
    const rate = Number(rateText);
    if (!(rate > 0 && rate <= 1) || rest.length > 0) {
      throw new Error(`fault "${part.trim()}": expected <point>:<rate in (0,1]>[:crash|fail]`);
    }
    if (mode !== 'crash' && mode !== 'fail') throw new Error(`fault "${part.trim()}": mode must be crash or fail`);
    rules.set(name as FaultPoint, { rate, mode });
  }
  return rules;
}

export interface Faults {
  /** Fires the point's fault if armed and the dice say so; a no-op otherwise. */
  at(point: FaultPoint): void;
}

export const noFaults: Faults = { at() {} };

export function faultInjector(
  rules: Map<FaultPoint, FaultRule>,
  options: { random?: () => number; crash?: (point: FaultPoint) => never } = {},
): Faults {
  if (rules.size === 0) return noFaults;
  const random = options.random ?? Math.random;
  const crash =
    options.crash ??
    ((point: FaultPoint): never => {
      process.stderr.write(`fault injected: crashing at ${point}\n`);
      process.kill(process.pid, 'SIGKILL');
      throw new InjectedFault(point); // not reached: SIGKILL cannot be caught
    });
  return {
    at(point) {
      const rule = rules.get(point);
      if (!rule || random() >= rule.rate) return;
      if (rule.mode === 'crash') crash(point);
      throw new InjectedFault(point);
    },
  };
}
