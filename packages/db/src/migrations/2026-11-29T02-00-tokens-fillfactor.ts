import { sql, type Kysely } from 'kysely';
import { dialectOf } from './dialect-of.js';

// Frozen in time: never edit a migration that has shipped; add a new one.
//
// `last_used` is rewritten about once a second for every token in use. On PostgreSQL, free room
// in each page lets those updates be HOT (heap-only: no index entry rewritten, no index bloat),
// since no index covers last_used. SQLite updates in place and needs nothing.
export async function up(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') await sql`ALTER TABLE tokens SET (fillfactor = 80)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') await sql`ALTER TABLE tokens RESET (fillfactor)`.execute(db);
}
