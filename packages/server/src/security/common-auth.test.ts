import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { collectRoutes, describeOnEachDatabase, type TestApp } from '../test-support/test-app.js';

/**
 * The shared security cases (STYLE.md: runCommonAuthTests) for every protected route of the
 * API, collected from the running app (a new route cannot be left out): each credential below
 * must be refused before the route runs. SCIM routes have their own suite (scim/errors.test.ts).
 */
const PROTECTED_ROUTES: Array<[string, string]> = (await collectRoutes())
  .filter((r) => r.auth === 'user')
  .map((r) => [r.method, r.url.replace(/:\w+/g, '1')]);

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Re-signs header and claims with a key of our choosing (an attacker's). */
function forge(header: unknown, claims: unknown, key = 'not-the-server-secret'): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

function parts(token: string) {
  const [h, p, s] = token.split('.') as [string, string, string];
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString()), claims: JSON.parse(Buffer.from(p, 'base64url').toString()), h, p, s };
}

type Case = { name: string; status: number; code: string; make(t: TestApp): Promise<{ token?: string; raw?: string }> };

const CASES: Case[] = [
  { name: 'no credential', status: 401, code: 'UNAUTHENTICATED', make: async () => ({}) },
  { name: 'malformed token', status: 401, code: 'INVALID_TOKEN', make: async () => ({ token: 'not.a.jwt' }) },
  { name: 'Basic scheme', status: 401, code: 'UNAUTHENTICATED', make: async () => ({ raw: 'Basic YWRtaW46cGFzc3dvcmQ=' }) },
  { name: 'Bearer without token', status: 400, code: 'INVALID_REQUEST', make: async () => ({ raw: 'Bearer ' }) },
  {
    name: 'wrong signature', status: 401, code: 'INVALID_TOKEN',
    make: async (t) => { const p = parts(t.adminToken); return { token: forge(p.header, p.claims) }; },
  },
  {
    name: 'tampered claims with the original signature', status: 401, code: 'INVALID_TOKEN',
    make: async (t) => { const p = parts(t.adminToken); return { token: `${p.h}.${b64({ ...p.claims, uid: 999 })}.${p.s}` }; },
  },
  {
    name: 'alg none', status: 401, code: 'INVALID_TOKEN',
    make: async (t) => { const p = parts(t.adminToken); return { token: `${b64({ ...p.header, alg: 'none' })}.${p.p}.` }; },
  },
  {
    name: 'unknown kid', status: 401, code: 'INVALID_TOKEN',
    make: async (t) => { const p = parts(t.adminToken); return { token: forge({ ...p.header, kid: 'other' }, p.claims) }; },
  },
  {
    name: 'expired (clock moved past exp)', status: 401, code: 'INVALID_TOKEN',
    make: async (t) => {
      const tok = await t.makeToken(t.adminToken, { name: `exp-${Math.random()}`, expires_in_days: 1 });
      t.clock.advance(2 * 86_400_000);
      return { token: tok.bearer_token };
    },
  },
  {
    name: 'revoked', status: 401, code: 'INVALID_TOKEN',
    make: async (t) => {
      const tok = await t.makeToken(t.adminToken, { name: `rev-${Math.random()}` });
      await t.request({ method: 'PUT', url: `/api/user-tokens/${tok.id}`, token: t.adminToken, payload: { revoke: true } });
      return { token: tok.bearer_token };
    },
  },
  {
    name: 'deleted', status: 401, code: 'INVALID_TOKEN',
    make: async (t) => {
      const tok = await t.makeToken(t.adminToken, { name: `del-${Math.random()}` });
      await t.request({ method: 'PUT', url: `/api/user-tokens/${tok.id}`, token: t.adminToken, payload: { revoke: true } });
      await t.request({ method: 'DELETE', url: `/api/user-tokens/${tok.id}`, token: t.adminToken });
      return { token: tok.bearer_token };
    },
  },
  {
    name: 'SCIM administration token on a non-SCIM route', status: 403, code: 'SCIM_TOKEN_NOT_ALLOWED',
    make: async (t) => ({ token: (await t.makeToken(t.adminToken, { name: `scim-${Math.random()}`, scim_endpoints_only: true })).bearer_token }),
  },
  {
    name: 'deactivated owner', status: 401, code: 'INVALID_TOKEN',
    make: async (t) => {
      const u = await t.makeUser({ role: 'Admin' });
      await t.request({ method: 'PUT', url: `/api/users/${u.id}`, token: t.adminToken, payload: { active: false } });
      return { token: u.token };
    },
  },
];

describe('common authentication cases: the routes', () => {
  it('are collected from the app, SCIM aside', () => {
    expect(PROTECTED_ROUTES.length).toBeGreaterThan(30);
    expect(PROTECTED_ROUTES).toContainEqual(['DELETE', '/api/auth/sessions/1']);
    expect(PROTECTED_ROUTES.some(([, url]) => url.startsWith('/api/scim'))).toBe(false);
  });
});

describeOnEachDatabase('common authentication cases', (app) => {
  for (const c of CASES) {
    describe(c.name, () => {
      it.each(PROTECTED_ROUTES)(`%s %s → ${c.status}`, async (method, url) => {
        const t = app();
        const start = t.clock.now();
        try {
          const cred = await c.make(t);
          const res = await t.request({
            method: method as 'GET',
            url,
            ...(cred.token !== undefined ? { token: cred.token } : {}),
            ...(cred.raw !== undefined ? { headers: { authorization: cred.raw } } : {}),
            ...(method === 'POST' || method === 'PUT' || method === 'PATCH' ? { payload: {} } : {}),
          });
          expect(res.statusCode).toBe(c.status);
          expect(res.json()).toMatchObject({ code: c.code, detail: expect.any(String), request_id: expect.any(String) });
          if (c.status === 401) expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="gatehouse"/);
          if (c.status === 401 && c.code === 'INVALID_TOKEN') expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
        } finally {
          t.clock.set(start);
        }
      });
    });
  }
});
