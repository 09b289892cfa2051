import type { Actor } from '../auth/principal.js';
import { audit, type Deps } from '../deps.js';
import { DomainError, notFound } from '../errors.js';
import { PUBLIC_TEAM, type User } from '../model.js';
import { requirePermission } from '../policies.js';
import type { UserPatch } from '../ports.js';
import { simpleEquality } from './filter.js';
import { listResponse, readListQuery, type ScimListQuery, type ScimListResponse } from './list.js';
import { applyPatch, parsePatchBody } from './patch.js';
import { readUser, userToScim, type ScimResource, type ScimUserState } from './resources.js';

/*
 * SCIM Users (RFC 7644 §3) over Gatehouse's humans. Service accounts are not SCIM's: they are
 * neither listed nor reachable here. Users created here are Human, role Member, in Public, and
 * without a password (they cannot log in until an Admin sets one). Every change is audited as
 * done by the SCIM token (`actor`), with `via: "scim"`.
 */

/** Where the SCIM resources live (`https://host/api/scim/v2`), for `meta.location` and `$ref`. */
export interface ScimScope {
  deps: Deps;
  actor: Actor;
  baseUrl: string;
}

const READ_ONLY = ['id', 'meta', 'groups'];

function allowed(s: ScimScope): void {
  // The token's owner must still be an Admin (SCIM tokens are created by Admins; roles change).
  requirePermission(s.actor, 'manageUsers', 'provision users through SCIM');
}

/** A SCIM-visible user: a human. Unknown ids, service accounts and non-numeric ids are 404. */
async function findHuman(s: ScimScope, id: string): Promise<User> {
  const n = /^[1-9][0-9]{0,9}$/.test(id) ? Number(id) : NaN;
  const user = Number.isSafeInteger(n) && n <= 2147483647 ? await s.deps.store.users.findById(n) : undefined;
  if (!user || user.type !== 'Human') throw notFound('User');
  return user;
}

/** Refuses to leave the system without an active Admin (same rule as PUT /api/users). */
async function guardLastAdmin(s: ScimScope, user: User, stillActiveAdmin: boolean): Promise<void> {
  if (user.active && user.role === 'Admin' && !stillActiveAdmin && (await s.deps.store.users.countActiveAdmins()) <= 1) {
    throw new DomainError('LAST_ADMIN', 'This is the last active Admin: make another user Admin first');
  }
}

export async function scimGetUser(s: ScimScope, id: string): Promise<ScimResource> {
  allowed(s);
  return userToScim(await findHuman(s, id), s.baseUrl);
}

export async function scimListUsers(s: ScimScope, query: ScimListQuery): Promise<ScimListResponse> {
  allowed(s);
  const parsed = readListQuery(query);
  const eq = parsed.filter ? simpleEquality(parsed.filter) : undefined;
  let users: User[];
  if (eq?.attr === 'username') {
    // The lookup every identity provider makes before creating a user: one indexed read.
    const u = await s.deps.store.users.findByUserId(eq.value);
    users = u ? [u] : [];
  } else {
    // FIXME(scim-scale): filters other than userName eq are evaluated in memory over all humans.
    users = (await s.deps.store.users.list({ type: 'Human', offset: 0, limit: 1_000_000 })).items;
  }
  const resources = users.filter((u) => u.type === 'Human').map((u) => userToScim(u, s.baseUrl));
  return listResponse(resources, 'User', query, parsed);
}

