/**
 * A small typed builder for Kubernetes structural OpenAPI v3 schemas. Each builder returns the
 * schema as plain JSON (what goes into the CRD) and carries the TypeScript type it describes, so
 * `Infer<typeof schema>` is the resource's TS type: the CRD YAML and the types come from the same
 * description and cannot disagree.
 *
 * Structural rules the API server enforces are kept by construction: every node has a `type`,
 * objects list their `properties` (or `additionalProperties` for maps), and every field must carry
 * a description, so `kubectl explain` is useful for every field.
 */

/** The OpenAPI v3 subset CRDs use (apiextensions.k8s.io/v1 JSONSchemaProps). */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: { rule: string; message: string }[];
}

/** A schema node that remembers the TS type it describes (phantom field, never set at runtime). */
export interface Schema<T> {
  readonly json: JsonSchema;
  /** Type carrier only. */
  readonly __type?: T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

interface Common {
  /** Required: every field explains itself (shown by `kubectl explain`). */
  description: string;
  'x-kubernetes-validations'?: { rule: string; message: string }[];
}

function node<T>(json: JsonSchema): Schema<T> {
  return { json };
}

/**
 * Copies only the keys that are set, so the generated YAML has no `undefined` noise, with `type`
 * and `description` first so the YAML reads well.
 */
function defined(json: Record<string, unknown>): JsonSchema {
  const { type, description, ...rest } = json;
  return Object.fromEntries(
    Object.entries({ type, description, ...rest }).filter(([, v]) => v !== undefined),
  ) as JsonSchema;
}

export function string(
  opts: Common & { pattern?: string; minLength?: number; maxLength?: number; format?: string; default?: string },
) {
  return node<string>(defined({ type: 'string', ...opts }));
}

export function stringEnum<const V extends readonly string[]>(values: V, opts: Common & { default?: V[number] }) {
  return node<V[number]>(defined({ type: 'string', enum: [...values], ...opts }));
}

export function integer(opts: Common & { minimum?: number; maximum?: number; default?: number }) {
  return node<number>(defined({ type: 'integer', ...opts }));
}

export function boolean(opts: Common & { default?: boolean }) {
  return node<boolean>(defined({ type: 'boolean', ...opts }));
}

/** A map of string keys to values of one schema (`additionalProperties`). */
export function map<T>(values: Schema<T>, opts: Common) {
  return node<Record<string, T>>(defined({ type: 'object', additionalProperties: values.json, ...opts }));
}

export function array<T>(items: Schema<T>, opts: Common & { listType?: 'atomic' | 'set' | 'map'; mapKeys?: string[] }) {
  const { listType, mapKeys, ...rest } = opts;
  return node<T[]>(
    defined({
      type: 'array',
      items: items.json,
      'x-kubernetes-list-type': listType,
      'x-kubernetes-list-map-keys': mapKeys,
      ...rest,
    }),
  );
}

type Props = Record<string, Schema<unknown>>;
type RequiredKeys<P extends Props, R extends keyof P> = { [K in R]: Infer<P[K]> };
type OptionalKeys<P extends Props, R extends keyof P> = { [K in Exclude<keyof P, R>]?: Infer<P[K]> };
type Flatten<T> = { [K in keyof T]: T[K] };

/**
 * An object with named properties. `required` lists the keys that must be present; the others are
 * optional in the TS type too. `default: {}` makes the API server fill in the defaults of its
 * fields when the object itself is left out (defaults apply only inside objects that exist).
 */
export function object<P extends Props, const R extends keyof P & string = never>(
  properties: P,
  opts: Common & { required?: readonly R[]; default?: Record<string, never> },
) {
  const { required, ...rest } = opts;
  const json = defined({
    type: 'object',
    ...rest,
    properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, v.json])),
    required: required && required.length > 0 ? [...required] : undefined,
  });
  return node<Flatten<RequiredKeys<P, R> & OptionalKeys<P, R>>>(json);
}

/** Walks a schema and lists the paths of nodes without a description (the generator refuses those). */
export function undescribedPaths(json: JsonSchema, path = ''): string[] {
  const missing: string[] = [];
  if (!json.description) missing.push(path || '<root>');
  for (const [key, child] of Object.entries(json.properties ?? {})) {
    missing.push(...undescribedPaths(child, `${path}.${key}`));
  }
  if (json.items) missing.push(...undescribedPaths(json.items, `${path}[]`).filter((p) => p !== `${path}[]`));
  return missing;
}
