import cluster, { type Worker } from 'node:cluster';
import { bootstrap, LocalAuthChangeBus, systemClock, type AuthChange, type AuthChangeBus } from '@gatehouse/core';
import { openStore } from '@gatehouse/db';
import { useCaseSettings, type Config } from './config.js';
import { argon2Passwords } from './passwords.js';
import { loadKeyring } from './secrets.js';
import { serve } from './serve.js';

/** Env var (outside the GATEHOUSE_ settings) carrying the primary's setup token to its workers. */
const SETUP_TOKEN_ENV = 'GH_CLUSTER_SETUP_TOKEN';
/** A change: published by a worker (its own id), relayed by the primary (the relay's id). */
const CHANGE = 'gatehouse:auth-change';
/** Applied: a worker acknowledging a relay, or the primary telling the publisher all have. */
const APPLIED = 'gatehouse:auth-change-applied';
/** How long the primary waits for a worker that neither acknowledges nor exits (a blocked event loop). */
const RELAY_TIMEOUT_MS = 2_000;

type ClusterMessage = { type: typeof CHANGE; id: number; change: AuthChange } | { type: typeof APPLIED; id: number };
const isClusterMessage = (m: unknown): m is ClusterMessage =>
  typeof m === 'object' && m !== null && ((m as ClusterMessage).type === CHANGE || (m as ClusterMessage).type === APPLIED);

/**
 * Authentication changes between the workers of one host through the cluster's IPC: a worker
 * applies a change locally, the primary relays it to every other worker, and `publish` resolves
 * once all of them have applied it. So the answer to a revocation is sent only when no worker of
 * the host would still accept the token, whichever connection (kept alive or new) the client
 * uses next. (On PostgreSQL the server uses LISTEN/NOTIFY instead, which also reaches other hosts.)
 */
export class ClusterAuthChangeBus implements AuthChangeBus {
  readonly #local = new LocalAuthChangeBus();
  readonly #published = new Map<number, () => void>();
  #lastId = 0;

