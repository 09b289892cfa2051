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
 * - POST /api/auth/login: attempts per client IP (before the body is read). Failed attempts
 *   per account are counted by the login use case itself, in the database (core: sessions.ts),
 *   so that concurrent guesses cannot race the count and every node counts alike.
 * - POST /api/auth/setup: attempts per client IP (guessing the one-time setup token).
 * - Token issuance — POST /api/user-tokens, POST /api/user-tokens/:id/rotate, …/self/rotate and
 *   the CLI's browser login (POST /api/cli/authorize) — per user, one budget for them all (the API
 *   routes' authentication hook has run before route hooks, so their principal is known; the
 *   CLI login page is authenticated by its session, looked up for the key).
 * - Refused bearer tokens per IP: `InvalidTokenLimiter`, used by the authentication hook.
 *
 * These counters live in this process (with --workers N, each worker counts on its own).
 */

const tooMany = (message: string) => (_req: FastifyRequest, ctx: { statusCode: number; after: string }) =>
  Object.assign(new Error(`${message}; retry in ${ctx.after}`), { statusCode: ctx.statusCode });

const toArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);


/**
 * Registers @fastify/rate-limit without a global hook and attaches the configured limits to
 * their routes. Call before the routes are added.
 */
export async function registerAbuseLimits(
  app: App,
  config: Readonly<Config>,
  opts: { now: () => number; sessionUserId: (req: FastifyRequest) => Promise<number | undefined> },
): Promise<void> {
  const limits: Record<string, { limit: RateLimit | null; message: string }> = {
    'POST /api/auth/login': { limit: config.limitLoginIp, message: 'Too many login attempts from this address' },
    'POST /api/auth/setup': { limit: config.limitSetupIp, message: 'Too many setup attempts from this address' },
  };
  // One budget per user for every way of issuing a token (the plugin counts per route).
  const issuance = config.limitTokenCreate ? new FixedWindowLimiter(config.limitTokenCreate, opts.now) : null;
  const issuanceKey: Record<string, (req: FastifyRequest) => Promise<string>> = {
    'POST /api/user-tokens': async (req) => `user:${req.principal?.user.id ?? req.ip}`,
    'POST /api/user-tokens/:id/rotate': async (req) => `user:${req.principal?.user.id ?? req.ip}`,
    'POST /api/user-tokens/self/rotate': async (req) => `user:${req.principal?.user.id ?? req.ip}`,
    'POST /api/cli/authorize': async (req) => `user:${(await opts.sessionUserId(req)) ?? req.ip}`,
  };

  // Registered before the plugin, so that its own onRoute hook sees the config set here.
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const entry = methods.map((m) => limits[`${m} ${route.url}`]).find(Boolean);
    if (entry?.limit) {
      route.config = {
        ...route.config,
        rateLimit: { max: entry.limit.max, timeWindow: entry.limit.windowMs, errorResponseBuilder: tooMany(entry.message) },
      } as typeof route.config;
    }
    const keyOf = methods.map((m) => issuanceKey[`${m} ${route.url}`]).find(Boolean);
    if (issuance && keyOf) {
      // Counted when admitted (before the token is made), so that concurrent requests cannot all pass.
      const limitIssuance = async (request: FastifyRequest, reply: FastifyReply) => {
        const key = await keyOf(request);
        const wait = issuance.retryAfter(key);
        if (wait > 0) {
          reply.header('retry-after', String(wait));
          return sendError(reply, 429, 'RATE_LIMITED', `Too many tokens created; retry in ${wait} s`);
        }
        issuance.hit(key);
        return undefined;
      };
      route.preHandler = [limitIssuance, ...toArray(route.preHandler)];
    }
  });
  await app.register(fastifyRateLimit, { global: false, enableDraftSpec: false });
}

/**
 * Counts per key in fixed windows, bounded in memory: refused bearer tokens per client IP (only
 * refusals are counted, and `retryAfter` is asked only while some IP has failures, so valid
 * traffic pays a `Map.size` check at most), and token issuance per user.
 */
export class FixedWindowLimiter {
  readonly #byIp = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number,
    private readonly capacity = 10_000,
  ) {}

  get size(): number {
    return this.#byIp.size;
  }

  /** IPv6 clients are counted per /64, as they usually own the whole prefix; other keys as they are. */
  static key(ip: string): string {
    return isIPv6(ip) ? normalizeIP(ip, 64) : ip;
  }

  /** Seconds until this key may try again, or 0 if it may now. */
  retryAfter(ip: string): number {
    const entry = this.#byIp.get(FixedWindowLimiter.key(ip));
    if (!entry) return 0;
    const left = entry.until - this.now();
    if (left <= 0) {
      this.#byIp.delete(FixedWindowLimiter.key(ip));
      return 0;
    }
    return entry.count >= this.limit.max ? Math.ceil(left / 1000) : 0;
  }

  hit(ip: string): void {
    const key = FixedWindowLimiter.key(ip);
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
