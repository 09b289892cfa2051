import { createTeam, deleteTeam, getTeam, listTeams, updateTeam } from '@gatehouse/core';
import { Type } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { ListPageOf, ListQuery, listPageToWire, windowOf } from '../http/paging.js';
import { errorResponses, Id, IdParams, TeamSchema, teamToWire } from '../http/wire.js';

const TeamBody = {
  description: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
  user_ids: Type.Optional(Type.Array(Id(), { maxItems: 10_000 })),
};

export async function teamsRoutes(app: App, { deps }: AppContext): Promise<void> {
  app.get('/api/teams', {
    config: { scope: 'teams:read' },
    schema: {
      operationId: 'listTeams',
      tags: ['teams'],
      summary: 'List teams with their members',
      description: 'Manager or Admin. Paginated by page or cursor.',
      querystring: Type.Object({ ...ListQuery, search: Type.Optional(Type.String({ maxLength: 200 })) }),
      response: { 200: ListPageOf(TeamSchema), ...errorResponses(401, 403, 422) },
    },
  }, async (request) => {
    const w = windowOf(request.query, 'id');
    const page = await listTeams(deps, actorOf(request), { ...w.request, ...(request.query.search ? { search: request.query.search } : {}) });
    return listPageToWire(page, teamToWire, w);
  });

  app.get('/api/teams/:id', {
    config: { scope: 'teams:read' },
    schema: { operationId: 'getTeam', tags: ['teams'], summary: 'Get a team', description: 'Manager or Admin.', params: IdParams, response: { 200: TeamSchema, ...errorResponses(401, 403, 404) } },
  }, async (request) => teamToWire(await getTeam(deps, actorOf(request), request.params.id)));

  app.post('/api/teams', {
    config: { scope: 'teams:write' },
    schema: {
      operationId: 'createTeam',
      tags: ['teams'],
      summary: 'Create a team',
      description: 'Admin.',
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), ...TeamBody }),
      response: { 200: TeamSchema, ...errorResponses(401, 403, 409, 422) },
    },
  }, async (request) => {
    const b = request.body;
    return teamToWire(await createTeam(deps, actorOf(request), {
      name: b.name,
      ...(b.description !== undefined ? { description: b.description } : {}),
      ...(b.user_ids !== undefined ? { userIds: b.user_ids } : {}),
    }));
  });

  app.put('/api/teams/:id', {
    config: { scope: 'teams:write' },
    schema: {
      operationId: 'updateTeam',
      tags: ['teams'],
      summary: 'Change a team',
      description: 'Admin. Rename it, change its description or set its members.',
      params: IdParams,
      body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), ...TeamBody }),
      response: { 200: TeamSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
  }, async (request) => {
    const b = request.body;
    return teamToWire(await updateTeam(deps, actorOf(request), request.params.id, {
      ...(b.name !== undefined ? { name: b.name } : {}),
      ...(b.description !== undefined ? { description: b.description } : {}),
      ...(b.user_ids !== undefined ? { userIds: b.user_ids } : {}),
    }));
  });

  app.delete('/api/teams/:id', {
    config: { scope: 'teams:write' },
    schema: { operationId: 'deleteTeam', tags: ['teams'], summary: 'Delete a team', description: 'Admin. The Public team cannot be deleted.', params: IdParams, response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) } },
  }, async (request, reply) => {
    await deleteTeam(deps, actorOf(request), request.params.id);
    return reply.code(204).send(null);
  });
}
