import { isIPv6 } from 'node:net';
import fastifyRateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Config, RateLimit } from '../config.js';
import type { App } from './context.js';
import { sendError } from './errors.js';

/*
 * Abuse limits (issue 6). Each limit is attached to the one route it protects, never as a
 * global hook: an authenticated request to any other route pays nothing for them.
 *
 * - POST /api/auth/login: attempts per client IP (before the body is read), then failed
 *   attempts per account (the e-mail given, whether or not it exists — so a lockout tells
 *   nothing about which accounts exist). Both answer 429 with Retry-After.
 * - POST /api/auth/setup: attempts per client IP (guessing the one-time setup token).
 * - POST /api/user-tokens and POST /api/user-tokens/:id/rotate: per authenticated user (the
 *   global authentication hook has run before route hooks, so the principal is known).
 * - Refused bearer tokens per IP: `InvalidTokenLimiter`, used by the authentication hook.
 *
 * Counters live in this process (with --workers N, each worker counts on its own).
 */

const tooMany = (message: string) => (_req: FastifyRequest, ctx: { statusCode: number; after: string }) =>
  Object.assign(new Error(`${message}; retry in ${ctx.after}`), { statusCode: ctx.statusCode });

const toArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const perUser = (req: FastifyRequest) => `user:${req.principal?.user.id ?? req.ip}`;
const accountOf = (req: FastifyRequest) => {
  const email = (req.body as { email?: unknown } | undefined)?.email;
  return `account:${typeof email === 'string' ? email.trim().toLowerCase() : ''}`;
};

/**
 * Registers @fastify/rate-limit without a global hook and attaches the configured limits to
 * their routes. Call before the routes are added.
 */
export async function registerAbuseLimits(app: App, config: Readonly<Config>): Promise<void> {
  const limits: Record<string, { limit: RateLimit | null; key?: (req: FastifyRequest) => string; message: string }> = {
    'POST /api/auth/login': { limit: config.limitLoginIp, message: 'Too many login attempts from this address' },
    'POST /api/auth/setup': { limit: config.limitSetupIp, message: 'Too many setup attempts from this address' },
    'POST /api/user-tokens': { limit: config.limitTokenCreate, key: perUser, message: 'Too many tokens created' },
    'POST /api/user-tokens/:id/rotate': { limit: config.limitTokenCreate, key: perUser, message: 'Too many tokens rotated' },
  };
  const account = config.limitLoginAccount;

  // Registered before the plugin, so that its own onRoute hook sees the config set here.
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const entry = methods.map((m) => limits[`${m} ${route.url}`]).find(Boolean);
    if (entry?.limit) {
      route.config = {
        ...route.config,
        rateLimit: {
          max: entry.limit.max,
          timeWindow: entry.limit.windowMs,
          errorResponseBuilder: tooMany(entry.message),
          ...(entry.key ? { keyGenerator: entry.key } : {}),
        },
      } as typeof route.config;
    }
    if (route.url === '/api/auth/login' && route.method === 'POST' && account) {
      // Failed logins only: a success does not count. Checked before the password is (read
      // only), counted once the answer is a 401; concurrent guesses are bounded by the per-IP limit.
      const failures = app.createRateLimit({ max: account.max, timeWindow: account.windowMs, keyGenerator: accountOf });
      const lockout = async (request: FastifyRequest, reply: FastifyReply) => {
        const r = await failures(request, { increment: false });
        if (!r.isAllowed && r.remaining === 0) {
          reply.header('retry-after', String(Math.max(1, r.ttlInSeconds)));
          return sendError(reply, 429, 'RATE_LIMITED', `Too many failed logins for this account; retry in ${Math.max(1, r.ttlInSeconds)} s`);
        }
        return undefined;
      };
      const countFailure = async (request: FastifyRequest, reply: FastifyReply) => {
        if (reply.statusCode === 401) await failures(request);
      };
      route.preHandler = [...toArray(route.preHandler), lockout];
      route.onResponse = [...toArray(route.onResponse), countFailure];
    }
  });
  await app.register(fastifyRateLimit, { global: false, enableDraftSpec: false });
}

/**
 * Refused bearer tokens per client IP in fixed windows, bounded in memory. Only refusals are
 * counted, and `retryAfter` is asked only while some IP has failures, so valid traffic pays a
 * `Map.size` check at most.
 */
export class InvalidTokenLimiter {
  readonly #byIp = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number,
    private readonly capacity = 10_000,
  ) {}

  get size(): number {
    return this.#byIp.size;
  }

  /** IPv6 clients are counted per /64, as they usually own the whole prefix. */
  static key(ip: string): string {
    return isIPv6(ip) ? normalizeIP(ip, 64) : ip;
  }

  /** Seconds until this IP may try again, or 0 if it may now. */
  retryAfter(ip: string): number {
    const entry = this.#byIp.get(InvalidTokenLimiter.key(ip));
    if (!entry) return 0;
    const left = entry.until - this.now();
    if (left <= 0) {
      this.#byIp.delete(InvalidTokenLimiter.key(ip));
      return 0;
    }
    return entry.count >= this.limit.max ? Math.ceil(left / 1000) : 0;
  }

  fail(ip: string): void {
    const key = InvalidTokenLimiter.key(ip);
    const now = this.now();
    const entry = this.#byIp.get(key);
    if (entry && entry.until > now) {
      entry.count++;
      return;
    }
    if (entry) this.#byIp.delete(key);
    if (this.#byIp.size >= this.capacity) this.#evict(now);
    this.#byIp.set(key, { count: 1, until: now + this.limit.windowMs });
  }

  #evict(now: number): void {
    for (const [k, e] of this.#byIp) if (e.until <= now) this.#byIp.delete(k);
    // Still full (a flood from many addresses): drop the oldest windows first.
    const excess = this.#byIp.size - Math.floor(this.capacity * 0.9);
    if (excess > 0) {
      let i = 0;
      for (const k of this.#byIp.keys()) {
        if (i++ >= excess) break;
        this.#byIp.delete(k);
      }
    }
  }
}
