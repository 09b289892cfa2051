/**
 * Single sign-on (issue 20) end to end in real Chromium, on both databases: a person provisioned
 * over SCIM opens the login page, clicks "Sign in with Test IdP", signs in at a real OpenID
 * provider (oidc-provider, on `localhost`: another site than the server on 127.0.0.1, so the
 * way back is a cross-site navigation as in production), lands back in Gatehouse logged in, and
 * generates a Personal token that the API accepts. Then the Qualytics CLI's browser login
 * through SSO, and a deactivated person's refusal.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '@gatehouse/db/test-support';
import { spawnServer, type SpawnedServer } from '@gatehouse/server/test-support/spawn';
import { startTestIdp, type TestIdp } from '../../server/src/test-support/oidc-provider.js';

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.GATEHOUSE_CHROMIUM ?? '/usr/bin/chromium';
const SERVER_MAIN = resolve(here, '../../server/dist/main.js');
const UI_INDEX = resolve(here, '../dist/index.html');
const SCREENSHOTS = resolve(here, '../test-results/screenshots');
const REQUIRE_ALL = process.env.GATEHOUSE_REQUIRE_ALL === '1';

const missing = !existsSync(CHROMIUM)
  ? `Chromium not found at ${CHROMIUM}`
  : !existsSync(SERVER_MAIN) || !existsSync(UI_INDEX)
    ? 'the server or the UI is not built; run npm run build'
    : null;
if (missing) {
  if (REQUIRE_ALL) throw new Error(`SSO journey cannot run: ${missing} (GATEHOUSE_REQUIRE_ALL=1)`);
  console.warn(`[e2e] SKIPPED SSO journey: ${missing}. Set GATEHOUSE_REQUIRE_ALL=1 to make this a failure.`);
}

const SCIM = 'urn:ietf:params:scim:schemas:core:2.0:User';

for (const { kind, available } of DIALECTS) describe.skipIf(missing !== null || !available)(`single sign-on in Chromium [${kind}]`, () => {
  let db: TestDatabase;
  let idp: TestIdp;
  let server: SpawnedServer;
  let browser: Browser;
  let scimToken: string;

  const api = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${server.baseUrl}/api${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.headers as Record<string, string>) },
    });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    idp = await startTestIdp({ host: 'localhost' });
    server = await spawnServer({
      dataDir: db.dataDir,
      env: {
        ...(db.databaseUrl ? { GATEHOUSE_DATABASE_URL: db.databaseUrl } : {}),
        GATEHOUSE_OIDC_ISSUER: idp.issuer,
        GATEHOUSE_OIDC_CLIENT_ID: idp.clientId,
        GATEHOUSE_OIDC_CLIENT_SECRET: idp.clientSecret,
        GATEHOUSE_OIDC_NAME: 'Test IdP',
      },
    });
    // Discovery is lazy (first sign-in), so the provider may learn the server's port now.
    idp.setRedirectUri(`${server.baseUrl}/api/auth/oidc/callback`);
    // The identity provider's provisioning: a SCIM token made by the Admin, and a person.
    const login = await api('/auth/login', { method: 'POST', body: JSON.stringify({ email: server.adminEmail, password: server.adminPassword }) });
    const cookie = String(login.headers.get('set-cookie')).split(';')[0]!;
    const scim = await api('/user-tokens', { method: 'POST', headers: { cookie }, body: JSON.stringify({ name: 'idp', scim_endpoints_only: true }) });
    scimToken = ((await scim.json()) as { bearer_token: string }).bearer_token;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await idp?.close();
    await db?.drop();
  });

  async function provision(userName: string, email: string, name: string): Promise<string> {
    const res = await fetch(`${server.baseUrl}/api/scim/v2/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: [SCIM], userName, displayName: name, emails: [{ value: email, type: 'work', primary: true }] }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    idp.accounts.set(userName, { email, email_verified: true, name });
    return ((await res.json()) as { id: string }).id;
  }

  async function throughIdp(page: Page, subject: string): Promise<void> {
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    await page.getByRole('heading', { name: 'Sign in to Test IdP' }).waitFor();
    expect(new URL(page.url()).origin).toBe(idp.issuer);
    await page.getByLabel('User name').fill(subject);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('a SCIM-provisioned person: login page → IdP → back, logged in → generates a Personal token', async () => {
    await provision('ada.sso', 'ada@idp.example', 'Ada Lovelace');
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', baseURL: server.baseUrl });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    try {
      await page.goto('/settings/tokens');
      await page.waitForURL(/\/login\?next=/);
      await page.getByRole('link', { name: 'Sign in with Test IdP' }).waitFor();
      if (kind === 'sqlite') await page.screenshot({ path: join(SCREENSHOTS, 'sso-01-login.png'), fullPage: true });
      await throughIdp(page, 'ada.sso');
      // Back on our site, at the page asked for, with the session cookie sent on same-site navigations.
      await page.waitForURL(`${server.baseUrl}/settings/tokens`);
      await page.getByRole('heading', { name: 'Tokens' }).waitFor();
      await page.getByRole('button', { name: 'Generate Token', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Generate Token' });
      await dialog.getByRole('textbox', { name: 'Name' }).fill('sso-laptop');
      await dialog.getByRole('button', { name: 'Generate' }).click();
      const secret = page.getByRole('textbox', { name: 'Token', exact: true });
      await secret.waitFor();
      const token = await secret.inputValue();
      if (kind === 'sqlite') await page.screenshot({ path: join(SCREENSHOTS, 'sso-02-token.png'), fullPage: true });
      const me = await api('/users/me', { token });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ user_id: 'ada.sso', email: 'ada@idp.example', token: { name: 'sso-laptop', type: 'Personal' } });
    } finally {
      await context.close();
    }
  });

  it('the Qualytics CLI browser login through SSO: the CLI receives a token', async () => {
    await provision('cli.user', 'cli.user@idp.example', 'Cli User');
    let deliver!: (q: URLSearchParams) => void;
    const received = new Promise<URLSearchParams>((ok) => (deliver = ok));
    const cli: Server = createServer((req, res) => {
      deliver(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>CLI</title><h1>You are logged in.</h1>');
    });
    await new Promise<void>((r) => cli.listen(0, '127.0.0.1', r));
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', baseURL: server.baseUrl });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    try {
      const redirectUri = `http://127.0.0.1:${(cli.address() as AddressInfo).port}/callback`;
      await page.goto(`/api/cli/authorize?redirect_uri=${redirectUri}&state=st-sso&hostname=sso-box`);
      await page.waitForURL(/\/login\?next=/);
      await throughIdp(page, 'cli.user');
      // The server's own confirmation page needs the session on a navigation: the callback's same-site page gives it.
      await page.getByRole('heading', { name: 'Authorize the CLI on sso-box?' }).waitFor();
      await page.getByRole('button', { name: 'Approve' }).click();
      const q = await received;
      expect(q.get('state')).toBe('st-sso');
      const me = await api('/users/me', { token: q.get('token')! });
      expect(await me.json()).toMatchObject({ user_id: 'cli.user', token: { name: 'sso-box', type: 'Personal' } });
    } finally {
      await context.close();
      cli.close();
    }
  });

  it('a deactivated person is refused with a readable message on the login page', async () => {
    const id = await provision('gone.sso', 'gone@idp.example', 'Gone Person');
    const off = await fetch(`${server.baseUrl}/api/scim/v2/Users/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] }),
    });
    expect(off.status).toBe(200);
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', baseURL: server.baseUrl });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    try {
      await page.goto('/login');
      await throughIdp(page, 'gone.sso');
      await page.getByRole('alert').filter({ hasText: 'Your Gatehouse account is deactivated. Ask your administrator.' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/login');
      if (kind === 'sqlite') await page.screenshot({ path: join(SCREENSHOTS, 'sso-03-deactivated.png'), fullPage: true });
      expect((await context.cookies()).some((c) => c.name === 'gatehouse_session')).toBe(false);
    } finally {
      await context.close();
    }
  });
});
