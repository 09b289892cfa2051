import { SCOPES, type RouteScope, type Scope } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { collectRoutes, describeOnEachDatabase, type TestApp } from '../test-support/test-app.js';

/*
 * SPEC §11: effective rights = role ∩ scopes, on every route. The table below says which scope
 * each protected route needs; the suite checks that the running app declares exactly this table
 * (a new route without a row fails) and then calls every collected route with a token of each
 * single scope, as an Admin (whose role allows everything), so that only the scope can refuse.
 */
const NEEDS: Record<string, RouteScope> = {
  'GET /api/auth/sessions': 'users:read',
  'DELETE /api/auth/sessions': 'users:write',
  'DELETE /api/auth/sessions/:id': 'users:write',
  'GET /api/users/me': 'none',
  'GET /api/users': 'users:read',
  'GET /api/users/listing': 'users:read',
  'GET /api/users/:id': 'users:read',
  'POST /api/users': 'users:write',
  'PUT /api/users/:id': 'users:write',
  'DELETE /api/users/:id': 'users:write',
  'POST /api/users/:id/revoke-tokens': 'users:write',
  'DELETE /api/users/:id/sessions': 'users:write',
  'GET /api/teams': 'teams:read',
  'GET /api/teams/:id': 'teams:read',
  'POST /api/teams': 'teams:write',
  'PUT /api/teams/:id': 'teams:write',
  'DELETE /api/teams/:id': 'teams:write',
  'GET /api/teams/:id/members': 'teams:read',
  'POST /api/teams/:id/members': 'teams:write',
  'DELETE /api/teams/:id/members/:user_id': 'teams:write',
  'POST /api/user-tokens': 'tokens:write',
  'GET /api/user-tokens': 'tokens:read',
  'GET /api/user-tokens/service': 'tokens:read',
  'GET /api/user-tokens/:id': 'tokens:read',
  'PUT /api/user-tokens/:id': 'tokens:write',
  'POST /api/user-tokens/:id/rotate': 'tokens:write',
  'DELETE /api/user-tokens/:id': 'tokens:write',
  'GET /api/datastores': 'datastores:read',
  'GET /api/datastores/listing': 'datastores:read',
  'GET /api/datastores/:id': 'datastores:read',
  'POST /api/datastores': 'datastores:write',
  'PUT /api/datastores/:id': 'datastores:write',
  'DELETE /api/datastores/:id': 'datastores:write',
  'GET /api/connections': 'datastores:read',
  'GET /api/connections/:id': 'datastores:read',
  'POST /api/connections': 'datastores:write',
  'PUT /api/connections/:id': 'datastores:write',
  'DELETE /api/connections/:id': 'datastores:write',
  'GET /api/user-tokens/:id/usage': 'tokens:read',
  'GET /api/user-tokens/:id/blast-radius': 'tokens:read',
  'GET /api/users/:id/blast-radius': 'users:read',
  'GET /api/access-review': 'tokens:read',
  'GET /api/audit-events': 'audit:read',
  'POST /api/introspect': 'tokens:read',
  'GET /api/scim/v2/ServiceProviderConfig': 'none',
  'GET /api/scim/v2/ResourceTypes': 'none',
  'GET /api/scim/v2/ResourceTypes/:id': 'none',
  'GET /api/scim/v2/Schemas': 'none',
  'GET /api/scim/v2/Schemas/:id': 'none',
  'GET /api/scim/v2/Users': 'users:read',
  'POST /api/scim/v2/Users/.search': 'users:read',
  'POST /api/scim/v2/Users': 'users:write',
  'GET /api/scim/v2/Users/:id': 'users:read',
  'PUT /api/scim/v2/Users/:id': 'users:write',
  'PATCH /api/scim/v2/Users/:id': 'users:write',
  'DELETE /api/scim/v2/Users/:id': 'users:write',
  'GET /api/scim/v2/Groups': 'teams:read',
  'POST /api/scim/v2/Groups/.search': 'teams:read',
  'POST /api/scim/v2/Groups': 'teams:write',
  'GET /api/scim/v2/Groups/:id': 'teams:read',
  'PUT /api/scim/v2/Groups/:id': 'teams:write',
  'PATCH /api/scim/v2/Groups/:id': 'teams:write',
  'DELETE /api/scim/v2/Groups/:id': 'teams:write',
  'POST /api/scim/v2/.search': 'users:read',
  'POST /api/leaks': 'tokens:write',
  // Renewing its own secret is managing a token: not for a `read` token.
  'POST /api/user-tokens/self/rotate': 'tokens:write',
  // The lifecycle policy and webhooks govern tokens (lifetimes, token events).
  'GET /api/policy': 'tokens:read',
  'GET /api/policy/lifetimes': 'tokens:read',
  'PUT /api/policy': 'tokens:write',
  'GET /api/webhooks': 'tokens:read',
  'POST /api/webhooks': 'tokens:write',
  'GET /api/webhooks/:id': 'tokens:read',
  'PUT /api/webhooks/:id': 'tokens:write',
  'DELETE /api/webhooks/:id': 'tokens:write',
  'POST /api/webhooks/:id/test': 'tokens:write',
  'GET /api/webhooks/:id/deliveries': 'tokens:read',
  'POST /api/webhooks/:id/deliveries/:delivery_id/redeliver': 'tokens:write',
  'GET /api/users/:id/owners': 'users:read',
  'PUT /api/users/:id/owners': 'users:write',
  'GET /api/users/:id/handover': 'users:read',
  // Handover mints Service tokens' secrets: a token-making scope.
  'POST /api/users/:id/handover': 'tokens:write',
};

