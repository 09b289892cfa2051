import { authenticateSession, routeScopeMask, type AuthFailureReason, type BearerVerification, type Principal, type RouteScope } from '@gatehouse/core';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { FixedWindowLimiter } from '../http/abuse-limits.js';
import type { AppContext, AuthMode } from '../http/context.js';
import { API_SECURITY_HEADERS, bearerChallenge, sendErrorFromApiHook } from '../http/errors.js';
import { sessionCookieOf } from '../http/session-cookie.js';
import type { RouteRecorder } from '../metrics.js';
import { sendScimError } from '../scim/errors.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const DETAIL: Record<AuthFailureReason, string> = {
  MISSING: 'Authentication required: send Authorization: Bearer <token>',
  INVALID_REQUEST: 'The Authorization header is malformed: expected "Bearer <token>"',
  MALFORMED: 'The token is invalid',
  BAD_ALG: 'The token is invalid',
  UNKNOWN_KID: 'The token is invalid',
  BAD_SIGNATURE: 'The token is invalid',
  BAD_CLAIMS: 'The token is invalid',
  UNKNOWN_TOKEN: 'The token is invalid or has been deleted',
  EXPIRED: 'The token has expired',
  REVOKED: 'The token has been revoked',
  USER_INACTIVE: "The token's user is deactivated",
};

/** The origin the browser would send for this server (public URL, else from the Host header). */
function ownOrigin(ctx: AppContext, request: FastifyRequest): string {
  return ctx.config.publicUrl ?? `${request.protocol}://${request.host}`;
}

/** The WWW-Authenticate challenge of each refusal, built once. */
const CHALLENGE = Object.fromEntries(
  (Object.keys(DETAIL) as AuthFailureReason[]).map((reason) => [
    reason,
    reason === 'MISSING' ? bearerChallenge() : reason === 'INVALID_REQUEST' ? bearerChallenge('invalid_request') : bearerChallenge('invalid_token', DETAIL[reason]),
  ]),
) as Record<AuthFailureReason, string>;

/**
 * How a route's hook answers a refusal: in the API's error format, or on the SCIM routes as a
 * SCIM error (RFC 7644 §3.12: same status, the detail, the request id in a header).
 */
type SendRefusal = (reply: FastifyReply, status: number, code: string, detail: string) => void;
const apiRefusal: SendRefusal = sendErrorFromApiHook;
const scimRefusal: SendRefusal = (reply, status, _code, detail) => {
  sendScimError(reply, status, detail);
};

function refuse(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, reason: AuthFailureReason, send: SendRefusal, limiter?: FixedWindowLimiter | null): void {
  ctx.metrics.authFailure(reason);
  if (reason !== 'MISSING') {
    ctx.failures.record(reason, request.ip);
    limiter?.hit(request.ip);
  }
  reply.header('www-authenticate', CHALLENGE[reason]);
  if (reason === 'INVALID_REQUEST') {
    send(reply, 400, 'INVALID_REQUEST', DETAIL[reason]);
    return;
  }
  send(reply, 401, reason === 'MISSING' ? 'UNAUTHENTICATED' : 'INVALID_TOKEN', DETAIL[reason]);
}

const SCIM_ONLY = 'The SCIM endpoints accept SCIM administration tokens only';

/** RFC 6750 §3.1: the challenge of a token that lacks the route's scope, made once per route. */
const scopeChallenge = (scope: RouteScope): string =>
  `Bearer realm="gatehouse", error="insufficient_scope", error_description="The token's scopes do not include ${scope}", scope="${scope}"`;

/** What a route needs of a token beyond being valid (SPEC §11), decided once per route. */
interface RouteNeeds {
  scimRoute: boolean;
  scope: RouteScope;
  /** routeScopeMask(scope): 0 = any token. */
  scopeMask: number;
  challenge: string;
}

/**
 * Token rules: SCIM tokens reach SCIM routes only, and SCIM routes only SCIM tokens (SPEC §1);
 * a token with an IP allowlist only from those addresses, and a scoped token only on the routes
 * its scopes cover (SPEC §11). The allowlist comes first: a token used from elsewhere learns
 * nothing about its scopes.
 */
function admit(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, principal: Principal, needs: RouteNeeds): boolean {
  const scimRoute = needs.scimRoute;
  const token = principal.token;
  if (token !== null) {
    if (token.allowedIps && !token.allowedIps.allows(request.ip)) {
      ctx.metrics.authFailure('IP_NOT_ALLOWED');
      ctx.failures.record('IP_NOT_ALLOWED', request.ip, token.id);
      (scimRoute ? scimRefusal : apiRefusal)(reply, 403, 'IP_NOT_ALLOWED', 'This token may not be used from this address (its IP allowlist)');
      return false;
    }
    if (needs.scopeMask !== 0 && token.scopeMask !== undefined && (token.scopeMask & needs.scopeMask) === 0) {
      ctx.metrics.authFailure('INSUFFICIENT_SCOPE');
      reply.header('www-authenticate', needs.challenge);
      (scimRoute ? scimRefusal : apiRefusal)(reply, 403, 'INSUFFICIENT_SCOPE', `This token's scopes do not include ${needs.scope}, which this route needs`);
      return false;
    }
  }
  const scimToken = principal.token?.scimEndpointsOnly === true;
  if (scimToken && !scimRoute) {
    ctx.metrics.authFailure('SCIM_TOKEN_SCOPE');
    apiRefusal(reply, 403, 'SCIM_TOKEN_NOT_ALLOWED', 'This is a SCIM administration token: it can call the SCIM endpoints (/api/scim/v2) only');
    return false;
  }
  if (scimRoute && !scimToken) {
    scimRefusal(reply, 403, 'FORBIDDEN', SCIM_ONLY);
    return false;
  }
  request.principal = principal;
  return true;
}

