/**
 * The request fast path: where a request to the JSON API goes, and the code kept fast on
 * purpose. Everything else in the server is plain Fastify; tuning belongs here (and in the core
 * and db modules named below), its measurements in BENCHMARKS.md ("Why the code is this way").
 *
 * ## Where a request goes
 *
 * 1. The process was started with `V8_FLAGS` (./v8-flags.ts) and the nextTick shape held
 *    (./tick-shape.ts, imported first by the entry points).
 * 2. Node parses the request, Fastify routes it. Every route of the API scope
 *    (plugins/api.ts) has one onRequest hook, made once per route by `apiRequestHooks`
 *    (./authenticate.ts) when the route is added, so that nothing is looked up per request.
 * 3. That hook, callback-style:
 *    - starts the request's record (./request-log.ts: the route's metrics recorder, timed
 *      from now) and sets the API's fixed security headers;
 *    - answers 503 while the server is overloaded (plugins/overload.ts);
 *    - on a route that is not public, authenticates:
 *      - an `Authorization` header: `TokenAuthenticator.verify`
 *        (core/src/auth/verify-bearer-token.ts). Warm: the token's SHA-256 finds the verified
 *        principal in the `TokenCache` (core/src/auth/token-cache.ts), the use is noted in the
 *        `UsageBuffer` (core/src/auth/usage-buffer.ts), and the answer is synchronous. Cold:
 *        the JWT is verified (alg, kid, signature, claims), then the token's record is read
 *        by its peppered HMAC through a prepared statement (db/src/prepared.ts), batched with
 *        the other lookups of the same event-loop turn (db/src/lookup-batcher.ts), then its
 *        user (cached per user);
 *      - else the session cookie, with the CSRF origin rule for unsafe methods;
 *    - refuses in the route's format (the API's error body, or a SCIM error on SCIM routes),
 *      with the RFC 6750 challenge, counting the refusal for the invalid-token limiter and for
 *      the audit log's grouped `auth.failed` events;
 *    - admits a valid token only on routes it may call (`admit`): SCIM tokens on SCIM routes
 *      only, a token with an IP allowlist only from its addresses (403 IP_NOT_ALLOWED; the
 *      answer per address remembered by the parsed list, core/src/tokens/ip-allowlist.ts), and
 *      a scoped token only where its scopes cover the route's declared `config.scope` (403
 *      INSUFFICIENT_SCOPE: one AND of the principal's scope mask and the route's, both made
 *      once: core/src/tokens/scopes.ts).
 * 4. The route's handler (routes/, scim/) calls a core use case and maps its result;
 *    `GET /api/users/me` answers a cached principal with its answer formatted once
 *    (routes/users.ts).
 * 5. When Node reports the answer sent (diagnostics channel `http.server.response.finish`),
 *    its duration is added to the route's histogram (metrics.ts). `request.log` is a child
 *    logger made only if the request logs (./request-logger.ts).
 *
 * ## What it guarantees
 *
 * - A cached token costs one SHA-256 and a Map lookup: no signature check, no store access,
 *   no promise, no write. A token refused for a lasting reason (broken, bad signature,
 *   expired) is refused again from memory.
 * - A bad signature never reaches the store.
 * - No write per request: `last_used` and authentication failures are written behind, about
 *   once a second, in token id order (jobs.ts).
 * - A change that affects authentication (revoke, restore, delete, rotate, deactivation, role
 *   or team change) drops the affected cache entries before the API answers it, in every
 *   process of the host (cluster IPC) or node (PostgreSQL LISTEN/NOTIFY); a node without its
 *   change feed serves uncached. No entry outlives its token's expiry nor the cache's TTL.
 * - No credential is logged; at info, no line per request.
 */
export { apiRequestHooks } from './authenticate.js';
export { RequestLog } from './request-log.js';
export { fastifyLogging } from './request-logger.js';
export { V8_FLAGS, withV8Flags } from './v8-flags.js';
