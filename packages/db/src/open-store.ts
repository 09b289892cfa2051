import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError, type Store, type StoreTransaction } from '@gatehouse/core';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver, sql, type DatabaseConnection, type SqliteDialectConfig } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { KyselyAuditStore } from './audit-store.js';
import { KyselyConnectionStore } from './connections-store.js';
import { KyselyDatastoreStore } from './datastores-store.js';
import { KyselyLifecycleStore, KyselyPolicyStore, KyselyWebhookStore } from './lifecycle-store.js';
import { mapDriverError, postgresTraits, sqliteTraits, type DialectTraits } from './dialect.js';
import { migrationProvider } from './migrations/index.js';
import { postgresPrepared, sqlitePrepared, withStatementCache, type PreparedQueries } from './prepared.js';
import { guarded } from './rows.js';
import type { Database } from './schema.js';
import { KyselyLoginAttemptStore, KyselySessionStore } from './sessions-store.js';
import { KyselyTeamStore } from './teams-store.js';
import { KyselyTokenStore } from './tokens-store.js';
import { KyselyUserStore } from './users-store.js';

export interface StoreOptions {
  /** `postgres://…` for PostgreSQL; unset for SQLite in `dataDir`; `sqlite:<path>` for another file. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** PostgreSQL only: the schema to use (tests give each run its own). */
  pgSchema?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
}

export interface OpenedStore extends Store {
  readonly db: Kysely<Database>;
  /** Runs pending migrations; returns the names applied. */
  migrate(): Promise<string[]>;
  /** PostgreSQL only: the pool, for LISTEN/NOTIFY. */
  readonly pgPool: pg.Pool | null;
}

export const isPostgresUrl = (url: string | undefined): url is string => !!url && /^postgres(ql)?:\/\//.test(url);

export function sqlitePath(opts: StoreOptions): string {
  if (opts.databaseUrl?.startsWith('sqlite:')) return opts.databaseUrl.slice('sqlite:'.length);
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  return join(opts.dataDir, 'gatehouse.db');
}

/**
 * SQLite transactions take the write lock at BEGIN (IMMEDIATE), not at their first write: a
 * transaction that reads, decides and then writes can then never find that another process
 * (a --workers sibling) wrote in between, and waits for it instead (busy_timeout).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly sqliteConfig: SqliteDialectConfig) {
    super(sqliteConfig);
  }
  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.sqliteConfig);
  }
}

/** The stores over `db` (the database, or one transaction of it when `prepared` is null). */
function storesOver(db: Kysely<Database>, traits: DialectTraits, prepared: PreparedQueries | null, mapError: (e: unknown) => unknown) {
  return {
    users: guarded(new KyselyUserStore(db, traits, prepared), mapError),
    teams: guarded(new KyselyTeamStore(db, traits), mapError),
    tokens: guarded(new KyselyTokenStore(db, traits, prepared), mapError),
    datastores: guarded(new KyselyDatastoreStore(db, traits), mapError),
    connections: guarded(new KyselyConnectionStore(db, traits), mapError),
    audit: guarded(new KyselyAuditStore(db, traits), mapError),
    sessions: guarded(new KyselySessionStore(db, traits), mapError),
    loginAttempts: guarded(new KyselyLoginAttemptStore(db, traits), mapError),
    policy: guarded(new KyselyPolicyStore(db, traits), mapError),
    webhooks: guarded(new KyselyWebhookStore(db, traits), mapError),
    lifecycle: guarded(new KyselyLifecycleStore(db, traits), mapError),
  };
}

// PostgreSQL `integer`/`bigint` counts come back as strings; ids fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Opens the configured database (without migrating). */
export function openStore(opts: StoreOptions): OpenedStore {
  let db: Kysely<Database>;
  let traits: DialectTraits;
  let pool: pg.Pool | null = null;
  let prepared: PreparedQueries;
  if (isPostgresUrl(opts.databaseUrl)) {
    pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      // Fail fast when the database is gone, so requests get a 503 in bounded time.
      connectionTimeoutMillis: 3_000,
      query_timeout: 10_000,
      ...(opts.pgSchema ? { options: `-c search_path=${opts.pgSchema}` } : {}),
    });
    pool.on('error', () => {
      /* an idle client lost its connection; the pool replaces it on next use */
    });
    // pg-pool removes its error listener while a client is checked out: a connection lost then
    // (PostgreSQL restarting mid-query) was an unhandled 'error' event that crashed the process.
    // The query itself fails (→ 503) and the pool discards the client on release.
    pool.on('connect', (client) => {
      client.on('error', () => {});
    });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    traits = postgresTraits;
    prepared = postgresPrepared(pool);
  } else {
    const file = sqlitePath(opts);
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    // NORMAL in WAL mode loses nothing on a process crash (only on power loss) and avoids an fsync per commit.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // 16 MiB of page cache (SQLite's default is 2 MiB): with a million tokens stored, the index
    // pages of the tokens in use no longer fit in 2 MiB and every lookup re-read them from the OS.
    sqlite.pragma('cache_size = -16384');
    // SQLite's lower() folds ASCII only; SCIM's case-insensitive filters fold as JavaScript does
    // (the in-memory evaluator's rules), like PostgreSQL's lower() in a UTF-8 database.
    sqlite.function('unicode_lower', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v));
    db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) });
    traits = sqliteTraits;
    prepared = sqlitePrepared(sqlite);
  }
  const mapError = (e: unknown) => mapDriverError(traits, e);
  const lock: (trx: Kysely<Database>, key: string) => Promise<void> =
    traits.name === 'postgres'
      ? async (trx, key) => {
          await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
        }
      : async () => {};

  return {
    dialect: traits.name,
    db,
    pgPool: pool,
    ...storesOver(db, traits, prepared, mapError),
    async transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
      try {
        return await db.transaction().execute((trx) => fn({ ...storesOver(trx, traits, null, mapError), lock: (key) => lock(trx, key) }));
      } catch (e) {
        throw mapError(e);
      }
    },
    async ping() {
      try {
        await sql`select 1`.execute(db);
      } catch (e) {
        const mapped = mapError(e);
        throw mapped instanceof DomainError ? mapped : new DomainError('STORE_UNAVAILABLE', 'The database is unavailable', undefined, { cause: String(e) });
      }
    },
    async migrate() {
      // Kysely looks for its own tables in any schema unless told which: name the current one.
      const schema = traits.name === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s : undefined;
      const migrator = new Migrator({ db, provider: migrationProvider, ...(schema ? { migrationTableSchema: schema } : {}) });
      // Kysely's migrator lists the tables of every schema it may use: another schema dropped
      // meanwhile (3F000, e.g. by a test run beside this one) fails the listing, not the migration.
      for (let attempt = 1; ; attempt++) {
        const { error, results } = await migrator.migrateToLatest();
        if (error && attempt < 5 && traits.name === 'postgres' && (error as { code?: unknown }).code === '3F000') continue;
        if (error) throw error instanceof Error ? error : new Error(String(error));
        return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
      }
    },
    async close() {
      await db.destroy();
    },
  };
}
