import { routeScopeMask, scopeAllows, type RouteScope } from '@gatehouse/core';
import { scim, type Actor } from '@gatehouse/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { ScimErrorSchema } from '../http/openapi.js';
import { sendScimError } from './errors.js';
import { parseJsonText } from '../plugins/json-body.js';
import { handleScimError, SCIM_JSON, scimErrorBody } from './errors.js';

/** Where the SCIM endpoints are mounted (SPEC §4). */
export const SCIM_PREFIX = '/api/scim/v2';

type Query = Record<string, unknown>;

/** Only a SCIM administration token reaches these routes (the auth hook enforces it). */
/** SCIM routes need a SCIM token, and (SPEC §11) the scope of the resource: Users are users, Groups are teams. */
const scimConfig = (scope: RouteScope) => ({ auth: 'scim' as const, scope });

/*
 * OpenAPI documentation of the SCIM routes. `Type.Unsafe<unknown>`: the request parts stay
 * `unknown` to the routes, which hand them to core unchecked.
 */
const doc = (schema: object) => Type.Unsafe<unknown>(schema);
const Resource = (description: string) => doc({ type: 'object', description, required: ['schemas'], properties: { schemas: { type: 'array', items: { type: 'string' } } }, additionalProperties: true });
const resourceOf = (kind: string, core: string, required: string) => doc({
  type: 'object',
  description: `A SCIM ${kind} (RFC 7643 §4); attribute names are case-insensitive`,
  required: ['schemas', required],
  properties: {
    schemas: { type: 'array', items: { type: 'string' }, examples: [[core]] },
    id: { type: 'string', readOnly: true },
    externalId: { type: 'string' },
    [required]: { type: 'string' },
    meta: { type: 'object', readOnly: true, additionalProperties: true },
  },
  additionalProperties: true,
});
const User = resourceOf('User', scim.CORE_SCHEMA.User, 'userName');
const Group = resourceOf('Group', scim.CORE_SCHEMA.Group, 'displayName');
const ListResponse = doc({
  type: 'object',
  description: 'RFC 7644 §3.4.2 list response',
  required: ['schemas', 'totalResults', 'Resources'],
  properties: {
    schemas: { type: 'array', items: { type: 'string', const: scim.LIST_RESPONSE } },
    totalResults: { type: 'integer' },
    itemsPerPage: { type: 'integer' },
    startIndex: { type: 'integer' },
    Resources: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
});
const PatchOp = doc({
  type: 'object',
  description: 'RFC 7644 §3.5.2 PatchOp',
  required: ['Operations'],
  properties: {
    schemas: { type: 'array', items: { type: 'string' } },
    Operations: {
      type: 'array',
      items: { type: 'object', required: ['op'], properties: { op: { type: 'string', description: 'add, remove or replace (any case)' }, path: { type: 'string' }, value: {} } },
    },
  },
});
const projection = {
  attributes: Type.Optional(Type.String({ description: 'Only these attributes (comma-separated)' })),
  excludedAttributes: Type.Optional(Type.String({ description: 'All but these attributes (comma-separated)' })),
};
const ProjectionQuery = Type.Object(projection);
const ListQuery = Type.Object({
  filter: Type.Optional(Type.String({ description: 'RFC 7644 §3.4.2.2 filter, e.g. userName eq "ada@example.com"' })),
  startIndex: Type.Optional(Type.Integer({ minimum: 1, description: '1-based index of the first result' })),
  count: Type.Optional(Type.Integer({ minimum: 0, description: 'Results per page' })),
  ...projection,
});
const SearchRequest = doc({
  type: 'object',
  description: 'RFC 7644 §3.4.3 SearchRequest',
  properties: {
    schemas: { type: 'array', items: { type: 'string' } },
    filter: { type: 'string' }, startIndex: { type: 'integer' }, count: { type: 'integer' },
    attributes: { type: 'array', items: { type: 'string' } }, excludedAttributes: { type: 'array', items: { type: 'string' } },
  },
});
const IdParams = Type.Object({ id: Type.String({ description: 'The resource id' }) });

/** A SCIM route's options: SCIM tokens only, and its documentation. */
function op(operationId: string, summary: string, o: {
  /** The token scope the operation needs (SPEC §11): Users are users, Groups are teams, discovery none. */
  scope: RouteScope;
  description?: string; params?: boolean; query?: TSchema; body?: TSchema; status?: 200 | 201 | 204; response?: TSchema; errors?: number[];
}) {
  const status = o.status ?? 200;
  return {
    config: scimConfig(o.scope),
    schema: {
      operationId,
      summary,
      ...(o.description ? { description: o.description } : {}),
      tags: ['scim'],
      consumes: ['application/scim+json', 'application/json'],
      produces: ['application/scim+json'],
      ...(o.params ? { params: IdParams } : {}),
      ...(o.query ? { querystring: o.query } : {}),
      ...(o.body ? { body: o.body } : {}),
      response: {
        [status]: status === 204 ? Type.Null({ description: 'Done' }) : o.response ?? Resource('The resource'),
        ...Object.fromEntries((o.errors ?? []).map((s) => [s, doc(ScimErrorSchema)])),
      },
    },
  };
}

function oneString(q: Query, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw scim.invalidValue(`${name} must be given once`);
  return v;
}

function listQuery(q: Query): scim.ScimListQuery {
  return {
    filter: oneString(q, 'filter'),
    startIndex: oneString(q, 'startIndex'),
    count: oneString(q, 'count'),
    attributes: oneString(q, 'attributes'),
    excludedAttributes: oneString(q, 'excludedAttributes'),
  };
}

/** POST /.search (RFC 7644 §3.4.3): the query in a SearchRequest body. */
function searchQuery(body: unknown): scim.ScimListQuery {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw scim.invalidSyntax('The body must be a SearchRequest');
  const str = (name: string) => {
    const v = scim.getProp(body, name);
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(',');
    if (typeof v !== 'string') throw scim.invalidValue(`${name} must be a string`);
    return v;
  };
  const num = (name: string) => {
    const v = scim.getProp(body, name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number') throw scim.invalidValue(`${name} must be an integer`);
    return v;
  };
  return { filter: str('filter'), startIndex: num('startIndex'), count: num('count'), attributes: str('attributes'), excludedAttributes: str('excludedAttributes') };
}

/**
 * The SCIM 2.0 service provider (RFC 7644) at /api/scim/v2, as an encapsulated plugin with its
 * own content type and error bodies. Routes are thin: they hand the request to `scim.*` in core.
 */
export async function scimRoutes(app: App, ctx: AppContext): Promise<void> {
  await app.register(async (scope: App) => {
    const baseUrl = (request: FastifyRequest) => `${(ctx.config.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '')}${SCIM_PREFIX}`;
    const scopeOf = (request: FastifyRequest): scim.ScimScope => ({ deps: ctx.deps, actor: actorOf(request) as Actor, baseUrl: baseUrl(request) });

    // Identity providers send application/scim+json (RFC 7644 §3.1); parsed like JSON.
    scope.addContentTypeParser('application/scim+json', { parseAs: 'string' }, parseJsonText);
    scope.setErrorHandler(handleScimError);
    // The schemas of these routes document them (OpenAPI) and nothing more: core checks SCIM
    // bodies by RFC 7643's rules (case-insensitive attribute names, extension schemas), and
    // resources are answered with every attribute they have.
    scope.setValidatorCompiler(() => () => true);
    scope.setSerializerCompiler(() => (data) => JSON.stringify(data));
    scope.addHook('preValidation', async (request) => {
      if (request.body !== undefined) scim.checkBodyDepth(request.body);
    });

    // Every answer with a body is application/scim+json (RFC 7644 §3.1). Refusals made before
    // a route runs are SCIM errors already: the auth hook knows these routes are SCIM's.
    scope.addHook('preSerialization', (_request, reply, payload, done) => {
      reply.type(SCIM_JSON);
      done(null, payload);
    });

    scope.setNotFoundHandler((request, reply) => {
      reply.code(404).type(SCIM_JSON).send(scimErrorBody(404, `No SCIM endpoint ${request.method} ${request.url.split('?')[0]}`));
    });

    const created = (reply: FastifyReply, resource: scim.ScimResource) => {
      const location = (resource.meta as { location?: string } | undefined)?.location;
      if (location) reply.header('location', location);
      return reply.code(201).type(SCIM_JSON).send(resource);
    };
    const noContent = (reply: FastifyReply) => reply.code(204).send();
    const projectOne = (resource: scim.ScimResource, kind: scim.ResourceKind, q: Query) =>
      scim.project(resource, scim.CORE_SCHEMA[kind], oneString(q, 'attributes'), oneString(q, 'excludedAttributes'));

    // Discovery (RFC 7644 §4)
    scope.get('/ServiceProviderConfig', op('getScimServiceProviderConfig', 'The service provider configuration', { scope: 'none', response: Resource('The features supported (RFC 7643 §5)') }), async (request) => scim.serviceProviderConfig(baseUrl(request)));
    const kinds: scim.ResourceKind[] = ['User', 'Group'];
    const listOf = (resources: unknown[]) => ({ schemas: [scim.LIST_RESPONSE], totalResults: resources.length, itemsPerPage: resources.length, startIndex: 1, Resources: resources });
    scope.get('/ResourceTypes', op('listScimResourceTypes', 'List the resource types (User, Group)', { scope: 'none', response: ListResponse }), async (request) => listOf(kinds.map((k) => scim.resourceTypeResource(k, baseUrl(request)))));
    scope.get<{ Params: { id: string } }>('/ResourceTypes/:id', op('getScimResourceType', 'Get a resource type', { scope: 'none', params: true, response: Resource('A resource type (RFC 7643 §6)') }), async (request) => {
      const kind = kinds.find((k) => k === request.params.id);
      if (!kind) throw new scim.ScimError(404, null, `No resource type ${request.params.id}`);
      return scim.resourceTypeResource(kind, baseUrl(request));
    });
    scope.get('/Schemas', op('listScimSchemas', 'List the schemas of the resources', { scope: 'none', response: ListResponse }), async (request) => listOf(kinds.map((k) => scim.schemaResource(k, baseUrl(request)))));
    scope.get<{ Params: { id: string } }>('/Schemas/:id', op('getScimSchema', 'Get a schema', { scope: 'none', params: true, response: Resource('A schema (RFC 7643 §7)') }), async (request) => {
      const kind = kinds.find((k) => scim.CORE_SCHEMA[k] === request.params.id);
      if (!kind) throw new scim.ScimError(404, null, `No schema ${request.params.id}`);
      return scim.schemaResource(kind, baseUrl(request));
    });

    // Every resource type at once (RFC 7644 §3.4.3).
    // Users and groups at once: the route needs users:read, and a scoped token teams:read as well.
    const groupsRead = routeScopeMask('teams:read');
    scope.post('/.search', op('searchScim', 'Search users and groups at once (the query in the body)', { scope: 'users:read', body: SearchRequest, response: ListResponse }), async (request, reply) => {
      const mask = request.principal?.token?.scopeMask;
      if (mask !== undefined && !scopeAllows(mask, groupsRead)) {
        return sendScimError(reply, 403, "This token's scopes do not include teams:read, which a search of every resource type needs");
      }
      return scim.scimSearchAll(scopeOf(request), searchQuery(request.body));
    });

    // Users
    scope.get('/Users', op('listScimUsers', 'List or filter users', { scope: 'users:read', query: ListQuery, response: ListResponse }), async (request) => scim.scimListUsers(scopeOf(request), listQuery(request.query as Query)));
    scope.post('/Users/.search', op('searchScimUsers', 'Search users (the query in the body)', { scope: 'users:read', body: SearchRequest, response: ListResponse }), async (request) => scim.scimListUsers(scopeOf(request), searchQuery(request.body)));
    scope.post('/Users', op('createScimUser', 'Provision a user', { scope: 'users:write', body: User, status: 201, response: User, errors: [409] }), async (request, reply) => created(reply, await scim.scimCreateUser(scopeOf(request), request.body)));
    scope.get<{ Params: { id: string } }>('/Users/:id', op('getScimUser', 'Get a user', { scope: 'users:read', params: true, query: ProjectionQuery, response: User }), async (request) =>
      projectOne(await scim.scimGetUser(scopeOf(request), request.params.id), 'User', request.query as Query));
    scope.put<{ Params: { id: string } }>('/Users/:id', op('replaceScimUser', 'Replace a user', { scope: 'users:write', params: true, body: User, response: User, errors: [409] }), async (request) => scim.scimReplaceUser(scopeOf(request), request.params.id, request.body));
    scope.patch<{ Params: { id: string } }>('/Users/:id', op('patchScimUser', 'Change a user (e.g. deactivate it)', { scope: 'users:write', params: true, body: PatchOp, response: User, errors: [409] }), async (request) => scim.scimPatchUser(scopeOf(request), request.params.id, request.body));
    scope.delete<{ Params: { id: string } }>('/Users/:id', op('deleteScimUser', 'Deprovision a user', { scope: 'users:write', params: true, status: 204, description: 'The user is deactivated and their tokens revoked; Gatehouse keeps it for the audit log.' }), async (request, reply) => {
      await scim.scimDeleteUser(scopeOf(request), request.params.id);
      return noContent(reply);
    });

    // Groups
    scope.get('/Groups', op('listScimGroups', 'List or filter groups', { scope: 'teams:read', query: ListQuery, response: ListResponse }), async (request) => scim.scimListGroups(scopeOf(request), listQuery(request.query as Query)));
    scope.post('/Groups/.search', op('searchScimGroups', 'Search groups (the query in the body)', { scope: 'teams:read', body: SearchRequest, response: ListResponse }), async (request) => scim.scimListGroups(scopeOf(request), searchQuery(request.body)));
    scope.post('/Groups', op('createScimGroup', 'Provision a group (a team)', { scope: 'teams:write', body: Group, status: 201, response: Group, errors: [409] }), async (request, reply) => created(reply, await scim.scimCreateGroup(scopeOf(request), request.body)));
    scope.get<{ Params: { id: string } }>('/Groups/:id', op('getScimGroup', 'Get a group', { scope: 'teams:read', params: true, query: ProjectionQuery, response: Group }), async (request) =>
      projectOne(await scim.scimGetGroup(scopeOf(request), request.params.id, request.query as { attributes?: string; excludedAttributes?: string }), 'Group', request.query as Query));
    scope.put<{ Params: { id: string } }>('/Groups/:id', op('replaceScimGroup', 'Replace a group', { scope: 'teams:write', params: true, body: Group, response: Group, errors: [409] }), async (request) => scim.scimReplaceGroup(scopeOf(request), request.params.id, request.body));
    scope.patch<{ Params: { id: string } }>('/Groups/:id', op('patchScimGroup', 'Change a group (e.g. add or remove members)', { scope: 'teams:write', params: true, body: PatchOp, response: Group, errors: [409] }), async (request) => scim.scimPatchGroup(scopeOf(request), request.params.id, request.body));
    scope.delete<{ Params: { id: string } }>('/Groups/:id', op('deleteScimGroup', 'Delete a group (its team)', { scope: 'teams:write', params: true, status: 204, errors: [409] }), async (request, reply) => {
      await scim.scimDeleteGroup(scopeOf(request), request.params.id);
      return noContent(reply);
    });
  }, { prefix: SCIM_PREFIX });
}