/** Whether a token with the single scope `s` may call a route needing `need` (written out, not computed by the code under test). */
function grants(s: Scope, need: RouteScope): boolean {
  if (need === 'none') return true;
  if (s === 'read') return need.endsWith(':read');
  if (s === need) return true;
  return need.endsWith(':read') && s === `${need.slice(0, -5)}:write`;
}

const ROUTES = (await collectRoutes()).filter((r) => r.auth !== 'public');
const key = (r: { method: string; url: string }) => `${r.method} ${r.url}`;

describe('route → scope table', () => {
  it('every protected route of the app declares the scope of the table, and the table has no route the app lacks', () => {
    const declared = Object.fromEntries(ROUTES.map((r) => [key(r), r.scope]));
    expect(declared).toEqual(NEEDS);
  });
});

describeOnEachDatabase('scopes × routes', (app) => {
  /** One token per single scope, of the Admin: API tokens, and SCIM tokens for the SCIM routes. */
  const tokens = new Map<string, string>();
  const tokenFor = async (t: TestApp, scope: Scope, scim: boolean): Promise<string> => {
    const k = `${scope} ${scim}`;
    let token = tokens.get(k);
    if (token === undefined) {
      token = (await t.makeToken(t.adminToken, { name: `only ${k}`, scopes: [scope], ...(scim ? { scim_endpoints_only: true } : {}) })).bearer_token;
      tokens.set(k, token);
    }
    return token;
  };

  for (const route of ROUTES) {
    it(`${key(route)} answers each single-scope token as the table says`, async () => {
      const t = app();
      const need = NEEDS[key(route)]!;
      // An id that exists nowhere: an allowed call changes nothing (404 / 422), a refused one never gets that far.
      const url = route.url.replace(/:\w+/g, '999999');
      for (const scope of SCOPES) {
        const token = await tokenFor(t, scope, route.auth === 'scim');
        const res = await t.request({
          method: route.method as 'GET', url, token,
          ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: {} }),
        });
        // Rotating the calling token retires its secret: the later routes use the new one.
        if (key(route) === 'POST /api/user-tokens/self/rotate' && res.statusCode === 200) tokens.set(`${scope} ${route.auth === 'scim'}`, res.json().bearer_token);
        const refused = res.statusCode === 403 && res.headers['www-authenticate'] !== undefined && String(res.headers['www-authenticate']).includes('insufficient_scope');
        if (grants(scope, need)) {
          expect({ scope, unauthenticated: res.statusCode === 401, refused }).toEqual({ scope, unauthenticated: false, refused: false });
        } else {
          expect({ scope, status: res.statusCode }).toEqual({ scope, status: 403 });
          expect(res.headers['www-authenticate']).toBe(
            `Bearer realm="gatehouse", error="insufficient_scope", error_description="The token's scopes do not include ${need}", scope="${need}"`,
          );
          if (route.auth !== 'scim') expect(res.json()).toMatchObject({ code: 'INSUFFICIENT_SCOPE', detail: `This token's scopes do not include ${need}, which this route needs` });
        }
      }
    });
  }
});