export async function scimCreateUser(s: ScimScope, body: unknown): Promise<ScimResource> {
  allowed(s);
  const state = readUser(body);
  const { deps, actor } = s;
  const publicTeam = await deps.store.teams.findByNames([PUBLIC_TEAM]);
  let user = await deps.store.users.create({
    userId: state.userName,
    email: state.email,
    name: state.displayName,
    type: 'Human',
    role: 'Member',
    teamIds: publicTeam.map((t) => t.id),
    passwordHash: null,
    createdById: actor.principal.user.id,
    created: deps.clock.now(),
    externalId: state.externalId,
    givenName: state.givenName,
    familyName: state.familyName,
  });
  if (!state.active) user = await deps.store.users.update(user.id, { active: false });
  await audit(deps, actor, {
    action: 'user.created',
    targetType: 'user',
    targetId: String(user.id),
    details: { via: 'scim', user_id: user.userId, user_type: 'Human', role: user.role, active: user.active },
  });
  return userToScim(user, s.baseUrl);
}

/** Writes a new state of a user: one store update, then sessions, caches and the audit log. */
async function applyState(s: ScimScope, user: User, state: ScimUserState): Promise<User> {
  const { deps, actor } = s;
  const patch: UserPatch = {};
  const changed: string[] = [];
  const set = <K extends keyof UserPatch>(key: K, scimName: string, next: UserPatch[K], current: unknown) => {
    if (next !== current) {
      patch[key] = next;
      changed.push(scimName);
    }
  };
  set('userId', 'userName', state.userName, user.userId);
  set('email', 'emails', state.email, user.email);
  set('name', 'displayName', state.displayName, user.name);
  set('givenName', 'name.givenName', state.givenName, user.givenName ?? null);
  set('familyName', 'name.familyName', state.familyName, user.familyName ?? null);
  set('externalId', 'externalId', state.externalId, user.externalId ?? null);
  set('active', 'active', state.active, user.active);
  if (changed.length === 0) return user;

  await guardLastAdmin(s, user, state.active);
  const updated = await deps.store.users.update(user.id, { ...patch, lastModified: deps.clock.now() });
  // Deactivation ends sessions now; tokens stop at once because every node drops the user from
  // its token cache and the store says the user is inactive (SPEC §2). Tokens are not revoked,
  // so re-activation restores them.
  if (patch.active === false) await deps.store.sessions.deleteAllOfUser(user.id);
  await deps.changes.publish({ kind: 'user', userId: user.id });
  const action = patch.active === false ? 'user.deactivated' : patch.active === true ? 'user.activated' : 'user.updated';
  await audit(deps, actor, { action, targetType: 'user', targetId: String(user.id), details: { via: 'scim', changed } });
  return updated;
}

/** PUT: the body replaces the user (Okta updates this way). Read-only attributes in it are ignored (RFC 7644 §3.5.1). */
export async function scimReplaceUser(s: ScimScope, id: string, body: unknown): Promise<ScimResource> {
  allowed(s);
  const user = await findHuman(s, id);
  return userToScim(await applyState(s, user, readUser(body)), s.baseUrl);
}

/** PATCH (RFC 7644 §3.5.2), applied to the user's SCIM representation and read back as a PUT body. */
export async function scimPatchUser(s: ScimScope, id: string, body: unknown): Promise<ScimResource> {
  allowed(s);
  const ops = parsePatchBody(body);
  const user = await findHuman(s, id);
  const before = userToScim(user, s.baseUrl);
  const after = applyPatch(before, ops, 'User', READ_ONLY);
  return userToScim(await applyState(s, user, readUser(after)), s.baseUrl);
}

/**
 * DELETE removes the user for good (RFC 7644 §3.6: later requests get 404, and the userName is
 * free again): its tokens, sessions and memberships go with it, and every node drops it from its
 * token cache. The audit log keeps its history and records who it was.
 */
export async function scimDeleteUser(s: ScimScope, id: string): Promise<void> {
  allowed(s);
  const user = await findHuman(s, id);
  await guardLastAdmin(s, user, false);
  await s.deps.store.users.delete(user.id);
  await s.deps.changes.publish({ kind: 'user', userId: user.id });
  await audit(s.deps, s.actor, {
    action: 'user.deleted',
    targetType: 'user',
    targetId: String(user.id),
    details: { via: 'scim', permanent: true, user_id: user.userId, name: user.name, role: user.role },
  });
}
