import { Ajv, type AnySchema, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyServerOptions } from 'fastify';
import { nulCharacterErrors } from './nul-characters.js';

type SchemaController = NonNullable<FastifyServerOptions['schemaController']>;

/** What Fastify hands the validator compiler for each route part. */
interface RouteSchemaDef {
  schema: AnySchema;
  httpPart?: string;
}

const shared: Options = {
  // Report every bad field at once. Ajv warns this costs more on hostile input; the body size
  // is capped by bodyLimit, and schemas should bound arrays and strings (maxItems/maxLength).
  allErrors: true,
  // A body with unknown properties is rejected (when the schema says so), never silently trimmed.
  removeAdditional: false,
  useDefaults: true,
  // OpenAPI's `example` is documentation, not validation; strict mode would reject it.
  keywords: ['example'],
};

function createAjv(externalSchemas: Record<string, unknown>, coerceTypes: Options['coerceTypes']): Ajv {
  const ajv = new Ajv({ ...shared, coerceTypes });
  // ajv-formats is CommonJS; under NodeNext its default import is the module object.
  addFormats.default(ajv, ['uuid', 'date-time', 'date', 'email']);
  for (const schema of Object.values(externalSchemas)) ajv.addSchema(schema as AnySchema);
  return ajv;
}

/**
 * The schema's verdict, then no U+0000 in any string (nulCharacterErrors), reported as more
 * Ajv errors. Fastify passes a context and reads `schemaEnv` (for root coercion) and `errors`.
 */
function rejectingNul(validate: ValidateFunction): ValidateFunction {
  const check = ((data: unknown, context?: Parameters<ValidateFunction>[1]) => {
    const valid = validate(data, context);
    const nul = nulCharacterErrors(data);
    check.errors = nul.length > 0 ? [...(validate.errors ?? []), ...nul] : validate.errors;
    return valid && nul.length === 0;
  }) as ValidateFunction;
  return Object.assign(check, { schema: validate.schema, schemaEnv: validate.schemaEnv });
}

/**
 * Two Ajv instances: querystring, params and headers arrive as strings, so they are coerced
 * ('array' also turns `?status=a` into `['a']` where an array is expected); a JSON body has
 * real types, and coercing it would accept `"quantity": "2"` from a client that is wrong.
 * Fastify calls the factory once per encapsulation context with the schemas added by
 * `addSchema`, so `$ref`s to shared schemas resolve in both instances.
 */
export const schemaController: SchemaController = {
  compilersFactory: {
    buildValidator: ((externalSchemas: Record<string, unknown>) => {
      const body = createAjv(externalSchemas, false);
      const strings = createAjv(externalSchemas, 'array');
      return ({ schema, httpPart }: RouteSchemaDef): ValidateFunction => {
        const ajv = httpPart === 'body' ? body : strings;
        // A schema with an $id compiles once per instance; a second route reusing it gets the cached one.
        const id = typeof schema === 'object' && schema !== null && '$id' in schema ? schema.$id : undefined;
        const stored = typeof id === 'string' ? ajv.getSchema(id) : undefined;
        return rejectingNul(stored ?? ajv.compile(schema));
      };
      // The published ValidatorFactory type describes Ajv's compile, not the route-def
      // compiler Fastify actually calls; the cast bridges that known typing mismatch.
    }) as unknown as NonNullable<SchemaController['compilersFactory']>['buildValidator'],
  },
};
