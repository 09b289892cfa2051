import { DomainError } from '@gatehouse/core';
import { sql, type RawBuilder } from 'kysely';

/**
 * What differs between SQLite and PostgreSQL, as data: the store code is written once against
 * these traits and never asks which database it is on.
 */
export interface DialectTraits {
  name: 'sqlite' | 'postgres';
  /** Value to bind for a boolean column. */
  bool(v: boolean): number | boolean;
  /** Value to bind for a timestamp column. */
  time(d: Date): string | Date;
  /** Case-insensitive LIKE. */
  ilike: 'like' | 'ilike';
  /**
   * A column's text lowercased, in an order that matches byte order (so that a prefix is a range
   * of an index on this very expression). SQLite lowercases ASCII only; PostgreSQL, Unicode.
   */
  folded(column: string): RawBuilder<string>;
  /**
   * A column in a condition that must not choose the plan's index: SQLite picks an index for
   * every term it can (then sorts what it found), so the term is written `+column`, which it
   * does not index; PostgreSQL weighs the terms by its statistics and gets the column as is.
   */
  unindexed(column: string): RawBuilder<unknown>;
  isUniqueViolation(e: unknown): boolean;
  /** The database cannot be reached (as opposed to a bad query). */
  isUnavailable(e: unknown): boolean;
}

const code = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;

export const sqliteTraits: DialectTraits = {
  name: 'sqlite',
  bool: (v) => (v ? 1 : 0),
  time: (d) => d.toISOString(),
  ilike: 'like',
  folded: (column) => sql<string>`lower(${sql.ref(column)})`,
  unindexed: (column) => sql`+${sql.ref(column)}`,
  isUniqueViolation: (e) => code(e) === 'SQLITE_CONSTRAINT_UNIQUE' || code(e) === 'SQLITE_CONSTRAINT_PRIMARYKEY',
  isUnavailable: (e) => ['SQLITE_BUSY', 'SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_FULL'].some((c) => code(e)?.startsWith(c)),
};

const PG_UNAVAILABLE = /^(08|53|57P0[1-3])/; // connection exception, insufficient resources, shutdown
const NET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

export const postgresTraits: DialectTraits = {
  name: 'postgres',
  bool: (v) => v,
  time: (d) => d,
  ilike: 'ilike',
  folded: (column) => sql<string>`(lower(${sql.ref(column)}) collate "C")`,
  unindexed: (column) => sql.ref(column),
  isUniqueViolation: (e) => code(e) === '23505',
  isUnavailable: (e) => {
    const c = code(e);
    if (c !== undefined && (PG_UNAVAILABLE.test(c) || NET_UNAVAILABLE.has(c))) return true;
    const msg = e instanceof Error ? e.message : '';
    return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection timeout|Query read timeout/i.test(msg);
  },
};

export const toDate = (v: string | Date): Date => (v instanceof Date ? v : new Date(v));
export const toDateOrNull = (v: string | Date | null): Date | null => (v === null ? null : toDate(v));
export const toBool = (v: number | boolean): boolean => v === true || v === 1;

/** Maps driver failures to domain errors: unreachable database → STORE_UNAVAILABLE. */
export function mapDriverError(traits: DialectTraits, e: unknown): unknown {
  if (e instanceof DomainError) return e;
  // PostgreSQL text cannot hold NUL (22021) or bytes invalid in UTF-8 (22P05): bad input, not a 500.
  if (traits.name === 'postgres' && (code(e) === '22021' || code(e) === '22P05')) {
    return new DomainError('INVALID_INPUT', 'Text must not contain NUL characters or invalid UTF-8');
  }
  if (traits.isUnavailable(e)) {
    return new DomainError('STORE_UNAVAILABLE', 'The database is unavailable; try again shortly', undefined, {
      cause: e instanceof Error ? e.message : String(e),
    });
  }
  return e;
}
