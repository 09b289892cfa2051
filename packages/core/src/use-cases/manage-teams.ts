import type { Actor } from '../auth/principal.js';
import { commitChange, type Change } from '../change.js';
import type { Deps } from '../deps.js';
import { DomainError, invalidInput, notFound } from '../errors.js';
import { PUBLIC_TEAM, TEAM_PREVIEW_ONE, type Team, type TeamMember } from '../model.js';
import type { ListPage } from '../listing.js';
import { requirePermission } from '../policies.js';
import type { StoreTransaction, TeamMemberQuery, TeamQuery } from '../ports.js';
import { normaliseName } from '../names.js';

export function listTeams(deps: Deps, actor: Actor, query: TeamQuery): Promise<ListPage<Team>> {
  requirePermission(actor, 'viewUsersAndTeams', 'list teams');
  return deps.store.teams.list(query);
}

export async function getTeam(deps: Deps, actor: Actor, id: number): Promise<Team> {
  requirePermission(actor, 'viewUsersAndTeams', 'view teams');
  const team = await deps.store.teams.findById(id, TEAM_PREVIEW_ONE);
  if (!team) throw notFound('Team');
  return team;
}

/** One page of a team's members, by name (GET /api/teams/{id}/members). */
export async function listTeamMembers(deps: Deps, actor: Actor, id: number, query: TeamMemberQuery): Promise<ListPage<TeamMember>> {
  requirePermission(actor, 'viewUsersAndTeams', 'view teams');
  // The empty page of an unknown team would read as "no members".
  if (!(await deps.store.teams.findById(id, 0))) throw notFound('Team');
  return deps.store.teams.members(id, query);
}

function guardPublicMembers(team: Team): void {
  if (team.name === PUBLIC_TEAM) throw new DomainError('PUBLIC_TEAM', 'Every user is in the Public team; its members cannot be changed');
}

/**
 * Adds members without sending the others (POST /api/teams/{id}/members); users already in the
 * team are left alone. Audited with the ids actually added.
 */
export async function addTeamMembers(deps: Deps, actor: Actor, id: number, userIds: readonly number[]): Promise<Team> {
  requirePermission(actor, 'manageUsers', 'change teams');
  return commitChange(deps, actor, async ({ tx, audit, publish }) => {
    const team = await tx.teams.findById(id, 0);
    if (!team) throw notFound('Team');
    guardPublicMembers(team);
    const wanted = (await checkUserIds(tx, userIds)) ?? [];
    const already = new Set(await tx.teams.memberIdsAmong(id, wanted));
    const added = wanted.filter((u) => !already.has(u));
    if (added.length === 0) return (await tx.teams.findById(id)) ?? team;
    const updated = await tx.teams.changeMembers(id, { add: added, remove: [], lastModified: deps.clock.now() });
    publish({ kind: 'all' });
    audit({ action: 'team.updated', targetType: 'team', targetId: String(id), details: { changed: ['members'], added } });
    return updated;
  });
}

/** Removes one member (DELETE /api/teams/{id}/members/{user_id}); NOT_FOUND when not a member. */
export async function removeTeamMember(deps: Deps, actor: Actor, id: number, userId: number): Promise<void> {
  requirePermission(actor, 'manageUsers', 'change teams');
  await commitChange(deps, actor, async ({ tx, audit, publish }) => {
    const team = await tx.teams.findById(id, 0);
    if (!team) throw notFound('Team');
    guardPublicMembers(team);
    if ((await tx.teams.memberIdsAmong(id, [userId])).length === 0) throw notFound('Team member');
    await tx.teams.changeMembers(id, { add: [], remove: [userId], lastModified: deps.clock.now() });
    publish({ kind: 'all' });
    audit({ action: 'team.updated', targetType: 'team', targetId: String(id), details: { changed: ['members'], removed: [userId] } });
  });
}

async function checkUserIds(store: Pick<StoreTransaction, 'users'>, ids: readonly number[] | undefined): Promise<number[] | undefined> {
  if (ids === undefined) return undefined;
  const unique = [...new Set(ids)];
  const existing = new Set(await store.users.existingIds(unique));
  const missing = unique.find((id) => !existing.has(id));
  if (missing !== undefined) throw invalidInput('user_ids', `unknown user id ${missing}`);
  return unique;
}

export interface TeamInput {
  name?: string;
  description?: string | null;
  userIds?: number[];
}

export async function createTeam(deps: Deps, actor: Actor, input: TeamInput & { name: string }): Promise<Team> {
  requirePermission(actor, 'manageUsers', 'create teams');
  const name = normaliseName(input.name);
  return commitChange(deps, actor, async ({ tx, audit, publish }) => {
    const team = await tx.teams.create({
      name,
      description: input.description ?? null,
      userIds: (await checkUserIds(tx, input.userIds)) ?? [],
      created: deps.clock.now(),
    });
    // Membership decides which datastores a token's owner sees.
    if (team.userCount > 0) publish({ kind: 'all' });
    audit({ action: 'team.created', targetType: 'team', targetId: String(team.id), details: { name: team.name } });
    return team;
  });
}

export async function updateTeam(deps: Deps, actor: Actor, id: number, input: TeamInput): Promise<Team> {
  requirePermission(actor, 'manageUsers', 'change teams');
  const name = input.name !== undefined ? normaliseName(input.name) : undefined;
  return commitChange(deps, actor, async ({ tx, audit, publish }) => {
    const team = await tx.teams.findById(id);
    if (!team) throw notFound('Team');
    if (team.name === PUBLIC_TEAM) {
      if (name !== undefined && name !== PUBLIC_TEAM) throw new DomainError('PUBLIC_TEAM', 'The Public team cannot be renamed');
      if (input.userIds !== undefined) throw new DomainError('PUBLIC_TEAM', 'Every user is in the Public team; its members cannot be set');
    }
    const userIds = await checkUserIds(tx, input.userIds);
    const updated = await tx.teams.update(id, {
      ...(name !== undefined ? { name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(userIds !== undefined ? { userIds } : {}),
      lastModified: deps.clock.now(),
    });
    if (userIds !== undefined || name !== undefined) publish({ kind: 'all' });
    audit({ action: 'team.updated', targetType: 'team', targetId: String(id), details: { changed: Object.keys(input) } });
    return updated;
  });
}

/** Deletes a team (never Public) inside a change: DELETE /api/teams/{id} and SCIM DELETE /Groups/{id}. */
export async function deleteTeamInside({ tx, audit, publish }: Change, id: number, details: Record<string, unknown> = {}): Promise<void> {
  const team = await tx.teams.findById(id);
  if (!team) throw notFound('Team');
  if (team.name === PUBLIC_TEAM) throw new DomainError('PUBLIC_TEAM', 'The Public team cannot be deleted');
  await tx.teams.delete(id);
  publish({ kind: 'all' });
  audit({ action: 'team.deleted', targetType: 'team', targetId: String(id), details: { name: team.name, ...details } });
}

export async function deleteTeam(deps: Deps, actor: Actor, id: number): Promise<void> {
  requirePermission(actor, 'manageUsers', 'delete teams');
  await commitChange(deps, actor, (change) => deleteTeamInside(change, id));
}
