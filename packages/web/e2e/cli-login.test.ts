/**
 * The Qualytics CLI's browser login (issue 7, item 3) end to end in real Chromium against the
 * real built server: this test plays the CLI — a loopback listener that receives `token` and
 * `state` — and the user, who logs in through the UI and approves on the server's page.
 * Self-contained on purpose (the rest of e2e/ belongs to the UI journeys).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type SpawnedServer } from '@gatehouse/server/test-support/spawn';

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.GATEHOUSE_CHROMIUM ?? '/usr/bin/chromium';
const SERVER_MAIN = resolve(here, '../../server/dist/main.js');
const UI_BUILT = existsSync(resolve(here, '../dist/index.html'));
const SCREENSHOTS = resolve(here, '../test-results/screenshots');
const REQUIRE_ALL = process.env.GATEHOUSE_REQUIRE_ALL === '1';

const missing = !existsSync(CHROMIUM)
  ? `Chromium not found at ${CHROMIUM}`
  : !existsSync(SERVER_MAIN)
    ? `the server is not built (${SERVER_MAIN}); run npm run build`
    : null;
if (missing) {
  // A skipped test would count as a failure under GATEHOUSE_REQUIRE_ALL=1 anyway: say why, loudly.
  if (REQUIRE_ALL) throw new Error(`CLI browser login cannot run: ${missing} (GATEHOUSE_REQUIRE_ALL=1)`);
  console.warn(`[e2e] SKIPPED CLI browser login: ${missing}. Set GATEHOUSE_REQUIRE_ALL=1 to make this a failure.`);
}

/** The CLI's side: a one-shot loopback listener, like the Qualytics CLI's. */
async function fakeCli(): Promise<{ redirectUri: string; received: Promise<URLSearchParams>; close(): void }> {
  let deliver!: (q: URLSearchParams) => void;
  let timer: NodeJS.Timeout | undefined;
  const received = new Promise<URLSearchParams>((ok, fail) => {
    deliver = ok;
    timer = setTimeout(() => fail(new Error('the CLI received nothing within 20 s')), 20_000);
  });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>CLI</title><h1>You are logged in. Return to your terminal.</h1>');
    deliver(url.searchParams);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    received,
    close: () => {
      clearTimeout(timer);
      server.close();
    },
  };
}

/** As the Qualytics CLI builds it: redirect_uri sent unencoded. */
const authorizeUrl = (base: string, redirectUri: string, state: string, hostname: string) =>
  `${base}/api/cli/authorize?redirect_uri=${redirectUri}&state=${state}&hostname=${hostname}`;

describe.skipIf(missing !== null)('Qualytics CLI browser login in Chromium', () => {
  let server: SpawnedServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    server = await spawnServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
    page = await context.newPage();
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Not logged in → the UI's login page (or, without a built UI, a login through the API from the page). */
  async function logIn(): Promise<void> {
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('next')).toMatch(/^\/api\/cli\/authorize\?/);
    if (UI_BUILT) {
      await page.getByLabel('E-mail').fill(server.adminEmail);
      await page.getByRole('textbox', { name: 'Password', exact: true }).fill(server.adminPassword);
      await page.getByRole('button', { name: 'Log in' }).click();
    } else {
      console.warn('[e2e] the UI is not built: logging in with POST /api/auth/login from the page');
      const next = new URL(page.url()).searchParams.get('next')!;
      await page.evaluate(async ({ email, password }) => {
        await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
      }, { email: server.adminEmail, password: server.adminPassword });
      await page.goto(`${server.baseUrl}${next}`);
    }
  }

  it('not logged in → login → "which machine asks" page → Approve (60 days) → the CLI receives token and state', async () => {
    const cli = await fakeCli();
    try {
      await page.goto(authorizeUrl(server.baseUrl, cli.redirectUri, 'st-e2e-1', 'e2e-laptop'));
      await logIn();
      await page.getByRole('heading', { name: 'Authorize the CLI on e2e-laptop?' }).waitFor({ timeout: 15_000 });
      await expect(page.getByText('admin@example.com', { exact: false }).first().isVisible()).resolves.toBe(true);
      await page.getByLabel('Expiration').selectOption({ label: '60 days' });
      await page.screenshot({ path: join(SCREENSHOTS, 'cli-authorize.png'), fullPage: true });
      await page.getByRole('button', { name: 'Approve' }).click();

      const q = await cli.received;
      expect(q.get('state')).toBe('st-e2e-1');
      const token = q.get('token')!;
      await page.getByRole('heading', { name: /logged in/ }).waitFor();

      // The Qualytics CLI decodes the JWT without verifying and reads exp.
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
      const days = (claims.exp - claims.iat) / 86_400;
      expect(days).toBe(60);
      const me = await fetch(`${server.baseUrl}/api/users/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
      expect((await me.json()).token).toMatchObject({ name: 'e2e-laptop', type: 'Personal' });
    } finally {
      cli.close();
    }
  });

  it('logged in, Deny → the CLI receives error=access_denied and state, no token', async () => {
    const cli = await fakeCli();
    try {
      await page.goto(authorizeUrl(server.baseUrl, cli.redirectUri, 'st-e2e-2', 'e2e-denied'));
      await page.getByRole('button', { name: 'Deny' }).click();
      const q = await cli.received;
      expect(Object.fromEntries(q)).toMatchObject({ error: 'access_denied', state: 'st-e2e-2' });
      expect(q.get('token')).toBeNull();
    } finally {
      cli.close();
    }
  });

  it('a redirect_uri that is not loopback → a clear refusal page, no redirect', async () => {
    const response = await page.goto(authorizeUrl(server.baseUrl, 'http://attacker.example:8080/callback', 'st-e2e-3', 'e2e-evil'));
    expect(response!.status()).toBe(400);
    expect(new URL(page.url()).host).toBe(new URL(server.baseUrl).host);
    await page.getByRole('heading', { name: 'CLI login refused' }).waitFor();
    await expect(page.getByText('No token was created').isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'cli-authorize-refused.png'), fullPage: true });
  });
});
