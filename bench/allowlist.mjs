#!/usr/bin/env node
// The cost of an IP allowlist on the warm path (SPEC §11, issue 23): one server, two tokens of
// one Admin — one unrestricted, one with a 10-entry allowlist whose matching entry (127.0.0.1,
// where autocannon connects from) is the last — measured alternately on GET /api/users/me in
// ABBA order, the ratio taken per round; a control row measures the plain token against itself.
//
//   npm run build --silent && node bench/allowlist.mjs [--rounds 6] [--duration 5] [--pg]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { IpAllowlist } from '@gatehouse/core';
import { V8_FLAGS } from '@gatehouse/server/v8-flags';
import { freePort, load, median, startProcess } from './lib.mjs';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    duration: { type: 'string', default: '5' },
    pg: { type: 'string' },
  },
});
const ROUNDS = Number(args.rounds);
const DURATION = Number(args.duration);
const MAIN = new URL('../packages/server/dist/main.js', import.meta.url).pathname;
const EMAIL = 'bench@example.com';
const PASSWORD = 'bench-password-long-enough';
const ALLOWLIST = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32', 'fd00::/8', '100.64.0.0/10', '::1/128', '127.0.0.1/32'];
const log = (...a) => console.error('[allowlist]', ...a);

/** The check itself, in-process: ns per `allows()` for a remembered address and for new ones (a parse and up to 10 matches), and per parse of the list (once per list text and process). */
function microbench() {
  const list = new IpAllowlist(ALLOWLIST);
  const n = 2_000_000;
  let ok = 0;
  for (let i = 0; i < 100_000; i++) ok += list.allows('127.0.0.1') ? 1 : 0;
  let t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) ok += list.allows('127.0.0.1') ? 1 : 0;
  const remembered = Number(process.hrtime.bigint() - t) / n;
  const fresh = Array.from({ length: 200_000 }, (_, i) => `127.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  t = process.hrtime.bigint();
  for (const ip of fresh) ok += list.allows(ip) ? 1 : 0;
  const unseen = Number(process.hrtime.bigint() - t) / fresh.length;
  t = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) ok += new IpAllowlist(ALLOWLIST).cidrs.length;
  const parse = Number(process.hrtime.bigint() - t) / 1000;
  if (ok === 0) throw new Error('nothing allowed');
  return { remembered, unseen, parse };
}

const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-allowlist-'));
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const server = await startProcess(process.execPath, [...V8_FLAGS, MAIN, 'serve'], {
  GATEHOUSE_PORT: String(port), GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_LOG_LEVEL: 'info',
  GATEHOUSE_ADMIN_EMAIL: EMAIL, GATEHOUSE_ADMIN_PASSWORD: PASSWORD,
  GATEHOUSE_LIMIT_TOKEN_CREATE: 'off', GATEHOUSE_LIMIT_INVALID_TOKEN: 'off',
  ...(args.pg ? { GATEHOUSE_DATABASE_URL: args.pg } : {}),
}, async () => (await fetch(`${url}/healthz`)).ok, 'gatehouse');
const pid = server.child.pid;

try {
  const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: EMAIL, password: PASSWORD }) });
  const cookie = String(login.headers.get('set-cookie')).split(';')[0];
  const mint = async (body) => {
    const res = await fetch(`${url}/api/user-tokens`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`token: ${res.status} ${await res.text()}`);
    return (await res.json()).bearer_token;
  };
  const plain = await mint({ name: 'plain' });
  const listed = await mint({ name: 'allowlisted', allowed_ips: ALLOWLIST });
  const run = (token) => load({ url: `${url}/api/users/me`, headers: { authorization: `Bearer ${token}` }, duration: DURATION, pid });
  for (const t of [plain, listed]) {
    const check = await fetch(`${url}/api/users/me`, { headers: { authorization: `Bearer ${t}` } });
    if (!check.ok) throw new Error(`warm-up: ${check.status} ${await check.text()}`);
    await load({ url: `${url}/api/users/me`, headers: { authorization: `Bearer ${t}` }, duration: 1 });
  }

  /** B against A, ABBA: A first in even rounds. */
  async function pair(name, a, b) {
    const ra = [];
    const rb = [];
    const loads = [];
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2 === 0) ra.push(await run(a));
      rb.push(await run(b));
      if (r % 2 === 1) ra.push(await run(a));
      loads.push(loadavg()[0]);
    }
    const ratios = rb.map((x, r) => x.rps / ra[r].rps);
    const cpu = (xs) => median(xs.map((x) => x.cpuPerReq));
    const row = {
      name, rps: median(rb.map((x) => x.rps)), baseRps: median(ra.map((x) => x.rps)), ratio: median(ratios),
      min: Math.min(...ratios), max: Math.max(...ratios), cpu: cpu(rb), baseCpu: cpu(ra),
      non2xx: [...ra, ...rb].reduce((s, x) => s + x.non2xx, 0), load: median(loads),
    };
    log(`${name}: ${row.rps.toFixed(0)} vs ${row.baseRps.toFixed(0)} req/s, ratio ${row.ratio.toFixed(3)} (rounds ${ratios.map((x) => x.toFixed(3)).join(' ')}), CPU ${row.cpu.toFixed(1)} vs ${row.baseCpu.toFixed(1)} µs/req, load ${row.load.toFixed(2)}`);
    return row;
  }

  const micro = microbench();
  log(`allows(): ${micro.remembered.toFixed(0)} ns for a remembered address, ${micro.unseen.toFixed(0)} ns for a new one; parsing the list ${(micro.parse / 1000).toFixed(1)} µs`);
  const rows = [await pair('a. warm, token with a 10-entry allowlist vs without', plain, listed), await pair('control: the unrestricted token against itself', plain, plain)];
  console.log(`Run of ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}; ${args.pg ? 'PostgreSQL' : 'SQLite'}; ${ROUNDS} rounds of ${DURATION} s, 50 connections.\n`);
  console.log('| scenario | req/s | unrestricted req/s | ratio | rounds\' ratios | server CPU µs/req (unrestricted) | 1-min load average | non-2xx |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${r.baseRps.toFixed(0)} | ${r.ratio.toFixed(3)} | ${r.min.toFixed(3)}–${r.max.toFixed(3)} | ${r.cpu.toFixed(1)} (${r.baseCpu.toFixed(1)}) | ${r.load.toFixed(2)} | ${r.non2xx} |`);
  }
  console.log(`\nThe check alone (in-process): ${micro.remembered.toFixed(0)} ns per request from a remembered address; ${micro.unseen.toFixed(0)} ns from an address not seen before (a parse and up to 10 matches); ${(micro.parse / 1000).toFixed(1)} µs to parse the 10-entry list (once per list and process, on the cold path).`);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
