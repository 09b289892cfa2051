import type { Change } from '../change.js';
import { DAY_MS } from '../clock.js';
import type { User } from '../model.js';
import { tokensOfUser } from '../use-cases/manage-tokens.js';

/** SPEC §9: a departing person's tokens "in use" are those used in the last 30 days. */
export const IN_USE_DAYS = 30;

/**
 * Emits `user.deactivated` for a person being deactivated (API or SCIM), inside that change:
 * every token that stops with them and was in use in the last 30 days, with its last use and
 * the client seen last — the automation that is about to break, so that an Admin can move it
 * (handover) before anyone notices.
 */
export async function emitUserDeactivated({ tx, emit }: Pick<Change, 'tx' | 'emit'>, user: User, now: Date, via: 'api' | 'scim'): Promise<void> {
  const since = now.getTime() - IN_USE_DAYS * DAY_MS;
  const stopped = (await tokensOfUser(tx.tokens, user.id))
    .filter((t) => t.lastUsed !== null && t.lastUsed.getTime() >= since && (t.expiration === null || t.expiration > now))
    .filter((t) => t.revokedAt === null || t.revokedAt.getTime() >= now.getTime())
    .map((t) => ({
      id: t.id,
      name: t.name,
      type: t.type,
      expiration: t.expiration?.toISOString() ?? null,
      last_used: t.lastUsed?.toISOString() ?? null,
      clients: t.lastUsedIp ? [{ ip: t.lastUsedIp, last_seen: t.lastUsed?.toISOString() ?? null }] : [],
    }));
  emit({ type: 'user.deactivated', data: { user: { id: user.id, user_id: user.userId, name: user.name, user_type: user.type }, via, tokens_stopped: stopped } });
}
