import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '@gatehouse/core';
import { createTestDatabase } from '@gatehouse/db/test-support';
import type { InjectOptions } from 'fastify';
import { createServer } from '../server.js';
import { rawHttp } from '../test-support/raw-http.js';
import { ADMIN_EMAIL, testConfig, testPasswords, withApp } from '../test-support/test-app.js';

/*
 * Overload (issue 6): the server answers 503 + Retry-After in its error format instead of
 * collapsing, refuses oversized bodies, and cuts slow clients.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keeps the event loop busy in 100 ms slices (a sustained lag, as under a CPU-bound load). */
async function lagEventLoop(totalMs: number): Promise<void> {
  const end = Date.now() + totalMs;
  while (Date.now() < end) {
    const slice = Date.now() + 100;
    while (Date.now() < slice) {
      /* busy */
    }
    await new Promise((r) => setImmediate(r));
  }
}

describe('heap above the threshold → 503 + Retry-After, /healthz still alive', () => {
  it('answers 503 in the error format once the heap is sampled', async () => {
    // Set up through the core, not over HTTP: requests made while setting up would race the
    // first sample (a test app's own login and token take more than a second on a busy machine).
    const db = await createTestDatabase('sqlite');
    const server = await createServer(testConfig(db, { GATEHOUSE_MAX_HEAP_MB: '1' }), { passwords: testPasswords, logger: false });
    try {
      const admin = (await server.store.users.findByUserId(ADMIN_EMAIL))!;
      const { bearerToken } = await createToken(server.gatehouse.deps, { principal: { user: admin, token: null }, ip: null, userAgent: null }, { name: 'overload' });
      const request = (opts: InjectOptions) => server.app.inject(opts);
      await sleep(1200); // under-pressure samples once a second
      const res = await request({ method: 'GET', url: '/api/users/me', headers: { authorization: `Bearer ${bearerToken}` } });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', detail: 'The server is overloaded; retry later', request_id: expect.any(String) });
      const login = await request({ method: 'POST', url: '/api/auth/login', payload: { email: 'a@b.c', password: 'whatever-123' } });
      expect(login.statusCode).toBe(503);
      expect((await request({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await server.close();
      await db.drop();
    }
  });
});

describe('event loop lag above the threshold → 503, then back to normal by itself', () => {
  withApp({ GATEHOUSE_MAX_EVENT_LOOP_DELAY_MS: '50' }, (app) => {
    it('refuses while lagging and serves again once the lag is gone', async () => {
      const t = app();
      expect((await t.request({ method: 'GET', url: '/api/users/me', token: t.adminToken })).statusCode).toBe(200);
      await lagEventLoop(1500);
      const res = await t.request({ method: 'GET', url: '/api/users/me', token: t.adminToken });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json().code).toBe('SERVICE_UNAVAILABLE');
      await sleep(2200);
      expect((await t.request({ method: 'GET', url: '/api/users/me', token: t.adminToken })).statusCode).toBe(200);
    });
  });
});

describe('request size and slow clients', () => {
  let port = 0;
  withApp({ GATEHOUSE_REQUEST_TIMEOUT_MS: '1000' }, (app) => {
    beforeAll(async () => {
      await app().server.app.listen({ host: '127.0.0.1', port: 0 });
      port = (app().server.app.server.address() as AddressInfo).port;
    });

    it('a body over 64 KiB is refused with 413 in the error format, and nothing is created', async () => {
      const t = app();
      const res = await t.request({ method: 'POST', url: '/api/datastores', token: t.adminToken, payload: { name: 'big', type: 'postgresql', host: 'x'.repeat(70 * 1024) } });
      expect(res.statusCode).toBe(413);
      expect(res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', detail: expect.any(String), request_id: expect.any(String) });
      expect((await t.request({ method: 'GET', url: '/api/datastores?name=big', token: t.adminToken })).json().total).toBe(0);
    });

    it('a lying Content-Length over the limit is refused before the body arrives', async () => {
      const res = await rawHttp(port, [`POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{"email":`], { timeoutMs: 3000 });
      expect(res.status).toBe(413);
      expect(res.ms).toBeLessThan(1000);
    });

    it('headers that never finish (slowloris) are cut within the timeout', async () => {
      const res = await rawHttp(port, ['GET /api/users/me HTTP/1.1\r\nHost: localhost\r\n', 'X-Slow: 1\r\n'], { timeoutMs: 6000, gapMs: 200 });
      expect(res.closed).toBe(true);
      expect([0, 408]).toContain(res.status);
      expect(res.ms).toBeLessThan(4000);
    });

    it('a body that never finishes is cut within the timeout (408)', async () => {
      const res = await rawHttp(port, [`POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":`], { timeoutMs: 6000 });
      expect(res.closed).toBe(true);
      expect([0, 408]).toContain(res.status);
      expect(res.ms).toBeLessThan(4000);
    });

    it('the server keeps serving after all that', async () => {
      const t = app();
      expect((await fetch(`http://127.0.0.1:${port}/api/users/me`, { headers: { authorization: `Bearer ${t.adminToken}` } })).status).toBe(200);
    });
  });
});
