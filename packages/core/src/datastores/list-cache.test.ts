import { describe, expect, it } from 'vitest';
import type { Datastore, Page } from '../model.js';
import type { DatastoreQuery } from '../ports.js';
import { DatastoreListCache } from './list-cache.js';

const page = (n: number): Page<Datastore> => ({
  total: n,
  items: Array.from({ length: n }, (_, i) => ({
    id: i + 1, name: `ds-${i}`, type: 'postgresql', host: null, port: null, database: null, schema: null, teams: [], connection: null, tags: [], enrichmentOnly: false, created: new Date(0), createdById: null,
  })),
});
const query = (extra: Partial<DatastoreQuery> = {}): DatastoreQuery => ({ offset: 0, limit: 50, sort: { by: 'id', desc: false }, visibleToTeamIds: [3, 1, 2], ...extra });

describe('DatastoreListCache', () => {
  it('keys a query by everything that selects or orders; team ids in any order are the same viewer', () => {
    const k = DatastoreListCache.keyOf;
    expect(k(query({ visibleToTeamIds: [1, 2, 3] }))).toBe(k(query({ visibleToTeamIds: [3, 2, 1] })));
    const variants = [query({ visibleToTeamIds: [1, 2] }), query({ visibleToTeamIds: undefined }), query({ offset: 50 }), query({ limit: 10 }), query({ sort: { by: 'name', desc: false } }),
      query({ sort: { by: 'id', desc: true } }), query({ name: 'x' }), query({ types: ['bigquery'] }), query({ tags: ['prod'] }), query({ enrichmentOnly: false }), query({ search: 'x' })];
    expect(new Set([k(query()), ...variants.map(k)]).size).toBe(variants.length + 1);
  });

  it('answers a kept page until a datastore change or an `all` change; a token or user change keeps it', () => {
    const cache = new DatastoreListCache();
    const key = DatastoreListCache.keyOf(query());
    cache.put(key, page(3), cache.generation);
    expect(cache.get(key)?.total).toBe(3);
    cache.apply({ kind: 'token', tokenId: 1 });
    cache.apply({ kind: 'user', userId: 1 });
    expect(cache.get(key)?.total).toBe(3);
    cache.apply({ kind: 'datastores' });
    expect(cache.get(key)).toBeUndefined();
    cache.put(key, page(2), cache.generation);
    cache.apply({ kind: 'all' });
    expect(cache.get(key)).toBeUndefined();
  });

  it('does not keep a page read across a change (a read that began before the commit ends after the invalidation)', () => {
    const cache = new DatastoreListCache();
    const key = DatastoreListCache.keyOf(query());
    const generation = cache.generation; // the read begins
    cache.apply({ kind: 'datastores' }); // a change commits meanwhile
    cache.put(key, page(1), generation); // the read ends with what may be stale
    expect(cache.get(key)).toBeUndefined();
  });

  it('keeps and answers nothing while disabled (the cross-node feed is down); starts empty when enabled again', () => {
    const cache = new DatastoreListCache();
    const key = DatastoreListCache.keyOf(query());
    cache.put(key, page(1), cache.generation);
    cache.setEnabled(false);
    expect(cache.get(key)).toBeUndefined();
    cache.put(key, page(1), cache.generation);
    cache.setEnabled(true);
    expect(cache.get(key)).toBeUndefined();
  });

  it('holds at most maxItems datastores in all: past that it starts again empty', () => {
    const cache = new DatastoreListCache(100);
    const keyA = DatastoreListCache.keyOf(query({ offset: 0 }));
    const keyB = DatastoreListCache.keyOf(query({ offset: 60 }));
    cache.put(keyA, page(60), cache.generation);
    cache.put(keyB, page(60), cache.generation);
    expect(cache.get(keyA)).toBeUndefined();
    expect(cache.get(keyB)?.items).toHaveLength(60);
  });
});
