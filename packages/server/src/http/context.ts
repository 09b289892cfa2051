import type { Actor, Deps, Principal, RouteScope, TokenAuthenticator, TokenCache, UsageBuffer } from '@gatehouse/core';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { FixedWindowLimiter } from './abuse-limits.js';
import type { AuthFailureLog } from './auth-failure-log.js';
import type { Metrics, RouteRecorder } from '../metrics.js';
import type { LifecycleJobs } from '../lifecycle-jobs.js';

/** What the routes and hooks of one app share. */
export interface AppContext {
  config: Readonly<Config>;
  /** The app's logger (`app.log` is Fastify's silent one; requests log through `request.log`). */
  log: Logger;
  deps: Deps;
  authenticator: TokenAuthenticator;
  cache: TokenCache;
  usage: UsageBuffer;
  failures: AuthFailureLog;
  /** Refused bearer tokens per client IP (null = no limit): the auth hook and introspection count them. */
  invalidTokens: FixedWindowLimiter | null;
  metrics: Metrics;
  /** One-time token for the setup page while no user exists. */
  setupToken: { current: string | null };
  /** Every route of the app as it was added, with its protection (the tests walk them all). */
  routes: Array<{ method: string; url: string; auth: AuthMode; scope: RouteScope | null }>;
  /** Reminders, idle revocation and webhook deliveries (lifecycle-jobs.ts). */
  lifecycle: LifecycleJobs;
}

/**
 * How a route is protected: `public`, any authenticated caller (`user`), SCIM tokens only
 * (`scim`), or `token-or-signature`: a bearer token when an Authorization header is sent, else
 * the route checks a signature of its own (POST /api/leaks) and `request.principal` stays null.
 */
export type AuthMode = 'public' | 'user' | 'scim' | 'token-or-signature';

declare module 'fastify' {
  interface FastifyInstance {
    /** What the app serves (see plugins/context.ts). */
    gatehouse: AppContext;
    /** True while the server should answer 503 (see plugins/overload.ts). */
    isOverloaded(): boolean;
    /** Writes pending `last_used` and auth failures now (see plugins/usage-flusher.ts). */
    flushUsage(): Promise<void>;
  }
  interface FastifyContextConfig {
    auth?: AuthMode;
    /**
     * The token scope the route needs (SPEC §11), declared on every route that is not public
     * (the app refuses to start otherwise) and enforced by the auth hook: `none` = any token.
     */
    scope?: RouteScope;
    /** On a public route: answers even while the server is overloaded (the liveness probe). */
    alwaysServe?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** The route's metrics recorder, set by the route's first hook (see fast-path/request-log.ts). */
    recordRequest: RouteRecorder | null;
    /** `performance.now()` when the route's first hook ran. */
    receivedAt: number;
  }
}

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** The authenticated principal of a route that is not public. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('principalOf() on an unauthenticated request: the route must not be public');
  return request.principal;
}

/** The authenticated caller of a route that is not public. */
export function actorOf(request: FastifyRequest): Actor {
  return { principal: principalOf(request), ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
}
