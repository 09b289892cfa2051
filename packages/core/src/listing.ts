import type { Page } from './model.js';

/*
 * Lists at scale (issue 27): every list is paged, filtered and sorted in the database. A page
 * starts at a page number (offset: the reference API's `?page=&size=`, fine for shallow pages)
 * or at a keyset position (a cursor: as fast on the last page as on the first, and no row is
 * skipped or repeated while rows are inserted or deleted between pages).
 */

/** The position of a row in a sorted list: its sort value (null when sorted by id alone) and its id. */
export interface Keyset {
  value: string | number | null;
  id: number;
}

/**
 * Where a page starts, in the list's order. `after`/`before` are exclusive; `last` is the end of
 * the list (read backwards, so that the last page costs what the first does).
 */
export type Seek = { offset: number } | { after: Keyset } | { before: Keyset } | { last: true };

export interface ListRequest<S extends string = string> {
  limit: number;
  /** Default: the first page. */
  seek?: Seek;
  /** Default: the list's own order (documented on each query). */
  sort?: { by: S; desc: boolean };
  /** false: no count (a reader that only follows `next`); `total` is then what this page holds. */
  total?: boolean;
}

/**
 * A page of a list. `total` is exact up to TOTAL_BOUND matching rows; past that it is a lower
 * bound (`totalExact: false`) that still exceeds every row up to the end of this page when more
 * follow, so that clients paging until `page * size >= total` never stop early.
 */
export interface ListPage<T> extends Page<T> {
  totalExact: boolean;
  /** The position after this page's last row, when rows follow. */
  next: Keyset | null;
  /** The position before this page's first row, when rows precede it. */
  prev: Keyset | null;
}

/** Rows counted exactly before `total` becomes a lower bound ("10,000+"). */
export const TOTAL_BOUND = 10_000;
