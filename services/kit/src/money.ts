/**
 * Money as integer cents (BigInt), never a JS float: "12.30" + "0.70" must be "13.00" exactly.
 * The wire format is the schemas' decimal string: up to 12 integer digits, up to 2 decimals.
 */
export const MONEY_PATTERN = '^(0|[1-9][0-9]{0,11})(\\.[0-9]{1,2})?$';
const MONEY_RE = new RegExp(MONEY_PATTERN);

/** Largest amount the wire format can carry: 999999999999.99. */
export const MAX_CENTS = 99_999_999_999_999n;

export function isMoney(text: string): boolean {
  return MONEY_RE.test(text);
}

/** "12.3" → 1230n. Throws on anything the wire format would reject, so callers validate first. */
export function toCents(text: string): bigint {
  if (!isMoney(text)) throw new Error(`not a decimal amount: ${JSON.stringify(text)}`);
  const [whole = '0', fraction = ''] = text.split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
}

/** 1230n → "12.30": always two decimals, so equal amounts compare equal as strings. */
export function fromCents(cents: bigint): string {
  if (cents < 0n) throw new Error(`negative amount: ${cents}`);
  const whole = cents / 100n;
  const fraction = (cents % 100n).toString().padStart(2, '0');
  return `${whole}.${fraction}`;
}

/** Normalizes a decimal string (e.g. from NUMERIC(14,2), or a client's "5") to two decimals. */
export function normalizeMoney(text: string): string {
  return fromCents(toCents(text));
}
