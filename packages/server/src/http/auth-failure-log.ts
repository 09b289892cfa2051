import type { AuditStore, AuthFailureReason, Clock } from '@gatehouse/core';

/**
 * Authentication failures, aggregated per (reason, ip) in memory and written to the audit log
 * as one event per group with its count — so that a flood of bad tokens never writes per
 * request (and never touches the store on the request path).
 */
export class AuthFailureLog {
  #pending = new Map<string, { reason: AuthFailureReason; ip: string | null; count: number; first: Date }>();

  constructor(private readonly clock: Clock) {}

  record(reason: AuthFailureReason, ip: string | null): void {
    const key = `${reason}|${ip ?? ''}`;
    const entry = this.#pending.get(key);
    if (entry) entry.count++;
    // Bounded: under a flood from many addresses, further groups are dropped until the next flush.
    else if (this.#pending.size < 10_000) this.#pending.set(key, { reason, ip, count: 1, first: this.clock.now() });
  }

  async flush(audit: AuditStore): Promise<void> {
    if (this.#pending.size === 0) return;
    const groups = [...this.#pending.values()];
    this.#pending = new Map();
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
