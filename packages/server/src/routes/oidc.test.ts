import { afterAll, describe, expect, it } from 'vitest';
import { startTestIdp } from '../test-support/oidc-provider.js';
import { describeOnEachDatabase, withApp, type TestApp } from '../test-support/test-app.js';
import { scimClient, USER } from '../scim/test-support/scim-client.js';

/*
 * Single sign-on (SPEC §8) against a real OpenID provider (oidc-provider on a loopback port):
 * the app's own /api/auth/oidc/login, the provider's sign-in page, and the app's callback, with
 * PKCE, state and nonce checked by openid-client. On both databases.
 */

const PUBLIC_URL = 'http://gatehouse.test';
const idp = await startTestIdp();
idp.setRedirectUri(`${PUBLIC_URL}/api/auth/oidc/callback`);
afterAll(() => idp.close());

const SSO_ENV = {
  GATEHOUSE_PUBLIC_URL: PUBLIC_URL,
  GATEHOUSE_OIDC_ISSUER: idp.issuer,
  GATEHOUSE_OIDC_CLIENT_ID: idp.clientId,
  GATEHOUSE_OIDC_CLIENT_SECRET: idp.clientSecret,
  GATEHOUSE_OIDC_NAME: 'Test IdP',
};

let subjects = 0;
/** A new account at the provider. */
function account(claims: { email?: string; email_verified?: boolean; name?: string }): string {
  const sub = `sub-${++subjects}-${Math.random().toString(36).slice(2, 8)}`;
  idp.accounts.set(sub, claims);
  return sub;
}

interface Outcome {
  status: number;
  location: string | undefined;
  /** The session cookie (`name=value`), when one was set. */
  session: string | undefined;
  setCookies: string[];
  body: string;
}

/** Login → provider (signed in as `subject`) → callback, as a browser would; `tamper` may change the callback URL. */
async function signIn(t: TestApp, subject: string, opts: { next?: string; tamper?: (u: URL) => void; dropFlowCookie?: boolean; tamperCookie?: (c: string) => string } = {}): Promise<Outcome> {
  const start = await t.request({ method: 'GET', url: `/api/auth/oidc/login${opts.next ? `?next=${encodeURIComponent(opts.next)}` : ''}` });
  expect(start.statusCode, start.body).toBe(302);
  const issued = String(start.headers['set-cookie']).split(';')[0]!;
  const flowCookie = opts.tamperCookie ? opts.tamperCookie(issued) : issued;
  const callback = await idp.signIn(String(start.headers.location), subject);
  expect(callback.origin).toBe(PUBLIC_URL);
  opts.tamper?.(callback);
  const res = await t.request({ method: 'GET', url: callback.pathname + callback.search, ...(opts.dropFlowCookie ? {} : { cookie: flowCookie }) });
  const setCookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const session = setCookies.find((c) => c.startsWith('gatehouse_session='))?.split(';')[0];
  return { status: res.statusCode, location: res.headers.location as string | undefined, session, setCookies, body: res.body };
}

const ssoError = (o: Outcome) => new URL(o.location ?? '/', PUBLIC_URL).searchParams.get('sso_error');

async function auditOf(t: TestApp, action: string) {
  const res = await t.request({ method: 'GET', url: `/api/audit-events?action=${action}&limit=5`, token: t.adminToken });
  return res.json().items as Array<{ outcome: string; details: Record<string, unknown>; target_id: string | null }>;
}

