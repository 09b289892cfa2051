import {
  bootstrap, DatastoreListCache, LocalAuthChangeBus, systemClock, TokenAuthenticator, TokenCache, UsageBuffer,
  type AuthChangeBus, type Clock, type Deps, type Keyring, type PasswordHasher, type Store,
} from '@gatehouse/core';
import { authChannel, openStore, PostgresAuthChangeBus, type OpenedStore } from '@gatehouse/db';
import { sql } from 'kysely';
import { useCaseSettings, type Config } from './config.js';
import { FixedWindowLimiter } from './http/abuse-limits.js';
import { AuthFailureLog } from './http/auth-failure-log.js';
import type { AppContext } from './http/context.js';
import { createLogger, type LogSetting } from './http/logging.js';
import { AuditStdout } from './audit-stdout.js';
import { Jobs } from './jobs.js';
import { LifecycleJobs } from './lifecycle-jobs.js';
import { SendingThread } from './webhooks/sending-thread.js';
import { webhookUrlGuard } from './webhooks/destination.js';
import { smtpMailer } from './mail.js';
import { createMetrics } from './metrics.js';
import { argon2Passwords } from './passwords.js';
import { loadKeyring } from './secrets.js';

/*
 * The composition root: the one place where a Gatehouse process is put together. The server
 * (`serve`), each cluster worker, a cluster's primary and the CLI's break-glass commands all
 * start here; `buildApp` (app.ts) turns what is built here into the HTTP app.
 */

/** Everything a Gatehouse process runs on; the routes see the `AppContext` part of it. */
export interface Gatehouse extends AppContext {
  store: Store;
  /** Whether this start generated the signing secret into the data dir. */
  secretGenerated: boolean;
  /** The background work (written-behind `last_used` and auth failures); started by the app. */
  jobs: Jobs;
  /** Stops the jobs (writing what is pending), then closes what was opened here. */
  close(): Promise<void>;
}

/**
 * What the process is for, which decides what its start does:
 * - `serve`: a server; on PostgreSQL it listens for other nodes' auth changes; the first start
 *   creates the Public team and the configured first Admin, or issues a one-time setup token;
 * - `prepare`: a cluster's primary, which prepares the database once for its workers (first
 *   start as above) and answers no request;
 * - `command`: a one-off command writing to the database (the CLI's break-glass): the Public
 *   team only (no first Admin, no setup token).
 */
export type Purpose = 'serve' | 'prepare' | 'command';

export interface GatehouseOptions {
  purpose?: Purpose;
  clock?: Clock;
  passwords?: PasswordHasher;
  /** Pino options (and stream) or false; defaults to the config's level with secrets redacted. */
  logger?: LogSetting;
  /** How auth changes reach this host's other processes when not on PostgreSQL (a cluster worker's IPC); default: nowhere. */
  changes?: AuthChangeBus;
  /** A cluster worker's: the setup token its primary issued, used instead of one of its own. */
  setupToken?: string | null;
}

/**
 * Opens and migrates the configured store, loads (or generates) the signing secret, connects
 * the change feed and makes the first start's records, then wires the rest (`wireGatehouse`).
 */
export async function createGatehouse(config: Readonly<Config>, options: GatehouseOptions = {}): Promise<Gatehouse & { store: OpenedStore }> {
  const purpose = options.purpose ?? 'serve';
  const store = openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  let changes: AuthChangeBus | undefined;
  try {
    await store.migrate();
    const { keyring, generated } = loadKeyring(config.secret, config.dataDir);
    changes = purpose === 'serve' ? await changeBusFor(config, store, options.changes) : new LocalAuthChangeBus();
    const gatehouse = wireGatehouse({
      config, store, keyring, changes, secretGenerated: generated, clock: options.clock, passwords: options.passwords, logger: options.logger,
    });
    const { deps } = gatehouse;
    if (purpose === 'command') {
      await store.teams.ensurePublic(deps.clock.now());
    } else {
      const admin = config.adminEmail && config.adminPassword ? { email: config.adminEmail, password: config.adminPassword } : null;
      const { setupToken } = await bootstrap(deps, admin);
      // Cluster workers share their primary's setup token, so that its printed link works on all of them.
      gatehouse.setupToken.current = options.setupToken !== undefined ? options.setupToken : setupToken;
    }
    const bus = changes;
    return {
      ...gatehouse,
      store,
      async close() {
        await gatehouse.close();
        if (bus instanceof PostgresAuthChangeBus) await bus.close();
        await store.close();
      },
    };
  } catch (e) {
    if (changes instanceof PostgresAuthChangeBus) await changes.close();
    await store.close().catch(() => {});
    throw e;
  }
}

