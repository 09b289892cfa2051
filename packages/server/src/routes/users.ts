import {
  createHumanUser, createServiceAccount, deactivateUser, endUserSessions, getUser, invalidInput, listUsers, revokeUserTokens, updateUser,
} from '@gatehouse/core';
import { Type, type Static } from 'typebox';
import type { Principal } from '@gatehouse/core';
import { actorOf, principalOf, type App, type AppContext } from '../http/context.js';
import { ListPageOf, ListQuery, listPageToWire, windowOf } from '../http/paging.js';
import {
  errorResponses, IdParams, isoOrNull, Nullable, RoleSchema, UserSchema, UserTypeSchema, userToWire,
} from '../http/wire.js';

const Name = Type.String({ minLength: 1, maxLength: 100 });
const Teams = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 });

/** POST /api/users takes the reference's service-account shape, or a human with `user_type: "Human"`. */
const CreateUserBody = Type.Object({
  user_type: Type.Optional(UserTypeSchema),
  name: Name,
  role: RoleSchema,
  teams: Type.Optional(Teams),
  email: Type.Optional(Type.String({ minLength: 3, maxLength: 320 })),
  password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  owner_ids: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), {
    maxItems: 50, description: "SPEC §9, service accounts only: the people told about its tokens (absent or empty = you, its creator); GET/PUT /api/users/{id}/owners later",
  })),
});

const MeSchema = Type.Object({
  ...UserSchema.properties,
  token: Nullable(
    Type.Object({
      id: Type.Integer(), name: Type.String(), type: Type.String(), scim_endpoints_only: Type.Boolean(), expiration: Nullable(Type.String({ format: 'date-time' })),
      scopes: Nullable(Type.Array(Type.String(), { description: "the token's scopes (SPEC §11); null = all its owner's role allows" })),
    }),
  ),
});
/**
 * GET /api/users/me of a principal, formatted once per principal object: a cached token's
 * principal is reused until a change replaces it (part of the request fast path; see
 * fast-path/index.ts and BENCHMARKS.md, "Why the code is this way").
 */
const meWire = new WeakMap<Principal, Static<typeof MeSchema>>();
/** The user part, once per user object (cached principals of one user share it). */
const userWire = new WeakMap<Principal['user'], ReturnType<typeof userToWire>>();
function meToWire(principal: Principal): Static<typeof MeSchema> {
  let wire = meWire.get(principal);
  if (!wire) {
    const { user, token } = principal;
    let userPart = userWire.get(user);
    if (!userPart) userWire.set(user, (userPart = userToWire(user)));
    // Every field written out, not `{ ...userPart, token }`: all answers share one hidden class,
    // so the serializer's property reads stay monomorphic however many tokens are in use.
    const u = userPart;
    wire = {
      id: u.id, user_id: u.user_id, user_name: u.user_name, email: u.email, name: u.name, user_type: u.user_type, role: u.role,
      teams: u.teams, active: u.active, created: u.created, created_by_id: u.created_by_id, last_login: u.last_login, provisioned_by: u.provisioned_by,
      token: token
        ? { id: token.id, name: token.name, type: token.type, scim_endpoints_only: token.scimEndpointsOnly, expiration: isoOrNull(token.expiration), scopes: token.scopes ? [...token.scopes] : null }
        : null,
    };
    meWire.set(principal, wire);
  }
  return wire;
}

