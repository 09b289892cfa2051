import {
  createToken, deleteToken, getToken, listOwnTokens, listServiceTokens, rotateOwnToken, rotateToken, updateToken, type CreatedToken,
  type RotateInput,
} from '@gatehouse/core';
import { Type } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { CreatedTokenSchema, errorResponses, Id, IdParams, TokenSchema, tokenToWire } from '../http/wire.js';

const ExpiresInDays = Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], {
  description: 'Days until expiry (1–3650); null or absent = never (if policy allows)',
});

const created = (c: CreatedToken) => ({ ...tokenToWire(c.token), bearer_token: c.bearerToken });

export async function userTokensRoutes(app: App, { deps }: AppContext): Promise<void> {
  app.post('/api/user-tokens', {
    schema: {
      tags: ['tokens'],
      summary: 'Generate a token: Personal for yourself, or Service for a service account (Admin). The secret is in this response only.',
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 100 }),
        user_id: Type.Optional(Type.Union([Id(), Type.String({ minLength: 1, maxLength: 320 })])),
        expires_in_days: Type.Optional(ExpiresInDays),
        scim_endpoints_only: Type.Optional(Type.Boolean()),
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
    }));
  });

  app.get('/api/user-tokens', {
    schema: { tags: ['tokens'], summary: "The caller's own tokens (a plain array, as the reference API)", response: { 200: Type.Array(TokenSchema), ...errorResponses(401) } },
  }, async (request) => (await listOwnTokens(deps, actorOf(request))).map(tokenToWire));

  app.get('/api/user-tokens/service', {
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
    schema: { tags: ['tokens'], summary: 'One token (owner or Admin); never the secret', params: IdParams, response: { 200: TokenSchema, ...errorResponses(401, 404) } },
  }, async (request) => tokenToWire(await getToken(deps, actorOf(request), request.params.id)));

  app.put('/api/user-tokens/:id', {
    schema: {
      tags: ['tokens'],
      summary: '{"revoke": true} revokes at once, {"revoke": false} restores, {"name": …} renames — owner or Admin (service tokens: Admin; the owner restores only what they revoked)',
      params: IdParams,
      body: Type.Object({ revoke: Type.Optional(Type.Boolean()), name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) }),
      response: { 200: TokenSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
  }, async (request) => {
    const { revoke, name } = request.body;
    return tokenToWire(await updateToken(deps, actorOf(request), request.params.id, {
      ...(revoke !== undefined ? { revoke } : {}),
      ...(name !== undefined ? { name } : {}),
    }));
  });

  const RotateBody = Type.Object({
    expires_in_days: Type.Optional(ExpiresInDays),
    grace_hours: Type.Optional(Type.Integer({ minimum: 0, maximum: 168, description: 'hours the previous secret keeps working (0–168, default 0: it stops at once)' })),
  });
  const rotateInput = (b: { expires_in_days?: number | null; grace_hours?: number }): RotateInput => ({
    ...(b.expires_in_days !== undefined ? { expiresInDays: b.expires_in_days } : {}),
    ...(b.grace_hours !== undefined ? { graceHours: b.grace_hours } : {}),
  });
  // The body is optional: a bare POST rotates with the token's original lifetime.
  const emptyBody = (request: { body: unknown }, _reply: unknown, done: () => void) => {
    request.body ??= {};
    done();
  };

  app.post('/api/user-tokens/:id/rotate', {
    preValidation: emptyBody,
    schema: {
      tags: ['tokens'],
      summary: 'Issue a new secret for a token (owner or Admin); the old secret stops at once, or after grace_hours',
      params: IdParams,
      body: RotateBody,
      response: { 200: CreatedTokenSchema, ...errorResponses(401, 404, 409, 422) },
    },
  }, async (request) => created(await rotateToken(deps, actorOf(request), request.params.id, rotateInput(request.body))));

  // A static segment: Fastify matches it before /api/user-tokens/:id/rotate.
  app.post('/api/user-tokens/self/rotate', {
    preValidation: emptyBody,
    schema: {
      operationId: 'rotateOwnToken',
      tags: ['tokens'],
      summary: 'The calling token rotates itself (automation renewing its own credential, service accounts included), within policy',
      body: RotateBody,
      response: { 200: CreatedTokenSchema, ...errorResponses(401, 403, 409, 422) },
    },
  }, async (request) => created(await rotateOwnToken(deps, actorOf(request), rotateInput(request.body))));

  app.delete('/api/user-tokens/:id', {
    schema: { tags: ['tokens'], summary: 'Delete a revoked token (an active one must be revoked first)', params: IdParams, response: { 204: Type.Null(), ...errorResponses(401, 404, 409) } },
  }, async (request, reply) => {
    await deleteToken(deps, actorOf(request), request.params.id);
    return reply.code(204).send(null);
  });
}
