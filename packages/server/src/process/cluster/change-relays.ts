import { APPLIED, CHANGE, type ClusterMessage } from './messages.js';

/** How long the primary waits for a worker that neither acknowledges nor exits (a blocked event loop). */
export const RELAY_TIMEOUT_MS = 2_000;

/** What the relays need of a worker: node:cluster's `Worker` (tests pass fakes). */
export interface RelayWorker {
  readonly process: { readonly pid?: number | undefined };
  isConnected(): boolean;
  send(message: ClusterMessage): unknown;
}

interface Relay<W> {
  publisher: W;
  publishedAs: number;
  /** The workers that have not applied the change yet. */
  waitingFor: Set<W>;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The primary's side of the cluster's change feed: relays each change a worker publishes to
 * every other worker, and answers the publisher once all of those serving requests have
 * applied it, or have exited, or after `timeoutMs` (with a warning naming the late ones). So
 * the answer to a revocation waits until no worker of the host would still accept the token.
 *
 * A state machine driven by four events: a message, a worker listening, a worker exiting, and
 * the timer; it reads the workers alive from `workers()`.
 */
export class ChangeRelays<W extends RelayWorker> {
  readonly #relays = new Map<number, Relay<W>>();
  /**
   * Workers listening on the port. One still starting has no cache yet, nor perhaps its IPC
   * listener: it is sent the change but not waited for.
   */
  readonly #serving = new Set<W>();
  #lastId = 0;

  constructor(
    private readonly opts: {
      /** The workers alive now (node:cluster's `cluster.workers`). */
      workers: () => Iterable<W | undefined>;
      warn: (msg: string) => void;
      timeoutMs?: number;
    },
  ) {}

  /** A message from a worker: a change to relay, or its acknowledgement of one. */
  onMessage(from: W, m: ClusterMessage): void {
    if (m.type === APPLIED) return this.#applied(m.id, from);
    const id = ++this.#lastId;
    const others = [...this.opts.workers()].filter((w): w is W => w !== undefined && w !== from && w.isConnected());
    const waitingFor = new Set(others.filter((w) => this.#serving.has(w)));
    const timeoutMs = this.opts.timeoutMs ?? RELAY_TIMEOUT_MS;
    const timer = setTimeout(() => {
      const late = this.#relays.get(id);
      if (!late) return;
      this.opts.warn(`workers ${[...late.waitingFor].map((w) => w.process.pid).join(', ')} did not acknowledge an auth change within ${timeoutMs} ms`);
      this.#finish(id, late);
    }, timeoutMs);
    const relay: Relay<W> = { publisher: from, publishedAs: m.id, waitingFor, timer };
    this.#relays.set(id, relay);
    for (const w of others) w.send({ type: CHANGE, id, change: m.change } satisfies ClusterMessage);
    if (waitingFor.size === 0) this.#finish(id, relay);
  }

  /** A worker now listens on the port: from now on it is waited for. */
  onListening(worker: W): void {
    this.#serving.add(worker);
  }

  /** A worker that exits takes its cache with it: nothing to wait for (its replacement starts empty). */
  onExit(worker: W): void {
    this.#serving.delete(worker);
    for (const [id, relay] of this.#relays) {
      if (relay.publisher === worker) this.#finish(id, relay);
      else this.#applied(id, worker);
    }
  }

  /** Relays still waiting for a worker. */
  get pending(): number {
    return this.#relays.size;
  }

  #applied(id: number, worker: W): void {
    const relay = this.#relays.get(id);
    if (relay && relay.waitingFor.delete(worker) && relay.waitingFor.size === 0) this.#finish(id, relay);
  }

  #finish(id: number, relay: Relay<W>): void {
    clearTimeout(relay.timer);
    this.#relays.delete(id);
    if (relay.publisher.isConnected()) relay.publisher.send({ type: APPLIED, id: relay.publishedAs } satisfies ClusterMessage);
  }
}
