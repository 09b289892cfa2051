import { Migrator } from 'kysely/migration';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationProvider } from './migrations/index.js';
import type { OpenedStore } from './open-store.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './test-support/test-databases.js';

/*
 * Migration 2026-12-07T01-00-lifecycle-2 (a token's own idle limit) on a database with tokens:
 * they keep the policy alone (null), a new one stores its own; down and up again leave it usable.
 */
const NAME = '2026-12-07T01-00-lifecycle-2';
const T0 = new Date('2026-06-01T10:00:00.000Z');

describe.each(DIALECTS)('lifecycle-2 migration on $kind', ({ kind, available }) => {
  let tdb: TestDatabase | undefined;
  let store: OpenedStore | undefined;
  afterEach(async () => {
    await store?.close();
    await tdb?.drop();
  });

  it.skipIf(!available)('existing tokens get no own idle limit; down and up again work', async () => {
    tdb = await createTestDatabase(kind);
    store = tdb.open();
    await store.migrate();
    const user = await store.users.create({ userId: 'bot@service', email: null, name: 'Bot', type: 'Service', role: 'Member', teamIds: [], passwordHash: null, createdById: null, created: T0 });
    const owner = { id: user.id, userId: user.userId, name: user.name, type: user.type };
    const base = { owner, type: 'Service' as const, scimEndpointsOnly: false, expiration: null, created: T0, createdById: null, jti: 'j', kid: 'k' };
    const plain = await store.tokens.create({ ...base, name: 'plain', tokenHash: 'h1' });
    const own = await store.tokens.create({ ...base, name: 'own', tokenHash: 'h2', idleRevokeDays: 14 });
    expect((await store.tokens.findById(plain.id))?.idleRevokeDays).toBeNull();
    expect((await store.tokens.findById(own.id))?.idleRevokeDays).toBe(14);
    expect(await store.lifecycle.idleLimitsInUse()).toEqual([{ type: 'Service', days: 14 }]);

    const migrator = new Migrator({ db: store.db, provider: migrationProvider, ...(tdb.pgSchema ? { migrationTableSchema: tdb.pgSchema } : {}) });
    // Down to the migration before it (undoing any that came after it too), then up again.
    const names = Object.keys(await migrationProvider.getMigrations()).sort();
    const down = await migrator.migrateTo(names[names.indexOf(NAME) - 1]!);
    expect(down.error).toBeUndefined();
    expect(down.results?.map((r) => r.migrationName).at(-1)).toBe(NAME);
    const up = await migrator.migrateToLatest();
    expect(up.error).toBeUndefined();
    expect((await store.tokens.findById(own.id))?.idleRevokeDays).toBeNull();
    await store.tokens.update(own.id, { idleRevokeDays: 7 });
    expect((await store.tokens.findById(own.id))?.idleRevokeDays).toBe(7);
  });
});
