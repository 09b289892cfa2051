import { describe, expect, it } from 'vitest';
import { describeOnEachDatabase, type TestApp } from '../test-support/test-app.js';
import { parseLoopbackRedirect } from './cli-authorize.js';

const ORIGIN = 'http://localhost:80';

describe('parseLoopbackRedirect', () => {
  it.each([
    'http://127.0.0.1:53682/callback',
    'http://localhost:8080/',
    'http://localhost:8080/cb?x=1',
  ])('accepts %s', (uri) => {
    expect(parseLoopbackRedirect(uri)?.toString()).toBe(uri);
  });

  it.each([
    ['another host', 'http://evil.example:8080/cb'],
    ['https', 'https://127.0.0.1:8080/cb'],
    ['no port', 'http://127.0.0.1/cb'],
    ['port 80 (dropped by the parser)', 'http://127.0.0.1:80/cb'],
    ['userinfo trick', 'http://localhost:1234@evil.example/cb'],
    ['credentials', 'http://user:pw@127.0.0.1:8080/cb'],
    ['a look-alike host', 'http://127.0.0.1.evil.example:8080/cb'],
    ['localhost subdomain', 'http://a.localhost:8080/cb'],
    ['IPv6 loopback (not in the spec)', 'http://[::1]:8080/cb'],
    ['javascript', 'javascript:alert(1)'],
    ['relative', '/callback'],
    ['empty', ''],
    ['missing', undefined],
  ])('refuses %s', (_name, uri) => {
    expect(parseLoopbackRedirect(uri)).toBeUndefined();
  });
});

