import { createHook } from 'node:async_hooks';
import { setFlagsFromString } from 'node:v8';

/*
 * Two settings of the V8 engine for a long-running server, made by the entry point before it
 * loads anything else (both measured with the benchmark's scenarios; see BENCHMARKS.md).
 */

/*
 * 1. Old-generation growth. After each full GC, V8 lets the old generation grow to up to 4× what
 * survived before the next one. Requests waiting on PostgreSQL survive young-generation GCs and
 * fill it with garbage: 220–260 MB resident after load for 30–40 MB live. Growing by 50 % instead
 * keeps it at 165 MB at the same throughput (cold tokens on PostgreSQL, alternating runs: 13.7–14.3k
 * against 13.5–14.8k req/s). An operator's own `node --heap-growing-percent=N` wins (Node does
 * not accept that flag in NODE_OPTIONS).
 */
if (!process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent/.test(arg))) setFlagsFromString('--heap-growing-percent=50');

/*
 * 2. Keeps one entry of Node's nextTick queue alive for the life of the process, so that V8 keeps
 * the shape of those entries; must run before anything else queues a tick.
 *
 * Node builds each entry as `{ [async_id_symbol]: …, [trigger_async_id_symbol]: …, callback,
 * args }`. Shapes reached through computed keys are held only by V8's weak transitions, so a
 * full GC with no entry alive drops them and the next entry gets a fresh shape. Startup runs many
 * such GCs; after four fresh shapes the inline caches of that literal go megamorphic for good and
 * every nextTick (several per HTTP request, in Node's streams) takes V8's runtime path. Measured
 * with perf on a cached-token request: about 10 % of the server's CPU, under
 * Runtime_DefineKeyedOwnPropertyInLiteral; none with one entry held from the start.
 */
const held: object[] = [];
const hook = createHook({
  init(_asyncId, type, _triggerAsyncId, resource) {
    if (type === 'TickObject' && held.length === 0) held.push(resource);
  },
});
hook.enable();
process.nextTick(() => {});
hook.disable();
