import { sql, type Kysely } from 'kysely';
import { dialectOf } from './dialect-of.js';

// Frozen in time: never edit a migration that has shipped; add a new one.
//
// Teams at scale (issue 27): a team's members are listed by folded name then id (the order of
// DialectTraits.folded), and a team may hold every user (Public). This index lets a page of
// members, and a team's preview, walk users in that order and stop after a page instead of
// sorting every member. A sort index only: the user search's indexes are another change's.
export async function up(db: Kysely<any>): Promise<void> {
  const folded = dialectOf(db) === 'postgres' ? sql.raw('(lower(name) collate "C")') : sql.raw('lower(name)');
  await sql`create index users_folded_name on users (${folded}, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('users_folded_name').ifExists().execute();
}
