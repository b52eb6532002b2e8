import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { type Problem, problem, problemFromError } from './problem-details.js';
import { rootPlugin } from './root-plugin.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * Sends a Problem as a pre-serialized string: a route's own response schema (e.g. for 400)
 * would otherwise run fast-json-stringify over it and could drop members like `errors`.
 * P may add RFC 9457 extension members (e.g. readiness `checks`).
 */
export function sendProblem<P extends Problem>(reply: FastifyReply, problem: P): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/** Every error and every unknown route becomes an RFC 9457 problem. Decorates the root. */
export const problemPlugin: FastifyPluginAsync = rootPlugin(async (app) => {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const mapped = problemFromError(error, request.url, request.id);
    // This handler replaces Fastify's default one, which did the logging; request.log
    // already carries the request id, so the log line and the 500 detail can be matched.
    if (!mapped.exposed || mapped.problem.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ status: mapped.problem.status, detail: mapped.problem.detail }, 'request rejected');
    if (mapped.problem.status === 503) reply.header('retry-after', '1');
    return sendProblem(reply, mapped.problem);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem(404, `No route for ${request.method} ${request.url.split('?')[0]}`, request.url)),
  );
}, 'ecom-problem');
