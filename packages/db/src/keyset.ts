import { TOTAL_BOUND, type Keyset, type ListPage, type ListRequest } from '@gatehouse/core';
import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';

/**
 * A list's order: its sort key's SQL (null = by id alone) and the id that breaks ties, so that
 * every row has one place. Each order a list offers has an index on (filter columns, key, id).
 */
export interface KeysetOrder {
  key: RawBuilder<unknown> | null;
  id: RawBuilder<number>;
  desc: boolean;
}

/** Sort values travel in cursors as text or numbers (PostgreSQL gives times as Dates). */
const keyValue = (v: unknown): string | number | null => (v instanceof Date ? v.toISOString() : (v as string | number | null));

// A base builder with its FROM, joins and filters, before any select.
type Base = SelectQueryBuilder<any, any, any>;

/**
 * One page of `base` in `order` from `request.seek`, and its bounded total: the page reads
 * limit + 1 rows through the order's index (the extra row says whether more follow), backwards
 * for `before` and `last`; the count stops at TOTAL_BOUND + 1 rows, and is not read at all when
 * the first (or last) page holds the whole list.
 *
 * @param select adds the columns of a row to the page's query (`base` stays unselected for the count)
 * @param map turns a row into an item; rows carry the sort value as `keyset_value`
 */
export async function keysetPage<R, T>(
  db: Kysely<any>,
  base: Base,
  select: (q: Base) => Base,
  order: KeysetOrder,
  request: ListRequest,
  idOf: (row: R) => number,
  map: (rows: R[]) => T[] | Promise<T[]>,
): Promise<ListPage<T>> {
  const seek = request.seek ?? { offset: 0 };
  const backwards = 'before' in seek || 'last' in seek;
  // The direction the index is read in: the list's order, or its reverse.
  const ascending = order.desc === backwards;
  const dir = ascending ? 'asc' : 'desc';
  let q = select(base);
  if (order.key) q = q.select(order.key.as('keyset_value'));
  const from = 'after' in seek ? seek.after : 'before' in seek ? seek.before : null;
  if (from) q = q.where(beyond(order, from, ascending));
  if (order.key) q = q.orderBy(order.key, dir);
  q = q.orderBy(order.id, dir).limit(request.limit + 1);
  const offset = 'offset' in seek ? seek.offset : 0;
  if (offset > 0) q = q.offset(offset);

  const rows = (await q.execute()) as R[];
  const more = rows.length > request.limit;
  // A whole list on one page counts itself (and a reader that asked for no total gets the page's); otherwise count, up to the bound.
  const whole = (!more && offset === 0 && !from) || request.total === false;
  const counted = base.select(sql<number>`1`.as('one')).limit(TOTAL_BOUND + 1);
  const count = whole
    ? { n: Math.min(rows.length, request.limit) }
    : ((await db.selectFrom(counted.as('c')).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()) as { n: number | string });

  if (more) rows.length = request.limit;
  if (backwards) rows.reverse();
  const keyOf = (r: R | undefined): Keyset | null => (r === undefined ? null : { value: order.key ? keyValue((r as { keyset_value?: unknown }).keyset_value) : null, id: idOf(r) });
  const first = keyOf(rows[0]);
  const last = keyOf(rows[rows.length - 1]);
  const next = backwards ? ('before' in seek ? last : null) : more ? last : null;
  const prev = backwards ? (more ? first : null) : 'after' in seek || offset > 0 ? first : null;

  const counts = Number(count.n);
  const totalExact = counts <= TOTAL_BOUND;
  // Past the bound: a lower bound that stays above what the client has seen while rows follow.
  const total = totalExact ? counts : Math.max(TOTAL_BOUND, offset + rows.length + (next ? 1 : 0));
  return { items: await map(rows), total, totalExact, next, prev };
}

/** Rows strictly beyond `k` in the read direction; `key >= v` first, so that it bounds the index range. */
function beyond(order: KeysetOrder, k: Keyset, ascending: boolean): RawBuilder<boolean> {
  const gt = sql.raw(ascending ? '>' : '<');
  const ge = sql.raw(ascending ? '>=' : '<=');
  if (!order.key) return sql<boolean>`${order.id} ${gt} ${k.id}`;
  return sql<boolean>`(${order.key} ${ge} ${k.value} and (${order.key} ${gt} ${k.value} or ${order.id} ${gt} ${k.id}))`;
}
