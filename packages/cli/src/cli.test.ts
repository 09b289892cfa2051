import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, DIALECTS, type TestDatabase } from '@gatehouse/db/test-support';
import { spawnServer, type SpawnedServer } from '@gatehouse/server/test-support/spawn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_COMMANDS } from './client-commands.js';
import { fileMode } from './config-file.js';
import { progress } from './output.js';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/main.js');
const SERVER_MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../server/dist/main.js');
const REQUIRE_ALL = process.env.GATEHOUSE_REQUIRE_ALL === '1';
const built = existsSync(BIN) && existsSync(SERVER_MAIN);
if (!built) {
  const msg = 'the CLI tests run the built binary: run npm run build first';
  if (REQUIRE_ALL) throw new Error(msg);
  console.warn(`SKIP: ${msg}`);
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Environment without the test runner's GATEHOUSE_* (so that only what a test sets counts). */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GATEHOUSE_')) env[k] = v;
  return { ...env, ...extra };
}

/** Runs the real `gatehouse` binary. */
function gatehouse(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<Result> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: cleanEnv(opts.env ?? {}), timeout: 60_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin!.end(opts.stdin ?? '');
  });
}

describe.skipIf(!built)('gatehouse CLI: usage', () => {
  it.each(CLIENT_COMMANDS.map((c) => c.name).concat(['serve', 'migrate', 'admin']))('%s --help: usage and examples, exit 0', async (name) => {
    const r = await gatehouse([...name.split(' '), '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: gatehouse');
    expect(r.stdout).toContain('Examples:');
  });

  it('no command → help on stderr, exit 2; unknown command or flag → exit 2', { timeout: 60_000 }, async () => {
    expect((await gatehouse([])).code).toBe(2);
    const unknown = await gatehouse(['frobnicate']);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "frobnicate"') });
    const flag = await gatehouse(['tokens', 'list', '--colour'], { env: { GATEHOUSE_URL: 'http://127.0.0.1:1', GATEHOUSE_TOKEN: 'x' } });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--colour'");
    expect((await gatehouse(['tokens', 'revoke'], { env: { GATEHOUSE_URL: 'http://127.0.0.1:1', GATEHOUSE_TOKEN: 'x' } })).code).toBe(2);
    expect((await gatehouse(['tokens', 'create', '--name', 'x', '--expires-in-days', 'soon'], { env: { GATEHOUSE_URL: 'http://127.0.0.1:1', GATEHOUSE_TOKEN: 'x' } })).code).toBe(2);
  });

  it('no server → exit 2; no token → exit 3 (config file overridden so a real one cannot interfere)', async () => {
    const env = { GATEHOUSE_CONFIG: join(tmpdir(), 'gatehouse-none', 'config.json') };
    expect(await gatehouse(['whoami'], { env })).toMatchObject({ code: 2, stderr: expect.stringContaining('No Gatehouse server') });
    expect(await gatehouse(['whoami', '--url', 'http://127.0.0.1:1'], { env })).toMatchObject({ code: 3, stderr: expect.stringContaining('No token') });
  });

  it('an unreachable server → exit 1 with a clear message', async () => {
    const r = await gatehouse(['whoami', '--url', 'http://127.0.0.1:1', '--token', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Cannot reach Gatehouse at http://127.0.0.1:1');
    expect(r.stderr).toContain('Is the server running');
  });

  it('the paging progress line is drawn on a terminal only', () => {
    const out = (tty: boolean) => {
      const stderr = Object.assign(new PassThrough(), { isTTY: tty });
      let text = '';
      stderr.on('data', (d: Buffer) => (text += d.toString()));
      const bar = progress({ stdout: new PassThrough(), stderr, stdin: new PassThrough(), env: {} }, 'users');
      bar.update(100, 250);
      bar.done();
      return text;
    };
    expect(out(true)).toContain('Fetching users… 100/250');
    expect(out(false)).toBe('');
  });
});

describe.skipIf(!built).each(DIALECTS)('gatehouse CLI against a real server [$kind]', ({ kind, available }) => {
  if (!available) {
    it.skip(`${kind} is not reachable`, () => {});
    return;
  }
  let db: TestDatabase;
  let server: SpawnedServer;
  let serverEnv: Record<string, string>;
  let admin: Record<string, string>;
  let configDir: string;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    serverEnv = { GATEHOUSE_DATA_DIR: db.dataDir, GATEHOUSE_LOG_LEVEL: 'warn', ...(db.databaseUrl ? { GATEHOUSE_DATABASE_URL: db.databaseUrl } : {}) };
    server = await spawnServer({ dataDir: db.dataDir, env: { ...(db.databaseUrl ? { GATEHOUSE_DATABASE_URL: db.databaseUrl } : {}) } });
    configDir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-config-'));
    // Break-glass: a token written straight into the server's database, then used over HTTP.
    const r = await gatehouse(['admin', 'token', '--user', server.adminEmail, '--name', 'cli-tests', '--expires-in-days', '1'], { env: serverEnv });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('shown once');
    const token = r.stdout.trim();
    expect(token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    admin = { GATEHOUSE_URL: server.baseUrl, GATEHOUSE_TOKEN: token, GATEHOUSE_CONFIG: join(configDir, 'unused.json') };
  });

  afterAll(async () => {
    await server?.stop({ keepData: true });
    await db?.drop();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  const as = (env: Record<string, string>) => (...args: string[]) => gatehouse(args, { env });

  it('whoami: a table, or JSON', async () => {
    const table = await as(admin)('whoami');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^user:\s+admin@example\.com$/m);
    expect(table.stdout).toMatch(/^role:\s+Admin$/m);
    expect(table.stdout).toMatch(/^token:\s+cli-tests/m);
    const json = JSON.parse((await as(admin)('whoami', '--json')).stdout);
    expect(json).toMatchObject({ user_id: 'admin@example.com', token: { name: 'cli-tests' } });
  });

  it('tokens rotate --self: a service token renews itself with a grace period; the old secret works until then', { timeout: 120_000 }, async () => {
    const run = as(admin);
    const sa = JSON.parse((await run('service-accounts', 'create', '--name', 'Self Rotator', '--role', 'member', '--json')).stdout);
    const secret = (await run('tokens', 'create', '--name', 'renewing', '--user', String(sa.id), '--expires-in-days', '30')).stdout.trim();
    const robot = as({ ...admin, GATEHOUSE_TOKEN: secret });
    const rotated = await robot('tokens', 'rotate', '--self', '--grace-hours', '2', '--json');
    expect(rotated.code, rotated.stderr).toBe(0);
    const body = JSON.parse(rotated.stdout);
    expect(body.previous_secret_expires_at).toEqual(expect.any(String));
    expect((await robot('whoami')).code).toBe(0);
    expect((await as({ ...admin, GATEHOUSE_TOKEN: body.bearer_token })('whoami', '--json')).stdout).toContain('self_rotator@service');
    const both = await run('tokens', 'rotate', '7', '--self');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give a token id, or --self (not both)');
    expect((await run('tokens', 'rotate', '--self', '--grace-hours', '169')).stderr).toContain('--grace-hours must be an integer from 0 to 168');
  });

  it('service account → service token → revoke (exit 3 with the reason) → restore → rotate → revoke → delete → delete the account', { timeout: 120_000 }, async () => {
    const run = as(admin);
    const created = await run('service-accounts', 'create', '--name', 'Pipeline Automation', '--role', 'editor', '--json');
    expect(created.code, created.stderr).toBe(0);
    const sa = JSON.parse(created.stdout);
    expect(sa).toMatchObject({ user_id: 'pipeline_automation@service', role: 'Editor' });
    const list = await run('service-accounts', 'list');
    expect(list.stdout).toMatch(/^ID\s+USER_ID\s+NAME/m);
    expect(list.stdout).toContain('pipeline_automation@service');

    const tok = await run('tokens', 'create', '--name', 'ci', '--user', 'pipeline_automation@service', '--expires-in-days', '90');
    expect(tok.code, tok.stderr).toBe(0);
    const secret = tok.stdout.trim(); // stdout is the token alone, so TOKEN=$(…) works
    expect(secret.split('.')).toHaveLength(3);
    const robot = as({ ...admin, GATEHOUSE_TOKEN: secret });
    expect((await robot('whoami', '--json')).stdout).toContain('pipeline_automation@service');

    const narrow = await run('tokens', 'create', '--name', 'narrow', '--user', 'pipeline_automation@service', '--scope', 'datastores:read', '--scope', 'teams:read', '--allowed-ip', '10.0.0.0/8');
    expect(narrow.code, narrow.stderr).toBe(0);
    const restricted = await run('tokens', 'list', '--service', '--user', 'pipeline_automation@service');
    expect(restricted.stdout).toMatch(/SCOPES\s+ALLOWED IPS/);
    expect(restricted.stdout).toMatch(/^\d+\s+narrow\s.*datastores:read teams:read\s+10\.0\.0\.0\/8\s*$/m);
    expect(restricted.stdout).toMatch(/^\d+\s+ci\s.*\sall\s+any\s*$/m);
    const narrowId = JSON.parse((await run('tokens', 'list', '--service', '--user', 'pipeline_automation@service', '--json')).stdout).find((t: { name: string }) => t.name === 'narrow').id;
    await run('tokens', 'revoke', String(narrowId));
    expect((await run('tokens', 'delete', String(narrowId))).code).toBe(0);

    const tokens = JSON.parse((await run('tokens', 'list', '--service', '--user', 'pipeline_automation@service', '--json')).stdout);
    expect(tokens).toHaveLength(1);
    const id = String(tokens[0].id);

    expect((await run('tokens', 'revoke', id)).stdout).toContain(`revoked token ${id}`);
    const refused = await robot('whoami');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('Not authenticated: The token has been revoked');
    expect((await run('tokens', 'restore', id)).code).toBe(0);
    expect((await robot('whoami')).code).toBe(0);

    const rotated = await run('tokens', 'rotate', id, '--json');
    const fresh = JSON.parse(rotated.stdout).bearer_token as string;
    expect((await robot('whoami')).code).toBe(3);
    expect((await as({ ...admin, GATEHOUSE_TOKEN: fresh })('whoami')).code).toBe(0);

    const early = await run('tokens', 'delete', id);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('Conflict:');
    await run('tokens', 'revoke', id);
    expect((await run('tokens', 'delete', id)).code).toBe(0);
    const table = await run('tokens', 'list', '--service');
    expect(table.stdout).not.toMatch(new RegExp(`^${id}\\s`, 'm'));

    const del = await run('service-accounts', 'delete', 'pipeline_automation@service');
    expect(del.code, del.stderr).toBe(0);
    expect(JSON.parse((await run('users', 'list', '--type', 'Service', '--json')).stdout).find((u: { id: number }) => u.id === sa.id).active).toBe(false);
  });

  it('review: the access review as CSV (the default) or JSON, filtered; a bad format is a usage error', { timeout: 60_000 }, async () => {
    const run = as(admin);
    const sa = JSON.parse((await run('service-accounts', 'create', '--name', 'Review Bot', '--role', 'Member', '--json')).stdout);
    await run('tokens', 'create', '--name', 'review-token', '--user', String(sa.id), '--expires-in-days', '1');
    const csv = await run('review', '--type', 'Service', '--owner', 'review_bot@service');
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('id,name,type,owner,owner_name,owner_role,owner_active,teams,scim_endpoints_only,scopes,created,created_by,expiration,last_used,idle_days,status,policy_violations');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(',review-token,Service,review_bot@service,Review Bot,Member,true,Public,');
    const json = await run('review', '--format', 'json', '--never-used', '--owner', 'review_bot@service');
    expect(JSON.parse(json.stdout)).toMatchObject([{ name: 'review-token', owner: 'review_bot@service', status: 'active', last_used: null }]);
    expect((await run('review', '--format', 'xml')).code).toBe(2);
  });

  it('clear messages and exit codes for 403, 404, 409 and 422', { timeout: 60_000 }, async () => {
    const run = as(admin);
    await run('service-accounts', 'create', '--name', 'Dup Bot', '--role', 'Member');
    const dup = await run('service-accounts', 'create', '--name', 'Dup Bot', '--role', 'Member');
    expect(dup).toMatchObject({ code: 1, stderr: expect.stringContaining('Conflict:') });
    const invalid = await run('tokens', 'create', '--name', 'bad', '--expires-in-days', '99999');
    expect(invalid).toMatchObject({ code: 1, stderr: expect.stringContaining('Invalid input (expires_in_days)') });
    const missing = await run('tokens', 'revoke', '99999');
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('Not found:') });

    const member = JSON.parse((await run('service-accounts', 'create', '--name', 'Lowly', '--role', 'Member', '--json')).stdout);
    const memberToken = (await run('tokens', 'create', '--name', 'lowly', '--user', String(member.id), '--expires-in-days', '1')).stdout.trim();
    const forbidden = await as({ ...admin, GATEHOUSE_TOKEN: memberToken })('users', 'list');
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toContain('Forbidden: Your role (Member) may not list users');
  });

  it('lists page through everything (more than one page of 100), quietly when not on a terminal', { timeout: 60_000 }, async () => {
    const headers = { authorization: `Bearer ${admin.GATEHOUSE_TOKEN}`, 'content-type': 'application/json' };
    for (let i = 0; i < 105; i++) {
      const res = await fetch(`${server.baseUrl}/api/teams`, { method: 'POST', headers, body: JSON.stringify({ name: `team-${String(i).padStart(3, '0')}` }) });
      expect(res.status).toBe(200);
    }
    const r = await as(admin)('teams', 'list', '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const names = JSON.parse(r.stdout).map((t: { name: string }) => t.name);
    expect(names.length).toBeGreaterThanOrEqual(106);
    expect(names).toContain('team-104');
    const audit = await as(admin)('audit', 'list', '--action', 'team.created', '--limit', '150', '--json');
    expect(JSON.parse(audit.stdout)).toHaveLength(105);
    const users = await as(admin)('users', 'list');
    expect(users.stdout.split('\n')[0]).toMatch(/^ID\s+USER_ID\s+NAME\s+TYPE\s+ROLE\s+TEAMS\s+ACTIVE$/);
  });

  it('login --token-stdin saves url and token with mode 0600; later commands need no flags', async () => {
    const env = { GATEHOUSE_CONFIG: join(configDir, 'a', 'config.json') };
    const r = await gatehouse(['login', '--url', server.baseUrl, '--token-stdin'], { env, stdin: `${admin.GATEHOUSE_TOKEN}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Logged in to');
    expect(fileMode(env.GATEHOUSE_CONFIG)).toBe(0o600);
    const who = await gatehouse(['whoami', '--json'], { env });
    expect(JSON.parse(who.stdout).user_id).toBe('admin@example.com');
    // A bad token is not saved.
    const bad = await gatehouse(['login', '--url', server.baseUrl, '--token', 'nope'], { env: { GATEHOUSE_CONFIG: join(configDir, 'b', 'config.json') } });
    expect(bad.code).toBe(3);
    expect(existsSync(join(configDir, 'b', 'config.json'))).toBe(false);
  });

  it('login through the browser page: the CLI receives the token on its loopback port', async () => {
    const file = join(configDir, 'browser', 'config.json');
    const child: ChildProcess = spawn(process.execPath, [BIN, 'login', '--url', server.baseUrl, '--no-browser', '--timeout', '30'], {
      env: cleanEnv({ GATEHOUSE_CONFIG: file }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const link = await new Promise<string>((ok) => {
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /(http:\/\/\S+\/api\/cli\/authorize\?\S+)/.exec(stderr);
        if (m) ok(m[1]!);
      });
    });
    const exited = new Promise<number>((ok) => child.once('exit', (code) => ok(code ?? 1)));

    // Play the browser: log in, open the page, approve.
    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: server.adminEmail, password: server.adminPassword }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await fetch(link, { headers: { cookie } })).text();
    const fields = Object.fromEntries([...page.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));
    const approve = await fetch(`${server.baseUrl}/api/cli/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: server.baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, expires_in_days: '30', decision: 'approve' }).toString(),
    });
    expect(approve.status).toBe(303);
    const callback = await fetch(approve.headers.get('location')!);
    expect(callback.status).toBe(200);
    expect(await exited).toBe(0);
    expect(stdout).toContain('Logged in to');
    expect(fileMode(file)).toBe(0o600);
    const who = JSON.parse((await gatehouse(['whoami', '--json'], { env: { GATEHOUSE_CONFIG: file } })).stdout);
    expect(who.token.type).toBe('Personal');
  });

  it('admin create reads the password from stdin; the new Admin can log in', async () => {
    const r = await gatehouse(['admin', 'create', '--email', 'ops@example.com', '--name', 'Ops', '--password-stdin'], { env: serverEnv, stdin: 'a-very-long-password\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('created Admin ops@example.com');
    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ops@example.com', password: 'a-very-long-password' }),
    });
    expect(login.status).toBe(200);
    expect((await gatehouse(['admin', 'create', '--email', 'ops@example.com', '--password-stdin'], { env: serverEnv, stdin: 'a-very-long-password' })).code).toBe(1);
    expect((await gatehouse(['admin', 'create', '--email', 'x@example.com'], { env: serverEnv })).code).toBe(2);
  });

  it('migrate: the database is up to date', async () => {
    const r = await gatehouse(['migrate'], { env: serverEnv });
    expect(r).toMatchObject({ code: 0, stdout: 'database is up to date\n' });
  });
});

describe.skipIf(!built)('gatehouse serve', () => {
  it('starts the same server as npm start, answers, and stops on SIGTERM with exit 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-serve-'));
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'info'], {
      env: cleanEnv({}), stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const url = await new Promise<string>((ok, fail) => {
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Gatehouse listening on (http:\/\/[^\s"]+)/.exec(out);
          if (m) ok(m[1]!);
        });
        child.once('exit', (code) => fail(new Error(`exited ${code}: ${out}`)));
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(out).toContain('/setup?token='); // no users yet: the one-time setup link
      const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a bad setting is a usage error (exit 2)', async () => {
    const r = await gatehouse(['serve', '--port', 'eighty']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('GATEHOUSE_PORT must be an integer');
  });
});
