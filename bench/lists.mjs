#!/usr/bin/env node
// Lists at scale (issue 27): a store of 1,000,000 service tokens across 100,000 service accounts
// and 100,000 people (seeded straight through the store), on SQLite and PostgreSQL. Measures over
// HTTP, one request at a time: the first and last page of each list, a name search, the unpaged
// compat array of every token (the server's RSS while it streams), and, in Chromium, the Admin's
// Tokens tab (first rows after navigation, JS heap, a search result after the last keystroke).
// Writes the lists section of BENCHMARKS.md. Part of `npm run bench`; alone:
//
//   npm run build && node bench/lists.mjs                  # full run (seeding ≈ minutes per database)
//   node bench/lists.mjs --tokens 50000 --accounts 5000 --people 5000 --no-write   # to try it
//   node bench/lists.mjs --only sqlite
//   node bench/lists.mjs --tokens 1000 --lists users --chromium '' --no-write   # the users list alone (200,000 users)
//   node bench/lists.mjs --tokens 2000 --accounts 1000 --people 200000 --audit 0 --lists teams,'team members','SCIM Groups' --chromium '' --no-write   # teams at 200,000 members
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { chromium } from 'playwright-core';
import { openStore, seedLists } from '@gatehouse/db';
import { V8_FLAGS } from '@gatehouse/server/v8-flags';
import { cpuMicros, freePort, freshDatabase, rssMB, sleep, startProcess } from './lib.mjs';
import { seed } from './seed.mjs';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    tokens: { type: 'string', default: '1000000' },
    accounts: { type: 'string', default: '100000' },
    people: { type: 'string', default: '100000' },
    audit: { type: 'string', default: '100000' },
    teams: { type: 'string', default: '500' },
    samples: { type: 'string', default: '200' },
    chromium: { type: 'string', default: process.env.GATEHOUSE_CHROMIUM ?? '/usr/bin/chromium' },
    'pg-url': { type: 'string', default: process.env.GATEHOUSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    write: { type: 'boolean', default: true },
    // Only these lists (comma-separated, e.g. `users`), to measure one change without the rest; `--chromium ''` skips the browser.
    lists: { type: 'string' },
  },
  allowNegative: true,
});
const TOKENS = Number(args.tokens);
const ACCOUNTS = Number(args.accounts);
const PEOPLE = Number(args.people);
const AUDIT = Number(args.audit);
/** Teams of 20 people each, besides Public (every user) and "Analysts" (half the people). */
const TEAMS = Number(args.teams);
const SAMPLES = Number(args.samples);
const SECRET = 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const MAIN = new URL('../packages/server/dist/main.js', import.meta.url).pathname;
const ADMIN_EMAIL = 'lists-admin@example.com';
const ADMIN_PASSWORD = 'lists-bench-password';
const WORDS = ['api', 'etl', 'deploy', 'backup', 'ingest', 'report', 'sync', 'export', 'import', 'monitor', 'billing', 'search'];

const log = (...a) => console.error('[lists]', ...a);
const rows = []; // { dialect, list, measure, p50, p99, max, n, note }

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

const prepareDatabase = (dialect) => freshDatabase(dialect, args['pg-url'], 'lists');

/** `samples` sequential GETs of `path(i)`; latencies in ms (the whole answer read). */
async function timeGets(base, token, path, samples = SAMPLES) {
  const ms = [];
  let status = 0;
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    const res = await fetch(`${base}${path(i)}`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    ms.push(performance.now() - t);
    status = res.status;
    if (!res.ok) throw new Error(`${path(i)} → ${res.status}`);
  }
  return { ms, status };
}

async function measure(dialect, list, measureName, base, token, path, samples, pid) {
  if (args.lists && !args.lists.split(',').includes(list)) return;
  // Warm-up: the first requests compile the route's serializer and fill the page cache.
  await timeGets(base, token, path, 5);
  // The server's CPU per request: what a busy machine does not blur as much as wall time.
  const cpu0 = pid ? cpuMicros(pid) : 0;
  const { ms } = await timeGets(base, token, path, samples);
  const cpuMs = pid ? (cpuMicros(pid) - cpu0) / 1000 / ms.length : undefined;
  const row = { dialect, list, measure: measureName, p50: pct(ms, 50), p99: pct(ms, 99), max: Math.max(...ms), n: ms.length, cpuMs, load: loadavg()[0] };
  rows.push(row);
  log(`${dialect} ${list} ${measureName}: p50 ${row.p50.toFixed(1)} ms p99 ${row.p99.toFixed(1)} ms (n=${row.n})${cpuMs !== undefined ? `, server CPU ${cpuMs.toFixed(1)} ms/request` : ''}, load ${row.load.toFixed(1)}`);
}

