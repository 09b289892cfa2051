import type { Actor } from '../auth/principal.js';
import { commitChange, type Change } from '../change.js';
import { emitUserDeactivated } from '../lifecycle/departure.js';
import type { Deps } from '../deps.js';
import { DomainError, notFound } from '../errors.js';
import { PUBLIC_TEAM, type User } from '../model.js';
import { requirePermission } from '../policies.js';
import { ADMINS_LOCK } from '../use-cases/manage-users.js';
import type { StoreTransaction, UserPatch } from '../ports.js';
import { mutability } from './errors.js';
import { getProp } from './filter.js';
import { pageResponse, readListQuery, type ScimListQuery, type ScimListResponse } from './list.js';
import { applyPatch, parsePatchBody } from './patch.js';
import { readUser, userToScim, type ScimResource, type ScimUserState } from './resources.js';

/*
 * SCIM Users (RFC 7644 §3) over Gatehouse's humans. Service accounts are not SCIM's: they are
 * neither listed nor reachable here. Users created here are Human, role Member, in Public,
 * `provisioned_by: scim`, and without a password: they sign in through the identity provider
 * (single sign-on, SPEC §8), linked by their verified e-mail at the first sign-in.
 * Every change is one atomic write audited as done by the SCIM token (`actor`), `via: "scim"`.
 *
 * SCIM stays in its lane (SPEC §7): it deprovisions any user it provisioned (Admins included),
 * but never changes or deletes a local Admin (the break-glass path), never reactivates a user an
 * Admin deactivated, and never creates or renames a user into a `@service` id (readUser).
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
async function findHuman(store: Pick<StoreTransaction, 'users'>, id: string): Promise<User> {
  const n = /^[1-9][0-9]{0,9}$/.test(id) ? Number(id) : NaN;
  const user = Number.isSafeInteger(n) && n <= 2147483647 ? await store.users.findById(n) : undefined;
  if (!user || user.type !== 'Human') throw notFound('User');
  return user;
}

/** FORBIDDEN for a local Admin: SCIM may not lock out the people who administer Gatehouse itself. */
function refuseLocalAdmin(user: User, what: string): void {
  if (user.provisionedBy === 'local' && user.role === 'Admin') {
    throw new DomainError('FORBIDDEN', `SCIM cannot ${what} a local Admin (${user.userId}): change them in Gatehouse itself`);
  }
}

export async function scimGetUser(s: ScimScope, id: string): Promise<ScimResource> {
  allowed(s);
  return userToScim(await findHuman(s.deps.store, id), s.baseUrl);
}

export async function scimListUsers(s: ScimScope, query: ScimListQuery): Promise<ScimListResponse> {
  allowed(s);
  const parsed = readListQuery(query);
  // The database filters and pages (SPEC §4): `userName eq` is an indexed lookup, other filters
  // one page and one count, never every user in memory.
  const page = await s.deps.store.users.listScim(parsed.filter, { offset: parsed.startIndex - 1, limit: parsed.count });
  return pageResponse(page.items.map((u) => userToScim(u, s.baseUrl)), page.total, 'User', query, parsed);
}

export async function scimCreateUser(s: ScimScope, body: unknown): Promise<ScimResource> {
  allowed(s);
  const state = readUser(body);
  const { deps, actor } = s;
  const active = state.active ?? true;
  const user = await commitChange(deps, actor, async ({ tx, audit }) => {
    const publicTeam = await tx.teams.findByNames([PUBLIC_TEAM]);
    const created = await tx.users.create({
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
      formattedName: state.formattedName,
      emails: state.emails,
      provisionedBy: 'scim',
    });
    if (!active) await tx.users.update(created.id, { active: false, deactivatedBy: 'scim' });
    audit({
      action: 'user.created',
      targetType: 'user',
      targetId: String(created.id),
      details: { via: 'scim', user_id: created.userId, user_type: 'Human', role: created.role, active },
    });
    return { ...created, active, deactivatedBy: active ? null : ('scim' as const) };
  });
  return userToScim(user, s.baseUrl);
}

/**
 * Writes a new state of a user read inside the change: one store update, its sessions ended on
 * deactivation, the caches told, one audit event.
 */
