import { expect, it } from 'vitest';
import { describeOnEachDatabase, skipWithoutBuiltUi, type TestApp } from '../test-support/test-app.js';

/** The base URL of the app's HTTP listener (the tests of a database share one app): request durations are measured only over HTTP. */
async function listening(t: TestApp): Promise<string> {
  const address = t.server.app.server.address();
  return address !== null && typeof address === 'object' ? `http://127.0.0.1:${address.port}` : t.server.app.listen({ host: '127.0.0.1', port: 0 });
}

/** What the reference API's public clients (the Qualytics CLI, the seed's examples) rely on (SPEC §3). */
describeOnEachDatabase('reference API compatibility', (app) => {
  it('GET /api/health is 204 without authentication; /healthz and /readyz answer', async () => {
    const t = app();
    const health = await t.request({ method: 'GET', url: '/api/health' });
    expect(health.statusCode).toBe(204);
    expect(health.body).toBe('');
    expect((await t.request({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await t.request({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });

  it('accepts Content-Type: application/json on bodiless GET and DELETE', async () => {
    const t = app();
    const json = { 'content-type': 'application/json' };
    expect((await t.request({ method: 'GET', url: '/api/users/me', token: t.adminToken, headers: json })).statusCode).toBe(200);
    const tok = await t.makeToken(t.adminToken, { name: 'ct-delete' });
    await t.request({ method: 'PUT', url: `/api/user-tokens/${tok.id}`, token: t.adminToken, payload: { revoke: true } });
    expect((await t.request({ method: 'DELETE', url: `/api/user-tokens/${tok.id}`, token: t.adminToken, headers: json })).statusCode).toBe(204);
  });

  it('reads Python-style booleans True/False in query strings', async () => {
    const t = app();
    const sa = await t.makeUser({ type: 'Service' });
    await t.request({ method: 'DELETE', url: `/api/users/${sa.id}`, token: t.adminToken });
    const inactive = await t.request({ method: 'GET', url: '/api/users?size=100&active=False', token: t.adminToken });
    expect(inactive.statusCode).toBe(200);
    expect(inactive.json().items.map((u: { id: number }) => u.id)).toContain(sa.id);
    const active = await t.request({ method: 'GET', url: '/api/users?size=100&active=True', token: t.adminToken });
    expect(active.json().items.map((u: { active: boolean }) => u.active)).not.toContain(false);
    expect((await t.request({ method: 'GET', url: '/api/users?active=maybe', token: t.adminToken })).statusCode).toBe(422);
  });

  it('GET /api/user-tokens is a plain array; lists are {items,total,page,size}; ids are integers', async () => {
    const t = app();
    const tokens = (await t.request({ method: 'GET', url: '/api/user-tokens', token: t.adminToken })).json();
    expect(Array.isArray(tokens)).toBe(true);
    for (const url of ['/api/users', '/api/teams', '/api/datastores', '/api/audit-events']) {
      const page = (await t.request({ method: 'GET', url: `${url}?page=1&size=100`, token: t.adminToken })).json();
      // The reference shape, plus only the cursor fields of the paged lists (SPEC §3).
      const keys = Object.keys(page);
      expect(keys).toEqual(expect.arrayContaining(['items', 'page', 'size', 'total']));
      expect(keys.filter((k) => !['items', 'page', 'size', 'total', 'total_exact', 'next_cursor', 'prev_cursor'].includes(k))).toEqual([]);
      expect(page.size).toBe(100);
      for (const item of page.items) expect(Number.isInteger(item.id)).toBe(true);
    }
  });

  it('401 and 403 say which in their detail (clients show both as "token expired or invalid")', async () => {
    const t = app();
    const member = await t.makeUser();
    const forbidden = await t.request({ method: 'GET', url: '/api/users', token: member.token });
    expect(forbidden.json().detail).toBe('Your role (Member) may not list users');
    const unauth = await t.request({ method: 'GET', url: '/api/users' });
    expect(unauth.json().detail).toMatch(/Authentication required/);
  });

  it('absurd page numbers are a 422, not a database error', async () => {
    const res = await app().request({ method: 'GET', url: '/api/teams?page=1e308', token: app().adminToken });
    expect(res.statusCode).toBe(422);
    expect(res.json().field).toBe('page');
  });

  it('unknown API routes are a JSON 404, never HTML', async () => {
    const res = await app().request({ method: 'GET', url: '/api/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('serves the OpenAPI document generated from the validating schemas, and its docs UI', async () => {
    const t = app();
    const doc = (await t.request({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    const post = doc.paths['/api/user-tokens'].post;
    const body = post.requestBody.content['application/json'].schema;
    // What a client generated from the document needs: the optional lifetime (null = never)…
    expect(body.required).toEqual(['name']);
    expect(body.properties.expires_in_days).toMatchObject({ anyOf: [{ type: 'integer', minimum: 1, maximum: 3650 }, { type: 'null' }] });
    // …the secret in the answer…
    expect(post.responses['200'].content['application/json'].schema.properties.bearer_token).toMatchObject({ type: 'string' });
    // …and path parameters typed as integer ids.
    expect(doc.paths['/api/users/{id}'].get.parameters).toEqual([expect.objectContaining({ in: 'path', name: 'id', required: true, schema: expect.objectContaining({ type: 'integer' }) })]);
    const ui = await t.request({ method: 'GET', url: '/api/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
  });

  it('exposes Prometheus metrics: requests by route and status, auth failures by reason, tokens by state', async () => {
    const t = app();
    // Over HTTP: request durations are measured from Node's own report of each answer sent.
    const base = await listening(t);
    const me = (token: string) => fetch(`${base}/api/users/me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await me(t.adminToken)).status).toBe(200);
    expect((await me(t.adminToken)).status).toBe(200);
    expect((await me('a.b.c')).status).toBe(401);
    expect((await fetch(`${base}/api/no-such-route`)).status).toBe(404);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/gatehouse_http_request_duration_seconds_count\{method="GET",route="\/api\/users\/me",status="200"\} 2\n/);
    expect(text).toMatch(/gatehouse_http_request_duration_seconds_count\{method="GET",route="\/api\/users\/me",status="401"\} 1\n/);
    expect(text).toMatch(/gatehouse_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 1\n/);
    expect(text).toMatch(/gatehouse_http_request_duration_seconds_bucket\{.*route="\/api\/users\/me"/);
    expect(text).toMatch(/gatehouse_auth_failures_total\{reason="MALFORMED"\} [1-9]/);
    expect(text).toMatch(/gatehouse_tokens\{state="active"\} [1-9]/);
    expect(text).not.toContain(t.adminToken);
  });

  it.skipIf(skipWithoutBuiltUi)('counts the pages of the UI as route "ui", not as misses', async () => {
    const base = await listening(app());
    const count = async (route: string, status: number) => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const line = text.match(new RegExp(`^gatehouse_http_request_duration_seconds_count\\{method="GET",route="${route}",status="${status}"\\} (\\d+)$`, 'm'));
      return Number(line?.[1] ?? 0);
    };
    const [ui, misses] = [await count('ui', 200), await count('unmatched', 404)];
    const page = await fetch(`${base}/tokens`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect((await fetch(`${base}/api/no-such-route`)).status).toBe(404);
    expect(await count('ui', 200)).toBe(ui + 1);
    expect(await count('unmatched', 404)).toBe(misses + 1);
    expect(await count('unmatched', 200)).toBe(0);
  });
});

describeOnEachDatabase('Qualytics CLI requests', (app) => {
  it('doctor: GET /api/status answers below 400 without authentication', async () => {
    expect((await app().request({ method: 'GET', url: '/api/status' })).statusCode).toBe(200);
  });

  it('datastores list: page, size=100, repeated datastore_type, enrichment_only=False and tag filter (not just accepted)', async () => {
    const t = app();
    await t.request({ method: 'POST', url: '/api/datastores', token: t.adminToken, payload: { name: 'cli-ds', type: 'postgresql', tags: ['x'] } });
    await t.request({ method: 'POST', url: '/api/datastores', token: t.adminToken, payload: { name: 'cli-ds-untagged', type: 'postgresql' } });
    await t.request({ method: 'POST', url: '/api/datastores', token: t.adminToken, payload: { name: 'cli-ds-enrichment', type: 'snowflake', tags: ['x'], enrichment_only: true } });
    const res = await t.request({ method: 'GET', url: '/api/datastores?page=1&size=100&datastore_type=postgresql&datastore_type=snowflake&enrichment_only=False&tag=x', token: t.adminToken, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((d: { name: string }) => d.name)).toEqual(['cli-ds']);
  });

  it('datastores get --name: GET /api/datastores?name=X&size=50 (and the older /listing) find it', async () => {
    const t = app();
    await t.request({ method: 'POST', url: '/api/datastores', token: t.adminToken, payload: { name: 'by-name', type: 'bigquery' } });
    for (const url of ['/api/datastores?page=1&size=50&name=by-name', '/api/datastores/listing?page=1&size=50&name=by-name']) {
      expect((await t.request({ method: 'GET', url, token: t.adminToken })).json().items.map((d: { name: string }) => d.name)).toEqual(['by-name']);
    }
  });
  it('a read token (SPEC §11) serves the CLI\'s list and get commands, decodes like any token, and is refused its writes with a detail saying why', async () => {
    const t = app();
    await t.request({ method: 'POST', url: '/api/datastores', token: t.adminToken, payload: { name: 'read-me', type: 'snowflake' } });
    const read = await t.makeToken(t.adminToken, { name: `qualytics-read-${Math.random()}`, scopes: ['read'], expires_in_days: 30 });
    // The CLI reads exp from the token without verifying it.
    const claims = JSON.parse(Buffer.from(read.bearer_token.split('.')[1]!, 'base64url').toString()) as { exp: number };
    expect(claims.exp).toBeGreaterThan(Date.parse('2026-06-01T10:00:00Z') / 1000);
    for (const url of ['/api/users/me', '/api/datastores?page=1&size=100', '/api/datastores?page=1&size=50&name=read-me', '/api/user-tokens', '/api/teams?page=1&size=100']) {
      expect([url, (await t.request({ method: 'GET', url, token: read.bearer_token, headers: { 'content-type': 'application/json' } })).statusCode]).toEqual([url, 200]);
    }
    const write = await t.request({ method: 'POST', url: '/api/datastores', token: read.bearer_token, payload: { name: 'nope', type: 'snowflake' } });
    expect([write.statusCode, write.json().detail]).toEqual([403, "This token's scopes do not include datastores:write, which this route needs"]);
  });
});
