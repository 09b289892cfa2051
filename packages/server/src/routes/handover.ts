import { handOver, invalidInput, listHandover, mailHandover } from '@gatehouse/core';
import { Type } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { CreatedTokenSchema, errorResponses, Id, IdParams, isoOrNull, Nullable, RoleSchema, tokenToWire, UserSchema, userToWire } from '../http/wire.js';

const CandidateSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  type: Type.Enum(['Personal', 'Service']),
  active: Type.Boolean(),
  expiration: Nullable(Type.String({ format: 'date-time' })),
  last_used: Nullable(Type.String({ format: 'date-time' })),
  clients: Type.Array(Type.Object({ ip: Type.String(), last_seen: Nullable(Type.String({ format: 'date-time' })) })),
});

/** SPEC §9 owner departure: move a person's automation onto a service account (Admin). */
export async function handoverRoutes(app: App, { deps }: AppContext): Promise<void> {
  app.get('/api/users/:id/handover', {
    config: { scope: 'users:read' },
    schema: {
      operationId: 'listHandover',
      tags: ['users'],
      summary: "A person's tokens in use, to hand over",
      description: "Admin. The tokens a person used in the last 30 days, with their clients: the automation to move when they leave.",
      params: IdParams,
      response: { 200: Type.Object({ user: UserSchema, tokens: Type.Array(CandidateSchema) }), ...errorResponses(401, 403, 404, 422) },
    },
  }, async (request) => {
    const { user, tokens } = await listHandover(deps, actorOf(request), request.params.id);
    return {
      user: userToWire(user),
      tokens: tokens.map(({ token: t, clients }) => ({
        id: t.id, name: t.name, type: t.type, active: t.revokedAt === null, expiration: isoOrNull(t.expiration), last_used: isoOrNull(t.lastUsed),
        clients: clients.map((c) => ({ ip: c.ip, last_seen: isoOrNull(c.lastSeen) })),
      })),
    };
  });

  app.post('/api/users/:id/handover', {
    config: { scope: 'tokens:write' },
    schema: {
      operationId: 'handOver',
      tags: ['users'],
      summary: "Move a person's automation onto a service account",
      description: 'Admin. One Service token per token of this person in use, on a service account (existing, or created here), same name and expiry within policy; the secrets are in this response only.',
      params: IdParams,
      body: Type.Object({
        service_account_id: Type.Optional(Id()),
        service_account: Type.Optional(Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), role: RoleSchema, teams: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 })) })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ service_account: UserSchema, tokens: Type.Array(CreatedTokenSchema) }), ...errorResponses(401, 403, 404, 409, 422) },
    },
  }, async (request) => {
    const b = request.body;
    const target = b.service_account_id !== undefined
      ? { serviceAccountId: b.service_account_id }
      : b.service_account !== undefined
        ? { serviceAccount: { name: b.service_account.name, role: b.service_account.role, ...(b.service_account.teams ? { teams: b.service_account.teams } : {}) } }
        : undefined;
    if (!target || (b.service_account_id !== undefined && b.service_account !== undefined)) {
      throw invalidInput('service_account_id', 'give service_account_id or service_account (one of them)');
    }
    const actor = actorOf(request);
    const result = await handOver(deps, actor, request.params.id, target);
    // After the commit, not awaited: a slow or absent mail server never holds the new secrets back.
    void mailHandover(deps, actor, result, (err) => request.log.warn({ err }, 'could not mail the handover to the service account owners'));
    const { serviceAccount, tokens } = result;
    return { service_account: userToWire(serviceAccount), tokens: tokens.map((c) => ({ ...tokenToWire(c.token), bearer_token: c.bearerToken })) };
  });
}
