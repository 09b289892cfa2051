import type { AuditStore, AuthFailureReason, Clock } from '@gatehouse/core';

interface FailureGroup {
  reason: AuthFailureReason;
  ip: string | null;
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
  #pending = new Map<AuthFailureReason, Map<string | null, FailureGroup>>();
  #groups = 0;

  constructor(private readonly clock: Clock) {}

  record(reason: AuthFailureReason, ip: string | null): void {
    let byIp = this.#pending.get(reason);
    if (byIp === undefined) this.#pending.set(reason, (byIp = new Map()));
    const group = byIp.get(ip);
    if (group !== undefined) group.count++;
    else if (this.#groups < MAX_GROUPS) {
      byIp.set(ip, { reason, ip, count: 1, first: this.clock.now() });
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
        actorTokenId: null,
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
