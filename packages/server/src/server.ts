import { bootstrap, LocalAuthChangeBus, systemClock, type AuthChangeBus, type Clock, type Deps, type PasswordHasher } from '@gatehouse/core';
import { authChannel, openStore, PostgresAuthChangeBus, type OpenedStore } from '@gatehouse/db';
import { sql } from 'kysely';
import { buildApp } from './app.js';
import type { LogSetting } from './http/logging.js';
import { useCaseSettings, type Config } from './config.js';
import { argon2Passwords } from './passwords.js';
import { loadKeyring } from './secrets.js';

export interface GatehouseServer {
  app: Awaited<ReturnType<typeof buildApp>>;
  store: OpenedStore;
  /** The one-time setup token, when no user exists and no first Admin was configured. */
  setupToken: string | null;
  secretGenerated: boolean;
  /** Closes the app (flushing pending writes), then the store. */
  close(): Promise<void>;
}

/**
 * Everything `gatehouse serve` does before listening: open and migrate the store, load or
 * generate the secret, create the Public team and the first Admin, build the app.
 */
export async function createServer(
  config: Readonly<Config>,
  overrides: { clock?: Clock; passwords?: PasswordHasher; logger?: LogSetting; webRoot?: string; changes?: AuthChangeBus; setupToken?: string | null } = {},
): Promise<GatehouseServer> {
  const store = openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await store.migrate();
    const { keyring, generated } = loadKeyring(config.secret, config.dataDir);
    const clock = overrides.clock ?? systemClock;
    const passwords = overrides.passwords ?? argon2Passwords();
    const changes = await changeBusFor(config, store, overrides.changes);
    const deps: Deps = { store, clock, keyring, passwords, changes, ...useCaseSettings(config) };
    const admin = config.adminEmail && config.adminPassword ? { email: config.adminEmail, password: config.adminPassword } : null;
    const bootstrapped = await bootstrap(deps, admin);
    // Cluster workers share their primary's setup token, so that its printed link works on all of them.
    const setupToken = overrides.setupToken !== undefined ? overrides.setupToken : bootstrapped.setupToken;
    const app = await buildApp({
      config, store, keyring, clock, passwords, changes, setupToken,
      ...(overrides.logger !== undefined ? { logger: overrides.logger } : {}),
      ...(overrides.webRoot !== undefined ? { webRoot: overrides.webRoot } : {}),
    });
    return {
      app, store, setupToken, secretGenerated: generated,
      async close() {
        await app.close();
        if (changes instanceof PostgresAuthChangeBus) await changes.close();
        await store.close();
      },
    };
  } catch (e) {
    await store.close().catch(() => {});
    throw e;
  }
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
