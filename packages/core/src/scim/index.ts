/** SCIM 2.0 (RFC 7643 / RFC 7644) over Gatehouse users and teams: no HTTP, no SQL. */
export * from './errors.js';
export * from './schemas.js';
export * from './filter.js';
export * from './patch.js';
export * from './resources.js';
export * from './list.js';
export * from './users.js';
export * from './groups.js';
export * from './search.js';
