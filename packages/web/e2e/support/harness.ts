/**
 * Browser-journey plumbing: find Chromium, make sure the UI is built, start a real server,
 * take screenshots in both colour schemes and run axe.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const WEB_ROOT = resolve(here, '../..');
export const REPO_ROOT = resolve(WEB_ROOT, '../..');
export const DIST = join(WEB_ROOT, 'dist');
export const SCREENSHOTS = join(WEB_ROOT, 'test-results', 'screenshots');
const SPAWN_SERVER = join(REPO_ROOT, 'packages/server/src/test-support/spawn-server.ts');
const SERVER_MAIN = join(REPO_ROOT, 'packages/server/dist/main.js');

export const CHROMIUM_PATH = process.env.GATEHOUSE_CHROMIUM ?? '/usr/bin/chromium';
export const REQUIRE_ALL = process.env.GATEHOUSE_REQUIRE_ALL === '1';
const USE_MOCK = process.env.GATEHOUSE_E2E_MOCK === '1';

/** Why the journeys cannot run here, or null. */
export function missingPrerequisite(): string | null {
  if (!existsSync(CHROMIUM_PATH)) {
    return `Chromium not found at ${CHROMIUM_PATH} (install it with: apt-get install -y chromium)`;
  }
  if (!USE_MOCK && !existsSync(SPAWN_SERVER)) return `the server test support is missing (${SPAWN_SERVER})`;
  if (!USE_MOCK && !existsSync(SERVER_MAIN)) return `the server is not built (${SERVER_MAIN}); run npm run build`;
  return null;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (!entry.name.endsWith('.test.tsx')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the UI when dist/ is missing or older than the sources (the server serves dist/). */
export function ensureWebBuilt(): void {
  const index = join(DIST, 'index.html');
  const sources = Math.max(
    newestMtime(join(WEB_ROOT, 'src')),
    newestMtime(join(WEB_ROOT, 'public')),
    statSync(join(WEB_ROOT, 'index.html')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  // NODE_ENV must not leak in from vitest ('test'): Vite would bundle React's development build.
  const env = { ...process.env, NODE_ENV: 'production' };
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: WEB_ROOT, stdio: 'inherit', env });
}

export interface RunningServer {
  baseUrl: string;
  adminEmail: string;
  adminPassword: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** `env`: settings for the real server (the mock ignores them). */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  if (USE_MOCK) {
    const { startMockApi } = await import('./mock-api.js');
    return startMockApi(DIST);
  }
  const mod = (await import(pathToFileURL(SPAWN_SERVER).href)) as {
    spawnServer(opts?: { env?: Record<string, string> }): Promise<RunningServer>;
  };
  return mod.spawnServer({ env });
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export async function newContext(browser: Browser, baseUrl: string): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: { width: 1360, height: 860 },
    deviceScaleFactor: 1,
    acceptDownloads: true,
    colorScheme: 'light',
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
  return context;
}

/** Chromium, a fresh context on the server and the page a journey drives. */
export interface JourneyBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
}

/**
 * Opens Chromium on `server` with one page whose steps wait up to `timeout` ms (the machine may be
 * busy). With `consoleErrors`, the page's console errors and uncaught exceptions are pushed there.
 */
export async function openJourneyBrowser(
  server: RunningServer,
  { timeout = 10_000, consoleErrors }: { timeout?: number; consoleErrors?: string[] } = {},
): Promise<JourneyBrowser> {
  const browser = await launchChromium();
  const context = await newContext(browser, server.baseUrl);
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  if (consoleErrors) {
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  }
  return { browser, context, page };
}

/** Logs the server's Admin in through the login page and waits until the app has left it. */
export async function logInAsAdmin(page: Page, server: RunningServer): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('E-mail').fill(server.adminEmail);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(server.adminPassword);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

/** Saves `<name>-light.png` and `<name>-dark.png`; the UI follows the system scheme. */
export async function screenshotBoth(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForFunction(
      (s) => document.documentElement.getAttribute('data-mantine-color-scheme') === s,
      scheme,
    );
    await page.waitForTimeout(250); // transitions
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${scheme}.png`), fullPage: false });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

export interface AxeFinding {
  id: string;
  impact: string | null | undefined;
  help: string;
  targets: string[];
}

/** Runs axe (WCAG 2.x A/AA) in both colour schemes; returns the serious and critical findings. */
export async function seriousViolations(page: Page, label: string): Promise<AxeFinding[]> {
  const found: AxeFinding[] = [];
  // Measure final colours only: a modal or toast still fading (slower on a loaded machine)
  // blends with what is behind it and fails contrast for a frame.
  await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; animation: none !important; }' });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForFunction(
      (s) => document.documentElement.getAttribute('data-mantine-color-scheme') === s,
      scheme,
    );
    await page.waitForTimeout(600); // let colour transitions finish before measuring contrast
    const result = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
      .analyze();
    for (const v of result.violations) {
      if (v.impact === 'serious' || v.impact === 'critical') {
        found.push({
          id: `${label} [${scheme}] ${v.id}`,
          impact: v.impact,
          help: v.help,
          targets: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} — ${n.failureSummary ?? ''}`),
        });
      }
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}
