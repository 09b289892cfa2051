import { createVerifier, type GatehousePrincipal, type Verifier, type VerifierOptions, type VerifyFailure } from './verify.js';

/*
 * Adapters for Express (and Connect-style frameworks) and Fastify, written against the shape
 * of their request and reply objects so that the SDK imports neither.
 */

/** The parts of a Node/Express request the middleware reads. */
export interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  ip?: string | undefined;
  socket?: { remoteAddress?: string | undefined } | undefined;
  gatehouse?: GatehousePrincipal;
}

/** The parts of a Node/Express response the middleware writes. */
export interface ResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/** The parts of a Fastify reply the hook uses. */
export interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(body?: unknown): unknown;
}

export interface GatehouseAuth {
  /** Express/Connect middleware: sets `req.gatehouse` or answers 401/403/503. */
  express(req: RequestLike, res: ResponseLike, next: (err?: unknown) => void): void;
  /** Fastify onRequest/preHandler hook: sets `request.gatehouse` or answers 401/403/503. */
  fastify(request: RequestLike, reply: FastifyReplyLike): Promise<unknown>;
  readonly verifier: Verifier;
}

/** RFC 6750 §3: the challenge with every 401 (`invalid_token` when a token was given) and with a missing scope (§3.1). */
function challenge(f: VerifyFailure): string | undefined {
  if (f.reason === 'SCOPE') return `Bearer realm="gatehouse", error="insufficient_scope", scope="${f.scope}"`;
  if (f.status !== 401) return undefined;
  return f.reason === 'MISSING' ? 'Bearer realm="gatehouse"' : `Bearer realm="gatehouse", error="invalid_token", error_description="${f.detail.replace(/["\\]/g, '')}"`;
}

const headerOf = (req: RequestLike): string | undefined => {
  const h = req.headers.authorization;
  return Array.isArray(h) ? h[0] : h;
};

/**
 * Protects routes of another service with Gatehouse tokens.
 *
 * @example Express
 * const auth = gatehouseAuth({ url: process.env.GATEHOUSE_URL!, token: process.env.GATEHOUSE_INTROSPECT_TOKEN! });
 * app.use('/api', auth.express);
 * app.get('/api/hello', (req, res) => res.json({ hello: req.gatehouse.sub }));
 *
 * @example Fastify
 * app.addHook('onRequest', gatehouseAuth({ url, token, minRole: 'Editor' }).fastify);
 */
export function gatehouseAuth(opts: VerifierOptions): GatehouseAuth {
  const verifier = createVerifier(opts);
  const check = (req: RequestLike) => {
    const ip = req.ip ?? req.socket?.remoteAddress;
    return verifier.verify(headerOf(req), ip ? { clientIp: ip } : {});
  };
  const body = (f: VerifyFailure) => JSON.stringify({ detail: f.detail, code: f.reason });

  return {
    verifier,
    express(req, res, next) {
      check(req).then(
        (r) => {
          if (r.valid) {
            req.gatehouse = r.principal;
            return next();
          }
          res.statusCode = r.status;
          const c = challenge(r);
          if (c) res.setHeader('www-authenticate', c);
          if (r.status === 503) res.setHeader('retry-after', '5');
          res.setHeader('content-type', 'application/json; charset=utf-8');
          res.end(body(r));
        },
        (err: unknown) => next(err),
      );
    },
    async fastify(request, reply) {
      const r = await check(request);
      if (r.valid) {
        request.gatehouse = r.principal;
        return;
      }
      const c = challenge(r);
      if (c) reply.header('www-authenticate', c);
      if (r.status === 503) reply.header('retry-after', '5');
      // Fastify: an async hook that answers returns the reply.
      return reply.code(r.status).header('content-type', 'application/json; charset=utf-8').send(body(r));
    },
  };
}
