import fastifyCookie from '@fastify/cookie';
import type { Gatehouse } from '../gatehouse.js';
import { apiRequestHooks, type RequestLog } from '../fast-path/index.js';
import type { App } from '../http/context.js';
import { accessReviewRoutes } from '../routes/access-review.js';
import { auditEventsRoutes } from '../routes/audit-events.js';
import { authRoutes } from '../routes/auth.js';
import { connectionsRoutes } from '../routes/connections.js';
import { oidcRoutes } from '../routes/oidc.js';
import { datastoresRoutes } from '../routes/datastores.js';
import { healthRoutes } from '../routes/health.js';
import { introspectRoutes } from '../routes/introspect.js';
import { leaksRoutes } from '../routes/leaks.js';
import { teamsRoutes } from '../routes/teams.js';
import { tokenUsageRoutes } from '../routes/token-usage.js';
import { userTokensRoutes } from '../routes/user-tokens.js';
import { usersRoutes } from '../routes/users.js';
import { policyRoutes } from '../routes/policy.js';
import { webhooksRoutes } from '../routes/webhooks.js';
import { handoverRoutes } from '../routes/handover.js';
import { ownersRoutes } from '../routes/owners.js';
import { scimRoutes } from '../scim/routes.js';

const toArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * The JSON API (and the health probes and metrics), in a scope of its own. Each of its routes
 * gets one onRequest hook, first among the route's own hooks (before its rate limits, which
 * need the principal): the request fast path's (fast-path/), which records, sets the API's
 * fixed security headers (not helmet's, which rebuilds its headers in an async hook on every
 * request), checks for overload and authenticates, as the route's `auth` says.
 * Cookies are parsed by that hook; the cookie plugin, which sets them, is registered for the
 * session routes alone (its onSend hook would otherwise run on every answer).
 */
export async function apiScope(api: App, { gatehouse, requestLog }: { gatehouse: Gatehouse; requestLog: RequestLog }): Promise<void> {
  const hookFor = apiRequestHooks(gatehouse, api.isOverloaded, requestLog.begin);
  api.addHook('onRoute', (route) => {
    const hook = hookFor({
      auth: route.config?.auth ?? 'user',
      scope: route.config?.scope ?? 'none',
      alwaysServe: route.config?.alwaysServe === true,
      record: requestLog.recorderFor(route.url),
    });
    route.onRequest = [hook, ...toArray(route.onRequest)];
  });
  await api.register(async (sessions: App) => {
    await sessions.register(fastifyCookie, { hook: false });
    await authRoutes(sessions, gatehouse);
    await oidcRoutes(sessions, gatehouse);
  });
  for (const routes of [
    healthRoutes, usersRoutes, teamsRoutes, userTokensRoutes, tokenUsageRoutes, accessReviewRoutes, datastoresRoutes, connectionsRoutes, auditEventsRoutes,
    introspectRoutes, leaksRoutes, scimRoutes, policyRoutes, webhooksRoutes, handoverRoutes, ownersRoutes,
  ]) {
    await routes(api, gatehouse);
  }
}
