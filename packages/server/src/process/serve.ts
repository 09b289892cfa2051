import type { AuthChangeBus } from '@gatehouse/core';
import { openStore } from '@gatehouse/db';
import type { Config } from '../config.js';
import { createServer, type GatehouseServer } from '../server.js';

export interface RunningServer {
  server: GatehouseServer;
  /** The address it listens on, e.g. http://127.0.0.1:8000. */
  address: string;
  /** Finishes in-flight requests, flushes pending writes, closes the store. */
  stop(): Promise<void>;
}

/**
 * `gatehouse serve` and `npm start`: create the server, listen, log how to reach it and, with
 * `handleSignals`, shut down gracefully on SIGTERM/SIGINT (exit 0, or 1 if closing fails).
 */
export async function serve(
  config: Readonly<Config>,
  opts: {
    handleSignals?: boolean;
    /** For cluster workers: how auth changes reach the other workers, the primary's setup token, and no start banner. */
    changes?: AuthChangeBus | undefined;
    setupToken?: string | null;
    quiet?: boolean;
  } = {},
): Promise<RunningServer> {
  const server = await createServer(config, {
    ...(opts.changes ? { changes: opts.changes } : {}),
    ...(opts.setupToken !== undefined ? { setupToken: opts.setupToken } : {}),
  });
  const { app } = server;
  const { log } = server.gatehouse;
  const address = await app.listen({ host: config.host, port: config.port });
  const base = config.publicUrl ?? address;
  if (server.secretGenerated) log.info(`generated a new signing secret in ${config.dataDir}/secret (mode 0600): back it up`);
  if (server.setupToken && !opts.quiet) {
    log.warn(`No users yet. Create the first Admin at ${base}/setup?token=${server.setupToken} (one-time link)`);
  }
  // Last: the line that tells a supervisor (and the tests) the server is up.
  if (!opts.quiet) log.info(`Gatehouse listening on ${address} (${server.store.dialect === 'sqlite' ? `SQLite in ${config.dataDir}` : 'PostgreSQL'})`);

  let closing: Promise<void> | undefined;
  const stop = () => (closing ??= server.close());
  if (opts.handleSignals) {
    const shutdown = (signal: string) => {
      if (closing) return;
      log.info(`${signal}: finishing in-flight requests`);
      stop().then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'error during shutdown');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  }
  return { server, address, stop };
}

/** `gatehouse migrate`: applies pending migrations and closes the store; returns their names. */
export async function migrateDatabase(config: Readonly<Config>): Promise<string[]> {
  const store = openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await store.migrate();
  } finally {
    await store.close();
  }
}
