import { sql, type Kysely } from 'kysely';
import { dialectOf } from './dialect-of.js';

// Frozen in time: never edit a migration that has shipped; add a new one.
//
// Single sign-on (SPEC §8) and SCIM to the letter (SPEC §4):
// - users keep the OpenID issuer and subject they are linked to (unique together: one person
//   per identity), and an index on e-mail serves linking by verified e-mail;
// - users keep what SCIM advertises readWrite: `name.formatted` and every e-mail with its
//   type, display and primary flag (a JSON array; `email` stays the primary one);
// - an index on (user_type, id) serves SCIM's pages of humans in id order and their count;
// - on PostgreSQL, an index on user_id in byte order serves SCIM's `userName sw` whatever the
//   database's collation.
export async function up(db: Kysely<any>): Promise<void> {
  // SQLite adds one column per ALTER TABLE.
  for (const column of ['oidc_issuer', 'oidc_subject', 'formatted_name', 'emails']) {
    await db.schema.alterTable('users').addColumn(column, 'text').execute();
  }
  await db.schema.createIndex('users_oidc_identity').on('users').columns(['oidc_issuer', 'oidc_subject']).unique().execute();
  await db.schema.createIndex('users_email').on('users').column('email').execute();
  // SCIM lists humans in id order: pages deep into 100,000 users and their count read this index, not the rows.
  await db.schema.createIndex('users_human_id').on('users').columns(['user_type', 'id']).execute();
  // SCIM's `userName sw "x"` as a byte-order range (SQLite's unique index already compares bytes).
  if (dialectOf(db) === 'postgres') await sql`CREATE INDEX users_user_id_bytes ON users (user_id COLLATE "C")`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') await sql`DROP INDEX users_user_id_bytes`.execute(db);
  await db.schema.dropIndex('users_human_id').execute();
  await db.schema.dropIndex('users_email').execute();
  await db.schema.dropIndex('users_oidc_identity').execute();
  for (const column of ['emails', 'formatted_name', 'oidc_subject', 'oidc_issuer']) {
    await db.schema.alterTable('users').dropColumn(column).execute();
  }
}
