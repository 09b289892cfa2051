import type { Actor } from '../auth/principal.js';
import { audit, type Deps } from '../deps.js';
import { DomainError, invalidInput, notFound } from '../errors.js';
import { PUBLIC_TEAM, type Page, type User } from '../model.js';
import { requirePermission } from '../policies.js';
import type { UserQuery } from '../ports.js';
import type { Role } from '../roles.js';
import { normaliseName } from '../names.js';

/**
 * The id of a service account, from its name (SPEC §1): lowercase, whitespace to underscores,
 * other special characters removed, `@service` appended. "Pipeline Automation" →
 * "pipeline_automation@service".
 */
export function serviceAccountId(name: string): string {
  const slug = name
    .trim()
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\s+/g, '_')
    .replace(/[^a-z0-9_]/g, '');
  if (!/[a-z0-9]/.test(slug)) throw invalidInput('name', 'must contain at least one letter or digit');
  return `${slug}@service`;
}

/** Team ids for these names (with Public unless told otherwise). Unknown names are a 422 on `teams`. */
export async function resolveTeamIds(deps: Deps, names: readonly string[] | undefined, includePublic = true): Promise<number[]> {
  const given = (names ?? []).map((n) => n.trim());
  const wanted = [...new Set(includePublic ? [PUBLIC_TEAM, ...given] : given)];
  const found = await deps.store.teams.findByNames(wanted);
  const missing = wanted.filter((n) => !found.some((t) => t.name === n));
  if (missing.length > 0) throw invalidInput('teams', `unknown team${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  return found.map((t) => t.id);
}

export interface CreateServiceAccountInput {
  name: string;
  role: Role;
  teams?: string[];
}

/** POST /api/users with `{name, role, teams}` (the reference's service-account shape). Admin only. */
export async function createServiceAccount(deps: Deps, actor: Actor, input: CreateServiceAccountInput): Promise<User> {
  requirePermission(actor, 'manageUsers', 'create service accounts');
  const name = normaliseName(input.name);
  const userId = serviceAccountId(name);
  const user = await deps.store.users.create({
    userId,
    email: null,
    name,
    type: 'Service',
    role: input.role,
    teamIds: await resolveTeamIds(deps, input.teams),
    passwordHash: null,
    createdById: actor.principal.user.id,
    created: deps.clock.now(),
  });
  await audit(deps, actor, { action: 'user.created', targetType: 'user', targetId: String(user.id), details: { user_id: userId, user_type: 'Service', role: user.role } });
  return user;
}

export interface CreateHumanInput {
  email: string;
  name: string;
  role: Role;
  teams?: string[];
  password?: string;
}

export const MIN_PASSWORD_LENGTH = 12;

export function checkPassword(password: string, field = 'password'): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw invalidInput(field, `must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > 1024) throw invalidInput(field, 'must have at most 1024 characters');
}

/** Creates a human user; `actor = null` is the system (first Admin at start or setup). */
export async function createHumanUser(deps: Deps, actor: Actor | null, input: CreateHumanInput): Promise<User> {
  if (actor) requirePermission(actor, 'manageUsers', 'create users');
  const email = input.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw invalidInput('email', 'must be an e-mail address');
  if (input.password !== undefined) checkPassword(input.password);
  const user = await deps.store.users.create({
    userId: email,
    email,
    name: normaliseName(input.name),
    type: 'Human',
    role: input.role,
    teamIds: await resolveTeamIds(deps, input.teams),
    passwordHash: input.password === undefined ? null : await deps.passwords.hash(input.password),
    createdById: actor?.principal.user.id ?? null,
    created: deps.clock.now(),
  });
  await audit(deps, actor, { action: 'user.created', targetType: 'user', targetId: String(user.id), details: { user_id: email, user_type: 'Human', role: user.role } });
  return user;
}

export async function getUser(deps: Deps, actor: Actor, id: number): Promise<User> {
  if (id !== actor.principal.user.id) requirePermission(actor, 'viewUsersAndTeams', 'view other users');
  const user = await deps.store.users.findById(id);
  if (!user) throw notFound('User');
  return user;
}

