import type { Actor } from '../auth/principal.js';
import { audit, type Deps } from '../deps.js';
import { notFound } from '../errors.js';
import type { Datastore, Page, PageRequest } from '../model.js';
import { requirePermission, visibleTeamIds } from '../policies.js';
import type { DatastoreQuery } from '../ports.js';
import { normaliseName } from '../names.js';
import { resolveTeamIds } from './manage-users.js';

export type DatastoreListQuery = PageRequest & Pick<DatastoreQuery, 'name' | 'types' | 'search' | 'sort'>;

/** Team-scoped (SPEC §1): Members and Editors see the datastores of their teams, Managers+ all. */
export function listDatastores(deps: Deps, actor: Actor, query: DatastoreListQuery): Promise<Page<Datastore>> {
  const teams = visibleTeamIds(actor.principal.user);
  return deps.store.datastores.list({ ...query, ...(teams ? { visibleToTeamIds: teams } : {}) });
}

/** One datastore, or NOT_FOUND when it does not exist or is not visible to the actor. */
export async function getDatastore(deps: Deps, actor: Actor, id: number): Promise<Datastore> {
  const ds = await deps.store.datastores.findById(id);
  const teams = visibleTeamIds(actor.principal.user);
  if (!ds || (teams && !ds.teams.some((t) => teams.includes(t.id)))) throw notFound('Datastore');
  return ds;
}

export interface DatastoreInput {
  name: string;
  type: string;
  host?: string | null;
  port?: number | null;
  database?: string | null;
  schema?: string | null;
  /** Team names; none = Public. */
  teams?: string[];
}

/** A datastore without teams belongs to Public; with teams, to exactly those. */
function teamIdsFor(deps: Deps, teams: string[] | undefined): Promise<number[]> {
  return teams && teams.length > 0 ? resolveTeamIds(deps, teams, false) : resolveTeamIds(deps, []);
}

export async function createDatastore(deps: Deps, actor: Actor, input: DatastoreInput): Promise<Datastore> {
  requirePermission(actor, 'manageDatastores', 'create datastores');
  const ds = await deps.store.datastores.create({
    name: normaliseName(input.name),
    type: input.type,
    host: input.host ?? null,
    port: input.port ?? null,
    database: input.database ?? null,
    schema: input.schema ?? null,
    teamIds: await teamIdsFor(deps, input.teams),
    created: deps.clock.now(),
    createdById: actor.principal.user.id,
  });
  await audit(deps, actor, { action: 'datastore.created', targetType: 'datastore', targetId: String(ds.id), details: { name: ds.name } });
  return ds;
}

export async function updateDatastore(deps: Deps, actor: Actor, id: number, input: Partial<DatastoreInput>): Promise<Datastore> {
  requirePermission(actor, 'manageDatastores', 'change datastores');
  await getDatastore(deps, actor, id);
  const ds = await deps.store.datastores.update(id, {
    ...(input.name !== undefined ? { name: normaliseName(input.name) } : {}),
    ...(input.type !== undefined ? { type: input.type } : {}),
    ...(input.host !== undefined ? { host: input.host } : {}),
    ...(input.port !== undefined ? { port: input.port } : {}),
    ...(input.database !== undefined ? { database: input.database } : {}),
    ...(input.schema !== undefined ? { schema: input.schema } : {}),
    ...(input.teams !== undefined ? { teamIds: await teamIdsFor(deps, input.teams) } : {}),
  });
  await audit(deps, actor, { action: 'datastore.updated', targetType: 'datastore', targetId: String(id), details: { changed: Object.keys(input) } });
  return ds;
}

export async function deleteDatastore(deps: Deps, actor: Actor, id: number): Promise<void> {
  requirePermission(actor, 'manageDatastores', 'delete datastores');
  const ds = await getDatastore(deps, actor, id);
  await deps.store.datastores.delete(id);
  await audit(deps, actor, { action: 'datastore.deleted', targetType: 'datastore', targetId: String(id), details: { name: ds.name } });
}
