import { invalidValue } from './errors.js';
import { parseFilter, type Filter } from './filter.js';
import { project, type ScimResource } from './resources.js';
import { CORE_SCHEMA, LIST_RESPONSE, MAX_RESULTS, type ResourceKind } from './schemas.js';

/** The query of a list or `.search` request (RFC 7644 §3.4.2, §3.4.3), as received. */
export interface ScimListQuery {
  filter?: string | undefined;
  startIndex?: number | string | undefined;
  count?: number | string | undefined;
  attributes?: string | undefined;
  excludedAttributes?: string | undefined;
}

export interface ScimListResponse {
  schemas: [typeof LIST_RESPONSE];
  totalResults: number;
  itemsPerPage: number;
  startIndex: number;
  Resources: ScimResource[];
}

function integer(v: number | string | undefined, field: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : /^[+-]?\d{1,10}$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw invalidValue(`${field} must be an integer`);
  return n;
}

/** Parses the paging parameters: startIndex < 1 is 1, count < 0 is 0, count above maxResults is maxResults (§3.4.2.4). */
export function readListQuery(q: ScimListQuery): { filter: Filter | undefined; startIndex: number; count: number } {
  const startIndex = Math.max(1, integer(q.startIndex, 'startIndex') ?? 1);
  const count = Math.min(MAX_RESULTS, Math.max(0, integer(q.count, 'count') ?? MAX_RESULTS));
  const filter = q.filter === undefined || q.filter === '' ? undefined : parseFilter(q.filter);
  return { filter, startIndex, count };
}

/** A page the database already filtered and paged, projected (§3.4.2.4: startIndex as asked). */
export function pageResponse(page: ScimResource[], total: number, kind: ResourceKind, q: ScimListQuery, parsed = readListQuery(q)): ScimListResponse {
  return {
    schemas: [LIST_RESPONSE],
    totalResults: total,
    itemsPerPage: page.length,
    startIndex: parsed.startIndex,
    Resources: page.map((r) => project(r, CORE_SCHEMA[kind], q.attributes, q.excludedAttributes)),
  };
}
