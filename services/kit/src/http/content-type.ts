import { errorCodes, type FastifyPluginAsync, type FastifyRequest } from 'fastify';
import { rootPlugin } from './root-plugin.js';

/** A route without a body schema takes no body: an empty one is no body, whatever its Content-Type. */
function bodyless(request: FastifyRequest): boolean {
  return request.routeOptions.schema?.body === undefined;
}

/**
 * The APIs speak JSON only. Fastify also ships a text/plain parser; removing it makes such
 * bodies fail with FST_ERR_CTP_INVALID_MEDIA_TYPE, which the problem plugin maps to 415.
 *
 * Many HTTP client wrappers send `Content-Type: application/json` on every request, a DELETE
 * with no body included: a route that takes no body accepts an empty one under any Content-Type
 * (Fastify alone answers 400 for empty JSON and 415 for other types). Routes with a body schema
 * keep those answers.
 */
export const jsonOnlyPlugin: FastifyPluginAsync = rootPlugin(async (app) => {
  app.removeContentTypeParser('text/plain');

  // Fastify's own JSON parser, with the instance's (default: 'error') prototype-poisoning policy.
  const json = app.getDefaultJsonParser(
    app.initialConfig.onProtoPoisoning ?? 'error',
    app.initialConfig.onConstructorPoisoning ?? 'error',
  );
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body: string, done) => {
    if (body.length === 0 && bodyless(request)) return done(null, undefined);
    return json(request, body, done);
  });

  // Any other type (or none, with a body): no body at all is fine for a body-less route, else 415.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    if (body.length === 0 && bodyless(request)) return done(null, undefined);
    return done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(request.headers['content-type']), undefined);
  });
}, 'ecom-json-only');
