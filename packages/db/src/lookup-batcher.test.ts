import { describe, expect, it } from 'vitest';
import { LookupBatcher } from './lookup-batcher.js';

/** A batcher over a fake table that records every fetch it was asked for. */
function recordingBatcher(maxBatch?: number, fail?: (keys: string[]) => boolean) {
  const fetches: string[][] = [];
  const batcher = new LookupBatcher<string, string>(async (keys) => {
    fetches.push(keys);
    if (fail?.(keys)) throw new Error('store down');
    return new Map(keys.filter((k) => !k.startsWith('missing')).map((k) => [k, k.toUpperCase()]));
  }, maxBatch);
  return { batcher, fetches };
}

describe('LookupBatcher', () => {
  it('fetches the lookups of one event-loop turn together, each key once, and answers each caller', async () => {
    const { batcher, fetches } = recordingBatcher();
    const answers = await Promise.all(['a', 'b', 'a', 'missing-1', 'c'].map((k) => batcher.load(k)));
    expect(answers).toEqual(['A', 'B', 'A', undefined, 'C']);
    expect(fetches).toEqual([['a', 'b', 'missing-1', 'c']]);
  });

  it('starts a new batch in the next turn', async () => {
    const { batcher, fetches } = recordingBatcher();
    expect(await batcher.load('a')).toBe('A');
    expect(await batcher.load('b')).toBe('B');
    expect(fetches).toEqual([['a'], ['b']]);
  });

  it('splits a turn into statements of at most maxBatch keys', async () => {
    const { batcher, fetches } = recordingBatcher(2);
    expect(await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => batcher.load(k)))).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(fetches).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('rejects every caller of a failed statement, and only those', async () => {
    const { batcher } = recordingBatcher(2, (keys) => keys.includes('c'));
    const settled = await Promise.allSettled(['a', 'b', 'c', 'd', 'c'].map((k) => batcher.load(k)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected']);
    expect((settled[2] as PromiseRejectedResult).reason).toEqual(new Error('store down'));
  });
});