describeOnEachDatabase('scopes', (app) => {
  it('effective rights are role ∩ scopes: a Member with datastores:write is still refused by role, an Admin with datastores:read by scope', async () => {
    const t = app();
    const member = await t.makeUser({ role: 'Member' });
    const memberCookie = await t.login(member.userId, 'a-long-enough-password');
    const memberWrite = (await t.request({ method: 'POST', url: '/api/user-tokens', cookie: memberCookie, payload: { name: 'w', scopes: ['datastores:write'] } })).json();
    const byRole = await t.request({ method: 'POST', url: '/api/datastores', token: memberWrite.bearer_token, payload: { name: 'x', type: 'postgresql' } });
    expect([byRole.statusCode, byRole.json().code]).toEqual([403, 'FORBIDDEN']);

    const adminRead = await t.makeToken(t.adminToken, { name: `r-${Math.random()}`, scopes: ['datastores:read'] });
    const byScope = await t.request({ method: 'POST', url: '/api/datastores', token: adminRead.bearer_token, payload: { name: 'x', type: 'postgresql' } });
    expect([byScope.statusCode, byScope.json().code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
    const list = await t.request({ method: 'GET', url: '/api/datastores', token: adminRead.bearer_token });
    expect(list.statusCode).toBe(200);
  });

  it('a read token reads everything its role allows and writes nothing', async () => {
    const t = app();
    const read = await t.makeToken(t.adminToken, { name: `read-${Math.random()}`, scopes: ['read'] });
    expect(read.scopes).toEqual(['read']);
    for (const url of ['/api/users', '/api/teams', '/api/datastores', '/api/user-tokens', '/api/audit-events', '/api/users/me']) {
      expect([url, (await t.request({ method: 'GET', url, token: read.bearer_token })).statusCode]).toEqual([url, 200]);
    }
    const write = await t.request({ method: 'POST', url: '/api/teams', token: read.bearer_token, payload: { name: 'Nope' } });
    expect([write.statusCode, write.json().code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
    // Refused again from the cache (the token is verified and cached by now).
    const again = await t.request({ method: 'POST', url: '/api/teams', token: read.bearer_token, payload: { name: 'Nope' } });
    expect(again.statusCode).toBe(403);
  });

  it('a scoped token cannot mint a broader token; without scopes the new token inherits its maker\'s', async () => {
    const t = app();
    const maker = await t.makeToken(t.adminToken, { name: `maker-${Math.random()}`, scopes: ['tokens:write', 'datastores:read'] });
    const broader = await t.request({ method: 'POST', url: '/api/user-tokens', token: maker.bearer_token, payload: { name: 'broader', scopes: ['users:write'] } });
    expect([broader.statusCode, broader.json().code, broader.json().field]).toEqual([403, 'INSUFFICIENT_SCOPE', 'scopes']);
    const unscoped = await t.request({ method: 'POST', url: '/api/user-tokens', token: maker.bearer_token, payload: { name: 'inherits' } });
    expect(unscoped.json().scopes).toEqual(['datastores:read', 'tokens:write']);
    const narrower = await t.request({ method: 'POST', url: '/api/user-tokens', token: maker.bearer_token, payload: { name: 'narrower', scopes: ['datastores:read'] } });
    expect([narrower.statusCode, narrower.json().scopes]).toEqual([200, ['datastores:read']]);
  });

  it('a rotated token keeps its scopes and its allowlist', async () => {
    const t = app();
    const tok = await t.makeToken(t.adminToken, { name: `rot-${Math.random()}`, scopes: ['datastores:read'], allowed_ips: ['127.0.0.1'] });
    const rotated = (await t.request({ method: 'POST', url: `/api/user-tokens/${tok.id}/rotate`, token: t.adminToken })).json();
    expect(rotated).toMatchObject({ scopes: ['datastores:read'], allowed_ips: ['127.0.0.1/32'] });
    const res = await t.request({ method: 'GET', url: '/api/teams', token: rotated.bearer_token, remoteAddress: '127.0.0.1' });
    expect([res.statusCode, res.json().code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
    expect((await t.request({ method: 'GET', url: '/api/datastores', token: rotated.bearer_token, remoteAddress: '10.1.1.1' })).json().code).toBe('IP_NOT_ALLOWED');
  });

  it('refuses unknown scopes and an empty list, naming the field', async () => {
    const t = app();
    for (const scopes of [['datastores:admin'], []]) {
      const res = await t.request({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: `bad-${Math.random()}`, scopes } });
      expect([res.statusCode, res.json().code]).toEqual([422, 'INVALID_INPUT']);
      expect(res.json().field).toMatch(/^scopes/);
      expect(res.json().detail).toMatch(/^scopes/);
    }
  });

  it('lists, shows and introspects a token with its scopes (RFC 7662 scope: space-separated), and /api/users/me tells them', async () => {
    const t = app();
    const scoped = await t.makeToken(t.adminToken, { name: `shown-${Math.random()}`, scopes: ['teams:read', 'datastores:write'] });
    expect(scoped.scopes).toEqual(['datastores:write', 'teams:read']);
    const shown = await t.request({ method: 'GET', url: `/api/user-tokens/${scoped.id}`, token: t.adminToken });
    expect(shown.json()).toMatchObject({ scopes: ['datastores:write', 'teams:read'], allowed_ips: null });
    const introspected = await t.request({ method: 'POST', url: '/api/introspect', token: t.adminToken, payload: { token: scoped.bearer_token } });
    expect(introspected.json()).toMatchObject({ active: true, scope: 'datastores:write teams:read' });
    const unrestricted = await t.request({ method: 'POST', url: '/api/introspect', token: t.adminToken, payload: { token: t.adminToken } });
    expect(unrestricted.json().scope).toBe('api');
    // The token tells its own scopes (gatehouse whoami shows them), twice: the second answer from the cached principal.
    for (let i = 0; i < 2; i++) {
      expect((await t.request({ method: 'GET', url: '/api/users/me', token: scoped.bearer_token })).json().token.scopes).toEqual(['datastores:write', 'teams:read']);
    }
    expect((await t.request({ method: 'GET', url: '/api/users/me', token: t.adminToken })).json().token.scopes).toBeNull();
  });

  it('SCIM tokens keep their own rule and are narrowed by scopes too: users:read reads Users, not Groups, and writes nothing', async () => {
    const t = app();
    const scim = await t.makeToken(t.adminToken, { name: `scim-${Math.random()}`, scim_endpoints_only: true, scopes: ['users:read'] });
    expect((await t.request({ method: 'GET', url: '/api/scim/v2/Users', token: scim.bearer_token })).statusCode).toBe(200);
    const groups = await t.request({ method: 'GET', url: '/api/scim/v2/Groups', token: scim.bearer_token });
    expect(groups.statusCode).toBe(403);
    expect(groups.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '403' });
    // Still a SCIM token: no other route.
    const api = await t.request({ method: 'GET', url: '/api/users', token: scim.bearer_token });
    expect([api.statusCode, api.json().code]).toEqual([403, 'SCIM_TOKEN_NOT_ALLOWED']);
  });
});
