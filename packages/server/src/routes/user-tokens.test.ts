import { describe, expect, it } from 'vitest';
import { describeOnEachDatabase } from '../test-support/test-app.js';

const decode = (jwt: string) => jwt.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));

describeOnEachDatabase('user tokens', (app) => {
  describe('happy', () => {
    it('creates a service token exactly as the seed shows, and the token works', async () => {
      const t = app();
      const sa = await t.request({ method: 'POST', url: '/api/users', token: t.adminToken, payload: { name: 'Seed Robot', role: 'Editor', teams: [] } });
      const res = await t.request({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: 'api-production', user_id: sa.json().id, expires_in_days: 365 } });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({
        name: 'api-production',
        active: true,
        expiration: '2027-06-01T10:00:00Z',
        user: { id: sa.json().id, user_id: 'seed_robot@service', name: 'Seed Robot', user_type: 'Service' },
        type: 'Service',
        scim_endpoints_only: false,
        last_used: null,
      });
      expect(Number.isInteger(body.id)).toBe(true);
      expect(body.bearer_token).toMatch(/^eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVC/);
      const [header, claims] = decode(body.bearer_token);
      expect(header).toEqual({ alg: 'HS256', typ: 'JWT', kid: expect.any(String) });
      expect(claims).toMatchObject({ sub: 'seed_robot@service', uid: sa.json().id, token_type: 'Service', exp: Date.parse('2027-06-01T10:00:00Z') / 1000 });
      expect(Buffer.from(claims.jti, 'base64url').length).toBeGreaterThanOrEqual(16);
      const ds = await t.request({ method: 'GET', url: '/api/datastores', token: body.bearer_token, headers: { 'content-type': 'application/json' } });
      expect(ds.statusCode).toBe(200);
      expect(ds.json()).toMatchObject({ items: expect.any(Array), total: expect.any(Number), page: 1, size: 50 });
    });

    it('a human creates a Personal token for themself, without exp for Never', async () => {
      const t = app();
      const m = await t.makeUser({ role: 'Member' });
      const res = await t.request({ method: 'POST', url: '/api/user-tokens', token: m.token, payload: { name: 'laptop' } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ type: 'Personal', expiration: null, user: { id: m.id, user_type: 'Human' } });
      expect(decode(res.json().bearer_token)[1].exp).toBeUndefined();
      const own = await t.request({ method: 'GET', url: '/api/user-tokens', token: m.token });
      expect(Array.isArray(own.json())).toBe(true);
      expect(own.json().map((x: { name: string }) => x.name).sort()).toEqual(['laptop', 'mine']);
      expect(JSON.stringify(own.json())).not.toContain('bearer_token');
    });

    it('the secret is shown once: never in GET responses', async () => {
      const t = app();
      const created = await t.makeToken(t.adminToken, { name: 'once' });
      const one = await t.request({ method: 'GET', url: `/api/user-tokens/${created.id}`, token: t.adminToken });
      expect(one.statusCode).toBe(200);
      expect(one.json().bearer_token).toBeUndefined();
      expect(one.body).not.toContain(created.bearer_token.split('.')[2]);
    });

    it('revoke → 401 at once, restore → works again, delete (revoked only) → 204, then gone', async () => {
      const t = app();
      const tok = await t.makeToken(t.adminToken, { name: 'lifecycle' });
      const call = () => t.request({ method: 'GET', url: '/api/users/me', token: tok.bearer_token });
      expect((await call()).statusCode).toBe(200);

      const revoked = await t.request({ method: 'PUT', url: `/api/user-tokens/${tok.id}`, token: t.adminToken, payload: { revoke: true } });
      expect(revoked.json()).toMatchObject({ active: false, revoked_at: '2026-06-01T10:00:00Z' });
      const refused = await call();
      expect(refused.statusCode).toBe(401);
      expect(refused.json()).toMatchObject({ code: 'INVALID_TOKEN', detail: 'The token has been revoked' });
      expect(refused.headers['www-authenticate']).toContain('error="invalid_token"');

      const restored = await t.request({ method: 'PUT', url: `/api/user-tokens/${tok.id}`, token: t.adminToken, payload: { revoke: false } });
      expect(restored.json()).toMatchObject({ active: true, revoked_at: null });
      expect((await call()).statusCode).toBe(200);

      const activeDelete = await t.request({ method: 'DELETE', url: `/api/user-tokens/${tok.id}`, token: t.adminToken });
      expect(activeDelete.statusCode).toBe(409);
      expect(activeDelete.json()).toMatchObject({ code: 'TOKEN_ACTIVE', detail: expect.stringContaining('revoke it first') });

      await t.request({ method: 'PUT', url: `/api/user-tokens/${tok.id}`, token: t.adminToken, payload: { revoke: true } });
      const deleted = await t.request({ method: 'DELETE', url: `/api/user-tokens/${tok.id}`, token: t.adminToken, headers: { 'content-type': 'application/json' } });
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');
      expect((await t.request({ method: 'GET', url: `/api/user-tokens/${tok.id}`, token: t.adminToken })).statusCode).toBe(404);
      expect((await call()).statusCode).toBe(401);
    });

    it('last_used goes from null to a time after use, written behind', async () => {
      const t = app();
      const tok = await t.makeToken(t.adminToken, { name: 'usage' });
      const before = await t.request({ method: 'GET', url: `/api/user-tokens/${tok.id}`, token: t.adminToken });
      expect(before.json().last_used).toBeNull();
      t.clock.advance(60_000);
      await t.request({ method: 'GET', url: '/api/datastores', token: tok.bearer_token, remoteAddress: '10.1.2.3' });
      t.clock.advance(-60_000);
      await t.server.app.flushUsage();
      const after = await t.request({ method: 'GET', url: `/api/user-tokens/${tok.id}`, token: t.adminToken });
      expect(after.json()).toMatchObject({ last_used: '2026-06-01T10:01:00Z', last_used_ip: '10.1.2.3' });
    });

    it('rotates: a new secret works, the old one stops at once', async () => {
      const t = app();
      const tok = await t.makeToken(t.adminToken, { name: 'rotate-me', expires_in_days: 30 });
      const res = await t.request({ method: 'POST', url: `/api/user-tokens/${tok.id}/rotate`, token: t.adminToken });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: tok.id, name: 'rotate-me', expiration: '2026-07-01T10:00:00Z' });
      expect(res.json().bearer_token).not.toBe(tok.bearer_token);
      expect((await t.request({ method: 'GET', url: '/api/users/me', token: tok.bearer_token })).statusCode).toBe(401);
      expect((await t.request({ method: 'GET', url: '/api/users/me', token: res.json().bearer_token })).statusCode).toBe(200);
    });

    it('renames a token; lists service tokens with a user filter', async () => {
      const t = app();
      const sa = await t.makeUser({ type: 'Service' });
      const renamed = await t.request({ method: 'PUT', url: `/api/user-tokens/${sa.tokenId}`, token: t.adminToken, payload: { name: 'renamed' } });
      expect(renamed.json().name).toBe('renamed');
      const list = await t.request({ method: 'GET', url: `/api/user-tokens/service?user_id=${sa.id}`, token: t.adminToken });
      expect(list.json().map((x: { name: string }) => x.name)).toEqual(['renamed']);
    });
  });

  describe('errors', () => {
    it('duplicate names per user are 409 naming the field; the same name for another user is fine', async () => {
      const t = app();
      await t.makeToken(t.adminToken, { name: 'dup' });
      const again = await t.request({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: 'dup' } });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ code: 'NAME_TAKEN', field: 'name', detail: 'A token with this name already exists for this user' });
      const m = await t.makeUser();
      expect((await t.request({ method: 'POST', url: '/api/user-tokens', token: m.token, payload: { name: 'dup' } })).statusCode).toBe(200);
    });

    it('two simultaneous creations of one name: exactly one 200, the other 409', async () => {
      const t = app();
      const post = () => t.request({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: 'race' } });
      const codes = (await Promise.all([post(), post()])).map((r) => r.statusCode).sort();
      expect(codes).toEqual([200, 409]);
    });

    it.each([
      [{}, 'name', 'is required'],
      [{ name: '' }, 'name', 'must NOT have fewer than 1 characters'],
      [{ name: 'x'.repeat(101) }, 'name', 'must NOT have more than 100 characters'],
      [{ name: '   ' }, 'name', 'must not be empty'],
      [{ name: 'a', expires_in_days: 0 }, 'expires_in_days', 'must be >= 1'],
      [{ name: 'a', expires_in_days: 3651 }, 'expires_in_days', 'must be <= 3650'],
      [{ name: 'a', expires_in_days: '365' }, 'expires_in_days', 'must be integer'],
      [{ name: 'a', expires_in_days: 1.5 }, 'expires_in_days', 'must be integer'],
      [{ name: 'a', scim_endpoints_only: 'yes' }, 'scim_endpoints_only', 'must be boolean'],
      [{ name: 42 }, 'name', 'must be string'],
    ])('invalid body %j → 422 on %s', async (payload, field, message) => {
      const res = await app().request({ method: 'POST', url: '/api/user-tokens', token: app().adminToken, payload });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'INVALID_INPUT', field, detail: `${field}: ${message}`, request_id: expect.any(String) });
    });

    it('malformed JSON → 422, never 500', async () => {
      const res = await app().request({ method: 'POST', url: '/api/user-tokens', token: app().adminToken, payload: '{"name":', headers: { 'content-type': 'application/json' } });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'INVALID_INPUT', detail: 'body: is not valid JSON' });
    });

    it('unknown token id → 404; unknown user_id → 404', async () => {
      const t = app();
      expect((await t.request({ method: 'PUT', url: '/api/user-tokens/999999', token: t.adminToken, payload: { revoke: true } })).statusCode).toBe(404);
      expect((await t.request({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: 'x', user_id: 999999 } })).statusCode).toBe(404);
    });

    it('PUT without revoke or name → 422', async () => {
      const t = app();
      const tok = await t.makeToken(t.adminToken, { name: 'empty-put' });
      const res = await t.request({ method: 'PUT', url: `/api/user-tokens/${tok.id}`, token: t.adminToken, payload: {} });
      expect(res.statusCode).toBe(422);
    });
  });

  describe('security', () => {
    it('a token for another human is 403, even for an Admin', async () => {
      const t = app();
      const m = await t.makeUser();
      const res = await t.request({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: 'x', user_id: m.id } });
      expect(res.statusCode).toBe(403);
    });

    it('non-admins cannot create service tokens, SCIM tokens, or list service tokens', async () => {
      const t = app();
      const sa = await t.makeUser({ type: 'Service' });
      const mgr = await t.makeUser({ role: 'Manager' });
      expect((await t.request({ method: 'POST', url: '/api/user-tokens', token: mgr.token, payload: { name: 'x', user_id: sa.id } })).statusCode).toBe(403);
      expect((await t.request({ method: 'POST', url: '/api/user-tokens', token: mgr.token, payload: { name: 'x', scim_endpoints_only: true } })).statusCode).toBe(403);
      expect((await t.request({ method: 'GET', url: '/api/user-tokens/service', token: mgr.token })).statusCode).toBe(403);
    });

    it("a member cannot see, revoke or delete another user's token (404, no existence leak)", async () => {
      const t = app();
      const a = await t.makeUser();
      const b = await t.makeUser();
      for (const [method, payload] of [['GET', undefined], ['PUT', { revoke: true }], ['DELETE', undefined]] as const) {
        const res = await t.request({ method, url: `/api/user-tokens/${b.tokenId}`, token: a.token, ...(payload ? { payload } : {}) });
        expect(res.statusCode).toBe(404);
      }
      expect((await t.request({ method: 'GET', url: '/api/users/me', token: b.token })).statusCode).toBe(200);
    });

    it('an Admin creates a SCIM token only for an Admin owner', async () => {
      const t = app();
      const editorSa = await t.makeUser({ type: 'Service', role: 'Editor' });
      const bad = await t.request({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: 's', user_id: editorSa.id, scim_endpoints_only: true } });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().field).toBe('scim_endpoints_only');
      const ok = await t.request({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: 'scim', scim_endpoints_only: true } });
      expect(ok.statusCode).toBe(200);
      expect(decode(ok.json().bearer_token)[1].scim).toBe(true);
    });
  });
});

describeOnEachDatabase('token lifetime policy', (app) => {
  it('GATEHOUSE_MAX_TOKEN_DAYS refuses "Never" and longer lifetimes, accepts shorter ones', async () => {
    const t = app();
    const never = await t.request({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: 'never', expires_in_days: null } });
    expect(never.statusCode).toBe(422);
    expect(never.json()).toMatchObject({ field: 'expires_in_days', detail: 'expires_in_days: tokens must expire within 90 days by policy (GATEHOUSE_MAX_TOKEN_DAYS)' });
    const long = await t.request({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: 'long', expires_in_days: 91 } });
    expect(long.statusCode).toBe(422);
    const ok = await t.request({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: 'ok', expires_in_days: 90 } });
    expect(ok.statusCode).toBe(200);
  });
}, { GATEHOUSE_MAX_TOKEN_DAYS: '90' });
