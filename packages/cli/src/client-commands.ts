import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { parseArgs } from 'node:util';
import { baseUrlOf, GatehouseApiError, GatehouseClient, GatehouseUnreachableError, ROLES, type LeakVerdict, type Page, type PageWindow, type Role, type Scope, type Token, type User } from '@gatehouse/sdk';
import { configPath, readSavedLogin, writeSavedLogin } from './config-file.js';
import { CliError, EXIT, parseDays, readAll, UsageError, type Io } from './io.js';
import { details, printJson, progress, table, when, type Column } from './output.js';

type Options = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
type Values = Record<string, string | boolean | string[] | undefined>;

interface Ctx {
  io: Io;
  values: Values;
  positionals: string[];
  json: boolean;
  /** The API client, from --url/--token, GATEHOUSE_URL/GATEHOUSE_TOKEN or the saved login. */
  client(): GatehouseClient;
}

export interface ClientCommand {
  name: string;
  summary: string;
  usage: string;
  examples: string[];
  options?: Options;
  /** Positional arguments: their names, all required (unless `argsOptional`: then all or none). */
  args?: string[];
  /** Takes any number of positional arguments instead (e.g. paths). */
  variadic?: boolean;
  /** The positional arguments may all be left out (e.g. `tokens rotate --self`). */
  argsOptional?: true;
  run(ctx: Ctx): Promise<number>;
}

const CONNECTION = `Connection (every client command):
  --url <url>       Gatehouse server (else GATEHOUSE_URL, else the saved login)
  --token <token>   API token (else GATEHOUSE_TOKEN, else the saved login)
  --json            print JSON for scripts instead of a table
  -h, --help        this help`;

export function commandHelp(c: ClientCommand): string {
  return `Usage: gatehouse ${c.usage}\n\n${c.summary}\n\n${CONNECTION}\n\nExamples:\n${c.examples.map((e) => `  ${e}`).join('\n')}\n`;
}

const COMMON: Options = { url: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };

function resolveConnection(io: Io, values: Values): { url: string; token: string } {
  const saved = (values.url === undefined || values.token === undefined) && !(io.env.GATEHOUSE_URL && io.env.GATEHOUSE_TOKEN) ? readSavedLogin(io.env) : undefined;
  const url = (values.url as string | undefined) ?? io.env.GATEHOUSE_URL ?? saved?.url;
  const token = (values.token as string | undefined) ?? io.env.GATEHOUSE_TOKEN ?? saved?.token;
  if (!url) throw new CliError('No Gatehouse server: pass --url, set GATEHOUSE_URL, or run gatehouse login', EXIT.USAGE);
  if (!token) throw new CliError('No token: pass --token, set GATEHOUSE_TOKEN, or run gatehouse login', EXIT.AUTH);
  return { url, token };
}

/** Turns an API failure into the message and exit code a script can rely on. */
export function explain(e: unknown): CliError {
  if (e instanceof GatehouseUnreachableError) {
    return new CliError(`${e.message}\nIs the server running, and is the URL right (--url, GATEHOUSE_URL)?`, EXIT.ERROR);
  }
  if (!(e instanceof GatehouseApiError)) return e instanceof CliError ? e : new CliError(String((e as Error)?.message ?? e));
  const ref = e.requestId ? ` (request ${e.requestId})` : '';
  switch (e.status) {
    case 401:
      return new CliError(`Not authenticated: ${e.detail}${ref}.\nCheck --token / GATEHOUSE_TOKEN, or run gatehouse login.`, EXIT.AUTH);
    case 403:
      return new CliError(`Forbidden: ${e.detail}${ref}`, EXIT.AUTH);
    case 404:
      return new CliError(`Not found: ${e.detail}${ref}`);
    case 409:
      return new CliError(`Conflict: ${e.detail}${ref}`);
    case 422:
      return new CliError(`Invalid input${e.field ? ` (${e.field})` : ''}: ${e.detail}${ref}`);
    case 429:
      return new CliError(`Rate limited: ${e.detail}; retry later${ref}`);
    default:
      return new CliError(`Gatehouse answered ${e.status} ${e.code}: ${e.detail}${ref}`);
  }
}

const intArg = (raw: string, what: string): number => {
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`${what} must be a positive integer id, got "${raw}"`);
  return Number(raw);
};

