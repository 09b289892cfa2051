import { randomUUID } from 'node:crypto';
import type { AuthChange, AuthChangeBus } from '@gatehouse/core';
import pg from 'pg';

/** The NOTIFY channel of one Gatehouse database schema (deployments sharing a database stay apart). */
export const authChannel = (schema: string): string => `gatehouse_auth_${schema.replace(/\W/g, '_')}`.slice(0, 63);

const isChange = (v: unknown): v is AuthChange => {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return (
    (c.kind === 'token' && Number.isInteger(c.tokenId)) ||
    (c.kind === 'user' && Number.isInteger(c.userId)) ||
    c.kind === 'datastores' ||
    c.kind === 'all'
  );
};

export interface PostgresAuthChangeBusOptions {
  /** Connection settings for the dedicated LISTEN connection. */
  connection: pg.ClientConfig;
  /** Where NOTIFY is sent from (the store's pool). */
  pool: pg.Pool;
  /** See `authChannel`. */
  channel: string;
  onError?: (err: unknown) => void;
  /** Backoff between reconnection attempts, in ms. */
  retryMs?: number;
}

/**
 * Authentication changes across nodes over PostgreSQL LISTEN/NOTIFY (SPEC §6 "Scale out").
 *
 * A change is applied locally at once, then sent with pg_notify; every other node applies it
 * when the notification arrives (PostgreSQL delivers it after the sender's commit, i.e.
 * after the change is visible to reads). While the LISTEN connection is down, a node cannot
 * know what changed elsewhere, so it reports itself unhealthy — the server then stops caching
 * (correct but slower) — and on reconnection it drops everything it had cached.
 */
export class PostgresAuthChangeBus implements AuthChangeBus {
  readonly #listeners = new Set<(change: AuthChange) => void>();
  readonly #healthListeners = new Set<(healthy: boolean) => void>();
  readonly #origin = randomUUID();
  #client: pg.Client | undefined;
  #healthy = false;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(private readonly opts: PostgresAuthChangeBusOptions) {}

  get healthy(): boolean {
    return this.#healthy;
  }

  /** Connects and listens; resolves once listening (or rejects if the first attempt fails, then keeps retrying). */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ ...this.opts.connection, keepAlive: true });
    client.on('notification', (msg) => {
      if (msg.channel !== this.opts.channel || !msg.payload) return;
      try {
        const { origin, change } = JSON.parse(msg.payload) as { origin: string; change: unknown };
        if (origin !== this.#origin && isChange(change)) this.#deliver(change);
      } catch {
        /* not ours */
      }
    });
    const lost = (err?: unknown) => {
      if (this.#client !== client) return;
      this.#client = undefined;
      if (err) this.opts.onError?.(err);
      this.#setHealthy(false);
      client.end().catch(() => {});
      this.#scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN "${this.opts.channel}"`);
    } catch (err) {
      client.end().catch(() => {});
      this.opts.onError?.(err);
      this.#setHealthy(false);
      this.#scheduleReconnect();
      throw err;
    }
    this.#client = client;
    // Whatever changed while we were not listening is unknown: forget everything cached.
    this.#deliver({ kind: 'all' });
    this.#setHealthy(true);
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#connect().catch(() => {});
    }, this.opts.retryMs ?? 1000);
    this.#retry.unref();
  }

  #setHealthy(healthy: boolean): void {
    if (this.#healthy === healthy) return;
    this.#healthy = healthy;
    for (const l of this.#healthListeners) l(healthy);
  }

  #deliver(change: AuthChange): void {
    for (const l of this.#listeners) l(change);
  }

  async publish(change: AuthChange): Promise<void> {
    this.#deliver(change);
    await this.opts.pool.query('SELECT pg_notify($1, $2)', [this.opts.channel, JSON.stringify({ origin: this.#origin, change })]);
  }

  onHealthChange(listener: (healthy: boolean) => void): void {
    this.#healthListeners.add(listener);
  }

  subscribe(listener: (change: AuthChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops listening for good. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }
}