/** Streams the unpaged compat array of every service token; the server's RSS sampled every 20 ms. */
async function compatStream(dialect, server, token) {
  await sleep(500);
  const before = rssMB(server.pid);
  let peak = before;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, rssMB(server.pid));
    } catch {}
  }, 20);
  const t = performance.now();
  const res = await fetch(`${server.url}/api/user-tokens/service`, { headers: { authorization: `Bearer ${token}` } });
  let bytes = 0;
  let tail = '';
  for await (const chunk of res.body) {
    bytes += chunk.length;
    tail = Buffer.from(chunk).toString('utf8').slice(-2);
  }
  const seconds = (performance.now() - t) / 1000;
  clearInterval(sampler);
  const row = { dialect, list: 'service tokens, unpaged array', measure: 'stream', seconds, mb: bytes / 1e6, rssBefore: before, rssPeak: peak, complete: tail.endsWith(']') };
  rows.push(row);
  log(`${dialect} compat array: ${row.mb.toFixed(1)} MB in ${seconds.toFixed(1)} s; RSS ${before.toFixed(0)} → peak ${peak.toFixed(0)} MB (+${(peak - before).toFixed(0)})`);
}

/** The Admin's Tokens tab in Chromium: first rows after navigation, JS heap, search result after the last keystroke. */
async function browser(dialect, server, firstServiceAccountId) {
  const b = await chromium.launch({ executablePath: args.chromium, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const context = await b.newContext({ baseURL: server.url, viewport: { width: 1360, height: 860 }, locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto('/login');
    await page.getByLabel('E-mail').fill(ADMIN_EMAIL);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const firstRows = [];
    const heaps = [];
    const rowsOf = () => page.getByRole('table', { name: 'Tokens' }).locator('tbody tr');
    for (let i = 0; i < 5; i++) {
      await page.goto('/settings/connections');
      await page.getByRole('heading', { name: 'Connections' }).waitFor();
      const t = Date.now();
      await page.goto('/settings/tokens');
      await rowsOf().first().waitFor();
      firstRows.push(Date.now() - t);
      const metrics = await cdp.send('Performance.getMetrics');
      heaps.push(metrics.metrics.find((m) => m.name === 'JSHeapUsedSize').value / 2 ** 20);
    }
    const searches = [];
    const input = page.getByRole('textbox', { name: 'Search tokens' });
    for (let i = 0; i < 5; i++) {
      const j = Math.floor(TOKENS * (0.1 + 0.17 * i));
      const name = `${WORDS[j % WORDS.length]}-${j}`;
      await input.fill('');
      await page.waitForURL((u) => !u.searchParams.has('q'));
      await rowsOf().first().waitFor();
      await input.pressSequentially(name, { delay: 30 });
      const t = Date.now();
      await page.waitForFunction(
        (n) => {
          const trs = document.querySelectorAll('table[aria-label="Tokens"] tbody tr');
          return trs.length >= 1 && trs[0].querySelector('td')?.textContent?.trim() === n;
        },
        name,
        { polling: 10 },
      );
      searches.push(Date.now() - t);
    }
    const rowCount = await rowsOf().count();
    const add = (measureName, xs, unit) => {
      const row = { dialect, list: "Admin's Tokens tab (Chromium)", measure: measureName, median: pct(xs, 50), max: Math.max(...xs), unit, n: xs.length };
      rows.push(row);
      log(`${dialect} browser ${measureName}: median ${row.median.toFixed(0)} ${unit}, max ${row.max.toFixed(0)} ${unit}`);
    };
    add('first rows after navigation', firstRows, 'ms');
    add('JS heap in use', heaps, 'MiB');
    add('search result after the last keystroke (debounce 250 ms)', searches, 'ms');
    log(`${dialect} browser: ${rowCount} rows in the DOM after a search; service account ${firstServiceAccountId}`);
  } finally {
    await b.close();
  }
}

async function benchDialect(dialect) {
  const db = await prepareDatabase(dialect);
  try {
    log(`${dialect}: seeding ${TOKENS.toLocaleString()} tokens, ${ACCOUNTS.toLocaleString()} service accounts, ${PEOPLE.toLocaleString()} people, ${AUDIT.toLocaleString()} audit events…`);
    const t0 = performance.now();
    const { adminToken } = await seed({ ...db, secret: SECRET, tokens: 0, minted: 0, datastores: 0 });
    const store = openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir, ...(db.pgSchema ? { pgSchema: db.pgSchema } : {}) });
    let last = 0;
    const { firstServiceAccountId, firstPersonId } = await seedLists(store, {
      serviceAccounts: ACCOUNTS, people: PEOPLE, tokens: TOKENS, auditEvents: AUDIT,
      team: { name: 'Analysts', people: Math.floor(PEOPLE / 2) }, teams: { count: TEAMS, people: 20 },
      onProgress: (n) => {
        if (n - last >= 100_000) log(`${dialect}: ${(last = n).toLocaleString()} tokens`);
      },
    });
    // PostgreSQL's autovacuum would analyse the new rows within minutes; do it now, for steady plans.
    if (dialect === 'postgres') await sql`analyze`.execute(store.db);
    await store.close();
    const seedSeconds = (performance.now() - t0) / 1000;
    rows.push({ dialect, list: 'seeding', measure: 'through the store', seconds: seedSeconds });
    log(`${dialect}: seeded in ${seedSeconds.toFixed(0)} s`);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = await startProcess(process.execPath, [...V8_FLAGS, MAIN, 'serve'], {
      GATEHOUSE_PORT: String(port), GATEHOUSE_DATA_DIR: db.dataDir, GATEHOUSE_SECRET: SECRET, GATEHOUSE_LOG_LEVEL: 'warn',
      GATEHOUSE_MAX_EVENT_LOOP_DELAY_MS: '0',
      ...(db.databaseUrl ? { GATEHOUSE_DATABASE_URL: db.databaseUrl } : {}),
    }, async () => (await fetch(`${url}/healthz`)).ok, 'gatehouse');
    const server = { ...proc, url, pid: proc.child.pid };
    try {
      // A human Admin with a password, for the browser (the seed's Admin has none).
      const admin = await fetch(`${url}/api/users`, {
        method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ user_type: 'Human', email: ADMIN_EMAIL, name: 'Lists Admin', role: 'Admin', password: ADMIN_PASSWORD }),
      });
      if (!admin.ok) throw new Error(`creating the browser's Admin: ${admin.status} ${await admin.text()}`);

      const g = (list, name, path, samples = SAMPLES) => measure(dialect, list, name, url, adminToken, path, samples, server.pid);
      const svc = (i) => firstServiceAccountId + ((i * 7919) % ACCOUNTS);
      const tokenName = (i) => {
        const j = (i * 104_729) % TOKENS;
        return `${WORDS[j % WORDS.length]}-${j}`;
      };
      await g('service tokens', 'first page', () => '/api/user-tokens/service?size=50');
      await g('service tokens', 'last page', () => '/api/user-tokens/service?size=50&cursor=last');
      await g('service tokens', 'name search (prefix, a different name each time)', (i) => `/api/user-tokens/service?size=50&sort=name&search=${tokenName(i)}`);
      await g('service tokens', 'name search (a common prefix: "deploy")', () => '/api/user-tokens/service?size=50&sort=name&search=deploy');
      await g('service tokens of one account', 'first page', (i) => `/api/user-tokens/service?size=50&user_id=${svc(i)}`);
      await g("Admin's All tokens", 'first page', () => '/api/user-tokens?size=50&include_service=true');
      await g("Admin's All tokens", 'last page', () => '/api/user-tokens?size=50&include_service=true&cursor=last');
      await g('own tokens', 'first page', () => '/api/user-tokens?size=50');
      await g('users', 'first page', () => '/api/users?size=50');
      await g('users', 'last page', () => '/api/users?size=50&cursor=last');
      await g('users', 'service accounts, last page', () => '/api/users?size=50&type=Service&cursor=last');
      await g('users', 'search (substring of id, name, e-mail)', (i) => `/api/users?size=50&search=person${(i * 7919) % PEOPLE}.`, Math.min(SAMPLES, 50));
      // Public holds every user and "Analysts" half the people: each team carries its count and 10 members.
      const teamId = async (name) => {
        const res = await fetch(`${url}/api/teams?size=5&search=${name}`, { headers: { authorization: `Bearer ${adminToken}` } });
        return (await res.json()).items.find((t) => t.name === name).id;
      };
      const [publicId, analystsId] = [await teamId('Public'), await teamId('Analysts')];
      const half = Math.max(1, Math.floor(PEOPLE / 2));
      await g('teams', 'first page (Public, Analysts and 48 more, with counts)', () => '/api/teams?size=50');
      await g('teams', 'last page', () => '/api/teams?size=50&cursor=last');
      await g('teams', 'one team: Public (up to 1000 members shown)', () => `/api/teams/${publicId}`);
      await g('team members', 'Public, first page', () => `/api/teams/${publicId}/members?size=50`);
      await g('team members', 'Public, last page', () => `/api/teams/${publicId}/members?size=50&cursor=last`);
      await g('team members', `Analysts (${half.toLocaleString('en-US')}), first page`, () => `/api/teams/${analystsId}/members?size=50`);
      await g('team members', 'Analysts, last page', () => `/api/teams/${analystsId}/members?size=50&cursor=last`);
      await g('team members', 'Analysts, search (substring, one person each time)', (i) => `/api/teams/${analystsId}/members?size=50&search=person${(i * 7919) % half}.`, Math.min(SAMPLES, 50));
      await g('team members', 'Analysts, search (a name many share: "Person 1")', () => `/api/teams/${analystsId}/members?size=50&search=Person%201`, Math.min(SAMPLES, 50));
      const scimRes = await fetch(`${url}/api/user-tokens`, {
        method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'lists-scim', scim_endpoints_only: true }),
      });
      if (!scimRes.ok) throw new Error(`creating a SCIM token: ${scimRes.status} ${await scimRes.text()}`);
      const scimToken = (await scimRes.json()).bearer_token;
      const s = (name, path, samples) => measure(dialect, 'SCIM Groups', name, url, scimToken, path, samples, server.pid);
      await s('list, excludedAttributes=members', () => '/api/scim/v2/Groups?count=100&excludedAttributes=members', Math.min(SAMPLES, 20));
      await s('Public, excludedAttributes=members', () => `/api/scim/v2/Groups/${publicId}?excludedAttributes=members`, Math.min(SAMPLES, 20));
      await s('Public with its members (every human)', () => `/api/scim/v2/Groups/${publicId}`, 3);
      log(`${dialect}: first person ${firstPersonId}`);
      await g('audit events', 'first page', () => '/api/audit-events?size=50');
      await g('audit events', 'last page', () => '/api/audit-events?size=50&cursor=last');
      await g('audit events', 'by action, last page', () => '/api/audit-events?size=50&action=token.revoked&cursor=last');
      await compatStream(dialect, server, adminToken);
      if (args.chromium) await browser(dialect, server, firstServiceAccountId);
    } finally {
      await server.stop();
    }
  } finally {
    await db.drop();
  }
}

