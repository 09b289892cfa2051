#!/usr/bin/env node
// The cost of counting usage per token per day and per client (SPEC §10), measured in process,
// counting on against counting off in alternating rounds of the same run:
//   1. UsageBuffer.record, the per-request part (a warm request calls it once);
//   2. one flush of the uses of N tokens into a real store (SQLite, and PostgreSQL if reachable);
//   3. the heap held by the buffer with 100,000 tokens used in one flush period.
// CPU-bound and in one process, so a busy shared machine slows both sides alike; the HTTP
// comparison is `npm run bench -- --scenarios usage`.
//
//   node bench/usage-counting.mjs [--tokens 10000] [--rounds 5]
import { parseArgs } from 'node:util';
import { UsageBuffer } from '@gatehouse/core';
import { openStore } from '@gatehouse/db';
import { freshDatabase } from './lib.mjs';

const { values: args } = parseArgs({ options: { tokens: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '5' }, 'pg-url': { type: 'string', default: process.env.GATEHOUSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' } } });
const TOKENS = Number(args.tokens);
const ROUNDS = Number(args.rounds);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// 1. record(): 2,000,000 warm requests of one token from one client, then of 1,000 tokens in turn.
function recordNs(counting, tokens) {
  const b = new UsageBuffer(counting);
  const n = 2_000_000;
  const start = process.hrtime.bigint();
  let at = Date.now();
  for (let i = 0; i < n; i++) {
    if ((i & 1023) === 0) {
      at += 1;
      if ((i & 0x3ffff) === 0) b.drain();
    }
    b.record(1 + (i % tokens), at, '10.0.0.5', 'python-requests/2.32');
  }
  return Number(process.hrtime.bigint() - start) / n;
}
for (let i = 0; i < 2; i++) { recordNs(true, 1); recordNs(false, 1); } // warm-up (JIT)
const rec = { on1: [], off1: [], onMany: [], offMany: [] };
for (let r = 0; r < ROUNDS; r++) {
  rec.off1.push(recordNs(false, 1)); rec.on1.push(recordNs(true, 1));
  rec.onMany.push(recordNs(true, 1000)); rec.offMany.push(recordNs(false, 1000));
}
console.log(`record(), one token, one client: counting off ${median(rec.off1).toFixed(1)} ns, on ${median(rec.on1).toFixed(1)} ns per request`);
console.log(`record(), 1,000 tokens in turn:  counting off ${median(rec.offMany).toFixed(1)} ns, on ${median(rec.onMany).toFixed(1)} ns per request`);

// 3. Heap of 100,000 tokens pending (one client each).
function heapOf(counting) {
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  const b = new UsageBuffer(counting);
  const at = Date.now();
  for (let t = 1; t <= 100_000; t++) b.record(t, at, `10.0.${t >> 8 & 255}.${t & 255}`, 'python-requests/2.32');
  globalThis.gc?.();
  const bytes = process.memoryUsage().heapUsed - before;
  if (b.size !== 100_000) throw new Error('not all recorded');
  return bytes / 2 ** 20;
}
if (globalThis.gc) console.log(`heap of 100,000 tokens pending: counting off ${heapOf(false).toFixed(1)} MiB, on ${heapOf(true).toFixed(1)} MiB`);
else console.log('heap: run with node --expose-gc to measure');

// 2. One flush of TOKENS tokens' uses (5 requests each, one client) into a real store.
async function flushMs(store, ids, counting, round) {
  const b = new UsageBuffer(counting);
  const at = Date.now() + round * 1000;
  for (const id of ids) for (let k = 0; k < 5; k++) b.record(id, at + k, '10.0.0.5', 'python-requests/2.32');
  const batch = b.drain();
  const start = performance.now();
  await store.tokens.recordUsage(batch);
  return performance.now() - start;
}

/** A store on a fresh database; null when PostgreSQL cannot be reached. */
async function storeOf(kind) {
  const db = await freshDatabase(kind, args['pg-url'], 'usage').catch(() => null);
  return db && { store: openStore({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, pgSchema: db.pgSchema }), drop: db.drop };
}

for (const kind of ['sqlite', 'postgres']) {
  const opened = await storeOf(kind);
  if (!opened) {
    console.log(`${kind}: not reachable, skipped`);
    continue;
  }
  const { store, drop } = opened;
  try {
    await store.migrate();
    const now = new Date();
    const team = await store.teams.ensurePublic(now);
    const owner = await store.users.create({ userId: 'bench@service', email: null, name: 'bench', type: 'Service', role: 'Member', teamIds: [team.id], passwordHash: null, createdById: null, created: now });
    const ref = { id: owner.id, userId: owner.userId, name: owner.name, type: owner.type };
    const ids = [];
    for (let i = 0; i < TOKENS; i++) {
      ids.push((await store.tokens.create({ owner: ref, name: `t${i}`, type: 'Service', scimEndpointsOnly: false, expiration: null, created: now, createdById: null, tokenHash: `h${i}-${Math.random()}`, jti: 'j', kid: 'k' })).id);
    }
    // First flush of each: the clients are new (an insert and a token.new_ip event each); later ones add up.
    const first = { on: await flushMs(store, ids, true, 0), off: await flushMs(store, ids, false, 0) };
    const on = [];
    const off = [];
    for (let r = 1; r <= ROUNDS; r++) {
      off.push(await flushMs(store, ids, false, r));
      on.push(await flushMs(store, ids, true, r));
    }
    console.log(`${kind}: flush of ${TOKENS.toLocaleString()} tokens: counting off ${median(off).toFixed(0)} ms, on ${median(on).toFixed(0)} ms (first flush with new clients: ${first.on.toFixed(0)} ms)`);
  } finally {
    await store.close();
    await drop();
  }
}
