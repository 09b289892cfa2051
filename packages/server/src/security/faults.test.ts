import { connect } from 'node:net';
import { openStore } from '@gatehouse/db';
import { createTestDatabase, DIALECTS, pgAvailable, TEST_PG_URL, type TestDatabase } from '@gatehouse/db/test-support';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createServer, type GatehouseServer } from '../server.js';
import { spawnServer, type SpawnedServer } from '../test-support/spawn-server.js';
import { startTcpProxy } from '../test-support/tcp-proxy.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, NO_LIMITS, TEST_SECRET, testConfig, testPasswords } from '../test-support/test-app.js';

/*
 * Faults (issue 6): PostgreSQL going away mid-load (simulated by cutting a TCP proxy, never by
 * stopping the shared server), kill -9 during a burst of token creations, and SIGTERM.
 * The process tests run the built server: `npx tsc -b packages/server` (npm test builds first).
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SPAWN_ENV = { GATEHOUSE_SECRET: TEST_SECRET, ...NO_LIMITS };

interface Outcome {
  status: number;
  ms: number;
  phase: 'before' | 'outage' | 'after';
}

describe.skipIf(!pgAvailable)('PostgreSQL stopped mid-load (TCP proxy cut)', () => {
  it.each(['reset', 'blackhole'] as const)('%s: 503 within a bounded time, /readyz red, recovery without a restart', async (mode) => {
    const db = await createTestDatabase('postgres');
    const target = new URL(TEST_PG_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    let server: GatehouseServer | undefined;
    try {
      const config = testConfig({ dataDir: db.dataDir, databaseUrl: proxy.rewrite(db.databaseUrl!) });
      server = await createServer(config, { passwords: testPasswords, logger: false });
      const app = server.app;
      const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      const token = (await app.inject({ method: 'POST', url: '/api/user-tokens', headers: { cookie }, payload: { name: 'load' } })).json().bearer_token as string;
      const auth = { authorization: `Bearer ${token}` };

      let phase: Outcome['phase'] = 'before';
      const outcomes: Outcome[] = [];
      const created: Array<{ name: string; status: number }> = [];
      let stop = false;
      let n = 0;
      const worker = async (w: number) => {
        while (!stop) {
          const started = Date.now();
          const p = phase;
          const write = w === 0;
          const name = `w-${mode}-${n++}`;
          const res = write
            ? await app.inject({ method: 'POST', url: '/api/user-tokens', headers: auth, payload: { name } })
            : await app.inject({ method: 'GET', url: '/api/datastores', headers: auth });
          // A request that spans a phase change (in flight when the proxy was cut or resumed) belongs to the outage.
          outcomes.push({ status: res.statusCode, ms: Date.now() - started, phase: p === phase ? p : 'outage' });
          if (write) created.push({ name, status: res.statusCode });
          if (res.statusCode === 503) {
            expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/); // whole seconds
            expect(res.json()).toMatchObject({ code: 'STORE_UNAVAILABLE', detail: expect.any(String) });
          }
          await sleep(20);
        }
      };
      const load = Promise.all([0, 1, 2, 3].map(worker));
      await sleep(400);
      phase = 'outage';
      proxy.cut(mode);
      await sleep(mode === 'blackhole' ? 4500 : 1500);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().code).toBe('STORE_UNAVAILABLE');
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

      proxy.resume();
      const resumed = Date.now();
      while ((await app.inject({ method: 'GET', url: '/readyz' })).statusCode !== 200) {
        expect(Date.now() - resumed, '/readyz did not recover').toBeLessThan(10_000);
        await sleep(100);
      }
      // Requests that were waiting on a blackholed connection give up within the connect timeout.
      await sleep(mode === 'blackhole' ? 3500 : 300);
      phase = 'after';
      await sleep(600);
      stop = true;
      await load;

      const during = outcomes.filter((o) => o.phase === 'outage');
      expect(outcomes.filter((o) => o.phase === 'before').map((o) => o.status).filter((x) => x !== 200)).toEqual([]);
      expect(during.some((o) => o.status === 503)).toBe(true);
      // Never a 500, never a hang: a refused request is a 503 within the pool's connect timeout (3 s).
      for (const o of during) expect([200, 503]).toContain(o.status);
      expect(Math.max(...during.map((o) => o.ms))).toBeLessThan(mode === 'blackhole' ? 4000 : 1500);
      const after = outcomes.filter((o) => o.phase === 'after');
      expect(after.length).toBeGreaterThan(4);
      expect(after.map((o) => o.status).filter((x) => x !== 200)).toEqual([]);

      // Nothing lost, nothing doubled. Every creation answered 200 exists, once. One answered 503
      // exists only if the cut fell between PostgreSQL's commit and its acknowledgement, which no
      // client can tell apart from a failed commit (a retry with the same name then gets 409);
      // creations refused before reaching the database left nothing behind.
      const list = (await app.inject({ method: 'GET', url: '/api/user-tokens', headers: auth })).json() as Array<{ name: string }>;
      const names = list.map((t) => t.name);
      expect(new Set(names).size).toBe(names.length);
      for (const c of created) if (c.status === 200) expect(names, `${c.name} answered 200`).toContain(c.name);
      const refusedButStored = created.filter((c) => c.status !== 200 && names.includes(c.name));
      expect(refusedButStored.length, 'only a cut at commit time can leave a refused creation stored').toBeLessThanOrEqual(1);
    } finally {
      await server?.close();
      await proxy.close();
      await db.drop();
    }
  });
});

/** The server's env for a database: the data dir and, for PostgreSQL, its URL. */
function dbEnv(db: TestDatabase): Record<string, string> {
  return { ...SPAWN_ENV, ...(db.databaseUrl ? { GATEHOUSE_DATABASE_URL: db.databaseUrl } : {}) };
}

