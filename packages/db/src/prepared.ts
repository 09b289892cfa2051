import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Database } from './schema.js';

/**
 * Runs `fn` in a transaction: the one `db` is already in (a store bound to a
 * Store.transaction), or a new one.
 */
export function atomically<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

/** Runs one fixed statement with parameters; returns its rows as arrays, in the SELECT's column order. */
export type PreparedQuery<Row extends unknown[]> = (params: readonly unknown[]) => Promise<Row[]>;

/** Runs a write inside PreparedQueries.writeTransaction; answers the last inserted row id. */
export type RunStatement = (sql: string, params: readonly unknown[]) => number;

/**
 * Prepared statements for the few queries on the authentication path, below Kysely: the SQL
 * is written once with `?` placeholders; SQLite keeps one prepared statement, PostgreSQL a
 * named server-side statement per connection. Saves the query builder and, on SQLite, the
 * statement preparation on every cold token lookup. Rows come as arrays: building an object
 * per row costs a lookup of every column name, more than the query itself on SQLite.
 */
export interface PreparedQueries {
  prepare<Row extends unknown[]>(name: string, sql: string): PreparedQuery<Row>;
  /**
   * SQLite only: runs `fn` synchronously in a transaction of the driver's own, its statements
   * prepared once per SQL text (`run` answers the last inserted row id). On SQLite the query
   * builder's transaction costs more than the writes: compiling every statement, a promise per
   * statement and the connection mutex. Answers undefined, running nothing, when the connection
   * is inside a transaction already (Kysely's transactions await only their own statements, so a
   * caller should never find one open; if it does, it takes its query-builder path or retries).
   * Absent on PostgreSQL, whose transactions need a connection of the pool for their duration.
   */
  writeTransaction?<T>(fn: (run: RunStatement) => T): T | undefined;
}

/** An INSERT of `row` for RunStatement, its columns in the row's key order (our own names, never input). */
export function insertRow(table: string, row: Record<string, unknown>): [sql: string, params: unknown[]] {
  const columns = Object.keys(row);
  return [`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, Object.values(row)];
}

export function sqlitePrepared(db: SQLite.Database): PreparedQueries {
  const writes = new Map<string, SQLite.Statement>();
  const run: RunStatement = (sql, params) => {
    let statement = writes.get(sql);
    if (!statement) writes.set(sql, (statement = db.prepare(sql)));
    return Number(statement.run(...params).lastInsertRowid);
  };
  const transaction = db.transaction((fn: (run: RunStatement) => unknown) => fn(run));
  return {
    prepare<Row extends unknown[]>(_name: string, sql: string): PreparedQuery<Row> {
      let statement: SQLite.Statement | undefined;
      return async (params) => {
        // A Store.transaction holds the one connection between its statements, awaiting: a read
        // made now would see its uncommitted writes. Wait for it to end.
        while (db.inTransaction) await new Promise((resolve) => setImmediate(resolve));
        return (statement ??= db.prepare(sql).raw(true)).all(...params) as Row[];
      };
    },
    writeTransaction<T>(fn: (run: RunStatement) => T): T | undefined {
      if (db.inTransaction) return undefined;
      return transaction(fn) as T;
    },
  };
}

export function postgresPrepared(pool: pg.Pool): PreparedQueries {
  return {
    prepare<Row extends unknown[]>(name: string, sql: string): PreparedQuery<Row> {
      let n = 0;
      const text = sql.replace(/\?/g, () => `$${++n}`);
      return async (params) => (await pool.query({ name, text, values: [...params], rowMode: 'array' })).rows as Row[];
    },
  };
}

/**
 * better-sqlite3 handle for Kysely whose `prepare` reuses statements by SQL text: Kysely
 * prepares every query it runs, and preparing costs more than running a point query. Bounded;
 * statements are reused one at a time (the driver runs queries one after another).
 */
export function withStatementCache(db: SQLite.Database, max = 500): Pick<SQLite.Database, 'prepare' | 'close'> {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(source: string) {
      let statement = cache.get(source);
      if (!statement) {
        statement = db.prepare(source);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
        cache.set(source, statement);
      }
      return statement;
    },
    close() {
      cache.clear();
      return db.close();
    },
  } as Pick<SQLite.Database, 'prepare' | 'close'>;
}
