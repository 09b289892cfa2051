import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterAll, expect, it } from 'vitest';
import { gatehouseAuth, type RequestLike } from './index.js';
import { describeLive } from './test-support/live-server.js';

/** A tiny Express-shaped app on node:http: (req, res, next) middleware, then a handler. */
async function expressLike(mw: (req: RequestLike, res: ServerResponse, next: (err?: unknown) => void) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req: IncomingMessage & RequestLike, res) => {
    mw(req, res, (err) => {
      if (err) {
        res.statusCode = 500;
        return res.end('error');
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ hello: req.gatehouse!.sub, role: req.gatehouse!.role }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

describeLive('gatehouseAuth middleware', (live) => {
  const call = (url: string, token?: string) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('Express shape: accepts a valid token, sets req.gatehouse; 401 with a challenge otherwise; 403 below minRole', async () => {
    const { url, introspectToken, adminToken, t } = live();
    const app = await expressLike(gatehouseAuth({ url, token: introspectToken, minRole: 'Editor' }).express);
    servers.push(app.server);
    const ok = await call(app.url, adminToken);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ hello: 'admin@example.com', role: 'Admin' });

    const none = await call(app.url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse"');
    const bad = await call(app.url, 'eyJhbGciOiJIUzI1NiJ9.e30.bad');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await bad.json()).toMatchObject({ code: 'INACTIVE' });

    const member = await t.makeUser({ role: 'Member' });
    const low = await call(app.url, member.token);
    expect(low.status).toBe(403);
    expect(await low.json()).toMatchObject({ code: 'ROLE', detail: expect.stringContaining('Editor') });
  });

  it('Fastify hook: the same decisions', async () => {
    const { url, introspectToken, adminToken } = live();
    const app = Fastify();
    app.decorateRequest('gatehouse', undefined);
    app.addHook('onRequest', gatehouseAuth({ url, token: introspectToken }).fastify);
    app.get('/hello', async (request) => ({ hello: (request as unknown as RequestLike).gatehouse!.sub }));
    const ok = await app.inject({ method: 'GET', url: '/hello', headers: { authorization: `Bearer ${adminToken}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ hello: 'admin@example.com' });
    const none = await app.inject({ method: 'GET', url: '/hello' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
    await app.close();
  });

  it('scope: a scoped token without the scope the service needs is refused with 403 and the RFC 6750 challenge; write grants read; unrestricted tokens pass', async () => {
    const { url, introspectToken, adminToken, t } = live();
    const app = Fastify();
    app.decorateRequest('gatehouse', undefined);
    app.addHook('onRequest', gatehouseAuth({ url, token: introspectToken, scope: 'datastores:read' }).fastify);
    app.get('/data', async (request) => ({ scope: (request as unknown as RequestLike).gatehouse!.scope }));
    const teamsOnly = await t.makeToken(adminToken, { name: `teams-${Math.random()}`, scopes: ['teams:read'] });
    const writer = await t.makeToken(adminToken, { name: `writer-${Math.random()}`, scopes: ['datastores:write'] });
    const get = (token: string) => app.inject({ method: 'GET', url: '/data', headers: { authorization: `Bearer ${token}` } });

    const refused = await get(teamsOnly.bearer_token);
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="gatehouse", error="insufficient_scope", scope="datastores:read"');
    expect(refused.json()).toMatchObject({ code: 'SCOPE' });
    expect((await get(writer.bearer_token)).json()).toEqual({ scope: 'datastores:write' });
    expect((await get(adminToken)).json()).toEqual({ scope: 'api' });
    await app.close();
  });

  it("a token with an IP allowlist passes from its addresses only (the service's client address, not Gatehouse's view)", async () => {
    const { url, introspectToken, adminToken, t } = live();
    const app = await expressLike(gatehouseAuth({ url, token: introspectToken }).express);
    servers.push(app.server);
    const here = await t.makeToken(adminToken, { name: `loopback-${Math.random()}`, allowed_ips: ['127.0.0.0/8'] });
    const elsewhere = await t.makeToken(adminToken, { name: `elsewhere-${Math.random()}`, allowed_ips: ['203.0.113.0/24'] });
    expect((await call(app.url, here.bearer_token)).status).toBe(200);
    const refused = await call(app.url, elsewhere.bearer_token);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'IP_NOT_ALLOWED' });
  });

  it('Gatehouse down → 503 with Retry-After (fail closed)', async () => {
    const app = await expressLike(gatehouseAuth({ url: 'http://127.0.0.1:9', token: 'x', timeoutMs: 1000 }).express);
    servers.push(app.server);
    const res = await call(app.url, live().adminToken);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
  });
});
