import type { Server } from 'node:http';
import type { FastifyHttpOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Gatehouse } from '../gatehouse.js';
import { fastifyLogging } from '../fast-path/request-logger.js';
import type { RequestLog } from '../fast-path/request-log.js';
import { handleError } from '../http/errors.js';
import { requestIdGenerator } from '../http/request-ids.js';
import { parseQueryString, validatorCompiler } from '../http/validation.js';

/** Fastify's own options: logging, request ids, proxies, limits and timeouts, the router. */
export function fastifyOptions(gatehouse: Gatehouse): FastifyHttpOptions<Server> {
  const { config } = gatehouse;
  return {
    ...fastifyLogging(gatehouse.log),
    genReqId: requestIdGenerator(),
    requestIdHeader: false,
    trustProxy: config.trustProxy,
    bodyLimit: 64 * 1024,
    requestTimeout: config.requestTimeoutMs,
    // Slow clients (slowloris): headers within 10 s, checked every second rather than Node's 30 s.
    http: { requestTimeout: config.requestTimeoutMs, headersTimeout: Math.min(10_000, config.requestTimeoutMs), connectionsCheckingInterval: Math.min(1_000, config.requestTimeoutMs) },
    routerOptions: { querystringParser: parseQueryString, ignoreTrailingSlash: true },
    // Bad URLs and over-long path parameters, refused by the router itself, answer in our error format too.
    frameworkErrors: (error, request, reply) => handleError(error, request, reply),
  };
}

/**
 * The app's context: the Gatehouse it serves (`app.gatehouse`), what each request carries, how
 * input is validated, the error handler, how a route's protection defaults (everything under
 * /api needs authentication unless its route says otherwise; pages, the API docs and unknown
 * paths are public) and the request log's lifetime.
 */
export const appContext = fp<{ gatehouse: Gatehouse; requestLog: RequestLog }>(
  async (app, { gatehouse, requestLog }) => {
    app.setValidatorCompiler(validatorCompiler());
    app.decorate('gatehouse', gatehouse);
    app.decorateRequest('principal', null);
    app.decorateRequest('recordRequest', null);
    app.decorateRequest('receivedAt', 0);
    if (gatehouse.log.isLevelEnabled('debug')) app.addHook('onResponse', requestLog.debugLine);
    app.addHook('onRoute', (route) => {
      const isApi = route.url.startsWith('/api/') && !route.url.startsWith('/api/docs');
      const auth = route.config?.auth ?? (isApi ? 'user' : 'public');
      route.config = { ...route.config, auth };
      const scope = route.config.scope ?? null;
      // The route → scope table is the routes' own declarations: a protected route without one is a bug, caught at boot.
      if (auth !== 'public' && scope === null) throw new Error(`${String(route.method)} ${route.url}: a protected route must declare config.scope (SPEC §11)`);
      for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
        if (method !== 'HEAD') gatehouse.routes.push({ method, url: route.url, auth, scope });
      }
    });
    app.setErrorHandler(handleError);
    app.addHook('onReady', async () => requestLog.start());
    app.addHook('onClose', async () => requestLog.stop());
  },
  { name: 'gatehouse-context' },
);
