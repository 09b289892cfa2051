import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
//
// Per-token idle auto-revoke (SPEC §9): a token's own idle limit in days, which may only be
// shorter than its type's policy (null = the policy's alone, as every token made before).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tokens').addColumn('idle_revoke_days', 'integer').execute();
  // The jobs list the own limits in use every round: few tokens have one.
  await db.schema.createIndex('tokens_idle_revoke_days').on('tokens').columns(['token_type', 'idle_revoke_days'])
    .where(sql.ref('idle_revoke_days'), 'is not', null).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tokens_idle_revoke_days').execute();
  await db.schema.alterTable('tokens').dropColumn('idle_revoke_days').execute();
}
