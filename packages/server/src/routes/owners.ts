import { getOwners, setOwners, type User } from '@gatehouse/core';
import { Type } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { errorResponses, Id, IdParams, UserRefSchema, userRefToWire } from '../http/wire.js';

const owners = (users: User[]) => users.map(userRefToWire);

/** SPEC §9: the people who own a service account (told about its tokens' expiry and idleness). */
export async function ownersRoutes(app: App, { deps }: AppContext): Promise<void> {
  app.get('/api/users/:id/owners', {
    config: { scope: 'users:read' },
    schema: {
      operationId: 'getServiceAccountOwners',
      tags: ['users'],
      summary: "A service account's owners",
      description: 'Manager+. The people told about its tokens; none set = the Admin who created it.',
      params: IdParams,
      response: { 200: Type.Array(UserRefSchema), ...errorResponses(403) },
    },
  }, async (request) => owners(await getOwners(deps, actorOf(request), request.params.id)));

  app.put('/api/users/:id/owners', {
    config: { scope: 'users:write' },
    schema: {
      operationId: 'setServiceAccountOwners',
      tags: ['users'],
      summary: "Set a service account's owners",
      description: 'Admin. People only, at least one.',
      params: IdParams,
      body: Type.Object({ owner_ids: Type.Array(Id(), { minItems: 1, maxItems: 50 }) }, { additionalProperties: false }),
      response: { 200: Type.Array(UserRefSchema), ...errorResponses(403) },
    },
  }, async (request) => owners(await setOwners(deps, actorOf(request), request.params.id, request.body.owner_ids)));
}
