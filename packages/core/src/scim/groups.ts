import { audit } from '../deps.js';
import { DomainError, notFound } from '../errors.js';
import { PUBLIC_TEAM, type Team } from '../model.js';
import { requirePermission } from '../policies.js';
import { normaliseName } from '../names.js';
import { deleteTeam } from '../use-cases/manage-teams.js';
import { invalidValue } from './errors.js';
import { listResponse, type ScimListQuery, type ScimListResponse } from './list.js';
import { applyPatch, parsePatchBody } from './patch.js';
import { readGroup, teamToScim, type ScimResource } from './resources.js';
import type { ScimScope } from './users.js';

/*
 * SCIM Groups (RFC 7644 §3) over Gatehouse teams. Members are humans: service accounts in a team
 * are not listed and never removed through SCIM. The Public team is listed (everyone is in it)
 * but can be neither renamed, nor have its members set, nor be deleted.
 */

const READ_ONLY = ['id', 'meta'];

function allowed(s: ScimScope): void {
  requirePermission(s.actor, 'manageUsers', 'provision groups through SCIM');
}

async function findTeam(s: ScimScope, id: string): Promise<Team> {
  const n = /^[1-9][0-9]{0,9}$/.test(id) ? Number(id) : NaN;
  const team = Number.isSafeInteger(n) && n <= 2147483647 ? await s.deps.store.teams.findById(n) : undefined;
  if (!team) throw notFound('Group');
  return team;
}

/** Member ids must be humans that exist (invalidValue otherwise). */
async function checkMembers(s: ScimScope, ids: readonly number[]): Promise<void> {
  for (const id of new Set(ids)) {
    const u = await s.deps.store.users.findById(id);
    if (!u || u.type !== 'Human') throw invalidValue(`members: ${id} is not the id of a User`);
  }
}

const humanIds = (t: Team) => t.users.filter((u) => u.type === 'Human').map((u) => u.id);

function guardPublic(team: Team, change: { rename: boolean; members: boolean }): void {
  if (team.name !== PUBLIC_TEAM) return;
  if (change.rename) throw new DomainError('PUBLIC_TEAM', 'The Public team cannot be renamed');
  if (change.members) throw new DomainError('PUBLIC_TEAM', 'Every user is in the Public team; its members cannot be changed');
}

export async function scimGetGroup(s: ScimScope, id: string): Promise<ScimResource> {
  allowed(s);
  return teamToScim(await findTeam(s, id), s.baseUrl);
}

export async function scimListGroups(s: ScimScope, query: ScimListQuery): Promise<ScimListResponse> {
  allowed(s);
  const teams = (await s.deps.store.teams.list({ offset: 0, limit: 1_000_000 })).items;
  return listResponse(teams.map((t) => teamToScim(t, s.baseUrl)), 'Group', query);
}

export async function scimCreateGroup(s: ScimScope, body: unknown): Promise<ScimResource> {
  allowed(s);
  const state = readGroup(body);
  await checkMembers(s, state.memberIds);
  const { deps, actor } = s;
  const team = await deps.store.teams.create({
    name: normaliseName(state.displayName, 'displayName'),
    description: null,
    userIds: state.memberIds,
    created: deps.clock.now(),
    externalId: state.externalId,
  });
  // Membership decides which datastores a token's owner sees.
  if (state.memberIds.length > 0) await deps.changes.publish({ kind: 'all' });
  await audit(deps, actor, { action: 'team.created', targetType: 'team', targetId: String(team.id), details: { via: 'scim', name: team.name, members: state.memberIds } });
  return teamToScim(team, s.baseUrl);
}

async function applyGroupChange(
  s: ScimScope,
  team: Team,
  next: { displayName: string; externalId: string | null; add: number[]; remove: number[] },
  replaceMembers?: number[],
): Promise<Team> {
  const { deps, actor } = s;
  const name = normaliseName(next.displayName, 'displayName');
  const rename = name !== team.name;
  const externalChanged = next.externalId !== (team.externalId ?? null);
  const membersChanged = next.add.length > 0 || next.remove.length > 0;
  guardPublic(team, { rename, members: membersChanged });
  if (!rename && !externalChanged && !membersChanged) return team;
  await checkMembers(s, next.add);
  const now = deps.clock.now();
  let updated = team;
  if (replaceMembers !== undefined) {
    // PUT: one transaction sets the name and the whole member list (service accounts kept).
    const keep = team.users.filter((u) => u.type !== 'Human').map((u) => u.id);
    updated = await deps.store.teams.update(team.id, {
      ...(rename ? { name } : {}),
      ...(externalChanged ? { externalId: next.externalId } : {}),
      ...(membersChanged ? { userIds: [...new Set([...keep, ...replaceMembers])] } : {}),
      lastModified: now,
    });
  } else {
    if (rename || externalChanged) {
      updated = await deps.store.teams.update(team.id, { ...(rename ? { name } : {}), ...(externalChanged ? { externalId: next.externalId } : {}), lastModified: now });
    }
    // PATCH: only the members added and removed, so that concurrent PATCHes do not undo each other.
    if (membersChanged) updated = await deps.store.teams.changeMembers(team.id, { add: next.add, remove: next.remove, lastModified: now });
  }
  if (rename || membersChanged) await deps.changes.publish({ kind: 'all' });
  const changed = [...(rename ? ['displayName'] : []), ...(externalChanged ? ['externalId'] : []), ...(membersChanged ? ['members'] : [])];
  await audit(deps, actor, {
    action: 'team.updated',
    targetType: 'team',
    targetId: String(team.id),
    details: { via: 'scim', changed, ...(membersChanged ? { added: next.add, removed: next.remove } : {}) },
  });
  return updated;
}

/** PUT: the body replaces the group, members included (humans only; service accounts stay). */
export async function scimReplaceGroup(s: ScimScope, id: string, body: unknown): Promise<ScimResource> {
  allowed(s);
  const team = await findTeam(s, id);
  const state = readGroup(body);
  const current = humanIds(team);
  const add = state.memberIds.filter((m) => !current.includes(m));
  const remove = current.filter((m) => !state.memberIds.includes(m));
  return teamToScim(await applyGroupChange(s, team, { displayName: state.displayName, externalId: state.externalId, add, remove }, state.memberIds), s.baseUrl);
}

/** PATCH: members add / remove / replace (Entra ID's and Okta's forms), rename, externalId. */
export async function scimPatchGroup(s: ScimScope, id: string, body: unknown): Promise<ScimResource> {
  allowed(s);
  const ops = parsePatchBody(body);
  const team = await findTeam(s, id);
  const before = teamToScim(team, s.baseUrl);
  const after = applyPatch(before, ops, 'Group', READ_ONLY);
  const state = readGroup(after);
  const current = humanIds(team);
  const add = state.memberIds.filter((m) => !current.includes(m));
  const remove = current.filter((m) => !state.memberIds.includes(m));
  return teamToScim(await applyGroupChange(s, team, { displayName: state.displayName, externalId: state.externalId, add, remove }), s.baseUrl);
}

export async function scimDeleteGroup(s: ScimScope, id: string): Promise<void> {
  allowed(s);
  const team = await findTeam(s, id);
  // The use case of DELETE /api/teams: refuses Public, tells every node, audits as the token.
  await deleteTeam(s.deps, s.actor, team.id);
}
