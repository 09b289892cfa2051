import { createHook } from 'node:async_hooks';

/*
 * Keeps one entry of Node's nextTick queue alive for the life of the process, so that V8 keeps
 * the shape of those entries. Imported first by the entry point: it must run before anything
 * else queues a tick.
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
