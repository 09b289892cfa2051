import { createConnection, deleteConnection, getConnection, listConnections, updateConnection } from '@gatehouse/core';
import { Type } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { Closed, ConnectionSchema, connectionToWire, errorResponses, IdParams, PageOf, PageQuery, pageWindow } from '../http/wire.js';

const Name = Type.String({ minLength: 1, maxLength: 100 });
const ConnectionType = Type.String({ minLength: 1, maxLength: 50, pattern: '^[a-z0-9_]+$', description: 'e.g. postgresql, snowflake, bigquery, databricks' });
const Fields = {
  host: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
  port: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 65535 }), Type.Null()])),
};
/** Read-only fields clients echo back on PUT: accepted and ignored. */
const ReadOnlyEchoes = { id: Type.Optional(Type.Unknown()), created: Type.Optional(Type.Unknown()) };

/** Connections (SPEC §12): where datastores connect; no credentials are ever stored. */
export async function connectionsRoutes(app: App, { deps }: AppContext): Promise<void> {
  app.get('/api/connections', {
    // Connections are where datastores live: the datastores scopes cover them (SPEC §11).
    config: { scope: 'datastores:read' },
    schema: {
      operationId: 'listConnections',
      tags: ['connections'],
      summary: 'List connections',
      description: 'Everyone signed in. Paginated. `name` matches part of the name without regard to case; `type` is repeatable. An unknown filter is a 422 naming it.',
      querystring: Closed({
        ...PageQuery,
        name: Type.Optional(Type.String({ maxLength: 100, description: 'part of the name, without regard to case' })),
        type: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 50, description: 'repeatable' })),
      }),
      response: { 200: PageOf(ConnectionSchema), ...errorResponses(401, 422) },
    },
  }, async (request) => {
    const q = request.query;
    const w = pageWindow(q);
    const page = await listConnections(deps, actorOf(request), {
      offset: w.offset,
      limit: w.limit,
      ...(q.name !== undefined ? { name: q.name } : {}),
      ...(q.type !== undefined ? { types: q.type } : {}),
    });
    return { items: page.items.map(connectionToWire), total: page.total, page: w.page, size: w.size };
  });

  app.get('/api/connections/:id', {
    config: { scope: 'datastores:read' },
    schema: { operationId: 'getConnection', tags: ['connections'], summary: 'Get a connection', params: IdParams, response: { 200: ConnectionSchema, ...errorResponses(401, 404) } },
  }, async (request) => connectionToWire(await getConnection(deps, actorOf(request), request.params.id)));

  app.post('/api/connections', {
    config: { scope: 'datastores:write' },
    schema: {
      operationId: 'createConnection',
      tags: ['connections'],
      summary: 'Create a connection',
      description: 'Editor or above. No credentials are stored: an unknown field (a password included) is a 422 naming it.',
      body: Closed({ name: Name, type: ConnectionType, ...Fields }),
      response: { 200: ConnectionSchema, ...errorResponses(401, 403, 409, 422) },
    },
  }, async (request) => {
    const b = request.body;
    return connectionToWire(await createConnection(deps, actorOf(request), {
      name: b.name,
      type: b.type,
      ...(b.host !== undefined ? { host: b.host } : {}),
      ...(b.port !== undefined ? { port: b.port } : {}),
    }));
  });

  app.put('/api/connections/:id', {
    config: { scope: 'datastores:write' },
    schema: {
      operationId: 'updateConnection',
      tags: ['connections'],
      summary: 'Change a connection',
      description: 'Editor or above. Its datastores take the new type, host and port. Read-only fields sent back as read (`id`, `created`) are ignored; an unknown field is a 422 naming it.',
      params: IdParams,
      body: Closed({ name: Type.Optional(Name), type: Type.Optional(ConnectionType), ...Fields, ...ReadOnlyEchoes }),
      response: { 200: ConnectionSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
  }, async (request) => {
    const b = request.body;
    return connectionToWire(await updateConnection(deps, actorOf(request), request.params.id, {
      ...(b.name !== undefined ? { name: b.name } : {}),
      ...(b.type !== undefined ? { type: b.type } : {}),
      ...(b.host !== undefined ? { host: b.host } : {}),
      ...(b.port !== undefined ? { port: b.port } : {}),
    }));
  });

  app.delete('/api/connections/:id', {
    config: { scope: 'datastores:write' },
    schema: { operationId: 'deleteConnection', tags: ['connections'], summary: 'Delete a connection', description: 'Editor or above. Refused (409 CONNECTION_IN_USE) while datastores use it.', params: IdParams, response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) } },
  }, async (request, reply) => {
    await deleteConnection(deps, actorOf(request), request.params.id);
    return reply.code(204).send(null);
  });
}
