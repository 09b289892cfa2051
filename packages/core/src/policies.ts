import type { Actor } from './auth/principal.js';
import { DomainError } from './errors.js';
import type { Token, User } from './model.js';
import { can, type Permission } from './roles.js';

/** Throws FORBIDDEN unless the actor's role has the permission. */
export function requirePermission(actor: Actor, permission: Permission, what: string): void {
  if (!can(actor.principal.user.role, permission)) {
    throw new DomainError('FORBIDDEN', `Your role (${actor.principal.user.role}) may not ${what}`);
  }
}

export const isAdmin = (actor: Actor): boolean => can(actor.principal.user.role, 'manageUsers');

/** A token is visible to its owner and to Admins; others get NOT_FOUND so that ids do not leak. */
export function canSeeToken(actor: Actor, token: Token): boolean {
  return token.user.id === actor.principal.user.id || isAdmin(actor);
}

/** The team ids whose datastores this user may see, or `undefined` for all. */
export function visibleTeamIds(user: User): number[] | undefined {
  return can(user.role, 'viewAllDatastores') ? undefined : user.teams.map((t) => t.id);
}
