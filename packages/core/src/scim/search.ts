import { scimListGroups } from './groups.js';
import { readListQuery, type ScimListQuery, type ScimListResponse } from './list.js';
import { LIST_RESPONSE } from './schemas.js';
import { scimListUsers, type ScimScope } from './users.js';

/**
 * `POST /.search` at the root (RFC 7644 §3.4.3): one query over every resource type, Users then
 * Groups, paged as one list. A filter naming an attribute one type lacks matches none of it.
 */
export async function scimSearchAll(s: ScimScope, query: ScimListQuery): Promise<ScimListResponse> {
  const { startIndex, count } = readListQuery(query);
  const users = await scimListUsers(s, { ...query, startIndex, count });
  const groupStart = Math.max(1, startIndex - users.totalResults);
  const groups = await scimListGroups(s, { ...query, startIndex: groupStart, count: count - users.Resources.length });
  const Resources = [...users.Resources, ...groups.Resources];
  return {
    schemas: [LIST_RESPONSE],
    totalResults: users.totalResults + groups.totalResults,
    itemsPerPage: Resources.length,
    startIndex,
    Resources,
  };
}
