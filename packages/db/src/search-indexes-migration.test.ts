import { scim } from '@gatehouse/core';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationProvider } from './migrations/index.js';
import type { OpenedStore } from './open-store.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './test-support/test-databases.js';

/*
 * Migration 2026-12-07T00-00-search-indexes on a database that already has users: their e-mails
 * (the JSON column, or `email` alone) are backfilled into user_emails and the trigram indexes
 * cover them, so that filters and the users search find what they found before it ran.
 */
const BEFORE = '2026-12-06T15-00-list-indexes';
const BASE = 'https://gh.example/api/scim/v2';

describe.each(DIALECTS)('search-indexes migration on $kind', ({ kind, available }) => {
  let tdb: TestDatabase | undefined;
  let store: OpenedStore | undefined;
  afterEach(async () => {
    await store?.close();
    await tdb?.drop();
  });

  it.skipIf(!available)('backfills the e-mails of existing users and indexes their names', async () => {
    tdb = await createTestDatabase(kind);
    store = tdb.open();
    const migrator = new Migrator({ db: store.db, provider: migrationProvider, ...(tdb.pgSchema ? { migrationTableSchema: tdb.pgSchema } : {}) });
    const { error } = await migrator.migrateTo(BEFORE);
    expect(error).toBeUndefined();
    const pg = kind === 'postgres';
    const row = (user_id: string, email: string | null, name: string, emails: string | null, user_type = 'Human') => ({
      user_id, email, name, user_type, role: 'Member', active: pg ? true : 1, password_hash: null, created: pg ? new Date() : new Date().toISOString(),
      created_by_id: null, last_login: null, emails,
    });
    await (store.db as any).insertInto('users').values([
      row('ada@x.io', 'ada@x.io', 'Ada Lovelace', null),
      row('bjensen', 'bjensen@home.example', 'Barbara Jensen', JSON.stringify([
        { value: 'BJensen@Example.com', type: 'work', display: 'Work', primary: false },
        { value: 'bjensen@home.example', type: 'home', display: null, primary: true },
      ])),
      row('noemail', null, 'No Mail', null),
      row('empty', 'empty@x.io', 'Empty List', '[]'),
      row('robot@service', null, 'Robot', null, 'Service'),
    ]).execute();

    await store.migrate();
    const humans = (await store.users.list({ type: 'Human', limit: 100 })).items;
    for (const text of ['emails pr', 'emails[type eq "work"]', 'emails eq "bjensen@example.com"', 'emails[primary eq true and value sw "b"]', 'emails.display eq "work"',
      'not (emails pr)', 'displayName co "lovelace"', 'displayName co "jensen"']) {
      const expected = humans.filter((u) => scim.matchesFilter(scim.userToScim(u, BASE), scim.parseFilter(text), 'User')).map((u) => u.userId);
      const found = (await store.users.listScim(scim.parseFilter(text), { offset: 0, limit: 100 })).items.map((u) => u.userId);
      expect(found, text).toEqual(expected);
    }
    expect(await store.db.selectFrom('user_emails').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: 3 });
    const search = async (needle: string) => (await store!.users.list({ limit: 10, search: needle })).items.map((u) => u.userId);
    expect(await search('lovelace')).toEqual(['ada@x.io']);
    expect(await search('home.example')).toEqual(['bjensen']);
    expect(await search('robot')).toEqual(['robot@service']);
    if (pg) {
      // The trigram indexes exist (pg_trgm is available to the tests' role).
      const r = await sql<{ indexname: string }>`select indexname from pg_indexes where schemaname = current_schema() and indexname like 'users_trgm_%' order by 1`.execute(store.db);
      expect(r.rows.map((x) => x.indexname)).toEqual(['users_trgm_name', 'users_trgm_search']);
    }
  });
});
