import { sql, type Kysely } from 'kysely';
import { dialectOf } from './dialect-of.js';

// Frozen in time: never edit a migration that has shipped; add a new one.
//
// Search indexes (issue 20 item 9, issue 27): SCIM filters and the users list search answered
// from indexes on both databases instead of reading every user.
// - Substrings (SCIM `co`, the users search): trigram indexes. PostgreSQL: pg_trgm GIN indexes
//   (the extension lives in a schema that outlives the per-test schemas; without the privilege to
//   create it the migration still succeeds and the same queries scan). SQLite: an FTS5 trigram
//   table over users kept in step by triggers; queries use it as a pre-filter and re-check the
//   row, so results do not depend on FTS5's case folding.
// - E-mails: `user_emails`, one row per SCIM e-mail (the `emails` JSON, or `email` as the primary
//   work one for rows without it), with the value folded to lower case, written by the store in
//   the user's transaction; backfilled here.
// - b-trees for `active`, `externalId` and `name.familyName` (and/or filters; deep pages of
//   `active eq true` and their count read an index, not the rows).

/** The users search's text on PostgreSQL: the expression of the users_trgm_search index, written exactly so in queries. */
export const USERS_SEARCH_TEXT = "lower(user_id || ' ' || coalesce(email, '') || ' ' || name)";

/** The Kelvin sign, the one character outside ASCII that JavaScript lower-cases to ASCII ("k"). */
export const KELVIN = 8490;

export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  await db.schema
    .createTable('user_emails')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    // value.toLowerCase() (JavaScript's fold: SCIM compares e-mails case-insensitively)
    .addColumn('folded', 'text', (c) => c.notNull())
    .addColumn('type', 'text')
    .addColumn('display', 'text')
    .addColumn('is_primary', pg ? 'boolean' : 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_emails_pk', ['user_id', 'position'])
    .execute();
  await sql`create index user_emails_folded on user_emails (folded, user_id)`.execute(db);

  // Backfill: the e-mails SCIM shows today (core's emailsOf): the JSON array, or `email`.
  if (pg) {
    await sql`
      insert into user_emails (user_id, position, value, folded, type, display, is_primary)
      select u.id, e.ord - 1, e.v->>'value', lower(e.v->>'value'), e.v->>'type', e.v->>'display', coalesce((e.v->'primary') = 'true'::jsonb, false)
        from users u cross join lateral jsonb_array_elements(case when jsonb_typeof(u.emails::jsonb) = 'array' then u.emails::jsonb else '[]'::jsonb end) with ordinality as e(v, ord)
       where u.emails is not null and jsonb_typeof(e.v->'value') = 'string'`.execute(db);
    await sql`
      insert into user_emails (user_id, position, value, folded, type, display, is_primary)
      select id, 0, email, lower(email), 'work', null, true from users
       where email is not null and (emails is null or jsonb_typeof(emails::jsonb) <> 'array')`.execute(db);
  } else {
    // unicode_lower is registered by openStore on every connection (JavaScript's toLowerCase).
    await sql`
      insert into user_emails (user_id, position, value, folded, type, display, is_primary)
      select u.id, e.key, json_extract(e.value, '$.value'), unicode_lower(json_extract(e.value, '$.value')),
             case when json_type(e.value, '$.type') = 'text' then json_extract(e.value, '$.type') end,
             case when json_type(e.value, '$.display') = 'text' then json_extract(e.value, '$.display') end,
             case when json_type(e.value, '$.primary') = 'true' then 1 else 0 end
        from users u, json_each(case when json_valid(u.emails) and json_type(u.emails) = 'array' then u.emails else '[]' end) e
       where u.emails is not null and json_type(e.value, '$.value') = 'text'`.execute(db);
    await sql`
      insert into user_emails (user_id, position, value, folded, type, display, is_primary)
      select id, 0, email, unicode_lower(email), 'work', null, 1 from users
       where email is not null and (emails is null or not json_valid(emails) or json_type(emails) <> 'array')`.execute(db);
  }

  // b-trees: the humans by active state in id order (a deep page and its count from the index),
  // externalId, and name.familyName folded as SCIM compares it.
  await sql`create index users_external_id on users (external_id)`.execute(db);
  // The type is not an index term of SCIM's filtered queries (scimHumans): after `active`, id
  // order, with the type in the index so that it is checked there (index-only).
  await sql`create index users_active_human_id on users (active, id, user_type)`.execute(db);
  if (pg) {
    await sql`create index users_family_folded on users (lower(family_name))`.execute(db);
  } else {
    // SQLite's lower() folds ASCII only; with the Kelvin sign mapped, an ASCII needle equals this
    // exactly when it equals JavaScript's fold (scim-user-filter.ts relies on it).
    await sql`create index users_family_folded on users (lower(replace(family_name, char(${sql.lit(KELVIN)}), 'k')))`.execute(db);
  }

  if (pg) {
    await trigramIndexesPostgres(db);
  } else {
    await sql`create virtual table users_fts using fts5(user_id, name, email, content='users', content_rowid='id', tokenize='trigram')`.execute(db);
    await sql`create trigger users_fts_insert after insert on users begin
      insert into users_fts (rowid, user_id, name, email) values (new.id, new.user_id, new.name, new.email);
    end`.execute(db);
    await sql`create trigger users_fts_delete after delete on users begin
      insert into users_fts (users_fts, rowid, user_id, name, email) values ('delete', old.id, old.user_id, old.name, old.email);
    end`.execute(db);
    // Only when a searched column changes: logins and SCIM's other attributes leave the index alone.
    await sql`create trigger users_fts_update after update of user_id, name, email on users begin
      insert into users_fts (users_fts, rowid, user_id, name, email) values ('delete', old.id, old.user_id, old.name, old.email);
      insert into users_fts (rowid, user_id, name, email) values (new.id, new.user_id, new.name, new.email);
    end`.execute(db);
    await sql`insert into users_fts (users_fts) values ('rebuild')`.execute(db);
  }
}

