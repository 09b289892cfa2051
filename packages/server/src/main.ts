#!/usr/bin/env node
// First: V8 settings that must be made before anything else runs (see v8-tuning.ts).
import './v8-tuning.js';
import { ConfigError, loadConfig, settingsHelp } from './config.js';
import { serveCluster } from './cluster.js';
import { migrateDatabase, serve } from './serve.js';

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
    const applied = await migrateDatabase(config);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    return 0;
  }
  if (command !== 'serve') {
    process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }

  if (config.workers > 1) await serveCluster(config);
  else await serve(config, { handleSignals: true });
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
