import type { Kysely } from 'kysely';
import { dialectOf } from './dialect-of.js';

// Frozen in time: never edit a migration that has shipped; add a new one.
//
// Usage insight (SPEC §10): each token's requests per UTC day, and its clients (ip + user
// agent), both written behind with `last_used`. An unknown ip or user agent is stored as ''
// (a primary key column cannot be null). Rows go with their token. No index on last_seen: it
// changes on every write of a count, and the few readers (a token's clients, by its key; the
// hourly prune) do without.
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const ts = pg ? 'timestamptz' : 'text';
  const count = pg ? 'bigint' : 'integer';

  await db.schema
    .createTable('token_usage_daily')
    .addColumn('token_id', 'integer', (c) => c.notNull().references('tokens.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('requests', count, (c) => c.notNull())
    .addPrimaryKeyConstraint('token_usage_daily_pk', ['token_id', 'day'])
    .execute();
  await db.schema.createIndex('token_usage_daily_day').on('token_usage_daily').column('day').execute();

  await db.schema
    .createTable('token_clients')
    .addColumn('token_id', 'integer', (c) => c.notNull().references('tokens.id').onDelete('cascade'))
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text', (c) => c.notNull())
    .addColumn('first_seen', ts, (c) => c.notNull())
    .addColumn('last_seen', ts, (c) => c.notNull())
    .addColumn('requests', count, (c) => c.notNull())
    .addPrimaryKeyConstraint('token_clients_pk', ['token_id', 'ip', 'user_agent'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('token_clients').execute();
  await db.schema.dropTable('token_usage_daily').execute();
}
