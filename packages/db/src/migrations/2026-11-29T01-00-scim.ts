import type { Kysely } from 'kysely';
import { dialectOf } from './dialect-of.js';

// Frozen in time: never edit a migration that has shipped; add a new one.
// SCIM 2.0 (RFC 7643): externalId and name parts of users, externalId of groups (teams),
// and meta.lastModified of both. All nullable: rows created before stay valid.
export async function up(db: Kysely<any>): Promise<void> {
  const ts = dialectOf(db) === 'postgres' ? 'timestamptz' : 'text';
  // SQLite adds one column per ALTER TABLE.
  for (const [table, column, type] of [
    ['users', 'external_id', 'text'],
    ['users', 'given_name', 'text'],
    ['users', 'family_name', 'text'],
    ['users', 'last_modified', ts],
    ['teams', 'external_id', 'text'],
    ['teams', 'last_modified', ts],
  ] as const) {
    await db.schema.alterTable(table).addColumn(column, type).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table, column] of [
    ['teams', 'last_modified'],
    ['teams', 'external_id'],
    ['users', 'last_modified'],
    ['users', 'family_name'],
    ['users', 'given_name'],
    ['users', 'external_id'],
  ] as const) {
    await db.schema.alterTable(table).dropColumn(column).execute();
  }
}
