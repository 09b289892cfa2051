import type { Actor } from '../auth/principal.js';
import { audit, type Deps } from '../deps.js';
import { DomainError, invalidInput, notFound } from '../errors.js';
import { PUBLIC_TEAM, type Page, type PageRequest, type Team } from '../model.js';
import { requirePermission } from '../policies.js';
import { normaliseName } from '../names.js';

export function listTeams(deps: Deps, actor: Actor, query: PageRequest & { search?: string }): Promise<Page<Team>> {
  requirePermission(actor, 'viewUsersAndTeams', 'list teams');
  return deps.store.teams.list(query);
}

export async function getTeam(deps: Deps, actor: Actor, id: number): Promise<Team> {
  requirePermission(actor, 'viewUsersAndTeams', 'view teams');
  const team = await deps.store.teams.findById(id);
  if (!team) throw notFound('Team');
  return team;
}

async function checkUserIds(deps: Deps, ids: readonly number[] | undefined): Promise<number[] | undefined> {
  if (ids === undefined) return undefined;
  const unique = [...new Set(ids)];
  const existing = new Set(await deps.store.users.existingIds(unique));
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
  const team = await deps.store.teams.create({
    name: normaliseName(input.name),
    description: input.description ?? null,
    userIds: (await checkUserIds(deps, input.userIds)) ?? [],
    created: deps.clock.now(),
  });
  // Membership decides which datastores a token's owner sees.
  if (team.users.length > 0) await deps.changes.publish({ kind: 'all' });
  await audit(deps, actor, { action: 'team.created', targetType: 'team', targetId: String(team.id), details: { name: team.name } });
  return team;
}

export async function updateTeam(deps: Deps, actor: Actor, id: number, input: TeamInput): Promise<Team> {
  requirePermission(actor, 'manageUsers', 'change teams');
  const team = await deps.store.teams.findById(id);
  if (!team) throw notFound('Team');
  if (team.name === PUBLIC_TEAM) {
    if (input.name !== undefined && input.name.trim() !== PUBLIC_TEAM) throw new DomainError('PUBLIC_TEAM', 'The Public team cannot be renamed');
    if (input.userIds !== undefined) throw new DomainError('PUBLIC_TEAM', 'Every user is in the Public team; its members cannot be set');
  }
  const userIds = await checkUserIds(deps, input.userIds);
  const updated = await deps.store.teams.update(id, {
    ...(input.name !== undefined ? { name: normaliseName(input.name) } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(userIds !== undefined ? { userIds } : {}),
    lastModified: deps.clock.now(),
  });
  if (userIds !== undefined || input.name !== undefined) await deps.changes.publish({ kind: 'all' });
  await audit(deps, actor, { action: 'team.updated', targetType: 'team', targetId: String(id), details: { changed: Object.keys(input) } });
  return updated;
}

export async function deleteTeam(deps: Deps, actor: Actor, id: number): Promise<void> {
  requirePermission(actor, 'manageUsers', 'delete teams');
  const team = await deps.store.teams.findById(id);
  if (!team) throw notFound('Team');
  if (team.name === PUBLIC_TEAM) throw new DomainError('PUBLIC_TEAM', 'The Public team cannot be deleted');
  await deps.store.teams.delete(id);
  await deps.changes.publish({ kind: 'all' });
  await audit(deps, actor, { action: 'team.deleted', targetType: 'team', targetId: String(id), details: { name: team.name } });
}
