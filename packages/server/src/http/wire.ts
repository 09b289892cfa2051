import { TEAM_PREVIEW_LIST, TEAM_PREVIEW_ONE, type AuditEvent, type Connection, type Datastore, type SessionInfo, type Team, type TeamMember, type Token, type User, type UserRef } from '@gatehouse/core';
import { REVOKE_REASONS, ROLES, SCOPES } from '@gatehouse/core';
import { Type, type Static, type TSchema } from 'typebox';

/*
 * The wire format (snake_case JSON, integer ids, ISO-8601 UTC without milliseconds, as the
 * reference API) — schemas that validate, serialize and document, and the one mapping from
 * domain objects to them.
 */

/** ISO-8601 UTC to the second: toISOString() always ends in `.sssZ`. */
export const iso = (d: Date): string => `${d.toISOString().slice(0, -5)}Z`;
export const isoOrNull = (d: Date | null): string | null => (d === null ? null : iso(d));

const DateTime = Type.String({ format: 'date-time' });
/**
 * `T | null` as a JSON Schema type list (`"type": ["string", "null"]`, OpenAPI 3.1) rather than
 * `anyOf`: fast-json-stringify serializes a type list directly, but validates every `anyOf`
 * branch with Ajv on each response.
 */
export const Nullable = <T extends TSchema & { type: string }>(t: T) => Type.Unsafe<Static<T> | null>({ ...t, type: [t.type, 'null'] });

export const RoleSchema = Type.Enum([...ROLES]);
export const UserTypeSchema = Type.Enum(['Human', 'Service']);

export const UserRefSchema = Type.Object({
  id: Type.Integer(),
  user_id: Type.String(),
  name: Type.String(),
  user_type: UserTypeSchema,
});

export const UserSchema = Type.Object({
  id: Type.Integer(),
  user_id: Type.String(),
  user_name: Type.String(),
  email: Nullable(Type.String()),
  name: Type.String(),
  user_type: UserTypeSchema,
  role: RoleSchema,
  teams: Type.Array(Type.String()),
  active: Type.Boolean(),
  created: DateTime,
  created_by_id: Nullable(Type.Integer()),
  last_login: Nullable(DateTime),
  provisioned_by: Type.Enum(['local', 'scim'], { description: 'local: created in Gatehouse; scim: by an identity provider' }),
});

export const TokenSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  type: Type.Enum(['Personal', 'Service']),
  active: Type.Boolean(),
  scim_endpoints_only: Type.Boolean(),
  expiration: Nullable(DateTime),
  created: DateTime,
  created_by_id: Nullable(Type.Integer()),
  last_used: Nullable(DateTime),
  last_used_ip: Nullable(Type.String()),
  revoked_at: Nullable(DateTime),
  revoked_by_id: Nullable(Type.Integer({ description: 'who revoked it (null while active)' })),
  revoke_reason: Type.Union([Type.Enum([...REVOKE_REASONS]), Type.Null()], { description: 'why it was revoked; the owner may restore only an "owner" revocation of their own' }),
  user: UserRefSchema,
  scopes: Type.Union([Type.Array(Type.Enum([...SCOPES])), Type.Null()], { description: "what the token may do within its owner's role; null = all of it" }),
  allowed_ips: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'the IPv4/IPv6 CIDRs it may be used from; null = anywhere' }),
  previous_secret_expires_at: Nullable({ ...DateTime, description: 'after a rotation with grace_hours: until when the previous secret works' }),
  idle_revoke_days: Nullable(Type.Integer({ description: "its own idle limit in days (shorter than its type's policy); null = the policy's alone" })),
});

export const CreatedTokenSchema = Type.Object({
  ...TokenSchema.properties,
  bearer_token: Type.String({ description: 'The secret: shown in this response only' }),
});

export const TeamSchema = Type.Object({
  id: Type.Integer(),
  created: DateTime,
  name: Type.String(),
  description: Nullable(Type.String()),
  users: Type.Array(UserRefSchema, {
    description: `the first members by name (case-insensitive), at most ${TEAM_PREVIEW_LIST} in a list and ${TEAM_PREVIEW_ONE} for one team: a team may hold every user (Public does). The whole list: GET /api/teams/{id}/members`,
  }),
  user_count: Type.Integer({ description: 'exact number of members, deactivated users included' }),
  users_partial: Type.Boolean({ description: 'true when `users` is not every member (user_count > users.length)' }),
});

export const TeamMemberSchema = Type.Object({
  ...UserRefSchema.properties,
  email: Nullable(Type.String()),
  active: Type.Boolean(),
});

export const ConnectionSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  type: Type.String(),
  host: Nullable(Type.String()),
  port: Nullable(Type.Integer()),
  created: DateTime,
});

export const DatastoreSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  type: Type.String(),
  host: Nullable(Type.String()),
  port: Nullable(Type.Integer()),
  database: Nullable(Type.String()),
  schema: Nullable(Type.String()),
  teams: Type.Array(Type.String()),
  connection: Nullable(Type.Object({ id: Type.Integer(), name: Type.String(), type: Type.String() }, { description: 'the connection it hangs off (its type, host and port are the datastore\'s)' })),
  tags: Type.Array(Type.String()),
  enrichment_only: Type.Boolean(),
  created: DateTime,
  created_by_id: Nullable(Type.Integer()),
});

