import { addTeamMembers, createTeam, deleteTeam, getTeam, listTeamMembers, listTeams, removeTeamMember, updateTeam } from '@gatehouse/core';
import { Type } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { ListPageOf, ListQuery, listPageToWire, windowOf } from '../http/paging.js';
import { errorResponses, Id, IdParams, TeamMemberSchema, teamMemberToWire, TeamSchema, teamToWire } from '../http/wire.js';

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
      summary: 'List teams with their member counts',
      description:
        'Manager or Admin. Paginated by page or cursor. Each team carries `user_count` and the first 10 members by name ' +
        '(`users_partial` says whether there are more): a team may hold every user. Its members: GET /api/teams/{id}/members.',
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
    schema: { operationId: 'getTeam', tags: ['teams'], summary: 'Get a team', description: 'Manager or Admin. `user_count` and up to 1000 members by name (`users_partial` says whether there are more); the whole list: GET /api/teams/{id}/members.', params: IdParams, response: { 200: TeamSchema, ...errorResponses(401, 403, 404) } },
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
      description:
        'Admin. Rename it, change its description or set its members (`user_ids` replaces them all, up to 10,000: read them through ' +
        'GET /api/teams/{id}/members, not from a team\'s `users`, which may be partial). To add or remove a few members of a large team: ' +
        'POST /api/teams/{id}/members and DELETE /api/teams/{id}/members/{user_id}.',
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

  app.get('/api/teams/:id/members', {
    config: { scope: 'teams:read' },
    schema: {
      operationId: 'listTeamMembers',
      tags: ['teams'],
      summary: "List a team's members",
      description:
        'Manager or Admin. Sorted by name (case-insensitive), then id; paginated by page or cursor (a cursor stays exact while members ' +
        'are added and removed). `search`: a case-insensitive substring of user_id, name or e-mail, as in GET /api/users.',
      params: IdParams,
      querystring: Type.Object({ ...ListQuery, search: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }),
      response: { 200: ListPageOf(TeamMemberSchema), ...errorResponses(401, 403, 404, 422) },
    },
  }, async (request) => {
    const w = windowOf(request.query, 'name');
    const q = request.query;
    const page = await listTeamMembers(deps, actorOf(request), request.params.id, { ...w.request, ...(q.search ? { search: q.search } : {}) });
    return listPageToWire(page, teamMemberToWire, w);
  });

  app.post('/api/teams/:id/members', {
    config: { scope: 'teams:write' },
    schema: {
      operationId: 'addTeamMembers',
      tags: ['teams'],
      summary: 'Add members to a team',
      description: 'Admin. Adds these users and leaves the other members alone (users already in the team stay). Not for Public, which holds every user.',
      params: IdParams,
      body: Type.Object({ user_ids: Type.Array(Id(), { minItems: 1, maxItems: 10_000 }) }),
      response: { 200: TeamSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
  }, async (request) => teamToWire(await addTeamMembers(deps, actorOf(request), request.params.id, request.body.user_ids)));

  app.delete('/api/teams/:id/members/:user_id', {
    config: { scope: 'teams:write' },
    schema: {
      operationId: 'removeTeamMember',
      tags: ['teams'],
      summary: 'Remove a member from a team',
      description: 'Admin. 404 when the user is not a member. Not for Public, which holds every user.',
      params: Type.Object({ id: Id(), user_id: Id({ description: 'the member\'s id (not its user_id name)' }) }),
      response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    await removeTeamMember(deps, actorOf(request), request.params.id, request.params.user_id);
    return reply.code(204).send(null);
  });
}
