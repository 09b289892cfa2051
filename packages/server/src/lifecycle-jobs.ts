import { mailNotices, runLifecycleRound, type ClaimedDelivery, type DeliveryOutcome, type Deps } from '@gatehouse/core';
import type { Logger } from 'pino';
import { sendWebhook, type AttemptResult } from './webhooks/sender.js';

/*
 * The lifecycle jobs of SPEC §9, and how they run exactly once with any number of processes.
 *
 * One mechanism on both databases: every serving process (each `--workers` worker, each node
 * on PostgreSQL) runs a round every GATEHOUSE_SCHEDULER_INTERVAL_MS, and every unit of work is
 * claimed in the database before it is done, so that processes polling together never do the
 * same unit twice:
 * - a webhook delivery is claimed with a lease (`claimed_until`): on PostgreSQL the due rows are
 *   locked FOR UPDATE SKIP LOCKED and marked in one transaction, so two nodes take disjoint
 *   rows; on SQLite every write transaction holds the file's write lock from BEGIN IMMEDIATE.
 *   The outcome is written only while the lease is still the caller's (WebhookStore);
 * - a reminder or warning is claimed by inserting its (token, kind) notice, in the transaction
 *   that emits its event: a second process's insert finds the row and sends nothing;
 * - an idle revocation is the revocation's own guarded write (only an active token changes).
 * Why not a leader (advisory lock) or the cluster's primary alone: claims need no election and
 * no failover, and a revocation made by a worker reaches its siblings through the worker's own
 * change bus (the primary has none).
 *
 * A change that writes to the outbox also starts a delivery round on its own process (`kick`),
 * so an event reaches its receivers within moments of the answer, not of the next round: at once
 * while fewer than KICK_BURST rounds started in the last KICK_COALESCE_MS (a revocation goes out
 * straight away), else when that window allows, and events that arrive during a round wait for
 * the window as well. A stream of events (token issuance under load) thus shares a few rounds
 * per window — one claim and one record per batch, over kept-alive connections — instead of a
 * claim, a connection and a record per event on the heels of each issuance.
 */

/** Retry delays after each failed attempt (the Standard Webhooks schedule): ~27.6 h in all, then `failed`. */
export const RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] as const;
/** SPEC §9: each attempt gets 10 s. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/**
 * A claim outlives any attempt (twice the timeout), so that a claimed row is never sent twice at
 * once; a process killed mid-attempt leaves its claim, which others take over when it ends.
 */
export const CLAIM_MS = 2 * DELIVERY_TIMEOUT_MS;
const BATCH = 100;
/** Within this window at most KICK_BURST rounds start; events meanwhile share the next (see above). Well within SPEC §9's 1 s. */
export const KICK_COALESCE_MS = 150;
export const KICK_BURST = 4;

export interface LifecycleJobParts {
  /** The use cases' dependencies: the store and the clock the jobs judge time by. */
  deps: Deps;
  log: Logger;
  allowPrivate: boolean;
  /** The time written into signatures; the wall clock (receivers compare it with theirs). */
  signingClock?: () => Date;
  /** Sends one attempt (tests may replace it). */
  send?: typeof sendWebhook;
}

/** The outcome of an attempt: delivered on 2xx, else retried on the schedule, then failed. */
export function outcomeOf(result: AttemptResult, attemptsBefore: number, now: Date): DeliveryOutcome {
  const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
  if (ok) return { status: 'delivered', statusCode: result.statusCode, error: null, nextAttemptAt: now };
  const delay = RETRY_DELAYS_MS[attemptsBefore];
  return {
    status: delay === undefined ? 'failed' : 'pending',
    statusCode: result.statusCode,
    error: result.error ?? `HTTP ${result.statusCode}`,
    nextAttemptAt: new Date(now.getTime() + (delay ?? 0)),
  };
}

export class LifecycleJobs {
  #timer: NodeJS.Timeout | undefined;
  #delivering: Promise<number> | null = null;
  #again = false;
  #stopped = false;
  /**
   * Whether any endpoint exists, as of this process's last round or its own change to the
   * endpoints: a kick without one would only cost token issuance a query. An endpoint created on
   * another node is seen at this node's next round.
   */
  #endpoints = true;
  /** When the rounds of the last KICK_COALESCE_MS started (performance.now()), the round scheduled after them, and how to cut a round's wait short. */
  #rounds: number[] = [];
  #kickTimer: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;

  constructor(
    private readonly parts: LifecycleJobParts,
    private readonly everyMs: number,
  ) {}

