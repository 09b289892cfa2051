import { requireIntrospector, scopeString, splitJwt, type BearerVerification } from '@gatehouse/core';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { errorResponses, RoleSchema, UserTypeSchema } from '../http/wire.js';

/**
 * RFC 7662 token introspection, for services that accept Gatehouse tokens (the SDK's
 * `verifyToken` / `gatehouseAuth()`). Who may call it is core's rule (`requireIntrospector`); with
 * scopes (SPEC §11) a scoped caller's token needs `tokens:read` here (the route's config.scope).
 * A token's IP allowlist (SPEC §11) is about the address its holder calls from, which only the
 * asking service sees: the answer carries `allowed_ips` and the service enforces it (the SDK's
 * verifier does). Gatehouse cannot check it here: the address reaching it is the service's.
 */

/** RFC 7662 §2.1: `token` and an optional `token_type_hint`. */
export const IntrospectBody = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 8192, description: 'The token to check (without "Bearer ")' }),
  token_type_hint: Type.Optional(Type.String({ maxLength: 100, description: 'Ignored: Gatehouse has one kind of token (RFC 7662 §2.1)' })),
  client_ip: Type.Optional(Type.String({
    maxLength: 64,
    description: "Ignored (kept for older SDKs): a token's last_used_ip is the address Gatehouse saw, never one a caller asserts",
  })),
});

/** RFC 7662 §2.2. Inactive tokens answer `{active: false}` and nothing else. */
export const IntrospectionSchema = Type.Object({
  active: Type.Boolean(),
  sub: Type.Optional(Type.String({ description: "the owner's user_id (e-mail, or <slug>@service)" })),
  exp: Type.Optional(Type.Integer({ description: 'expiry, seconds since the epoch; absent = never' })),
  iat: Type.Optional(Type.Integer()),
  jti: Type.Optional(Type.String()),
  token_type: Type.Optional(Type.Enum(['Personal', 'Service'], { description: 'the token_type claim of Gatehouse tokens' })),
  scope: Type.Optional(Type.String({ description: 'the token’s scopes, space-separated (SPEC §11); "api" (or "scim" for SCIM administration tokens) when unrestricted' })),
  token_id: Type.Optional(Type.Integer()),
  token_name: Type.Optional(Type.String({ description: "the token's own name (e.g. for gatehouse scan's findings)" })),
  user_id: Type.Optional(Type.String()),
  uid: Type.Optional(Type.Integer({ description: "the owner's numeric id" })),
  user_type: Type.Optional(UserTypeSchema),
  name: Type.Optional(Type.String({ description: "the owner's display name" })),
  role: Type.Optional(RoleSchema),
  teams: Type.Optional(Type.Array(Type.String())),
  allowed_ips: Type.Optional(Type.Array(Type.String(), {
    description: "The token's IP allowlist (CIDRs, SPEC §11); absent when any address may use it. The asking service must refuse the token from other client addresses",
  })),
});
export type Introspection = Static<typeof IntrospectionSchema>;

/**
 * `iat` and `jti` of a token the authenticator has just accepted (so its payload is ours). A
 * cached verification keeps no claims (memory per cached token), and decoding this payload
 * costs less than reading the token's row.
 */
function claimsOf(token: string): { iat?: number; jti?: string } {
  const parts = splitJwt(token);
  if (!parts) return {};
  try {
    const c = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    return {
      ...(Number.isSafeInteger(c.iat) ? { iat: c.iat as number } : {}),
      ...(typeof c.jti === 'string' ? { jti: c.jti } : {}),
    };
  } catch {
    return {};
  }
}

export async function introspectRoutes(root: App, ctx: AppContext): Promise<void> {
  // Encapsulated so that the form encoding of RFC 7662 §2.1 is accepted here only: every other
  // route stays JSON-only (the CSRF rule of SPEC §3).
  await root.register(async (scope) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    app.post('/api/introspect', {
      config: { scope: 'tokens:read' },
      schema: {
        operationId: 'introspectToken',
        tags: ['tokens'],
        summary: 'Introspect a token (RFC 7662)',
        description: 'For services that accept Gatehouse tokens: call with the bearer token of a Manager or Admin (e.g. a Manager service account), not a browser session. JSON or form-encoded.',
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        body: IntrospectBody,
        response: { 200: IntrospectionSchema, ...errorResponses(401, 403, 422) },
      },
    }, async (request, reply) => {
      requireIntrospector(actorOf(request));
      const { token } = request.body;
      // RFC 7662 §2.2: responses must not be cached by intermediaries.
      reply.header('cache-control', 'no-store');
      // The same decision as every API request (signature, store, revocation, expiry, user
      // active), through the same cache, so a revocation is seen here as promptly as there.
      const result: BearerVerification = await ctx.authenticator.verifyToken(token, request.ip);
      if (!result.valid) {
        // A refused token counts as one presented to the API: audited and limited per caller
        // address, so that introspection is no unlimited oracle for guessing tokens.
        ctx.metrics.authFailure(result.reason);
        if (result.reason !== 'MISSING') {
          ctx.failures.record(result.reason, request.ip);
          ctx.invalidTokens?.hit(request.ip);
        }
        return { active: false };
      }
      const { user, token: t } = result.principal;
      if (!t) return { active: false };
      return {
        active: true,
        sub: user.userId,
        ...(t.expiration ? { exp: Math.floor(t.expiration.getTime() / 1000) } : {}),
        ...claimsOf(token),
        token_type: t.type,
        // RFC 7662 §2.2: the token's scopes, space-separated; an unrestricted token keeps the
        // names it always had ('api', or 'scim' for SCIM tokens): everything its role allows.
        scope: t.scopes ? scopeString(t.scopes) : t.scimEndpointsOnly ? 'scim' : 'api',
        token_id: t.id,
        token_name: t.name,
        user_id: user.userId,
        uid: user.id,
        user_type: user.type,
        name: user.name,
        role: user.role,
        teams: user.teams.map((team) => team.name),
        ...(t.allowedIps ? { allowed_ips: [...t.allowedIps.cidrs] } : {}),
      };
    });
  });
}
