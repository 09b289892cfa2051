import type { Kysely } from 'kysely';
import { dialectOf } from './dialect-of.js';

// Frozen in time: never edit a migration that has shipped; add a new one.
//
// Qualytics clients, second round (SPEC §12):
// - connections: where datastores connect (type, host, port), with no credentials stored; a
//   connection that datastores still use cannot be deleted (foreign key without cascade);
// - datastores keep the connection they hang off, `enrichment_only`, and tags;
// - `datastore_tags (tag, datastore_id)` serves the tag filter; `datastores (enrichment_only, id)`
//   the enrichment filter in id order.
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const ts = pg ? 'timestamptz' : 'text';
  const bool = pg ? 'boolean' : 'integer';
  const falsy = pg ? false : 0;

  await db.schema
    .createTable('connections')
    .addColumn('id', 'integer', (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('host', 'text')
    .addColumn('port', 'integer')
    .addColumn('created', ts, (c) => c.notNull())
    .addColumn('created_by_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .execute();

  await db.schema.alterTable('datastores').addColumn('connection_id', 'integer', (c) => c.references('connections.id')).execute();
  await db.schema.alterTable('datastores').addColumn('enrichment_only', bool, (c) => c.notNull().defaultTo(falsy)).execute();
  await db.schema.createIndex('datastores_connection').on('datastores').column('connection_id').execute();
  await db.schema.createIndex('datastores_enrichment_only').on('datastores').columns(['enrichment_only', 'id']).execute();

  await db.schema
    .createTable('datastore_tags')
    .addColumn('datastore_id', 'integer', (c) => c.notNull().references('datastores.id').onDelete('cascade'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('datastore_tags_pk', ['datastore_id', 'tag'])
    .execute();
  await db.schema.createIndex('datastore_tags_tag').on('datastore_tags').columns(['tag', 'datastore_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('datastore_tags').execute();
  await db.schema.dropIndex('datastores_enrichment_only').execute();
  await db.schema.dropIndex('datastores_connection').execute();
  await db.schema.alterTable('datastores').dropColumn('enrichment_only').execute();
  await db.schema.alterTable('datastores').dropColumn('connection_id').execute();
  await db.schema.dropTable('connections').execute();
}
