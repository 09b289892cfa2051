import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sqlitePrepared } from './prepared.js';

describe('sqlitePrepared().writeTransaction', () => {
  const open = () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    db.exec("INSERT INTO t (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    return db;
  };
  const values = (db: Database.Database) => db.prepare('SELECT v FROM t ORDER BY id').pluck().all();

  it('runs its statements in one transaction and answers what the function returns', () => {
    const db = open();
    const { writeTransaction } = sqlitePrepared(db);
    const id = writeTransaction!((run) => {
      run('UPDATE t SET v = ? WHERE id = ?', ['x', 1]);
      return run('INSERT INTO t (v) VALUES (?)', ['d']);
    });
    expect(id).toBe(4);
    expect(values(db)).toEqual(['x', 'b', 'c', 'd']);
    // A failing statement takes the whole transaction back.
    expect(() => writeTransaction!((run) => {
      run('UPDATE t SET v = ? WHERE id = ?', ['q', 1]);
      return run('INSERT INTO t (id, v) VALUES (?, ?)', [2, 'dup']);
    })).toThrow(/UNIQUE/);
    expect(values(db)).toEqual(['x', 'b', 'c', 'd']);
  });

  it('runs nothing inside a transaction someone else opened on the connection, rather than join it', () => {
    const db = open();
    const { writeTransaction } = sqlitePrepared(db);
    db.exec('BEGIN');
    expect(writeTransaction!((run) => run('UPDATE t SET v = ? WHERE id = ?', ['x', 1]))).toBeUndefined();
    db.exec('ROLLBACK');
    expect(values(db)).toEqual(['a', 'b', 'c']);
    writeTransaction!((run) => run('UPDATE t SET v = ? WHERE id = ?', ['x', 1]));
    expect(values(db)).toEqual(['x', 'b', 'c']);
  });
});
