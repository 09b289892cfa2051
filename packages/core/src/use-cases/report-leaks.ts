import { createHash } from 'node:crypto';
import type { Actor } from '../auth/principal.js';
import { commitChange } from '../change.js';
import type { Deps } from '../deps.js';
import { DomainError } from '../errors.js';
import { hashToken, keyForHeader, splitJwt, verifyJwt } from '../tokens/jwt.js';
import { tokenData } from './manage-tokens.js';
import { mailNotices, type TokenNotice } from '../lifecycle/mail.js';

/** One secret found in public (GitHub's secret-scanning partner payload, SPEC §11). */
export interface LeakReportItem {
  token: string;
  type?: string | undefined;
  url?: string | undefined;
  source?: string | undefined;
}

/** The answer for one reported secret, as GitHub expects it. */
export interface LeakVerdict {
  /** SHA-256 of the reported string, hex. */
  tokenHash: string;
  tokenType: string;
  /** true_positive: a token this server issued (revoked now if it was not already). */
  label: 'true_positive' | 'false_positive';
}

/** Who reported: an Admin (actor) or a signed report of a configured key (reporter). */
export interface LeakReporter {
  actor: Actor | null;
  /** e.g. `admin` or `signature:<key_identifier>`. */
  via: string;
  ip: string | null;
}

export const MAX_LEAK_REPORT_ITEMS = 1000;

/**
 * POST /api/leaks: every reported string that is a token of this server — its signature checks
 * out with a key of the keyring (expired or not), and it is stored — is revoked with reason
 * `leaked`, audited and sent to webhooks as `token.leaked` and `token.revoked`, mailed to its owners, and dropped from every node's cache before the answer;
 * everything else is a false positive. An already revoked token is a true positive that
 * changes nothing.
 */
export async function reportLeaks(
  deps: Deps, reporter: LeakReporter, items: readonly LeakReportItem[], onMailError: (e: unknown) => void = () => {},
): Promise<LeakVerdict[]> {
  if (reporter.actor !== null && reporter.actor.principal.user.role !== 'Admin') {
    throw new DomainError('FORBIDDEN', 'Only Admins (or a signed report of a configured key) may report leaked tokens');
  }
  const verdicts: LeakVerdict[] = [];
  const notices: TokenNotice[] = [];
  for (const item of items) {
    const tokenHash = createHash('sha256').update(item.token).digest('hex');
    const tokenType = item.type ?? 'gatehouse_token';
    const tokenId = await storedTokenId(deps, item.token);
    if (tokenId === undefined) {
      verdicts.push({ tokenHash, tokenType, label: 'false_positive' });
      continue;
    }
    await commitChange(deps, reporter.actor, async ({ tx, audit, publish, emit }) => {
      const token = await tx.tokens.findById(tokenId);
      if (!token || token.revokedAt !== null) return;
      const revoked = await tx.tokens.update(token.id, { revocation: { at: deps.clock.now(), byId: reporter.actor?.principal.user.id ?? null, reason: 'leaked' } });
      audit({
        action: 'token.leaked',
        targetType: 'token',
        targetId: String(token.id),
        details: { name: token.name, owner_id: token.user.id, via: reporter.via, url: item.url ?? null, source: item.source ?? null, reporter_ip: reporter.ip },
      });
      // The webhook event goes in the outbox of the same transaction as the revocation.
      emit({ type: 'token.leaked', data: { ...tokenData(token), reason: 'leaked', url: item.url ?? null, source: item.source ?? null } });
      // A revocation like any other for those who follow revocations alone.
      emit({ type: 'token.revoked', data: { ...tokenData(token), reason: 'leaked' } });
      publish({ kind: 'token', tokenId: token.id });
      notices.push({ kind: 'leaked', token: revoked, url: item.url ?? null, source: item.source ?? null });
    });
    verdicts.push({ tokenHash, tokenType, label: 'true_positive' });
  }
  // The owners are told after the commits, without holding the answer back (GitHub waits on it).
  if (notices.length > 0) void mailNotices(deps, notices, onMailError);
  return verdicts;
}

/** The id of the stored token this string is, if it is one of ours (signature first: a forged string never reaches the store). */
async function storedTokenId(deps: Deps, token: string): Promise<number | undefined> {
  const parts = splitJwt(token);
  if (!parts) return undefined;
  const key = keyForHeader(deps.keyring, parts[0]);
  if (typeof key === 'string') return undefined;
  const verified = verifyJwt(deps.keyring, token, deps.clock.now(), key);
  if (!verified.ok && verified.reason !== 'EXPIRED') return undefined;
  const record = await deps.store.tokens.findAuthRecordByHash(hashToken(key, token));
  return record?.tokenId;
}
