import type { Clock, Store, UsageBuffer } from '@gatehouse/core';
import type { Logger } from 'pino';
import type { AuthFailureLog } from './http/auth-failure-log.js';

const DAY_MS = 86_400_000;

/** How long a token's daily counts and its clients are kept after their last request (SPEC §10). */
export const USAGE_RETENTION_DAYS = 400;
/** How often old usage rows are pruned (and once at start). */
export const USAGE_PRUNE_EVERY_MS = 3_600_000;

/**
 * A serving process's background work, in one place: what requests leave to be written behind
 * (SPEC §2, §10) — the `last_used` of the tokens used, their request counts per day and per
 * client, and the grouped authentication failures — written every `everyMs` while started, and
 * once more when stopped. A failed write of the usage is put back and retried on the next round.
 * Every hour, usage older than the retention period is pruned (idempotent: every node may).
 */
export class Jobs {
  #timer: NodeJS.Timeout | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly parts: { store: Pick<Store, 'tokens' | 'audit'>; usage: UsageBuffer; failures: AuthFailureLog; log: Logger; clock: Clock },
    private readonly everyMs: number,
  ) {}

  /** Starts the rounds (idempotent); they never keep the process alive. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.flushUsage(), this.everyMs);
    this.#timer.unref();
    this.#pruneTimer = setInterval(() => void this.pruneUsage(), USAGE_PRUNE_EVERY_MS);
    this.#pruneTimer.unref();
    void this.pruneUsage();
  }

  /** Stops the rounds and writes what is pending. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#pruneTimer) clearInterval(this.#pruneTimer);
    this.#timer = undefined;
    this.#pruneTimer = undefined;
    await this.flushUsage();
  }

  /** One round now: the usage, then the authentication failures. Never throws (it logs). */
  readonly flushUsage = async (): Promise<void> => {
    const { store, usage, failures, log } = this.parts;
    const batch = usage.drain();
    try {
      if (batch.length > 0) await store.tokens.recordUsage(batch);
    } catch (err) {
      usage.restore(batch);
      log.warn({ err }, 'could not write last_used; will retry');
    }
    await failures.flush(store.audit).catch((err: unknown) => log.warn({ err }, 'could not write auth failures'));
  };

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
