/**
 * The role ladder of SPEC §1, `Member` < `Editor` < `Manager` < `Admin`: defined here once, for
 * the server, and re-exported by the SDK for the web UI, the CLI and other services. No imports:
 * the SDK and the browser load this module alone (`@gatehouse/core/roles`).
 */
export const ROLES = ['Member', 'Editor', 'Manager', 'Admin'] as const;
export type Role = (typeof ROLES)[number];

/** Whether `role` is `minimum` or above it on the ladder. */
export function roleAtLeast(role: Role, minimum: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(minimum);
}

/** The permission table of SPEC §1, by the least role that has each permission. */
export const PERMISSIONS = {
  manageDatastores: 'Editor',
  viewAllDatastores: 'Manager',
  viewUsersAndTeams: 'Manager',
  manageUsers: 'Admin',
  manageServiceTokens: 'Admin',
  readAuditLog: 'Admin',
} as const satisfies Record<string, Role>;
export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return roleAtLeast(role, PERMISSIONS[permission]);
}