describeOnEachDatabase('single sign-on through a real OpenID provider', (app) => {
  it('the login page learns the button label and the password mode', async () => {
    const res = await app().request({ method: 'GET', url: '/api/auth/config' });
    expect(res.json()).toEqual({ password_login: 'on', sso: { name: 'Test IdP' } });
  });

  it('starts the authorization code flow with PKCE (S256), state and nonce', async () => {
    const res = await app().request({ method: 'GET', url: '/api/auth/oidc/login' });
    const url = new URL(String(res.headers.location));
    expect(url.origin).toBe(idp.issuer);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code', client_id: idp.clientId, redirect_uri: `${PUBLIC_URL}/api/auth/oidc/callback`, scope: 'openid email profile', code_challenge_method: 'S256',
    });
    for (const p of ['state', 'nonce', 'code_challenge']) expect(url.searchParams.get(p)).toMatch(/^[\w-]{22,}$/);
    // The flow cookie must come back on the provider's cross-site redirect: Lax, HttpOnly, for the callback only.
    expect(String(res.headers['set-cookie'])).toMatch(/^gatehouse_oidc=[^;]+; Max-Age=600; Path=\/api\/auth\/oidc; HttpOnly; SameSite=Lax/);
  });

  it('happy path: a local person is linked by verified e-mail, then by subject; session cookie works; audited with issuer and subject', async () => {
    const t = app();
    const person = await t.makeUser({ name: 'Grace Hopper' });
    const sub = account({ email: person.userId.toUpperCase(), email_verified: true, name: 'Grace Hopper' });

    const first = await signIn(t, sub, { next: '/settings/tokens' });
    expect(first.status, first.body).toBe(200);
    // A same-site page continues to `next` (a 302 ending the provider's cross-site chain would not carry the Strict cookie).
    expect(first.body).toContain('<meta http-equiv="refresh" content="0;url=/settings/tokens">');
    expect(first.setCookies.find((c) => c.startsWith('gatehouse_session='))).toMatch(/HttpOnly; SameSite=Strict/);
    // The flow cookie is spent.
    expect(first.setCookies.find((c) => c.startsWith('gatehouse_oidc='))).toMatch(/gatehouse_oidc=;/);
    const me = await t.request({ method: 'GET', url: '/api/users/me', cookie: first.session });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: person.id, user_id: person.userId });

    const [login] = await auditOf(t, 'auth.login');
    expect(login).toMatchObject({ outcome: 'success', target_id: String(person.id), details: { via: 'sso', issuer: idp.issuer, subject: sub, linked: true } });

    // The provider changes the e-mail: the stored subject still finds the same person.
    idp.accounts.set(sub, { email: 'someone-else@example.com', email_verified: true });
    const second = await signIn(t, sub);
    expect(second.status).toBe(200);
    const again = await t.request({ method: 'GET', url: '/api/users/me', cookie: second.session });
    expect(again.json().id).toBe(person.id);
    expect((await auditOf(t, 'auth.login'))[0]!.details).toEqual(expect.not.objectContaining({ linked: true }));
  });

  it('a person provisioned by SCIM signs in and creates a Personal token; /api/cli/authorize works after SSO', async () => {
    const t = app();
    const scim = await scimClient(t);
    const email = `ada.${subjects}@idp.example`;
    const created = await scim.post('/Users', { schemas: [USER], userName: email, displayName: 'Ada Lovelace', emails: [{ value: email, primary: true, type: 'work' }] });
    expect(created.statusCode, created.body).toBe(201);
    const sub = account({ email, email_verified: true });

    const cliPage = `/api/cli/authorize?redirect_uri=${encodeURIComponent('http://127.0.0.1:9999/callback')}&state=s1&hostname=laptop`;
    const out = await signIn(t, sub, { next: cliPage });
    expect(out.status, out.body).toBe(200);
    expect(out.body).toContain(`url=${cliPage.replace(/&/g, '&amp;')}`);
    const token = await t.request({ method: 'POST', url: '/api/user-tokens', cookie: out.session, payload: { name: 'from-sso', expires_in_days: 30 } });
    expect(token.statusCode, token.body).toBe(200);
    expect(token.json()).toMatchObject({ type: 'Personal', user: { user_id: email } });
    const page = await t.request({ method: 'GET', url: cliPage, cookie: out.session });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Authorize the CLI on <code>laptop</code>?');
  });

  it('a deactivated person is refused, back on the login page with a reason; no session', async () => {
    const t = app();
    const scim = await scimClient(t);
    const email = `gone.${subjects}@idp.example`;
    const created = (await scim.post('/Users', { schemas: [USER], userName: email, emails: [{ value: email, primary: true }] })).json();
    const sub = account({ email, email_verified: true });
    expect((await signIn(t, sub)).status).toBe(200);
    await scim.patch(`/Users/${created.id}`, { op: 'replace', value: { active: false } });

    const out = await signIn(t, sub, { next: '/settings' });
    expect(out.status).toBe(302);
    expect(out.location).toBe('/login?sso_error=deactivated&next=%2Fsettings');
    expect(out.session).toBeUndefined();
    expect((await auditOf(t, 'auth.login_failed'))[0]).toMatchObject({ outcome: 'failure', details: { via: 'sso', issuer: idp.issuer, subject: sub, reason: 'deactivated' } });
  });

  it('a tampered state is refused before the code is used; so is a callback without this browser\'s flow', async () => {
    const t = app();
    const person = await t.makeUser();
    const sub = account({ email: person.userId, email_verified: true });
    const tampered = await signIn(t, sub, { tamper: (u) => u.searchParams.set('state', `${u.searchParams.get('state')}x`) });
    expect(tampered.status).toBe(302);
    expect(ssoError(tampered)).toBe('state_mismatch');
    expect(tampered.session).toBeUndefined();
    expect((await auditOf(t, 'auth.login_failed'))[0]).toMatchObject({ details: { via: 'sso', issuer: idp.issuer, reason: 'state_mismatch' } });

    // A callback delivered to a browser that did not start the flow (login CSRF): no flow cookie.
    const foreign = await signIn(t, sub, { dropFlowCookie: true });
    expect(ssoError(foreign)).toBe('flow_expired');
    expect(foreign.session).toBeUndefined();
    // The flow cookie is signed: one whose content was changed (here its `next`) is no flow.
    const forged = await signIn(t, sub, {
      tamperCookie: (c) => {
        const [name, value] = c.split('=') as [string, string];
        const [payload, mac] = value.split('.') as [string, string];
        const flow = JSON.parse(Buffer.from(payload, 'base64url').toString());
        return `${name}=${Buffer.from(JSON.stringify({ ...flow, next: '/elsewhere' })).toString('base64url')}.${mac}`;
      },
    });
    expect(ssoError(forged)).toBe('flow_expired');
    expect(forged.session).toBeUndefined();
  });

  it('a flow older than ten minutes is refused (the app clock)', async () => {
    const t = app();
    const person = await t.makeUser();
    const sub = account({ email: person.userId, email_verified: true });
    const start = await t.request({ method: 'GET', url: '/api/auth/oidc/login' });
    const flowCookie = String(start.headers['set-cookie']).split(';')[0]!;
    const callback = await idp.signIn(String(start.headers.location), sub);
    t.clock.advance(10 * 60_000 + 1);
    const res = await t.request({ method: 'GET', url: callback.pathname + callback.search, cookie: flowCookie });
    expect(ssoError({ location: res.headers.location as string } as Outcome)).toBe('flow_expired');
  });

  it('an unknown person (JIT off) and an unverified e-mail are refused; nothing is created or linked', async () => {
    const t = app();
    const stranger = await signIn(t, account({ email: 'stranger@example.com', email_verified: true }));
    expect(ssoError(stranger)).toBe('unknown_person');
    const person = await t.makeUser();
    const unverified = await signIn(t, account({ email: person.userId, email_verified: false }));
    expect(ssoError(unverified)).toBe('unknown_person');
    const users = await t.request({ method: 'GET', url: '/api/users?search=stranger', token: t.adminToken });
    expect(users.json().items).toHaveLength(0);
  });

  it('an error from the provider comes back as a readable refusal', async () => {
    const out = await signIn(app(), 'no-such-account');
    expect(ssoError(out)).toBe('idp_error');
  });

  it('`next` stays on this site', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const res = await app().request({ method: 'GET', url: `/api/auth/oidc/login?next=${encodeURIComponent(next)}` });
      const flow = JSON.parse(Buffer.from(String(res.headers['set-cookie']).split('=')[1]!.split('.')[0]!, 'base64url').toString());
      expect(flow.next).toBe('/');
    }
  });
}, SSO_ENV);