const graceHours = (raw: string): number => {
  if (!/^\d{1,3}$/.test(raw) || Number(raw) > 168) throw new UsageError(`--grace-hours must be an integer from 0 to 168, got "${raw}"`);
  return Number(raw);
};

/** Every page of a list, with a progress line on a terminal. */
async function fetchAll<T>(ctx: Ctx, what: string, list: (p: PageWindow) => Promise<Page<T>>, limit?: number): Promise<T[]> {
  const gh = ctx.client();
  const bar = progress(ctx.io, what);
  const out: T[] = [];
  try {
    for await (const item of gh.paginate(list, { size: 100, onPage: (n, total) => bar.update(n, limit ? Math.min(limit, total) : total) })) {
      out.push(item);
      if (limit !== undefined && out.length >= limit) break;
    }
  } finally {
    bar.done();
  }
  return out;
}

const USER_COLUMNS: Column<User>[] = [
  ['id', (u) => u.id],
  ['user_id', (u) => u.user_id],
  ['name', (u) => u.name],
  ['type', (u) => u.user_type],
  ['role', (u) => u.role],
  ['teams', (u) => u.teams],
  ['active', (u) => (u.active ? 'yes' : 'no')],
];

const TOKEN_COLUMNS: Column<Token>[] = [
  ['id', (t) => t.id],
  ['name', (t) => t.name],
  ['type', (t) => t.type],
  ['user', (t) => t.user.user_id],
  ['status', (t) => (!t.active ? 'Revoked' : t.expiration && Date.parse(t.expiration) <= Date.now() ? 'Expired' : 'Active')],
  ['expiration', (t) => when(t.expiration, 'Never')],
  ['last used', (t) => when(t.last_used, 'Not used')],
  ['created', (t) => when(t.created)],
  // Restrictions (SPEC §11), so that a narrowed token is told apart from an unrestricted one.
  ['scopes', (t) => t.scopes?.join(' ') ?? 'all'],
  ['allowed ips', (t) => t.allowed_ips?.join(' ') ?? 'any'],
];

function printCreatedToken(ctx: Ctx, t: { id: number; name: string; type: string; expiration: string | null; bearer_token: string; user: { user_id: string } }, verb: string): number {
  if (ctx.json) {
    printJson(ctx.io, t);
    return EXIT.OK;
  }
  ctx.io.stderr.write(`${verb} token "${t.name}" (id ${t.id}, ${t.type}, ${t.user.user_id}, expires ${t.expiration ?? 'never'}).\nIt is shown once; store it now:\n`);
  ctx.io.stdout.write(t.bearer_token + '\n');
  return EXIT.OK;
}

async function serviceAccountId(ctx: Ctx, raw: string): Promise<number> {
  if (/^\d+$/.test(raw)) return intArg(raw, 'id');
  const found = (await ctx.client().users.listing({ type: 'Service', search: raw })).find((u) => u.user_id === raw.toLowerCase());
  if (!found) throw new CliError(`Not found: no service account ${raw}`);
  return found.id;
}

