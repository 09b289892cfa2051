import type { Clock, Store, UsageBuffer } from '@gatehouse/core';
import type { Logger } from 'pino';
import type { AuditStdout } from './audit-stdout.js';
import type { AuthFailureLog } from './http/auth-failure-log.js';

const DAY_MS = 86_400_000;

/** How long a token's daily counts and its clients are kept after their last request (SPEC §10). */
export const USAGE_RETENTION_DAYS = 400;
/**
 * Tokens whose counts are held before they are written early, whatever `countsEveryMs` says:
 * about 250 bytes each, so at most ≈ 5 MB (100,000 tokens used within a minute would hold 25 MB).
 */
export const COUNTS_HELD_MAX = 20_000;
/** How often old usage rows are pruned (and once at start). */
export const USAGE_PRUNE_EVERY_MS = 3_600_000;

/**
 * A serving process's background work, in one place: what requests leave to be written behind
 * (SPEC §2, §10) — the `last_used` of the tokens used every `everyMs`, their request counts per
 * day and per client every `countsEveryMs`, or sooner once COUNTS_HELD_MAX tokens are counted
 * (a count costs the database several times what a `last_used` does), and the grouped
 * authentication failures — and everything once more when
 * stopped. A failed write of the usage is put back and retried on the next round. Every hour,
 * usage older than the retention period is pruned (idempotent: every node may).
 */
export class Jobs {
  #timer: NodeJS.Timeout | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;
  #rounds = 0;

  constructor(
    private readonly parts: {
      store: Pick<Store, 'tokens' | 'audit'>; usage: UsageBuffer; failures: AuthFailureLog; log: Logger; clock: Clock;
      /** GATEHOUSE_AUDIT_STDOUT: the audit events written since the last round, on stdout. */
      auditStdout?: AuditStdout | undefined;
      /** After request counts were written (they may have written token.new_ip webhook deliveries). */
      onCountsWritten?: () => void;
    },
    private readonly everyMs: number,
    private readonly countsEveryMs = everyMs,
  ) {}

  /** Starts the rounds (idempotent); they never keep the process alive. */
  start(): void {
    if (this.#timer) return;
    const countsEvery = Math.max(1, Math.round(this.countsEveryMs / this.everyMs));
    this.#timer = setInterval(() => void this.#write(++this.#rounds % countsEvery === 0), this.everyMs);
    this.#timer.unref();
    this.#pruneTimer = setInterval(() => void this.pruneUsage(), USAGE_PRUNE_EVERY_MS);
    this.#pruneTimer.unref();
    void this.pruneUsage();
    void this.parts.auditStdout?.follow();
  }

  /** Stops the rounds and writes what is pending. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#pruneTimer) clearInterval(this.#pruneTimer);
    this.#timer = undefined;
    this.#pruneTimer = undefined;
    await this.flushUsage();
  }

  /** Writes everything pending now: the usage with its counts, then the authentication failures. Never throws (it logs). */
  readonly flushUsage = (): Promise<void> => this.#write(true);

  async #write(withCounts: boolean): Promise<void> {
    const { store, usage, failures, log } = this.parts;
    const batch = withCounts || usage.countedTokens >= COUNTS_HELD_MAX ? usage.drain() : usage.drainLastUsed();
    try {
      if (batch.length > 0) {
        await store.tokens.recordUsage(batch);
        if (batch.some((u) => u.clients.length > 0)) this.parts.onCountsWritten?.();
      }
    } catch (err) {
      usage.restore(batch);
      log.warn({ err }, 'could not write last_used; will retry');
    }
    await failures.flush(store.audit).catch((err: unknown) => log.warn({ err }, 'could not write auth failures'));
    await this.parts.auditStdout?.follow().catch((err: unknown) => log.warn({ err }, 'could not read the audit log for stdout'));
  }

  /** Drops the daily counts and the clients older than the retention period. Never throws (it logs). */
  readonly pruneUsage = async (): Promise<void> => {
    const { store, clock, log } = this.parts;
    const cutoff = new Date(clock.nowMs() - USAGE_RETENTION_DAYS * DAY_MS);
    try {
      await store.tokens.pruneUsage(cutoff.toISOString().slice(0, 10), cutoff);
    } catch (err) {
      log.warn({ err }, 'could not prune old token usage; will retry');
    }
  };
}
