import { describe, expect, it } from 'vitest';
import { describeOnEachDatabase } from '../test-support/test-app.js';

describeOnEachDatabase('POST /api/introspect (RFC 7662)', (app) => {
  const introspect = (callerToken: string | undefined, payload: Record<string, unknown> | string, headers: Record<string, string> = {}) =>
    app().request({ method: 'POST', url: '/api/introspect', token: callerToken, payload, headers });

  /** A Manager service account and its token: the recommended caller. */
  const introspector = async () => (await app().makeUser({ type: 'Service', role: 'Manager' })).token;

  describe('happy', () => {
    it('an active token: RFC 7662 fields plus the owner from the store', async () => {
      const t = app();
      const caller = await introspector();
      const subject = await t.makeUser({ role: 'Editor', type: 'Service', name: 'Checked Robot' });
      const res = await introspect(caller, { token: subject.token });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const claims = JSON.parse(Buffer.from(subject.token.split('.')[1]!, 'base64url').toString());
      expect(res.json()).toEqual({
        active: true,
        sub: 'checked_robot@service',
        iat: claims.iat,
        jti: claims.jti,
        token_type: 'Service',
        scope: 'api',
        token_id: subject.tokenId,
        token_name: 'svc',
        user_id: 'checked_robot@service',
        uid: subject.id,
        user_type: 'Service',
        name: 'Checked Robot',
        role: 'Editor',
        teams: ['Public'],
      });
    });

    it('exp is the stored expiration, in seconds', async () => {
      const t = app();
      const tok = await t.makeToken(t.adminToken, { name: 'thirty-days', expires_in_days: 30 });
      const res = await introspect(await introspector(), { token: tok.bearer_token });
      expect(res.json()).toMatchObject({ active: true, exp: Date.parse('2026-07-01T10:00:00Z') / 1000, token_type: 'Personal', role: 'Admin' });
    });

    it('accepts the form encoding of RFC 7662 §2.1 too', async () => {
      const t = app();
      const tok = await t.makeToken(t.adminToken, { name: 'form-encoded' });
      const res = await introspect(await introspector(), `token=${encodeURIComponent(tok.bearer_token)}&token_type_hint=access_token`, {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().active).toBe(true);
    });

    it("a token with an IP allowlist: the list is answered, whatever address the asking service has (it enforces it)", async () => {
      const t = app();
      const tok = await t.makeToken(t.adminToken, { name: 'fenced', allowed_ips: ['10.0.0.0/8', '2001:db8::/32'] });
      const res = await introspect(await introspector(), { token: tok.bearer_token });
      expect(res.json()).toMatchObject({ active: true, allowed_ips: ['10.0.0.0/8', '2001:db8::/32'] });
      const open = await t.makeToken(t.adminToken, { name: 'unfenced' });
      expect((await introspect(await introspector(), { token: open.bearer_token })).json()).not.toHaveProperty('allowed_ips');
    });

    it('a SCIM token is active with scope "scim"', async () => {
      const t = app();
      const tok = await t.makeToken(t.adminToken, { name: 'scim-introspected', scim_endpoints_only: true, expires_in_days: 30 });
      expect((await introspect(await introspector(), { token: tok.bearer_token })).json()).toMatchObject({ active: true, scope: 'scim' });
    });
  });

  describe('inactive tokens answer {active: false} and nothing else', () => {
    it('revoked at once, active again after restore', async () => {
      const t = app();
      const caller = await introspector();
      const tok = await t.makeToken(t.adminToken, { name: 'to-revoke' });
      expect((await introspect(caller, { token: tok.bearer_token })).json().active).toBe(true);
      await t.request({ method: 'PUT', url: `/api/user-tokens/${tok.id}`, token: t.adminToken, payload: { revoke: true } });
      expect((await introspect(caller, { token: tok.bearer_token })).json()).toEqual({ active: false });
      await t.request({ method: 'PUT', url: `/api/user-tokens/${tok.id}`, token: t.adminToken, payload: { revoke: false } });
      expect((await introspect(caller, { token: tok.bearer_token })).json().active).toBe(true);
    });

    it('expired', async () => {
      const t = app();
      const tok = await t.makeToken(t.adminToken, { name: 'short-lived', expires_in_days: 1 });
      const caller = await introspector();
      t.clock.advance(86_400_000 + 1000);
      try {
        expect((await introspect(caller, { token: tok.bearer_token })).json()).toEqual({ active: false });
      } finally {
        t.clock.set('2026-06-01T10:00:00Z');
      }
    });

    it('rotated: the old secret is inactive, the new one active', async () => {
      const t = app();
      const caller = await introspector();
      const tok = await t.makeToken(t.adminToken, { name: 'to-rotate' });
      const rotated = await t.request({ method: 'POST', url: `/api/user-tokens/${tok.id}/rotate`, token: t.adminToken });
      expect((await introspect(caller, { token: tok.bearer_token })).json()).toEqual({ active: false });
      expect((await introspect(caller, { token: rotated.json().bearer_token })).json().active).toBe(true);
    });

    it('deactivated owner', async () => {
      const t = app();
      const caller = await introspector();
      const u = await t.makeUser({ role: 'Member' });
      await t.request({ method: 'DELETE', url: `/api/users/${u.id}`, token: t.adminToken });
      expect((await introspect(caller, { token: u.token })).json()).toEqual({ active: false });
    });

    it.each([
      ['garbage', 'not-a-token'],
      ['three segments, bad signature', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'],
      ['alg none', `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`],
    ])('%s', async (_name, token) => {
      expect((await introspect(await introspector(), { token })).json()).toEqual({ active: false });
    });
  });

  describe('security: who may introspect', () => {
    it('no credential → 401', async () => {
      const res = await introspect(undefined, { token: app().adminToken });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toContain('Bearer realm="gatehouse"');
    });

    it.each(['Member', 'Editor'] as const)('a %s token → 403, whatever the token asked about', async (role) => {
      const t = app();
      const weak = await t.makeUser({ role, type: 'Service' });
      const res = await introspect(weak.token, { token: t.adminToken });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'FORBIDDEN', detail: expect.stringContaining('Manager') });
    });

    it('a human Manager or an Admin token may', async () => {
      const t = app();
      const manager = await t.makeUser({ role: 'Manager' });
      expect((await introspect(manager.token, { token: t.adminToken })).json().active).toBe(true);
      expect((await introspect(t.adminToken, { token: manager.token })).json().active).toBe(true);
    });

    it('a browser session is refused (machine-to-machine only; no form-POST CSRF)', async () => {
      const t = app();
      const cookie = await t.login();
      const res = await t.request({ method: 'POST', url: '/api/introspect', cookie, payload: { token: t.adminToken } });
      expect(res.statusCode).toBe(403);
      expect(res.json().detail).toContain('bearer token');
    });

    it('a SCIM token cannot introspect', async () => {
      const t = app();
      const scim = await t.makeToken(t.adminToken, { name: 'scim-caller', scim_endpoints_only: true, expires_in_days: 30 });
      expect((await introspect(scim.bearer_token, { token: t.adminToken })).statusCode).toBe(403);
    });

    it('a revoked caller token → 401', async () => {
      const t = app();
      const m = await t.makeUser({ role: 'Manager', type: 'Service' });
      await t.request({ method: 'PUT', url: `/api/user-tokens/${m.tokenId}`, token: t.adminToken, payload: { revoke: true } });
      expect((await introspect(m.token, { token: t.adminToken })).statusCode).toBe(401);
    });

    it('no token field → 422 naming it', async () => {
      const res = await introspect(await introspector(), {});
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'INVALID_INPUT', field: 'token' });
    });

    it('other routes stay JSON-only: a form body elsewhere is 415', async () => {
      const t = app();
      const res = await t.request({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(res.statusCode).toBe(415);
    });
  });

  it("records usage from the address Gatehouse saw; a caller's client_ip cannot set any token's last_used_ip", async () => {
    const t = app();
    const tok = await t.makeToken(t.adminToken, { name: 'used-elsewhere' });
    await introspect(await introspector(), { token: tok.bearer_token, client_ip: '203.0.113.7' });
    await t.server.app.flushUsage();
    const one = await t.request({ method: 'GET', url: `/api/user-tokens/${tok.id}`, token: t.adminToken });
    expect(one.json()).toMatchObject({ last_used: '2026-06-01T10:00:00Z', last_used_ip: '127.0.0.1' });
  });
});