/** What `wireGatehouse` is given: an open store and a keyring, the rest defaulted. */
export interface GatehouseParts {
  config: Readonly<Config>;
  /** Owned by the caller: `close` leaves it open. */
  store: Store;
  keyring: Keyring;
  clock?: Clock | undefined;
  passwords?: PasswordHasher | undefined;
  /** Cross-process change feed; this process alone by default. */
  changes?: AuthChangeBus | undefined;
  logger?: LogSetting | undefined;
  setupToken?: string | null;
  secretGenerated?: boolean;
}

/**
 * Wires the parts of a process around an open store, without any I/O: the use cases' `Deps`,
 * the verified-token cache (kept in step with the change feed), the authenticator, the usage
 * buffer and its jobs, the auth-failure log, the metrics and the logger.
 */
export function wireGatehouse(parts: GatehouseParts): Gatehouse {
  const { config, store, keyring } = parts;
  const clock = parts.clock ?? systemClock;
  const changes: AuthChangeBus = parts.changes ?? new LocalAuthChangeBus();
  const deps: Deps = {
    store,
    clock,
    keyring,
    passwords: parts.passwords ?? argon2Passwords(),
    changes,
    ...useCaseSettings(config),
    webhookUrlGuard: webhookUrlGuard(config.webhookAllowPrivate),
    ...(config.smtpUrl && config.mailFrom ? { mailer: smtpMailer(config.smtpUrl, config.mailFrom) } : {}),
  };
  const cache = new TokenCache(config.tokenCacheSize, { admitOnSecondUse: true });
  const datastoreLists = new DatastoreListCache();
  deps.datastoreLists = datastoreLists;
  const unsubscribe = changes.subscribe((change) => {
    cache.apply(change);
    datastoreLists.apply(change);
  });
  // Without the cross-node feed, a cached answer could be stale: serve uncached until it is back.
  if (changes.healthy === false) {
    cache.setEnabled(false);
    datastoreLists.setEnabled(false);
  }
  changes.onHealthChange?.((healthy) => {
    cache.setEnabled(healthy);
    datastoreLists.setEnabled(healthy);
  });
  const usage = new UsageBuffer(config.usageCounting);
  const log = createLogger(parts.logger, config.logLevel);
  const failures = new AuthFailureLog(clock);
  const auditStdout = config.auditStdout ? new AuditStdout(store.audit) : undefined;
  const sendingThread = SendingThread.create(log);
  const lifecycle = new LifecycleJobs({ deps, log, allowPrivate: config.webhookAllowPrivate, ...(sendingThread && { send: sendingThread.send }) }, config.schedulerIntervalMs);
  // A counts flush may write token.new_ip deliveries (a client never seen before): send them now.
  const jobs = new Jobs({ store, usage, failures, log, clock, auditStdout, onCountsWritten: lifecycle.kick }, config.usageFlushMs, config.usageCountsFlushMs);
  deps.onOutboxWritten = lifecycle.kick;
  return {
    config,
    log,
    deps,
    store,
    cache,
    usage,
    authenticator: new TokenAuthenticator({ keyring, tokens: store.tokens, users: store.users, clock, cache, usage }),
    failures,
    invalidTokens: config.limitInvalidToken ? new FixedWindowLimiter(config.limitInvalidToken, () => clock.nowMs()) : null,
    metrics: createMetrics(store.tokens, cache, clock),
    setupToken: { current: parts.setupToken ?? null },
    routes: [],
    secretGenerated: parts.secretGenerated ?? false,
    jobs,
    lifecycle,
    async close() {
      await lifecycle.stop();
      await sendingThread?.close();
      await jobs.stop();
      unsubscribe();
    },
  };
}

/**
 * How authentication changes reach the other processes: PostgreSQL LISTEN/NOTIFY when on
 * PostgreSQL (any number of nodes), else the given bus (the cluster's IPC for --workers) or
 * this process alone.
 */
async function changeBusFor(config: Readonly<Config>, store: OpenedStore, given: AuthChangeBus | undefined): Promise<AuthChangeBus> {
  if (!store.pgPool || !config.databaseUrl) return given ?? new LocalAuthChangeBus();
  const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(store.db)).rows[0]?.s ?? 'public';
  const bus = new PostgresAuthChangeBus({ connection: { connectionString: config.databaseUrl }, pool: store.pgPool, channel: authChannel(schema) });
  // A node that cannot listen yet still starts: it serves without its cache until the feed is up.
  await bus.start().catch(() => {});
  return bus;
}

