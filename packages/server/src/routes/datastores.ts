import { createDatastore, deleteDatastore, getDatastore, listDatastores, updateDatastore, type Datastore, type DatastoreInput, type Page } from '@gatehouse/core';
import { Type } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { Closed, DatastoreSchema, datastoreToWire, errorResponses, Id, IdParams, PageOf, PageQuery, pageWindow } from '../http/wire.js';

const SORTS = ['id', '-id', 'name', '-name', 'type', '-type', 'created', '-created'] as const;
type Sort = (typeof SORTS)[number];

const Str = (max: number) => Type.Union([Type.String({ maxLength: max }), Type.Null()]);
const Tag = Type.String({ minLength: 1, maxLength: 100 });
/** What a client may set. The Qualytics CLI sends `teams` and `tags` as null when not given. */
const DatastoreFields = {
  host: Type.Optional(Str(255)),
  port: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 65535 }), Type.Null()])),
  database: Type.Optional(Str(255)),
  schema: Type.Optional(Str(255)),
  teams: Type.Optional(Type.Union([Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 }), Type.Null()])),
  connection_id: Type.Optional(Type.Union([Id({ description: 'the connection it hangs off: type, host and port come from it' }), Type.Null()])),
  tags: Type.Optional(Type.Union([Type.Array(Tag, { maxItems: 50 }), Type.Null()])),
  enrichment_only: Type.Optional(Type.Boolean()),
  // Sent by the Qualytics CLI with its defaults: Gatehouse links no enrichment datastores
  // (only "none" is accepted) and holds no data to sync or catalog (accepted, nothing to do).
  enrichment_remediation_strategy: Type.Optional(Type.Enum(['none'], { description: 'only "none": Gatehouse does not remediate' })),
  trigger_sync: Type.Optional(Type.Boolean({ description: 'accepted; Gatehouse keeps no data to sync' })),
  trigger_catalog: Type.Optional(Type.Boolean({ description: 'accepted; Gatehouse keeps no catalog' })),
};
const Type_ = Type.String({ minLength: 1, maxLength: 50, pattern: '^[a-z0-9_]+$', description: 'e.g. postgresql, snowflake, bigquery, databricks' });
/** Read-only fields of a datastore that clients echo back on PUT (read, change, write): accepted and ignored. */
const ReadOnlyEchoes = {
  id: Type.Optional(Type.Unknown()),
  created: Type.Optional(Type.Unknown()),
  created_by_id: Type.Optional(Type.Unknown()),
  connection: Type.Optional(Type.Unknown()),
};

interface Body {
  host?: string | null; port?: number | null; database?: string | null; schema?: string | null; teams?: string[] | null;
  connection_id?: number | null; tags?: string[] | null; enrichment_only?: boolean;
}

function optionalFields(b: Body): Partial<DatastoreInput> {
  return {
    ...(b.host !== undefined ? { host: b.host } : {}),
    ...(b.port !== undefined ? { port: b.port } : {}),
    ...(b.database !== undefined ? { database: b.database } : {}),
    ...(b.schema !== undefined ? { schema: b.schema } : {}),
    ...(b.teams != null ? { teams: b.teams } : {}),
    ...(b.connection_id !== undefined ? { connectionId: b.connection_id } : {}),
    ...(b.tags != null ? { tags: b.tags } : {}),
    ...(b.enrichment_only !== undefined ? { enrichmentOnly: b.enrichment_only } : {}),
  };
}

/**
 * The wire items of a page, made once per page object: a page answered from the lists' cache
 * (core's DatastoreListCache) is the same object every time, so its items are mapped once.
 */
const wireItems = new WeakMap<Page<Datastore>, ReturnType<typeof datastoreToWire>[]>();
function itemsOf(page: Page<Datastore>) {
  let items = wireItems.get(page);
  if (!items) wireItems.set(page, (items = page.items.map(datastoreToWire)));
  return items;
}

export async function datastoresRoutes(app: App, { deps }: AppContext): Promise<void> {
  // Older Qualytics CLI versions page through /api/datastores/listing: the same list.
  for (const url of ['/api/datastores', '/api/datastores/listing']) app.get(url, {
    config: { scope: 'datastores:read' },
    schema: {
      operationId: 'listDatastores',
      tags: ['datastores'],
      summary: 'List the datastores the caller may see',
      description: "Those of the caller's teams; Managers and Admins see all. Paginated. `name` matches part of the name without regard to case; `tag` and `datastore_type` are repeatable. An unknown filter is a 422 naming it.",
      ...(url.endsWith('/listing') ? { hide: true } : {}),
      querystring: Closed({
        ...PageQuery,
        name: Type.Optional(Type.String({ maxLength: 100, description: 'part of the name, without regard to case' })),
        datastore_type: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 50 })),
        tag: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50, description: 'datastores with any of these tags (repeatable)' })),
        enrichment_only: Type.Optional(Type.Boolean()),
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
      ...(q.tag !== undefined ? { tags: q.tag } : {}),
      ...(q.enrichment_only !== undefined ? { enrichmentOnly: q.enrichment_only } : {}),
      ...(q.search ? { search: q.search } : {}),
    });
    return { items: itemsOf(page), total: page.total, page: w.page, size: w.size };
  });

  app.get('/api/datastores/:id', {
    config: { scope: 'datastores:read' },
    schema: { operationId: 'getDatastore', tags: ['datastores'], summary: 'Get a datastore', description: 'One the caller may not see is answered 404.', params: IdParams, response: { 200: DatastoreSchema, ...errorResponses(401, 404) } },
  }, async (request) => datastoreToWire(await getDatastore(deps, actorOf(request), request.params.id)));

  app.post('/api/datastores', {
    config: { scope: 'datastores:write' },
    schema: {
      operationId: 'createDatastore',
      tags: ['datastores'],
      summary: 'Create a datastore',
      description: 'Editor or above. Without teams it belongs to the Public team. Either `type` (and `host`, `port`), or `connection_id`, whose type, host and port the datastore takes. An unknown field is a 422 naming it.',
      body: Closed({ name: Type.String({ minLength: 1, maxLength: 100 }), type: Type.Optional(Type_), ...DatastoreFields }),
      response: { 200: DatastoreSchema, ...errorResponses(401, 403, 409, 422) },
    },
  }, async (request) => {
    const b = request.body;
    return datastoreToWire(await createDatastore(deps, actorOf(request), { name: b.name, ...(b.type !== undefined ? { type: b.type } : {}), ...optionalFields(b) }));
  });

  app.put('/api/datastores/:id', {
    config: { scope: 'datastores:write' },
    schema: {
      operationId: 'updateDatastore',
      tags: ['datastores'],
      summary: 'Change a datastore',
      description: 'Editor or above. Read-only fields sent back as read (`id`, `created`, `created_by_id`, `connection`) are ignored; an unknown field is a 422 naming it.',
      params: IdParams,
      body: Closed({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), type: Type.Optional(Type_), ...DatastoreFields, ...ReadOnlyEchoes }),
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
    config: { scope: 'datastores:write' },
    schema: { operationId: 'deleteDatastore', tags: ['datastores'], summary: 'Delete a datastore', description: 'Editor or above.', params: IdParams, response: { 204: Type.Null(), ...errorResponses(401, 403, 404) } },
  }, async (request, reply) => {
    await deleteDatastore(deps, actorOf(request), request.params.id);
    return reply.code(204).send(null);
  });
}
