/**
 * Usage insight in real Chromium against a real server (issue 22, SPEC §10): the token page
 * (requests-per-day chart, clients, rename, rotate, revoke, delete), the blast radius in the
 * destructive confirmations, and Settings → Access review with its filters and CSV download;
 * light and dark screenshots (packages/web/test-results/screenshots/usage-*) and axe on each.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureWebBuilt,
  missingPrerequisite,
  logInAsAdmin,
  openJourneyBrowser,
  SCREENSHOTS,
  screenshotBoth,
  seriousViolations,
  startServer,
  type AxeFinding,
  type RunningServer,
} from './support/harness.js';

const missing = missingPrerequisite();

describe.skipIf(missing !== null)('usage insight in the browser', () => {
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let admin = '';
  let robot: { id: number; user_id: string };
  let ci: { id: number; bearer_token: string };
  const axeFindings: AxeFinding[] = [];
  const consoleErrors: string[] = [];

  const api = async (token: string, path: string, init: RequestInit & { agent?: string } = {}) =>
    fetch(`${server.baseUrl}/api${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.agent ? { 'User-Agent': init.agent } : {}), ...init.headers },
    });
  const json = async <T>(res: Response | Promise<Response>): Promise<T> => {
    const r = await res;
    if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };
  const scan = async (label: string) => axeFindings.push(...(await seriousViolations(page, `usage: ${label}`)));

  /** Waits until the server has written the requests made (it writes usage behind, about once a second). */
  async function usageWritten(tokenId: number, requests: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const usage = await json<{ daily: { requests: number }[] }>(api(admin, `/user-tokens/${tokenId}/usage?days=1`));
      if (usage.daily[0]!.requests >= requests) return;
      if (Date.now() > deadline) throw new Error(`usage of token ${tokenId} not written within 10 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    ensureWebBuilt();
    // Counts written every second, as last_used is (the default is once a minute).
    server = await startServer({ GATEHOUSE_USAGE_COUNTS_FLUSH_MS: '1000' });
    ({ browser, context, page } = await openJourneyBrowser(server, { consoleErrors }));
    await logInAsAdmin(page, server);
    admin = await page.evaluate(async () => {
      const r = await fetch('/api/user-tokens', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'usage-e2e', expires_in_days: 1 }) });
      return ((await r.json()) as { bearer_token: string }).bearer_token;
    });
    robot = await json(api(admin, '/users', { method: 'POST', body: JSON.stringify({ name: 'Pipeline Automation', role: 'Editor', teams: [] }) }));
    ci = await json(api(admin, '/user-tokens', { method: 'POST', body: JSON.stringify({ name: 'ci-deploy', user_id: robot.id, expires_in_days: 90 }) }));
    await json(api(admin, '/user-tokens', { method: 'POST', body: JSON.stringify({ name: 'forgotten', user_id: robot.id }) }));
    for (let i = 0; i < 12; i++) await json(api(ci.bearer_token, '/datastores', { agent: 'python-requests/2.32' }));
    for (let i = 0; i < 3; i++) await json(api(ci.bearer_token, '/datastores', { agent: 'qualytics-cli/1.0.4' }));
    await usageWritten(ci.id, 15);
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail' || !page) return;
    await page.screenshot({ path: join(SCREENSHOTS, `FAILED-usage-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 50)}.png`) }).catch(() => {});
    for (let i = 0; i < 3 && (await page.getByRole('dialog').count()) > 0; i++) await page.keyboard.press('Escape');
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  it('the token list links each row to its page: a requests-per-day chart and the clients', async () => {
    await page.goto('/settings/tokens');
    await page.getByRole('link', { name: 'ci-deploy' }).click();
    await page.waitForURL(new RegExp(`/settings/tokens/${ci.id}$`));
    await page.getByRole('heading', { name: 'ci-deploy', level: 2 }).waitFor();
    const clients = page.getByRole('table', { name: 'Clients' });
    await clients.getByRole('row').filter({ hasText: 'python-requests/2.32' }).getByRole('cell', { name: '12', exact: true }).waitFor();
    await clients.getByRole('row').filter({ hasText: 'qualytics-cli/1.0.4' }).getByRole('cell', { name: '3', exact: true }).waitFor();
    // Recharts draws one bar per day; today's has a height.
    await page.locator('.recharts-bar-rectangle path').first().waitFor();
    expect(await page.getByRole('img', { name: /Requests per day over the last 30 days: 15 in all/ }).count()).toBe(1);
    await screenshotBoth(page, 'usage-01-token-page');
    await scan('token page');
    await page.getByLabel('Days shown').getByText('7 days', { exact: true }).click();
    await page.getByRole('img', { name: /last 7 days: 15 in all/ }).waitFor();
  });

  it('renames, then rotates: the confirmation says what will break; the new secret works and the old does not', async () => {
    await page.getByRole('button', { name: 'Rename' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename Token' });
    await rename.getByRole('textbox', { name: 'Name' }).fill('ci-deploy-prod');
    await rename.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('heading', { name: 'ci-deploy-prod', level: 2 }).waitFor();

    await page.getByRole('button', { name: 'Rotate' }).click();
    const rotate = page.getByRole('dialog', { name: 'Rotate Token' });
    await rotate.getByText('Used 15 times by 2 clients in the last 7 days: 127.0.0.1 qualytics-cli/1.0.4, 127.0.0.1 python-requests/2.32.').waitFor();
    await screenshotBoth(page, 'usage-02-rotate-confirmation');
    await scan('rotate confirmation');
    await rotate.getByRole('button', { name: 'Rotate' }).click();
    const secret = await rotate.getByRole('textbox', { name: 'Token', exact: true }).inputValue();
    expect((await api(ci.bearer_token, '/users/me')).status).toBe(401);
    expect((await api(secret, '/users/me')).status).toBe(200);
    ci = { ...ci, bearer_token: secret };
    await rotate.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
  });

  it('revokes with the blast radius shown, then deletes from the page', async () => {
    await page.getByRole('button', { name: 'Revoke' }).click();
    const revoke = page.getByRole('dialog', { name: 'Revoke Token' });
    // 15 requests, and the new secret's first use (by this test's own client) once written.
    await revoke.getByTestId('blast-radius').getByText(/^Used 1[56] times by [23] clients in the last 7 days/).waitFor();
    await screenshotBoth(page, 'usage-03-revoke-confirmation');
    await scan('revoke confirmation');
    await revoke.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByText('Service token successfully revoked').first().waitFor();
    await page.getByRole('button', { name: 'Restore' }).waitFor();
    expect((await api(ci.bearer_token, '/users/me')).status).toBe(401);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete Token' }).getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/\/settings\/tokens$/);
    expect(await page.getByRole('link', { name: 'ci-deploy-prod' }).count()).toBe(0);
  });

  it('deactivating an account says its tokens are not used', async () => {
    await page.goto('/settings/security');
    await page.getByRole('button', { name: 'Actions for Pipeline Automation' }).click();
    await page.getByRole('menuitem', { name: 'Deactivate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Deactivate account' });
    await dialog.getByText('Not used in the last 90 days.').waitFor();
    await screenshotBoth(page, 'usage-04-deactivate-confirmation');
    await scan('deactivate confirmation');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('Security: creates a team with a member, renames it, changes its members, deletes it; edits an account', async () => {
    await page.goto('/settings/security');
    await page.getByRole('button', { name: 'Create team' }).click();
    const create = page.getByRole('dialog', { name: 'Create team' });
    await create.getByRole('textbox', { name: 'Name' }).fill('Data Platform');
    await create.getByLabel('Members').fill('Pipeline');
    await page.getByRole('option', { name: /Pipeline Automation/ }).click();
    await page.keyboard.press('Tab'); // closes the options over the buttons
    await create.getByRole('button', { name: 'Create team' }).click();
    await page.getByText('Team Data Platform created').first().waitFor();
    const teams = page.getByRole('table', { name: 'Teams' });
    await teams.getByRole('row').filter({ hasText: 'Data Platform' }).getByText('1 member').waitFor();
    let team = await json<{ items: { id: number; name: string; users: { id: number }[] }[] }>(api(admin, '/teams?size=100'));
    expect(team.items.find((x) => x.name === 'Data Platform')?.users.map((u) => u.id)).toEqual([robot.id]);

    await page.getByRole('button', { name: 'Actions for team Data Platform' }).click();
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit team Data Platform' });
    await edit.getByRole('textbox', { name: 'Name' }).fill('Data Platform Ops');
    // Members are added (and removed) one change at a time, not saved as a whole list.
    await edit.getByLabel('Add members').fill('Admin');
    await page.getByRole('option', { name: /Administrator/ }).click();
    await page.keyboard.press('Tab');
    await edit.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('1 member added to Data Platform').first().waitFor();
    await edit.getByRole('list', { name: 'Team members' }).getByText('Administrator', { exact: true }).waitFor();
    await screenshotBoth(page, 'usage-07-team-edit');
    await scan('team edit');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Team Data Platform Ops updated').first().waitFor();
    await teams.getByRole('row').filter({ hasText: 'Data Platform Ops' }).getByText('2 members').waitFor();
    team = await json(api(admin, '/teams?size=100'));
    expect(team.items.find((x) => x.name === 'Data Platform Ops')?.users).toHaveLength(2);

    await page.getByRole('button', { name: 'Actions for team Data Platform Ops' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete team' }).getByRole('button', { name: 'Delete team' }).click();
    await page.getByText('Team Data Platform Ops deleted').first().waitFor();
    await teams.getByText('Data Platform Ops').waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Actions for Pipeline Automation' }).click();
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    const account = page.getByRole('dialog', { name: 'Edit Pipeline Automation' });
    await account.getByRole('textbox', { name: 'Name' }).fill('Pipeline Automation v2');
    await account.getByRole('combobox', { name: 'Role' }).click();
    await page.getByRole('option', { name: 'Manager' }).click();
    await account.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Pipeline Automation v2 updated').first().waitFor();
    const user = await json<{ name: string; role: string }>(api(admin, `/users/${robot.id}`));
    expect(user).toMatchObject({ name: 'Pipeline Automation v2', role: 'Manager' });
  });

  it('Settings → Access review lists every token, filters, and downloads the same rows as CSV', async () => {
    await page.getByRole('tab', { name: 'Access review' }).click();
    await page.waitForURL(/\/settings\/access-review$/);
    const table = page.getByRole('table', { name: 'Access review' });
    await table.getByRole('link', { name: 'forgotten' }).waitFor();
    await page.getByRole('checkbox', { name: 'were never used' }).check();
    await page.getByLabel('Token type').getByText('Service', { exact: true }).click();
    await table.getByRole('link', { name: 'usage-e2e' }).waitFor({ state: 'detached' });
    await table.getByRole('link', { name: 'forgotten' }).waitFor();
    await screenshotBoth(page, 'usage-05-access-review');
    await scan('access review');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toMatch(/^id,name,type,owner,/);
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['forgotten']);
    expect(download.suggestedFilename()).toMatch(/^gatehouse-access-review-\d{4}-\d{2}-\d{2}\.csv$/);
  });

  it('Settings → Audit: readable rows, filters, paging and CSV export', async () => {
    for (let i = 0; i < 26; i++) await json(api(admin, '/teams', { method: 'POST', body: JSON.stringify({ name: `Audit team ${i}` }) }));
    await page.getByRole('tab', { name: 'Audit' }).click();
    await page.waitForURL(/\/settings\/audit$/);
    const table = page.getByRole('table', { name: 'Audit events' });
    await table.getByText('Administrator created team Audit team 25 from 127.0.0.1').waitFor();
    await page.getByRole('textbox', { name: 'Action' }).fill('token.revoked');
    await table.getByText('Administrator revoked token ci-deploy-prod from 127.0.0.1').waitFor();
    expect(await table.getByRole('row').count()).toBe(2);
    await page.getByRole('textbox', { name: 'Action' }).fill('');
    await table.getByText('Administrator created team Audit team 25 from 127.0.0.1').waitFor();
    // More than a page: the pages, then the actor filter.
    await page.getByRole('button', { name: 'Page 2' }).click();
    await page.locator('button[aria-label="Page 2"][data-active="true"]').waitFor();
    await table.getByText('Administrator created team Audit team 0 from 127.0.0.1').waitFor();
    await page.getByRole('combobox', { name: 'Actor' }).fill('Pipeline');
    await page.getByRole('option', { name: /Pipeline Automation/ }).click();
    await table.getByText(/^Pipeline Automation v2 used token ci-deploy from a new client from 127\.0\.0\.1$/).first().waitFor();
    await screenshotBoth(page, 'usage-06-audit');
    await scan('audit');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    const lines = (await readFile((await download.path())!, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('id,at,action,outcome,actor_user_id,actor_token_id,target_type,target_id,ip,user_agent,details');
    expect(lines.slice(1).every((l) => l.includes(`,${robot.id},`))).toBe(true);
    expect(lines.length).toBeGreaterThan(3);
  });

  it('has no serious or critical accessibility violations, and no console errors', () => {
    const report = axeFindings.map((f) => `${f.id} (${f.impact}): ${f.help}\n    ${f.targets.join('\n    ')}`);
    expect(report, report.join('\n')).toEqual([]);
    expect(consoleErrors.filter((e) => !/Failed to load resource: .* status of 4\d\d/.test(e))).toEqual([]);
  });
});
