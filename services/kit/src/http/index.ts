/// <reference types="@fastify/swagger" preserve="true" />
// Route schemas may carry OpenAPI fields (summary, tags); the swagger plugin adds them to FastifySchema.
export { buildHttpApp, buildOpsApp, type HttpAppOptions, type OpsAppOptions } from './app.js';
export * from './auth/index.js';
export { BadRequestError, ConflictError, type FieldError, HttpProblem, NotFoundError } from './errors.js';
export type { CheckResult, Readiness } from './health.js';
export type { RequestClaim } from './idempotency.js';
export { type PreparedResponse, sendResponse, storeResponse, type UnitOfWork } from './idempotent-response.js';
export { type CloseOptions, closeGracefully, type ListenOptions, listen } from './lifecycle.js';
export { PROBLEM_CONTENT_TYPE } from './problem.js';
export type { Problem } from './problem-details.js';
export {
  currencySchema,
  limitParam,
  listSchema,
  moneySchema,
  problemResponse,
  problemResponses,
  problemSchema,
  uuidParams,
} from './schemas.js';
