import { commitChange, type Change } from '../change.js';
import { DomainError, notFound } from '../errors.js';
import { PUBLIC_TEAM, type Team, type UserRef } from '../model.js';
import { requirePermission } from '../policies.js';
import type { StoreTransaction } from '../ports.js';
import { normaliseName } from '../names.js';
import { deleteTeamInside } from '../use-cases/manage-teams.js';
import { invalidValue } from './errors.js';
import { pageResponse, readListQuery, type ScimListQuery, type ScimListResponse } from './list.js';
import { applyPatch, parsePatchBody } from './patch.js';
import { projectionNeeds, readGroup, teamToScim, type ScimResource } from './resources.js';
import { CORE_SCHEMA } from './schemas.js';
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

async function findTeam(store: Pick<StoreTransaction, 'teams'>, id: string): Promise<Team> {
  const n = /^[1-9][0-9]{0,9}$/.test(id) ? Number(id) : NaN;
  const team = Number.isSafeInteger(n) && n <= 2147483647 ? await store.teams.findById(n, 0) : undefined;
  if (!team) throw notFound('Group');
  return team;
}

/** Member ids must be humans that exist (invalidValue otherwise). */
async function checkMembers(tx: Pick<StoreTransaction, 'users'>, ids: readonly number[]): Promise<void> {
  for (const id of new Set(ids)) {
    const u = await tx.users.findById(id);
    if (!u || u.type !== 'Human') throw invalidValue(`members: ${id} is not the id of a User`);
  }
}

/** A group's members are its humans, read whole (SCIM has no paging of members). */
const humansOf = (store: Pick<StoreTransaction, 'teams'>, t: Team): Promise<UserRef[]> => store.teams.allMembers(t.id, 'Human');

function guardPublic(team: Team, change: { rename: boolean; members: boolean }): void {
  if (team.name !== PUBLIC_TEAM) return;
  if (change.rename) throw new DomainError('PUBLIC_TEAM', 'The Public team cannot be renamed');
  if (change.members) throw new DomainError('PUBLIC_TEAM', 'Every user is in the Public team; its members cannot be changed');
}

/**
 * One group. Its members are read only when the client wants them: `excludedAttributes=members`
 * (RFC 7644 §3.4.2.5) answers at once even for Public, which holds every user.
 */
export async function scimGetGroup(s: ScimScope, id: string, projection: { attributes?: string; excludedAttributes?: string } = {}): Promise<ScimResource> {
  allowed(s);
  const store = s.deps.store;
  const team = await findTeam(store, id);
  return teamToScim(team, s.baseUrl, projectionNeeds('members', CORE_SCHEMA.Group, projection) ? await humansOf(store, team) : undefined);
}

/** Groups, with their members only when the projection or the filter needs them. */
export async function scimListGroups(s: ScimScope, query: ScimListQuery): Promise<ScimListResponse> {
  allowed(s);
  const parsed = readListQuery(query);
  const store = s.deps.store;
  // The database filters and pages (SPEC §4), as for Users; members are read for the answer only, when wanted.
  const page = await store.teams.listScim(parsed.filter, { offset: parsed.startIndex - 1, limit: parsed.count });
  const members = projectionNeeds('members', CORE_SCHEMA.Group, { attributes: query.attributes, excludedAttributes: query.excludedAttributes });
  const resources: ScimResource[] = [];
  for (const t of page.items) resources.push(teamToScim(t, s.baseUrl, members ? await humansOf(store, t) : undefined));
  return pageResponse(resources, page.total, 'Group', query, parsed);
}

export async function scimCreateGroup(s: ScimScope, body: unknown): Promise<ScimResource> {
  allowed(s);
  const state = readGroup(body);
  const name = normaliseName(state.displayName, 'displayName');
  const { deps, actor } = s;
  const team = await commitChange(deps, actor, async ({ tx, audit, publish }) => {
    await checkMembers(tx, state.memberIds);
    const created = await tx.teams.create({ name, description: null, userIds: state.memberIds, created: deps.clock.now(), externalId: state.externalId });
    // Membership decides which datastores a token's owner sees.
    if (state.memberIds.length > 0) publish({ kind: 'all' });
    audit({ action: 'team.created', targetType: 'team', targetId: String(created.id), details: { via: 'scim', name: created.name, members: state.memberIds } });
    return created;
  });
  return teamToScim(team, s.baseUrl, await humansOf(s.deps.store, team));
}