describeOnEachDatabase('CLI browser login (GET/POST /api/cli/authorize)', (app) => {
  const authorizeUrl = (params: Record<string, string>) => `/api/cli/authorize?${new URLSearchParams(params).toString()}`;
  const good = { redirect_uri: 'http://127.0.0.1:53682/callback', state: 'st-123', hostname: 'build-box' };

  const countTokens = async (t: TestApp) => (await t.request({ method: 'GET', url: '/api/user-tokens', token: t.adminToken })).json().length as number;

  /** GET the page as a logged-in user, returning the form fields as the browser would post them. */
  const openPage = async (t: TestApp, cookie: string, params: Record<string, string> = good) => {
    const res = await t.request({ method: 'GET', url: authorizeUrl(params), cookie });
    expect(res.statusCode).toBe(200);
    const fields: Record<string, string> = {};
    for (const m of res.body.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)) {
      fields[m[1]!] = m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
    }
    return { res, fields };
  };

  const submit = (t: TestApp, cookie: string | undefined, form: Record<string, string>, origin: string | null = ORIGIN) =>
    t.request({
      method: 'POST',
      url: '/api/cli/authorize',
      ...(cookie ? { cookie } : {}),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(origin !== null ? { origin } : {}) },
      payload: new URLSearchParams(form).toString(),
    });

  describe('happy', () => {
    it('shows which machine asks, then approving creates a 30-day Personal token named after the hostname and redirects with token and state', async () => {
      const t = app();
      const cookie = await t.login();
      const { res, fields } = await openPage(t, cookie);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain('build-box');
      expect(res.body).toContain('admin@example.com');
      expect(res.body).not.toMatch(/<script/i);
      expect(res.headers['content-security-policy']).toContain("form-action 'self' http://127.0.0.1:53682");
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      // Else Chromium sends "Origin: null" with the form POST (regression found by the e2e test).
      expect(res.headers['referrer-policy']).toBe('same-origin');
      expect(res.body).toMatch(/<option value="30" selected>30 days<\/option>/);

      const post = await submit(t, cookie, { ...fields, expires_in_days: '30', decision: 'approve' });
      expect(post.statusCode).toBe(303);
      const location = new URL(String(post.headers.location));
      expect(`${location.origin}${location.pathname}`).toBe('http://127.0.0.1:53682/callback');
      expect(location.searchParams.get('state')).toBe('st-123');
      const token = location.searchParams.get('token')!;
      // The Qualytics CLI decodes the JWT without verifying and reads exp.
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
      expect(claims.exp).toBe(Date.parse('2026-07-01T10:00:00Z') / 1000);
      expect(claims.token_type).toBe('Personal');
      const me = await t.request({ method: 'GET', url: '/api/users/me', token });
      expect(me.statusCode).toBe(200);
      expect(me.json().token).toMatchObject({ name: 'build-box', type: 'Personal', expiration: '2026-07-01T10:00:00Z' });
    });

    it('a second login from the same machine gets "hostname (2)"; the lifetime chosen in the page is used', async () => {
      const t = app();
      const cookie = await t.login();
      const params = { ...good, hostname: 'twice-box' };
      for (const [days, name] of [['30', 'twice-box'], ['365', 'twice-box (2)']] as const) {
        const { fields } = await openPage(t, cookie, params);
        const post = await submit(t, cookie, { ...fields, expires_in_days: days, decision: 'approve' });
        const token = new URL(String(post.headers.location)).searchParams.get('token')!;
        const me = (await t.request({ method: 'GET', url: '/api/users/me', token })).json();
        expect(me.token.name).toBe(name);
      }
    });

    it('"Never" is offered when policy allows and creates a token without exp', async () => {
      const t = app();
      const cookie = await t.login();
      const { res, fields } = await openPage(t, cookie, { ...good, hostname: 'forever-box' });
      expect(res.body).toContain('<option value="never">Never</option>');
      const post = await submit(t, cookie, { ...fields, expires_in_days: 'never', decision: 'approve' });
      const token = new URL(String(post.headers.location)).searchParams.get('token')!;
      expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp).toBeUndefined();
    });

    it('deny → redirect with error=access_denied and state, no token', async () => {
      const t = app();
      const cookie = await t.login();
      const before = await countTokens(t);
      const { fields } = await openPage(t, cookie);
      const post = await submit(t, cookie, { ...fields, decision: 'deny' });
      expect(post.statusCode).toBe(303);
      const location = new URL(String(post.headers.location));
      expect(location.searchParams.get('error')).toBe('access_denied');
      expect(location.searchParams.get('state')).toBe('st-123');
      expect(location.searchParams.get('token')).toBeNull();
      expect(await countTokens(t)).toBe(before);
    });
  });

  describe('refusals', () => {
    it('not logged in → the UI login page, coming back here afterwards', async () => {
      const t = app();
      const res = await t.request({ method: 'GET', url: authorizeUrl(good) });
      expect(res.statusCode).toBe(302);
      const location = new URL(String(res.headers.location), 'http://x');
      expect(location.pathname).toBe('/login');
      const next = location.searchParams.get('next')!;
      expect(next.startsWith('/api/cli/authorize?')).toBe(true);
      expect(Object.fromEntries(new URLSearchParams(next.split('?')[1]))).toEqual(good);
    });

    it.each([
      ['a remote host', 'http://evil.example:8080/cb'],
      ['https', 'https://127.0.0.1:8080/cb'],
      ['no port', 'http://localhost/cb'],
      ['userinfo trick', 'http://localhost:1234@evil.example/cb'],
    ])('redirect_uri on %s → a clear page, no redirect, no token', async (_name, redirect_uri) => {
      const t = app();
      const cookie = await t.login();
      const before = await countTokens(t);
      const res = await t.request({ method: 'GET', url: authorizeUrl({ ...good, redirect_uri }), cookie });
      expect(res.statusCode).toBe(400);
      expect(res.headers.location).toBeUndefined();
      expect(res.body).toContain('not on this computer');
      expect(res.body).toContain('No token was created');
      // …and posting the form directly with that URI is refused the same way.
      const { fields } = await openPage(t, cookie);
      const post = await submit(t, cookie, { ...fields, redirect_uri, decision: 'approve' });
      expect(post.statusCode).toBe(400);
      expect(post.headers.location).toBeUndefined();
      expect(await countTokens(t)).toBe(before);
    });

    it('missing state or hostname → back to the CLI with error=invalid_request', async () => {
      const t = app();
      const cookie = await t.login();
      const noState = await t.request({ method: 'GET', url: authorizeUrl({ redirect_uri: good.redirect_uri, hostname: 'h' }), cookie });
      expect(noState.statusCode).toBe(303);
      expect(new URL(String(noState.headers.location)).searchParams.get('error')).toBe('invalid_request');
      const noHost = await t.request({ method: 'GET', url: authorizeUrl({ redirect_uri: good.redirect_uri, state: 's' }), cookie });
      const loc = new URL(String(noHost.headers.location));
      expect(loc.searchParams.get('error')).toBe('invalid_request');
      expect(loc.searchParams.get('state')).toBe('s');
    });

    it('hostnames are escaped in the page', async () => {
      const t = app();
      const cookie = await t.login();
      const res = await t.request({ method: 'GET', url: authorizeUrl({ ...good, hostname: '<img src=x onerror=alert(1)>' }), cookie });
      expect(res.body).not.toContain('<img');
      expect(res.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    });
  });

  describe('security: CSRF and sessions on the confirmation POST', () => {
    it('without a session → 401 page, no token', async () => {
      const t = app();
      const cookie = await t.login();
      const { fields } = await openPage(t, cookie);
      const post = await submit(t, undefined, { ...fields, decision: 'approve' });
      expect(post.statusCode).toBe(401);
      expect(post.headers.location).toBeUndefined();
    });

    it.each([
      ['another origin', 'http://evil.example'],
      ['no Origin header', null],
      ['the opaque origin "null"', 'null'],
    ])('from %s → 403, no token', async (_name, origin) => {
      const t = app();
      const cookie = await t.login();
      const before = await countTokens(t);
      const { fields } = await openPage(t, cookie);
      const post = await submit(t, cookie, { ...fields, decision: 'approve' }, origin);
      expect(post.statusCode).toBe(403);
      expect(post.headers.location).toBeUndefined();
      expect(await countTokens(t)).toBe(before);
    });

    it('a nonce of another session → 403 (same origin is not enough)', async () => {
      const t = app();
      const mine = await t.login();
      const other = await t.login();
      const { fields } = await openPage(t, other);
      const post = await submit(t, mine, { ...fields, decision: 'approve' });
      expect(post.statusCode).toBe(403);
      const noNonce = await submit(t, mine, { ...fields, csrf: '', decision: 'approve' });
      expect(noNonce.statusCode).toBe(403);
    });

    it('a bearer token cannot use the browser flow', async () => {
      const t = app();
      const res = await t.request({ method: 'GET', url: authorizeUrl(good), token: t.adminToken });
      expect(res.statusCode).toBe(302); // to the login page: only a browser session approves
    });
  });
});

describeOnEachDatabase('CLI browser login under a 60-day policy', (app) => {
  it('offers 30 and 60 days only, and refuses a forged longer lifetime with error and state', async () => {
    const t = app();
    const cookie = await t.login();
    const res = await t.request({ method: 'GET', url: '/api/cli/authorize?redirect_uri=http://localhost:9999/cb&state=s1&hostname=policy-box', cookie });
    const options = [...res.body.matchAll(/<option value="(\w+)"/g)].map((m) => m[1]);
    expect(options).toEqual(['30', '60']);
    const csrf = /name="csrf" value="([^"]+)"/.exec(res.body)![1]!;
    const post = await t.request({
      method: 'POST', url: '/api/cli/authorize', cookie,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      payload: new URLSearchParams({ redirect_uri: 'http://localhost:9999/cb', state: 's1', hostname: 'policy-box', csrf, expires_in_days: '365', decision: 'approve' }).toString(),
    });
    const location = new URL(String(post.headers.location));
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('s1');
    expect(location.searchParams.get('token')).toBeNull();
  });
}, { GATEHOUSE_MAX_TOKEN_DAYS: '60' });