function report() {
  const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
  const lines = ['| database | list | measure | p50 ms | p99 ms | max ms | server CPU ms/request | load |', '|---|---|---|---|---|---|---|---|'];
  for (const r of rows.filter((x) => x.p99 !== undefined)) lines.push(`| ${r.dialect} | ${r.list} | ${r.measure} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} | ${f(r.cpuMs)} | ${f(r.load)} |`);
  lines.push('', '| database | measure | value |', '|---|---|---|');
  for (const r of rows.filter((x) => x.p99 === undefined)) {
    let v;
    if (r.rssPeak !== undefined) v = `${f(r.mb)} MB in ${f(r.seconds)} s, server RSS ${f(r.rssBefore, 0)} → peak ${f(r.rssPeak, 0)} MB (+${f(r.rssPeak - r.rssBefore, 0)} MB)${r.complete ? '' : ' — INCOMPLETE'}`;
    else if (r.median !== undefined) v = `median ${f(r.median, 0)} ${r.unit}, max ${f(r.max, 0)} ${r.unit} (n=${r.n})`;
    else v = `${f(r.seconds, 0)} s`;
    lines.push(`| ${r.dialect} | ${r.list}: ${r.measure} | ${v} |`);
  }
  return lines.join('\n');
}

export async function benchLists() {
  const started = new Date();
  const load0 = loadavg()[0];
  for (const d of args.only ? [args.only] : ['sqlite', 'postgres']) await benchDialect(d);
  const table = report();
  console.log(`\n${table}\n`);
  if (!args.write) return;
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const section = [
    '<!-- lists:start -->',
    `Run of ${started.toISOString()} on ${machine} (load average ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end); PostgreSQL on the same machine.`,
    `Store: ${TOKENS.toLocaleString()} service tokens across ${ACCOUNTS.toLocaleString()} service accounts, ${PEOPLE.toLocaleString()} people, ${AUDIT.toLocaleString()} audit events. Command: \`node bench/lists.mjs --tokens ${TOKENS} --accounts ${ACCOUNTS} --people ${PEOPLE} --audit ${AUDIT} --samples ${SAMPLES}\`; one request at a time (the whole answer read), ${SAMPLES} samples after 5 for warm-up; \`total\` is exact up to 10,000, then a lower bound.`,
    '',
    table,
    '<!-- lists:end -->',
  ].join('\n');
  const file = new URL('../BENCHMARKS.md', import.meta.url).pathname;
  const doc = readFileSync(file, 'utf8');
  const start = doc.indexOf('<!-- lists:start -->');
  const end = doc.indexOf('<!-- lists:end -->');
  const next = start >= 0 && end > start ? doc.slice(0, start) + section + doc.slice(end + '<!-- lists:end -->'.length) : `${doc.trimEnd()}\n\n## Lists at scale (issue 27)\n\n${section}\n`;
  writeFileSync(file, next);
  log('BENCHMARKS.md: lists section written');
}

if (import.meta.url === `file://${process.argv[1]}`) await benchLists();