const roleArg = (raw: unknown): Role => {
  const r = ROLES.find((x) => x.toLowerCase() === String(raw).toLowerCase());
  if (!r) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got "${String(raw)}"`);
  return r;
};

const tokenAction = (name: 'revoke' | 'restore' | 'delete', summary: string, past: string): ClientCommand => ({
  name: `tokens ${name}`,
  summary,
  usage: `tokens ${name} <id>`,
  args: ['id'],
  examples: [`gatehouse tokens ${name} 42`, ...(name === 'delete' ? ['gatehouse tokens revoke 42 && gatehouse tokens delete 42'] : [])],
  async run(ctx) {
    const id = intArg(ctx.positionals[0]!, 'id');
    const gh = ctx.client();
    const result = name === 'revoke' ? await gh.tokens.revoke(id) : name === 'restore' ? await gh.tokens.restore(id) : await gh.tokens.delete(id);
    if (ctx.json) printJson(ctx.io, result ?? { id, deleted: true });
    else ctx.io.stdout.write(`${past} token ${id}${result ? ` ("${result.name}")` : ''}\n`);
    return EXIT.OK;
  },
});

export const CLIENT_COMMANDS: ClientCommand[] = [
  {
    name: 'login',
    summary: `Logs in and saves the server URL and token for the other commands, in
~/.config/gatehouse/config.json (mode 0600; GATEHOUSE_CONFIG overrides the path).
Without --token or --token-stdin it logs in through the browser: it prints (and tries to open) a
Gatehouse page where you approve a Personal token for this computer, received on a loopback port.`,
    usage: 'login --url <url> [--token-stdin | --token <token>] [--no-browser] [--timeout <seconds>]',
    options: { 'token-stdin': { type: 'boolean' }, 'no-browser': { type: 'boolean' }, timeout: { type: 'string' } },
    examples: [
      'gatehouse login --url https://gatehouse.example.com',
      'echo "$TOKEN" | gatehouse login --url https://gatehouse.example.com --token-stdin',
    ],
    async run(ctx) {
      const { io, values } = ctx;
      const url = (values.url as string | undefined) ?? io.env.GATEHOUSE_URL;
      if (!url) throw new UsageError('--url is required');
      let token = values.token as string | undefined;
      if (values['token-stdin'] === true) token = (await readAll(io.stdin)).trim();
      if (!token) token = await browserLogin(ctx, url);
      const me = await new GatehouseClient({ url, token }).me();
      const file = writeSavedLogin(io.env, { url: baseUrlOf(url), token });
      if (ctx.json) printJson(io, { url: baseUrlOf(url), user_id: me.user_id, config: file });
      else io.stdout.write(`Logged in to ${baseUrlOf(url)} as ${me.user_id}${me.token ? ` (token "${me.token.name}", expires ${me.token.expiration ?? 'never'})` : ''}; saved in ${file}\n`);
      return EXIT.OK;
    },
  },
  {
    name: 'whoami',
    summary: 'Shows who the token belongs to, their role and teams, and the token itself.',
    usage: 'whoami',
    examples: ['gatehouse whoami', 'gatehouse whoami --json | jq -r .role'],
    async run(ctx) {
      const me = await ctx.client().me();
      if (ctx.json) return printJson(ctx.io, me), EXIT.OK;
      ctx.io.stdout.write(details([
        ['user', me.user_id], ['name', me.name], ['type', me.user_type], ['role', me.role], ['teams', me.teams],
        ['token', me.token ? `${me.token.name} (id ${me.token.id}, ${me.token.type})` : null],
        ['expires', me.token ? (me.token.expiration ?? 'never') : null],
        ['scopes', me.token ? (me.token.scopes?.join(' ') ?? 'all (its role)') : null],
        ['server', ctx.client().baseUrl],
      ]));
      return EXIT.OK;
    },
  },
  {
    name: 'service-accounts list',
    summary: 'Lists service accounts (Manager or Admin).',
    usage: 'service-accounts list [--search <text>]',
    options: { search: { type: 'string' } },
    examples: ['gatehouse service-accounts list', 'gatehouse service-accounts list --search pipeline --json'],
    async run(ctx) {
      const search = ctx.values.search as string | undefined;
      const items = await fetchAll(ctx, 'service accounts', (p) => ctx.client().users.list({ ...p, type: 'Service', ...(search ? { search } : {}) }));
      ctx.json ? printJson(ctx.io, items) : ctx.io.stdout.write(table(items, USER_COLUMNS));
      return EXIT.OK;
    },
  },
  {
    name: 'service-accounts create',
    summary: 'Creates a service account (Admin). Its id is made from the name: "Pipeline Automation" → pipeline_automation@service.',
    usage: `service-accounts create --name <name> --role <${ROLES.join('|')}> [--team <team>]...`,
    options: { name: { type: 'string' }, role: { type: 'string' }, team: { type: 'string', multiple: true } },
    examples: [
      'gatehouse service-accounts create --name "Pipeline Automation" --role Editor --team Analytics',
      'ID=$(gatehouse service-accounts create --name etl --role Member --json | jq .id)',
    ],
    async run(ctx) {
      const { name, role, team } = ctx.values;
      if (typeof name !== 'string' || role === undefined) throw new UsageError('--name and --role are required');
      const sa = await ctx.client().serviceAccounts.create({ name, role: roleArg(role), ...(Array.isArray(team) ? { teams: team } : {}) });
      ctx.json ? printJson(ctx.io, sa) : ctx.io.stdout.write(`created service account ${sa.user_id} (id ${sa.id}, ${sa.role})\n`);
      return EXIT.OK;
    },
  },
  {
    name: 'service-accounts delete',
    summary: 'Deletes (deactivates) a service account and revokes all its tokens (Admin).',
    usage: 'service-accounts delete <id|user_id>',
    args: ['id|user_id'],
    examples: ['gatehouse service-accounts delete 12', 'gatehouse service-accounts delete pipeline_automation@service'],
    async run(ctx) {
      const id = await serviceAccountId(ctx, ctx.positionals[0]!);
      await ctx.client().serviceAccounts.delete(id);
      ctx.json ? printJson(ctx.io, { id, deleted: true }) : ctx.io.stdout.write(`deleted service account ${ctx.positionals[0]} (id ${id}); its tokens are revoked\n`);
      return EXIT.OK;
    },
  },
  {
    name: 'tokens list',
    summary: 'Lists your own tokens, or with --service every service token (Admin), newest first, a page at a time from the server.',
    usage: 'tokens list [--service [--user <service account id>]] [--search <name prefix>]',
    options: { service: { type: 'boolean' }, user: { type: 'string' }, search: { type: 'string' } },
    examples: [
      'gatehouse tokens list',
      'gatehouse tokens list --service --user 12',
      'gatehouse tokens list --service --search deploy',
      'gatehouse tokens list --json | jq \'.[] | select(.active) | .name\'',
    ],
    async run(ctx) {
      const user = ctx.values.user as string | undefined;
      const search = ctx.values.search as string | undefined;
      if (user !== undefined && ctx.values.service !== true) throw new UsageError('--user goes with --service');
      const filter = search ? { search } : {};
      const items = ctx.values.service === true
        ? await (async () => {
            const owner = user !== undefined ? { user_id: await serviceAccountId(ctx, user) } : {};
            return fetchAll(ctx, 'service tokens', (p) => ctx.client().tokens.servicePage({ ...p, ...owner, ...filter }));
          })()
        : await fetchAll(ctx, 'tokens', (p) => ctx.client().tokens.page({ ...p, ...filter }));
      ctx.json ? printJson(ctx.io, items) : ctx.io.stdout.write(table(items, TOKEN_COLUMNS));
      return EXIT.OK;
    },
  },
  {
    name: 'tokens create',
    summary: 'Creates a token and prints it once: a Personal token for you, or with --user a Service token for a service account (Admin).',
    usage: 'tokens create --name <name> [--user <service account id|user_id>] [--expires-in-days <1-3650|never>] [--scim] [--scope <scope>]... [--allowed-ip <cidr>]...',
    options: {
      name: { type: 'string' }, user: { type: 'string' }, 'expires-in-days': { type: 'string' }, scim: { type: 'boolean' },
      scope: { type: 'string', multiple: true }, 'allowed-ip': { type: 'string', multiple: true },
    },
    examples: [
      'gatehouse tokens create --name laptop --expires-in-days 30',
      'gatehouse tokens create --name dashboards --scope read --expires-in-days 90',
      'gatehouse tokens create --name etl --user nightly_etl@service --scope datastores:write --allowed-ip 10.0.0.0/8',
      'TOKEN=$(gatehouse tokens create --name ci --user pipeline_automation@service --expires-in-days 90)',
      'gatehouse tokens create --name okta-scim --scim --expires-in-days 365 --json',
    ],
    async run(ctx) {
      const { name, user, scim } = ctx.values;
      // Repeatable, and comma-separated lists too (--scope datastores:read,teams:read); the server validates.
      const listOf = (v: unknown) => (Array.isArray(v) ? v.flatMap((s: string) => s.split(',')).map((s) => s.trim()).filter(Boolean) : undefined);
      const scopes = listOf(ctx.values.scope) as Scope[] | undefined;
      const allowedIps = listOf(ctx.values['allowed-ip']);
      if (typeof name !== 'string') throw new UsageError('--name is required');
      const days = parseDays(ctx.values['expires-in-days'] as string | undefined);
      const created = await ctx.client().tokens.create({
        name,
        ...(typeof user === 'string' ? { user_id: /^\d+$/.test(user) ? Number(user) : user } : {}),
        ...(days !== undefined ? { expires_in_days: days } : {}),
        ...(scim === true ? { scim_endpoints_only: true } : {}),
        ...(scopes ? { scopes } : {}),
        ...(allowedIps ? { allowed_ips: allowedIps } : {}),
      });
      return printCreatedToken(ctx, created, 'Created');
    },
  },
  tokenAction('revoke', 'Revokes a token: it stops working at once. Restore undoes it.', 'revoked'),
  tokenAction('restore', 'Restores a revoked token.', 'restored'),
  tokenAction('delete', 'Deletes a revoked token (revoke it first).', 'deleted'),
  {
    name: 'tokens rotate',
    summary:
      'Issues a new secret for a token and prints it once; the old secret stops at once, or after --grace-hours. With --self, the token the command runs with rotates itself (automation, service accounts included).',
    usage: 'tokens rotate <id> | --self [--expires-in-days <1-3650|never>] [--grace-hours <0-168>]',
    args: ['id'],
    argsOptional: true,
    options: { 'expires-in-days': { type: 'string' }, 'grace-hours': { type: 'string' }, self: { type: 'boolean' } },
    examples: [
      'gatehouse tokens rotate 42',
      'NEW=$(gatehouse tokens rotate 42 --expires-in-days 90)',
      'GATEHOUSE_TOKEN=$NEW_OLD gatehouse tokens rotate --self --grace-hours 24 --json',
    ],
    async run(ctx) {
      const self = ctx.values.self === true;
      if (self === (ctx.positionals.length === 1)) throw new UsageError('give a token id, or --self (not both)');
      const days = parseDays(ctx.values['expires-in-days'] as string | undefined);
      const grace = ctx.values['grace-hours'] as string | undefined;
      const opts = {
        ...(days !== undefined ? { expires_in_days: days } : {}),
        ...(grace !== undefined ? { grace_hours: graceHours(grace) } : {}),
      };
      const gh = ctx.client();
      const rotated = self ? await gh.tokens.rotateSelf(opts) : await gh.tokens.rotate(intArg(ctx.positionals[0]!, 'id'), opts);
      return printCreatedToken(ctx, rotated, 'Rotated');
    },
  },
  {
    name: 'users list',
    summary: 'Lists users and service accounts (Manager or Admin).',
    usage: 'users list [--type Human|Service] [--search <text>]',
    options: { type: { type: 'string' }, search: { type: 'string' } },
    examples: ['gatehouse users list', 'gatehouse users list --type Human --search example.com --json'],
    async run(ctx) {
      const type = ctx.values.type as string | undefined;
      if (type !== undefined && type !== 'Human' && type !== 'Service') throw new UsageError('--type must be Human or Service');
      const search = ctx.values.search as string | undefined;
      const items = await fetchAll(ctx, 'users', (p) => ctx.client().users.list({ ...p, ...(type ? { type } : {}), ...(search ? { search } : {}) }));
      ctx.json ? printJson(ctx.io, items) : ctx.io.stdout.write(table(items, USER_COLUMNS));
      return EXIT.OK;
    },
  },
  {
    name: 'teams list',
    summary: 'Lists teams and their members (Manager or Admin).',
    usage: 'teams list [--search <text>]',
    options: { search: { type: 'string' } },
    examples: ['gatehouse teams list', 'gatehouse teams list --json | jq -r \'.[].name\''],
    async run(ctx) {
      const search = ctx.values.search as string | undefined;
      const items = await fetchAll(ctx, 'teams', (p) => ctx.client().teams.list({ ...p, ...(search ? { search } : {}) }));
      if (ctx.json) return printJson(ctx.io, items), EXIT.OK;
      ctx.io.stdout.write(table(items, [
        ['id', (t) => t.id], ['name', (t) => t.name], ['members', (t) => t.user_count], ['description', (t) => t.description],
      ]));
      return EXIT.OK;
    },
  },
  {
    name: 'audit list',
    summary: 'Shows the audit log, newest first (Admin). Fetches up to --limit events (default 100).',
    usage: 'audit list [--action <action>] [--actor <user id>] [--token-id <id>] [--since <ISO time>] [--until <ISO time>] [--limit <n>]',
    options: { action: { type: 'string' }, actor: { type: 'string' }, 'token-id': { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, limit: { type: 'string' } },
    examples: ['gatehouse audit list --action token.revoked', 'gatehouse audit list --since 2026-06-01T00:00:00Z --limit 1000 --json'],
    async run(ctx) {
      const v = ctx.values;
      const limit = v.limit === undefined ? 100 : intArg(v.limit as string, '--limit');
      const q = {
        ...(v.action ? { action: v.action as string } : {}),
        ...(v.actor ? { actor_id: intArg(v.actor as string, '--actor') } : {}),
        ...(v['token-id'] ? { token_id: intArg(v['token-id'] as string, '--token-id') } : {}),
        ...(v.since ? { since: v.since as string } : {}),
        ...(v.until ? { until: v.until as string } : {}),
      };
      const items = await fetchAll(ctx, 'audit events', (p) => ctx.client().audit.list({ ...p, ...q }), limit);
      if (ctx.json) return printJson(ctx.io, items), EXIT.OK;
      ctx.io.stdout.write(table(items, [
        ['at', (e) => when(e.at)], ['action', (e) => e.action], ['outcome', (e) => e.outcome], ['actor', (e) => e.actor_user_id],
        ['token', (e) => e.actor_token_id], ['target', (e) => (e.target_type ? `${e.target_type} ${e.target_id ?? ''}` : null)], ['ip', (e) => e.ip],
      ]));
      return EXIT.OK;
    },
  },
  {
    name: 'scan',
    summary: 'Finds Gatehouse tokens in files and directories (or, with --git, in a repository\'s history) and prints file:line; exit 1 when any is found.',
    usage: 'scan [PATH]... [--git] [--report]',
    variadic: true,
    options: { git: { type: 'boolean' }, report: { type: 'boolean' } },
    examples: [
      'gatehouse scan                       # the current directory; exit 1 if a token is found',
      'gatehouse scan config/ deploy.env',
      'gatehouse scan --git .               # every commit of every branch',
      'gatehouse scan --report .            # and revoke what it finds (POST /api/leaks, Admin token)',
    ],
    async run(ctx) {
      const { scanFiles, scanGitHistory, identify, printFindings } = await import('./scan.js');
      const paths = ctx.positionals.length > 0 ? ctx.positionals : ['.'];
      const findings = ctx.values.git === true
        ? (await Promise.all(paths.map((p) => scanGitHistory(p)))).flat()
        : await scanFiles(paths, process.cwd());
      if (findings.length === 0) return printFindings(ctx.io, ctx.json, findings);
      // Which tokens these are, when a server is configured (--url/--token, GATEHOUSE_*, saved login).
      let client: GatehouseClient | undefined;
      try {
        client = ctx.client();
      } catch (e) {
        if (ctx.values.report === true) throw e;
      }
      if (client) {
        await identify(client, findings).catch((e: unknown) => ctx.io.stderr.write(`gatehouse: could not identify the tokens: ${explain(e).message}\n`));
      }
      let verdicts: LeakVerdict[] | undefined;
      if (ctx.values.report === true && client) {
        verdicts = await client.reportLeaks(findings.map((f) => ({ token: f.token, type: 'gatehouse_token', url: f.location, source: f.source === 'git' ? 'commit' : 'file' })));
      }
      return printFindings(ctx.io, ctx.json, findings, verdicts);
    },
  },
  {
    name: 'review',
    summary: 'The access review (Admin): every token with its owner, last use, idle days, status and policy violations, as CSV or JSON.',
    usage: 'review [--format csv|json] [--type Personal|Service] [--owner <user id>] [--idle-days <n>] [--never-used] [--never-expires] [--owner-deactivated]',
    options: {
      format: { type: 'string' }, type: { type: 'string' }, owner: { type: 'string' }, 'idle-days': { type: 'string' },
      'never-used': { type: 'boolean' }, 'never-expires': { type: 'boolean' }, 'owner-deactivated': { type: 'boolean' },
    },
    examples: ['gatehouse review --format csv > access-review.csv', 'gatehouse review --idle-days 90 --type Service --format json'],
    async run(ctx) {
      const v = ctx.values;
      const format = (v.format as string | undefined) ?? (ctx.json ? 'json' : 'csv');
      if (format !== 'csv' && format !== 'json') throw new UsageError(`--format must be csv or json, got "${format}"`);
      const type = v.type as string | undefined;
      if (type !== undefined && type !== 'Personal' && type !== 'Service') throw new UsageError(`--type must be Personal or Service, got "${type}"`);
      const idle = v['idle-days'] as string | undefined;
      if (idle !== undefined && !/^\d+$/.test(idle)) throw new UsageError(`--idle-days must be a whole number of days, got "${idle}"`);
      const query = {
        format,
        ...(type ? { type } : {}),
        ...(v.owner ? { owner: v.owner as string } : {}),
        ...(idle !== undefined ? { idle_days: Number(idle) } : {}),
        ...(v['never-used'] ? { never_used: true } : {}),
        ...(v['never-expires'] ? { never_expires: true } : {}),
        ...(v['owner-deactivated'] ? { owner_deactivated: true } : {}),
      };
      if (format === 'json') return printJson(ctx.io, await ctx.client().request('GET', '/api/access-review', { query })), EXIT.OK;
      ctx.io.stdout.write(await ctx.client().requestText('GET', '/api/access-review', { query, accept: 'text/csv' }));
      return EXIT.OK;
    },
  },
];

/**
 * The Qualytics-CLI-style browser login (GET /api/cli/authorize): a one-shot listener on a
 * loopback port receives `token` and `state` (RFC 8252 §7.3).
 */
async function browserLogin(ctx: Ctx, url: string): Promise<string> {
  const { io, values } = ctx;
  const timeoutS = values.timeout === undefined ? 300 : intArg(values.timeout as string, '--timeout');
  const state = randomBytes(16).toString('base64url');
  return new Promise<string>((resolve, reject) => {
    const server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (u.pathname !== '/callback') return void res.writeHead(404).end();
      const ok = u.searchParams.get('state') === state && u.searchParams.get('token');
      res.writeHead(ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8' });
      res.end(ok ? '<!doctype html><title>Gatehouse</title><p>Logged in. You can close this tab and return to the terminal.</p>' : '<!doctype html><title>Gatehouse</title><p>Login failed. See the terminal.</p>');
      if (u.searchParams.get('state') !== state) return; // not our request: keep waiting
      finish(ok ? { token: u.searchParams.get('token')! } : { error: `${u.searchParams.get('error') ?? 'no token'}: ${u.searchParams.get('error_description') ?? ''}` });
    });
    const timer = setTimeout(() => finish({ error: `no answer from the browser within ${timeoutS} s` }), timeoutS * 1000);
    const finish = (r: { token: string } | { error: string }) => {
      clearTimeout(timer);
      server.close();
      server.closeAllConnections();
      if ('token' in r) resolve(r.token);
      else reject(new CliError(`Browser login failed: ${r.error}`, EXIT.AUTH));
    };
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      const params = new URLSearchParams({ redirect_uri: `http://127.0.0.1:${port}/callback`, state, hostname: osHostname() });
      const link = `${baseUrlOf(url)}/api/cli/authorize?${params.toString()}`;
      io.stderr.write(`Open this page to log in (waiting up to ${timeoutS} s):\n  ${link}\n`);
      if (values['no-browser'] !== true && io.stderr.isTTY) {
        const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
        spawn(opener, [link], { stdio: 'ignore', detached: true }).on('error', () => {}).unref();
      }
    });
  });
}

