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

export type TokenAction = 'revoke' | 'restore' | 'rename' | 'rotate' | 'delete';

/** FORBIDDEN for a service account's credential: automation never creates or manages tokens. */
export function requireTokenManager(actor: Actor): void {
  if (actor.principal.user.type === 'Service') throw new DomainError('FORBIDDEN', "A service account's token cannot manage tokens");
}

/**
 * Who may manage a token the actor can see (SPEC §7), FORBIDDEN otherwise:
 * - a service account's credential manages no tokens (a leaked automation token must not be
 *   able to revive or re-key a sibling an Admin revoked);
 * - Service tokens are managed by Admins only;
 * - the owner of a Personal token manages it, but restores only a revocation of their own;
 * - Admins manage every token.
 */
export function requireTokenAction(actor: Actor, token: Pick<Token, 'type' | 'user' | 'revokedById' | 'revokeReason'>, action: TokenAction): void {
  const caller = actor.principal.user;
  requireTokenManager(actor);
  if (isAdmin(actor)) return;
  if (token.type === 'Service') throw new DomainError('FORBIDDEN', 'Service tokens are managed by Admins only');
  if (token.user.id !== caller.id) throw new DomainError('FORBIDDEN', 'Only the owner or an Admin may manage this token');
  if (action === 'restore' && !(token.revokeReason === 'owner' && token.revokedById === caller.id)) {
    const why = token.revokeReason === null || token.revokeReason === 'owner' ? '' : ` (reason: ${token.revokeReason})`;
    throw new DomainError('FORBIDDEN', `This token was not revoked by you${why}: only an Admin may restore it`);
  }
}

/**
 * Who may introspect tokens (RFC 7662 §4: the endpoint must not be a token-scanning oracle): a
 * bearer token, not a browser session (introspection is machine-to-machine, and a cookie-borne
 * form POST would be a CSRF vector), of a Manager or Admin. An active answer shows the owner's
 * role and teams, which `viewUsersAndTeams` (Manager+) already shows through the users list.
 */
export function requireIntrospector(actor: Actor): void {
  const { user, token } = actor.principal;
  if (token === null) throw new DomainError('FORBIDDEN', 'Introspection is for services: call it with a bearer token, not a browser session');
  if (!can(user.role, 'viewUsersAndTeams')) {
    throw new DomainError('FORBIDDEN', `Your role (${user.role}) may not introspect tokens: use a Manager or Admin service account`);
  }
}

/** The team ids whose datastores this user may see, or `undefined` for all. */
export function visibleTeamIds(user: User): number[] | undefined {
  return can(user.role, 'viewAllDatastores') ? undefined : user.teams.map((t) => t.id);
}
