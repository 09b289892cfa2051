import type { AuditStore, AuthFailureReason, Clock } from '@gatehouse/core';

/** Refusals the server decides after the token is verified (it knows the client's address and the route). */
export type RefusalReason = AuthFailureReason | 'IP_NOT_ALLOWED';

interface FailureGroup {
  reason: RefusalReason;
  ip: string | null;
  /** The token refused, when it was a valid one (IP_NOT_ALLOWED). */
  tokenId: number | null;
  count: number;
  first: Date;
}

/** Groups kept between flushes at most: under a flood from many addresses, further ones are dropped. */
const MAX_GROUPS = 10_000;

/**
 * Authentication failures, aggregated per (reason, ip) in memory and written to the audit log
 * as one event per group with its count — so that a flood of bad tokens never writes per
 * request (and never touches the store on the request path).
 */
export class AuthFailureLog {
  /**
   * By reason, then by IP: a refused request finds its group without building a key (the IP
   * string is the connection's own, so its hash is computed once per connection).
   */
  #pending = new Map<RefusalReason, Map<string | null, FailureGroup>>();
  #groups = 0;

  constructor(private readonly clock: Clock) {}

  record(reason: RefusalReason, ip: string | null, tokenId: number | null = null): void {
    let byIp = this.#pending.get(reason);
    if (byIp === undefined) this.#pending.set(reason, (byIp = new Map()));
    // A valid token refused is grouped per token too, so that its audit event names it.
    const key = tokenId === null ? ip : `${ip} ${tokenId}`;
    const group = byIp.get(key);
    if (group !== undefined) group.count++;
    else if (this.#groups < MAX_GROUPS) {
      byIp.set(key, { reason, ip, tokenId, count: 1, first: this.clock.now() });
      this.#groups++;
    }
  }

  async flush(audit: AuditStore): Promise<void> {
    if (this.#groups === 0) return;
    const groups = [...this.#pending.values()].flatMap((byIp) => [...byIp.values()]);
    this.#pending = new Map();
    this.#groups = 0;
    await audit.append(
      groups.map((g) => ({
        at: g.first,
        actorUserId: null,
        actorTokenId: g.tokenId,
        action: 'auth.failed',
        targetType: null,
        targetId: null,
        ip: g.ip,
        userAgent: null,
        outcome: 'failure' as const,
        details: { reason: g.reason, count: g.count },
      })),
    );
  }
}