/**
 * pg_trgm GIN indexes for substring searches. The extension is database-wide: it is created in
 * `public` (tests run in schemas that are dropped afterwards), and its operator class named with
 * the schema it is in. A savepoint keeps the migration's transaction usable when it cannot be
 * created (no privilege, not installed): the searches then scan, and this says so once.
 */
async function trigramIndexesPostgres(db: Kysely<any>): Promise<void> {
  let schema = await trgmSchema(db);
  if (schema === undefined) {
    await sql`savepoint gatehouse_trgm`.execute(db);
    try {
      await sql`create extension if not exists pg_trgm schema public`.execute(db);
      await sql`release savepoint gatehouse_trgm`.execute(db);
    } catch (e) {
      // Another migration beside this one may have created it meanwhile (unique violation): look again.
      await sql`rollback to savepoint gatehouse_trgm`.execute(db);
      if ((await trgmSchema(db)) === undefined) {
        console.warn(`gatehouse: pg_trgm could not be created (${e instanceof Error ? e.message : String(e)}); substring searches of users will scan the table. An administrator can create it and the indexes later: see README.md, "pg_trgm".`);
      }
    }
    schema = await trgmSchema(db);
  }
  if (schema === undefined) return;
  const ops = sql`${sql.id(schema)}.gin_trgm_ops`;
  // SCIM's `displayName co` is lower(name) LIKE; the users search reads one index over its three
  // columns (three GIN scans cost three times one: the trigrams of a common word, "person", list
  // every row) and re-checks each column (users-store.ts, userSearch: USERS_SEARCH_TEXT).
  await sql`create index users_trgm_name on users using gin (lower(name) ${ops})`.execute(db);
  await sql`create index users_trgm_search on users using gin ((${sql.raw(USERS_SEARCH_TEXT)}) ${ops})`.execute(db);
}

async function trgmSchema(db: Kysely<any>): Promise<string | undefined> {
  const r = await sql<{ s: string }>`select n.nspname as s from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(db);
  return r.rows[0]?.s;
}

export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'sqlite') {
    for (const t of ['users_fts_insert', 'users_fts_delete', 'users_fts_update']) await sql`drop trigger if exists ${sql.id(t)}`.execute(db);
    await sql`drop table if exists users_fts`.execute(db);
  }
  for (const name of ['users_trgm_search', 'users_trgm_name', 'users_external_id', 'users_active_human_id', 'users_family_folded']) {
    await db.schema.dropIndex(name).ifExists().execute();
  }
  await db.schema.dropTable('user_emails').execute();
}
