import cluster, { type Worker } from 'node:cluster';
import { bootstrap, LocalAuthChangeBus, systemClock, type AuthChange, type AuthChangeBus } from '@gatehouse/core';
import { openStore } from '@gatehouse/db';
import type { Config } from './config.js';
import { argon2Passwords } from './passwords.js';
import { loadKeyring } from './secrets.js';
import { serve } from './serve.js';

/** Env var (outside the GATEHOUSE_ settings) carrying the primary's setup token to its workers. */
const SETUP_TOKEN_ENV = 'GH_CLUSTER_SETUP_TOKEN';
const MESSAGE = 'gatehouse:auth-change';

interface ChangeMessage {
  type: typeof MESSAGE;
  change: AuthChange;
}
const isChangeMessage = (m: unknown): m is ChangeMessage => typeof m === 'object' && m !== null && (m as ChangeMessage).type === MESSAGE;

/**
 * Authentication changes between the workers of one host through the cluster's IPC: a worker
 * applies a change locally, then the primary relays it to every other worker. (On PostgreSQL
 * the server uses LISTEN/NOTIFY instead, which also reaches other hosts.)
 */
export class ClusterAuthChangeBus implements AuthChangeBus {
  readonly #local = new LocalAuthChangeBus();

  constructor() {
    process.on('message', (m: unknown) => {
      if (isChangeMessage(m)) this.#local.deliver(m.change);
    });
  }

  async publish(change: AuthChange): Promise<void> {
    this.#local.deliver(change);
    await new Promise<void>((resolve) => process.send!({ type: MESSAGE, change } satisfies ChangeMessage, undefined, {}, () => resolve()));
  }

  subscribe(listener: (change: AuthChange) => void): () => void {
    return this.#local.subscribe(listener);
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
      { store, clock: systemClock, keyring, passwords: argon2Passwords(), changes: new LocalAuthChangeBus(), policy: { maxLifetimeDays: null } },
      admin,
    ));
  } finally {
    await store.close();
  }

  const log = (msg: string) => process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, msg })}\n`);
  let stopping = false;
  const fork = (): Worker => cluster.fork({ ...(setupToken ? { [SETUP_TOKEN_ENV]: setupToken } : {}) });
  cluster.on('message', (from, message: unknown) => {
    if (!isChangeMessage(message)) return;
    for (const w of Object.values(cluster.workers ?? {})) if (w && w !== from) w.send(message);
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    fork();
  });
  let listening = 0;
  cluster.on('listening', (_worker, address) => {
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
