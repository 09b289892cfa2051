import { sql, type Kysely } from 'kysely';
import { dialectOf } from './dialect-of.js';

// Frozen in time: never edit a migration that has shipped; add a new one.
//
// token_hash is a hex digest looked up on every uncached request. Under a libc collation (even
// C.UTF-8) PostgreSQL compares index keys with strcoll; with "C" it compares bytes, which is
// what a digest needs. The unique index is rebuilt by the ALTER. SQLite compares bytes already.
export async function up(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') await sql`ALTER TABLE tokens ALTER COLUMN token_hash TYPE text COLLATE "C"`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') await sql`ALTER TABLE tokens ALTER COLUMN token_hash TYPE text COLLATE "default"`.execute(db);
}
