import { listAuditEvents, type AuditQuery, type ListRequest, type Seek } from '@gatehouse/core';
import { stringify } from 'csv-stringify/sync';
import { Type } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { ListPageOf, ListQuery, listPageToWire, windowOf } from '../http/paging.js';
import { AuditEventSchema, auditEventToWire, errorResponses, Id, iso } from '../http/wire.js';

/** Most events one CSV export carries (newest first); narrow the filters for more. */
export const AUDIT_CSV_MAX_ROWS = 100_000;
const CSV_PAGE = 1000;
const CSV_COLUMNS = ['id', 'at', 'action', 'outcome', 'actor_user_id', 'actor_token_id', 'target_type', 'target_id', 'ip', 'user_agent', 'details'] as const;

export async function auditEventsRoutes(app: App, { deps }: AppContext): Promise<void> {
  app.get('/api/audit-events', {
    config: { scope: 'audit:read' },
    schema: {
      operationId: 'listAuditEvents',
      tags: ['audit'],
      summary: 'List audit events, newest first',
      description: 'Admin. Who did what to which target, when and from where, including refusals. With format=csv, every event the filters select (up to 100,000, not one page) as CSV.',
      querystring: Type.Object({
        ...ListQuery,
        format: Type.Optional(Type.Enum(['json', 'csv'], { default: 'json', description: 'csv: every event the filters select, not one page' })),
        actor_id: Type.Optional(Id({ description: 'numeric id of the acting user' })),
        token_id: Type.Optional(Id({ description: 'id of the token used' })),
        action: Type.Optional(Type.String({ maxLength: 100, description: 'e.g. token.revoked' })),
        since: Type.Optional(Type.String({ format: 'date-time' })),
        until: Type.Optional(Type.String({ format: 'date-time' })),
      }),
      response: {
        200: {
          description: 'a page of events, or with format=csv every event selected as text/csv (a header line; details as JSON)',
          content: { 'application/json': { schema: ListPageOf(AuditEventSchema) }, 'text/csv': { schema: Type.String() } },
        },
        ...errorResponses(401, 403, 422),
      },
    },
  }, async (request, reply) => {
    const q = request.query;
    const actor = actorOf(request);
    const filter: Omit<AuditQuery, keyof ListRequest> = {
      ...(q.actor_id !== undefined ? { actorUserId: q.actor_id } : {}),
      ...(q.token_id !== undefined ? { actorTokenId: q.token_id } : {}),
      ...(q.action !== undefined ? { action: q.action } : {}),
      ...(q.since !== undefined ? { since: new Date(q.since) } : {}),
      ...(q.until !== undefined ? { until: new Date(q.until) } : {}),
    };
    if (q.format === 'csv') {
      const rows: unknown[][] = [[...CSV_COLUMNS]];
      let seek: Seek | undefined;
      for (let read = 0; read < AUDIT_CSV_MAX_ROWS; read += CSV_PAGE) {
        // Followed by cursor: as fast deep in the log as at its start.
        const page = await listAuditEvents(deps, actor, { ...filter, limit: CSV_PAGE, total: false, ...(seek ? { seek } : {}) });
        for (const e of page.items.map(auditEventToWire)) {
          rows.push(CSV_COLUMNS.map((c) => (c === 'details' ? (e.details ? JSON.stringify(e.details) : '') : (e[c] ?? ''))));
        }
        if (!page.next) break;
        seek = { after: page.next };
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="gatehouse-audit-${iso(deps.clock.now()).slice(0, 10)}.csv"`)
        .send(stringify(rows));
    }
    const w = windowOf(q, '-id');
    const page = await listAuditEvents(deps, actor, { ...filter, ...w.request });
    return reply.type('application/json; charset=utf-8').send(listPageToWire(page, auditEventToWire, w));
  });
}