async function adminToken(s: SpawnedServer): Promise<string> {
  const json = { 'content-type': 'application/json' };
  const login = await fetch(`${s.baseUrl}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email: s.adminEmail, password: s.adminPassword }) });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const res = await fetch(`${s.baseUrl}/api/user-tokens`, { method: 'POST', headers: { ...json, cookie }, body: JSON.stringify({ name: `admin-${Date.now()}` }) });
  expect(res.status).toBe(200);
  return (await res.json()).bearer_token;
}

describe.each(DIALECTS)('kill -9 during a burst of token creations [$kind]', ({ kind, available }) => {
  it.skipIf(!available)('every token answered 2xx exists and works; none answered with an error exists half-made', async () => {
    const db = await createTestDatabase(kind);
    const env = dbEnv(db);
    let s = await spawnServer({ dataDir: db.dataDir, env });
    try {
      const admin = await adminToken(s);
      const base = s.baseUrl;
      const results = new Map<string, { ok: true; id: number; token: string } | { ok: false; why: string }>();
      let i = 0;
      let killed = false;
      const worker = async () => {
        while (!killed) {
          const name = `burst-${i++}`;
          try {
            const res = await fetch(`${base}/api/user-tokens`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ name }) });
            const body = await res.json();
            results.set(name, res.status === 200 ? { ok: true, id: body.id, token: body.bearer_token } : { ok: false, why: String(res.status) });
          } catch (e) {
            results.set(name, { ok: false, why: (e as Error).message });
          }
        }
      };
      const burst = Promise.all(Array.from({ length: 12 }, worker));
      while ([...results.values()].filter((r) => r.ok).length < 40) await sleep(5);
      s.process.kill('SIGKILL');
      killed = true;
      await new Promise((r) => s.process.once('exit', r));
      await burst;
      const ok = [...results].filter(([, r]) => r.ok) as Array<[string, { ok: true; id: number; token: string }]>;
      const failed = [...results].filter(([, r]) => !r.ok).map(([name]) => name);
      expect(ok.length).toBeGreaterThanOrEqual(40);

      s = await spawnServer({ dataDir: db.dataDir, env });
      const list = (await (await fetch(`${s.baseUrl}/api/user-tokens`, { headers: { authorization: `Bearer ${admin}` } })).json()) as Array<{ id: number; name: string; active: boolean }>;
      const byName = new Map(list.map((t) => [t.name, t]));
      for (const [name, r] of ok) {
        expect(byName.get(name)?.id, `${name} was answered 200`).toBe(r.id);
        const me = await fetch(`${s.baseUrl}/api/users/me`, { headers: { authorization: `Bearer ${r.token}` } });
        expect(me.status, `${name} works after the restart`).toBe(200);
      }
      // A creation cut by the kill either never happened or happened whole: listed, active, audited.
      const audit = (await (await fetch(`${s.baseUrl}/api/audit-events?action=token.created&size=100&page=1`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { items: Array<{ target_id: string }>; total: number };
      const audited = new Set<string>();
      for (let page = 1; (page - 1) * 100 < audit.total; page++) {
        const p = (await (await fetch(`${s.baseUrl}/api/audit-events?action=token.created&size=100&page=${page}`, { headers: { authorization: `Bearer ${admin}` } })).json()) as typeof audit;
        for (const e of p.items) audited.add(String(e.target_id));
      }
      for (const name of failed) {
        const t = byName.get(name);
        if (t) {
          expect(t.active).toBe(true);
          expect(audited.has(String(t.id)), `${name} exists without its audit event`).toBe(true);
        }
      }
      for (const t of list) expect(t.name === 'admin-test' || t.name.startsWith('admin-') || results.has(t.name)).toBe(true);
    } finally {
      await s.stop({ keepData: true });
      await db.drop();
    }
  });
});

describe.each(DIALECTS)('SIGTERM: graceful shutdown [$kind]', ({ kind, available }) => {
  it.skipIf(!available)('finishes the request in flight and writes the pending last_used before exiting 0', async () => {
    const db = await createTestDatabase(kind);
    // last_used is only ever written behind; with a 60 s interval only the shutdown flush can write it.
    const s = await spawnServer({ dataDir: db.dataDir, env: { ...dbEnv(db), GATEHOUSE_USAGE_FLUSH_MS: '60000' } });
    try {
      const admin = await adminToken(s);
      for (let i = 0; i < 3; i++) expect((await fetch(`${s.baseUrl}/api/users/me`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);

      // A request in flight: headers sent and authenticated, the body still on its way.
      const port = Number(new URL(s.baseUrl).port);
      const body = JSON.stringify({ name: 'in-flight' });
      const socket = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (d: Buffer) => chunks.push(d));
      const closed = new Promise<void>((r) => socket.on('close', () => r()));
      await new Promise<void>((r) => socket.on('connect', () => r()));
      socket.write(`POST /api/user-tokens HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
      await sleep(300);
      const exited = new Promise<number | null>((r) => s.process.once('exit', (code) => r(code)));
      s.process.kill('SIGTERM');
      await sleep(300);
      expect(s.process.exitCode).toBe(null); // still finishing
      socket.write(body);
      const until = Date.now() + 5000;
      while (!Buffer.concat(chunks).toString().endsWith('}') && Date.now() < until) await Promise.race([closed, sleep(20)]);
      socket.destroy();
      const answer = Buffer.concat(chunks).toString();
      expect(answer, `${s.process.exitCode} ${s.process.signalCode} ${s.output()}`).toMatch(/^HTTP\/1\.1 200/);
      expect(answer).toContain('"bearer_token"');
      expect(await exited).toBe(0);
      expect(s.output()).toContain('SIGTERM: finishing in-flight requests');

      const store = openStore({ dataDir: db.dataDir, ...(db.databaseUrl ? { databaseUrl: TEST_PG_URL, pgSchema: db.pgSchema! } : {}) });
      try {
        const rows = (await sql<{ name: string; last_used: string | Date | null }>`select name, last_used from tokens`.execute(store.db)).rows;
        const used = rows.find((r) => r.name.startsWith('admin-'));
        expect(used?.last_used, 'the pending last_used was flushed at shutdown').not.toBeNull();
        expect(rows.map((r) => r.name)).toContain('in-flight');
      } finally {
        await store.close();
      }
    } finally {
      await s.stop({ keepData: true });
      await db.drop();
    }
  });
});
