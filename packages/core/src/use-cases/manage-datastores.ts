import type { Actor } from '../auth/principal.js';
import { commitChange } from '../change.js';
import type { Deps } from '../deps.js';
import { DomainError, invalidInput, notFound } from '../errors.js';
import type { Connection, Datastore, Page, PageRequest } from '../model.js';
import { requirePermission, visibleTeamIds } from '../policies.js';
import type { DatastoreQuery, StoreTransaction } from '../ports.js';
import { normaliseName } from '../names.js';
import { DatastoreListCache } from '../datastores/list-cache.js';
import { CONNECTIONS_LOCK } from './manage-connections.js';
import { resolveTeamIds } from './manage-users.js';

export type DatastoreListQuery = PageRequest & Pick<DatastoreQuery, 'name' | 'types' | 'tags' | 'enrichmentOnly' | 'search' | 'sort'>;

/** Team-scoped (SPEC §1): Members and Editors see the datastores of their teams, Managers+ all. */
export async function listDatastores(deps: Deps, actor: Actor, query: DatastoreListQuery): Promise<Page<Datastore>> {
  const teams = visibleTeamIds(actor.principal.user);
  const q: DatastoreQuery = { ...query, ...(teams ? { visibleToTeamIds: teams } : {}) };
  const cache = deps.datastoreLists;
  if (!cache) return deps.store.datastores.list(q);
  const key = DatastoreListCache.keyOf(q);
  const cached = cache.get(key);
  if (cached) return cached;
  const generation = cache.generation;
  const page = await deps.store.datastores.list(q);
  cache.put(key, page, generation);
  return page;
}

/** One datastore, or NOT_FOUND when it does not exist or is not visible to the actor. */
export function getDatastore(deps: Deps, actor: Actor, id: number): Promise<Datastore> {
  return visibleDatastore(deps.store, actor, id);
}

export interface DatastoreInput {
  name: string;
  /** Required without a connection; with one, it comes from the connection. */
  type?: string;
  host?: string | null;
  port?: number | null;
  database?: string | null;
  schema?: string | null;
  /** Team names; none = Public. */
  teams?: string[];
  /** The connection it hangs off (SPEC §12): its type, host and port become the datastore's. */
  connectionId?: number | null;
  tags?: string[];
  enrichmentOnly?: boolean;
}

const MAX_TAGS = 50;

/** Tags trimmed, without duplicates, sorted; empty ones refused. */
function normaliseTags(tags: string[]): string[] {
  const out = [...new Set(tags.map((t) => t.trim()))];
  if (out.some((t) => t.length === 0)) throw invalidInput('tags', 'must not contain empty tags');
  if (out.some((t) => t.length > 100)) throw invalidInput('tags', 'a tag must be at most 100 characters');
  if (out.length > MAX_TAGS) throw invalidInput('tags', `at most ${MAX_TAGS} tags`);
  return out.sort();
}

/**
 * The connection named by `connection_id` (422 when there is none), taken under the lock that a
 * connection's delete takes, so that it cannot vanish before this change commits.
 */
async function connectionFor(tx: StoreTransaction, id: number): Promise<Connection> {
  await tx.lock(CONNECTIONS_LOCK);
  const c = await tx.connections.findById(id);
  if (!c) throw invalidInput('connection_id', `no connection with id ${id}`);
  return c;
}

/**
 * A datastore on a connection takes its type, host and port from it: the same values sent back
 * (clients echo what they read: the connection's, or the datastore's as it was before a move to
 * another connection) are accepted, different ones refused rather than dropped.
 */
function checkFromConnection(c: Connection, input: Partial<DatastoreInput>, before?: Datastore): void {
  for (const field of ['type', 'host', 'port'] as const) {
    const v = input[field];
    if (v !== undefined && v !== c[field] && v !== before?.[field]) {
      throw invalidInput(field, `comes from the datastore's connection "${c.name}"; change the connection instead`);
    }
  }
}

/** Taken by every change that names a datastore, so that the name check and the write are one decision. */
const DATASTORE_NAMES_LOCK = 'datastore-names';

/**
 * The team ids a datastore gets from these names (none = Public). Admins and Managers may name
 * any team (unknown names are a 422); Editors only teams they belong to, refused alike whether
 * the other team exists or not, so that the answer tells nothing about teams they cannot see.
 */
async function teamIdsFor(tx: StoreTransaction, actor: Actor, teams: string[] | undefined): Promise<number[]> {
  const own = visibleTeamIds(actor.principal.user);
  if (own !== undefined && teams && teams.length > 0) {
    const mine = new Map(actor.principal.user.teams.map((t) => [t.name, t.id]));
    const foreign = [...new Set(teams.map((n) => n.trim()))].filter((n) => !mine.has(n));
    if (foreign.length > 0) throw invalidInput('teams', `you can only assign teams you belong to, not: ${foreign.join(', ')}`);
  }
  return teams && teams.length > 0 ? resolveTeamIds(tx, teams, false) : resolveTeamIds(tx, []);
}

/**
 * A datastore name is unique among the datastores the actor can see (SPEC §7, no oracle): a
 * clash with one in a team the actor is not in is no clash for them.
 */
