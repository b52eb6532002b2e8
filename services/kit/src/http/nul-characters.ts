import type { ErrorObject } from 'ajv';

const NUL = '\u0000';

/** RFC 6901 escaping, so a property named `a/b` stays one segment. */
function segment(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * PostgreSQL `text` and `jsonb` cannot hold U+0000, so a string carrying it would fail deep in a
 * query as a 500. This finds every such string (or object key) in parsed input, as Ajv-shaped
 * errors so they reach the caller as one 400 field error each, like any schema violation.
 */
export function nulCharacterErrors(value: unknown, instancePath = ''): ErrorObject[] {
  const message = 'must not contain the NUL character (U+0000)';
  if (typeof value === 'string') {
    return value.includes(NUL) ? [{ keyword: 'nulCharacter', instancePath, schemaPath: '', params: {}, message }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => nulCharacterErrors(item, `${instancePath}/${i}`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => {
      const path = `${instancePath}/${segment(key)}`;
      const own: ErrorObject[] = key.includes(NUL)
        ? [{ keyword: 'nulCharacter', instancePath: path, schemaPath: '', params: {}, message }]
        : [];
      return [...own, ...nulCharacterErrors(item, path)];
    });
  }
  return [];
}
