import { describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, describeOnEachDatabase } from '../test-support/test-app.js';

describeOnEachDatabase('login, sessions and CSRF', (app) => {
  describe('happy', () => {
    it('logs in with an HttpOnly SameSite=Strict cookie that authenticates the API; logout ends it', async () => {
      const t = app();
      const res = await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: 'ADMIN@example.com', password: ADMIN_PASSWORD } });
      expect(res.statusCode).toBe(200);
      expect(res.json().user).toMatchObject({ user_id: ADMIN_EMAIL, role: 'Admin', last_login: '2026-06-01T10:00:00Z' });
      const setCookie = String(res.headers['set-cookie']);
      expect(setCookie).toMatch(/^gatehouse_session=[\w-]{40,};/);
      expect(setCookie).toContain('HttpOnly');
      expect(setCookie).toContain('SameSite=Strict');
      expect(setCookie).not.toContain('Secure'); // plain HTTP here; Secure behind HTTPS (see next test)
      const cookie = setCookie.split(';')[0]!;
      expect((await t.request({ method: 'GET', url: '/api/users/me', cookie })).json()).toMatchObject({ user_id: ADMIN_EMAIL, token: null });
      expect((await t.request({ method: 'POST', url: '/api/auth/logout', cookie })).statusCode).toBe(204);
      expect((await t.request({ method: 'GET', url: '/api/users/me', cookie })).statusCode).toBe(401);
    });

    it('scripts without an Origin header may use the cookie for unsafe requests', async () => {
      const t = app();
      const cookie = await t.login();
      const res = await t.request({ method: 'POST', url: '/api/user-tokens', cookie, payload: { name: 'from-script' } });
      expect(res.statusCode).toBe(200);
    });

    it('the same-origin browser request is accepted', async () => {
      const t = app();
      const cookie = await t.login();
      const res = await t.request({ method: 'POST', url: '/api/user-tokens', cookie, payload: { name: 'same-origin' }, headers: { origin: 'http://localhost:80', host: 'localhost:80' } });
      expect(res.statusCode).toBe(200);
    });
  });

  describe('errors and security', () => {
    it('wrong password, unknown user and service account get the same 401', async () => {
      const t = app();
      const sa = await t.makeUser({ type: 'Service' });
      const bodies = [];
      for (const payload of [{ email: ADMIN_EMAIL, password: 'wrong-password-123' }, { email: 'nobody@example.com', password: 'whatever-123456' }, { email: sa.userId, password: 'whatever-123456' }]) {
        const res = await t.request({ method: 'POST', url: '/api/auth/login', payload });
        expect(res.statusCode).toBe(401);
        expect(res.headers['set-cookie']).toBeUndefined();
        bodies.push({ ...res.json(), request_id: undefined });
      }
      expect(bodies[0]).toEqual({ detail: 'Invalid e-mail or password', code: 'INVALID_CREDENTIALS', request_id: undefined });
      expect(bodies[1]).toEqual(bodies[0]);
      expect(bodies[2]).toEqual(bodies[0]);
    });

    it('a deactivated user cannot log in, and their sessions end', async () => {
      const t = app();
      await t.request({ method: 'POST', url: '/api/users', token: t.adminToken, payload: { user_type: 'Human', email: 'leaver@example.com', name: 'Leaver', role: 'Member', password: 'leaver-password-1' } });
      const cookie = await t.login('leaver@example.com', 'leaver-password-1');
      const id = (await t.request({ method: 'GET', url: '/api/users/me', cookie })).json().id;
      await t.request({ method: 'PUT', url: `/api/users/${id}`, token: t.adminToken, payload: { active: false } });
      expect((await t.request({ method: 'GET', url: '/api/users/me', cookie })).statusCode).toBe(401);
      expect((await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: 'leaver@example.com', password: 'leaver-password-1' } })).statusCode).toBe(401);
    });

    it('a cross-origin unsafe request with the cookie is refused (403), a safe one is not', async () => {
      const t = app();
      const cookie = await t.login();
      const evil = { origin: 'https://evil.example', host: 'localhost:80' };
      const post = await t.request({ method: 'POST', url: '/api/user-tokens', cookie, payload: { name: 'csrf' }, headers: evil });
      expect(post.statusCode).toBe(403);
      expect(post.json().code).toBe('CSRF_REJECTED');
      const del = await t.request({ method: 'DELETE', url: '/api/users/1', cookie, headers: evil });
      expect(del.statusCode).toBe(403);
      expect((await t.request({ method: 'GET', url: '/api/users/me', cookie, headers: evil })).statusCode).toBe(200);
      const names = (await t.request({ method: 'GET', url: '/api/user-tokens', cookie })).json().map((x: { name: string }) => x.name);
      expect(names).not.toContain('csrf');
    });

    it('form-encoded and text/plain bodies are refused (JSON only)', async () => {
      const t = app();
      const cookie = await t.login();
      for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
        const res = await t.request({ method: 'POST', url: '/api/user-tokens', cookie, payload: 'name=x', headers: { 'content-type': type } });
        expect(res.statusCode).toBe(415);
      }
    });

    it('a forged or unknown session cookie is 401', async () => {
      const res = await app().request({ method: 'GET', url: '/api/users/me', cookie: 'gatehouse_session=forged-value' });
      expect(res.statusCode).toBe(401);
    });

    it('setup is closed once an Admin exists', async () => {
      const t = app();
      expect((await t.request({ method: 'GET', url: '/api/auth/setup' })).json()).toEqual({ setup_required: false });
      const res = await t.request({ method: 'POST', url: '/api/auth/setup', payload: { setup_token: 'guess', email: 'x@example.com', name: 'X', password: 'a-long-enough-password' } });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('SETUP_UNAVAILABLE');
    });
  });
});

describeOnEachDatabase('cookies behind an HTTPS proxy', (app) => {
  it('marks the session cookie Secure when the proxy says HTTPS', async () => {
    const res = await app().request({ method: 'POST', url: '/api/auth/login', payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, headers: { 'x-forwarded-proto': 'https' } });
    expect(String(res.headers['set-cookie'])).toContain('Secure');
  });
}, { GATEHOUSE_TRUST_PROXY: 'true' });
