/**
 * What a new shipment gets: carrier, tracking number and estimated delivery date. Pure: the
 * randomness and the clock are inputs, so the rules are testable and the choices reproducible.
 */

/**
 * The carrier for an order: the same order always gets the same carrier (a redelivered or
 * replayed event cannot pick another), and orders spread evenly over the carriers. FNV-1a over
 * the orderId: cheap, stable across processes and Node versions (unlike a seeded Math.random).
 * Changing SHIPPING_CARRIERS changes the mapping for orders not shipped yet, which is fine.
 */
export function chooseCarrier(orderId: string, carriers: readonly string[]): string {
  if (carriers.length === 0) throw new Error('no carrier configured');
  let hash = 0x811c9dc5;
  for (let i = 0; i < orderId.length; i++) {
    hash ^= orderId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return carriers[hash % carriers.length] as string;
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const TRACKING_SUFFIX_LENGTH = 12;

/**
 * `<CARRIER>-<12 chars>`: the carrier's name upper-cased to letters and digits (FedEx → FEDEX),
 * then 12 characters of [0-9A-Z] from `random` (at least 12 bytes). Random rather than derived
 * from the orderId so a tracking number cannot be guessed from an order id.
 */
export function trackingNumber(carrier: string, random: Uint8Array): string {
  if (random.length < TRACKING_SUFFIX_LENGTH) throw new Error(`need ${TRACKING_SUFFIX_LENGTH} random bytes`);
  const code = carrier.toUpperCase().replace(/[^A-Z0-9]/g, '') || 'SHIP';
  let suffix = '';
  // 256 % 36 = 4: the first four characters are very slightly more likely; irrelevant here.
  for (let i = 0; i < TRACKING_SUFFIX_LENGTH; i++) suffix += ALPHABET[(random[i] as number) % ALPHABET.length];
  return `${code}-${suffix}`;
}

/** The UTC calendar date `days` after `now`, as YYYY-MM-DD (the event's `date` format). */
export function estimatedDelivery(now: Date, days: number): string {
  const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days));
  return date.toISOString().slice(0, 10);
}
