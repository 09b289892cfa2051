#!/usr/bin/env node
// `npm run bench`: Gatehouse against a bare Fastify baseline serving the same JSON, measured
// alternately in the same run, on SQLite and PostgreSQL. Prints figures and writes the results
// section of BENCHMARKS.md. Not part of `npm test` (figures are noisy on shared machines;
// compare ratios from one run).
//
//   npm run bench                       # full run (≈ 10–15 min)
//   npm run bench -- --quick            # small stores and short runs, to try the script
//   npm run bench -- --only sqlite --rounds 5 --duration 8
//   npm run bench -- --scenarios c,store  # some of: a b c d e outbox webhook f f100k rss usage propagation store scim lists (nothing written)
//   npm run bench -- --no-write         # a full run that leaves BENCHMARKS.md alone
import { execFileSync, execSync } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { V8_FLAGS } from '@gatehouse/server/v8-flags';
import { freePort, freshDatabase, load, median, rssMB, sleep, startProcess } from './lib.mjs';
import { seed } from './seed.mjs';
import { scimRequests, seedScimUsers } from './scim.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenarios: { type: 'string' },
    only: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    'pg-url': { type: 'string', default: process.env.GATEHOUSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    write: { type: 'boolean', default: true },
  },
  allowNegative: true, // --no-write: print the figures, leave BENCHMARKS.md alone
});
const QUICK = args.quick;
/** Whether a part of the run was asked for (all of them unless --scenarios names some). */
const want = (part) => !args.scenarios || args.scenarios.split(',').includes(part);
const ROUNDS = Number(args.rounds);
const DURATION = QUICK ? 2 : Number(args.duration);
const STORE_TOKENS = QUICK ? 20_000 : 1_000_000;
const COLD_PER_ROUND = QUICK ? 5_000 : 100_000;
const SPREAD = QUICK ? 1_000 : 10_000;
const SMALL_STORE = 1_000;
const SECRET = 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const MAIN = new URL('../packages/server/dist/main.js', import.meta.url).pathname;
const BASELINE = new URL('./baseline.mjs', import.meta.url).pathname;

const log = (...a) => console.error('[bench]', ...a);
const results = []; // { dialect, scenario, gh, base, ratio, extra }

const prepareDatabase = (dialect, label) => freshDatabase(dialect, args['pg-url'], label);

async function startGatehouse(db, extraEnv = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // Started as `npm start` starts it: with the server's V8 flags.
  const proc = await startProcess(process.execPath, [...V8_FLAGS, MAIN, 'serve'], {
    GATEHOUSE_PORT: String(port), GATEHOUSE_DATA_DIR: db.dataDir, GATEHOUSE_SECRET: SECRET, GATEHOUSE_LOG_LEVEL: 'info',
    // Abuse limits would turn the issuance and invalid-token floods into 429s: measure the work itself.
    GATEHOUSE_LIMIT_TOKEN_CREATE: 'off', GATEHOUSE_LIMIT_INVALID_TOKEN: 'off',
    // The webhook scenarios' receiver runs on this machine.
    GATEHOUSE_WEBHOOK_ALLOW_PRIVATE: 'true',
    ...(db.databaseUrl ? { GATEHOUSE_DATABASE_URL: db.databaseUrl } : {}), ...extraEnv,
  }, async () => (await fetch(`${url}/healthz`)).ok, 'gatehouse');
  return { ...proc, url, pid: proc.child.pid };
}

async function startBaseline(routes) {
  const port = await freePort();
  const file = join(tmpdir(), `gatehouse-bench-baseline-${port}.json`);
  writeFileSync(file, JSON.stringify(routes));
  const proc = await startProcess(process.execPath, [...V8_FLAGS, BASELINE, file, String(port)], {}, async () => (await fetch(`http://127.0.0.1:${port}${routes[0].url}`)).ok, 'baseline');
  return { ...proc, url: `http://127.0.0.1:${port}`, pid: proc.child.pid };
}

