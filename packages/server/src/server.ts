import { bootstrap, LocalAuthChangeBus, systemClock, type Clock, type Deps, type PasswordHasher } from '@gatehouse/core';
import { openStore, type OpenedStore } from '@gatehouse/db';
import type { FastifyServerOptions } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
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
  overrides: { clock?: Clock; passwords?: PasswordHasher; logger?: FastifyServerOptions['logger']; webRoot?: string } = {},
): Promise<GatehouseServer> {
  const store = openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await store.migrate();
    const { keyring, generated } = loadKeyring(config.secret, config.dataDir);
    const clock = overrides.clock ?? systemClock;
    const passwords = overrides.passwords ?? argon2Passwords();
    const changes = new LocalAuthChangeBus();
    const deps: Deps = { store, clock, keyring, passwords, changes, policy: { maxLifetimeDays: config.maxTokenDays ?? null } };
    const admin = config.adminEmail && config.adminPassword ? { email: config.adminEmail, password: config.adminPassword } : null;
    const { setupToken } = await bootstrap(deps, admin);
    const app = await buildApp({
      config, store, keyring, clock, passwords, changes, setupToken,
      ...(overrides.logger !== undefined ? { logger: overrides.logger } : {}),
      ...(overrides.webRoot !== undefined ? { webRoot: overrides.webRoot } : {}),
    });
    return {
      app, store, setupToken, secretGenerated: generated,
      async close() {
        await app.close();
        await store.close();
      },
    };
  } catch (e) {
    await store.close().catch(() => {});
    throw e;
  }
}
