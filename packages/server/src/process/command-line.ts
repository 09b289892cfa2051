import { ConfigError, loadConfig, settingsHelp } from '../config.js';
import { serveCluster } from './cluster/primary.js';
import { migrateDatabase, serve } from './serve.js';

/*
 * The server's two commands, `serve` and `migrate`, parsed and run in one place for both ways
 * of starting them: the server's own entry point (`node packages/server/dist/main.js`, `npm
 * start`) and the `gatehouse` CLI.
 */

export const SERVE_HELP = `Usage: gatehouse serve [settings]

Starts the Gatehouse server (the same as npm start).

Settings (flag, environment variable, meaning):
${settingsHelp()}

Examples:
  gatehouse serve
  gatehouse serve --port 9000 --data-dir /var/lib/gatehouse
  GATEHOUSE_DATABASE_URL=postgres://gatehouse@db/gatehouse gatehouse serve --host 0.0.0.0
`;

export const MIGRATE_HELP = `Usage: gatehouse migrate [settings]

Applies pending database migrations and exits (serve also does this at start).

Examples:
  gatehouse migrate --data-dir ./data
  GATEHOUSE_DATABASE_URL=postgres://gatehouse@db/gatehouse gatehouse migrate
`;

/** The usage of the server's entry point, whose command may be left out (it serves). */
export const SERVER_HELP = `Usage: gatehouse [serve|migrate] [settings]

  serve     start the server (default)
  migrate   apply pending database migrations and exit

Settings (flag, environment variable, meaning):
${settingsHelp()}
`;

export type ServerCommand = 'serve' | 'migrate';
export const isServerCommand = (word: string | undefined): word is ServerCommand => word === 'serve' || word === 'migrate';

export interface CommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** The environment the settings are read from (flags win). */
  env: NodeJS.ProcessEnv;
}

/** Exit codes, as the CLI's: 0 done, 1 failed, 2 usage (unknown command or flag, bad setting); -1 serving. */
const OK = 0;
const ERROR = 1;
const USAGE = 2;
const SERVING = -1;

/**
 * Runs `[serve|migrate] [settings…]` and resolves to its exit code (-1 while the server runs).
 * With `defaultCommand`, the command may be left out. `--help` prints the command's usage.
 * Errors are written to `io.stderr` as `gatehouse: …`.
 */
export async function runServerCommand(argv: readonly string[], io: CommandIo, opts: { defaultCommand?: ServerCommand } = {}): Promise<number> {
  const [first, ...rest] = argv;
  const named = first !== undefined && !first.startsWith('-');
  const command = named ? first : opts.defaultCommand;
  const args = named ? rest : [...argv];
  if (command === 'help' || (!named && args.some(isHelp))) {
    io.stdout.write(SERVER_HELP);
    return OK;
  }
  if (!isServerCommand(command)) {
    io.stderr.write(`gatehouse: ${command === undefined ? 'a command is needed' : `unknown command "${command}"`}\n\n${SERVER_HELP}`);
    return USAGE;
  }
  if (args.some(isHelp)) {
    io.stdout.write(command === 'serve' ? SERVE_HELP : MIGRATE_HELP);
    return OK;
  }
  try {
    const config = loadConfig(io.env, args);
    if (command === 'migrate') {
      const applied = await migrateDatabase(config);
      io.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      return OK;
    }
    // With --workers N the primary forks N workers, which run this same command line.
    if (config.workers > 1) await serveCluster(config);
    else await serve(config, { handleSignals: true });
    return SERVING;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`gatehouse: configuration error: ${err.message}\n`);
      return USAGE;
    }
    io.stderr.write(`gatehouse: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return ERROR;
  }
}

const isHelp = (arg: string): boolean => arg === '--help' || arg === '-h';
