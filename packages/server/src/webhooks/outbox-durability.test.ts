import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, DIALECTS, pgAvailable, type TestDatabase } from '@gatehouse/db/test-support';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { CLAIM_MS } from '../lifecycle-jobs.js';
import { createServer, type GatehouseServer } from '../server.js';
import { spawnServer, type SpawnedServer } from '../test-support/spawn-server.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, NO_LIMITS, TEST_SECRET, testConfig, testPasswords } from '../test-support/test-app.js';
import { startReceiver } from '../test-support/webhook-receiver.js';

/*
 * The outbox (SPEC §9): an event is written in its change's transaction, so a process killed
 * right after answering still delivers it once restarted; and nodes sharing one PostgreSQL
 * deliver each event once per endpoint.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free port with nothing listening on it (yet). */
async function freePort(): Promise<number> {
  const s = createHttpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

const SPAWN_ENV = { ...NO_LIMITS, GATEHOUSE_SECRET: TEST_SECRET, GATEHOUSE_WEBHOOK_ALLOW_PRIVATE: 'true', GATEHOUSE_SCHEDULER_INTERVAL_MS: '200' };

describe.each(DIALECTS)('kill -9 right after a revocation answers [$kind]', ({ kind, available }) => {
  it.skipIf(!available)('the token.revoked delivery arrives after the restart, signed, once', { timeout: 120_000 }, async () => {
    const db: TestDatabase = await createTestDatabase(kind);
    const env = { ...SPAWN_ENV, ...(db.databaseUrl ? { GATEHOUSE_DATABASE_URL: db.databaseUrl } : {}) };
    let s: SpawnedServer = await spawnServer({ dataDir: db.dataDir, env });
    const port = await freePort();
    try {
      const json = { 'content-type': 'application/json' };
      const login = await fetch(`${s.baseUrl}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email: s.adminEmail, password: s.adminPassword }) });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const call = (method: string, path: string, body?: unknown, token?: string) =>
        fetch(`${s.baseUrl}${path}`, { method, headers: { ...json, ...(token ? { authorization: `Bearer ${token}` } : { cookie }) }, ...(body ? { body: JSON.stringify(body) } : {}) });
      // The receiver is down until after the restart: nothing can be delivered before the kill.
      const hook = await (await call('POST', '/api/webhooks', { url: `http://127.0.0.1:${port}/hook`, events: ['token.revoked'] })).json();
      const victim = await (await call('POST', '/api/user-tokens', { name: 'to-revoke', expires_in_days: 30 })).json();
      const revoked = await call('PUT', `/api/user-tokens/${victim.id}`, { revoke: true });
      expect(revoked.status).toBe(200);
      s.process.kill('SIGKILL');
      await new Promise((r) => s.process.once('exit', r));

      const receiver = await startReceiver(undefined, port);
      try {
        s = await spawnServer({ dataDir: db.dataDir, env });
        // The first attempt failed (refused) or was cut by the kill with its claim held (CLAIM_MS):
        // retried after the first backoff step or once the dead process's claim ends.
        const until = Date.now() + CLAIM_MS + 15_000;
        while (receiver.received.length === 0 && Date.now() < until) await sleep(100);
        await sleep(500); // a duplicate, if any, would come now
        expect(receiver.received).toHaveLength(1);
        const [got] = receiver.received;
        const event = new Webhook(hook.secret).verify(got!.body, got!.headers as Record<string, string>) as { type: string; data: { token: { id: number }; reason: string } };
        expect(event).toMatchObject({ type: 'token.revoked', data: { token: { id: victim.id }, reason: 'owner' } });
      } finally {
        await receiver.close();
      }
    } finally {
      await s.stop({ keepData: true });
      await db.drop();
    }
  });
});

describe.skipIf(!pgAvailable)('two nodes on one PostgreSQL deliver each event once per endpoint', () => {
  it('1,000 events created on both nodes, delivered by both: each received exactly once', { timeout: 180_000 }, async () => {
    const db = await createTestDatabase('postgres');
    const config = testConfig(db, { GATEHOUSE_WEBHOOK_ALLOW_PRIVATE: 'true' });
    const nodes: GatehouseServer[] = [];
    const receiver = await startReceiver();
    try {
      nodes.push(await createServer(config, { passwords: testPasswords, logger: false }));
      nodes.push(await createServer(config, { passwords: testPasswords, logger: false }));
      const [a, b] = nodes as [GatehouseServer, GatehouseServer];
      const login = await a.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      const admin = (await a.app.inject({ method: 'POST', url: '/api/user-tokens', headers: { cookie }, payload: { name: 'admin', expires_in_days: 30 } })).json().bearer_token as string;
      const auth = { authorization: `Bearer ${admin}` };
      const hook = (await a.app.inject({ method: 'POST', url: '/api/webhooks', headers: auth, payload: { url: receiver.url, events: ['token.created'] } })).json();
      // Both nodes create (and so kick their own delivery rounds) at once, 1,000 events in all.
      const EVENTS = 1000;
      let next = 0;
      const worker = async (node: GatehouseServer) => {
        while (next < EVENTS) {
          const i = next++;
          const res = await node.app.inject({ method: 'POST', url: '/api/user-tokens', headers: auth, payload: { name: `t-${i}`, expires_in_days: 1 } });
          expect(res.statusCode).toBe(200);
        }
      };
      await Promise.all([worker(a), worker(b), worker(a), worker(b)]);
      // Both nodes deliver what is left, concurrently, until nothing is pending.
      const pending = async () => (await a.app.inject({ method: 'GET', url: `/api/webhooks/${hook.id}/deliveries?size=1000`, headers: auth })).json().items.filter((d: { status: string }) => d.status !== 'delivered').length;
      const until = Date.now() + 60_000;
      while ((await pending()) > 0 && Date.now() < until) {
        await Promise.all([a.app.gatehouse.lifecycle.deliverDue(), b.app.gatehouse.lifecycle.deliverDue()]);
      }
      expect(await pending()).toBe(0);
      const ids = receiver.received.map((r) => String(r.headers['webhook-id']));
      const names = receiver.received.map((r) => (JSON.parse(r.body) as { data: { token: { name: string } } }).data.token.name);
      expect(new Set(ids).size).toBe(EVENTS);
      expect(ids).toHaveLength(EVENTS);
      expect(new Set(names).size).toBe(EVENTS);
    } finally {
      for (const n of nodes) await n.close();
      await receiver.close();
      await db.drop();
    }
  });
});
