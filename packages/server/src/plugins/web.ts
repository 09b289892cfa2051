import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { Gatehouse } from '../gatehouse.js';
import type { RequestLog } from '../fast-path/index.js';
import type { App } from '../http/context.js';
import { withServers } from '../http/openapi.js';
import { cliAuthorizeRoutes } from '../routes/cli-authorize.js';
import { notFound } from './not-found.js';

/** Helmet for the pages: a CSP that the built UI satisfies (no inline scripts). */
const HELMET_OPTIONS: FastifyHelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      upgradeInsecureRequests: null, // plain HTTP on a LAN must keep working; HTTPS is the proxy's call
    },
  },
  frameguard: { action: 'deny' },
  hsts: false, // set by the TLS-terminating proxy, which knows whether HTTPS is in use
};

/** The built web UI, beside this package in the repository. */
export const DEFAULT_WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/**
 * Pages for browsers, in a scope of their own with helmet's full set of headers: the API docs,
 * the CLI login page, the built UI's files, and the not-found handler (which serves the UI's
 * page for the UI's own paths, and 404 otherwise).
 */
export async function webScope(web: App, { gatehouse, requestLog, webRoot = DEFAULT_WEB_ROOT }: { gatehouse: Gatehouse; requestLog: RequestLog; webRoot?: string | undefined }): Promise<void> {
  web.addHook('onRequest', (request, _reply, done) => {
    requestLog.begin(request, requestLog.recorderFor(request.routeOptions.url ?? 'unmatched'));
    done();
  });
  await web.register(fastifyHelmet, HELMET_OPTIONS);
  await web.register(fastifySwaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
    transformSpecification: (doc, request) => withServers(doc, gatehouse, request),
  });
  await cliAuthorizeRoutes(web, gatehouse);
  const hasUi = existsSync(join(webRoot, 'index.html'));
  if (hasUi) await web.register(fastifyStatic, { root: webRoot, wildcard: false, index: false, serve: true, decorateReply: true });
  await web.register(notFound, { hasUi, uiPages: requestLog.recorderFor('ui') });
}