  constructor() {
    process.on('message', (m: unknown) => {
      if (!isClusterMessage(m)) return;
      if (m.type === CHANGE) {
        this.#local.deliver(m.change);
        // With a callback, a channel closed meanwhile (the host stopping) is no uncaught error.
        process.send!({ type: APPLIED, id: m.id } satisfies ClusterMessage, undefined, {}, () => {});
      } else {
        this.#settle(m.id);
      }
    });
    // The primary gone (the host is shutting down): nobody is left to wait for.
    process.on('disconnect', () => {
      for (const id of [...this.#published.keys()]) this.#settle(id);
    });
  }

  publish(change: AuthChange): Promise<void> {
    this.#local.deliver(change);
    const id = ++this.#lastId;
    return new Promise<void>((resolve) => {
      this.#published.set(id, resolve);
      process.send!({ type: CHANGE, id, change } satisfies ClusterMessage, undefined, {}, (err) => {
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

interface Relay {
  publisher: Worker;
  publishedAs: number;
  /** The workers that have not applied the change yet. */
  waitingFor: Set<Worker>;
  timer: NodeJS.Timeout;
}

/** The primary's side: relays each change to the other workers and answers the publisher once all have applied it. */
class ChangeRelays {
  readonly #relays = new Map<number, Relay>();
  /**
   * Workers listening on the port. One still starting has no cache yet, nor perhaps its IPC
   * listener: it is sent the change but not waited for.
   */
  readonly #serving = new Set<Worker>();
  #lastId = 0;

  constructor(private readonly warn: (msg: string) => void) {}

  onMessage(from: Worker, m: ClusterMessage): void {
    if (m.type === APPLIED) return this.#applied(m.id, from);
    const id = ++this.#lastId;
    const others = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w !== from && w.isConnected());
    const waitingFor = new Set(others.filter((w) => this.#serving.has(w)));
    const timer = setTimeout(() => {
      const late = this.#relays.get(id);
      if (!late) return;
      this.warn(`workers ${[...late.waitingFor].map((w) => w.process.pid).join(', ')} did not acknowledge an auth change within ${RELAY_TIMEOUT_MS} ms`);
      this.#finish(id, late);
    }, RELAY_TIMEOUT_MS);
    const relay: Relay = { publisher: from, publishedAs: m.id, waitingFor, timer };
    this.#relays.set(id, relay);
    for (const w of others) w.send({ type: CHANGE, id, change: m.change } satisfies ClusterMessage);
    if (waitingFor.size === 0) this.#finish(id, relay);
  }

  onListening(worker: Worker): void {
    this.#serving.add(worker);
  }

  /** A worker that exits takes its cache with it: nothing to wait for (its replacement starts empty). */
  onExit(worker: Worker): void {
    this.#serving.delete(worker);
    for (const [id, relay] of this.#relays) {
      if (relay.publisher === worker) this.#finish(id, relay);
      else this.#applied(id, worker);
    }
  }

  #applied(id: number, worker: Worker): void {
    const relay = this.#relays.get(id);
    if (relay && relay.waitingFor.delete(worker) && relay.waitingFor.size === 0) this.#finish(id, relay);
  }

  #finish(id: number, relay: Relay): void {
    clearTimeout(relay.timer);
    this.#relays.delete(id);
    if (relay.publisher.isConnected()) relay.publisher.send({ type: APPLIED, id: relay.publishedAs } satisfies ClusterMessage);
  }
}

/**
 * `--workers N`: the primary prepares the database once (migrations, secret, Public team,
 * first Admin or setup token), then forks N workers that share the port, relays auth changes
 * between them and replaces a worker that dies. Workers run the ordinary server.
 */
export async function serveCluster(config: Readonly<Config>): Promise<void> {
  if (cluster.isWorker) {
    const setupToken = process.env[SETUP_TOKEN_ENV] || null;
    await serve(config, { handleSignals: true, changes: config.databaseUrl ? undefined : new ClusterAuthChangeBus(), setupToken, quiet: true });
    return;
  }

  const store = openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  let setupToken: string | null;
  try {
    await store.migrate();
    const { keyring } = loadKeyring(config.secret, config.dataDir);
    const admin = config.adminEmail && config.adminPassword ? { email: config.adminEmail, password: config.adminPassword } : null;
    ({ setupToken } = await bootstrap(
      { store, clock: systemClock, keyring, passwords: argon2Passwords(), changes: new LocalAuthChangeBus(), ...useCaseSettings(config) },
      admin,
    ));
  } finally {
    await store.close();
  }

  const log = (msg: string, level = 30) => process.stdout.write(`${JSON.stringify({ level, time: Date.now(), pid: process.pid, msg })}\n`);
  let stopping = false;
  const fork = (): Worker => cluster.fork({ ...(setupToken ? { [SETUP_TOKEN_ENV]: setupToken } : {}) });
  const relays = new ChangeRelays((msg) => log(msg, 40));
  cluster.on('message', (from, message: unknown) => {
    if (isClusterMessage(message)) relays.onMessage(from, message);
  });
  cluster.on('exit', (worker, code, signal) => {
    relays.onExit(worker);
    if (stopping) return;
    log(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    fork();
  });
  let listening = 0;
  cluster.on('listening', (worker, address) => {
    relays.onListening(worker);
    if (++listening !== config.workers) return;
    const url = `http://${address.address ?? config.host}:${address.port}`;
    if (setupToken) log(`No users yet. Create the first Admin at ${config.publicUrl ?? url}/setup?token=${setupToken} (one-time link)`);
    log(`Gatehouse listening on ${url} with ${config.workers} workers (${config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`})`);
  });
  for (let i = 0; i < config.workers; i++) fork();

  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping ${config.workers} workers`);
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    const done = () => Object.keys(cluster.workers ?? {}).length === 0 && process.exit(0);
    cluster.on('exit', done);
    done();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
