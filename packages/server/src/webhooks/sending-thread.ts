import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { sendWebhook, type AttemptResult, type SendOptions } from './sender.js';

/*
 * Webhook attempts are signed and sent on a thread of their own, off the event loop that serves
 * the API: under a stream of events (token issuance under load) the HTTP work of every delivery
 * — and a TLS handshake to each new receiver — would otherwise be paid by the requests being
 * served. The database stays on the serving thread (claims and outcomes are a few statements a
 * round; a second SQLite connection would contend for the write lock); the thread only receives
 * what to send and answers each attempt's outcome, a batch per message each way.
 *
 * If the thread stops unexpectedly (or stops answering, see #guard), the attempts it held fail
 * (the deliveries are retried on the schedule; a receiver may see one twice, which the Standard
 * Webhooks id lets it ignore) and the process sends in-process from then on.
 */

/** One attempt as handed to the thread. */
export interface AttemptRequest {
  id: number;
  target: Parameters<typeof sendWebhook>[0];
  allowPrivate: boolean;
  timeoutMs: number;
  /** The signature's time, in ms since the epoch. */
  now: number;
}

/** One attempt's outcome, as the thread answers it. */
export interface AttemptReply {
  id: number;
  result: AttemptResult;
}

/** The compiled worker; absent when running from the TypeScript sources (tests), which send in-process. */
const WORKER = new URL('./sending-thread-worker.js', import.meta.url);

export class SendingThread {
  #worker: Worker | null = null;
  #nextId = 0;
  #pending = new Map<number, (result: AttemptResult) => void>();
  #queue: AttemptRequest[] = [];
  #broken = false;
  #closing = false;

  private constructor(
    private readonly log: Pick<Logger, 'warn'>,
    private readonly workerUrl: URL,
  ) {}

  /** A sending thread, or null where no compiled worker exists (the caller sends in-process). */
  static create(log: Pick<Logger, 'warn'>, workerUrl: URL = WORKER): SendingThread | null {
    return workerUrl.protocol === 'file:' && existsSync(fileURLToPath(workerUrl)) ? new SendingThread(log, workerUrl) : null;
  }

  /** Sends one attempt on the thread (started at the first); in-process once the thread has failed. */
  readonly send = (target: AttemptRequest['target'], options: SendOptions): Promise<AttemptResult> => {
    if (this.#broken || this.#closing) return sendWebhook(target, options);
    const worker = this.#worker ?? this.#start();
    const id = ++this.#nextId;
    if (this.#queue.length === 0) {
      // The attempts of a round are handed over together, in one message.
      queueMicrotask(() => {
        const batch = this.#queue;
        this.#queue = [];
        worker.postMessage(batch);
        this.#guard(worker, batch);
      });
    }
    this.#queue.push({ id, target, allowPrivate: options.allowPrivate, timeoutMs: options.timeoutMs, now: options.now.getTime() });
    return new Promise((resolve) => this.#pending.set(id, resolve));
  };

  /** Stops the thread; attempts still in flight fail (the deliveries are retried). */
  async close(): Promise<void> {
    this.#closing = true;
    const worker = this.#worker;
    this.#worker = null;
    if (worker) await worker.terminate();
    this.#failPending('the server is stopping');
  }

  #start(): Worker {
    const worker = new Worker(this.workerUrl);
    // Deliveries never keep the process alive (the jobs' timers do not either).
    worker.unref();
    worker.on('message', (replies: AttemptReply[]) => {
      for (const { id, result } of replies) {
        const resolve = this.#pending.get(id);
        this.#pending.delete(id);
        resolve?.(result);
      }
    });
    worker.on('error', (err) => this.log.warn({ err }, 'the webhook sending thread failed'));
    worker.on('exit', (code) => {
      if (this.#worker !== worker) return; // closed
      this.#worker = null;
      this.#broken = true;
      this.log.warn({ code }, 'the webhook sending thread stopped; webhooks are sent in-process from now on');
      this.#failPending(`the webhook sending thread stopped (exit code ${code})`);
    });
    this.#worker = worker;
    return worker;
  }

  /**
   * Each attempt ends within its own timeout on the thread; one still unanswered at twice that
   * means the thread is stuck (its event loop blocked): it is stopped like a thread that failed,
   * rather than holding its deliveries' round forever.
   */
  #guard(worker: Worker, batch: AttemptRequest[]): void {
    const limit = 2 * Math.max(...batch.map((a) => a.timeoutMs));
    const timer = setTimeout(() => {
      if (this.#worker !== worker || !batch.some((a) => this.#pending.has(a.id))) return;
      this.log.warn({ afterMs: limit }, 'the webhook sending thread did not answer; stopping it');
      void worker.terminate();
    }, limit);
    timer.unref();
  }

  #failPending(why: string): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const resolve of pending) resolve({ statusCode: null, error: why });
  }
}
