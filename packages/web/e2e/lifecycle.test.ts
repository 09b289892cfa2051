/**
 * Issue 21 in real Chromium against a real server: Settings → Policies (set a limit, then the
 * API refuses a token outside it) and Settings → Webhooks (add an endpoint, its secret shown
 * once, send a test event to a real receiver, see it delivered with its response code,
 * redeliver), axe on both pages, screenshots in light and dark.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureWebBuilt, launchChromium, missingPrerequisite, newContext, screenshotBoth, seriousViolations, startServer, type AxeFinding, type RunningServer,
} from './support/harness.js';

const missing = missingPrerequisite();

describe.skipIf(missing !== null || process.env.GATEHOUSE_E2E_MOCK === '1')('browser journeys: token lifecycle (policies, webhooks)', () => {
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const received: string[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push(body);
      res.writeHead(204).end();
    });
  });
  const axe: AxeFinding[] = [];

  beforeAll(async () => {
    ensureWebBuilt();
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    server = await startServer({ GATEHOUSE_WEBHOOK_ALLOW_PRIVATE: 'true', GATEHOUSE_SCHEDULER_INTERVAL_MS: '500' });
    browser = await launchChromium();
    context = await newContext(browser, server.baseUrl);
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto('/login');
    await page.getByLabel('E-mail').fill(server.adminEmail);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(server.adminPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/datastores$/);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  });

  it('Settings → Policies: an Admin limits Personal tokens to 30 days; the API then refuses a longer one, naming the limit', async () => {
    await page.goto('/settings/policies');
    await page.getByRole('tab', { name: 'Policies' }).waitFor();
    const personal = page.getByRole('heading', { name: 'Personal tokens' }).locator('..');
    await personal.getByRole('checkbox', { name: 'No limit ("Never" allowed)' }).uncheck();
    await personal.getByRole('textbox', { name: 'Maximum lifetime' }).fill('30');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Token policy saved', { exact: true }).first().waitFor();
    await screenshotBoth(page, 'lifecycle-01-policies');
    axe.push(...(await seriousViolations(page, 'policies')));
    const refused = await page.evaluate(async () => {
      const r = await fetch('/api/user-tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'too-long', expires_in_days: 60 }) });
      return (await r.json()).detail as string;
    });
    expect(refused).toBe('expires_in_days: must be at most 30 days by policy (max_expiry_days.Personal)');
  });

  it('the Generate Token modal offers only what the policy allows; a token expiring within 7 days gets a badge and a banner', async () => {
    await page.goto('/settings/tokens');
    await page.getByRole('button', { name: 'Generate Token' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('combobox', { name: 'Expiration' }).click();
    const options = await page.getByRole('option').allTextContents();
    expect(options).toEqual(['30 days']);
    await page.keyboard.press('Escape');
    await dialog.getByText('Policy: at most 30 days.', { exact: false }).waitFor();
    await screenshotBoth(page, 'lifecycle-04-generate-within-policy');
    await page.keyboard.press('Escape');
    await page.evaluate(async () => {
      await fetch('/api/user-tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'deploy-bot', expires_in_days: 5 }) });
    });
    await page.reload();
    const row = page.getByRole('row').filter({ has: page.getByText('deploy-bot', { exact: true }) });
    await row.getByText('Expires in 5d').waitFor();
    await page.getByRole('alert').filter({ hasText: 'Tokens expiring soon' }).getByText('“deploy-bot” expires in 5 days', { exact: false }).waitFor();
    await screenshotBoth(page, 'lifecycle-05-expiring-badge-banner');
    axe.push(...(await seriousViolations(page, 'tokens with an expiring token')));
  });

  it('Settings → Webhooks: add an endpoint (secret once), send a test, see it delivered (204), redeliver', async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/gatehouse`;
    await page.goto('/settings/webhooks');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add webhook endpoint' });
    await dialog.getByRole('textbox', { name: 'URL' }).fill(url);
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = page.getByRole('dialog', { name: 'Signing secret' });
    await secret.getByText(/^whsec_/).waitFor();
    await screenshotBoth(page, 'lifecycle-02-webhook-secret');
    await secret.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: `Actions for ${url}` }).click();
    await page.getByRole('menuitem', { name: 'Send test' }).click();
    const deliveries = page.getByRole('table', { name: 'Deliveries' });
    await deliveries.getByText('delivered', { exact: true }).waitFor();
    await deliveries.getByRole('cell', { name: '204' }).waitFor();
    expect(received.map((b) => JSON.parse(b).type)).toEqual(['webhook.test']);
    await deliveries.getByRole('button', { name: 'Redeliver' }).first().click();
    await page.getByText('Delivery queued again', { exact: true }).first().waitFor();
    await deliveries.getByRole('row').nth(2).waitFor();
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(2);
    await screenshotBoth(page, 'lifecycle-03-webhook-deliveries');
    axe.push(...(await seriousViolations(page, 'webhooks')));
  });

  it('has no serious or critical accessibility violations on these pages (axe, light and dark)', () => {
    expect(axe).toEqual([]);
  });
});
