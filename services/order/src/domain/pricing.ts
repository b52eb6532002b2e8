import { fromCents, isMoney, MAX_CENTS, toCents } from '@ecom/kit';

export interface OrderLine {
  productId: string;
  quantity: number;
  price: string;
}

/** A bad field of the request body, as a JSON pointer (the kit's FieldError without `in`). */
export interface LineError {
  field: string;
  message: string;
}

export type Priced = { ok: true; totalAmount: string; items: OrderLine[] } | { ok: false; errors: LineError[] };

/**
 * Checks the cross-field rules the JSON Schema cannot express and computes the total in cents.
 * The route's schema already enforces the shapes; these checks are repeated so this function is
 * safe on its own (unit tests, other callers). Rules:
 * - 1..maxLines lines; quantity an integer >= 1; price a decimal string >= 0 (2 decimals max);
 * - a productId appears once: inventory reserves per (order, product), and a repeated line would
 *   be ambiguous there; the client sums quantities instead;
 * - the total fits the wire format (12 integer digits);
 * - a client-supplied totalAmount must equal the computed one (as amounts: "5" equals "5.00").
 */
export function priceOrder(items: readonly OrderLine[], maxLines: number, clientTotal?: string): Priced {
  const errors: LineError[] = [];
  if (items.length === 0) errors.push({ field: '/items', message: 'must have at least 1 line' });
  if (items.length > maxLines) errors.push({ field: '/items', message: `must have at most ${maxLines} lines` });

  const seen = new Map<string, number>();
  let total = 0n;
  items.forEach((line, i) => {
    if (!Number.isInteger(line.quantity) || line.quantity < 1) {
      errors.push({ field: `/items/${i}/quantity`, message: 'must be an integer >= 1' });
    }
    if (!isMoney(line.price)) {
      errors.push({ field: `/items/${i}/price`, message: 'must be a decimal string >= 0 with at most 2 decimals' });
    }
    const first = seen.get(line.productId);
    if (first !== undefined) {
      errors.push({ field: `/items/${i}/productId`, message: `repeats the product of line ${first}` });
    } else {
      seen.set(line.productId, i);
    }
    if (Number.isInteger(line.quantity) && line.quantity >= 1 && isMoney(line.price)) {
      total += toCents(line.price) * BigInt(line.quantity);
    }
  });
  if (errors.length > 0) return { ok: false, errors };

  if (total > MAX_CENTS) {
    return { ok: false, errors: [{ field: '/items', message: `the order total exceeds ${fromCents(MAX_CENTS)}` }] };
  }
  const totalAmount = fromCents(total);
  if (clientTotal !== undefined && (!isMoney(clientTotal) || toCents(clientTotal) !== total)) {
    return {
      ok: false,
      errors: [{ field: '/totalAmount', message: `must equal the sum of the lines, ${totalAmount}` }],
    };
  }
  // Prices are stored and sent normalized, so "5" and "5.00" are the same amount everywhere.
  return { ok: true, totalAmount, items: items.map((l) => ({ ...l, price: fromCents(toCents(l.price)) })) };
}
