import type { Actor } from '../auth/principal.js';
import { commitChange } from '../change.js';
import type { Deps } from '../deps.js';
import { invalidInput } from '../errors.js';
import type { TokenType } from '../model.js';
import { requirePermission } from '../policies.js';
import type { PolicyStore } from '../ports.js';
import { DEFAULT_POLICY, type LifecyclePolicy } from './model.js';

/** The most days a policy limit may say (the API's own bound on `expires_in_days`). */
export const POLICY_MAX_DAYS = 3650;

/** The stored policy, or the default (no limits, reminders at 30, 7 and 1 days). */
export async function currentPolicy(store: Pick<PolicyStore, 'get'> | { policy: Pick<PolicyStore, 'get'> }): Promise<LifecyclePolicy> {
  const policies = 'policy' in store ? store.policy : store;
  return (await policies.get()) ?? DEFAULT_POLICY;
}

/** GET /api/policy (Admin). */
export async function getPolicy(deps: Deps, actor: Actor): Promise<LifecyclePolicy> {
  requirePermission(actor, 'manageUsers', 'read the token policy');
  return currentPolicy(deps.store);
}

function checkDays(field: string, v: number | null): void {
  if (v !== null && (!Number.isInteger(v) || v < 1 || v > POLICY_MAX_DAYS)) {
    throw invalidInput(field, `must be an integer from 1 to ${POLICY_MAX_DAYS}, or null for no limit`);
  }
}

/**
 * PUT /api/policy (Admin): replaces the policy. Applies to tokens created or rotated from now
 * on; tokens that break it are reported by the access review, never cut here (SPEC §9).
 */
export async function setPolicy(deps: Deps, actor: Actor, input: LifecyclePolicy): Promise<LifecyclePolicy> {
  requirePermission(actor, 'manageUsers', 'change the token policy');
  for (const type of ['Personal', 'Service'] as const) {
    checkDays(`max_expiry_days.${type}`, input.maxExpiryDays[type]);
    checkDays(`idle_revoke_days.${type}`, input.idleRevokeDays[type]);
  }
  input.expiryReminderDays.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 1 || d > 365) throw invalidInput(`expiry_reminder_days[${i}]`, 'must be an integer from 1 to 365');
  });
  if (new Set(input.expiryReminderDays).size !== input.expiryReminderDays.length) {
    throw invalidInput('expiry_reminder_days', 'must not repeat a day');
  }
  const policy: LifecyclePolicy = {
    maxExpiryDays: { Personal: input.maxExpiryDays.Personal, Service: input.maxExpiryDays.Service },
    idleRevokeDays: { Personal: input.idleRevokeDays.Personal, Service: input.idleRevokeDays.Service },
    expiryReminderDays: [...input.expiryReminderDays].sort((a, b) => b - a),
  };
  return commitChange(deps, actor, async ({ tx, audit }) => {
    const before = await currentPolicy(tx);
    await tx.policy.put(policy, deps.clock.now());
    audit({ action: 'policy.updated', targetType: 'policy', targetId: '1', details: { before: policyToWire(before), after: policyToWire(policy) } });
    return policy;
  });
}

/** The longest lifetime a new token of `type` may get: the stricter of the server's setting and the policy. */
export function maxExpiryFor(deps: Pick<Deps, 'policy'>, policy: LifecyclePolicy, type: TokenType): { days: number | null; limit: string } {
  const fromConfig = deps.policy.maxLifetimeDays;
  const fromPolicy = policy.maxExpiryDays[type];
  if (fromPolicy !== null && (fromConfig === null || fromPolicy <= fromConfig)) return { days: fromPolicy, limit: `max_expiry_days.${type}` };
  return { days: fromConfig, limit: 'GATEHOUSE_MAX_TOKEN_DAYS' };
}

/**
 * A token's own idle limit (SPEC §9, `idle_revoke_days` on create and PUT): whole days from 1,
 * never longer than its type's policy limit — a token may be cut sooner than the policy says,
 * never later. Without a policy limit any value up to POLICY_MAX_DAYS opts the token in.
 * undefined/null = none (the policy's alone).
 */
export function ownIdleDaysFor(policy: LifecyclePolicy, type: TokenType, days: unknown, field = 'idle_revoke_days'): number | null {
  if (days === undefined || days === null) return null;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > POLICY_MAX_DAYS) {
    throw invalidInput(field, `must be an integer from 1 to ${POLICY_MAX_DAYS}, or null for the policy's limit`);
  }
  const byPolicy = policy.idleRevokeDays[type];
  if (byPolicy !== null && days > byPolicy) {
    throw invalidInput(field, `must be at most ${byPolicy} days by policy (idle_revoke_days.${type}): a token's own limit may only be shorter`);
  }
  return days;
}

/** The policy in the wire format of SPEC §9 (snake_case), for audit details and the API. */
export function policyToWire(p: LifecyclePolicy) {
  return {
    max_expiry_days: { Personal: p.maxExpiryDays.Personal, Service: p.maxExpiryDays.Service },
    idle_revoke_days: { Personal: p.idleRevokeDays.Personal, Service: p.idleRevokeDays.Service },
    expiry_reminder_days: [...p.expiryReminderDays],
  };
}
