import { Readable } from 'node:stream';
import {
  createToken, deleteToken, getToken, listTokens, rotateToken, tokenBatches, updateToken, type Actor, type CreatedToken, type Deps, type Token,
  type TokenListInput, type TokenSort,
} from '@gatehouse/core';
import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { ListPageOf, ListQuery, listPageToWire, wantsPage, windowOf } from '../http/paging.js';
import { CreatedTokenSchema, errorResponses, Id, IdParams, TokenSchema, tokenToWire } from '../http/wire.js';

const ExpiresInDays = Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], {
  description: 'Days until expiry (1–3650); null or absent = never (if policy allows)',
});

const created = (c: CreatedToken) => ({ ...tokenToWire(c.token), bearer_token: c.bearerToken });

const TOKEN_SORTS = ['created', '-created', 'name', '-name'] as const;

const TokenListQuery = {
  ...ListQuery,
  search: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'tokens whose name starts with this, in any case' })),
  sort: Type.Optional(Type.Enum([...TOKEN_SORTS], { description: 'default -created (newest first); paged shape only' })),
};

const TokenPage = ListPageOf(TokenSchema);
const TokenListResponse = Type.Union([Type.Array(TokenSchema), TokenPage]);

/**
 * A token list: the paged shape when the request has page, size or cursor; otherwise the
 * reference API's plain array in id order, streamed a page at a time from a keyset cursor, so
 * that the server's memory stays flat whatever the count.
 */
async function tokenList(
  deps: Deps,
  actor: Actor,
  reply: FastifyReply,
  q: { page?: number; size?: number; cursor?: string; search?: string; sort?: (typeof TOKEN_SORTS)[number] },
  filter: Pick<TokenListInput, 'scope' | 'serviceAccountId'>,
) {
  const search = q.search !== undefined ? { search: q.search } : {};
  if (wantsPage(q)) {
    const sort = q.sort ?? '-created';
    const w = windowOf(q, sort);
    const page = await listTokens(deps, actor, { ...filter, ...search, ...w.request, sort: { by: sort.replace('-', '') as TokenSort, desc: sort.startsWith('-') } });
    return listPageToWire(page, tokenToWire, w);
  }
  const batches = tokenBatches(deps, actor, { ...filter, ...search })[Symbol.asyncIterator]();
  // The first page is read before answering, so that a failure there is a proper error response.
  const first = await batches.next();
  return reply.type('application/json; charset=utf-8').send(Readable.from(jsonArray(first, batches)));
}

/** `[`, the tokens of every batch, `]`: read as the client reads (the stream pulls the next page). */
async function* jsonArray(first: IteratorResult<Token[]>, rest: AsyncIterator<Token[]>): AsyncGenerator<string> {
  yield '[';
  let sep = '';
  for (let batch = first; !batch.done; batch = await rest.next()) {
    let chunk = '';
    for (const t of batch.value) {
      chunk += sep + JSON.stringify(tokenToWire(t));
      sep = ',';
    }
    yield chunk;
  }
  yield ']';
}

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
    schema: {
      tags: ['tokens'],
      operationId: 'listOwnTokens',
      summary: "The caller's own tokens: a plain array (as the reference API) without page, size or cursor; the paged shape with them",
      querystring: Type.Object({
        ...TokenListQuery,
        include_service: Type.Optional(Type.Boolean({ description: 'also every service token (Admin): the UI\'s "All tokens"' })),
      }),
      response: { 200: TokenListResponse, ...errorResponses(401, 403, 422) },
    },
  }, async (request, reply) => {
    const q = request.query;
    return tokenList(deps, actorOf(request), reply, q, { scope: q.include_service ? 'all' : 'own' });
  });

  app.get('/api/user-tokens/service', {
    schema: {
      tags: ['tokens'],
      operationId: 'listServiceTokens',
      summary: 'All service tokens, optionally of one service account — Admin: a plain array without page, size or cursor; the paged shape with them',
      querystring: Type.Object({ ...TokenListQuery, user_id: Type.Optional(Id({ description: 'the service account' })) }),
      response: { 200: TokenListResponse, ...errorResponses(401, 403, 422) },
    },
  }, async (request, reply) => {
    const q = request.query;
    return tokenList(deps, actorOf(request), reply, q, { scope: 'service', ...(q.user_id !== undefined ? { serviceAccountId: q.user_id } : {}) });
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

  app.post('/api/user-tokens/:id/rotate', {
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
    schema: { tags: ['tokens'], summary: 'Delete a revoked token (an active one must be revoked first)', params: IdParams, response: { 204: Type.Null(), ...errorResponses(401, 404, 409) } },
  }, async (request, reply) => {
    await deleteToken(deps, actorOf(request), request.params.id);
    return reply.code(204).send(null);
  });
}
