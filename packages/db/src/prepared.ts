import type SQLite from 'better-sqlite3';
import type pg from 'pg';

/** Runs one fixed statement with parameters; returns its rows. */
export type PreparedQuery<Row> = (params: readonly unknown[]) => Promise<Row[]>;

/**
 * Prepared statements for the few queries on the authentication path, below Kysely: the SQL
 * is written once with `?` placeholders; SQLite keeps one prepared statement, PostgreSQL a
 * named server-side statement per connection. Saves the query builder and, on SQLite, the
 * statement preparation on every cold token lookup.
 */
export interface PreparedQueries {
  prepare<Row>(name: string, sql: string): PreparedQuery<Row>;
}

export function sqlitePrepared(db: SQLite.Database): PreparedQueries {
  return {
    prepare<Row>(_name: string, sql: string): PreparedQuery<Row> {
      let statement: SQLite.Statement | undefined;
      return async (params) => (statement ??= db.prepare(sql)).all(...params) as Row[];
    },
  };
}

export function postgresPrepared(pool: pg.Pool): PreparedQueries {
  return {
    prepare<Row>(name: string, sql: string): PreparedQuery<Row> {
      let n = 0;
      const text = sql.replace(/\?/g, () => `$${++n}`);
      return async (params) => (await pool.query({ name, text, values: [...params] })).rows as Row[];
    },
  };
}
