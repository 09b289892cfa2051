import { listAuditEvents } from '@gatehouse/core';
import { Type } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { AuditEventSchema, auditEventToWire, errorResponses, Id, PageOf, PageQuery, pageWindow } from '../http/wire.js';

export async function auditEventsRoutes(app: App, { deps }: AppContext): Promise<void> {
  app.get('/api/audit-events', {
    schema: {
      operationId: 'listAuditEvents',
      tags: ['audit'],
      summary: 'List audit events, newest first',
      description: 'Admin. Who did what to which target, when and from where, including refusals.',
      querystring: Type.Object({
        ...PageQuery,
        actor_id: Type.Optional(Id({ description: 'numeric id of the acting user' })),
        token_id: Type.Optional(Id({ description: 'id of the token used' })),
        action: Type.Optional(Type.String({ maxLength: 100, description: 'e.g. token.revoked' })),
        since: Type.Optional(Type.String({ format: 'date-time' })),
        until: Type.Optional(Type.String({ format: 'date-time' })),
      }),
      response: { 200: PageOf(AuditEventSchema), ...errorResponses(401, 403, 422) },
    },
  }, async (request) => {
    const q = request.query;
    const w = pageWindow(q);
    const page = await listAuditEvents(deps, actorOf(request), {
      offset: w.offset,
      limit: w.limit,
      ...(q.actor_id !== undefined ? { actorUserId: q.actor_id } : {}),
      ...(q.token_id !== undefined ? { actorTokenId: q.token_id } : {}),
      ...(q.action !== undefined ? { action: q.action } : {}),
      ...(q.since !== undefined ? { since: new Date(q.since) } : {}),
      ...(q.until !== undefined ? { until: new Date(q.until) } : {}),
    });
    return { items: page.items.map(auditEventToWire), total: page.total, page: w.page, size: w.size };
  });
}
