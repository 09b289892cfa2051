import { sql, type Kysely } from 'kysely';
import { dialectOf } from './dialect-of.js';

// Frozen in time: never edit a migration that has shipped; add a new one.
//
// Lists at scale (issue 27): one index per filter × order a list offers, each ending in the id
// that breaks ties, so that a page (first, last, or after a cursor) is a range of one index.
// Names are sorted and searched (by prefix) folded to lower case, in byte order: the expression
// must be written exactly as DialectTraits.folded writes it. No index covers last_used, so its
// writes behind stay heap-only updates on PostgreSQL (2026-11-29T02-00-tokens-fillfactor).
export async function up(db: Kysely<any>): Promise<void> {
  const folded = dialectOf(db) === 'postgres' ? sql.raw('(lower(name) collate "C")') : sql.raw('lower(name)');
  // Tokens: one user's, or every service token; newest first or by name.
  await sql`create index tokens_user_created on tokens (user_id, created, id)`.execute(db);
  await sql`create index tokens_type_created on tokens (token_type, created, id)`.execute(db);
  await sql`create index tokens_created on tokens (created, id)`.execute(db);
  await sql`create index tokens_user_folded_name on tokens (user_id, ${folded}, id)`.execute(db);
  await sql`create index tokens_type_folded_name on tokens (token_type, ${folded}, id)`.execute(db);
  await sql`create index tokens_folded_name on tokens (${folded}, id)`.execute(db);
  // Users by type in id order: users_human_id (2026-12-06T10-00-sso) serves them.
  // The audit log, newest first, by actor, token or action.
  await sql`create index audit_events_actor_id on audit_events (actor_user_id, id)`.execute(db);
  await sql`create index audit_events_token_id on audit_events (actor_token_id, id)`.execute(db);
  await sql`create index audit_events_action on audit_events (action, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of [
    'tokens_user_created', 'tokens_type_created', 'tokens_created', 'tokens_user_folded_name', 'tokens_type_folded_name', 'tokens_folded_name',
    'audit_events_actor_id', 'audit_events_token_id', 'audit_events_action',
  ]) {
    await db.schema.dropIndex(name).ifExists().execute();
  }
}
