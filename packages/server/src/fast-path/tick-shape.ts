import { createHook } from 'node:async_hooks';

/*
 * Imported first by the entry points, before anything else queues a tick: keeps one entry of
 * Node's nextTick queue alive for the life of the process, so that V8 keeps the shape of those
 * entries.
 *
 * Node builds each entry as `{ [async_id_symbol]: …, [trigger_async_id_symbol]: …, callback,
 * args }`. Shapes reached through computed keys are held only by V8's weak transitions, so a
 * full GC with no entry alive drops them and the next entry gets a fresh shape; after four fresh
 * shapes the inline caches of that literal go megamorphic for good and every nextTick (several
 * per HTTP request, in Node's streams) takes V8's slow runtime path. One entry held from the
 * start keeps them monomorphic (BENCHMARKS.md, "Why the code is this way").
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
