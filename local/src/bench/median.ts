/** The median of the values that were measured (undefined ones are left out); undefined if none were. */
export function median(values: readonly (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  if (known.length === 0) return undefined;
  const mid = Math.floor(known.length / 2);
  return known.length % 2 ? known[mid] : ((known[mid - 1] as number) + (known[mid] as number)) / 2;
}
