import { accessReview, type AccessReviewRow } from '@gatehouse/core';
import { stringify } from 'csv-stringify/sync';
import { Type, type Static } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { errorResponses, iso, isoOrNull, Nullable, RoleSchema } from '../http/wire.js';

const DateTime = Type.String({ format: 'date-time' });

export const AccessReviewRowSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  type: Type.Enum(['Personal', 'Service']),
  owner: Type.String({ description: "the owner's user_id" }),
  owner_name: Type.String(),
  owner_role: RoleSchema,
  owner_active: Type.Boolean(),
  teams: Type.Array(Type.String(), { description: "the owner's teams" }),
  scim_endpoints_only: Type.Boolean(),
  scopes: Type.Union([Type.Array(Type.String()), Type.Null()], { description: "null: everything the owner's role allows" }),
  created: DateTime,
  created_by: Nullable(Type.String({ description: 'user_id of the creator' })),
  expiration: Nullable(DateTime),
  last_used: Nullable(DateTime),
  idle_days: Type.Integer({ description: 'whole days since the last use, or since creation when never used' }),
  status: Type.Enum(['active', 'revoked', 'expired']),
  policy_violations: Type.Array(Type.String()),
});

type WireRow = Static<typeof AccessReviewRowSchema>;

const rowToWire = (r: AccessReviewRow): WireRow => ({
  id: r.token.id,
  name: r.token.name,
  type: r.token.type,
  owner: r.owner.userId,
  owner_name: r.owner.name,
  owner_role: r.owner.role,
  owner_active: r.owner.active,
  teams: r.owner.teams.map((t) => t.name),
  scim_endpoints_only: r.token.scimEndpointsOnly,
  scopes: null,
  created: iso(r.token.created),
  created_by: r.createdBy,
  expiration: isoOrNull(r.token.expiration),
  last_used: isoOrNull(r.token.lastUsed),
  idle_days: r.idleDays,
  status: r.status,
  policy_violations: r.policyViolations,
});

const CSV_COLUMNS = Object.keys(AccessReviewRowSchema.properties) as (keyof WireRow)[];

/** One CSV line per row, the JSON's fields in its order; lists joined by "; ", null as empty. */
function toCsv(rows: WireRow[]): string {
  const cells = (r: WireRow) => CSV_COLUMNS.map((c) => {
    const v = r[c];
    return Array.isArray(v) ? v.join('; ') : v === null ? '' : String(v);
  });
  return stringify([CSV_COLUMNS, ...rows.map(cells)]);
}

/** The access review (SPEC §10): one row per token, as JSON or CSV. */
export async function accessReviewRoutes(app: App, { deps }: AppContext): Promise<void> {
  app.get('/api/access-review', {
    config: { scope: 'tokens:read' },
    schema: {
      operationId: 'getAccessReview',
      tags: ['tokens'],
      summary: 'Review every token: owner, last use, idle days, policy violations',
      description: 'Admin. One row per token, as JSON or (format=csv) CSV, filtered.',
      querystring: Type.Object({
        format: Type.Optional(Type.Enum(['json', 'csv'], { default: 'json' })),
        type: Type.Optional(Type.Enum(['Personal', 'Service'])),
        owner: Type.Optional(Type.String({ minLength: 1, maxLength: 320, description: "the owner's user_id" })),
        idle_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 36500, description: 'only tokens idle for more than this many days' })),
        never_used: Type.Optional(Type.Boolean()),
        never_expires: Type.Optional(Type.Boolean()),
        owner_deactivated: Type.Optional(Type.Boolean()),
      }),
      response: {
        200: {
          description: 'a JSON array of rows, or with format=csv the same rows as text/csv (a header line, lists joined by "; ")',
          content: { 'application/json': { schema: Type.Array(AccessReviewRowSchema) }, 'text/csv': { schema: Type.String() } },
        },
        ...errorResponses(401, 403, 422),
      },
    },
  }, async (request, reply) => {
    const q = request.query;
    const rows = (await accessReview(deps, actorOf(request), {
      ...(q.type !== undefined ? { type: q.type } : {}),
      ...(q.owner !== undefined ? { owner: q.owner } : {}),
      ...(q.idle_days !== undefined ? { idleDays: q.idle_days } : {}),
      ...(q.never_used ? { neverUsed: true } : {}),
      ...(q.never_expires ? { neverExpires: true } : {}),
      ...(q.owner_deactivated ? { ownerDeactivated: true } : {}),
    })).map(rowToWire);
    if (q.format === 'csv') {
      const day = iso(deps.clock.now()).slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="gatehouse-access-review-${day}.csv"`)
        .send(toCsv(rows));
    }
    return reply.type('application/json; charset=utf-8').send(rows);
  });
}
