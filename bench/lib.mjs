import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';

/**
 * A fresh, empty database for one measurement: a temporary data directory, and for PostgreSQL
 * (any `dialect` but 'sqlite') a new schema in `pgUrl`. `drop()` removes both. Rejects when
 * PostgreSQL cannot be reached.
 */
export async function freshDatabase(dialect, pgUrl, label) {
  const dataDir = mkdtempSync(join(tmpdir(), `gatehouse-bench-${label}-`));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  if (dialect === 'sqlite') return { dataDir, databaseUrl: undefined, drop: async () => removeDir() };
  const schema = `gh_bench_${label}_${Date.now().toString(36)}`;
  const onPg = async (statement) => {
    const c = new pg.Client({ connectionString: pgUrl });
    try {
      await c.connect();
      await c.query(statement);
    } finally {
      await c.end().catch(() => {});
    }
  };
  try {
    await onPg(`create schema ${schema}`);
  } catch (e) {
    removeDir();
    throw e;
  }
  const url = new URL(pgUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    dataDir, databaseUrl: url.toString(), pgSchema: schema,
    drop: async () => {
      await onPg(`drop schema if exists ${schema} cascade`);
      removeDir();
    },
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Process CPU time (user + system) in microseconds, from /proc. */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return (ticks * 1e6) / 100; // CLK_TCK is 100 on Linux
}

export function rssMB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Starts a process and waits until `ready()` resolves true (polled). */
export async function startProcess(cmd, args, env, ready, label) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out = (out + d).slice(-20000)));
  child.stderr.on('data', (d) => (out = (out + d).slice(-20000)));
  const started = Date.now();
  while (!(await ready().catch(() => false))) {
    if (child.exitCode !== null) throw new Error(`${label} exited: ${out}`);
    if (Date.now() - started > 60_000) throw new Error(`${label} did not start: ${out}`);
    await sleep(100);
  }
  return { child, output: () => out, stop: () => new Promise((r) => { if (child.exitCode !== null) return r(); child.once('exit', r); child.kill('SIGTERM'); }) };
}

/**
 * One autocannon run. `next()` (optional) returns per-request overrides {headers, body}; the
 * result has req/s of 2xx answers, latency percentiles and server CPU µs per request.
 */
export async function load({ url, method = 'GET', headers = {}, body, next, connections = 50, duration = 5, amount, pid }) {
  const cpu0 = pid ? cpuMicros(pid) : 0;
  const opts = {
    url, method, headers, body, connections, pipelining: 1,
    ...(amount ? { amount } : { duration }),
    ...(next ? { requests: [{ method, setupRequest: (req) => { const o = next(); return { ...req, headers: { ...req.headers, ...o.headers }, ...(o.body !== undefined ? { body: o.body } : {}) }; } }] } : {}),
  };
  const r = await autocannon(opts);
  const cpu = pid ? cpuMicros(pid) - cpu0 : 0;
  const ok = r['2xx'];
  return {
    rps: ok / (r.duration || duration),
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx + r.errors + r.timeouts,
    cpuPerReq: ok + r.non2xx ? cpu / (r.requests.total || ok) : NaN,
    total: r.requests.total,
  };
}
