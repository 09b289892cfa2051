import { DAY_MS } from '../clock.js';
import type { Token } from '../model.js';
import type { LifecyclePolicy } from './model.js';

/**
 * How an existing token breaks the current policy (SPEC §9, §10: the access review lists these;
 * nothing is cut for them). Empty for a revoked or expired token. Pure: `now` is given.
 */
export function policyViolations(token: Pick<Token, 'type' | 'created' | 'expiration' | 'lastUsed' | 'revokedAt'>, policy: LifecyclePolicy, now: Date): string[] {
  if (token.revokedAt !== null || (token.expiration !== null && token.expiration <= now)) return [];
  const found: string[] = [];
  const max = policy.maxExpiryDays[token.type];
  if (max !== null) {
    if (token.expiration === null) found.push(`never expires (max_expiry_days.${token.type}: ${max})`);
    else {
      const lifetime = Math.ceil((token.expiration.getTime() - token.created.getTime()) / DAY_MS);
      if (lifetime > max) found.push(`lifetime ${lifetime} days (max_expiry_days.${token.type}: ${max})`);
    }
  }
  const idle = policy.idleRevokeDays[token.type];
  if (idle !== null) {
    const idleDays = Math.floor((now.getTime() - (token.lastUsed ?? token.created).getTime()) / DAY_MS);
    if (idleDays >= idle) found.push(`unused for ${idleDays} days (idle_revoke_days.${token.type}: ${idle})`);
  }
  return found;
}
