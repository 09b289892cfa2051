import { createDatastore, deleteDatastore, getDatastore, listDatastores, updateDatastore } from '@gatehouse/core';
import { Type } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { DatastoreSchema, datastoreToWire, errorResponses, IdParams, PageOf, PageQuery, pageWindow } from '../http/wire.js';

const SORTS = ['id', '-id', 'name', '-name', 'type', '-type', 'created', '-created'] as const;
type Sort = (typeof SORTS)[number];

const Str = (max: number) => Type.Union([Type.String({ maxLength: max }), Type.Null()]);
const DatastoreFields = {
  host: Type.Optional(Str(255)),
  port: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 65535 }), Type.Null()])),
  database: Type.Optional(Str(255)),
  schema: Type.Optional(Str(255)),
  teams: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 })),
};
const Type_ = Type.String({ minLength: 1, maxLength: 50, pattern: '^[a-z0-9_]+$', description: 'e.g. postgresql, snowflake, bigquery, databricks' });

function optionalFields(b: { host?: string | null; port?: number | null; database?: string | null; schema?: string | null; teams?: string[] }) {
  return {
    ...(b.host !== undefined ? { host: b.host } : {}),
    ...(b.port !== undefined ? { port: b.port } : {}),
    ...(b.database !== undefined ? { database: b.database } : {}),
    ...(b.schema !== undefined ? { schema: b.schema } : {}),
    ...(b.teams !== undefined ? { teams: b.teams } : {}),
  };
}

export async function datastoresRoutes(app: App, { deps }: AppContext): Promise<void> {
  // Older Qualytics CLI versions page through /api/datastores/listing: the same list.
  for (const url of ['/api/datastores', '/api/datastores/listing']) app.get(url, {
    schema: {
      operationId: 'listDatastores',
      tags: ['datastores'],
      summary: 'List the datastores the caller may see',
      description: "Those of the caller's teams; Managers and Admins see all. Paginated.",
      ...(url.endsWith('/listing') ? { hide: true } : {}),
      querystring: Type.Object({
        ...PageQuery,
        name: Type.Optional(Type.String({ maxLength: 100 })),
        datastore_type: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 50 })),
        search: Type.Optional(Type.String({ maxLength: 200 })),
        sort: Type.Optional(Type.Enum([...SORTS])),
      }),
      response: { 200: PageOf(DatastoreSchema), ...errorResponses(401, 403, 422) },
    },
  }, async (request) => {
    const q = request.query;
    const w = pageWindow(q);
    const sort = (q.sort ?? 'id') as Sort;
    const page = await listDatastores(deps, actorOf(request), {
      offset: w.offset,
      limit: w.limit,
      sort: { by: sort.replace('-', '') as 'id' | 'name' | 'type' | 'created', desc: sort.startsWith('-') },
      ...(q.name !== undefined ? { name: q.name } : {}),
      ...(q.datastore_type !== undefined ? { types: q.datastore_type } : {}),
      ...(q.search ? { search: q.search } : {}),
    });
    return { items: page.items.map(datastoreToWire), total: page.total, page: w.page, size: w.size };
  });

  app.get('/api/datastores/:id', {
    schema: { operationId: 'getDatastore', tags: ['datastores'], summary: 'Get a datastore', description: 'One the caller may not see is answered 404.', params: IdParams, response: { 200: DatastoreSchema, ...errorResponses(401, 404) } },
  }, async (request) => datastoreToWire(await getDatastore(deps, actorOf(request), request.params.id)));

  app.post('/api/datastores', {
    schema: {
      operationId: 'createDatastore',
      tags: ['datastores'],
      summary: 'Create a datastore',
      description: 'Editor or above. Without teams it belongs to the Public team.',
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), type: Type_, ...DatastoreFields }),
      response: { 200: DatastoreSchema, ...errorResponses(401, 403, 409, 422) },
    },
  }, async (request) => {
    const b = request.body;
    return datastoreToWire(await createDatastore(deps, actorOf(request), { name: b.name, type: b.type, ...optionalFields(b) }));
  });

  app.put('/api/datastores/:id', {
    schema: {
      operationId: 'updateDatastore',
      tags: ['datastores'],
      summary: 'Change a datastore',
      description: 'Editor or above.',
      params: IdParams,
      body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), type: Type.Optional(Type_), ...DatastoreFields }),
      response: { 200: DatastoreSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
  }, async (request) => {
    const b = request.body;
    return datastoreToWire(await updateDatastore(deps, actorOf(request), request.params.id, {
      ...(b.name !== undefined ? { name: b.name } : {}),
      ...(b.type !== undefined ? { type: b.type } : {}),
      ...optionalFields(b),
    }));
  });

  app.delete('/api/datastores/:id', {
    schema: { operationId: 'deleteDatastore', tags: ['datastores'], summary: 'Delete a datastore', description: 'Editor or above.', params: IdParams, response: { 204: Type.Null(), ...errorResponses(401, 403, 404) } },
  }, async (request, reply) => {
    await deleteDatastore(deps, actorOf(request), request.params.id);
    return reply.code(204).send(null);
  });
}