async function checkNameFree(tx: StoreTransaction, actor: Actor, name: string, exceptId?: number): Promise<void> {
  await tx.lock(DATASTORE_NAMES_LOCK);
  if (await tx.datastores.nameInUse(name, visibleTeamIds(actor.principal.user), exceptId)) {
    throw new DomainError('NAME_TAKEN', `A datastore named "${name}" already exists`, 'name');
  }
}

async function visibleDatastore(store: Pick<StoreTransaction, 'datastores'>, actor: Actor, id: number): Promise<Datastore> {
  const ds = await store.datastores.findById(id);
  const teams = visibleTeamIds(actor.principal.user);
  if (!ds || (teams && !ds.teams.some((t) => teams.includes(t.id)))) throw notFound('Datastore');
  return ds;
}

export async function createDatastore(deps: Deps, actor: Actor, input: DatastoreInput): Promise<Datastore> {
  requirePermission(actor, 'manageDatastores', 'create datastores');
  const name = normaliseName(input.name);
  const tags = normaliseTags(input.tags ?? []);
  if (input.connectionId == null && input.type === undefined) throw invalidInput('type', 'is required (or give a connection_id)');
  return commitChange(deps, actor, async ({ tx, audit, publish }) => {
    const connection = input.connectionId != null ? await connectionFor(tx, input.connectionId) : null;
    if (connection) checkFromConnection(connection, input);
    const teamIds = await teamIdsFor(tx, actor, input.teams);
    await checkNameFree(tx, actor, name);
    const ds = await tx.datastores.create({
      name,
      type: connection ? connection.type : input.type!,
      host: connection ? connection.host : (input.host ?? null),
      port: connection ? connection.port : (input.port ?? null),
      database: input.database ?? null,
      schema: input.schema ?? null,
      teamIds,
      connectionId: connection?.id ?? null,
      tags,
      enrichmentOnly: input.enrichmentOnly ?? false,
      created: deps.clock.now(),
      createdById: actor.principal.user.id,
    });
    publish({ kind: 'datastores' });
    audit({ action: 'datastore.created', targetType: 'datastore', targetId: String(ds.id), details: { name: ds.name } });
    return ds;
  });
}

export async function updateDatastore(deps: Deps, actor: Actor, id: number, input: Partial<DatastoreInput>): Promise<Datastore> {
  requirePermission(actor, 'manageDatastores', 'change datastores');
  const name = input.name !== undefined ? normaliseName(input.name) : undefined;
  const tags = input.tags !== undefined ? normaliseTags(input.tags) : undefined;
  return commitChange(deps, actor, async ({ tx, audit, publish }) => {
    const current = await visibleDatastore(tx, actor, id);
    const connectionId = input.connectionId !== undefined ? input.connectionId : (current.connection?.id ?? null);
    const connection = connectionId !== null ? await connectionFor(tx, connectionId) : null;
    if (connection) checkFromConnection(connection, input, connection.id !== current.connection?.id ? current : undefined);
    let teamIds: number[] | undefined;
    if (input.teams !== undefined) {
      // Teams of the datastore that the actor cannot see stay as they are.
      const own = visibleTeamIds(actor.principal.user);
      const hidden = own === undefined ? [] : current.teams.filter((t) => !own.includes(t.id)).map((t) => t.id);
      teamIds = [...new Set([...hidden, ...(await teamIdsFor(tx, actor, input.teams))])];
    }
    if (name !== undefined && name !== current.name) await checkNameFree(tx, actor, name, id);
    const ds = await tx.datastores.update(id, {
      ...(name !== undefined ? { name } : {}),
      ...(connection
        ? { connectionId: connection.id, type: connection.type, host: connection.host, port: connection.port }
        : {
            ...(input.connectionId === null ? { connectionId: null } : {}),
            ...(input.type !== undefined ? { type: input.type } : {}),
            ...(input.host !== undefined ? { host: input.host } : {}),
            ...(input.port !== undefined ? { port: input.port } : {}),
          }),
      ...(input.database !== undefined ? { database: input.database } : {}),
      ...(input.schema !== undefined ? { schema: input.schema } : {}),
      ...(teamIds !== undefined ? { teamIds } : {}),
      ...(tags !== undefined ? { tags } : {}),
      ...(input.enrichmentOnly !== undefined ? { enrichmentOnly: input.enrichmentOnly } : {}),
    });
    publish({ kind: 'datastores' });
    audit({ action: 'datastore.updated', targetType: 'datastore', targetId: String(id), details: { changed: Object.keys(input) } });
    return ds;
  });
}

export async function deleteDatastore(deps: Deps, actor: Actor, id: number): Promise<void> {
  requirePermission(actor, 'manageDatastores', 'delete datastores');
  await commitChange(deps, actor, async ({ tx, audit, publish }) => {
    const ds = await visibleDatastore(tx, actor, id);
    await tx.datastores.delete(id);
    publish({ kind: 'datastores' });
    audit({ action: 'datastore.deleted', targetType: 'datastore', targetId: String(id), details: { name: ds.name } });
  });
}