  /** Starts the rounds (idempotent); they never keep the process alive. */
  start(): void {
    if (this.#timer) return;
    this.#stopped = false;
    this.#timer = setInterval(() => void this.runOnce(), this.everyMs);
    this.#timer.unref();
  }

  /** Stops the rounds and waits for a delivery round in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#kickTimer) clearTimeout(this.#kickTimer);
    this.#kickTimer = undefined;
    this.#wake?.();
    await this.#delivering?.catch(() => 0);
  }

  /** One round of every job now. Never throws (it logs). */
  readonly runOnce = async (): Promise<void> => {
    const { deps, log } = this.parts;
    try {
      this.#endpoints = (await deps.store.webhooks.list()).length > 0;
      const { notices, ...round } = await runLifecycleRound(deps);
      if (round.expiring + round.expired + round.idleWarnings + round.idleRevoked > 0) log.info({ round }, 'lifecycle jobs');
      // After the commit, once per notice (the process that claimed it): at most once, unlike events.
      await mailNotices(deps, notices, (err) => log.warn({ err }, 'could not send a lifecycle e-mail'));
    } catch (err) {
      this.#endpoints = true;
      log.warn({ err }, 'lifecycle jobs failed; will retry next round');
    }
    await this.deliverDue();
  };

  /** The endpoints changed on this process. */
  readonly endpointsChanged = (): void => {
    this.#endpoints = true;
  };

  /**
   * A change wrote to the outbox: deliver now, unless KICK_BURST rounds already started in the
   * last KICK_COALESCE_MS; then once the oldest of them leaves that window (one round for every
   * kick meanwhile). Events now and then (a revocation after a creation) go out at once; a
   * stream of them (issuance under load) shares a few rounds per window.
   */
  readonly kick = (): void => {
    if (this.#stopped || !this.#endpoints) return;
    if (this.#delivering) {
      // The round in flight goes once more, when the window allows (deliverDue).
      this.#again = true;
      return;
    }
    if (this.#kickTimer) return;
    const wait = this.#windowWait();
    if (wait === 0) {
      void this.deliverDue();
      return;
    }
    this.#kickTimer = setTimeout(() => {
      this.#kickTimer = undefined;
      if (!this.#stopped) void this.deliverDue();
    }, wait);
    this.#kickTimer.unref();
  };

  /** How long until another round may start: 0 while fewer than KICK_BURST started in the last KICK_COALESCE_MS. */
  #windowWait(): number {
    const now = performance.now();
    while (this.#rounds.length > 0 && this.#rounds[0]! <= now - KICK_COALESCE_MS) this.#rounds.shift();
    return this.#rounds.length < KICK_BURST ? 0 : this.#rounds[0]! + KICK_COALESCE_MS - now;
  }

  /** Waits `ms` (cut short by stop()). */
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      timer.unref();
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  /**
   * Sends the due deliveries this process can claim, until none is left; answers how many were
   * attempted. Called while a round is in flight, that round goes once more — after the window
   * allows, so that events arriving during a round wait for the next one together rather than
   * each starting a claim of its own.
   */
  deliverDue(): Promise<number> {
    if (this.#delivering) {
      this.#again = true;
      return this.#delivering;
    }
    const run = (async () => {
      let attempted = 0;
      try {
        let first = true;
        do {
          if (!first) {
            const wait = this.#windowWait();
            if (wait > 0) await this.#pause(wait);
            if (this.#stopped) break;
          }
          first = false;
          this.#again = false;
          this.#rounds.push(performance.now());
          for (;;) {
            const n = await this.#deliverBatch();
            attempted += n;
            if (n < BATCH) break;
          }
        } while (this.#again && !this.#stopped);
      } catch (err) {
        this.parts.log.warn({ err }, 'webhook delivery round failed; will retry');
      }
      return attempted;
    })();
    this.#delivering = run;
    void run.finally(() => {
      if (this.#delivering === run) this.#delivering = null;
    });
    return run;
  }

  async #deliverBatch(): Promise<number> {
    const { store, clock } = this.parts.deps;
    const now = clock.now();
    const claimed = await store.webhooks.claimDue(now, new Date(now.getTime() + CLAIM_MS), BATCH);
    if (claimed.length === 0) return 0;
    const results = await Promise.all(claimed.map((d) => this.#attempt(d)));
    // The batch's outcomes at one time, in one transaction (each still only while its claim
    // holds): the deliveries that went through are one UPDATE.
    const at = clock.now();
    const recorded = await store.webhooks.recordAttempts(claimed.map((delivery, i) => ({ delivery, outcome: outcomeOf(results[i]!, delivery.attempts, at) })));
    recorded.forEach((ok, i) => {
      if (!ok) this.parts.log.warn({ delivery: claimed[i]!.id }, 'webhook delivery outlived its claim; its outcome was not recorded');
    });
    return claimed.length;
  }

  async #attempt(d: ClaimedDelivery): Promise<AttemptResult> {
    const { log, allowPrivate } = this.parts;
    const send = this.parts.send ?? sendWebhook;
    const result = await send(
      { url: d.url, secret: d.secret, messageId: d.messageId, payload: d.payload },
      { allowPrivate, timeoutMs: DELIVERY_TIMEOUT_MS, now: this.parts.signingClock?.() ?? new Date() },
    );
    const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    if (!ok) log.info({ delivery: d.id, endpoint: d.endpointId, status: result.statusCode, error: result.error }, 'webhook attempt failed');
    return result;
  }
}
