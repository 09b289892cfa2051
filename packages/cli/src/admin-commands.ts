import { parseArgs } from 'node:util';
import { createHumanUser, DomainError, issueToken, type Deps } from '@gatehouse/core';
import { ConfigError, createGatehouse, loadConfig, type Config } from '@gatehouse/server';
import { CliError, EXIT, parseDays, readAll, UsageError, type Io } from './io.js';
import { printJson } from './output.js';

/*
 * Break-glass commands that run on the server's machine against its configuration (SPEC §6:
 * the same environment variables and flags as `npm start`). `serve` and `migrate` are the
 * server's own (@gatehouse/server's runServerCommand).
 */

export const ADMIN_HELP = `Usage: gatehouse admin <create|token> [options] [settings]

Break-glass commands that write directly to the configured database (run them where the
server runs, with its settings: --data-dir, --database-url or GATEHOUSE_*).

  admin create --email <email> --password-stdin [--name <name>]
      Create an Admin user; the password is read from standard input (at least 12 characters).
  admin token --user <email|user_id> --name <token name> [--expires-in-days <n|never>] [--json]
      Create a token for that user and print it once. A human gets a Personal token,
      a service account a Service token.

Examples:
  printf '%s' "$ADMIN_PASSWORD" | gatehouse admin create --email ops@example.com --password-stdin
  gatehouse admin token --user ops@example.com --name break-glass --expires-in-days 1
  GATEHOUSE_DATABASE_URL=postgres://… gatehouse admin token --user ci_pipeline@service --name ci --expires-in-days 30
`;

/** Splits the command's own options from the settings flags that loadConfig understands. */
function settingsAndOwn(env: NodeJS.ProcessEnv, argv: string[], own: Record<string, { type: 'string' | 'boolean' }>): { config: Readonly<Config>; values: Record<string, string | boolean | undefined> } {
  const ownFlags = new Set(Object.keys(own).map((k) => `--${k}`));
  const mine: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.split('=')[0]!;
    if (ownFlags.has(name)) {
      mine.push(a);
      if (own[name.slice(2)]!.type === 'string' && !a.includes('=') && i + 1 < argv.length) mine.push(argv[++i]!);
    } else rest.push(a);
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: mine, options: own, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return { config: loadConfigOrUsage(rest, env), values };
}

function loadConfigOrUsage(argv: string[], env: NodeJS.ProcessEnv): Readonly<Config> {
  try {
    return loadConfig(env, argv);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`configuration error: ${e.message}`);
    throw e;
  }
}

/** Prepares the database the way the server does (a one-off command's start), for a direct write. */
async function withDeps<T>(config: Readonly<Config>, fn: (deps: Deps) => Promise<T>): Promise<T> {
  const gatehouse = await createGatehouse(config, { purpose: 'command', logger: false });
  try {
    return await fn(gatehouse.deps);
  } finally {
    await gatehouse.close();
  }
}

function domainFailure(e: unknown): never {
  if (e instanceof DomainError) throw new CliError(`${e.message} (${e.code})`, EXIT.ERROR);
  if (e instanceof ConfigError) throw new UsageError(`configuration error: ${e.message}`);
  throw e;
}

export async function adminCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'create') {
    const { config, values } = settingsAndOwn(io.env, rest, { email: { type: 'string' }, 'password-stdin': { type: 'boolean' }, name: { type: 'string' } });
    if (typeof values.email !== 'string') throw new UsageError('--email is required', ADMIN_HELP);
    if (values['password-stdin'] !== true) throw new UsageError('--password-stdin is required (passwords never go on the command line)', ADMIN_HELP);
    const password = (await readAll(io.stdin)).replace(/\r?\n$/, '');
    const user = await withDeps(config, (deps) =>
      createHumanUser(deps, null, { email: values.email as string, name: typeof values.name === 'string' ? values.name : 'Administrator', role: 'Admin', password }),
    ).catch(domainFailure);
    io.stdout.write(`created Admin ${user.userId} (id ${user.id})\n`);
    return EXIT.OK;
  }
  if (sub === 'token') {
    const { config, values } = settingsAndOwn(io.env, rest, { user: { type: 'string' }, name: { type: 'string' }, 'expires-in-days': { type: 'string' }, json: { type: 'boolean' } });
    if (typeof values.user !== 'string' || typeof values.name !== 'string') throw new UsageError('--user and --name are required', ADMIN_HELP);
    const days = parseDays(values['expires-in-days'] as string | undefined);
    const created = await withDeps(config, async (deps) => {
      const owner = await deps.store.users.findByUserId(values.user as string);
      if (!owner) throw new CliError(`no user ${values.user as string}`);
      if (!owner.active) throw new CliError(`${owner.userId} is deactivated`);
      // Break-glass from the server's own machine is operator authority, answering to no role;
      // the audit log records it as done by the system, via the break-glass command.
      return issueToken(deps, null, owner, { name: values.name as string, ...(days !== undefined ? { expiresInDays: days } : {}) }, { via: 'break-glass' });
    }).catch(domainFailure);
    if (values.json === true) {
      printJson(io, { id: created.token.id, name: created.token.name, type: created.token.type, expiration: created.token.expiration?.toISOString() ?? null, bearer_token: created.bearerToken });
    } else {
      io.stderr.write(`Token "${created.token.name}" (id ${created.token.id}, ${created.token.type}, expires ${created.token.expiration?.toISOString() ?? 'never'}) for ${values.user as string}.\nIt is shown once; store it now:\n`);
      io.stdout.write(created.bearerToken + '\n');
    }
    return EXIT.OK;
  }
  throw new UsageError(sub ? `unknown admin command "${sub}"` : 'admin needs a command: create or token', ADMIN_HELP);
}
