import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, skipWithoutBuiltUi, UI_INDEX, withApp } from '../test-support/test-app.js';

/*
 * Browser security for the UI (issue 6): a strict CSP that the built UI satisfies, no framing,
 * cookies, trust-proxy and the CSRF rule of SPEC §3 (cases not in routes/auth.test.ts).
 */

const directives = (csp: string) => new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));

describe('Content-Security-Policy and framing', () => {
  withApp({}, (app) => {
    it.skipIf(skipWithoutBuiltUi)('the built UI is served with a strict CSP that it satisfies (no inline script)', async () => {
      const res = await app().request({ method: 'GET', url: '/' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      const csp = directives(String(res.headers['content-security-policy']));
      expect(csp.get('script-src')).toEqual(["'self'"]);
      expect(csp.get('default-src')).toEqual(["'self'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('base-uri')).toEqual(["'self'"]);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      // The page satisfies script-src 'self': every script is a same-origin file, no inline code or handlers.
      const html = readFileSync(UI_INDEX, 'utf8');
      expect(res.body).toBe(html);
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attrs, code] of scripts) {
        expect(attrs).toMatch(/\bsrc="\/[^/]/);
        expect(code!.trim()).toBe('');
      }
      expect(html).not.toMatch(/\son[a-z]+\s*=/i);
      expect(html).not.toMatch(/javascript:/i);
      // Deep links get the same page and the same policy.
      const deep = await app().request({ method: 'GET', url: '/settings/tokens' });
      expect(deep.headers['content-security-policy']).toBe(res.headers['content-security-policy']);
    });

    it('API answers forbid rendering and framing', async () => {
      const t = app();
      const answers = [
        await t.request({ method: 'GET', url: '/api/users/me', token: t.adminToken }),
        await t.request({ method: 'GET', url: '/api/datastores', token: t.adminToken }),
        await t.request({ method: 'GET', url: '/api/users/me' }), // refused by the authentication hook
        await t.request({ method: 'GET', url: '/api/nope' }),
      ];
      for (const res of answers) {
        const csp = directives(String(res.headers['content-security-policy']));
        expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
        expect(csp.get('default-src')).toEqual(["'none'"]);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
      }
    });

    it('the API docs page is served under a CSP too', async () => {
      const res = await app().request({ method: 'GET', url: '/api/docs/' });
      expect(["'none'", "'self'"]).toContain(directives(String(res.headers['content-security-policy'])).get('frame-ancestors')?.join(' '));
      expect(res.headers['x-frame-options']).toMatch(/^(DENY|SAMEORIGIN)$/);
    });
  });
});

describe('CSRF rule of SPEC §3 (cookie sessions)', () => {
  withApp({}, (app) => {
    it.each([['PUT', '/api/user-tokens/999999'], ['POST', '/api/user-tokens'], ['DELETE', '/api/user-tokens/999999'], ['POST', '/api/auth/logout']])('cross-origin %s %s with the cookie is refused; look-alike and "null" origins too', async (method, url) => {
      const t = app();
      const cookie = await t.login();
      for (const origin of ['https://evil.example', 'null', 'http://localhost:80.evil.example', 'http://localhost', 'https://localhost:80']) {
        const res = await t.request({ method: method as 'PUT', url, cookie, payload: { revoke: true, name: 'csrf' }, headers: { origin, host: 'localhost:80' } });
        if (url === '/api/auth/logout') continue; // public route: see below
        expect(res.statusCode, origin).toBe(403);
        expect(res.json().code).toBe('CSRF_REJECTED');
      }
    });

    it('a bearer token is not a CSRF risk (browsers never add it): cross-origin requests with a token work', async () => {
      const t = app();
      const res = await t.request({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: 'from-another-origin' }, headers: { origin: 'https://ci.example' } });
      expect(res.statusCode).toBe(200);
    });

    it('logout clears the cookie (HttpOnly, SameSite=Strict, expired)', async () => {
      const t = app();
      const cookie = await t.login();
      const res = await t.request({ method: 'POST', url: '/api/auth/logout', cookie });
      expect(String(res.headers['set-cookie'])).toMatch(/^gatehouse_session=;.*Expires=Thu, 01 Jan 1970/);
    });
  });

  withApp({ GATEHOUSE_PUBLIC_URL: 'https://gatehouse.example.com' }, (app) => {
    it('with GATEHOUSE_PUBLIC_URL, only that origin is the server\'s own', async () => {
      const t = app();
      const cookie = await t.login();
      const post = (origin: string) => t.request({ method: 'POST', url: '/api/user-tokens', cookie, payload: { name: `o-${Math.random()}` }, headers: { origin, host: 'gatehouse.example.com' } });
      expect((await post('https://gatehouse.example.com')).statusCode).toBe(200);
      expect((await post('http://gatehouse.example.com')).statusCode).toBe(403);
    });
  });
});

describe('trust proxy', () => {
  withApp({ GATEHOUSE_LIMIT_LOGIN_IP: '3/1m' }, (app) => {
    it('without GATEHOUSE_TRUST_PROXY, X-Forwarded-* are ignored: no Secure spoofing, no escaping the per-IP limit', async () => {
      const t = app();
      const first = await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '1.1.1.1' }, remoteAddress: '10.9.9.9' });
      expect(first.statusCode).toBe(200);
      expect(String(first.headers['set-cookie'])).not.toContain('Secure');
      for (let i = 0; i < 2; i++) await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: 'x@example.com', password: 'wrong-password' }, headers: { 'x-forwarded-for': `2.2.2.${i}` }, remoteAddress: '10.9.9.9' });
      const res = await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: 'x@example.com', password: 'wrong-password' }, headers: { 'x-forwarded-for': '3.3.3.3' }, remoteAddress: '10.9.9.9' });
      expect(res.statusCode).toBe(429);
    });
  });

  withApp({ GATEHOUSE_TRUST_PROXY: 'true', GATEHOUSE_LIMIT_LOGIN_IP: '3/1m' }, (app) => {
    it('with GATEHOUSE_TRUST_PROXY, the client address comes from the proxy (limits are per real client)', async () => {
      const t = app();
      for (let i = 0; i < 3; i++) await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: 'x@example.com', password: 'wrong-password' }, headers: { 'x-forwarded-for': '4.4.4.4' }, remoteAddress: '10.0.0.1' });
      expect((await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: 'x@example.com', password: 'wrong-password' }, headers: { 'x-forwarded-for': '4.4.4.4' }, remoteAddress: '10.0.0.1' })).statusCode).toBe(429);
      expect((await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, headers: { 'x-forwarded-for': '5.5.5.5', 'x-forwarded-proto': 'https' }, remoteAddress: '10.0.0.1' })).headers['set-cookie']).toMatch(/Secure/);
    });
  });
});