describe('single sign-on: JIT creation', () => {
  withApp({ ...SSO_ENV, GATEHOUSE_OIDC_JIT: 'true' }, (app) => {
    it('creates an unknown person with a verified e-mail as a Member in Public, linked', async () => {
      const t = app();
      const sub = account({ email: 'New.Person@Example.com', email_verified: true, name: 'New Person' });
      const out = await signIn(t, sub);
      expect(out.status, out.body).toBe(200);
      const me = (await t.request({ method: 'GET', url: '/api/users/me', cookie: out.session })).json();
      expect(me).toMatchObject({ user_id: 'new.person@example.com', email: 'new.person@example.com', name: 'New Person', role: 'Member', user_type: 'Human', teams: ['Public'] });
      const [created] = await auditOf(t, 'user.created');
      expect(created!.details).toMatchObject({ via: 'sso', issuer: idp.issuer, subject: sub });
      // Without a verified e-mail there is nothing to create the account with.
      expect(ssoError(await signIn(t, account({ email: 'x@example.com' })))).toBe('unknown_person');
    });
  });
});

describe('password login modes', () => {
  withApp({ ...SSO_ENV, GATEHOUSE_PASSWORD_LOGIN: 'admins' }, (app) => {
    it('admins: a local Admin may use a password (break-glass), a Member may not', async () => {
      const t = app();
      expect((await t.request({ method: 'GET', url: '/api/auth/config' })).json().password_login).toBe('admins');
      await expect(t.login()).resolves.toMatch(/^gatehouse_session=/);
      const member = await t.request({ method: 'POST', url: '/api/users', token: t.adminToken, payload: { user_type: 'Human', email: 'm@example.com', name: 'M', role: 'Member', password: 'a-long-enough-password' } });
      expect(member.statusCode).toBe(200);
      const res = await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: 'm@example.com', password: 'a-long-enough-password' } });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'FORBIDDEN', detail: 'Password sign-in is reserved for local Admins here: sign in with single sign-on' });
      expect(res.headers['set-cookie']).toBeUndefined();
    });
  });
});
