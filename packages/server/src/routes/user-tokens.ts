import {
  createToken, deleteToken, getToken, listOwnTokens, listServiceTokens, MAX_ALLOWED_IPS, rotateToken, SCOPES, updateToken, type CreatedToken,
} from '@gatehouse/core';
import { Type } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { CreatedTokenSchema, errorResponses, Id, IdParams, TokenSchema, tokenToWire } from '../http/wire.js';

const ExpiresInDays = Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], {
  description: 'Days until expiry (1–3650); null or absent = never (if policy allows)',
});

const Scopes = Type.Array(Type.Enum([...SCOPES]), {
  minItems: 1,
  description: "SPEC §11: what the token may do within its owner's role: read (safe methods only) or resource scopes; absent or null = everything the role allows",
});
const AllowedIps = Type.Union([Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: MAX_ALLOWED_IPS }), Type.Null()], {
  description: 'SPEC §11: IPv4/IPv6 CIDRs (e.g. 203.0.113.0/24, 2001:db8::/32) the token may be used from; null = anywhere',
});

const created = (c: CreatedToken) => ({ ...tokenToWire(c.token), bearer_token: c.bearerToken });

export async function userTokensRoutes(app: App, { deps }: AppContext): Promise<void> {
  app.post('/api/user-tokens', {
    config: { scope: 'tokens:write' },
    schema: {
      tags: ['tokens'],
      summary: 'Generate a token: Personal for yourself, or Service for a service account (Admin). The secret is in this response only.',
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 100 }),
        user_id: Type.Optional(Type.Union([Id(), Type.String({ minLength: 1, maxLength: 320 })])),
        expires_in_days: Type.Optional(ExpiresInDays),
        scim_endpoints_only: Type.Optional(Type.Boolean()),
        scopes: Type.Optional(Type.Union([Scopes, Type.Null()])),
        allowed_ips: Type.Optional(AllowedIps),
      }),
      response: { 200: CreatedTokenSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
  }, async (request) => {
    const b = request.body;
    return created(await createToken(deps, actorOf(request), {
      name: b.name,
      ...(b.user_id !== undefined ? { userId: b.user_id } : {}),
      ...(b.expires_in_days !== undefined ? { expiresInDays: b.expires_in_days } : {}),
      ...(b.scim_endpoints_only !== undefined ? { scimEndpointsOnly: b.scim_endpoints_only } : {}),
      ...(b.scopes !== undefined ? { scopes: b.scopes } : {}),
      ...(b.allowed_ips !== undefined ? { allowedIps: b.allowed_ips } : {}),
    }));
  });

  app.get('/api/user-tokens', {
    config: { scope: 'tokens:read' },
    schema: { tags: ['tokens'], summary: "The caller's own tokens (a plain array, as the reference API)", response: { 200: Type.Array(TokenSchema), ...errorResponses(401) } },
  }, async (request) => (await listOwnTokens(deps, actorOf(request))).map(tokenToWire));

  app.get('/api/user-tokens/service', {
    config: { scope: 'tokens:read' },
    schema: {
      tags: ['tokens'],
      summary: 'All service tokens, optionally of one service account — Admin',
      querystring: Type.Object({ user_id: Type.Optional(Id()) }),
      response: { 200: Type.Array(TokenSchema), ...errorResponses(401, 403) },
    },
  }, async (request) => {
    const q = request.query;
    return (await listServiceTokens(deps, actorOf(request), q.user_id !== undefined ? { userId: q.user_id } : {})).map(tokenToWire);
  });

  app.get('/api/user-tokens/:id', {
    config: { scope: 'tokens:read' },
    schema: { tags: ['tokens'], summary: 'One token (owner or Admin); never the secret', params: IdParams, response: { 200: TokenSchema, ...errorResponses(401, 404) } },
  }, async (request) => tokenToWire(await getToken(deps, actorOf(request), request.params.id)));

  app.put('/api/user-tokens/:id', {
    config: { scope: 'tokens:write' },
    schema: {
      tags: ['tokens'],
      summary: '{"revoke": true} revokes at once, {"revoke": false} restores, {"name": …} renames — owner or Admin (service tokens: Admin; the owner restores only what they revoked)',
      params: IdParams,
      body: Type.Object({
        revoke: Type.Optional(Type.Boolean()),
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        allowed_ips: Type.Optional(AllowedIps),
      }),
      response: { 200: TokenSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
  }, async (request) => {
    const { revoke, name, allowed_ips } = request.body;
    return tokenToWire(await updateToken(deps, actorOf(request), request.params.id, {
      ...(revoke !== undefined ? { revoke } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(allowed_ips !== undefined ? { allowedIps: allowed_ips } : {}),
    }));
  });

  app.post('/api/user-tokens/:id/rotate', {
    config: { scope: 'tokens:write' },
    // The body is optional: a bare POST rotates with the token's original lifetime.
    preValidation: (request, _reply, done) => {
      request.body ??= {};
      done();
    },
    schema: {
      tags: ['tokens'],
      summary: 'Issue a new secret for a token; the old secret stops at once (owner or Admin)',
      params: IdParams,
      body: Type.Object({ expires_in_days: Type.Optional(ExpiresInDays) }),
      response: { 200: CreatedTokenSchema, ...errorResponses(401, 404, 409, 422) },
    },
  }, async (request) => {
    const days = request.body.expires_in_days;
    return created(await rotateToken(deps, actorOf(request), request.params.id, days !== undefined ? { expiresInDays: days } : {}));
  });

  app.delete('/api/user-tokens/:id', {
    config: { scope: 'tokens:write' },
    schema: { tags: ['tokens'], summary: 'Delete a revoked token (an active one must be revoked first)', params: IdParams, response: { 204: Type.Null(), ...errorResponses(401, 404, 409) } },
  }, async (request, reply) => {
    await deleteToken(deps, actorOf(request), request.params.id);
    return reply.code(204).send(null);
  });
}
