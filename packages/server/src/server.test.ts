import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase } from '@gatehouse/db/test-support';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { createServer } from './server.js';
import { spawnServer } from './test-support/spawn-server.js';
import { testPasswords } from './test-support/test-app.js';

describe('first start', () => {
  it('without a configured Admin, issues a one-time setup token that creates the first Admin', async () => {
    const db = await createTestDatabase('sqlite');
    const config = loadConfig({ GATEHOUSE_DATA_DIR: db.dataDir, GATEHOUSE_LOG_LEVEL: 'silent' });
    const server = await createServer(config, { passwords: testPasswords, logger: false });
    try {
      expect(server.setupToken).toMatch(/^[\w-]{32}$/);
      expect(server.secretGenerated).toBe(true);
      expect(statSync(join(db.dataDir, 'secret')).mode & 0o777).toBe(0o600);
      const inject = server.app.inject.bind(server.app);
      expect((await inject({ method: 'GET', url: '/api/auth/setup' })).json()).toEqual({ setup_required: true });
      const wrong = await inject({ method: 'POST', url: '/api/auth/setup', payload: { setup_token: 'x'.repeat(32), email: 'first@example.com', name: 'First', password: 'first-admin-password' } });
      expect(wrong.statusCode).toBe(403);
      const ok = await inject({ method: 'POST', url: '/api/auth/setup', payload: { setup_token: server.setupToken, email: 'first@example.com', name: 'First', password: 'first-admin-password' } });
      expect(ok.statusCode).toBe(200);
      expect(ok.json().user).toMatchObject({ user_id: 'first@example.com', role: 'Admin', teams: ['Public'] });
      expect(String(ok.headers['set-cookie'])).toContain('gatehouse_session=');
      expect((await inject({ method: 'GET', url: '/api/auth/setup' })).json()).toEqual({ setup_required: false });
      const again = await inject({ method: 'POST', url: '/api/auth/setup', payload: { setup_token: server.setupToken, email: 'second@example.com', name: 'Second', password: 'first-admin-password' } });
      expect(again.statusCode).toBe(403);
    } finally {
      await server.close();
      await db.drop();
    }
  });

  it('keeps the generated secret across restarts, so tokens survive a restart', async () => {
    const db = await createTestDatabase('sqlite');
    const env = { GATEHOUSE_DATA_DIR: db.dataDir, GATEHOUSE_LOG_LEVEL: 'silent', GATEHOUSE_ADMIN_EMAIL: 'a@example.com', GATEHOUSE_ADMIN_PASSWORD: 'a-long-enough-password' };
    const first = await createServer(loadConfig(env), { passwords: testPasswords, logger: false });
    const login = await first.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'a@example.com', password: 'a-long-enough-password' } });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const token = (await first.app.inject({ method: 'POST', url: '/api/user-tokens', headers: { cookie }, payload: { name: 't' } })).json().bearer_token;
    await first.close();
    const second = await createServer(loadConfig(env), { passwords: testPasswords, logger: false });
    try {
      expect(second.secretGenerated).toBe(false);
      expect((await second.app.inject({ method: 'GET', url: '/api/users/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    } finally {
      await second.close();
      await db.drop();
    }
  });
});

describe('the real process (built server)', () => {
  it('prints the one-time setup link when no Admin is configured', async () => {
    const server = await spawnServer({ env: { GATEHOUSE_ADMIN_EMAIL: '', GATEHOUSE_ADMIN_PASSWORD: '' } });
    try {
      expect(server.output()).toMatch(new RegExp(`Create the first Admin at ${server.baseUrl}/setup\\?token=[\\w-]{32}`));
    } finally {
      await server.stop();
    }
  });

  it("runs the seed page's curl and Python examples unchanged but for the host", async () => {
    const server = await spawnServer();
    try {
      const login = await fetch(`${server.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: server.adminEmail, password: server.adminPassword }) });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const post = (url: string, body: unknown) =>
        fetch(`${server.baseUrl}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) }).then((r) => r.json());
      await post('/api/datastores', { name: 'warehouse', type: 'snowflake' });
      const sa = await post('/api/users', { name: 'API Access', role: 'Editor', teams: [] });
      const token = (await post('/api/user-tokens', { name: 'api-production', user_id: sa.id, expires_in_days: 365 })).bearer_token as string;

      // The seed's curl example.
      const curl = execFileSync('curl', ['-s', '-H', `Authorization: Bearer ${token}`, `${server.baseUrl}/api/datastores`], { encoding: 'utf8' });
      expect(JSON.parse(curl)).toMatchObject({ total: 1, items: [{ name: 'warehouse' }] });

      // The seed's Python example, with the token and host substituted.
      const python = [
        'import requests',
        `QUALYTICS_TOKEN = "${token}"`,
        `QUALYTICS_API = "${server.baseUrl}/api"`,
        'headers = {',
        '    "Authorization": f"Bearer {QUALYTICS_TOKEN}",',
        '    "Content-Type": "application/json"',
        '}',
        'response = requests.get(f"{QUALYTICS_API}/datastores", headers=headers)',
        'print(response.json())',
      ].join('\n');
      let out: string;
      try {
        out = execFileSync('python3', ['-c', python], { encoding: 'utf8' });
      } catch (e) {
        if (String((e as { stderr?: string }).stderr).includes("No module named 'requests'") && process.env.GATEHOUSE_REQUIRE_ALL !== '1') {
          console.warn('SKIP: python3 requests is not installed');
          return;
        }
        throw e;
      }
      expect(out).toContain("'name': 'warehouse'");
      expect(out).toContain("'total': 1");
    } finally {
      await server.stop();
    }
  });

  it('--workers 2 on SQLite: a revocation on one worker is refused by every worker on the next requests', async () => {
    const server = await spawnServer({ env: { GATEHOUSE_WORKERS: '2', GATEHOUSE_LOG_LEVEL: 'warn' } });
    try {
      expect(server.output()).toContain('with 2 workers');
      const json = { 'content-type': 'application/json' };
      const login = await fetch(`${server.baseUrl}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email: server.adminEmail, password: server.adminPassword }) });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const created = await (await fetch(`${server.baseUrl}/api/user-tokens`, { method: 'POST', headers: { ...json, cookie }, body: JSON.stringify({ name: 'cluster' }) })).json();
      const me = () => fetch(`${server.baseUrl}/api/users/me`, { headers: { authorization: `Bearer ${created.bearer_token}`, connection: 'close' } }).then((r) => r.status);
      // Warm the token in both workers' caches (connections are spread round-robin).
      for (let i = 0; i < 8; i++) expect(await me()).toBe(200);
      const revoke = await fetch(`${server.baseUrl}/api/user-tokens/${created.id}`, { method: 'PUT', headers: { ...json, cookie }, body: JSON.stringify({ revoke: true }) });
      expect(revoke.status).toBe(200);
      const after = [];
      for (let i = 0; i < 8; i++) after.push(await me());
      expect(after).toEqual(Array(8).fill(401));
    } finally {
      await server.stop();
    }
  });
});