async function applyState(s: ScimScope, { tx, audit, publish, emit }: Change, user: User, state: ScimUserState): Promise<User> {
  const patch: UserPatch = {};
  const changed: string[] = [];
  const set = <K extends keyof UserPatch>(key: K, scimName: string, next: UserPatch[K], current: unknown) => {
    if (next !== current) {
      patch[key] = next;
      changed.push(scimName);
    }
  };
  const active = state.active ?? user.active;
  set('userId', 'userName', state.userName, user.userId);
  // A body without `emails` (POST/PUT shape, e-mail taken from userName) leaves stored e-mails alone.
  const keepEmails = state.emails === null && Boolean(user.emails);
  if (!keepEmails) set('email', 'emails', state.email, user.email);
  set('name', 'displayName', state.displayName, user.name);
  set('givenName', 'name.givenName', state.givenName, user.givenName ?? null);
  set('familyName', 'name.familyName', state.familyName, user.familyName ?? null);
  set('formattedName', 'name.formatted', state.formattedName, user.formattedName ?? null);
  // Rows from before e-mails were stored show `email` as the one work address: resending that changes nothing.
  const shownEmails = user.emails ?? (user.email ? [{ value: user.email, type: 'work', display: null, primary: true }] : []);
  if (state.emails !== null && JSON.stringify(state.emails) !== JSON.stringify(user.emails ?? null) && JSON.stringify(state.emails) !== JSON.stringify(shownEmails)) {
    patch.emails = state.emails;
    if (!changed.includes('emails')) changed.push('emails');
  }
  set('externalId', 'externalId', state.externalId, user.externalId ?? null);
  set('active', 'active', active, user.active);
  if (changed.length === 0) return user;

  refuseLocalAdmin(user, 'change');
  if (active && !user.active && user.deactivatedBy === 'admin') {
    throw new DomainError('DEACTIVATED_BY_ADMIN', `${user.userId} was deactivated by a Gatehouse Admin: only an Admin can reactivate them`);
  }
  if (patch.active !== undefined) patch.deactivatedBy = patch.active ? null : 'scim';
  // Deprovisioning an Admin is not guarded (it always works), but it is ordered with the API's
  // last-Admin guards, so that those count the Admins as they are after it.
  if (patch.active === false && user.role === 'Admin') await tx.lock(ADMINS_LOCK);
  const lastModified = s.deps.clock.now();
  if (patch.active === false) await emitUserDeactivated({ tx, emit }, user, lastModified, 'scim');
  await tx.users.update(user.id, { ...patch, lastModified });
  // Deactivation ends sessions now; tokens stop at once because every node drops the user from
  // its token cache and the store says the user is inactive (SPEC §2). Tokens are not revoked,
  // so re-activation restores them.
  const sessionsEnded = patch.active === false ? await tx.sessions.deleteAllOfUser(user.id) : 0;
  publish({ kind: 'user', userId: user.id });
  const action = patch.active === false ? 'user.deactivated' : patch.active === true ? 'user.activated' : 'user.updated';
  audit({ action, targetType: 'user', targetId: String(user.id), details: { via: 'scim', changed, ...(sessionsEnded > 0 ? { sessions_ended: sessionsEnded } : {}) } });
  return {
    ...user,
    userId: state.userName,
    email: keepEmails ? user.email : state.email,
    name: state.displayName,
    givenName: state.givenName,
    familyName: state.familyName,
    formattedName: state.formattedName,
    emails: keepEmails ? (user.emails ?? null) : state.emails,
    externalId: state.externalId,
    active,
    deactivatedBy: patch.active === undefined ? user.deactivatedBy : (patch.deactivatedBy ?? null),
    lastModified,
  };
}

/** PUT: the body replaces the user (Okta updates this way). Read-only attributes in it are ignored (RFC 7644 §3.5.1). */
export async function scimReplaceUser(s: ScimScope, id: string, body: unknown): Promise<ScimResource> {
  allowed(s);
  const state = readUser(body);
  const user = await commitChange(s.deps, s.actor, async (change) => applyState(s, change, await findHuman(change.tx, id), state));
  return userToScim(user, s.baseUrl);
}

/** PATCH (RFC 7644 §3.5.2), applied to the user's SCIM representation and read back as a PUT body. */
export async function scimPatchUser(s: ScimScope, id: string, body: unknown): Promise<ScimResource> {
  allowed(s);
  const ops = parsePatchBody(body);
  const user = await commitChange(s.deps, s.actor, async (change) => {
    const current = await findHuman(change.tx, id);
    const after = applyPatch(userToScim(current, s.baseUrl), ops, 'User', READ_ONLY);
    // RFC 7644 §3.5.2: an operation must suit the attribute's state. `active` has no default to
    // fall back to: removing it would leave the account's state undefined (and must never
    // reactivate anyone, SPEC §4); replace it with true or false instead.
    if (getProp(after, 'active') === undefined) throw mutability('"active" cannot be removed: replace it with true or false');
    return applyState(s, change, current, readUser(after, { emailFromUserName: false }));
  });
  return userToScim(user, s.baseUrl);
}

/**
 * DELETE removes the user for good (RFC 7644 §3.6: later requests get 404, and the userName is
 * free again): its tokens, sessions and memberships go with it, and every node drops it from its
 * token cache. The audit log keeps its history and records who it was.
 */
export async function scimDeleteUser(s: ScimScope, id: string): Promise<void> {
  allowed(s);
  await commitChange(s.deps, s.actor, async ({ tx, audit, publish }) => {
    const user = await findHuman(tx, id);
    refuseLocalAdmin(user, 'delete');
    if (user.role === 'Admin' && user.active) await tx.lock(ADMINS_LOCK);
    await tx.users.delete(user.id);
    publish({ kind: 'user', userId: user.id });
    audit({
      action: 'user.deleted',
      targetType: 'user',
      targetId: String(user.id),
      details: { via: 'scim', permanent: true, user_id: user.userId, name: user.name, role: user.role },
    });
  });
}
