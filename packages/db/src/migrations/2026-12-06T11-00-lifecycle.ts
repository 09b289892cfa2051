import { sql, type Kysely } from 'kysely';
import { dialectOf } from './dialect-of.js';

// Frozen in time: never edit a migration that has shipped; add a new one.
//
// Token lifecycle automation (SPEC §9):
// - lifecycle_policy: the one policy document (row id 1), JSON text on both databases;
// - webhook_endpoints: where events go, with the signing secret (needed to sign, so kept as is);
// - webhook_deliveries: the outbox, one row per event and endpoint, written in the transaction
//   of the change it reports; the delivery job claims due rows (`claimed_until`) and retries
//   them with backoff until delivered or failed;
// - lifecycle_notices: which reminder or warning was already sent for a token, so that a job
//   run on several nodes (or run again) sends each one once (primary key, insert-if-absent);
// - service_account_owners: the people who own a service account (none = the Admin who created it);
// - tokens keep the hash of their previous secret while a rotation's grace period lasts.
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const ts = pg ? 'timestamptz' : 'text';
  const id = (c: any) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement());

  await db.schema
    .createTable('lifecycle_policy')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('updated', ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'integer', id)
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('active', pg ? 'boolean' : 'integer', (c) => c.notNull())
    .addColumn('created', ts, (c) => c.notNull())
    .addColumn('created_by_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'integer', id)
    .addColumn('endpoint_id', 'integer', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('next_attempt_at', ts, (c) => c.notNull())
    .addColumn('claimed_until', ts)
    .addColumn('created', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('webhook_deliveries_endpoint').on('webhook_deliveries').columns(['endpoint_id', 'id']).execute();

  await db.schema
    .createTable('lifecycle_notices')
    .addColumn('token_id', 'integer', (c) => c.notNull().references('tokens.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('sent', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('lifecycle_notices_pk', ['token_id', 'kind'])
    .execute();

  // The people who own a service account (reminders and warnings about its tokens go to them).
  await db.schema
    .createTable('service_account_owners')
    .addColumn('account_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('service_account_owners_pk', ['account_id', 'owner_id'])
    .execute();

  // Rotation with overlap: the previous secret's hash keeps working until it expires.
  await db.schema.alterTable('tokens').addColumn('previous_token_hash', 'text').execute();
  await db.schema.alterTable('tokens').addColumn('previous_secret_expires_at', ts).execute();
  await db.schema.createIndex('tokens_previous_token_hash').on('tokens').column('previous_token_hash').where(sql.ref('previous_token_hash'), 'is not', null).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tokens_previous_token_hash').execute();
  await db.schema.alterTable('tokens').dropColumn('previous_secret_expires_at').execute();
  await db.schema.alterTable('tokens').dropColumn('previous_token_hash').execute();
  await db.schema.dropTable('service_account_owners').execute();
  await db.schema.dropTable('lifecycle_notices').execute();
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('webhook_endpoints').execute();
  await db.schema.dropTable('lifecycle_policy').execute();
}