const cycle = (tokens) => {
  let i = 0;
  return () => ({ headers: { authorization: `Bearer ${tokens[i++ % tokens.length]}` } });
};
const badSignature = (t) => t.slice(0, -6) + (t.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');

/**
 * Runs scenario `run(target)` alternately on the baseline and Gatehouse for ROUNDS rounds, in
 * ABBA order (the baseline first in even rounds, Gatehouse first in odd ones): on this kind of
 * machine whichever server runs second in a pair can read several percent lower.
 */
async function compare(dialect, name, gh, base, run, extra = {}) {
  const g = [];
  const b = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (base && r % 2 === 0) b.push(await run(base, r));
    g.push(await run(gh, r));
    if (base && r % 2 === 1) b.push(await run(base, r));
  }
  const pick = (xs, k) => median(xs.map((x) => x[k]));
  // The ratio of each round's two runs, a few seconds apart, so that a drift of a shared
  // machine's speed between rounds cancels in each pair; their range shows the run's noise.
  const paired = base ? g.map((x, r) => x.rps / b[r].rps) : [];
  const row = {
    dialect, scenario: name,
    rps: pick(g, 'rps'), p50: pick(g, 'p50'), p99: pick(g, 'p99'), cpu: pick(g, 'cpuPerReq'), non2xx: g.reduce((s, x) => s + x.non2xx, 0),
    baseRps: base ? pick(b, 'rps') : NaN, baseCpu: base ? pick(b, 'cpuPerReq') : NaN, baseP99: base ? pick(b, 'p99') : NaN,
    ratio: base ? median(paired) : NaN, ratioMin: Math.min(...paired), ratioMax: Math.max(...paired),
    ...extra,
  };
  results.push(row);
  log(`${dialect} ${name}: ${row.rps.toFixed(0)} req/s (baseline ${row.baseRps.toFixed(0)}) ratio ${row.ratio.toFixed(2)} (rounds ${paired.map((x) => x.toFixed(2)).join(' ')}) p50 ${row.p50} ms p99 ${row.p99} ms (baseline ${row.baseP99} ms) cpu ${row.cpu.toFixed(0)} µs/req`);
  return row;
}