/** Answered as 503 + Retry-After by the error handler. */
const OVERLOADED = Object.assign(new Error('The server is overloaded; retry later'), { statusCode: 503 });

type OnRequestHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/**
 * The onRequest hooks of the API routes, one per route, made when the route is added (so the
 * route's protection is decided once, not looked up per request). Each starts the request's
 * record (`begin`: its route's metrics recorder, timed from now), sets the API's security
 * headers, refuses while the server is overloaded and, unless the route is public,
 * authenticates: a bearer token when an Authorization header is present, else the session
 * cookie (with the CSRF origin rule of SPEC §3 for unsafe methods). SCIM routes answer their
 * refusals as SCIM errors.
 *
 * Callback-style, with a synchronous path: a cached token (or a remembered refusal) is answered
 * without a promise, so that it costs no more than a hash and a lookup.
 */
export function apiRequestHooks(
  ctx: AppContext,
  isOverloaded: () => boolean,
  begin: (request: FastifyRequest, record: RouteRecorder) => void,
): (route: { auth: AuthMode; scope: RouteScope; alwaysServe: boolean; record: RouteRecorder }) => OnRequestHook {
  const limiter = ctx.invalidTokens;

  const publicRoute = (record: RouteRecorder, checkLoad: boolean): OnRequestHook => (request, reply, done) => {
    begin(request, record);
    reply.headers(API_SECURITY_HEADERS);
    if (checkLoad && isOverloaded()) return done(OVERLOADED);
    done();
  };

  const authenticated = (record: RouteRecorder, needs: RouteNeeds, signatureAllowed = false): OnRequestHook => {
    const scimRoute = needs.scimRoute;
    const send = scimRoute ? scimRefusal : apiRefusal;
    return function authenticate(request, reply, done) {
      begin(request, record);
      reply.headers(API_SECURITY_HEADERS);
      if (isOverloaded()) return done(OVERLOADED);
      const header = request.headers.authorization;

      // No token: the route authenticates the request by its signature (and never by a cookie).
      if (header === undefined && signatureAllowed) return done();
      if (header === undefined) {
        const cookie = sessionCookieOf(request);
        if (cookie === undefined) return refuse(ctx, request, reply, 'MISSING', send);
        if (scimRoute) {
          // A session is a credential, but not one the SCIM endpoints accept: 403, not 401.
          return send(reply, 403, 'FORBIDDEN', SCIM_ONLY);
        }
        const origin = request.headers.origin;
        if (UNSAFE.has(request.method) && origin !== undefined && origin !== ownOrigin(ctx, request)) {
          return send(reply, 403, 'CSRF_REJECTED', 'Cross-origin request refused: the Origin is not this server');
        }
        authenticateSession(ctx.deps, cookie, { ip: request.ip, userAgent: request.headers['user-agent'] ?? null }).then(
          (principal) => {
            if (!principal) return refuse(ctx, request, reply, 'MISSING', send);
            if (admit(ctx, request, reply, principal, needs)) done();
          },
          (err: Error) => done(err),
        );
        return;
      }

      // Too many refused tokens from this IP: 429 before any verification.
      if (limiter !== null && limiter.size > 0) {
        const wait = limiter.retryAfter(request.ip);
        if (wait > 0) {
          reply.header('retry-after', String(wait));
          return send(reply, 429, 'RATE_LIMITED', `Too many invalid tokens from this address; retry in ${wait} s`);
        }
      }
      const result = ctx.authenticator.verify(header, request.ip, request.headers['user-agent'] ?? null);
      if (result instanceof Promise) {
        result.then((r) => onResult(r, needs, send, request, reply, done), (err: Error) => done(err));
      } else {
        onResult(result, needs, send, request, reply, done);
      }
    };
  };

  const onResult = (result: BearerVerification, needs: RouteNeeds, send: SendRefusal, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (!result.valid) return refuse(ctx, request, reply, result.reason, send, limiter);
    if (admit(ctx, request, reply, result.principal, needs)) done();
  };

  return ({ auth, scope, alwaysServe, record }) =>
    auth === 'public'
      ? publicRoute(record, !alwaysServe)
      : authenticated(record, { scimRoute: auth === 'scim', scope, scopeMask: routeScopeMask(scope), challenge: scopeChallenge(scope) }, auth === 'token-or-signature');
}