export function listUsers(deps: Deps, actor: Actor, query: UserQuery): Promise<Page<User>> {
  requirePermission(actor, 'viewUsersAndTeams', 'list users');
  return deps.store.users.list(query);
}

/** Refuses to leave the system without an active Admin. */
async function guardLastAdmin(deps: Deps, target: User, next: { role: Role; active: boolean }): Promise<void> {
  const losesAdmin = target.active && target.role === 'Admin' && (next.role !== 'Admin' || !next.active);
  if (losesAdmin && (await deps.store.users.countActiveAdmins()) <= 1) {
    throw new DomainError('LAST_ADMIN', 'This is the last active Admin: make another user Admin first');
  }
}

export interface UpdateUserInput {
  name?: string;
  role?: Role;
  teams?: string[];
  active?: boolean;
  password?: string;
}

/** PUT /api/users/{id}. Role, team and status changes reach every node's token cache. */
export async function updateUser(deps: Deps, actor: Actor, id: number, input: UpdateUserInput): Promise<User> {
  requirePermission(actor, 'manageUsers', 'change users');
  const user = await deps.store.users.findById(id);
  if (!user) throw notFound('User');
  await guardLastAdmin(deps, user, { role: input.role ?? user.role, active: input.active ?? user.active });
  if (input.password !== undefined) {
    if (user.type === 'Service') throw invalidInput('password', 'service accounts never log in with a password');
    checkPassword(input.password);
    await deps.store.users.setPassword(id, await deps.passwords.hash(input.password));
  }
  const updated = await deps.store.users.update(id, {
    ...(input.name !== undefined ? { name: normaliseName(input.name) } : {}),
    ...(input.role !== undefined ? { role: input.role } : {}),
    ...(input.active !== undefined ? { active: input.active } : {}),
    ...(input.teams !== undefined ? { teamIds: await resolveTeamIds(deps, input.teams) } : {}),
    lastModified: deps.clock.now(),
  });
  if (input.active === false) await deps.store.sessions.deleteAllOfUser(id);
  await deps.changes.publish({ kind: 'user', userId: id });
  const action = input.active === false && user.active ? 'user.deactivated' : input.active === true && !user.active ? 'user.activated' : 'user.updated';
  await audit(deps, actor, {
    action,
    targetType: 'user',
    targetId: String(id),
    details: { changed: Object.keys(input).filter((k) => k !== 'password').concat(input.password !== undefined ? ['password'] : []) },
  });
  return updated;
}

/** Revokes every token of a user at once (incident response). */
export async function revokeUserTokens(deps: Deps, actor: Actor, id: number): Promise<number[]> {
  requirePermission(actor, 'manageUsers', 'revoke tokens of other users');
  const user = await deps.store.users.findById(id);
  if (!user) throw notFound('User');
  const ids = await deps.store.tokens.revokeAllOfUser(id, deps.clock.now());
  await deps.changes.publish({ kind: 'user', userId: id });
  await audit(deps, actor, { action: 'user.tokens_revoked', targetType: 'user', targetId: String(id), details: { token_ids: ids } });
  return ids;
}

/** DELETE /api/users/{id}: deactivates the user, ends their sessions and revokes all their tokens. */
export async function deactivateUser(deps: Deps, actor: Actor, id: number): Promise<void> {
  requirePermission(actor, 'manageUsers', 'delete users');
  const user = await deps.store.users.findById(id);
  if (!user) throw notFound('User');
  await guardLastAdmin(deps, user, { role: user.role, active: false });
  await deps.store.users.update(id, { active: false, lastModified: deps.clock.now() });
  await deps.store.sessions.deleteAllOfUser(id);
  const ids = await deps.store.tokens.revokeAllOfUser(id, deps.clock.now());
  await deps.changes.publish({ kind: 'user', userId: id });
  await audit(deps, actor, { action: 'user.deleted', targetType: 'user', targetId: String(id), details: { token_ids_revoked: ids } });
}
