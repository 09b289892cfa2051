import { sql, type Kysely } from 'kysely';
import { dialectOf } from './dialect-of.js';

// Frozen in time: never edit a migration that has shipped; add a new one.
//
// Integrity (SPEC §7):
// - tokens record who revoked them and why (rows revoked before keep a null reason: only an
//   Admin may restore those);
// - users record whether SCIM provisioned them and who deactivated them (backfilled from the
//   audit log, where SCIM's changes say `"via":"scim"`);
// - sessions record when and from where they were last seen;
// - failed logins are counted per account in the database (login_attempts), so that the guard
//   is decided in the same write on every node;
// - datastore names are unique per viewer, no longer globally (a global unique index told an
//   Editor the names of datastores in teams they cannot see).
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const ts = pg ? 'timestamptz' : 'text';
  const falsy = pg ? sql`false` : sql`0`;

  await db.schema.alterTable('tokens').addColumn('revoked_by_id', 'integer', (c) => c.references('users.id').onDelete('set null')).execute();
  await db.schema.alterTable('tokens').addColumn('revoke_reason', 'text').execute();

  await db.schema.alterTable('users').addColumn('provisioned_by', 'text', (c) => c.notNull().defaultTo('local')).execute();
  await db.schema.alterTable('users').addColumn('deactivated_by', 'text').execute();
  await sql`UPDATE users SET provisioned_by = 'scim' WHERE CAST(id AS text) IN (
      SELECT target_id FROM audit_events WHERE action = 'user.created' AND target_type = 'user' AND details LIKE '%"via":"scim"%')`.execute(db);
  await sql`UPDATE users SET deactivated_by = CASE WHEN (
      SELECT a.details FROM audit_events a
       WHERE a.target_type = 'user' AND a.target_id = CAST(users.id AS text) AND a.action IN ('user.deactivated', 'user.deleted')
       ORDER BY a.id DESC LIMIT 1) LIKE '%"via":"scim"%' THEN 'scim' ELSE 'admin' END
    WHERE active = ${falsy}`.execute(db);

  await db.schema.alterTable('sessions').addColumn('last_seen', ts).execute();
  await db.schema.alterTable('sessions').addColumn('ip', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('user_agent', 'text').execute();
  await sql`UPDATE sessions SET last_seen = created`.execute(db);

  await db.schema
    .createTable('login_attempts')
    .addColumn('id', 'integer', (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn('account_hash', 'text', (c) => c.notNull())
    .addColumn('at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('login_attempts_account').on('login_attempts').columns(['account_hash', 'at']).execute();

  if (pg) {
    await sql`ALTER TABLE datastores DROP CONSTRAINT IF EXISTS datastores_name_key`.execute(db);
  } else {
    // SQLite cannot drop a UNIQUE constraint: the table is rebuilt with the same columns, with
    // foreign keys off so that dropping the old table does not cascade to datastore_teams.
    await sql`PRAGMA foreign_keys = OFF`.execute(db);
    try {
      await sql`BEGIN IMMEDIATE`.execute(db);
      await sql`CREATE TABLE datastores_rebuilt (
        id integer PRIMARY KEY AUTOINCREMENT,
        name text NOT NULL,
        type text NOT NULL,
        host text,
        port integer,
        database_name text,
        schema_name text,
        created text NOT NULL,
        created_by_id integer REFERENCES users (id) ON DELETE SET NULL)`.execute(db);
      await sql`INSERT INTO datastores_rebuilt (id, name, type, host, port, database_name, schema_name, created, created_by_id)
        SELECT id, name, type, host, port, database_name, schema_name, created, created_by_id FROM datastores`.execute(db);
      await sql`DROP TABLE datastores`.execute(db);
      await sql`ALTER TABLE datastores_rebuilt RENAME TO datastores`.execute(db);
      await sql`COMMIT`.execute(db);
    } catch (e) {
      await sql`ROLLBACK`.execute(db).catch(() => {});
      throw e;
    } finally {
      await sql`PRAGMA foreign_keys = ON`.execute(db);
    }
  }
  await db.schema.createIndex('datastores_name').on('datastores').column('name').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('datastores_name').execute();
  await db.schema.dropTable('login_attempts').execute();
  for (const [table, column] of [
    ['sessions', 'user_agent'],
    ['sessions', 'ip'],
    ['sessions', 'last_seen'],
    ['users', 'deactivated_by'],
    ['users', 'provisioned_by'],
    ['tokens', 'revoke_reason'],
    ['tokens', 'revoked_by_id'],
  ] as const) {
    await db.schema.alterTable(table).dropColumn(column).execute();
  }
}
