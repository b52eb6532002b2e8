import type { FastifyPluginAsync } from 'fastify';
import { rootPlugin } from './root-plugin.js';

/**
 * The APIs speak JSON only. Fastify also ships a text/plain parser; removing it makes such
 * bodies fail with FST_ERR_CTP_INVALID_MEDIA_TYPE, which the problem plugin maps to 415.
 */
export const jsonOnlyPlugin: FastifyPluginAsync = rootPlugin(async (app) => {
  app.removeContentTypeParser('text/plain');
}, 'ecom-json-only');