export async function usersRoutes(app: App, { deps }: AppContext): Promise<void> {
  app.get('/api/users/me', {
    config: { scope: 'none' },
    schema: {
      operationId: 'getCurrentUser',
      tags: ['users'],
      summary: 'The caller, and the token it authenticated with (if any)',
      response: {
        200: MeSchema,
        ...errorResponses(401),
      },
    },
  }, (request) => meToWire(principalOf(request))); // synchronous: no promise on the hottest route

  app.get('/api/users', {
    config: { scope: 'users:read' },
    schema: {
      operationId: 'listUsers',
      tags: ['users'],
      summary: 'List users and service accounts',
      description: 'Manager or Admin. Paginated by page or cursor; filter by type, active or a search in user id, name and e-mail.',
      querystring: Type.Object({
        ...ListQuery,
        type: Type.Optional(UserTypeSchema),
        search: Type.Optional(Type.String({ maxLength: 200 })),
        active: Type.Optional(Type.Boolean()),
      }),
      response: { 200: ListPageOf(UserSchema), ...errorResponses(401, 403, 422) },
    },
  }, async (request) => {
    const w = windowOf(request.query, 'id');
    const page = await listUsers(deps, actorOf(request), {
      ...w.request,
      ...(request.query.type ? { type: request.query.type } : {}),
      ...(request.query.search ? { search: request.query.search } : {}),
      ...(request.query.active !== undefined ? { active: request.query.active } : {}),
    });
    return listPageToWire(page, userToWire, w);
  });

  app.get('/api/users/listing', {
    config: { scope: 'users:read' },
    schema: {
      operationId: 'listUserSummaries',
      tags: ['users'],
      summary: 'List users briefly (id, name, type, role)',
      description: 'Manager or Admin. Not paginated, at most `limit` (default 10,000) in id order; e.g. `?type=Service&search=etl&limit=50` for a picker of service accounts.',
      querystring: Type.Object({
        type: Type.Optional(UserTypeSchema),
        search: Type.Optional(Type.String({ maxLength: 200 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'at most this many (default 10,000)' })),
      }),
      response: {
        200: Type.Array(Type.Object({ id: Type.Integer(), user_id: Type.String(), name: Type.String(), user_type: UserTypeSchema, role: RoleSchema })),
        ...errorResponses(401, 403),
      },
    },
  }, async (request) => {
    const page = await listUsers(deps, actorOf(request), {
      limit: request.query.limit ?? 10_000,
      ...(request.query.type ? { type: request.query.type } : {}),
      ...(request.query.search ? { search: request.query.search } : {}),
    });
    return page.items.map((u) => ({ id: u.id, user_id: u.userId, name: u.name, user_type: u.type, role: u.role }));
  });

  app.get('/api/users/:id', {
    config: { scope: 'users:read' },
    schema: { operationId: 'getUser', tags: ['users'], summary: 'Get a user', description: 'Manager or Admin, or the user themselves.', params: IdParams, response: { 200: UserSchema, ...errorResponses(401, 403, 404) } },
  }, async (request) => userToWire(await getUser(deps, actorOf(request), request.params.id)));

  app.post('/api/users', {
    config: { scope: 'users:write' },
    schema: {
      operationId: 'createUser',
      tags: ['users'],
      summary: 'Create a service account or a person',
      description: 'Admin. `{name, role, teams}` creates a service account (`user_id` `<name>@service`); `user_type: "Human"` with an e-mail and a password creates a person.',
      body: CreateUserBody,
      response: { 200: UserSchema, ...errorResponses(401, 403, 409, 422) },
    },
  }, async (request) => {
    const b = request.body;
    const actor = actorOf(request);
    if (b.user_type === 'Human') {
      if (b.email === undefined) throw invalidInput('email', 'is required for a human user');
      if (b.owner_ids !== undefined) throw invalidInput('owner_ids', 'only service accounts have owners');
      return userToWire(await createHumanUser(deps, actor, {
        email: b.email, name: b.name, role: b.role,
        ...(b.teams ? { teams: b.teams } : {}),
        ...(b.password !== undefined ? { password: b.password } : {}),
      }));
    }
    if (b.password !== undefined) throw invalidInput('password', 'service accounts never log in with a password');
    return userToWire(await createServiceAccount(deps, actor, { name: b.name, role: b.role, ...(b.teams ? { teams: b.teams } : {}), ...(b.owner_ids ? { ownerIds: b.owner_ids } : {}) }));
  });

  app.put('/api/users/:id', {
    config: { scope: 'users:write' },
    schema: {
      operationId: 'updateUser',
      tags: ['users'],
      summary: 'Change a user',
      description: 'Admin. Name, role, teams, active (deactivating revokes every token), and the password of a person.',
      params: IdParams,
      body: Type.Object({
        name: Type.Optional(Name),
        role: Type.Optional(RoleSchema),
        teams: Type.Optional(Teams),
        active: Type.Optional(Type.Boolean()),
        password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
      }),
      response: { 200: UserSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
  }, async (request) => {
    const b = request.body;
    return userToWire(await updateUser(deps, actorOf(request), request.params.id, {
      ...(b.name !== undefined ? { name: b.name } : {}),
      ...(b.role !== undefined ? { role: b.role } : {}),
      ...(b.teams !== undefined ? { teams: b.teams } : {}),
      ...(b.active !== undefined ? { active: b.active } : {}),
      ...(b.password !== undefined ? { password: b.password } : {}),
    }));
  });

  app.delete('/api/users/:id', {
    config: { scope: 'users:write' },
    schema: { operationId: 'deactivateUser', tags: ['users'], summary: 'Deactivate a user', description: 'Admin. Revokes all their tokens and ends their sessions; the user is kept for the audit log.', params: IdParams, response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) } },
  }, async (request, reply) => {
    await deactivateUser(deps, actorOf(request), request.params.id);
    return reply.code(204).send(null);
  });

  app.post('/api/users/:id/revoke-tokens', {
    config: { scope: 'users:write' },
    schema: {
      operationId: 'revokeUserTokens',
      tags: ['users'],
      summary: "Revoke every token of a user",
      description: 'Admin. Incident response: every token of this user is revoked and all their sessions end at once.',
      params: IdParams,
      response: { 200: Type.Object({ revoked: Type.Integer(), token_ids: Type.Array(Type.Integer()) }), ...errorResponses(401, 403, 404) },
    },
  }, async (request) => {
    const ids = await revokeUserTokens(deps, actorOf(request), request.params.id);
    return { revoked: ids.length, token_ids: ids };
  });

  app.delete('/api/users/:id/sessions', {
    config: { scope: 'users:write' },
    schema: {
      operationId: 'endUserSessions',
      tags: ['users'],
      summary: 'End every session of a user',
      description: 'Admin. They must log in again; their tokens keep working.',
      params: IdParams,
      response: { 200: Type.Object({ ended: Type.Integer() }), ...errorResponses(401, 403, 404) },
    },
  }, async (request) => ({ ended: await endUserSessions(deps, actorOf(request), request.params.id) }));
}
