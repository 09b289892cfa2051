import { LocalAuthChangeBus, type AuthChange, type AuthChangeBus } from '@gatehouse/core';
import { APPLIED, CHANGE, isClusterMessage, type ClusterMessage } from './messages.js';

/** A worker's IPC channel to its primary: node's `process` in a cluster worker (tests pass a fake). */
export interface PrimaryChannel {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  /** Sends; `done` gets an error when the channel is closed. */
  send(message: ClusterMessage, done: (err: Error | null) => void): void;
}

/** The channel of this process, a cluster worker. */
export const processChannel: PrimaryChannel = {
  on: (event: 'message' | 'disconnect', listener: (message: unknown) => void) => process.on(event, listener),
  send: (message, done) => {
    // With a callback, a channel closed meanwhile (the host stopping) is no uncaught error.
    process.send!(message, undefined, {}, done);
  },
};

/**
 * Authentication changes between the workers of one host through the cluster's IPC: a worker
 * applies a change locally, the primary relays it to every other worker (ChangeRelays), and
 * `publish` resolves once all of them have applied it. So the answer to a revocation is sent
 * only when no worker of the host would still accept the token, whichever connection (kept
 * alive or new) the client uses next. (On PostgreSQL the server uses LISTEN/NOTIFY instead,
 * which also reaches other hosts.)
 */
export class ClusterAuthChangeBus implements AuthChangeBus {
  readonly #local = new LocalAuthChangeBus();
  readonly #published = new Map<number, () => void>();
  #lastId = 0;

  constructor(private readonly channel: PrimaryChannel = processChannel) {
    channel.on('message', (m: unknown) => {
      if (!isClusterMessage(m)) return;
      if (m.type === CHANGE) {
        this.#local.deliver(m.change);
        channel.send({ type: APPLIED, id: m.id }, () => {});
      } else {
        this.#settle(m.id);
      }
    });
    // The primary gone (the host is shutting down): nobody is left to wait for.
    channel.on('disconnect', () => {
      for (const id of [...this.#published.keys()]) this.#settle(id);
    });
  }

  publish(change: AuthChange): Promise<void> {
    this.#local.deliver(change);
    const id = ++this.#lastId;
    return new Promise<void>((resolve) => {
      this.#published.set(id, resolve);
      this.channel.send({ type: CHANGE, id, change }, (err) => {
        if (err) this.#settle(id);
      });
    });
  }

  #settle(id: number): void {
    this.#published.get(id)?.();
    this.#published.delete(id);
  }

  subscribe(listener: (change: AuthChange) => void): () => void {
    return this.#local.subscribe(listener);
  }
}
