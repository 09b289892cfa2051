import type { Migration, MigrationProvider } from 'kysely/migration';
import * as initial from './2026-11-29T00-00-initial.js';
import * as scim from './2026-11-29T01-00-scim.js';
import * as tokensFillfactor from './2026-11-29T02-00-tokens-fillfactor.js';
import * as tokenHashCollation from './2026-11-29T03-00-token-hash-collation.js';
import * as integrity from './2026-12-06T00-00-integrity.js';
import * as sso from './2026-12-06T10-00-sso.js';
import * as lifecycle from './2026-12-06T11-00-lifecycle.js';
import * as usage from './2026-12-06T12-00-usage.js';
import * as tokenRestrictions from './2026-12-06T13-00-token-restrictions.js';
import * as connections from './2026-12-06T14-00-connections.js';
import * as listIndexes from './2026-12-06T15-00-list-indexes.js';
import * as searchIndexes from './2026-12-07T00-00-search-indexes.js';
import * as lifecycle2 from './2026-12-07T01-00-lifecycle-2.js';
import * as teams from './2026-12-07T02-00-teams.js';

/** All migrations, by ISO-date name; they run in name order. */
export const migrations: Record<string, Migration> = {
  '2026-11-29T00-00-initial': initial,
  '2026-11-29T01-00-scim': scim,
  '2026-11-29T02-00-tokens-fillfactor': tokensFillfactor,
  '2026-11-29T03-00-token-hash-collation': tokenHashCollation,
  '2026-12-06T00-00-integrity': integrity,
  '2026-12-06T10-00-sso': sso,
  '2026-12-06T11-00-lifecycle': lifecycle,
  '2026-12-06T12-00-usage': usage,
  '2026-12-06T13-00-token-restrictions': tokenRestrictions,
  '2026-12-06T14-00-connections': connections,
  '2026-12-06T15-00-list-indexes': listIndexes,
  '2026-12-07T00-00-search-indexes': searchIndexes,
  '2026-12-07T01-00-lifecycle-2': lifecycle2,
  '2026-12-07T02-00-teams': teams,
};

export const migrationProvider: MigrationProvider = { getMigrations: async () => migrations };
