import { invalidInput, TOTAL_BOUND, type Keyset, type ListPage, type Seek } from '@gatehouse/core';
import { Type, type TSchema } from 'typebox';
import { Nullable } from './wire.js';

/*
 * The paged shape of SPEC §3 for lists that may be long (issue 27): `?page=&size=` as the
 * reference API (an offset: fine near the start), or `?cursor=` from a page's `next_cursor` /
 * `prev_cursor` (a keyset position: as fast on the last page as on the first, and no row is
 * skipped or repeated while rows come and go). `cursor=last` is the last page.
 */

// No schema defaults: a list that answers a plain array tells the two shapes apart by whether they were given.
export const ListQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: '1-based page number (default 1)' })),
  size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'items per page, up to 1000 (default 50)' })),
  cursor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 512, description: 'a next_cursor or prev_cursor of this list (same sort and filters), or "last"; page is then ignored' }),
  ),
};

export const ListPageOf = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ description: `exact up to ${TOTAL_BOUND}; past that a lower bound (total_exact false) that exceeds page × size while pages follow` }),
    total_exact: Type.Boolean(),
    page: Type.Integer({ description: 'the page number asked for; 0 when the page was reached by a cursor' }),
    size: Type.Integer(),
    next_cursor: Nullable(Type.String({ description: 'the next page, null on the last' })),
    prev_cursor: Nullable(Type.String({ description: 'the previous page, null on the first' })),
  });

/** Whether a request asks for the paged shape (a list that answers a plain array without). */
export const wantsPage = (q: { page?: number; size?: number; cursor?: string }) => q.page !== undefined || q.size !== undefined || q.cursor !== undefined;

interface CursorData {
  /** The sort the cursor belongs to. */
  s: string;
  /** after or before. */
  d: 'a' | 'b';
  v: string | number | null;
  i: number;
}

const encode = (sort: string, d: 'a' | 'b', k: Keyset) => Buffer.from(JSON.stringify({ s: sort, d, v: k.value, i: k.id } satisfies CursorData)).toString('base64url');

function decode(cursor: string, sort: string): Seek {
  if (cursor === 'last') return { last: true };
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    c = undefined;
  }
  const d = typeof c === 'object' && c !== null ? (c as Partial<CursorData>) : {};
  const ok = (d.d === 'a' || d.d === 'b') && Number.isSafeInteger(d.i) && (d.v === null || typeof d.v === 'string' || typeof d.v === 'number');
  if (!ok) throw invalidInput('cursor', 'is not a cursor of this list (take next_cursor or prev_cursor of a page)');
  const data = c as CursorData;
  if (data.s !== sort) throw invalidInput('cursor', `belongs to the order "${data.s}", not "${sort}"`);
  const key: Keyset = { value: data.v, id: data.i };
  return data.d === 'a' ? { after: key } : { before: key };
}

/** The window a paged request asks for; `sort` names the order, which a cursor must match. */
export function windowOf(q: { page?: number; size?: number; cursor?: string }, sort: string) {
  const size = q.size ?? 50;
  const page = q.cursor !== undefined ? 0 : (q.page ?? 1);
  const seek: Seek = q.cursor !== undefined ? decode(q.cursor, sort) : { offset: (page - 1) * size };
  return { page, size, sort, request: { limit: size, seek } };
}

/** A store's page on the wire. */
export function listPageToWire<T, W>(p: ListPage<T>, toWire: (item: T) => W, w: { page: number; size: number; sort: string }) {
  return {
    items: p.items.map(toWire),
    total: p.total,
    total_exact: p.totalExact,
    page: w.page,
    size: w.size,
    next_cursor: p.next ? encode(w.sort, 'a', p.next) : null,
    prev_cursor: p.prev ? encode(w.sort, 'b', p.prev) : null,
  };
}
