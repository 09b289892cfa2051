import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { Agent, request, type RequestOptions } from 'node:http';
import { join } from 'node:path';
import { createTestDatabase } from '@gatehouse/db/test-support';
import { describe, expect, it, vi } from 'vitest';
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
      // Not a terminal: JSON lines, for log collectors.
      const lines = server.output().trim().split('\n');
      expect(lines.map((line) => JSON.parse(line) as { msg: string }).map((l) => typeof l.msg)).toEqual(lines.map(() => 'string'));
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

  it("--workers 2 on SQLite: a datastore change on one worker reaches every worker's cached datastore lists", async () => {
    const server = await spawnServer({ env: { GATEHOUSE_WORKERS: '2', GATEHOUSE_LOG_LEVEL: 'warn' } });
    try {
      const json = { 'content-type': 'application/json' };
      const login = await fetch(`${server.baseUrl}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email: server.adminEmail, password: server.adminPassword }) });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const { bearer_token: token } = await (await fetch(`${server.baseUrl}/api/user-tokens`, { method: 'POST', headers: { ...json, cookie }, body: JSON.stringify({ name: 'cluster-lists' }) })).json();
      // New connections are spread round-robin: 8 lists reach both workers.
      const totals = async () => {
        const out = [];
        for (let i = 0; i < 8; i++) out.push((await (await fetch(`${server.baseUrl}/api/datastores?search=clustered`, { headers: { authorization: `Bearer ${token}`, connection: 'close' } })).json()).total);
        return out;
      };
      expect(await totals()).toEqual(Array(8).fill(0)); // now cached by both workers
      const created = await fetch(`${server.baseUrl}/api/datastores`, { method: 'POST', headers: { ...json, cookie }, body: JSON.stringify({ name: 'clustered', type: 'postgresql' }) });
      expect(created.status).toBe(200);
      expect(await totals()).toEqual(Array(8).fill(1));
    } finally {
      await server.stop();
    }
  });

  it('--workers 2 with GATEHOUSE_AUDIT_STDOUT: each audit event is one JSON line on stdout, once', async () => {
    const server = await spawnServer({ env: { GATEHOUSE_WORKERS: '2', GATEHOUSE_LOG_LEVEL: 'warn', GATEHOUSE_AUDIT_STDOUT: 'true', GATEHOUSE_MAX_EVENT_LOOP_DELAY_MS: '0' } });
    try {
      const json = { 'content-type': 'application/json' };
      const login = await fetch(`${server.baseUrl}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email: server.adminEmail, password: server.adminPassword }) });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      expect((await fetch(`${server.baseUrl}/api/teams`, { method: 'POST', headers: { ...json, cookie }, body: JSON.stringify({ name: 'Stdout Team' }) })).status).toBe(200);
      const lines = () => server.output().split('\n').filter((l) => l.includes('"type":"audit"') && l.includes('"action":"team.created"'));
      await vi.waitFor(() => expect(lines()).toHaveLength(1), { timeout: 10_000, interval: 100 });
      // Both workers have had more rounds since (each second): still once.
      await new Promise((r) => setTimeout(r, 2500));
      expect(lines()).toHaveLength(1);
      expect(JSON.parse(lines()[0]!)).toMatchObject({ type: 'audit', action: 'team.created', target_type: 'team', outcome: 'success', details: { name: 'Stdout Team' } });
    } finally {
      await server.stop();
    }
  });

  it('--workers 2 on SQLite: a revocation is answered only once every worker has applied it, so no kept-alive connection sees the token accepted after', async () => {
    const cluster = await twoWorkersOneStopped();
    try {
      const revoke = cluster.revoke();
      const early = await Promise.race([revoke.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 500))]);
      expect(early).toBe('waiting');
      await cluster.resume();
      expect((await revoke).status).toBe(200);
      expect(await cluster.statusesOfMe(cluster.agents)).toEqual(Array(cluster.agents.length).fill(401));
    } finally {
      await cluster.close();
    }
  });

  it('--workers 2 on SQLite: a worker that exits while a revocation waits for it is not waited for', async () => {
    const cluster = await twoWorkersOneStopped();
    try {
      const revoke = cluster.revoke();
      await new Promise((r) => setTimeout(r, 300));
      cluster.kill();
      expect((await revoke).status).toBe(200);
      await vi.waitFor(() => expect(cluster.server.output()).toMatch(/exited \(SIGKILL\); starting another/));
      // Released by the exit, not by the relay timeout (which would have warned; the relays'
      // timing is unit-tested in process/cluster/change-relays.test.ts).
      expect(cluster.server.output()).not.toMatch(/did not acknowledge/);
      const survivors = cluster.agents.filter((a) => cluster.workerOf.get(a) === cluster.workerOf.get(cluster.running));
      expect(await cluster.statusesOfMe(survivors)).toEqual(Array(survivors.length).fill(401));
    } finally {
      await cluster.close();
    }
  });
});

