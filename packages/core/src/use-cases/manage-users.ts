import type { Actor } from '../auth/principal.js';
import { emitUserDeactivated } from '../lifecycle/departure.js';
import { tokenData, tokensOfUser } from './manage-tokens.js';
import { commitChange, type Change } from '../change.js';
import type { Deps } from '../deps.js';
import { DomainError, invalidInput, notFound } from '../errors.js';
import { PUBLIC_TEAM, type TeamRef, type User } from '../model.js';
import type { ListPage } from '../listing.js';
import { requirePermission } from '../policies.js';
import type { StoreTransaction, UserPatch, UserQuery } from '../ports.js';
import type { Role } from '../roles.js';
import { normaliseName } from '../names.js';
import { peopleAsOwners } from '../lifecycle/owners.js';

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

/** The teams of these names (with Public unless told otherwise), in id order. Unknown names are a 422 on `teams`. */
export async function resolveTeams(store: Pick<StoreTransaction, 'teams'>, names: readonly string[] | undefined, includePublic = true): Promise<TeamRef[]> {
  const given = (names ?? []).map((n) => n.trim());
  const wanted = [...new Set(includePublic ? [PUBLIC_TEAM, ...given] : given)];
  const found = await store.teams.findByNames(wanted);
  const missing = wanted.filter((n) => !found.some((t) => t.name === n));
  if (missing.length > 0) throw invalidInput('teams', `unknown team${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  return found.map((t) => ({ id: t.id, name: t.name }));
}

export async function resolveTeamIds(store: Pick<StoreTransaction, 'teams'>, names: readonly string[] | undefined, includePublic = true): Promise<number[]> {
  return (await resolveTeams(store, names, includePublic)).map((t) => t.id);
}

export interface CreateServiceAccountInput {
  name: string;
  role: Role;
  teams?: string[];
  /** SPEC §9: the people told about its tokens; absent or empty = the Admin who creates it. */
  ownerIds?: number[];
}

/** POST /api/users with `{name, role, teams}` (the reference's service-account shape). Admin only. */
export async function createServiceAccount(deps: Deps, actor: Actor, input: CreateServiceAccountInput): Promise<User> {
  requirePermission(actor, 'manageUsers', 'create service accounts');
  const name = normaliseName(input.name);
  const userId = serviceAccountId(name);
  return commitChange(deps, actor, async ({ tx, audit }) => {
    const user = await tx.users.create({
      userId,
      email: null,
      name,
      type: 'Service',
      role: input.role,
      teamIds: await resolveTeamIds(tx, input.teams),
      passwordHash: null,
      createdById: actor.principal.user.id,
      created: deps.clock.now(),
    });
    // Owners set with the account, in its change (none = its creator, the default).
    const owners = input.ownerIds?.length ? await peopleAsOwners(tx, input.ownerIds) : [];
    if (owners.length > 0) await tx.lifecycle.setOwners(user.id, owners.map((o) => o.id));
    audit({ action: 'user.created', targetType: 'user', targetId: String(user.id), details: { user_id: userId, user_type: 'Service', role: user.role, ...(owners.length > 0 ? { owner_ids: owners.map((o) => o.id) } : {}) } });
    return user;
  });
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

/** A human as given, checked and with the password hashed (before any transaction: hashing is slow). */
export async function preparedHuman(deps: Deps, input: Pick<CreateHumanInput, 'email' | 'name' | 'password'>): Promise<{ email: string; name: string; passwordHash: string | null }> {
  const email = input.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw invalidInput('email', 'must be an e-mail address');
  if (input.password !== undefined) checkPassword(input.password);
  return { email, name: normaliseName(input.name), passwordHash: input.password === undefined ? null : await deps.passwords.hash(input.password) };
}

/** Writes a human prepared by `preparedHuman` inside a change; `actor = null` is the system. */
export async function insertHuman(
  deps: Deps, actor: Actor | null, { tx, audit }: Change, human: Awaited<ReturnType<typeof preparedHuman>>, role: Role, teams: string[] | undefined,
  details: Record<string, unknown> = {},
): Promise<User> {
  const user = await tx.users.create({
    userId: human.email,
    email: human.email,
    name: human.name,
    type: 'Human',
    role,
    teamIds: await resolveTeamIds(tx, teams),
    passwordHash: human.passwordHash,
    createdById: actor?.principal.user.id ?? null,
    created: deps.clock.now(),
  });
  audit({ action: 'user.created', targetType: 'user', targetId: String(user.id), details: { user_id: human.email, user_type: 'Human', role, ...details } });
  return user;
}

/** POST /api/users with `user_type: "Human"`, Admin only; `actor = null` is the operator's break-glass command. */
export async function createHumanUser(deps: Deps, actor: Actor | null, input: CreateHumanInput): Promise<User> {
  if (actor) requirePermission(actor, 'manageUsers', 'create users');
  const human = await preparedHuman(deps, input);
  return commitChange(deps, actor, (change) => insertHuman(deps, actor, change, human, input.role, input.teams));
}

export async function getUser(deps: Deps, actor: Actor, id: number): Promise<User> {
  if (id !== actor.principal.user.id) requirePermission(actor, 'viewUsersAndTeams', 'view other users');
  const user = await deps.store.users.findById(id);
  if (!user) throw notFound('User');
  return user;
}

export function listUsers(deps: Deps, actor: Actor, query: UserQuery): Promise<ListPage<User>> {
  requirePermission(actor, 'viewUsersAndTeams', 'list users');
  return deps.store.users.list(query);
}

/** The lock every change that may remove an active Admin takes, so that two of them cannot both pass the guard. */
export const ADMINS_LOCK = 'admins';

/**
 * Refuses to leave the system without an active Admin. Call inside a change that holds
 * ADMINS_LOCK, with `target` read inside it: the count and the write are then one decision.
 */
export async function guardLastAdmin(tx: Pick<StoreTransaction, 'users'>, target: User, next: { role: Role; active: boolean }): Promise<void> {
  const losesAdmin = target.active && target.role === 'Admin' && (next.role !== 'Admin' || !next.active);
  if (losesAdmin && (await tx.users.countActiveAdmins()) <= 1) {
    throw new DomainError('LAST_ADMIN', 'This is the last active Admin: make another user Admin first');
  }
}

/** A user read inside a change, NOT_FOUND if gone. */
export async function userInside(tx: Pick<StoreTransaction, 'users'>, id: number): Promise<User> {
  const user = await tx.users.findById(id);
  if (!user) throw notFound('User');
  return user;
}

export interface UpdateUserInput {
  name?: string;
  role?: Role;
  teams?: string[];
  active?: boolean;
  password?: string;
}

/**
 * PUT /api/users/{id}. Role, team and status changes reach every node's token cache. A new
 * password ends the user's sessions (but the one making the change, when they change their own);
 * deactivation ends all of them. The last active Admin can be neither demoted nor deactivated.
 */
export async function updateUser(deps: Deps, actor: Actor, id: number, input: UpdateUserInput): Promise<User> {
  requirePermission(actor, 'manageUsers', 'change users');
  const name = input.name !== undefined ? normaliseName(input.name) : undefined;
  if (input.password !== undefined) checkPassword(input.password);
  const passwordHash = input.password !== undefined ? await deps.passwords.hash(input.password) : undefined;
  return commitChange(deps, actor, async ({ tx, audit, publish, emit }) => {
    if (input.role !== undefined || input.active !== undefined) await tx.lock(ADMINS_LOCK);
    const user = await userInside(tx, id);
    if (passwordHash !== undefined && user.type === 'Service') throw invalidInput('password', 'service accounts never log in with a password');
    const next = { role: input.role ?? user.role, active: input.active ?? user.active };
    await guardLastAdmin(tx, user, next);
    const teams = input.teams !== undefined ? await resolveTeams(tx, input.teams) : undefined;
    const deactivating = input.active === false && user.active;
    const reactivating = input.active === true && !user.active;
    const patch: UserPatch = {
      ...(name !== undefined ? { name } : {}),
      ...(input.role !== undefined ? { role: input.role } : {}),
      ...(input.active !== undefined ? { active: input.active } : {}),
      ...(deactivating ? { deactivatedBy: 'admin' as const } : reactivating ? { deactivatedBy: null } : {}),
      ...(teams !== undefined ? { teamIds: teams.map((t) => t.id) } : {}),
      ...(passwordHash !== undefined ? { passwordHash } : {}),
      lastModified: deps.clock.now(),
    };
    if (deactivating && user.type === 'Human') await emitUserDeactivated({ tx, emit }, user, deps.clock.now(), 'api');
    await tx.users.update(id, patch);
    let sessionsEnded = 0;
    if (deactivating) sessionsEnded = await tx.sessions.deleteAllOfUser(id);
    else if (passwordHash !== undefined) sessionsEnded = await tx.sessions.deleteAllOfUser(id, ownSessionOf(actor, id));
    const changed = Object.keys(input).filter((k) => k !== 'password').concat(passwordHash !== undefined ? ['password'] : []);
    audit({
      action: deactivating ? 'user.deactivated' : reactivating ? 'user.activated' : 'user.updated',
      targetType: 'user',
      targetId: String(id),
      details: { changed, ...(sessionsEnded > 0 ? { sessions_ended: sessionsEnded } : {}) },
    });
    publish({ kind: 'user', userId: id });
    return {
      ...user,
      ...(name !== undefined ? { name } : {}),
      role: next.role,
      active: next.active,
      deactivatedBy: deactivating ? 'admin' : reactivating ? null : user.deactivatedBy,
      teams: teams ?? user.teams,
      lastModified: patch.lastModified ?? null,
    };
  });
}

/** The caller's own session, to keep when they change their own password. */
const ownSessionOf = (actor: Actor, userId: number): number | undefined =>
  actor.principal.user.id === userId ? actor.principal.session?.id : undefined;

/**
 * Incident response (SPEC §7): revokes every token of a user, reason `incident`, and ends all
 * their sessions, in one change.
 */
export async function revokeUserTokens(deps: Deps, actor: Actor, id: number): Promise<number[]> {
  requirePermission(actor, 'manageUsers', 'revoke tokens of other users');
  return commitChange(deps, actor, async ({ tx, audit, publish, emit }) => {
    await userInside(tx, id);
    const before = await tokensOfUser(tx.tokens, id);
    const ids = await tx.tokens.revokeAllOfUser(id, { at: deps.clock.now(), byId: actor.principal.user.id, reason: 'incident' });
    for (const t of before.filter((x) => ids.includes(x.id))) emit({ type: 'token.revoked', data: { ...tokenData(t), reason: 'incident' } });
    const sessionsEnded = await tx.sessions.deleteAllOfUser(id);
    audit({ action: 'user.tokens_revoked', targetType: 'user', targetId: String(id), details: { token_ids: ids, sessions_ended: sessionsEnded } });
    publish({ kind: 'user', userId: id });
    return ids;
  });
}

/** DELETE /api/users/{id}/sessions (Admin): ends every session of another user. */
export async function endUserSessions(deps: Deps, actor: Actor, id: number): Promise<number> {
  requirePermission(actor, 'manageUsers', "end other users' sessions");
  return commitChange(deps, actor, async ({ tx, audit }) => {
    await userInside(tx, id);
    const ended = await tx.sessions.deleteAllOfUser(id);
    audit({ action: 'user.sessions_ended', targetType: 'user', targetId: String(id), details: { sessions_ended: ended } });
    return ended;
  });
}

/** DELETE /api/users/{id}: deactivates the user, ends their sessions and revokes all their tokens (reason `user_deactivated`). */
export async function deactivateUser(deps: Deps, actor: Actor, id: number): Promise<void> {
  requirePermission(actor, 'manageUsers', 'delete users');
  await commitChange(deps, actor, async ({ tx, audit, publish, emit }) => {
    await tx.lock(ADMINS_LOCK);
    const user = await userInside(tx, id);
    await guardLastAdmin(tx, user, { role: user.role, active: false });
    const now = deps.clock.now();
    if (user.active && user.type === 'Human') await emitUserDeactivated({ tx, emit }, user, now, 'api');
    const before = await tokensOfUser(tx.tokens, id);
    await tx.users.update(id, { active: false, deactivatedBy: 'admin', lastModified: now });
    const sessionsEnded = await tx.sessions.deleteAllOfUser(id);
    const ids = await tx.tokens.revokeAllOfUser(id, { at: now, byId: actor.principal.user.id, reason: 'user_deactivated' });
    for (const t of before.filter((x) => ids.includes(x.id))) emit({ type: 'token.revoked', data: { ...tokenData(t), reason: 'user_deactivated' } });
    audit({ action: 'user.deleted', targetType: 'user', targetId: String(id), details: { token_ids_revoked: ids, sessions_ended: sessionsEnded } });
    publish({ kind: 'user', userId: id });
  });
}
