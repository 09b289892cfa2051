import { Type } from 'typebox';
import type { App, AppContext } from '../http/context.js';
import { sendError } from '../http/errors.js';
import { withServers } from '../http/openapi.js';

export async function healthRoutes(app: App, ctx: AppContext): Promise<void> {
  const pub = { auth: 'public' as const };
  // Alive even when overloaded (alwaysServe): only readiness should fail then.
  app.get('/healthz', { config: { ...pub, alwaysServe: true }, schema: { operationId: 'checkLiveness', tags: ['health'], summary: 'Liveness: the process is alive', response: { 200: Type.Object({ status: Type.String() }) } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: pub, schema: { operationId: 'checkReadiness', tags: ['health'], summary: 'Readiness: the database is reachable', response: { 200: Type.Object({ status: Type.String() }) } } }, async (_request, reply) => {
    try {
      await ctx.deps.store.ping();
      return { status: 'ready' };
    } catch {
      return sendError(reply, 503, 'STORE_UNAVAILABLE', 'The database is unavailable');
    }
  });

  // The Qualytics CLI's `doctor` probes GET /api/status (any answer below 400 means reachable).
  app.get('/api/status', { config: pub, schema: { operationId: 'getStatus', tags: ['health'], summary: 'Reachability probe', description: "The Qualytics CLI's `doctor` command calls it.", response: { 200: Type.Object({ status: Type.String() }) } } }, async () => ({ status: 'ok' }));

  app.get('/api/health', { config: pub, schema: { operationId: 'getHealth', tags: ['health'], summary: 'Health, as the Qualytics API answers it', response: { 204: Type.Null() } } }, async (_request, reply) => reply.code(204).send(null));

  app.get('/metrics', { config: pub, schema: { hide: true } }, async (_request, reply) => {
    reply.type(ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });

  app.get('/api/openapi.json', { config: pub, schema: { hide: true } }, async (request) => withServers(app.swagger(), ctx, request));
}