/**
 * Two workers on SQLite, six connections kept alive across both with a token cached in both
 * workers, then one worker stopped (SIGSTOP). `revoke` revokes the token through a connection of
 * the running worker.
 */
async function twoWorkersOneStopped() {
  const server = await spawnServer({ env: { GATEHOUSE_WORKERS: '2', GATEHOUSE_LOG_LEVEL: 'warn' } });
  // Six connections kept alive from the start: the primary hands them to the workers in turn.
  const agents = Array.from({ length: 6 }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  let stopped: number | undefined;
  const close = async () => {
    if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
    for (const agent of agents) agent.destroy();
    await server.stop();
  };
  try {
    const json = { 'content-type': 'application/json' };
    const login = await fetch(`${server.baseUrl}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email: server.adminEmail, password: server.adminPassword }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const created = (await (await fetch(`${server.baseUrl}/api/user-tokens`, { method: 'POST', headers: { ...json, cookie }, body: JSON.stringify({ name: 'keep-alive' }) })).json()) as { id: number; bearer_token: string };
    const bearer = { authorization: `Bearer ${created.bearer_token}` };
    const call = (agent: Agent, method: string, path: string, headers: Record<string, string>, body?: string) => httpCall(`${server.baseUrl}${path}`, { agent, method, headers }, body);

    // Each connection uses the token twice (cached from its second use) and finds out which
    // worker it is on: an error body's request id starts with its process's prefix.
    const workerOf = new Map<Agent, string>();
    for (const agent of agents) {
      for (let i = 0; i < 2; i++) expect((await call(agent, 'GET', '/api/users/me', bearer)).status).toBe(200);
      workerOf.set(agent, JSON.parse((await call(agent, 'GET', '/api/no-such-route', bearer)).body).request_id.split('-')[0]);
    }
    expect(new Set(workerOf.values()).size).toBe(2);

    const [first] = workerPids(server.process.pid!);
    process.kill(first!, 'SIGSTOP');
    stopped = first;
    // The connections of the stopped worker answer once it runs again (or fail if it is killed).
    const probes = agents.map((agent) => call(agent, 'GET', '/api/no-such-route', bearer).then(() => agent, () => agent));
    const running = await Promise.race(probes);
    return {
      server, agents, workerOf, running, close,
      revoke: () => call(running, 'PUT', `/api/user-tokens/${created.id}`, { ...json, cookie }, JSON.stringify({ revoke: true })),
      /** Lets the stopped worker run again, and waits for it to answer what it was sent meanwhile. */
      resume: async () => {
        process.kill(first!, 'SIGCONT');
        stopped = undefined;
        await Promise.all(probes);
      },
      kill: () => {
        process.kill(first!, 'SIGKILL');
        stopped = undefined;
      },
      statusesOfMe: async (of: Agent[]) => (await Promise.all(of.map((agent) => call(agent, 'GET', '/api/users/me', bearer)))).map((a) => a.status),
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The pids of a process's children (a cluster's workers), from /proc. */
function workerPids(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
}

/** One request through `node:http` (so that it goes over the agent's kept-alive connection). */
function httpCall(url: string, options: RequestOptions, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
