import type { Kysely } from 'kysely';
import { dialectOf } from './dialect-of.js';

// Frozen in time: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const id = 'integer';
  const ts = pg ? 'timestamptz' : 'text';
  const bool = pg ? 'boolean' : 'integer';
  const pk = (col: any) => (pg ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement());

  await db.schema
    .createTable('users')
    .addColumn('id', id, pk)
    .addColumn('user_id', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('user_type', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('active', bool, (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('created', ts, (c) => c.notNull())
    .addColumn('created_by_id', id, (c) => c.references('users.id').onDelete('set null'))
    .addColumn('last_login', ts)
    .execute();

  await db.schema
    .createTable('teams')
    .addColumn('id', id, pk)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('created', ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('team_members')
    .addColumn('team_id', id, (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('user_id', id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'user_id'])
    .execute();
  await db.schema.createIndex('team_members_user').on('team_members').column('user_id').execute();

  await db.schema
    .createTable('tokens')
    .addColumn('id', id, pk)
    .addColumn('user_id', id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_type', 'text', (c) => c.notNull())
    .addColumn('scim_endpoints_only', bool, (c) => c.notNull())
    .addColumn('expiration', ts)
    .addColumn('created', ts, (c) => c.notNull())
    .addColumn('created_by_id', id, (c) => c.references('users.id').onDelete('set null'))
    .addColumn('last_used', ts)
    .addColumn('last_used_ip', 'text')
    .addColumn('revoked_at', ts)
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('jti', 'text', (c) => c.notNull())
    .addColumn('kid', 'text', (c) => c.notNull())
    .addUniqueConstraint('tokens_user_name', ['user_id', 'name'])
    .execute();
  await db.schema.createIndex('tokens_hash').unique().on('tokens').column('token_hash').execute();
  await db.schema.createIndex('tokens_type').on('tokens').columns(['token_type', 'user_id']).execute();

  await db.schema
    .createTable('datastores')
    .addColumn('id', id, pk)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('host', 'text')
    .addColumn('port', 'integer')
    .addColumn('database_name', 'text')
    .addColumn('schema_name', 'text')
    .addColumn('created', ts, (c) => c.notNull())
    .addColumn('created_by_id', id, (c) => c.references('users.id').onDelete('set null'))
    .execute();

  await db.schema
    .createTable('datastore_teams')
    .addColumn('datastore_id', id, (c) => c.notNull().references('datastores.id').onDelete('cascade'))
    .addColumn('team_id', id, (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('datastore_teams_pk', ['datastore_id', 'team_id'])
    .execute();
  await db.schema.createIndex('datastore_teams_team').on('datastore_teams').columns(['team_id', 'datastore_id']).execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', id, pk)
    .addColumn('id_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created', ts, (c) => c.notNull())
    .addColumn('expires', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', id, pk)
    .addColumn('at', ts, (c) => c.notNull())
    .addColumn('actor_user_id', id)
    .addColumn('actor_token_id', id)
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
  await db.schema.createIndex('audit_events_actor').on('audit_events').columns(['actor_user_id', 'at']).execute();
  await db.schema.createIndex('audit_events_token').on('audit_events').columns(['actor_token_id', 'at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['audit_events', 'sessions', 'datastore_teams', 'datastores', 'tokens', 'team_members', 'teams', 'users']) {
    await db.schema.dropTable(t).execute();
  }
}
