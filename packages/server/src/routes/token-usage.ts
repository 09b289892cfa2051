import { getTokenUsage, tokenBlastRadius, userBlastRadius, type BlastRadius, type TokenClient } from '@gatehouse/core';
import { Type } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { errorResponses, iso, isoOrNull, IdParams, Nullable } from '../http/wire.js';

const DateTime = Type.String({ format: 'date-time' });

export const TokenClientSchema = Type.Object({
  ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  first_seen: DateTime,
  last_seen: DateTime,
  requests: Type.Integer(),
});

export const TokenUsageSchema = Type.Object({
  daily: Type.Array(Type.Object({ date: Type.String({ format: 'date' }), requests: Type.Integer() }), { description: 'one entry per UTC day, oldest first, today last' }),
  clients: Type.Array(TokenClientSchema, { description: 'the 10 most recently seen distinct ip + user agent pairs' }),
});

export const BlastRadiusSchema = Type.Object({
  days: Type.Integer({ description: 'the window counted' }),
  tokens: Type.Integer({ description: 'active tokens that would stop' }),
  requests: Type.Integer(),
  clients: Type.Array(TokenClientSchema, { description: 'clients seen in the window, most recent first' }),
  last_used: Nullable(DateTime),
  text: Type.String({ description: 'what will stop, for a confirmation: "used 1,204 times by 2 clients in the last 7 days: …" or "not used in the last 90 days"' }),
});

export const clientToWire = (c: TokenClient) => ({
  ip: c.ip,
  user_agent: c.userAgent,
  first_seen: iso(c.firstSeen),
  last_seen: iso(c.lastSeen),
  requests: c.requests,
});

const blastRadiusToWire = (b: BlastRadius) => ({
  days: b.days,
  tokens: b.tokens,
  requests: b.requests,
  clients: b.clients.map(clientToWire),
  last_used: isoOrNull(b.lastUsed),
  text: b.text,
});

/** Usage insight (SPEC §10): a token's requests and clients, and what a destructive action would stop. */
export async function tokenUsageRoutes(app: App, { deps }: AppContext): Promise<void> {
  app.get('/api/user-tokens/:id/usage', {
    config: { scope: 'tokens:read' },
    schema: {
      operationId: 'getTokenUsage',
      tags: ['tokens'],
      summary: "A token's requests per day and its most recent clients",
      description: 'Owner or Admin. Counted without a write per request, written behind with last_used (the counts about once a minute).',
      params: IdParams,
      querystring: Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, default: 30, description: 'days counted back from today (UTC), 1–365' })) }),
      response: { 200: TokenUsageSchema, ...errorResponses(401, 404, 422) },
    },
  }, async (request) => {
    const usage = await getTokenUsage(deps, actorOf(request), request.params.id, request.query.days ?? 30);
    return { daily: usage.daily, clients: usage.clients.map(clientToWire) };
  });

  app.get('/api/user-tokens/:id/blast-radius', {
    config: { scope: 'tokens:read' },
    schema: {
      operationId: 'getTokenBlastRadius',
      tags: ['tokens'],
      summary: 'What revoking or rotating a token would stop',
      description: 'Owner or Admin. From its usage in the last 7 days: requests, clients, and the sentence a confirmation shows.',
      params: IdParams,
      response: { 200: BlastRadiusSchema, ...errorResponses(401, 404) },
    },
  }, async (request) => blastRadiusToWire(await tokenBlastRadius(deps, actorOf(request), request.params.id)));

  app.get('/api/users/:id/blast-radius', {
    config: { scope: 'users:read' },
    schema: {
      operationId: 'getUserBlastRadius',
      tags: ['users'],
      summary: "What revoking a user's tokens or deactivating the user would stop",
      description: 'Admin. From the usage of their active tokens in the last 7 days.',
      params: IdParams,
      response: { 200: BlastRadiusSchema, ...errorResponses(401, 403, 404) },
    },
  }, async (request) => blastRadiusToWire(await userBlastRadius(deps, actorOf(request), request.params.id)));
}
