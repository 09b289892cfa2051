import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sqlitePrepared } from './prepared.js';

describe('sqlitePrepared().prepareEach', () => {
  const open = () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    db.exec("INSERT INTO t (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    return db;
  };
  const values = (db: Database.Database) => db.prepare('SELECT v FROM t ORDER BY id').pluck().all();

  it('runs the statement once per row, all in one transaction', () => {
    const db = open();
    const write = sqlitePrepared(db).prepareEach!('UPDATE t SET v = ? WHERE id = ?');
    write([['x', 1], ['z', 3]]);
    expect(values(db)).toEqual(['x', 'b', 'z']);
    // A failing row takes the whole batch back.
    db.exec('CREATE TRIGGER no_y BEFORE UPDATE ON t WHEN NEW.v = \'y\' BEGIN SELECT RAISE(ABORT, \'no y\'); END');
    expect(() => write([['q', 1], ['y', 2]])).toThrow('no y');
    expect(values(db)).toEqual(['x', 'b', 'z']);
  });

  it('refuses to run inside a transaction someone else opened on the connection, rather than join it', () => {
    const db = open();
    const write = sqlitePrepared(db).prepareEach!('UPDATE t SET v = ? WHERE id = ?');
    db.exec('BEGIN');
    expect(() => write([['x', 1]])).toThrow(/inside a transaction/);
    db.exec('ROLLBACK');
    write([['x', 1]]);
    expect(values(db)).toEqual(['x', 'b', 'c']);
  });
});
