import type { AddressInfo } from 'node:net';
import { spawnServer, type SpawnedServer } from '@gatehouse/server/test-support/spawn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createExampleService } from './server.mjs';
import type { Server } from 'node:http';

const built = existsSync(fileURLToPath(new URL('../../packages/server/dist/main.js', import.meta.url)));
if (!built) {
  const msg = 'examples/protected-service runs against the built server: run npm run build first';
  if (process.env.GATEHOUSE_REQUIRE_ALL === '1') throw new Error(msg);
  console.warn(`SKIP: ${msg}`);
}

/** The example service in front of a real Gatehouse process (build first: npm run build). */
describe.skipIf(!built)('example protected service', () => {
  let gatehouse: SpawnedServer;
  let service: Server;
  let serviceUrl = '';
  let adminToken = '';
  let memberToken = '';

  const api = async (path: string, token: string, body?: unknown) => {
    const res = await fetch(`${gatehouse.baseUrl}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return res.json();
  };

  beforeAll(async () => {
    gatehouse = await spawnServer();
    const login = await fetch(`${gatehouse.baseUrl}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: gatehouse.adminEmail, password: gatehouse.adminPassword }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const t = await fetch(`${gatehouse.baseUrl}/api/user-tokens`, {
      method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'example-admin', expires_in_days: 1 }),
    });
    adminToken = (await t.json()).bearer_token;
    const robot = await api('/api/users', adminToken, { name: 'Example Service', role: 'Manager' });
    const introspection = await api('/api/user-tokens', adminToken, { name: 'introspection', user_id: robot.id, expires_in_days: 1 });
    const member = await api('/api/users', adminToken, { name: 'Report Reader', role: 'Member' });
    memberToken = (await api('/api/user-tokens', adminToken, { name: 'reader', user_id: member.id, expires_in_days: 1 })).bearer_token;

    service = createExampleService({ gatehouseUrl: gatehouse.baseUrl, introspectionToken: introspection.bearer_token });
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    service?.close();
    await gatehouse?.stop();
  });

  const get = (path: string, token?: string) => fetch(`${serviceUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('public route without a token', async () => {
    expect((await get('/health')).status).toBe(200);
  });

  it('a Gatehouse token opens /reports; no token or a bad one is a 401', async () => {
    const ok = await get('/reports', memberToken);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ for: 'report_reader@service', teams: ['Public'] });
    expect((await get('/reports')).status).toBe(401);
    expect((await get('/reports', `${memberToken}x`)).status).toBe(401);
  });

  it('/admin/stats needs an Admin', async () => {
    expect((await get('/admin/stats', memberToken)).status).toBe(403);
    expect((await get('/admin/stats', adminToken)).status).toBe(200);
  });
});

