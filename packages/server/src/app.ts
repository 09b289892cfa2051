import { existsSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyUnderPressure from '@fastify/under-pressure';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  authenticateSession, LocalAuthChangeBus, TokenAuthenticator, TokenCache, UsageBuffer, systemClock,
  type AuthChangeBus, type Clock, type Deps, type Keyring, type PasswordHasher, type Store,
} from '@gatehouse/core';
import Fastify from 'fastify';
import { useCaseSettings, type Config } from './config.js';
import { FixedWindowLimiter, registerAbuseLimits } from './http/abuse-limits.js';
import { AuthFailureLog } from './http/auth-failure-log.js';
import { apiRequestHooks, sessionCookieOf } from './http/authenticate.js';
import type { App, AppContext } from './http/context.js';
import { handleError, sendError } from './http/errors.js';
import { createLogger, fastifyLogging, type LogSetting } from './http/logging.js';
import { requestIdGenerator } from './http/request-ids.js';
import { RequestLog } from './http/request-log.js';
import { parseQueryString, validatorCompiler } from './http/validation.js';
import { createMetrics } from './metrics.js';
import { argon2Passwords } from './passwords.js';
import { auditEventsRoutes } from './routes/audit-events.js';
import { authRoutes } from './routes/auth.js';
import { cliAuthorizeRoutes } from './routes/cli-authorize.js';
import { datastoresRoutes } from './routes/datastores.js';
import { healthRoutes } from './routes/health.js';
import { introspectRoutes } from './routes/introspect.js';
import { teamsRoutes } from './routes/teams.js';
import { userTokensRoutes } from './routes/user-tokens.js';
import { usersRoutes } from './routes/users.js';
import { scimRoutes } from './scim/routes.js';

export interface AppOptions {
  config: Readonly<Config>;
  store: Store;
  keyring: Keyring;
  clock?: Clock;
  passwords?: PasswordHasher;
  /** Cross-node change feed; a single-process bus by default. */
  changes?: AuthChangeBus;
  /** One-time setup token while no user exists (from bootstrap). */
  setupToken?: string | null;
  /** Pino options (and stream) or false; defaults to the config's level with secrets redacted. */
  logger?: LogSetting;
  /** Where the built web UI is; defaults to packages/web/dist. */
  webRoot?: string;
}


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

const here = dirname(fileURLToPath(import.meta.url));
const DEFAULT_WEB_ROOT = resolve(here, '../../web/dist');

const toArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Builds the Gatehouse HTTP app without listening (tests use `inject`). The caller owns the
 * store; closing the app flushes pending `last_used` writes but does not close the store.
 */
