export const ROLES = ['Member', 'Editor', 'Manager', 'Admin'] as const;
export type Role = (typeof ROLES)[number];

const rank: Record<Role, number> = { Member: 0, Editor: 1, Manager: 2, Admin: 3 };

/** `Member` < `Editor` < `Manager` < `Admin` (SPEC §1). */
export function roleAtLeast(role: Role, minimum: Role): boolean {
  return rank[role] >= rank[minimum];
}

export const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);

/** The permission table of SPEC §1, by the least role that has each permission. */
export const PERMISSIONS = {
  viewOwnTeamDatastores: 'Member',
  manageDatastores: 'Editor',
  viewAllDatastores: 'Manager',
  viewUsersAndTeams: 'Manager',
  manageUsers: 'Admin',
  manageServiceTokens: 'Admin',
  createScimTokens: 'Admin',
  readAuditLog: 'Admin',
} as const satisfies Record<string, Role>;
export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return roleAtLeast(role, PERMISSIONS[permission]);
}
