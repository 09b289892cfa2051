import fc from 'fast-check';
import { sql } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { describeOnEachDatabase, type TestApp } from '../test-support/test-app.js';

/*
 * Bad input everywhere (issue 6): random JSON, wrong types, huge strings, unicode edge cases and
 * random headers against every route of the OpenAPI document. Always an answer below 500; an
 * error always has a `detail`; a refused request changes nothing in the database.
 */

type Route = { method: string; path: string };

/** encodeURIComponent, but a lone surrogate becomes its (invalid) UTF-8 bytes instead of throwing. */
const enc = (v: string) => {
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80';
  }
};

const FIELDS = ['name', 'email', 'password', 'role', 'teams', 'user_id', 'user_type', 'expires_in_days', 'revoke', 'scim_endpoints_only', 'active', 'type', 'host', 'port', 'database', 'schema', 'description', 'user_ids', 'token', 'setup_token', 'userName', 'schemas', 'Operations', 'displayName', 'members'];
const nasty = fc.constantFrom(
  '', ' ', '\u0000', '\uFEFF', '\u202E', '\uD800', 'ﬀ', 'İ', '👩‍👩‍👧', 'a'.repeat(10_000), '%00', '../../etc/passwd', "' OR 1=1 --", '<script>', '{"$ne":null}', '__proto__', 'constructor',
  'NaN', '-1', '0', '1e308', '9007199254740993', 'true', 'null', '[]', 'True', 'False',
);
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  nasty,
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -0, 1e308, 3651, 0, -5),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.array(nasty, { maxLength: 5 }),
);
const body = fc.oneof(
  fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.constantFrom('', '{', '{"name":', 'null', '[]', '"x"', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', `{"name":"${'x'.repeat(70_000)}"}`, '\u0000'),
  fc.string({ maxLength: 200 }),
);
const segment = fc.oneof(fc.integer({ min: 100_000, max: 2 ** 31 }).map(String), nasty.map((s) => enc(s).slice(0, 300)), fc.constantFrom('0', '-1', '1.5', '%E0%A4%A', '%2e%2e', 'Users', ''));
const query = fc.dictionary(fc.constantFrom('page', 'size', 'search', 'type', 'active', 'user_id', 'filter', 'startIndex', 'count', 'sort', 'name', 'datastore_type', 'since', 'action', 'attributes'), nasty, { maxKeys: 4 })
  .map((q) => Object.entries(q).map(([k, v]) => `${k}=${enc(v)}`).join('&'));
const headers = fc.record({
  'content-type': fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/scim+json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/xml'),
  accept: fc.constantFrom('*/*', 'application/json', 'text/html', 'application/scim+json', ''),
  'x-forwarded-for': fc.constantFrom('1.2.3.4', '::1', 'garbage', '1.2.3.4, 5.6.7.8'),
  origin: fc.constantFrom('https://evil.example', 'null', 'http://localhost:80'),
  'accept-encoding': fc.constantFrom('gzip', 'br', 'identity', 'x'),
}, { requiredKeys: ['content-type'] });

/** The whole database but the audit log (refusals may be audited) and the write-behind usage columns. */
async function snapshot(t: TestApp): Promise<string> {
  const db = t.server.store.db;
  const tables = ['users', 'teams', 'team_members', 'tokens', 'datastores', 'datastore_teams', 'sessions'];
  const out: unknown[] = [];
  for (const table of tables) out.push((await sql`select * from ${sql.table(table)} order by 1, 2`.execute(db)).rows);
  return JSON.stringify(out, (k, v) => (k === 'last_used' || k === 'last_used_ip' ? undefined : v));
}

describeOnEachDatabase('random input to every route', (app) => {
  let routes: Route[] = [];
  let scimToken = '';
  beforeAll(async () => {
    const t = app();
    const doc = (await t.request({ method: 'GET', url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).filter((m) => m !== 'parameters').map((m) => ({ method: m.toUpperCase(), path })));
    const robot = await t.makeUser({ type: 'Service', role: 'Admin' });
    scimToken = (await t.makeToken(t.adminToken, { name: 'scim-fuzz', user_id: robot.id, scim_endpoints_only: true })).bearer_token;
  });

  it('lists the API from its OpenAPI document', () => {
    expect(routes.length).toBeGreaterThan(25);
    expect(routes).toContainEqual({ method: 'POST', path: '/api/user-tokens' });
  });

  it('never answers 5xx, always explains a 4xx, and a refused request changes nothing', async () => {
    const t = app();
    await fc.assert(
      fc.asyncProperty(fc.nat(), segment, body, query, headers, fc.boolean(), async (r, seg, payload, q, h, asAdmin) => {
        const route = routes[r % routes.length]!;
        const path = route.path.replace(/\{[^}]+\}/g, seg || 'x');
        const url = `${path}${q ? `?${q}` : ''}`;
        const scim = path.startsWith('/api/scim/');
        const token = scim ? scimToken : asAdmin ? t.adminToken : undefined;
        const writes = route.method !== 'GET';
        const before = writes ? await snapshot(t) : '';
        const res = await t.request({
          method: route.method as 'POST',
          url,
          headers: { ...h, ...(token ? { authorization: `Bearer ${token}` } : {}) },
          ...(writes ? { payload } : {}),
        });
        expect(res.statusCode, `${route.method} ${url} → ${res.statusCode} ${res.body.slice(0, 300)}`).toBeLessThan(500);
        if (res.statusCode >= 400) {
          // The browser pages (the CLI login page) explain errors in HTML; everything else in JSON.
          if (String(res.headers['content-type']).startsWith('text/html')) expect(path).toMatch(/^\/api\/cli\//);
          else expect(res.json().detail, `${route.method} ${url}: ${res.body.slice(0, 300)}`).toEqual(expect.any(String));
          if (writes) expect(await snapshot(t), `${route.method} ${url} was refused (${res.statusCode}) but changed the database`).toBe(before);
        }
      }),
      { numRuns: 250, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
    );
  });
}, { GATEHOUSE_USAGE_FLUSH_MS: '60000' });
