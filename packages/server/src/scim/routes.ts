import { scim, type Actor } from '@gatehouse/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { parseJsonText } from '../plugins/json-body.js';
import { handleScimError, SCIM_JSON, scimErrorBody } from './errors.js';

/** Where the SCIM endpoints are mounted (SPEC §4). */
export const SCIM_PREFIX = '/api/scim/v2';

type Query = Record<string, unknown>;

/** Only a SCIM administration token reaches these routes (the auth hook enforces it). */
const config = { auth: 'scim' as const };

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
    scope.get('/ServiceProviderConfig', { config }, async (request) => scim.serviceProviderConfig(baseUrl(request)));
    const kinds: scim.ResourceKind[] = ['User', 'Group'];
    const listOf = (resources: unknown[]) => ({ schemas: [scim.LIST_RESPONSE], totalResults: resources.length, itemsPerPage: resources.length, startIndex: 1, Resources: resources });
    scope.get('/ResourceTypes', { config }, async (request) => listOf(kinds.map((k) => scim.resourceTypeResource(k, baseUrl(request)))));
    scope.get<{ Params: { id: string } }>('/ResourceTypes/:id', { config }, async (request) => {
      const kind = kinds.find((k) => k === request.params.id);
      if (!kind) throw new scim.ScimError(404, null, `No resource type ${request.params.id}`);
      return scim.resourceTypeResource(kind, baseUrl(request));
    });
    scope.get('/Schemas', { config }, async (request) => listOf(kinds.map((k) => scim.schemaResource(k, baseUrl(request)))));
    scope.get<{ Params: { id: string } }>('/Schemas/:id', { config }, async (request) => {
      const kind = kinds.find((k) => scim.CORE_SCHEMA[k] === request.params.id);
      if (!kind) throw new scim.ScimError(404, null, `No schema ${request.params.id}`);
      return scim.schemaResource(kind, baseUrl(request));
    });

    // Every resource type at once (RFC 7644 §3.4.3).
    scope.post('/.search', { config }, async (request) => scim.scimSearchAll(scopeOf(request), searchQuery(request.body)));

    // Users
    scope.get('/Users', { config }, async (request) => scim.scimListUsers(scopeOf(request), listQuery(request.query as Query)));
    scope.post('/Users/.search', { config }, async (request) => scim.scimListUsers(scopeOf(request), searchQuery(request.body)));
    scope.post('/Users', { config }, async (request, reply) => created(reply, await scim.scimCreateUser(scopeOf(request), request.body)));
    scope.get<{ Params: { id: string } }>('/Users/:id', { config }, async (request) =>
      projectOne(await scim.scimGetUser(scopeOf(request), request.params.id), 'User', request.query as Query));
    scope.put<{ Params: { id: string } }>('/Users/:id', { config }, async (request) => scim.scimReplaceUser(scopeOf(request), request.params.id, request.body));
    scope.patch<{ Params: { id: string } }>('/Users/:id', { config }, async (request) => scim.scimPatchUser(scopeOf(request), request.params.id, request.body));
    scope.delete<{ Params: { id: string } }>('/Users/:id', { config }, async (request, reply) => {
      await scim.scimDeleteUser(scopeOf(request), request.params.id);
      return noContent(reply);
    });

    // Groups
    scope.get('/Groups', { config }, async (request) => scim.scimListGroups(scopeOf(request), listQuery(request.query as Query)));
    scope.post('/Groups/.search', { config }, async (request) => scim.scimListGroups(scopeOf(request), searchQuery(request.body)));
    scope.post('/Groups', { config }, async (request, reply) => created(reply, await scim.scimCreateGroup(scopeOf(request), request.body)));
    scope.get<{ Params: { id: string } }>('/Groups/:id', { config }, async (request) =>
      projectOne(await scim.scimGetGroup(scopeOf(request), request.params.id), 'Group', request.query as Query));
    scope.put<{ Params: { id: string } }>('/Groups/:id', { config }, async (request) => scim.scimReplaceGroup(scopeOf(request), request.params.id, request.body));
    scope.patch<{ Params: { id: string } }>('/Groups/:id', { config }, async (request) => scim.scimPatchGroup(scopeOf(request), request.params.id, request.body));
    scope.delete<{ Params: { id: string } }>('/Groups/:id', { config }, async (request, reply) => {
      await scim.scimDeleteGroup(scopeOf(request), request.params.id);
      return noContent(reply);
    });
  }, { prefix: SCIM_PREFIX });
}