/** The members to add and remove to go from the team's humans to `wanted`. */
function memberDiff(current: readonly UserRef[], wanted: readonly number[]): { add: number[]; remove: number[] } {
  const have = new Set(current.map((u) => u.id));
  const want = new Set(wanted);
  return { add: wanted.filter((m) => !have.has(m)), remove: [...have].filter((m) => !want.has(m)) };
}

async function applyGroupChange(
  s: ScimScope,
  { tx, audit, publish }: Change,
  team: Team,
  next: { displayName: string; externalId: string | null; add: number[]; remove: number[] },
  replaceMembers?: number[],
): Promise<Team> {
  const name = normaliseName(next.displayName, 'displayName');
  const rename = name !== team.name;
  const externalChanged = next.externalId !== (team.externalId ?? null);
  const membersChanged = next.add.length > 0 || next.remove.length > 0;
  guardPublic(team, { rename, members: membersChanged });
  if (!rename && !externalChanged && !membersChanged) return team;
  await checkMembers(tx, next.add);
  const now = s.deps.clock.now();
  let updated = team;
  if (replaceMembers !== undefined) {
    // PUT: one write sets the name and the whole member list (service accounts kept).
    const keep = (await tx.teams.allMembers(team.id, 'Service')).map((u) => u.id);
    updated = await tx.teams.update(team.id, {
      ...(rename ? { name } : {}),
      ...(externalChanged ? { externalId: next.externalId } : {}),
      ...(membersChanged ? { userIds: [...new Set([...keep, ...replaceMembers])] } : {}),
      lastModified: now,
    });
  } else {
    if (rename || externalChanged) {
      updated = await tx.teams.update(team.id, { ...(rename ? { name } : {}), ...(externalChanged ? { externalId: next.externalId } : {}), lastModified: now });
    }
    // PATCH: only the members added and removed, so that concurrent PATCHes do not undo each other.
    if (membersChanged) updated = await tx.teams.changeMembers(team.id, { add: next.add, remove: next.remove, lastModified: now });
  }
  if (rename || membersChanged) publish({ kind: 'all' });
  const changed = [...(rename ? ['displayName'] : []), ...(externalChanged ? ['externalId'] : []), ...(membersChanged ? ['members'] : [])];
  audit({
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
  const state = readGroup(body);
  const team = await commitChange(s.deps, s.actor, async (change) => {
    const current = await findTeam(change.tx, id);
    const diff = memberDiff(await humansOf(change.tx, current), state.memberIds);
    const updated = await applyGroupChange(s, change, current, { displayName: state.displayName, externalId: state.externalId, ...diff }, state.memberIds);
    return teamToScim(updated, s.baseUrl, await humansOf(change.tx, updated));
  });
  return team;
}

/** PATCH: members add / remove / replace (Entra ID's and Okta's forms), rename, externalId. */
export async function scimPatchGroup(s: ScimScope, id: string, body: unknown): Promise<ScimResource> {
  allowed(s);
  const ops = parsePatchBody(body);
  const team = await commitChange(s.deps, s.actor, async (change) => {
    const current = await findTeam(change.tx, id);
    const humans = await humansOf(change.tx, current);
    const state = readGroup(applyPatch(teamToScim(current, s.baseUrl, humans), ops, 'Group', READ_ONLY));
    const updated = await applyGroupChange(s, change, current, { displayName: state.displayName, externalId: state.externalId, ...memberDiff(humans, state.memberIds) });
    return teamToScim(updated, s.baseUrl, await humansOf(change.tx, updated));
  });
  return team;
}

export async function scimDeleteGroup(s: ScimScope, id: string): Promise<void> {
  allowed(s);
  // The change of DELETE /api/teams: refuses Public, tells every node, audited as the token.
  await commitChange(s.deps, s.actor, async (change) => deleteTeamInside(change, (await findTeam(change.tx, id)).id, { via: 'scim' }));
}
