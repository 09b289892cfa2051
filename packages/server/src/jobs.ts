import type { Store, UsageBuffer } from '@gatehouse/core';
import type { Logger } from 'pino';
import type { AuthFailureLog } from './http/auth-failure-log.js';

/**
 * A serving process's background work, in one place: what requests leave to be written behind
 * (SPEC §2) — the `last_used` of the tokens used and the grouped authentication failures —
 * written every `everyMs` while started, and once more when stopped. A failed write of
 * `last_used` is put back and retried on the next round.
 */
export class Jobs {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly parts: { store: Pick<Store, 'tokens' | 'audit'>; usage: UsageBuffer; failures: AuthFailureLog; log: Logger },
    private readonly everyMs: number,
  ) {}

  /** Starts the rounds (idempotent); they never keep the process alive. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.flushUsage(), this.everyMs);
    this.#timer.unref();
  }

  /** Stops the rounds and writes what is pending. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flushUsage();
  }

  /** One round now: `last_used`, then the authentication failures. Never throws (it logs). */
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
}
