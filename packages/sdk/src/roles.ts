/**
 * The role ladder (SPEC §1, `Member` < `Editor` < `Manager` < `Admin`), as the server defines
 * it: this module alone is imported from @gatehouse/core, and it imports nothing. Browsers load
 * it as `@gatehouse/sdk/roles`.
 */
export { ROLES, roleAtLeast, type Role } from '@gatehouse/core/roles';
