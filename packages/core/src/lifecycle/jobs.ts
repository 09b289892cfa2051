import { commitChange } from '../change.js';
import { DAY_MS } from '../clock.js';
import type { Deps } from '../deps.js';
import type { Token, TokenType } from '../model.js';
import { tokenData } from '../use-cases/manage-tokens.js';
import type { IdleLimitGroup } from '../ports.js';
import type { LifecyclePolicy } from './model.js';
import { currentPolicy } from './policy.js';
import type { TokenNotice } from './mail.js';

/*
 * The lifecycle jobs' decisions (SPEC §9), one round at a time, at the injected clock's `now`.
 * Each token is judged again inside the change that acts on it; reminders and warnings are
 * guarded by a notice claimed in that change (LifecycleStore.claimNotice), revocations by the
 * token still being active — so that rounds run by several processes at once act once.
 */

/**
 * Tokens looked at per job and round; the rest wait for the next round. The scans leave out
 * what was already done (notices sent), soonest expiry first.
 */
const SCAN_LIMIT = 1000;
/** Idle warnings come this many days before the idle revocation. */
export const IDLE_WARNING_DAYS = 7;
/** token.expired is sent for tokens that expired in the last week (not for those long expired when the jobs first ran). */
const EXPIRED_LOOKBACK_MS = 7 * DAY_MS;

export interface LifecycleRound {
  expiring: number;
  expired: number;
  idleWarnings: number;
  idleRevoked: number;
  /** What owners are to be told by e-mail: the notices this round sent (each once, as its event). */
  notices: TokenNotice[];
}

/** Whole days left until `at`, rounded up (a token expiring in 6 days and 1 hour has 7 days left). */
const daysUntil = (at: Date, now: Date) => Math.ceil((at.getTime() - now.getTime()) / DAY_MS);
const lastActivity = (t: Token) => t.lastUsed ?? t.created;
/** One idle warning per period of idleness: keyed by the last use it follows. */
const idleWarningKind = (t: Token) => `idle_warning:${lastActivity(t).toISOString()}`;

