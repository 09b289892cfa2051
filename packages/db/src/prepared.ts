import type SQLite from 'better-sqlite3';
import type pg from 'pg';

/** Runs one fixed statement with parameters; returns its rows as arrays, in the SELECT's column order. */
export type PreparedQuery<Row extends unknown[]> = (params: readonly unknown[]) => Promise<Row[]>;

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
   * A write run once per row of parameters, all in one transaction, where that is cheaper than
   * one statement over a VALUES list: on SQLite, which has no round trip to save, a prepared
   * UPDATE per row costs half of what the query builder and SQLite's UPDATE … FROM cost. Absent
   * on PostgreSQL, where one statement per batch saves the round trips.
   */
  prepareEach?(sql: string): (rows: readonly (readonly unknown[])[]) => void;
}

export function sqlitePrepared(db: SQLite.Database): PreparedQueries {
  return {
    prepare<Row extends unknown[]>(_name: string, sql: string): PreparedQuery<Row> {
      let statement: SQLite.Statement | undefined;
      return async (params) => (statement ??= db.prepare(sql).raw(true)).all(...params) as Row[];
    },
    prepareEach(sql: string) {
      let statement: SQLite.Statement | undefined;
      const runAll = db.transaction((rows: readonly (readonly unknown[])[]) => {
        for (const row of rows) statement!.run(...row);
      });
      return (rows) => {
        // Kysely's transactions on this connection await only their own statements, which
        // resolve in microtasks, so a timer never finds one open. Were one open, this write would
        // join it (and its rollback): refuse, and let the caller retry.
        if (db.inTransaction) throw new Error('the SQLite connection is inside a transaction; retry later');
        statement ??= db.prepare(sql);
        runAll(rows);
      };
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
