import { currentPolicy, getPolicy, maxExpiryFor, policyToWire, setPolicy } from '@gatehouse/core';
import { Type } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { errorResponses, Nullable } from '../http/wire.js';

const Days = Nullable(Type.Integer({ minimum: 1, maximum: 3650 }));
const PerType = (description: string) =>
  Type.Object({ Personal: Days, Service: Days }, { additionalProperties: false, description });

/** SPEC §9: the lifecycle policy document, as read and as written (PUT replaces it whole). */
export const PolicySchema = Type.Object({
  max_expiry_days: PerType('longest lifetime of a new token, in days, per token type (null = no limit, "Never" allowed)'),
  idle_revoke_days: PerType('days without use after which a token is revoked (reason idle), per token type (null = never)'),
  expiry_reminder_days: Type.Array(Type.Integer({ minimum: 1, maximum: 365 }), { maxItems: 10, description: 'days before expiry at which owners are reminded' }),
}, { additionalProperties: false });

export async function policyRoutes(app: App, { deps }: AppContext): Promise<void> {
  app.get('/api/policy', {
    config: { scope: 'tokens:read' },
    schema: {
      operationId: 'getPolicy',
      tags: ['policy'],
      summary: 'The token lifecycle policy',
      description: 'Admin.',
      response: { 200: PolicySchema, ...errorResponses(401, 403) },
    },
  }, async (request) => policyToWire(await getPolicy(deps, actorOf(request))));

  // Any signed-in caller: what the Generate Token form may offer (no other part of the policy).
  app.get('/api/policy/lifetimes', {
    config: { scope: 'tokens:read' },
    schema: {
      operationId: 'getTokenLifetimes',
      tags: ['policy'],
      summary: 'Longest lifetimes of new tokens',
      description: 'Any signed-in caller: the longest lifetime a new token of each type may get, in days (null: "Never" allowed), '
        + "and each type's idle limit (`idle_revoke_days`: a token's own may only be shorter; null: no limit).",
      response: { 200: Type.Object({ Personal: Days, Service: Days, idle_revoke_days: Type.Object({ Personal: Days, Service: Days }) }), ...errorResponses(401) },
    },
  }, async () => {
    const policy = await currentPolicy(deps.store);
    return {
      Personal: maxExpiryFor(deps, policy, 'Personal').days,
      Service: maxExpiryFor(deps, policy, 'Service').days,
      idle_revoke_days: { Personal: policy.idleRevokeDays.Personal, Service: policy.idleRevokeDays.Service },
    };
  });

  app.put('/api/policy', {
    config: { scope: 'tokens:write' },
    schema: {
      operationId: 'setPolicy',
      tags: ['policy'],
      summary: 'Replace the token lifecycle policy',
      description: 'Admin. Applies to tokens created or rotated from now on; tokens that already break it are reported, not cut.',
      body: PolicySchema,
      response: { 200: PolicySchema, ...errorResponses(401, 403, 422) },
    },
  }, async (request) => {
    const b = request.body;
    return policyToWire(await setPolicy(deps, actorOf(request), {
      maxExpiryDays: { Personal: b.max_expiry_days.Personal, Service: b.max_expiry_days.Service },
      idleRevokeDays: { Personal: b.idle_revoke_days.Personal, Service: b.idle_revoke_days.Service },
      expiryReminderDays: b.expiry_reminder_days,
    }));
  });
}