export async function buildApp(opts: AppOptions): Promise<App & { gatehouse: AppContext; flushUsage: () => Promise<void> }> {
  const { config, store, keyring } = opts;
  const clock = opts.clock ?? systemClock;
  const changes: AuthChangeBus = opts.changes ?? new LocalAuthChangeBus();
  const deps: Deps = {
    store,
    clock,
    keyring,
    passwords: opts.passwords ?? argon2Passwords(),
    changes,
    ...useCaseSettings(config),
  };
  const cache = new TokenCache(config.tokenCacheSize, { admitOnSecondUse: true });
  const usage = new UsageBuffer();
  const unsubscribe = changes.subscribe((change) => cache.apply(change));
  // Without the cross-node feed, a cached answer could be stale: serve uncached until it is back.
  if (changes.healthy === false) cache.setEnabled(false);
  changes.onHealthChange?.((healthy) => cache.setEnabled(healthy));
  const log = createLogger(opts.logger, config.logLevel);
  const ctx: AppContext = {
    config,
    log,
    deps,
    cache,
    usage,
    authenticator: new TokenAuthenticator({ keyring, tokens: store.tokens, users: store.users, clock, cache, usage }),
    failures: new AuthFailureLog(clock),
    invalidTokens: config.limitInvalidToken ? new FixedWindowLimiter(config.limitInvalidToken, () => clock.nowMs()) : null,
    metrics: createMetrics(store.tokens, cache, clock),
    setupToken: { current: opts.setupToken ?? null },
    routes: [],
  };

  const requestLog = new RequestLog(ctx.metrics);
  const app = Fastify({
    ...fastifyLogging(log),
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
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler());
  app.decorate('gatehouse', ctx);
  app.decorateRequest('principal', null);
  app.decorateRequest('recordRequest', null);
  app.decorateRequest('receivedAt', 0);
  if (log.isLevelEnabled('debug')) app.addHook('onResponse', requestLog.debugLine);

  // JSON only (CSRF rule of SPEC §3); clients also send Content-Type: application/json on bodiless GET/DELETE.
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      const err = Object.assign(new Error('body: is not valid JSON'), { statusCode: 422, code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
      done(err, undefined);
    }
  });

  // Overload: 503 + Retry-After (through handleError) while the event loop lags or the heap is
  // nearly full. The plugin samples and decides, in a scope of its own: its per-request hook
  // reads request.routeOptions (an object built on each read), so the API routes' hook asks it.
  let isUnderPressure = (): boolean => false;
  await app.register(async (scope) => {
    await scope.register(fastifyUnderPressure, {
      maxEventLoopDelay: config.maxEventLoopDelayMs,
      maxHeapUsedBytes: (config.maxHeapMb ?? Math.floor((getHeapStatistics().heap_size_limit * 0.9) / 2 ** 20)) * 2 ** 20,
    });
    isUnderPressure = scope.isUnderPressure;
  });
  // Everything under /api needs authentication unless its route says otherwise; the UI, the
  // API docs and unknown paths (answered by the not-found handler) are public. The routes of the
  // JSON API get their hook (security headers, authentication, metrics; see apiRequestHooks),
  // decided once when each is added, below.
  const apiRequestHook = apiRequestHooks(ctx, () => isUnderPressure(), requestLog.begin);
  app.addHook('onRoute', (route) => {
    const isApi = route.url.startsWith('/api/') && !route.url.startsWith('/api/docs');
    const auth = route.config?.auth ?? (isApi ? 'user' : 'public');
    route.config = { ...route.config, auth };
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      if (method !== 'HEAD') ctx.routes.push({ method, url: route.url, auth });
    }
  });

  // Cookies are read by the authentication hook (parse only) and set by the auth routes, whose
  // scope alone registers the plugin: its onSend hook would otherwise run on every answer.
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Gatehouse API', version: '0.1.0', description: 'Service accounts and API tokens. Authenticate with `Authorization: Bearer <token>`.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  });

  app.setErrorHandler(handleError);
  await registerAbuseLimits(app, config, {
    now: () => clock.nowMs(),
    sessionUserId: async (request) => {
      const cookie = sessionCookieOf(request);
      return cookie === undefined ? undefined : (await authenticateSession(deps, cookie))?.user.id;
    },
  });

  // The JSON API. Its routes' hook sets a fixed set of security headers: @fastify/helmet
  // rebuilds its headers in an async hook on every request, which costs more than
  // authenticating a token.
  await app.register(async (api: App) => {
    // First among the route's own hooks, before its rate limits (which need the principal).
    api.addHook('onRoute', (route) => {
      const hook = apiRequestHook({ auth: route.config?.auth ?? 'user', alwaysServe: route.config?.alwaysServe === true, record: requestLog.recorderFor(route.url) });
      route.onRequest = [hook, ...toArray(route.onRequest)];
    });
    await api.register(async (sessions: App) => {
      await sessions.register(fastifyCookie, { hook: false });
      await authRoutes(sessions, ctx);
    });
    for (const routes of [healthRoutes, usersRoutes, teamsRoutes, userTokensRoutes, datastoresRoutes, auditEventsRoutes, introspectRoutes, scimRoutes]) {
      await routes(api, ctx);
    }
  });

  // Pages for browsers (the UI, the API docs, the CLI login page), with helmet's full set.
  await app.register(async (web: App) => {
    web.addHook('onRequest', (request, _reply, done) => {
      requestLog.begin(request, requestLog.recorderFor(request.routeOptions.url ?? 'unmatched'));
      done();
    });
    await web.register(fastifyHelmet, HELMET_OPTIONS);
    await web.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: true });
    await cliAuthorizeRoutes(web, ctx);
    const webRoot = opts.webRoot ?? DEFAULT_WEB_ROOT;
    const hasUi = existsSync(join(webRoot, 'index.html'));
    const uiPages = requestLog.recorderFor('ui');
    if (hasUi) await web.register(fastifyStatic, { root: webRoot, wildcard: false, index: false, serve: true, decorateReply: true });
    web.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      const isApi = path.startsWith('/api/') || path === '/api' || path === '/metrics';
      if (!isApi && hasUi && request.method === 'GET') {
        // A page of the single-page UI (its router's path), not a miss: measured as route "ui".
        request.recordRequest = uiPages;
        return reply.type('text/html').sendFile('index.html');
      }
      return sendError(reply, 404, 'NOT_FOUND', `No route for ${request.method} ${path}`);
    });
  });

  // last_used and authentication failures are written behind, about once a second (SPEC §2).
  const flush = async () => {
    const batch = usage.drain();
    try {
      if (batch.length > 0) await store.tokens.recordUsage(batch);
    } catch (err) {
      usage.restore(batch);
      log.warn({ err }, 'could not write last_used; will retry');
    }
    await ctx.failures.flush(store.audit).catch((err: unknown) => log.warn({ err }, 'could not write auth failures'));
  };
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    timer = setInterval(() => void flush(), config.usageFlushMs);
    timer.unref();
    requestLog.start();
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    requestLog.stop();
    unsubscribe();
    await flush();
  });
  app.decorate('flushUsage', flush);

  return app as App & { gatehouse: AppContext; flushUsage: () => Promise<void> };
}
