import type { Actor } from '../auth/principal.js';
import { commitChange } from '../change.js';
import type { Deps } from '../deps.js';
import { DomainError, notFound } from '../errors.js';
import type { Connection, Page } from '../model.js';
import { normaliseName } from '../names.js';
import { requirePermission } from '../policies.js';
import type { ConnectionPatch, ConnectionQuery } from '../ports.js';

/*
 * Connections (SPEC §12): where datastores connect. Everyone signed in may see them (the
 * Settings → Connections tab); Editors and up manage them. No credentials are ever stored.
 */

export function listConnections(deps: Deps, _actor: Actor, query: ConnectionQuery): Promise<Page<Connection>> {
  return deps.store.connections.list(query);
}

export async function getConnection(deps: Deps, _actor: Actor, id: number): Promise<Connection> {
  const c = await deps.store.connections.findById(id);
  if (!c) throw notFound('Connection');
  return c;
}

export interface ConnectionInput {
  name: string;
  type: string;
  host?: string | null;
  port?: number | null;
}

export async function createConnection(deps: Deps, actor: Actor, input: ConnectionInput): Promise<Connection> {
  requirePermission(actor, 'manageDatastores', 'create connections');
  const name = normaliseName(input.name);
  return commitChange(deps, actor, async ({ tx, audit }) => {
    const c = await tx.connections.create({
      name,
      type: input.type,
      host: input.host ?? null,
      port: input.port ?? null,
      created: deps.clock.now(),
      createdById: actor.principal.user.id,
    });
    audit({ action: 'connection.created', targetType: 'connection', targetId: String(c.id), details: { name: c.name, type: c.type } });
    return c;
  });
}

/** A change of type, host or port reaches the connection's datastores in the same write. */
export async function updateConnection(deps: Deps, actor: Actor, id: number, input: Partial<ConnectionInput>): Promise<Connection> {
  requirePermission(actor, 'manageDatastores', 'change connections');
  const patch: ConnectionPatch = {
    ...(input.name !== undefined ? { name: normaliseName(input.name) } : {}),
    ...(input.type !== undefined ? { type: input.type } : {}),
    ...(input.host !== undefined ? { host: input.host } : {}),
    ...(input.port !== undefined ? { port: input.port } : {}),
  };
  return commitChange(deps, actor, async ({ tx, audit, publish }) => {
    if (!(await tx.connections.findById(id))) throw notFound('Connection');
    const c = await tx.connections.update(id, patch);
    // Its datastores show its name and type, and carry its type, host and port.
    publish({ kind: 'datastores' });
    audit({ action: 'connection.updated', targetType: 'connection', targetId: String(id), details: { changed: Object.keys(patch) } });
    return c;
  });
}

/** Refused (409) while datastores use the connection; which ones is not said (they may be in teams the caller cannot see). */
export async function deleteConnection(deps: Deps, actor: Actor, id: number): Promise<void> {
  requirePermission(actor, 'manageDatastores', 'delete connections');
  await commitChange(deps, actor, async ({ tx, audit, publish }) => {
    const c = await tx.connections.findById(id);
    if (!c) throw notFound('Connection');
    // Datastores take this lock to attach to a connection: none can attach between the check and the delete.
    await tx.lock(CONNECTIONS_LOCK);
    if (await tx.connections.inUse(id)) throw new DomainError('CONNECTION_IN_USE', 'Datastores still use this connection: delete them or move them to another connection first');
    await tx.connections.delete(id);
    publish({ kind: 'datastores' });
    audit({ action: 'connection.deleted', targetType: 'connection', targetId: String(id), details: { name: c.name } });
  });
}

/** Taken by a delete of a connection and by every change that attaches a datastore to one. */
export const CONNECTIONS_LOCK = 'connections';
