import { Readable } from 'node:stream';
import {
  createToken, deleteToken, getToken, listTokens, MAX_ALLOWED_IPS, rotateOwnToken, rotateToken, SCOPES, tokenBatches, updateToken, type Actor, type CreatedToken,
  type Deps, type RotateInput, type Token, type TokenListInput, type TokenSort,
} from '@gatehouse/core';
import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { ListPageOf, ListQuery, listPageToWire, wantsPage, windowOf } from '../http/paging.js';
import { CreatedTokenSchema, errorResponses, Id, IdParams, TokenSchema, tokenToWire } from '../http/wire.js';

const ExpiresInDays = Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], {
  description: 'Days until expiry (1–3650); null or absent = never (if policy allows)',
});

const IdleRevokeDays = Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], {
  description: "SPEC §9: revoke the token (reason idle) after this many days without use, warned 7 days before; at most its type's policy "
    + '(`idle_revoke_days` in GET /api/policy; a longer value is a 422); null or absent = the policy alone',
});

const Scopes = Type.Array(Type.Enum([...SCOPES]), {
  minItems: 1,
  description: "SPEC §11: what the token may do within its owner's role: read (safe methods only) or resource scopes; absent or null = everything the role allows",
});
const AllowedIps = Type.Union([Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: MAX_ALLOWED_IPS }), Type.Null()], {
  description: 'SPEC §11: IPv4/IPv6 CIDRs (e.g. 203.0.113.0/24, 2001:db8::/32) the token may be used from; null = anywhere',
});
/** The seed page's example (generate-service-token): a Service token for a service account. */
const CREATE_TOKEN_EXAMPLES = {
  serviceToken: { summary: 'A Service token for service account 123, valid one year', value: { name: 'api-production', user_id: 123, expires_in_days: 365 } },
  personalToken: { summary: 'A Personal token for yourself, valid 30 days', value: { name: 'laptop', expires_in_days: 30 } },
};
const CREATED_TOKEN_EXAMPLES = {
  serviceToken: {
    summary: 'The Service token generated (its secret shown this once)',
    value: {
      id: 456, name: 'api-production', type: 'Service', active: true, scim_endpoints_only: false,
      expiration: '2026-11-05T12:34:56Z', created: '2025-11-05T12:34:56Z', created_by_id: 1,
      last_used: null, last_used_ip: null, revoked_at: null, revoked_by_id: null, revoke_reason: null, previous_secret_expires_at: null,
      bearer_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...',
      user: { id: 123, user_id: 'api_access@service', name: 'API Access', user_type: 'Service' },
      scopes: null, allowed_ips: null, idle_revoke_days: null,
    },
  },
};

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
    config: { scope: 'tokens:write' },
    schema: {
      operationId: 'createUserToken',
      tags: ['tokens'],
      summary: 'Generate a token',
      description: 'A Personal token for yourself, or, with `user_id`, a Service token for a service account (Admin). '
        + 'The secret (`bearer_token`) is in this response only: Gatehouse keeps a hash of it.',
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 100 }),
        user_id: Type.Optional(Type.Union([Id(), Type.String({ minLength: 1, maxLength: 320 })], { description: 'The service account (its id or user_id) for a Service token; absent = a Personal token for yourself' })),
        expires_in_days: Type.Optional(ExpiresInDays),
        scim_endpoints_only: Type.Optional(Type.Boolean({ description: 'A SCIM administration token: it can call /api/scim/v2 only' })),
        scopes: Type.Optional(Type.Union([Scopes, Type.Null()])),
        allowed_ips: Type.Optional(AllowedIps),
        idle_revoke_days: Type.Optional(IdleRevokeDays),
      }, { 'x-examples': CREATE_TOKEN_EXAMPLES }),
      response: { 200: Type.Object(CreatedTokenSchema.properties, { 'x-examples': CREATED_TOKEN_EXAMPLES }), ...errorResponses(403, 404, 409) },
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
      ...(b.idle_revoke_days !== undefined ? { idleRevokeDays: b.idle_revoke_days } : {}),
    }));
  });

  app.get('/api/user-tokens', {
    config: { scope: 'tokens:read' },
    schema: {
      operationId: 'listOwnTokens',
      tags: ['tokens'],
      summary: "List the caller's own tokens",
      description:
        'Without page, size or cursor: a plain array, as the Qualytics API answers it (streamed, in id order). With them: the paged shape, ' +
        'newest first by default. `include_service` (Admin) adds every service token (the UI\'s "All tokens").',
      querystring: Type.Object({
        ...TokenListQuery,
        include_service: Type.Optional(Type.Boolean({ description: 'also every service token (Admin)' })),
      }),
      response: { 200: TokenListResponse, ...errorResponses(403) },
    },
  }, async (request, reply) => {
    const q = request.query;
    return tokenList(deps, actorOf(request), reply, q, { scope: q.include_service ? 'all' : 'own' });
  });

  app.get('/api/user-tokens/service', {
    config: { scope: 'tokens:read' },
    schema: {
      operationId: 'listServiceTokens',
      tags: ['tokens'],
      summary: 'List service tokens',
      description:
        'Admin. Every service token, or those of one service account (`user_id`), with their last use and status. Without page, size or ' +
        'cursor: a plain array (streamed, in id order); with them: the paged shape, newest first by default.',
      querystring: Type.Object({ ...TokenListQuery, user_id: Type.Optional(Id({ description: 'Only the tokens of this service account' })) }),
      response: { 200: TokenListResponse, ...errorResponses(403) },
    },
  }, async (request, reply) => {
    const q = request.query;
    return tokenList(deps, actorOf(request), reply, q, { scope: 'service', ...(q.user_id !== undefined ? { serviceAccountId: q.user_id } : {}) });
  });

  app.get('/api/user-tokens/:id', {
    config: { scope: 'tokens:read' },
    schema: {
      operationId: 'getUserToken',
      tags: ['tokens'],
      summary: 'Get a token',
      description: 'Its owner or an Admin. Never the secret.',
      params: IdParams,
      response: { 200: TokenSchema },
    },
  }, async (request) => tokenToWire(await getToken(deps, actorOf(request), request.params.id)));

  app.put('/api/user-tokens/:id', {
    config: { scope: 'tokens:write' },
    schema: {
      operationId: 'updateUserToken',
      tags: ['tokens'],
      summary: 'Revoke, restore or rename a token',
      description: '`{"revoke": true}` revokes at once (the next request with it is refused), `{"revoke": false}` restores, `{"name": …}` renames, '
        + '`{"allowed_ips": …}` and `{"idle_revoke_days": …}` restrict it. '
        + 'Its owner or an Admin; service tokens: Admin. An owner restores only a revocation of their own.',
      params: IdParams,
      body: Type.Object({
        revoke: Type.Optional(Type.Boolean()),
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        allowed_ips: Type.Optional(AllowedIps),
        idle_revoke_days: Type.Optional(IdleRevokeDays),
      }),
      response: { 200: TokenSchema, ...errorResponses(409) },
    },
  }, async (request) => {
    const { revoke, name, allowed_ips, idle_revoke_days } = request.body;
    return tokenToWire(await updateToken(deps, actorOf(request), request.params.id, {
      ...(revoke !== undefined ? { revoke } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(allowed_ips !== undefined ? { allowedIps: allowed_ips } : {}),
      ...(idle_revoke_days !== undefined ? { idleRevokeDays: idle_revoke_days } : {}),
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
    config: { scope: 'tokens:write' },
    preValidation: emptyBody,
    schema: {
      operationId: 'rotateUserToken',
      tags: ['tokens'],
      summary: 'Rotate a token',
      description: 'A new secret for the token, in this response only; the old secret stops working at once, or with `grace_hours` (0–168) '
        + 'keeps working until `previous_secret_expires_at`. Its owner or an Admin. Without `expires_in_days`, the token keeps its original lifetime from now.',
      params: IdParams,
      body: RotateBody,
      response: { 200: CreatedTokenSchema, ...errorResponses(403, 409) },
    },
  }, async (request) => created(await rotateToken(deps, actorOf(request), request.params.id, rotateInput(request.body))));

  // A static segment: Fastify matches it before /api/user-tokens/:id/rotate.
  app.post('/api/user-tokens/self/rotate', {
    // Minting a secret is managing a token: a `read` (or datastores-only) token may not renew itself.
    config: { scope: 'tokens:write' },
    preValidation: emptyBody,
    schema: {
      operationId: 'rotateOwnToken',
      tags: ['tokens'],
      summary: 'Rotate the calling token',
      description: 'The token that authenticates the call rotates itself (automation renewing its own credential; service accounts may), within policy. '
        + 'A session has no token to rotate (403).',
      body: RotateBody,
      response: { 200: CreatedTokenSchema, ...errorResponses(403, 409) },
    },
  }, async (request) => created(await rotateOwnToken(deps, actorOf(request), rotateInput(request.body))));

  app.delete('/api/user-tokens/:id', {
    config: { scope: 'tokens:write' },
    schema: {
      operationId: 'deleteUserToken',
      tags: ['tokens'],
      summary: 'Delete a revoked token',
      description: 'An active token must be revoked first (409).',
      params: IdParams,
      response: { 204: Type.Null(), ...errorResponses(403, 409) },
    },
  }, async (request, reply) => {
    await deleteToken(deps, actorOf(request), request.params.id);
    return reply.code(204).send(null);
  });
}
