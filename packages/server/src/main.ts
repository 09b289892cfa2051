#!/usr/bin/env node
import { openStore } from '@gatehouse/db';
import { ConfigError, loadConfig, settingsHelp } from './config.js';
import { createServer } from './server.js';

const USAGE = `Usage: gatehouse [serve|migrate] [flags]

  serve     start the server (default)
  migrate   apply pending database migrations and exit

Settings (flag, environment variable, meaning):
${settingsHelp()}
`;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  const command = first && !first.startsWith('-') ? first : 'serve';
  const args = command === first ? rest : argv;
  if (args.includes('--help') || args.includes('-h') || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const config = loadConfig(process.env, args);

  if (command === 'migrate') {
    const store = openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const applied = await store.migrate();
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    } finally {
      await store.close();
    }
    return 0;
  }
  if (command !== 'serve') {
    process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }

  const server = await createServer(config);
  const { app } = server;
  const address = await app.listen({ host: config.host, port: config.port });
  const base = config.publicUrl ?? address;
  app.log.info(`Gatehouse listening on ${address} (${server.store.dialect === 'sqlite' ? `SQLite in ${config.dataDir}` : 'PostgreSQL'})`);
  if (server.secretGenerated) app.log.info(`generated a new signing secret in ${config.dataDir}/secret (mode 0600): back it up`);
  if (server.setupToken) {
    app.log.warn(`No users yet. Create the first Admin at ${base}/setup?token=${server.setupToken} (one-time link)`);
  }

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal}: finishing in-flight requests`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  return -1; // keep running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`gatehouse: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`gatehouse: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
