export * from './open-store.js';
export * from './dialect.js';
export type { Database } from './schema.js';
export * from './pg-auth-changes.js';
export { seedLists, type SeedListsOptions } from './seed-lists.js';
export { userEmailRows } from './rows.js';