/**
 * An object schema that refuses properties it does not name (a 422 naming the first one,
 * `describeValidation`), where a plain one would accept and ignore them (SPEC §12: a filter or
 * field Gatehouse does not support is never silently dropped). `{not: {}}` rather than
 * `false`: the API's Ajv removes properties that `additionalProperties: false` forbids.
 */
export const Closed = <P extends Record<string, TSchema>>(properties: P, options: { description?: string } = {}) =>
  Type.Object(properties, { ...options, additionalProperties: Type.Never() });

export const AuditEventSchema = Type.Object({
  id: Type.Integer(),
  at: DateTime,
  actor_user_id: Nullable(Type.Integer()),
  actor_token_id: Nullable(Type.Integer()),
  action: Type.String(),
  target_type: Nullable(Type.String()),
  target_id: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  outcome: Type.Enum(['success', 'failure']),
  details: Nullable(Type.Record(Type.String(), Type.Unknown())),
});

export const SessionSchema = Type.Object({
  id: Type.Integer(),
  created: DateTime,
  last_seen: DateTime,
  expires: DateTime,
  ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  current: Type.Boolean({ description: 'the session this request was made with' }),
});

export const sessionToWire = (s: SessionInfo & { current: boolean }) => ({
  id: s.id,
  created: iso(s.created),
  last_seen: iso(s.lastSeen),
  expires: iso(s.expires),
  ip: s.ip,
  user_agent: s.userAgent,
  current: s.current,
});

export const ErrorSchema = Type.Object({
  detail: Type.String(),
  code: Type.String(),
  request_id: Type.String(),
  field: Type.Optional(Type.String()),
});

/** `{items, total, page, size}` (the reference's paginated list). */
export const PageOf = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), total: Type.Integer(), page: Type.Integer(), size: Type.Integer() });

export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1, description: '1-based page number' })),
  size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'items per page (up to 1000)' })),
};

/** A database id (a 32-bit integer in both databases). */
export const Id = (options: { description?: string } = {}) => Type.Integer({ minimum: 1, maximum: 2147483647, ...options });

export const IdParams = Type.Object({ id: Id() });

/**
 * A route's own error responses, for OpenAPI: the refusals particular to it (403 for a role, 404
 * for an id in its body, 409). Those that follow from authentication, input and overload (400,
 * 401, 403, 404 for a path id, 422, 429, 503) are added to every operation by http/openapi.ts.
 */
export const errorResponses = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, ErrorSchema]));

export const pageWindow = (q: { page?: number; size?: number }) => {
  const page = q.page ?? 1;
  const size = q.size ?? 50;
  return { page, size, offset: (page - 1) * size, limit: size };
};

export type WireUser = Static<typeof UserSchema>;
export type WireToken = Static<typeof TokenSchema>;

export const userRefToWire = (u: UserRef) => ({ id: u.id, user_id: u.userId, name: u.name, user_type: u.type });

export function userToWire(u: User): WireUser {
  return {
    id: u.id,
    user_id: u.userId,
    user_name: u.userId,
    email: u.email,
    name: u.name,
    user_type: u.type,
    role: u.role,
    teams: u.teams.map((t) => t.name),
    active: u.active,
    created: iso(u.created),
    created_by_id: u.createdById,
    last_login: isoOrNull(u.lastLogin),
    provisioned_by: u.provisionedBy,
  };
}

export function tokenToWire(t: Token): WireToken {
  return {
    id: t.id,
    name: t.name,
    type: t.type,
    active: t.revokedAt === null,
    scim_endpoints_only: t.scimEndpointsOnly,
    expiration: isoOrNull(t.expiration),
    created: iso(t.created),
    created_by_id: t.createdById,
    last_used: isoOrNull(t.lastUsed),
    last_used_ip: t.lastUsedIp,
    revoked_at: isoOrNull(t.revokedAt),
    revoked_by_id: t.revokedById,
    revoke_reason: t.revokeReason,
    user: userRefToWire(t.user),
    scopes: t.scopes ?? null,
    allowed_ips: t.allowedIps ?? null,
    previous_secret_expires_at: isoOrNull(t.previousSecretExpiresAt ?? null),
    idle_revoke_days: t.idleRevokeDays ?? null,
  };
}

export const teamToWire = (t: Team) => ({
  id: t.id,
  created: iso(t.created),
  name: t.name,
  description: t.description,
  users: t.users.map(userRefToWire),
  user_count: t.userCount,
  users_partial: t.userCount > t.users.length,
});

export const teamMemberToWire = (m: TeamMember) => ({ ...userRefToWire(m), email: m.email, active: m.active });

export const datastoreToWire = (d: Datastore) => ({
  id: d.id,
  name: d.name,
  type: d.type,
  host: d.host,
  port: d.port,
  database: d.database,
  schema: d.schema,
  teams: d.teams.map((t) => t.name),
  connection: d.connection,
  tags: d.tags,
  enrichment_only: d.enrichmentOnly,
  created: iso(d.created),
  created_by_id: d.createdById,
});

export const connectionToWire = (c: Connection) => ({
  id: c.id,
  name: c.name,
  type: c.type,
  host: c.host,
  port: c.port,
  created: iso(c.created),
});

export const auditEventToWire = (e: AuditEvent) => ({
  id: e.id,
  at: iso(e.at),
  actor_user_id: e.actorUserId,
  actor_token_id: e.actorTokenId,
  action: e.action,
  target_type: e.targetType,
  target_id: e.targetId,
  ip: e.ip,
  user_agent: e.userAgent,
  outcome: e.outcome,
  details: e.details,
});
