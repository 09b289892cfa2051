import type { Seek } from '../listing.js';
import { currentPolicy } from '../lifecycle/policy.js';
import { policyViolations } from '../lifecycle/violations.js';
import type { Actor } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import type { Token, TokenType, User } from '../model.js';
import { requirePermission } from '../policies.js';

const DAY_MS = 86_400_000;

/** One token as an access review lists it (SPEC §10). */
export interface AccessReviewRow {
  token: Token;
  owner: User;
  createdBy: string | null;
  status: 'active' | 'revoked' | 'expired';
  /** Whole days since its last use, or since its creation when never used. */
  idleDays: number;
  policyViolations: string[];
}

export interface AccessReviewFilter {
  type?: TokenType;
  /** The owner's user_id, exactly (case-insensitive). */
  owner?: string;
  /** Only tokens idle for more than this many days. */
  idleDays?: number;
  neverUsed?: boolean;
  neverExpires?: boolean;
  ownerDeactivated?: boolean;
}

/**
 * Every token with its owner, how idle it is and what it breaks of the policy, filtered (Admin).
 * Tokens that break a policy made after they were issued are listed here, not cut (SPEC §9).
 */
export async function accessReview(deps: Deps, actor: Actor, filter: AccessReviewFilter = {}): Promise<AccessReviewRow[]> {
  requirePermission(actor, 'manageUsers', 'review every token');
  const nowMs = deps.clock.nowMs();
  const [tokens, users, policy] = await Promise.all([deps.store.tokens.listAll(), allUsers(deps), currentPolicy(deps.store)]);
  const byId = new Map(users.map((u) => [u.id, u]));
  const owner = filter.owner?.toLowerCase();
  const rows: AccessReviewRow[] = [];
  for (const token of tokens) {
    const user = byId.get(token.user.id);
    if (!user) continue;
    if (filter.type !== undefined && token.type !== filter.type) continue;
    if (owner !== undefined && user.userId.toLowerCase() !== owner) continue;
    if (filter.neverUsed && token.lastUsed !== null) continue;
    if (filter.neverExpires && token.expiration !== null) continue;
    if (filter.ownerDeactivated && user.active) continue;
    const idleDays = Math.floor((nowMs - (token.lastUsed ?? token.created).getTime()) / DAY_MS);
    if (filter.idleDays !== undefined && !(idleDays > filter.idleDays)) continue;
    const status = token.revokedAt !== null ? 'revoked' : token.expiration !== null && token.expiration.getTime() <= nowMs ? 'expired' : 'active';
    const createdBy = token.createdById === null ? null : (byId.get(token.createdById)?.userId ?? null);
    const broken = [...violations(deps, token, user, status), ...policyViolations(token, policy, new Date(nowMs))];
    rows.push({ token, owner: user, createdBy, status, idleDays, policyViolations: broken });
  }
  return rows;
}

/** What an active token breaks of the server's own settings, as short stable strings (the lifecycle policy's: policyViolations). */
function violations(deps: Deps, token: Token, owner: User, status: AccessReviewRow['status']): string[] {
  if (status !== 'active') return [];
  const found: string[] = [];
  const max = deps.policy.maxLifetimeDays;
  if (max !== null) {
    if (token.expiration === null) found.push(`never expires (policy: at most ${max} days)`);
    else if (token.expiration.getTime() - token.created.getTime() > max * DAY_MS) found.push(`lifetime over ${max} days`);
  }
  if (!owner.active) found.push('owner deactivated');
  return found;
}

async function allUsers(deps: Deps): Promise<User[]> {
  const users: User[] = [];
  const size = 1000;
  // Followed by cursor: every page costs what the first does.
  for (let seek: Seek = { offset: 0 }; ; ) {
    const page = await deps.store.users.list({ seek, limit: size, total: false });
    users.push(...page.items);
    if (!page.next) return users;
    seek = { after: page.next };
  }
}