async function benchDialect(dialect) {
  // The datastore scenarios alone need no big token store: seed it only for the others.
  const tokenScenarios = ['a', 'b', 'c', 'd', 'e', 'rss', 'propagation', 'store'].some(want);
  const tokens = tokenScenarios ? STORE_TOKENS : SMALL_STORE;
  const minted = tokenScenarios ? SPREAD + ROUNDS * COLD_PER_ROUND : SMALL_STORE;
  log(`${dialect}: seeding ${tokens.toLocaleString()} tokens (${minted.toLocaleString()} real)…`);
  const big = await prepareDatabase(dialect, 'big');
  const t0 = Date.now();
  const seeded = await seed({ ...big, secret: SECRET, tokens, minted });
  log(`${dialect}: seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const spread = seeded.secrets.slice(0, SPREAD);
  const coldSlices = Array.from({ length: ROUNDS }, (_, r) => seeded.secrets.slice(SPREAD + r * COLD_PER_ROUND, SPREAD + (r + 1) * COLD_PER_ROUND));
  const warm = spread[0];

  const gh = await startGatehouse(big);
  try {
    // The baseline answers exactly what Gatehouse answers, with the same response schemas.
    const openapi = await (await fetch(`${gh.url}/api/openapi.json`)).json();
    const schemaOf = (path) => openapi.paths[path].get.responses['200'].content['application/json'].schema;
    const meBody = await (await fetch(`${gh.url}/api/users/me`, { headers: { authorization: `Bearer ${warm}` } })).json();
    const dsBody = await (await fetch(`${gh.url}/api/datastores`, { headers: { authorization: `Bearer ${seeded.memberToken}` } })).json();
    const baselineRoutes = [
      { method: 'GET', url: '/api/users/me', schema: schemaOf('/api/users/me'), body: meBody },
      { method: 'GET', url: '/api/datastores', schema: schemaOf('/api/datastores'), body: dsBody },
    ];
    const base = await startBaseline(baselineRoutes);
    try {
      const target = (t, path) => ({ url: `${t.url}${path}`, pid: t.pid, duration: DURATION });
      const me = '/api/users/me';
      await load({ ...target(gh, me), headers: { authorization: `Bearer ${warm}` }, duration: 1 }); // warm-up
      await load({ ...target(base, me), duration: 1 });

      if (want('a')) await compare(dialect, 'a. warm (one token)', gh, base, (t) => load({ ...target(t, me), headers: { authorization: `Bearer ${warm}` } }));
      // The noise floor of every ratio of the run: the baseline against a second copy of itself.
      if (want('a') && dialect === dialects[0]) {
        const twin = await startBaseline(baselineRoutes);
        try {
          await load({ ...target(twin, me), duration: 1 });
          await compare('—', 'control: the baseline against a second baseline (a)', twin, base, (t) => load({ ...target(t, me), headers: { authorization: `Bearer ${warm}` } }));
        } finally {
          await twin.stop();
        }
      }
      // Steady state: every token seen once before measuring (scenario c measures first sights).
      if (want('b')) {
        await load({ ...target(gh, me), next: cycle(spread), amount: SPREAD, duration: undefined });
        await compare(dialect, `b. spread (${SPREAD.toLocaleString()} tokens)`, gh, base, (t) => load({ ...target(t, me), next: cycle(spread) }));
      }
      if (want('c')) await compare(dialect, `c. cold (${COLD_PER_ROUND.toLocaleString()} new tokens of ${STORE_TOKENS.toLocaleString()})`, gh, base, (t, r) =>
        load({ ...target(t, me), next: cycle(coldSlices[r]) }));
      const invalid = spread.slice(0, 5000).map(badSignature);
      const invalidRun = async (t) => {
        const r = await load({ ...target(t, me), next: cycle(invalid) });
        // Gatehouse answers 401: count every answer (the baseline answers 200).
        return { ...r, rps: r.total / DURATION };
      };
      if (want('d')) await compare(dialect, 'd. invalid signatures', gh, base, invalidRun);
      let n = 0;
      if (want('e')) await compare(dialect, 'e. issuance (POST /api/user-tokens)', gh, null, (t, r) =>
        load({
          url: `${t.url}/api/user-tokens`, method: 'POST', pid: t.pid, duration: DURATION, connections: 10,
          headers: { authorization: `Bearer ${seeded.adminToken}`, 'content-type': 'application/json' },
          next: () => ({ body: JSON.stringify({ name: `bench-${r}-${n++}`, expires_in_days: 30 }) }),
        }));
      if (want('outbox') || want('webhook')) await lifecycleScenarios(dialect, gh, seeded);
      if (want('f')) await compare(dialect, 'f. datastores, Member of 3 teams, 1,000 stored', gh, base, (t) => load({ ...target(t, '/api/datastores'), headers: { authorization: `Bearer ${seeded.memberToken}` } }));
      if (want('rss')) {
        results.push({ dialect, scenario: `RSS with ${STORE_TOKENS.toLocaleString()} tokens stored, right after the scenarios above`, rssMB: rssMB(gh.pid) });
        log(`${dialect}: RSS ${rssMB(gh.pid).toFixed(0)} MB`);
        // V8 keeps a grown heap while busy and gives memory back once idle (its memory reducer).
        await sleep(10_000);
        results.push({ dialect, scenario: `RSS with ${STORE_TOKENS.toLocaleString()} tokens stored, after 10 s idle`, rssMB: rssMB(gh.pid) });
        log(`${dialect}: RSS after 10 s idle ${rssMB(gh.pid).toFixed(0)} MB`);
      }

      // The cost of counting usage per token per day and per client (SPEC §10): the same build
      // with counting off (GATEHOUSE_USAGE_COUNTING=false) in the baseline's slot, on the same store.
      if (want('usage')) {
        const off = await startGatehouse(big, { GATEHOUSE_USAGE_COUNTING: 'false' });
        try {
          await load({ ...target(off, me), headers: { authorization: `Bearer ${warm}` }, duration: 1 });
          await compare(dialect, 'usage counting on / off: a. warm (one token)', gh, off, (t) => load({ ...target(t, me), headers: { authorization: `Bearer ${warm}` } }));
          await load({ ...target(off, me), next: cycle(spread), amount: SPREAD, duration: undefined });
          await load({ ...target(gh, me), next: cycle(spread), amount: SPREAD, duration: undefined });
          await compare(dialect, `usage counting on / off: b. spread (${SPREAD.toLocaleString()} tokens)`, gh, off, (t) => load({ ...target(t, me), next: cycle(spread) }));
        } finally {
          await off.stop();
        }
      }

      if (dialect === 'postgres' && want('propagation')) await propagation(big, gh, seeded);
    } finally {
      await base.stop();
    }
  } finally {
    await gh.stop();
  }

  // Store size: the same 1,000 tokens looked up in the database on every request (cache off),
  // in a store of 1,000 tokens and in the store of 1,000,000, measured alternately (both servers
  // up) after both databases were vacuumed and analysed, so that neither run shares the machine
  // with the other's autovacuum.
  if (want('f100k')) await datastoresAtScale(dialect);
  if (!want('store')) return big.drop();
  const small = await prepareDatabase(dialect, 'small');
  const smallSeed = await seed({ ...small, secret: SECRET, tokens: SMALL_STORE, minted: SMALL_STORE, datastores: 10 });
  for (const db of [small, big]) await vacuum(dialect, db);
  const smallServer = await startGatehouse(small, { GATEHOUSE_TOKEN_CACHE_SIZE: '0' });
  const bigServer = await startGatehouse(big, { GATEHOUSE_TOKEN_CACHE_SIZE: '0' });
  // The control: a second server on the 1k store, measured the same way, shows the noise floor.
  const twinServer = await startGatehouse(small, { GATEHOUSE_TOKEN_CACHE_SIZE: '0' });
  try {
    const bigTokens = spread.slice(0, SMALL_STORE);
    const run = (t, tokens) => load({ url: `${t.url}/api/users/me`, pid: t.pid, duration: DURATION, next: cycle(tokens) });
    for (const [t, tokens] of [[smallServer, smallSeed.secrets], [bigServer, bigTokens], [twinServer, smallSeed.secrets]]) {
      await load({ url: `${t.url}/api/users/me`, duration: 1, next: cycle(tokens) });
    }
    // compare() alternates: the "baseline" slot is the 1k store, the measured one the 1M store.
    const row = await compare(dialect, `store of ${STORE_TOKENS.toLocaleString()} vs ${SMALL_STORE.toLocaleString()} tokens, cache off`, bigServer, smallServer, (t) => run(t, t === bigServer ? bigTokens : smallSeed.secrets));
    results.push({ dialect, scenario: '1M store vs 1k store (cache off)', sizeRatio: row.ratio });
    const control = await compare(dialect, `control: 1k store vs the same 1k store, cache off`, twinServer, smallServer, (t) => run(t, smallSeed.secrets));
    results.push({ dialect, scenario: 'control: two servers on the same 1k store (cache off)', sizeRatio: control.ratio });
  } finally {
    await smallServer.stop();
    await bigServer.stop();
    await twinServer.stop();
  }
  await small.drop();
  await big.drop();
}

/** Scenario f with 100,000 datastores stored (the Member of 3 teams of 10 sees 30,000), on a store of its own. */
async function datastoresAtScale(dialect) {
  const DATASTORES = QUICK ? 20_000 : 100_000;
  log(`${dialect}: seeding ${DATASTORES.toLocaleString()} datastores…`);
  const db = await prepareDatabase(dialect, 'ds');
  const seeded = await seed({ ...db, secret: SECRET, tokens: SMALL_STORE, minted: 10, datastores: DATASTORES });
  await vacuum(dialect, db);
  const gh = await startGatehouse(db);
  try {
    const openapi = await (await fetch(`${gh.url}/api/openapi.json`)).json();
    const schema = openapi.paths['/api/datastores'].get.responses['200'].content['application/json'].schema;
    const headers = { authorization: `Bearer ${seeded.memberToken}` };
    const body = await (await fetch(`${gh.url}/api/datastores`, { headers })).json();
    const base = await startBaseline([{ method: 'GET', url: '/api/datastores', schema, body }]);
    try {
      const target = (t) => ({ url: `${t.url}/api/datastores`, pid: t.pid, duration: DURATION });
      await load({ ...target(gh), headers, duration: 1 });
      await load({ ...target(base), duration: 1 });
      await compare(dialect, `f. datastores, Member of 3 teams, ${DATASTORES.toLocaleString()} stored`, gh, base, (t) => load({ ...target(t), headers }));
    } finally {
      await base.stop();
    }
  } finally {
    await gh.stop();
    await db.drop();
  }
}

/** VACUUM ANALYZE (PostgreSQL) or ANALYZE + WAL checkpoint (SQLite) of a benchmark database. */
async function vacuum(dialect, db) {
  if (dialect === 'postgres') {
    const c = new pg.Client({ connectionString: db.databaseUrl });
    await c.connect();
    await c.query('VACUUM ANALYZE tokens, users, teams, team_members, datastores, datastore_teams');
    await c.end();
    return;
  }
  const { default: Database } = await import('better-sqlite3');
  const file = join(db.dataDir, 'gatehouse.db');
  const d = new Database(file);
  d.exec('ANALYZE');
  d.pragma('wal_checkpoint(TRUNCATE)');
  d.close();
}

/** A webhook receiver in this process: answers 204 and calls `onEvent(body, receivedAt)`. */
async function startReceiver(onEvent) {
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      onEvent(body, performance.now());
      res.writeHead(204).end();
    });
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}/hook`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

/**
 * SPEC §9's figures: what the outbox costs token issuance (an endpoint subscribed to
 * token.created, so that each issuance writes its delivery and triggers a send, against none
 * subscribed, alternately), and how soon a revocation's webhook reaches a receiver on this
 * machine after the revocation is answered.
 */
async function lifecycleScenarios(dialect, gh, seeded) {
  const auth = { authorization: `Bearer ${seeded.adminToken}`, 'content-type': 'application/json' };
  const waiting = new Map(); // token id → resolve(receivedAt)
  const receiver = await startReceiver((body, at) => {
    const event = JSON.parse(body);
    waiting.get(event.data?.token?.id)?.(at);
  });
  try {
    const hook = await (await fetch(`${gh.url}/api/webhooks`, { method: 'POST', headers: auth, body: JSON.stringify({ url: receiver.url, events: ['token.created', 'token.revoked'] }) })).json();
    const setActive = (active) => fetch(`${gh.url}/api/webhooks/${hook.id}`, { method: 'PUT', headers: auth, body: JSON.stringify({ active }) });
    if (want('outbox')) {
      let n = 0;
      const issue = (r) => load({
        url: `${gh.url}/api/user-tokens`, method: 'POST', pid: gh.pid, duration: DURATION, connections: 10,
        headers: auth, next: () => ({ body: JSON.stringify({ name: `outbox-${r}-${n++}`, expires_in_days: 30 }) }),
      });
      const subscribed = { name: 'subscribed' };
      const none = { name: 'none' };
      await compare(dialect, 'outbox: issuance with a webhook subscribed to token.created (baseline: none subscribed)', subscribed, none, async (t, r) => {
        await setActive(t === subscribed);
        return issue(r);
      });
      await setActive(true);
    }
    if (want('webhook')) {
      const times = [];
      for (let i = 0; i < (QUICK ? 30 : 200); i++) {
        const created = await (await fetch(`${gh.url}/api/user-tokens`, { method: 'POST', headers: auth, body: JSON.stringify({ name: `hook-${Date.now()}-${i}` }) })).json();
        await sleep(20); // its token.created delivery is out of the way
        const arrived = new Promise((resolve) => waiting.set(created.id, resolve));
        const res = await fetch(`${gh.url}/api/user-tokens/${created.id}`, { method: 'PUT', headers: auth, body: JSON.stringify({ revoke: true }) });
        const answered = performance.now();
        if (res.status !== 200) throw new Error(`revocation answered ${res.status}`);
        const at = await Promise.race([arrived, sleep(10_000).then(() => NaN)]);
        waiting.delete(created.id);
        if (Number.isNaN(at)) throw new Error('the token.revoked webhook did not arrive within 10 s');
        times.push(Math.max(0, at - answered));
      }
      times.sort((x, y) => x - y);
      const p = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
      results.push({ dialect, scenario: 'token.revoked webhook received after the revocation was answered', p50: p(0.5), p99: p(0.99), max: times.at(-1) });
      log(`${dialect} webhook after revocation: p50 ${p(0.5).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms, max ${times.at(-1).toFixed(1)} ms`);
    }
    await fetch(`${gh.url}/api/webhooks/${hook.id}`, { method: 'DELETE', headers: auth });
  } finally {
    await receiver.close();
  }
}

/** Two nodes on one PostgreSQL: time from a revocation answered by A to its refusal by B. */
async function propagation(db, a, seeded) {
  const b = await startGatehouse(db);
  try {
    const times = [];
    const auth = { authorization: `Bearer ${seeded.adminToken}`, 'content-type': 'application/json' };
    for (let i = 0; i < (QUICK ? 20 : 100); i++) {
      const created = await (await fetch(`${a.url}/api/user-tokens`, { method: 'POST', headers: auth, body: JSON.stringify({ name: `prop-${Date.now()}-${i}` }) })).json();
      const call = () => fetch(`${b.url}/api/users/me`, { headers: { authorization: `Bearer ${created.bearer_token}` } }).then((r) => r.status);
      // Twice: B caches a token from its second use on, and the change must reach B's cache.
      for (let k = 0; k < 2; k++) if ((await call()) !== 200) throw new Error('token not accepted on B');
      await fetch(`${a.url}/api/user-tokens/${created.id}`, { method: 'PUT', headers: auth, body: JSON.stringify({ revoke: true }) });
      const start = performance.now();
      while ((await call()) !== 401) {
        if (performance.now() - start > 5000) throw new Error('revocation did not reach B within 5 s');
      }
      times.push(performance.now() - start);
    }
    times.sort((x, y) => x - y);
    const p = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    results.push({ dialect: 'postgres', scenario: 'revocation on node A refused by node B', p50: p(0.5), p99: p(0.99), max: times.at(-1) });
    log(`postgres propagation: p50 ${p(0.5).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms, max ${times.at(-1).toFixed(1)} ms`);
  } finally {
    await b.stop();
  }
}

function report() {
  const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '—');
  const lines = [];
  lines.push('| database | scenario | req/s | baseline req/s | ratio | rounds\' ratios | p50 ms | p99 ms (baseline) | server CPU µs/req (baseline) | non-2xx |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results.filter((x) => x.rps !== undefined)) {
    const range = Number.isFinite(r.ratio) ? `${f(r.ratioMin, 2)}–${f(r.ratioMax, 2)}` : '—';
    lines.push(`| ${r.dialect} | ${r.scenario} | ${f(r.rps)} | ${f(r.baseRps)} | ${f(r.ratio, 2)} | ${range} | ${f(r.p50, 1)} | ${f(r.p99, 1)} (${f(r.baseP99, 1)}) | ${f(r.cpu)} (${f(r.baseCpu)}) | ${r.non2xx} |`);
  }
  const other = results.filter((x) => x.rps === undefined);
  if (other.length) {
    lines.push('', '| database | measure | value |', '|---|---|---|');
    for (const r of other) {
      const v = r.rssMB !== undefined ? `${f(r.rssMB)} MB` : r.sizeRatio !== undefined ? `${f(r.sizeRatio, 3)}× the 1k store's req/s` : `p50 ${f(r.p50, 1)} ms, p99 ${f(r.p99, 1)} ms, max ${f(r.max, 1)} ms`;
      lines.push(`| ${r.dialect} | ${r.scenario} | ${v} |`);
    }
  }
  return lines.join('\n');
}

/**
 * SCIM at scale (issue 20, item 9): 100,000 provisioned people; each request kind measured on its
 * own, one request at a time as a provisioning client sends them: p99 latency and server CPU per
 * request. Filters and paging run in the database.
 */
const SCIM_USERS = QUICK ? 10_000 : 100_000;
async function benchScim(dialect) {
  const db = await prepareDatabase(dialect, 'scim');
  const t0 = Date.now();
  const token = await seedScimUsers({ ...db, secret: SECRET, users: SCIM_USERS });
  log(`${dialect}: seeded ${SCIM_USERS.toLocaleString()} SCIM users in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await vacuum(dialect, db);
  const gh = await startGatehouse(db);
  try {
    const headers = { authorization: `Bearer ${token}` };
    for (const [name, path] of scimRequests(SCIM_USERS)) {
      const first = await fetch(`${gh.url}${path}`, { headers });
      const body = await first.json();
      if (first.status !== 200) throw new Error(`${name}: ${first.status} ${JSON.stringify(body)}`);
      await load({ url: `${gh.url}${path}`, headers, pid: gh.pid, duration: 1, connections: 1 });
      await compare(dialect, `SCIM ${SCIM_USERS.toLocaleString()} users: ${name} (${body.totalResults} matches, ${body.itemsPerPage} per page)`, gh, null, () =>
        load({ url: `${gh.url}${path}`, headers, pid: gh.pid, duration: DURATION, connections: 1 }));
    }
  } finally {
    await gh.stop();
    await db.drop();
  }
}

const dialects = args.only ? [args.only] : ['sqlite', 'postgres'];
const started = new Date();
for (const d of dialects) if (!args.scenarios || args.scenarios.split(',').some((s) => s !== 'scim')) await benchDialect(d);
for (const d of dialects) if (want('scim')) await benchScim(d);
const table = report();
console.log(`\n${table}\n`);

if (args.write && !QUICK && !args.scenarios) {
  const versions = JSON.parse(execSync('npm ls fastify better-sqlite3 pg kysely autocannon --json --depth=3', { encoding: 'utf8' }));
  const find = (name, tree = versions) => {
    for (const [k, v] of Object.entries(tree.dependencies ?? {})) {
      if (k === name) return v.version;
      const deeper = find(name, v);
      if (deeper) return deeper;
    }
    return undefined;
  };
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const section = [
    `<!-- results:start -->`,
    `Run of ${started.toISOString()} on ${machine}; fastify ${find('fastify')}, better-sqlite3 ${find('better-sqlite3')}, pg ${find('pg')}, kysely ${find('kysely')}, autocannon ${find('autocannon')}; PostgreSQL on the same machine.`,
    `Command: \`npm run bench -- --rounds ${ROUNDS} --duration ${DURATION}\` (${ROUNDS} rounds, medians; a ratio is the median of the rounds' ratios, each of two runs side by side; 50 connections unless said; the load generator runs beside the server).`,
    '',
    table,
    `<!-- results:end -->`,
  ].join('\n');
  const file = new URL('../BENCHMARKS.md', import.meta.url).pathname;
  let doc;
  try {
    doc = readFileSync(file, 'utf8');
  } catch {
    doc = '# Benchmarks\n\n<!-- results:start -->\n<!-- results:end -->\n';
  }
  doc = doc.replace(/<!-- results:start -->[\s\S]*<!-- results:end -->/, section);
  writeFileSync(file, doc);
  log('results written to BENCHMARKS.md');
}

// Lists at scale (issue 27): its own script and its own section of BENCHMARKS.md.
if (want('lists')) {
  const quick = ['--tokens', '20000', '--accounts', '2000', '--people', '2000', '--audit', '5000', '--samples', '20', '--no-write'];
  const full = [...(args.only ? ['--only', args.only] : []), ...(args.write && !args.scenarios ? [] : ['--no-write'])];
  execFileSync(process.execPath, [new URL('./lists.mjs', import.meta.url).pathname, ...(QUICK ? quick : full)], { stdio: 'inherit' });
}