/** Finds the command for argv (longest match of its words), parses its options, runs it. */
export async function runClientCommand(cmd: ClientCommand, argv: string[], io: Io): Promise<number> {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: { ...COMMON, ...cmd.options }, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (e) {
    throw new UsageError((e as Error).message, commandHelp(cmd));
  }
  if (parsed.values.help === true) {
    io.stdout.write(commandHelp(cmd));
    return EXIT.OK;
  }
  const want = cmd.args?.length ?? 0;
  if (!cmd.variadic && parsed.positionals.length !== want && !(cmd.argsOptional && parsed.positionals.length === 0)) {
    throw new UsageError(want === 0 ? `unexpected argument "${parsed.positionals[0]}"` : `expected ${cmd.args!.map((a) => `<${a}>`).join(' ')}`, commandHelp(cmd));
  }
  let client: GatehouseClient | undefined;
  const ctx: Ctx = {
    io,
    values: parsed.values,
    positionals: parsed.positionals,
    json: parsed.values.json === true,
    client: () => (client ??= new GatehouseClient({ ...resolveConnection(io, parsed.values), userAgent: 'gatehouse-cli' })),
  };
  try {
    return await cmd.run(ctx);
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(e.message, commandHelp(cmd));
    throw explain(e);
  }
}

export { configPath };
