import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach } from 'vitest';
import { openStore, type OpenedStore } from '../open-store.js';

/** PostgreSQL used by the tests: the machine's, unless GATEHOUSE_TEST_PG_URL says otherwise. */
export const TEST_PG_URL = process.env.GATEHOUSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REQUIRE_ALL = process.env.GATEHOUSE_REQUIRE_ALL === '1';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export const pgAvailable = await postgresReachable();
if (!pgAvailable) {
  const msg = `PostgreSQL is not reachable at ${TEST_PG_URL}: PostgreSQL suites are skipped`;
  if (REQUIRE_ALL) throw new Error(`${msg}, but GATEHOUSE_REQUIRE_ALL=1 requires them`);
  console.warn(`SKIP: ${msg} (set GATEHOUSE_TEST_PG_URL or start PostgreSQL).`);
}

export interface TestDatabase {
  /** What the server's GATEHOUSE_DATABASE_URL would be (undefined for SQLite). */
  databaseUrl: string | undefined;
  dataDir: string;
  pgSchema?: string;
  open(): OpenedStore;
  drop(): Promise<void>;
}

let counter = 0;

/** A fresh, empty database of the given kind (a temp dir for SQLite, a new schema for PostgreSQL). */
export async function createTestDatabase(kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  if (kind === 'sqlite') {
    return {
      databaseUrl: undefined,
      dataDir,
      open: () => openStore({ dataDir }),
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const schema = `gh_test_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    databaseUrl: url.toString(),
    dataDir,
    pgSchema: schema,
    open: () => openStore({ databaseUrl: TEST_PG_URL, dataDir, pgSchema: schema }),
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The database kinds every storage behaviour is tested on. */
export const DIALECTS = [
  { kind: 'sqlite' as const, available: true },
  { kind: 'postgres' as const, available: pgAvailable },
];

/** A migrated store on a fresh database, with its cleanup. */
export async function freshStore(kind: 'sqlite' | 'postgres'): Promise<{ store: OpenedStore; cleanup(): Promise<void> }> {
  const tdb = await createTestDatabase(kind);
  const store = tdb.open();
  await store.migrate();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await tdb.drop();
    },
  };
}

/**
 * Inside a `describe.each(DIALECTS)`: a fresh store before each test (the test is skipped when
 * the database is unreachable), closed and dropped after it. Read `.store` inside the tests.
 */
export function freshStoreEachTest({ kind, available }: (typeof DIALECTS)[number]): { readonly store: OpenedStore } {
  const current = {} as { store: OpenedStore; cleanup(): Promise<void> };
  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    Object.assign(current, await freshStore(kind));
  });
  afterEach(async () => {
    if (available) await current.cleanup();
  });
  return current;
}
