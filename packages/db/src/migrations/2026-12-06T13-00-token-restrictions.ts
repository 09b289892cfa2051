import type { Kysely } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
//
// Narrower tokens (SPEC §11): a token's scopes, space-separated (RFC 6749 §3.3), and its IP
// allowlist, comma-separated CIDRs; null = unrestricted, as every token made before.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tokens').addColumn('scopes', 'text').execute();
  await db.schema.alterTable('tokens').addColumn('allowed_ips', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tokens').dropColumn('allowed_ips').execute();
  await db.schema.alterTable('tokens').dropColumn('scopes').execute();
}