/** One round of every lifecycle job; answers what it did. */
export async function runLifecycleRound(deps: Deps): Promise<LifecycleRound> {
  const policy = await currentPolicy(deps.store);
  const now = deps.clock.now();
  const round: LifecycleRound = { expiring: 0, expired: 0, idleWarnings: 0, idleRevoked: 0, notices: [] };

  // Expiry reminders: the most urgent reminder day not yet sent for this expiration. One scan per
  // reminder day d, of the tokens for which d is that day (d days left or fewer, more than the
  // next shorter day), leaving out those reminded at d in the last d days: a reminder for the
  // current expiration was sent no earlier than d days before it, so a round never looks at a
  // token again once reminded (with a million tokens expiring soon, it would re-read the first
  // SCAN_LIMIT of them every round, and never reach the rest). A notice of an earlier expiration
  // within those d days counts too: the owner heard of it that recently.
  const reminderDays = [...new Set(policy.expiryReminderDays)].sort((a, b) => a - b);
  for (const [i, day] of reminderDays.entries()) {
    const after = new Date(now.getTime() + (i === 0 ? 0 : reminderDays[i - 1]! * DAY_MS));
    const until = new Date(now.getTime() + day * DAY_MS);
    const withoutNotice = { kind: `expiring:${day}:`, since: new Date(now.getTime() - day * DAY_MS) };
    for (const id of await deps.store.lifecycle.tokensExpiringBetween(after, until, SCAN_LIMIT, withoutNotice)) {
      round.expiring += await commitChange(deps, null, async ({ tx, emit }) => {
        const token = await tx.tokens.findById(id);
        if (!token || token.revokedAt !== null || token.expiration === null || token.expiration <= now) return 0;
        const daysLeft = daysUntil(token.expiration, now);
        const due = reminderDays.filter((d) => daysLeft <= d);
        if (due.length === 0) return 0;
        // Keyed by the expiration too: a rotated token with a new expiration is reminded again.
        if (!(await tx.lifecycle.claimNotice(id, `expiring:${Math.min(...due)}:${token.expiration.toISOString()}`, now))) return 0;
        emit({ type: 'token.expiring', data: { ...tokenData(token), days_left: daysLeft } });
        round.notices.push({ kind: 'expiring', token, daysLeft });
        return 1;
      });
    }
  }

  // Expiry: once per expiration.
  for (const id of await deps.store.lifecycle.tokensExpiringBetween(new Date(now.getTime() - EXPIRED_LOOKBACK_MS), now, SCAN_LIMIT, { kind: 'expired:' })) {
    round.expired += await commitChange(deps, null, async ({ tx, emit }) => {
      const token = await tx.tokens.findById(id);
      if (!token || token.revokedAt !== null || token.expiration === null || token.expiration > now) return 0;
      if (!(await tx.lifecycle.claimNotice(id, `expired:${token.expiration.toISOString()}`, now))) return 0;
      emit({ type: 'token.expired', data: tokenData(token) });
      return 1;
    });
  }

  // Idle limits: the type's policy, or a token's own shorter one (effectiveIdleDays). One scan
  // per group of tokens sharing a limit; each token is judged again by its own limit in its change.
  for (const group of await idleGroups(deps, policy)) {
    const idleSince = (days: number) => new Date(now.getTime() - days * DAY_MS);
    const limitOf = (t: Token) => effectiveIdleDays(policy, t);

    // Idle warning, IDLE_WARNING_DAYS before: once per period of idleness (keyed by the last use).
    const warnAfter = (days: number) => Math.max(0, days - IDLE_WARNING_DAYS);
    for (const id of await deps.store.lifecycle.idleTokens(group, idleSince(warnAfter(group.days)), now, SCAN_LIMIT, false)) {
      round.idleWarnings += await commitChange(deps, null, async ({ tx, emit }) => {
        const token = await tx.tokens.findById(id);
        const limitDays = token ? limitOf(token) : null;
        if (!token || limitDays === null || token.revokedAt !== null || lastActivity(token) > idleSince(warnAfter(limitDays))) return 0;
        if (!(await tx.lifecycle.claimNotice(id, idleWarningKind(token), now))) return 0;
        // Revoked no sooner than IDLE_WARNING_DAYS after this warning (see below).
        const revokeAt = new Date(Math.max(lastActivity(token).getTime() + limitDays * DAY_MS, now.getTime() + IDLE_WARNING_DAYS * DAY_MS));
        emit({ type: 'token.idle_warning', data: { ...tokenData(token), days_left: daysUntil(revokeAt, now), revoke_at: revokeAt.toISOString(), idle_revoke_days: limitDays } });
        round.notices.push({ kind: 'idle_warning', token, daysLeft: daysUntil(revokeAt, now) });
        return 1;
      });
    }

    // Idle revocation: unused (or never used since creation) for the limit, and warned at least
    // IDLE_WARNING_DAYS ago — so a new or stricter policy never cuts a token without notice
    // (those already beyond it are reported by the access review meanwhile).
    for (const id of await deps.store.lifecycle.idleTokens(group, idleSince(group.days), now, SCAN_LIMIT, idleSince(IDLE_WARNING_DAYS))) {
      round.idleRevoked += await commitChange(deps, null, async ({ tx, audit, emit, publish }) => {
        const token = await tx.tokens.findById(id);
        const limitDays = token ? limitOf(token) : null;
        if (!token || limitDays === null || token.revokedAt !== null || lastActivity(token) > idleSince(limitDays)) return 0;
        if (token.expiration !== null && token.expiration <= now) return 0;
        const warned = await tx.lifecycle.noticeSent(id, idleWarningKind(token));
        if (!warned || warned > idleSince(IDLE_WARNING_DAYS)) return 0;
        const revoked = await tx.tokens.update(id, { revocation: { at: now, byId: null, reason: 'idle' } });
        const idleDays = Math.floor((now.getTime() - lastActivity(token).getTime()) / DAY_MS);
        audit({ action: 'token.revoked', targetType: 'token', targetId: String(id), details: { name: token.name, reason: 'idle', idle_days: idleDays, limit_days: limitDays } });
        emit({ type: 'token.idle_revoked', data: { ...tokenData(revoked), reason: 'idle', idle_days: idleDays } });
        emit({ type: 'token.revoked', data: { ...tokenData(revoked), reason: 'idle' } });
        round.notices.push({ kind: 'idle_revoked', token: revoked, idleDays });
        publish({ kind: 'token', tokenId: id });
        return 1;
      });
    }
  }
  return round;
}

/**
 * A token's idle limit in days: the shorter of its type's policy and its own (null: none). An
 * own limit only ever shortens the policy's — set longer, then the policy tightened, the policy wins.
 */
export function effectiveIdleDays(policy: LifecyclePolicy, token: Pick<Token, 'type' | 'idleRevokeDays'>): number | null {
  const byPolicy = policy.idleRevokeDays[token.type];
  const own = token.idleRevokeDays ?? null;
  if (byPolicy === null) return own;
  return own === null ? byPolicy : Math.min(own, byPolicy);
}

/** The groups of tokens the idle jobs scan: each type's policy limit, and each own limit shorter than it. */
async function idleGroups(deps: Deps, policy: LifecyclePolicy): Promise<IdleLimitGroup[]> {
  const groups: IdleLimitGroup[] = [];
  for (const type of ['Personal', 'Service'] as const satisfies readonly TokenType[]) {
    const days = policy.idleRevokeDays[type];
    if (days !== null) groups.push({ type, days, policy: true });
  }
  for (const { type, days } of await deps.store.lifecycle.idleLimitsInUse()) {
    const byPolicy = policy.idleRevokeDays[type];
    if (byPolicy === null || days < byPolicy) groups.push({ type, days, policy: false });
  }
  return groups;
}
