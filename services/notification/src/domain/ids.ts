import { createHash } from 'node:crypto';

/**
 * The notification id of a source event: a name-based UUID (version 5 layout over SHA-1) of its
 * ce_id, so every attempt at the same event (a retry, a redone batch) carries the same id to the
 * channel, and the id can be recomputed from the event alone.
 */
export function notificationIdFor(sourceEventId: string): string {
  const hash = createHash('sha1').update(`ecom.notification:${sourceEventId}`).digest();
  const bytes = Buffer.from(hash.subarray(0, 16));
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50; // version 5
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
